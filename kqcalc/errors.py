"""Named exceptions; the CLI turns each into one clean line and an exit code.

Each carries a code of the registry (kqcalc/messages.py) and the values its message needs: the CLI prints
`message(lang)` in the run's --lang; str() of the exception is the English message (for logs and tests).
"""

from __future__ import annotations

from typing import Any

from kqcalc.messages import message


class KqcalcError(Exception):
    """The run could not go on (exit code 1): bad path, missing table or column, bad policy, lock held."""

    exit_code = 1

    def __init__(self, code: str, /, **args: Any) -> None:
        self.code = code
        self.values = {k: str(v) for k, v in args.items()}
        super().__init__(self.message("en"))  # a code missing from the registry fails here, at once

    def message(self, lang: str = "zh") -> str:
        return message(self.code, lang, self.values)


class PolicyError(KqcalcError):
    """The policy file is missing, unreadable or fails its checks."""


class InputError(KqcalcError):
    """An input path, workbook, sheet, table or column is missing or unreadable."""


class LockedError(KqcalcError):
    """Another run holds the output folder."""


class UsageError(KqcalcError):
    """A malformed option value (exit code 2), e.g. a bad --period."""

    exit_code = 2
