"""What the readers give back, and the few helpers every reader uses.

A reader is a function of a file: it returns a Found (the pieces of tables it read and the issues it met) and
never changes what another reader or an earlier stage made.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from dataclasses import dataclass, field

import polars as pl

from kqcalc.errors import InputError
from kqcalc.issues import Issue

HEAD_BYTES = 1 << 16  # bytes of a file looked at first (a CSV's header and encoding)


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
        cell without a cached value); clean.py quarantines those rows. Every such
        row is in frame.
    """

    table: str
    file: str
    path: str
    frame: pl.DataFrame
    headers: dict[str, str]
    rows_read: int
    rows_excluded: int = 0
    bad_rows: dict[int, list[Issue]] = field(default_factory=dict)
    # A Parquet table read lazily (read_inputs(..., lazy=True)): the cells stay in the file until the cleaner
    # loads `source` (parquet.load): the contract columns as stored, named by the contract, and "_row"; blank and
    # total rows left out. `frame` is then empty (the columns, no rows); the counts are set.
    source: pl.LazyFrame | None = None


@dataclass
class ReadResult:
    tables: dict[str, list[RawTable]]  # contract table name -> its pieces, in input order
    issues: list[Issue]  # warnings found while reading (extra columns, merged cells, total rows …)
    files: dict[str, str]  # every input file read (path as displayed in issues, without ":sheet") -> SHA-256
    # workbook sheet ("path:sheet", as in issues) -> SHA-256 of its cells as read (sheet_digest): a one-cell edit
    # changes that sheet's digest and no other's, where the workbook's own SHA-256 changes for every sheet.
    sheets: dict[str, str] = field(default_factory=dict)


@dataclass
class Found:
    """What reading one input file gave.

    pieces: the tables read from it (one per CSV/Parquet file, one per workbook sheet read);
    issues: the warnings and errors met on the way;
    digest: the file's SHA-256 (being computed) when its content counts as read (it goes in the manifest),
        None for a file set aside (an unknown name, an unsupported format, a workbook naming no table);
    sheets: workbook sheet ("path:sheet") -> the SHA-256 of its cells as read (being computed).
    """

    pieces: list[RawTable] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    digest: Future[str] | None = None
    sheets: dict[str, Future[str]] = field(default_factory=dict)


def file_head(path: str) -> tuple[bytes, int]:
    """(first HEAD_BYTES bytes, size) of a file."""
    try:
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES), os.fstat(fh.fileno()).st_size
    except (OSError, ValueError) as exc:
        raise InputError("file_unreadable", file=path, detail=getattr(exc, "strerror", None) or exc) from None


def is_panic(exc: BaseException) -> bool:
    """A Rust panic surfaced by pyo3 (PanicException derives from BaseException)."""
    return type(exc).__name__ == "PanicException"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
