"""Named exceptions; the CLI turns each into one clean line and an exit code."""


class KqcalcError(Exception):
    """The run could not go on (exit code 1): bad path, missing table or column, bad policy, lock held."""

    exit_code = 1


class PolicyError(KqcalcError):
    """The policy file is missing, unreadable or fails its checks."""


class InputError(KqcalcError):
    """An input path, workbook, sheet, table or column is missing or unreadable."""


class LockedError(KqcalcError):
    """Another run holds the output folder."""


class UsageError(KqcalcError):
    """A malformed option value (exit code 2), e.g. a bad --period."""

    exit_code = 2
