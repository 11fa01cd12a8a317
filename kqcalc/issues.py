"""Issues are data (SPEC §5 issues.csv): every problem found in the input, with where it is.

An issue carries its code and the values its message needs, never the words: the message is rendered in the
run's language from the one registry, kqcalc/messages.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kqcalc.messages import CODES, ERROR, WARNING, message

__all__ = ["ERROR", "WARNING", "Issue", "issue", "sorted_issues"]


@dataclass(frozen=True)
class Issue:
    """One row of issues.csv.

    table: the contract's English table name ("" for a file-level issue before the table is known);
    file: the input path as given on the command line, with ":sheet" for a workbook sheet;
    row: the row number as the user sees it (header = row 1), 0 when the issue is not about one row;
    column: the header as written in the source ("" when not about one column);
    code: a stable slug such as "bad_date";
    args: the values the message template needs, as (name, text) pairs in name order;
    form: which of the code's messages ("" its first; "data" for messages.CODES["unknown_sheet/data"] …).
    The registry entry (code, or code/form) gives the severity and the words.
    """

    table: str
    file: str
    row: int
    column: str
    code: str
    args: tuple[tuple[str, str], ...] = ()
    form: str = ""
    severity: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", CODES[self.key].severity)  # KeyError: a code missing from the registry

    @property
    def key(self) -> str:
        """The registry key: the code, or code/form."""
        return f"{self.code}/{self.form}" if self.form else self.code

    def message(self, lang: str = "zh") -> str:
        """The message in `lang` (zh or en), from the code's template."""
        values = {"table": self.table, "file": self.file, "row": str(self.row), "column": self.column}
        values.update(self.args)
        return message(self.key, lang, values)

    def sort_key(self) -> tuple[str, int, str, str, str, str, tuple[tuple[str, str], ...]]:
        return (self.file, self.row, self.column, self.code, self.table, self.form, self.args)


def issue(table: str, file: str, row: int, column: str, key: str, /, **args: Any) -> Issue:
    """An Issue of a registry key ("code" or "code/form") with its message arguments by name (kept as text)."""
    code, _, form = key.partition("/")
    return Issue(table, file, row, column, code, tuple(sorted((k, str(v)) for k, v in args.items())), form)


def sorted_issues(issues: list[Issue]) -> list[Issue]:
    """Sorted by file, row, column, code (SPEC §5), with the rest as tie-breakers, duplicates removed."""
    return sorted(set(issues), key=Issue.sort_key)
