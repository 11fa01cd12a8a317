"""Issues are data (SPEC §5 issues.csv): every problem found in the input, with where it is."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One row of issues.csv.

    table: the contract's English table name ("" for a file-level issue before the table is known);
    file: the input path as given on the command line, with ":sheet" for a workbook sheet;
    row: the row number as the user sees it (header = row 1), 0 when the issue is not about one row;
    column: the header as written in the source ("" when not about one column);
    code: a stable slug such as "bad_date".
    """

    table: str
    file: str
    row: int
    column: str
    severity: str
    code: str
    message: str

    def sort_key(self) -> tuple[str, int, str, str, str, str]:
        return (self.file, self.row, self.column, self.code, self.table, self.message)


def sorted_issues(issues: list[Issue]) -> list[Issue]:
    """Sorted by file, row, column, code (SPEC §5), with the rest as tie-breakers, duplicates removed."""
    return sorted(set(issues), key=Issue.sort_key)
