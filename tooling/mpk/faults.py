"""mpk run --profile=faults: the call sites of the fault_injection_sweep cases.

Each sweep maps once per fault point with that point failing (fail_nth).
The kernel prints a stack for every injected failure (failslab or
fail_page_alloc, verbose=2), and the case then logs
"sweep <route>-<row> fail_nth <n>: ...".  This module pairs the two and
names each failure by its call site: the first frame of the stack that is
not the allocator or fault injection itself.
"""
import re

FORCED = 'FAULT_INJECTION: forcing a failure.'
NAME = re.compile(r'\bname (\w+),')
# A stack frame: x86_64/arm64 " func+0x1/0x2", UML " [<6000>] ? func+0x1/0x2".
# "? " marks a frame the unwinder only guessed; UML marks every frame so, and
# its guesses at offset 0 are not calls.
FRAME = re.compile(r'(?:\[<[0-9a-f]+>\]\s*)?(\? )?([A-Za-z_][\w.]*)\+(0x[0-9a-f]+)/0x[0-9a-f]+')
SWEEP = re.compile(r'sweep (\S+) fail_nth (\d+): (.*)')
# The frames up to the injection itself.
INJECTION = re.compile(r'dump_stack|show_stack|fail_dump|should_fail')
# Frames of the allocators, past the injection: never the call site.
ALLOCATOR = re.compile(r'alloc_pages|alloc_frozen|'
                       r'kmem_cache_alloc|kmalloc|kzalloc|slab|sheaf|get_free_page|'
                       r'get_zeroed_page|pagetable_alloc|pte_alloc_one|pmd_alloc_one|'
                       r'pud_alloc_one|prepare_alloc|mt_alloc|mas_alloc|__alloc_|alloc_slab|'
                       r'_noprof')
# What every sweep must have failed (the minimum): the VMA and the
# maple tree's preallocation.
REQUIRED = {'VMA allocation': re.compile(r'vm_area_alloc'),
            'maple tree preallocation': re.compile(r'mas_preallocate|vma_iter_prealloc|'
                                                   r'mas_wr_preallocate|mt_prealloc')}


def call_site(frames):
    """The first frame past the injection that is not the allocator, and the
    allocator frame before it.  frames: [(name, guessed, offset)]."""
    calls = [f for f in frames if f[2] != '0x0']
    if any(not guessed for _, guessed, _ in calls):
        calls = [f for f in calls if not f[1]]
    names = [name for name, _, _ in calls]
    last = max((i for i, n in enumerate(names) if INJECTION.search(n)), default=-1)
    via = ''
    for name in names[last + 1:]:
        if ALLOCATOR.search(name):
            via = name
            continue
        return name, via
    return '?', via


def parse(kernel_log):
    """{sweep: [(n, kind, site, via, outcome)]} from a kernel log."""
    sweeps, pending, frames, kind = {}, None, [], ''
    for line in kernel_log.splitlines():
        if FORCED in line:
            pending, frames, kind = True, [], ''
            continue
        m = NAME.search(line)
        if pending and not kind and m:
            kind = m.group(1)
            continue
        m = SWEEP.search(line)
        if m:
            site, via = call_site(frames) if pending else ('(none injected)', '')
            sweeps.setdefault(m.group(1), []).append(
                (int(m.group(2)), kind, site, via, m.group(3).strip()))
            pending, frames, kind = None, [], ''
            continue
        m = FRAME.search(line)
        if pending and m:
            frames.append((m.group(2), bool(m.group(1)), m.group(3)))
    return sweeps


def missing(sweeps):
    """[(sweep, what)] for each sweep whose sites lack a required one."""
    out = []
    for name, points in sorted(sweeps.items()):
        chains = [f'{site} {via}' for _, _, site, via, _ in points]
        for what, rx in REQUIRED.items():
            if not any(rx.search(c) for c in chains):
                out.append((name, what))
    return out


def table(sweeps):
    """Markdown: one row per sweep, its fault points by call site in order."""
    rows = ['| sweep (route-row) | fault points | call sites, in order (allocator) |',
            '|---|---|---|']
    for name, points in sorted(sweeps.items()):
        sites = ', '.join(f'{n}: {site}' + (f' ({via})' if via else '')
                          for n, _, site, via, _ in points)
        rows.append(f'| {name} | {len(points)} | {sites} |')
    return '\n'.join(rows)
