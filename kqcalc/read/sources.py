"""Paths to files, names to tables, and the content that must be counted once (SPEC §3).

* A directory gives its files, not its subfolders, sorted by name. Office lock files (``~$…``) and hidden
  files are skipped. Byte-identical copies (same size, same SHA-256) are read once (``duplicate_file``).
* Which table (match_table): a sheet name or file stem equal to a table's name or alias, else the longest name
  or alias it contains (交易明细, 9610出口清单-6月补录). Names compare with ``norm_header`` (NFKC, trimmed,
  case-folded).
* A sheet or file holding exactly the rows of an earlier piece of its table is read once (drop_repeated_pieces);
  rows of an unkeyed table repeated in another file are counted and reported (repeated_rows).
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import mmap
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import polars as pl

from kqcalc.errors import InputError
from kqcalc.issues import Issue, issue
from kqcalc.read.base import RawTable, file_head
from kqcalc.read.csv import records
from kqcalc.read.header import HEADER_SEARCH_ROWS, header_matches, needed
from kqcalc.tables import TABLES, Table
from kqcalc.text import norm_header

UNKEYED_TABLES = ("transactions", "negative_records", "prior_awards", "other_awards")  # SPEC §3 keys
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Spreadsheet formats kqcalc cannot read: in a folder, an error (their rows would be lost); named, a stop.
UNSUPPORTED_SUFFIXES = (".xls", ".et", ".ods", ".xlsb", ".ett", ".ots")

_TABLE_BY_NAME: dict[str, Table] = {}
for _t in TABLES.values():
    _TABLE_BY_NAME[norm_header(_t.name)] = _t
    _TABLE_BY_NAME[norm_header(_t.alias)] = _t


# --------------------------------------------------------------------------- paths


def files_of(arg: str) -> list[tuple[str, bool]]:
    """(file, named on the command line) of a path: the file itself, or a folder's files in name order."""
    if not os.path.exists(arg):
        raise InputError("path_not_found", path=arg)
    if not os.path.isdir(arg):
        return [(arg, True)]
    try:
        names = sorted(os.listdir(arg))
    except OSError as exc:
        raise InputError("folder_unreadable", path=arg, detail=exc.strerror or exc) from None
    found = [os.path.join(arg, name) for name in names if not name.startswith(("~$", "."))]
    return [(full, False) for full in found if os.path.isfile(full)]


def drop_copies(todo: list[tuple[str, bool]]) -> tuple[list[tuple[str, bool]], list[Issue], dict[str, str]]:
    """The files to read without byte-identical copies of an earlier one (same size, same SHA-256: a workbook
    copied under another name, keqiao - 副本.xlsx), each copy reported as duplicate_file (SPEC §3); and the
    SHA-256 of the files hashed to find out (only files of equal size are), for the manifest."""
    sizes: dict[int, list[str]] = {}
    for display, _ in todo:
        suffix = os.path.splitext(display)[1].lower()
        if suffix in (*XLSX_SUFFIXES, ".csv", ".parquet") and os.path.isfile(display):
            sizes.setdefault(os.path.getsize(display), []).append(display)
    digests: dict[str, str] = {}
    first: dict[str, str] = {}  # digest -> first file with it
    copies: dict[str, str] = {}  # copy -> the file it copies
    for group in sizes.values():
        unique: dict[str, str] = {}  # real path -> first display (one path given twice: read_inputs reports it)
        for display in group:
            unique.setdefault(os.path.realpath(display), display)
        if len(unique) < 2:
            continue
        for display in unique.values():
            digest = digests[display] = digest_of(display)
            if digest in first:
                copies[display] = first[digest]
            else:
                first[digest] = display
    kept, issues = [], []
    for display, explicit in todo:
        if display in copies:
            issues.append(issue("", display, 0, "", "duplicate_file/bytes", name=os.path.basename(display),
                                first=copies[display], first_name=os.path.basename(copies[display])))
        else:
            kept.append((display, explicit))
    return kept, issues, digests


def digest_of(path: str) -> str:
    """SHA-256 hex of a file, hashing a memory map of it (no copy; hashlib releases the GIL meanwhile, so this
    runs on a thread beside Polars' reading)."""
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return hashlib.sha256().hexdigest()
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                return hashlib.sha256(mm).hexdigest()
    except (OSError, ValueError) as exc:
        raise InputError("file_unreadable", file=path, detail=getattr(exc, "strerror", None) or exc) from None


class Hasher:
    """SHA-256 digests computed on one thread while the files are read (hashlib and Polars release the GIL)."""

    def __init__(self, executor: Executor, known: dict[str, str]) -> None:
        self.executor = executor
        self.known = known  # digests already computed (drop_copies)

    def file(self, path: str) -> Future[str]:
        if path in self.known:
            done: Future[str] = Future()
            done.set_result(self.known[path])
            return done
        return self.executor.submit(digest_of, path)

    def later(self, fn: Callable[..., str], /, *args: object) -> Future[str]:
        """fn(*args) on the hashing thread (a workbook sheet's digest, see xlsx.sheet_digest)."""
        return self.executor.submit(fn, *args)


# --------------------------------------------------------------------------- names


@dataclass(frozen=True)
class NameMatch:
    """Which table a sheet or file name holds (SPEC §3).

    table: the table, when the name equals one of its spellings (exact) or contains one spelling longer than
        any other table's it contains; None otherwise.
    tied: the tables whose equally long spellings the name contains (an ambiguous name), else ().
    """

    table: Table | None
    exact: bool = False
    tied: tuple[Table, ...] = ()


