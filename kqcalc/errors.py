"""Named exceptions; the CLI turns each into one clean line and an exit code.

Each carries a code of the registry (kqcalc/messages.py) and the values its message needs: the CLI prints
`message(lang)` in the run's --lang; str() of the exception is the English message (for logs and tests).
"""

from __future__ import annotations

import re
from typing import Any

from kqcalc.messages import message

_CODE = re.compile(r"[a-z][a-z0-9_]*(/[a-z_]+)?")


class KqcalcError(Exception):
    """The run could not go on (exit code 1): bad path, missing table or column, bad policy, lock held."""

    exit_code = 1

    def __init__(self, code: str, /, **args: Any) -> None:
        self.code = code
        self.values = {k: str(v) for k, v in args.items()}
        # A sentence instead of a code: words the caller already put in the run's language (the CLI's own
        # words for template/sample refusals); a code-shaped name missing from the registry fails here, at once.
        self.text = None if _CODE.fullmatch(code) else code
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        return self.text if self.text is not None else message(self.code, lang, self.values)


class PolicyError(KqcalcError):
    """The policy file is missing, unreadable or fails its checks."""


class InputError(KqcalcError):
    """An input path, workbook, sheet, table or column is missing or unreadable."""


class LockedError(KqcalcError):
    """Another run holds the output folder."""


class UsageError(KqcalcError):
    """A malformed option value (exit code 2), e.g. a bad --period."""

    exit_code = 2
