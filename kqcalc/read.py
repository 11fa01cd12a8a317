"""Find the contract's tables in the input paths and read them as text (SPEC §3).

INTERFACE (stable; clean.py and the tests rely on it):

    read_inputs(paths: list[str]) -> ReadResult

A path is an .xlsx workbook (one sheet per table), a .csv/.parquet/.xlsx file
named after one table, or a directory of such files. Every cell is read as
text (None for an empty cell) so that clean.py sees and reports every bad cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from kqcalc.issues import Issue


@dataclass
class RawTable:
    """One table as found in one file or one workbook sheet.

    frame: one String column per contract column found (named by its contract
        name, e.g. "firm_id", whatever the header said), plus "_row" (Int64): the
        row number the user sees (header = row 1; Parquet: data row index + 1).
        Blank rows are dropped; columns not in the contract are dropped (and
        listed once as a warning).
    headers: contract column name -> the header as written in the source.
    file: the input path as given on the command line, plus ":sheet" for a sheet.
    path: the file on disk (for the manifest's SHA-256).
    rows_read: data rows read (blank rows not counted).
    rows_excluded: rows dropped by the reader on purpose and reported as warnings
        (a trailing 合计 / total row); counted as excluded in the manifest.
    bad_rows: row number -> issues that quarantine that row (e.g. a formula
        cell without a cached value); clean.py quarantines those rows.
    """

    table: str
    file: str
    path: str
    frame: pl.DataFrame
    headers: dict[str, str]
    rows_read: int
    rows_excluded: int = 0
    bad_rows: dict[int, list[Issue]] = field(default_factory=dict)


@dataclass
class ReadResult:
    tables: dict[str, list[RawTable]]  # contract table name -> its pieces, in input order
    issues: list[Issue]  # warnings found while reading (extra columns, merged cells, total rows …)
    files: dict[str, str]  # every input file read (path on disk) -> SHA-256