def match_table(name: str) -> NameMatch:
    """The table a name holds: its name or alias; else the longest name or alias contained in it (after NFKC,
    trimming and case folding): 交易明细 and 2020年交易 are transactions, 9610出口清单-6月补录 is exports_9610."""
    key = norm_header(name)
    exact = _TABLE_BY_NAME.get(key)
    if exact is not None:
        return NameMatch(exact, exact=True)
    longest = 0
    found: dict[str, Table] = {}
    for spelling, table in _TABLE_BY_NAME.items():
        if spelling and spelling in key:
            if len(spelling) > longest:
                longest, found = len(spelling), {}
            if len(spelling) == longest:
                found[table.name] = table
    if len(found) == 1:
        return NameMatch(next(iter(found.values())))
    return NameMatch(None, tied=tuple(found[n] for n in sorted(found)))


def table_for_name(name: str) -> Table | None:
    """The table a sheet or file stem names (see match_table), if exactly one."""
    return match_table(name).table


def nearest_table(name: str, rows: list[list[str | None]] | None = None) -> Table:
    """The table a sheet or file most likely holds (for a "did you mean" hint): the one whose column names
    its first rows hold most of, else the one whose name or alias is most like `name`."""
    key = norm_header(name)
    best: tuple[int, float, str] | None = None
    found = next(iter(TABLES.values()))
    for table in TABLES.values():
        header = max((header_matches(table, cells) for cells in (rows or [])[:HEADER_SEARCH_ROWS]), default=0)
        like = max(difflib.SequenceMatcher(None, key, norm_header(s)).ratio() for s in (table.name, table.alias))
        score = (header if header >= needed(table) else 0, like, table.name)
        if best is None or score[:2] > best[:2]:
            best, found = score, table
    return found


def tables_named(tables: tuple[Table, ...]) -> str:
    return " / ".join(f"{t.name} ({t.alias})" for t in tables)


def file_rows(path: str, suffix: str) -> list[list[str | None]]:
    """The first rows of a file no table name matches, when it holds data rows (Parquet: its column names
    and any row; CSV: a non-blank line below the first); [] when it holds none. A file that cannot be looked
    into is taken to hold rows (an error, not a warning)."""
    try:
        if suffix == ".parquet":
            source = pl.scan_parquet(path)
            has = bool(source.select(pl.len()).collect().item())
            return [list(source.collect_schema().names()), [None]] if has else []
        head, size = file_head(path)
    except Exception:  # noqa: BLE001
        return [[None], [None]]
    text = head.decode("utf-8", errors="ignore") if head.isascii() or _is_utf8(head) else head.decode(
        "gb18030", errors="ignore")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    rows = [[f if f.strip() else None for f in fields] for _, fields in records(text, ",", size <= len(head))]
    rows = [r for r in rows if any(c is not None for c in r)]
    return rows if len(rows) >= 2 else []


def _is_utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- content counted once


def drop_repeated_pieces(tables: dict[str, list[RawTable]]) -> tuple[dict[str, list[RawTable]], list[Issue]]:
    """The tables without a sheet or file holding exactly the rows of an earlier one of the same table (the same
    sheet in a re-saved copy of a workbook): read once, with duplicate_file naming both (SPEC §3)."""
    out: dict[str, list[RawTable]] = {}
    issues = []
    for name, pieces in tables.items():
        kept: list[RawTable] = []
        for piece in pieces:
            same = next((k for k in kept if _same_rows(k, piece)), None)
            if same is None:
                kept.append(piece)
                continue
            issues.append(issue(name, piece.file, 0, "", "duplicate_file/rows", first=same.file,
                                n=piece.frame.height))
        out[name] = kept
    return out, issues


def _same_rows(a: RawTable, b: RawTable) -> bool:
    """Whether two pieces of a table hold the same rows, cell for cell, in the same order (row numbers and
    column order aside). Lazily read Parquet pieces are not compared."""
    if a.source is not None or b.source is not None or a.frame.height != b.frame.height or not a.frame.height:
        return False
    columns = sorted(set(a.frame.columns) - {"_row"})
    if columns != sorted(set(b.frame.columns) - {"_row"}):
        return False
    return a.frame.select(columns).equals(b.frame.select(columns))


def repeated_rows(tables: dict[str, list[RawTable]]) -> list[Issue]:
    """In a table without a key, rows of one file identical to rows of another file count as they are
    (aggregated rows may repeat) but are reported: one rows_repeated_across_files per pair (SPEC §3)."""
    issues = []
    for name in UNKEYED_TABLES:
        pieces = [p for p in tables.get(name, []) if p.source is None and p.frame.height]
        # Each row's hash once per piece: a pair is compared cell by cell only on rows whose hashes meet.
        hashes = [p.frame.select(sorted(set(p.frame.columns) - {"_row"})).hash_rows() for p in pieces]
        for i, later in enumerate(pieces):
            for j, earlier in enumerate(pieces[:i]):
                if earlier.path == later.path:
                    continue
                columns = sorted(set(earlier.frame.columns) - {"_row"})
                if columns != sorted(set(later.frame.columns) - {"_row"}):
                    continue
                maybe = hashes[i].is_in(hashes[j].unique().implode())
                if not maybe.any():
                    continue
                count = later.frame.filter(maybe).select(columns).join(
                    earlier.frame.filter(hashes[j].is_in(hashes[i].filter(maybe).unique().implode())).select(columns)
                    .unique(), on=columns, how="semi", nulls_equal=True
                ).height
                if count:
                    issues.append(issue(
                        name, later.file, 0, "",
                        "rows_repeated_across_files/one" if count == 1 else "rows_repeated_across_files",
                        n=count, other=earlier.file))
    return issues
