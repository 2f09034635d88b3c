"""The error every usage problem derives from: printed as one line, exit code 2."""


class UsageError(ValueError):
    """A problem with what the user asked for (a suite, task, option, file); the message names it."""
