"""Find the contract's tables in the input paths and read them as text (SPEC §3, §7).

    read_inputs(paths: list[str], lazy=False) -> ReadResult

A path is an .xlsx workbook (one sheet per table), a .csv/.parquet/.xlsx file named after one table, or a
directory of such files. Every cell is read as text (None for an empty cell) so that clean.py sees and reports
every bad cell. The stages, each a module:

    sources.py   paths → files (folders, copies, unsupported files), names → tables, repeated pieces and rows
    csv.py       a CSV file        ┐
    parquet.py   a Parquet file    ├ each a function of one file returning a base.Found (pieces + issues)
    xlsx.py      a workbook        ┘ (xlsx_scan.py: the sheet XML scan that keeps calamine safe)
    header.py    the header row: where it is, which column each cell names
    rows.py      the rows below it: numbered, blank and total rows dropped (once, for every reader)

Errors about one file or sheet whose rows are not used are issues (the run goes on, exit 3); everything that
stops the run raises InputError (one line naming the file): missing path, unreadable/corrupt/encrypted/empty
file, no header row, a missing required column, two headers for one column, no firms table.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

import polars as pl

from kqcalc.errors import InputError
from kqcalc.issues import issue
from kqcalc.read.base import Found, RawTable, ReadResult, first_line, is_panic
from kqcalc.read.csv import read_csv
from kqcalc.read.header import NoHeader, known_tables
from kqcalc.read.parquet import cell_text, chunks, column_text, load, parquet_as_text, read_parquet
from kqcalc.read.sources import (
    UNSUPPORTED_SUFFIXES,
    XLSX_SUFFIXES,
    Hasher,
    drop_copies,
    drop_repeated_pieces,
    file_rows,
    files_of,
    match_table,
    nearest_table,
    repeated_rows,
    tables_named,
)
from kqcalc.read.xlsx import LOADERS, Preloader, read_workbook, sheet_digest
from kqcalc.text import norm_header

__all__ = ["RawTable", "ReadResult", "cell_text", "chunks", "column_text", "load", "parquet_as_text", "read_inputs",
           "sheet_digest"]


def read_inputs(paths: list[str], lazy: bool = False) -> ReadResult:
    """Read every table found in `paths` (files or directories), in the order given.

    lazy: Parquet files are only opened (schema, header, blank and total rows); their cells stay in the file, as
    stored, until the cleaner loads them (load; chunks: a slice at a time). A province's tables are never text.
    """
    todo, issues, digests = drop_copies([found for arg in paths for found in files_of(str(arg))])
    tables: dict[str, list[RawTable]] = {}
    files: dict[str, Future[str]] = {}
    sheets: dict[str, Future[str]] = {}
    seen: dict[str, str] = {}  # real path -> display path
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kqcalc-sha256") as hashing, \
            ThreadPoolExecutor(max_workers=LOADERS, thread_name_prefix="kqcalc-xlsx-load") as loading:
        hasher = Hasher(hashing, digests)
        preloader = Preloader(loading, [display for display, _ in todo if display.lower().endswith(XLSX_SUFFIXES)])
        try:
            for display, explicit in todo:
                real = os.path.realpath(display)
                if real in seen:
                    issues.append(issue("", display, 0, "", "duplicate_file", first=seen[real]))
                    continue
                found = _read_file(display, explicit, lazy, hasher, preloader)
                if found.digest is not None or display.lower().endswith(XLSX_SUFFIXES):
                    seen[real] = display
                if found.digest is not None:
                    files[display] = found.digest
                for piece in found.pieces:
                    tables.setdefault(piece.table, []).append(piece)
                issues += found.issues
                sheets.update(found.sheets)
        finally:
            preloader.cancel()
        # (When reading fails, the executors just finish the hashes under way: the error raised is the reader's.)
        digest_of = {display: future.result() for display, future in files.items()}
        digest_of_sheet = {file: future.result() for file, future in sheets.items()}
    tables, repeated = drop_repeated_pieces(tables)
    issues += repeated
    issues += repeated_rows(tables)
    if "firms" not in tables:
        where = ", ".join(str(p) for p in paths) or "(no input path)"
        empty = [i.file for i in issues if i.key == "empty_table" and i.table == "firms"]
        if empty:
            raise InputError("firms_table_empty", where=where, empty=empty[0])
        raise InputError("no_firms_table", where=where)
    firms_rows = sum(p.frame.height if p.source is None else p.source.select(pl.len()).collect().item()
                     for p in tables["firms"])
    if firms_rows == 0:
        raise InputError("firms_no_rows", where=", ".join(p.file for p in tables["firms"]))
    return ReadResult(tables, issues, digest_of, digest_of_sheet)


def _read_file(display: str, explicit: bool, lazy: bool, hasher: Hasher, preloader: Preloader) -> Found:
    """One file, by its format; a file kqcalc cannot read or whose name names no table is an issue (a stop when
    named on the command line)."""
    suffix = os.path.splitext(display)[1].lower()
    stem = os.path.splitext(os.path.basename(display))[0]
    name = os.path.basename(display)
    if suffix in UNSUPPORTED_SUFFIXES:
        if explicit:
            raise InputError("file_old_format", file=display, name=name, suffix=suffix)
        return Found(issues=[issue("", display, 0, "", "unsupported_file", name=name, suffix=suffix)])
    if suffix in XLSX_SUFFIXES:
        return read_workbook(display, stem, explicit, hasher, preloader)
    if suffix not in (".csv", ".parquet"):
        if explicit:
            raise InputError("file_unsupported", file=display)
        return Found(issues=[issue("", display, 0, "", "unknown_file/other_type", name=name)])
    match = match_table(stem)
    if match.table is None:
        if match.tied:
            if explicit:
                raise InputError("file_names_several_tables", file=display, name=name,
                                 tables=tables_named(match.tied))
            return Found(issues=[issue("", display, 0, "", "unknown_file/tied", name=name,
                                       tables=tables_named(match.tied))])
        if explicit:
            raise InputError("file_not_a_table", file=display, accepted=known_tables())
        if rows := file_rows(display, suffix):
            near = nearest_table(stem, rows)
            return Found(issues=[issue("", display, 0, "", "unknown_file/data", name=name, near=near.name,
                                       alias=near.alias, suffix=suffix)])
        return Found(issues=[issue("", display, 0, "", "unknown_file", name=name)])
    table = match.table
    digest = hasher.file(display)
    try:
        found = read_csv(table, display, lazy=lazy) if suffix == ".csv" else read_parquet(table, display, lazy=lazy)
    except NoHeader as exc:
        if match.exact:
            raise
        found = Found(issues=[issue(
            table.name, display, 0, "", "unknown_file/header", name=name, alias=table.alias,
            contained=table.alias if norm_header(table.alias) in norm_header(stem) else table.name,
            needed=exc.values["needed"], names=exc.values["names"])])
    except InputError:
        raise
    except BaseException as exc:  # Polars errors, and Rust panics surfaced by pyo3
        if not isinstance(exc, pl.exceptions.PolarsError | UnicodeError | OSError) and not is_panic(exc):
            raise
        raise InputError("file_unreadable", file=display, detail=first_line(exc)) from None
    found.digest = digest
    return found


