"""Mutant schemata: every mutant of the catalogue in one kernel, one switch per mutant.

The catalogue (mutants/<kernel>.json) stays the single source of truth: each
mutant is still one exact text replacement.  Here each replacement is reduced
to the smallest span of C tokens in which old and new differ and compiled in
next to the original, behind a switch chosen at boot (kernel parameter
mpk_mutant=K; 0 is the unmutated kernel):

  expression:  (MPK_MUTANT(K) ? (new) : (old))
  statements:  if (MPK_MUTANT(K)) {  new  } else {  old  }     (whole lines)

A span nested in another mutant's span is switched inside that mutant's
original branch; a span that only partly overlaps another goes to a later
group (another build).  A mutant whose span is neither a complete expression
nor whole statements is left to the one-at-a-time mode, with the reason.
"""
import dataclasses
import re

SWITCH = 'mpk_mutant'
# The translation unit that defines the switch: built into every kernel the
# catalogue targets, and itself the home of most mutants.
SWITCH_HOME = 'mm/util.c'
HEADER = ('/* mpk mutant schemata: see tooling/mpk/schemata.py */\n'
          f'extern int {SWITCH};\n'
          f'#define MPK_MUTANT(k) ({SWITCH} == (k))\n')
DEFINITION = f'''
/* mpk mutant schemata: the switch, {SWITCH}=K on the kernel command line. */
#include <linux/moduleparam.h>
#include <linux/printk.h>
int {SWITCH};
core_param({SWITCH}, {SWITCH}, int, 0444);
static int __init mpk_mutant_announce(void)
{{
	pr_info("mpk: mutant %d\\n", {SWITCH});
	return 0;
}}
early_initcall(mpk_mutant_announce);
'''
ANNOUNCE = 'mpk: mutant {}'

TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|\w+|->|\+\+|--|<<=|>>=|&&|\|\||<<|>>|'
                   r'[-+*/%&|^!=<>]=|\S', re.S)
