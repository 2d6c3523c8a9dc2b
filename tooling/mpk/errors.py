"""The one exception type that reaches the user as a one-line error."""


class UserError(Exception):
    """Bad input or environment: printed as 'mpk: <message>', exit 2."""