ASSIGN = {'=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '++', '--'}
NOT_IN_EXPRESSION = {';', '{', '}', '#'}
LOOSE_AT_TOP = {',', '?', ':'} | ASSIGN
STATEMENT_START = (';', '{', '}', ':', ')', '*/')
STATEMENT_END = (';', '}', '*/')


class NotSchematable(Exception):
    """This mutant's change cannot be switched at boot: one-at-a-time only."""


@dataclasses.dataclass
class Span:
    """A mutant's switched span in the file: [start, end) and what replaces it."""
    id: str
    k: int
    start: int
    end: int
    new: str
    statements: bool
    children: list = dataclasses.field(default_factory=list)

    def wrap(self, old):
        """The span's text with the switch: old (children already inside) or new."""
        if not self.statements:
            return f'(MPK_MUTANT({self.k}) ? ({self.new}) : ({old}))'
        # In braces of its own: the span may be an unbraced if's body.
        if not self.new.strip():
            return f'{{ if (!MPK_MUTANT({self.k})) {{\n{old}}} }}\n'
        return f'{{ if (MPK_MUTANT({self.k})) {{\n{self.new}}} else {{\n{old}}} }}\n'


def tokens(text):
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def _balanced(toks):
    depth = 0
    for t, _, _ in toks:
        depth += t in '([{' and len(t) == 1
        depth -= t in ')]}' and len(t) == 1
        if depth < 0:
            return False
    return depth == 0


BINARY = {'+', '-', '*', '/', '%', '<<', '>>', '<', '>', '<=', '>=', '==', '!=', '&', '^', '|',
          '&&', '||'}
# Where an expression with a binary operator may be put in brackets without
# regrouping what is around it: after/before these, nothing binds tighter.
LOW_BEFORE = {'', '(', '[', ',', '?', ':', 'return', '{'} | (ASSIGN - {'++', '--'})
LOW_AFTER = {'', ')', ']', ',', ';', '?', ':', '}'}


def _ends_operand(t):
    return t in (')', ']') or t[0].isalnum() or t[0] in '_"\''


def _expression(toks):
    """'chain' if toks are one operand (a call, a member, a constant: may stand
    anywhere), 'binary' if a complete expression with a binary operator at the
    top, else None (not an expression)."""
    if not toks or not _balanced(toks) or not _ends_operand(toks[-1][0]) \
            or toks[0][0] in BINARY - {'-', '+', '*', '&'} or toks[0][0] in (')', ']'):
        return None
    depth, prev, binary = 0, None, False
    for t, _, _ in toks:
        if t in NOT_IN_EXPRESSION or t.startswith(('/*', '//')):
            return None
        if t in ('(', '['):
            depth += 1
        elif t in (')', ']'):
            depth -= 1
        elif depth == 0 and t in LOOSE_AT_TOP:
            return None
        elif depth == 0 and t in BINARY and prev is not None and _ends_operand(prev):
            binary = True
        prev = t
    return 'binary' if binary else 'chain'


def _depth(text, at):
    """Brace depth at offset at (0: file scope), comments and literals skipped."""
    depth = 0
    for m in TOKEN.finditer(text, 0, at):
        depth += m.group() == '{'
        depth -= m.group() == '}'
    return depth


def _widen(to, tn, p, q):
    """Grow the differing middle into balanced brackets, and a member name
    into its object (a->b->c): (p, q), the common prefix and suffix kept."""
    for grow in range(0, 7):
        for dp in range(grow + 1):
            pp, qq = p - dp, q - (grow - dp)
            if pp < 0 or qq < 0:
                continue
            while pp >= 2 and to[pp - 1][0] in ('->', '.'):
                pp -= 2
            if _balanced(to[pp:len(to) - qq]) and _balanced(tn[pp:len(tn) - qq]):
                return pp, qq
    return p, q


def span(text, mutant, k):
    """The Span of mutant in text (the file), or NotSchematable."""
    old, new = mutant['old'], mutant['new']
    if text.count(old) != 1:
        raise NotSchematable(f'text found {text.count(old)} times in {mutant["file"]}')
    at = text.index(old)
    to, tn = tokens(old), tokens(new)
    p = 0
    while p < min(len(to), len(tn)) and to[p][0] == tn[p][0]:
        p += 1
    q = 0
    while q < min(len(to), len(tn)) - p and to[-1 - q][0] == tn[-1 - q][0]:
        q += 1
    p, q = _widen(to, tn, p, q)
    # A callee alone may be a function-like macro: take in its arguments.
    if q and to[len(to) - q][0] == '(':
        depth, i = 0, len(to) - q
        for i in range(len(to) - q, len(to)):
            depth += to[i][0] == '('
            depth -= to[i][0] == ')'
            if depth == 0:
                break
        q = len(to) - i - 1
    mo, mn = to[p:len(to) - q], tn[p:len(tn) - q]
    a = at + (mo[0][1] if mo else (to[p - 1][2] if p else 0))
    b = at + (mo[-1][2] if mo else a - at)
    if _depth(text, a) == 0:
        raise NotSchematable('the change is outside any function (a static initializer)')
    before = (tokens(text[max(0, a - 300):a]) or [('', 0, 0)])[-1][0]
    after = (tokens(text[b:b + 300]) or [('', 0, 0)])[0][0]
    kinds = (_expression(mo), _expression(mn))
    # A goto's label is no expression: `goto (c ? a : b);` is not C.
    fits = (before not in ('->', '.', '&', '++', '--', 'goto') and after not in ASSIGN | {'.'}
            and (kinds == ('chain', 'chain') or (before in LOW_BEFORE and after in LOW_AFTER)))
    if None not in kinds and fits:
        return Span(mutant['id'], k, a, b, new[mn[0][1]:mn[-1][2]], False)
    # Whole lines of statements.
    n_a = mn[0][1] if mn else (tn[p - 1][2] if p else 0)
    n_b = mn[-1][2] if mn else n_a
    line_a = text.rfind('\n', 0, a) + 1
    nl = text.find('\n', b)
    line_b = len(text) if nl < 0 else nl + 1
    old_block = text[line_a:line_b]
    new_block = text[line_a:a] + new[n_a:n_b] + text[b:line_b]
    prev = text[:line_a].rstrip()
    directive = re.search(r'^[ \t]*#[^\n]*\Z', prev, re.M)    # #endif and the like
    if not prev.endswith(STATEMENT_START) and not prev.endswith('else') and not directive:
        raise NotSchematable('the change does not start at a statement')
    for block in (old_block, new_block):
        if not block.strip():
            continue
        if not block.rstrip().endswith(STATEMENT_END) or not _balanced(tokens(block)) \
                or re.search(r'^\s*#', block, re.M):
            raise NotSchematable('the change is not whole statements nor one expression')
    if not old_block.strip():
        raise NotSchematable('the change inserts code where there was none')
    return Span(mutant['id'], k, line_a, line_b, new_block, True)


def nest(spans):
    """(roots, deferred): spans as a forest by containment; partial overlaps deferred."""
    roots, deferred, stack = [], [], []
    for s in sorted(spans, key=lambda s: (s.start, -s.end, s.k)):
        while stack and s.start >= stack[-1].end:
            stack.pop()
        if stack and s.end > stack[-1].end:
            deferred.append(s)
            continue
        (stack[-1].children if stack else roots).append(s)
        stack.append(s)
    return roots, deferred


def render(text, start, end, spans):
    out, pos = [], start
    for s in spans:
        out.append(text[pos:s.start])
        out.append(s.wrap(render(text, s.start, s.end, s.children)))
        pos = s.end
    out.append(text[pos:end])
    return ''.join(out)


@dataclasses.dataclass
class Group:
    """One schemata kernel: the files it rewrites, and its mutants' switch numbers."""
    files: dict             # path -> schematised text
    switches: dict          # mutant id -> K


def plan(read, mutants):
    """(groups, single): schemata groups, and {id: reason} for one-at-a-time mutants.

    read(path) gives a file's pristine text.  Switch numbers are catalogue
    positions (1-based), stable across groups and runs.
    """
    single, pending = {}, []
    texts = {}
    for k, m in enumerate(mutants, 1):
        if m['file'] not in texts:
            texts[m['file']] = read(m['file'])
        try:
            pending.append((m['file'], span(texts[m['file']], m, k)))
        except NotSchematable as e:
            single[m['id']] = str(e)
    groups = []
    while pending:
        files, switches, later = {}, {}, []
        for path in dict.fromkeys(f for f, _ in pending):
            roots, deferred = nest([s for f, s in pending if f == path])
            later += [(path, s) for s in deferred]
            placed = _flatten(roots)
            switches.update({s.id: s.k for s in placed})
            files[path] = HEADER + render(texts[path], 0, len(texts[path]), roots)
        home = files.get(SWITCH_HOME, HEADER + (texts.get(SWITCH_HOME) or read(SWITCH_HOME)))
        files[SWITCH_HOME] = home + DEFINITION
        groups.append(Group(files, switches))
        pending = later
    return groups, single


def _flatten(spans):
    for s in spans:
        yield s
        yield from _flatten(s.children)
