"""Find the contract's tables in the input paths and read them as text (SPEC §3, §7).

INTERFACE (stable; clean.py and the tests rely on it):

    read_inputs(paths: list[str]) -> ReadResult

A path is an .xlsx workbook (one sheet per table), a .csv/.parquet/.xlsx file
named after one table, or a directory of such files. Every cell is read as
text (None for an empty cell) so that clean.py sees and reports every bad cell.

How each input is found and read
--------------------------------
* Directory: its files, not its subfolders, sorted by name. Office lock files
  (``~$…``) and hidden files are skipped. Byte-identical copies (same size, same
  SHA-256) are read once (``duplicate_file``).
* Which table (match_table, SPEC §3): a sheet name or file stem equal to a
  table's name or alias, else the longest name or alias it contains (交易明细,
  9610出口清单-6月补录). A workbook none of whose sheets matches but whose file
  name does gives its first sheet to that table. Errors (rows not used): a name
  containing two tables' spellings equally long; a containment match without
  the table's header; a sheet or file naming no table that holds data rows
  (``unknown_sheet`` / ``unknown_file`` with a did-you-mean hint); .xls/.et/.ods
  in a folder (``unsupported_file``). Without data rows: a warning.
* Names compare with ``norm_header`` (NFKC, trimmed, case-folded). Header cells
  also ignore inner spaces and line breaks and a trailing "*".
* A file given twice (directly and through its folder) is read once (warning
  ``duplicate_file``); so is a sheet or file holding exactly the rows of an
  earlier piece of its table. Rows of an unkeyed table repeated in another file
  are counted and reported (``rows_repeated_across_files``).
* A table with a header and no rows: ``empty_table``; for ``firms`` a stop.
* CSV: a line with more fields than the header quarantines its row
  (``extra_fields``); lines ended by CR alone are lines.

The header row is the first of the first 10 non-blank rows whose cells name at
least min(2, number of columns) of the table's columns; rows above it are titles
(warning ``title_rows_skipped``). Columns are renamed to their contract names;
columns not in the contract are dropped (one warning ``extra_columns``).

Row numbers (``_row``) are those the user sees: the Excel row, or the CSV line
(the header's own line; data lines follow it, so a quoted field spanning lines
shifts the count); for Parquet, the data row index + 1.

Cell text
---------
* .xlsx: fastexcel's text of the cell: numbers as written by calamine ("12",
  "1.5", "100000000000000000000"), booleans "true"/"false", date and datetime
  cells "YYYY-MM-DD HH:MM:SS". A formula cell with a cached value reads as that
  value; one without (files written by openpyxl and similar tools) reads as
  empty and quarantines its row (``formula_without_value``); an Excel error
  value (#DIV/0!, #N/A …) quarantines its row too (``cell_error``).
* .csv: the field's text, UTF-8 (with or without BOM), UTF-16 with BOM, else
  GB18030 (a superset of GBK). Separator: comma, else tab or semicolon when the
  header row is only found with those.
* .parquet: values cast to text: dates "YYYY-MM-DD", datetimes
  "YYYY-MM-DD HH:MM:SS" (fraction kept when not zero; the offset "+08:00" appended
  when the column has a time zone, which makes the cell a bad_date), booleans "true"/"false",
  numbers and decimals as Polars writes them ("1.5", "123.45").
* Empty strings become None; whitespace-only cells are kept (clean.py trims).

Rows dropped by the reader
--------------------------
* Blank rows (every cell empty or whitespace) are dropped and not counted.
* Total rows: a row whose first non-empty cell is 合计/总计/小计/total/totals/sum/
  grand total (spaces inside ignored) or starts with 合计/总计 is dropped, counted
  in rows_read and rows_excluded, warning ``total_row``.

Workbooks: safety and cost (kqcalc/xlsx_scan.py)
------------------------------------------------
fastexcel reads a sheet with ``load_sheet(name, header_row=None,
dtypes="string", skip_rows=0)``: skip_rows=0 keeps the leading empty rows, so
frame row i is Excel row i + 1; the Excel column of each frame column is
ColumnInfo.absolute_index + 1 (calamine drops leading empty columns).
calamine allocates rows x columns of a sheet's used range and aborts the
process when that is huge (one stray value at XFD1048576), whatever the sheet's
``<dimension>`` declares (a tool may write a smaller one than its cells). So
before fastexcel reads a sheet, its whole XML is scanned once, streaming: the
formulas without a cached value, error cells and merged ranges, and its extent;
a sheet that is too big is rewritten to a temporary copy without the cells far
outside its main block (warning ``stray_cells_ignored``, values kept in the
message). Big sheets (a declared range of at least LOAD_AHEAD_ROWS rows) are
scanned and loaded on two loader threads ahead of the sheet being turned into
a table (fastexcel releases the GIL), so the scan costs little time.

Warnings (issues) emitted here: unknown_file, unknown_sheet, duplicate_file,
empty_table, title_rows_skipped, extra_columns, total_row, merged_cells,
stray_cells_ignored. Errors put in RawTable.bad_rows: formula_without_value,
cell_error, merged_cell (a cell of a data row covered by a merged range with a
value, other than its top-left cell: it reads as empty, and a column default
must not stand in for the value the sheet shows). Everything that stops the run raises InputError (one line naming
the file): missing path, unreadable/corrupt/encrypted/empty file, no header row,
a missing required column, two headers for one column, no firms table.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import lzma
import mmap
import os
import shutil
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple
from xml.etree.ElementTree import ParseError

import polars as pl

from kqcalc import xlsx_scan
from kqcalc.errors import InputError
from kqcalc.issues import Issue, issue
from kqcalc.tables import TABLES, Table
from kqcalc.text import norm_header

UNKEYED_TABLES = ("transactions", "negative_records", "prior_awards", "other_awards")  # SPEC §3 keys
TEMPLATE_GUIDE_SHEETS = {"填表说明", "instructions"}  # kqcalc.template.INSTRUCTIONS, normalised


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
    # A Parquet table read lazily (read_inputs(..., lazy=True)): the cells stay in the file until realize()
    # streams them through the caller's expressions. `frame` is then empty (the columns, no rows), and
    # rows_read/rows_excluded are set by realize().
    source: pl.LazyFrame | None = None
    source_columns: list[tuple[str, str | None]] = field(default_factory=list)  # (column, contract name or None)


@dataclass
class ReadResult:
    tables: dict[str, list[RawTable]]  # contract table name -> its pieces, in input order
    issues: list[Issue]  # warnings found while reading (extra columns, merged cells, total rows …)
    files: dict[str, str]  # every input file read (path as displayed in issues, without ":sheet") -> SHA-256
    # workbook sheet ("path:sheet", as in issues) -> SHA-256 of its cells as read (sheet_digest): a one-cell edit
    # changes that sheet's digest and no other's, where the workbook's own SHA-256 changes for every sheet.
    sheets: dict[str, str] = field(default_factory=dict)


HEADER_SEARCH_ROWS = 10  # the header is one of the first 10 non-blank rows
HEAD_BYTES = 1 << 16  # bytes of a CSV looked at to find its header and encoding
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# Spreadsheet formats kqcalc cannot read: in a folder, an error (their rows would be lost); named, a stop.
UNSUPPORTED_SUFFIXES = (".xls", ".et", ".ods", ".xlsb", ".ett", ".ots")
TOTAL_LABELS = frozenset({"合计", "总计", "小计", "total", "totals", "sum", "grandtotal"})
TOTAL_PREFIXES = ("合计", "总计")
# The same test in one vectorised regex (Rust regex: \s and (?i) are Unicode-aware; full-width
# letters are listed because NFKC is not available there).
_TOTAL_RE = (
    r"(?i)^\s*(?:合\s*计|总\s*计|(?:小\s*计|total|totals|sum|grand\s*total"
    r"|ｔｏｔａｌ|ｔｏｔａｌｓ|ｓｕｍ|ｇｒａｎｄ\s*ｔｏｔａｌ)?\s*$)"
)
# [low, high) ranges of first characters of a possibly whitespace-only cell besides ASCII (see _maybe_blank):
# U+0085 … U+00A0 (NEL, NBSP) and U+1680 … U+3000 (ogham space, en/em spaces, ideographic space …).
_WS_START = ("\x85", "\xa1", "\u1680", "\u3001")

_TABLE_BY_NAME: dict[str, Table] = {}
for _t in TABLES.values():
    _TABLE_BY_NAME[norm_header(_t.name)] = _t
    _TABLE_BY_NAME[norm_header(_t.alias)] = _t


def read_inputs(paths: list[str], lazy: bool = False) -> ReadResult:
    """Read every table found in `paths` (files or directories), in the order given.

    lazy: Parquet files are only opened (schema, header); their rows are read by realize(), in one streaming
    pass that also types them (see RawTable.source). The tables of a province stay out of memory as text.
    """
    reader = _Reader()
    reader.lazy = lazy
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kqcalc-sha256") as hasher, \
            ThreadPoolExecutor(max_workers=LOADERS, thread_name_prefix="kqcalc-xlsx-load") as loader:
        reader.hasher = hasher
        todo = reader.drop_copies([found for arg in paths for found in reader.files_of(str(arg))])
        reader.load_ahead(loader, [display for display, _ in todo if display.lower().endswith(XLSX_SUFFIXES)])
        try:
            for display, explicit in todo:
                reader.add_file(display, explicit=explicit)
        finally:
            reader.to_load.clear()
            for future in reader.ahead.values():  # sheets loaded ahead but not used (a read failed): not waited for
                future.cancel()
        # Into the places hash_later kept, so the files stay in the order they were read. (When reading fails,
        # the executor just finishes the hashes under way: the error raised is the reader's.)
        reader.files.update({display: future.result() for display, future in reader.hashes.items()})
        sheets = {file: future.result() for file, future in reader.sheet_hashes.items()}
    reader.drop_repeated_pieces()
    reader.count_repeated_rows()
    if "firms" not in reader.tables:
        where = ", ".join(str(p) for p in paths) or "(no input path)"
        if reader.empty_firms:
            raise InputError("firms_table_empty", where=where, empty=reader.empty_firms[0])
        raise InputError("no_firms_table", where=where)
    firms_rows = sum(p.frame.height if p.source is None else p.source.select(pl.len()).collect().item()
                     for p in reader.tables["firms"])
    if firms_rows == 0:
        raise InputError("firms_no_rows", where=", ".join(p.file for p in reader.tables["firms"]))
    return ReadResult(reader.tables, reader.issues, reader.files, sheets)


@dataclass
class SourceColumn:
    """A column of a lazily read piece, for the expressions realize() evaluates: the stored value (an empty string
    already a blank, as the eager reader makes it), its type, and its cell text (what read_inputs would give)."""

    cell: pl.Expr
    dtype: pl.DataType
    text: pl.Expr


_TEXT_TYPES = (pl.String, pl.Categorical, pl.Binary)


def realize(piece: RawTable, build: Callable[[dict[str, SourceColumn]], list[pl.Expr]]) -> tuple[pl.DataFrame,
                                                                                                  list[Issue]]:
    """Stream a lazily read piece (RawTable.source) once: the reader's row handling and `build`'s expressions.

    build(columns) gets the contract columns found (name -> SourceColumn) and returns expressions over them; the
    result holds their outputs and "_row", for the rows the eager reader keeps: blank rows are dropped and not
    counted, total rows dropped, counted as excluded and reported (the warnings are returned). Sets the piece's
    rows_read and rows_excluded.
    """
    assert piece.source is not None
    schema = piece.source.collect_schema()
    names = [name for name, _ in piece.source_columns]
    texts, stringish = [], []
    columns: dict[str, SourceColumn] = {}
    for name, contract in piece.source_columns:
        dtype = schema[name]
        col = pl.col(name)
        text = _parquet_text(col, name, dtype, piece.file)
        texts.append(text)
        stringish.append(dtype in _TEXT_TYPES or isinstance(dtype, pl.Enum))
        if contract is not None:
            cell = pl.when(col != "").then(col) if dtype == pl.String else col
            columns[contract] = SourceColumn(cell, dtype, pl.when(text != "").then(text) if dtype == pl.String
                                             else text)
    # Candidates for blank and total rows: a blank row is blank in its first column, and a total row either has
    # a total label there or nothing (then its label is further on). They are checked exactly below, on their
    # text, as _scan_rows does. (The text of a cell stored with a type is never blank and never a label.)
    if stringish[0]:
        candidate = _maybe_blank(texts[0]) | texts[0].str.contains(_TOTAL_RE).fill_null(False)
    else:
        candidate = pl.col(names[0]).is_null()
    outputs = [*build(columns), pl.col("_row"), candidate.alias("__candidate")]
    try:
        frame = piece.source.select(outputs).collect(engine="streaming")
        candidates = frame.filter(pl.col("__candidate")).get_column("_row")
        # Their cells, as text (rows are only this rare: a blank first cell, a blank or total row).
        found = pl.DataFrame({"_row": candidates}) if candidates.is_empty() else piece.source.filter(
            pl.col("_row").is_in(candidates.implode())).select(
            "_row", *[(t if s else pl.when(pl.col(n).is_not_null()).then(pl.lit("0"))).alias(f"__text{j}")
                      for j, (n, t, s) in enumerate(zip(names, texts, stringish, strict=True))]).collect()
    except InputError:
        raise
    except Exception as exc:
        raise InputError("parquet_unreadable", file=piece.file, detail=_first_line(exc)) from None
    text_names = [f"__text{j}" for j in range(len(texts))]
    if candidates.is_empty():
        found = pl.DataFrame(schema={"_row": pl.Int64, "__blank": pl.Boolean, **{t: pl.String for t in text_names}})
    else:
        found = found.select("_row", pl.all_horizontal([pl.col(t).str.strip_chars().fill_null("") == ""
                                                         for t in text_names]).alias("__blank"), *text_names)
    blank_rows, total_rows, issues = set(), [], []
    for row, blank, *values in found.iter_rows():
        if blank:
            blank_rows.add(row)
            continue
        label = next((v.strip() for v in values if v is not None and v.strip()), "")
        if _is_total_label(label):
            total_rows.append(row)
            issues.append(issue(piece.table, piece.file, row, "", "total_row", label=repr(label)))
    piece.rows_read = frame.height - len(blank_rows)
    piece.rows_excluded = len(total_rows)
    frame = frame.drop("__candidate")
    if blank_rows or total_rows:
        frame = frame.filter(~pl.col("_row").is_in([*blank_rows, *total_rows]))
    return frame, issues


def column_text(piece: RawTable, contract: str) -> pl.LazyFrame:
    """One contract column of a piece as its cell text ("__text", null for a blank cell), for every row the
    piece holds or, read lazily, will hold (blank and total rows too: the caller must not mind them)."""
    if piece.source is None:
        if contract not in piece.frame.columns:
            return pl.LazyFrame({"__text": pl.Series([None] * piece.frame.height, dtype=pl.String)})
        return piece.frame.lazy().select(pl.col(contract).cast(pl.String).alias("__text"))
    found = [name for name, mapped in piece.source_columns if mapped == contract]
    if not found:
        return piece.source.select(pl.lit(None, pl.String).alias("__text"))
    name = found[0]
    dtype = piece.source.collect_schema()[name]
    text = _parquet_text(pl.col(name), name, dtype, piece.file)
    return piece.source.select((pl.when(text != "").then(text) if dtype == pl.String else text).alias("__text"))


def chunks(piece: RawTable, rows: int) -> Iterator[RawTable]:
    """A lazily read piece in consecutive slices of at most `rows` rows (each realized on its own, with the
    piece's row numbers); a piece already in memory, or small enough, as it is."""
    if piece.source is None:
        yield piece
        return
    assert not piece.bad_rows  # only the workbook reader flags rows, and it reads eagerly
    try:
        total = piece.source.select(pl.len()).collect().item()
    except Exception as exc:
        raise InputError("parquet_unreadable", file=piece.file, detail=_first_line(exc)) from None
    if total <= rows:
        yield piece
        return
    for offset in range(0, total, rows):
        yield replace(piece, source=piece.source.slice(offset, rows), rows_read=0, rows_excluded=0)


def cell_text(values: pl.Series) -> pl.Series:
    """The cell text of values of a lazily read piece (for the few cells realize()'s caller reads as text)."""
    if values.dtype == pl.String:
        return values
    return values.to_frame("v").select(_parquet_text(pl.col("v"), values.name, values.dtype, "")).to_series()


def table_for_name(name: str) -> Table | None:
    """The table a sheet or file stem names (see match_table), if exactly one."""
    return match_table(name).table


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


def nearest_table(name: str, rows: list[list[str | None]] | None = None) -> Table:
    """The table a sheet or file most likely holds (for a "did you mean" hint): the one whose column names
    its first rows hold most of, else the one whose name or alias is most like `name`."""
    key = norm_header(name)
    best: tuple[int, float, str] | None = None
    found = next(iter(TABLES.values()))
    for table in TABLES.values():
        header = max((_header_matches(table, cells) for cells in (rows or [])[:HEADER_SEARCH_ROWS]), default=0)
        like = max(difflib.SequenceMatcher(None, key, norm_header(s)).ratio() for s in (table.name, table.alias))
        score = (header if header >= _needed(table) else 0, like, table.name)
        if best is None or score[:2] > best[:2]:
            best, found = score, table
    return found


def _tables_named(tables: tuple[Table, ...]) -> str:
    return " / ".join(f"{t.name} ({t.alias})" for t in tables)


# --------------------------------------------------------------------------- the reader


class _Reader:
    def __init__(self) -> None:
        self.tables: dict[str, list[RawTable]] = {}
        self.issues: list[Issue] = []
        self.files: dict[str, str] = {}
        self.seen: dict[str, str] = {}  # real path -> display path
        self.empty_firms: list[str] = []
        self.hasher: ThreadPoolExecutor | None = None
        self.ahead: dict[tuple[str, str], Future[Loaded]] = {}
        self.to_load: deque[tuple[tuple[str, str], tuple[str, xlsx_scan.SheetRef, bytes]]] = deque()
        self.loader: ThreadPoolExecutor | None = None
        self.hashes: dict[str, Future[str]] = {}
        self.digests: dict[str, str] = {}  # SHA-256 already computed by drop_copies
        self.sheet_hashes: dict[str, Future[str]] = {}
        self.lazy = False

    # ---- paths

    def files_of(self, arg: str) -> list[tuple[str, bool]]:
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

    def load_ahead(self, loader: ThreadPoolExecutor, workbooks: list[str]) -> None:
        """Start scanning and loading the big sheets of these workbooks on the loader threads, in input order:
        fastexcel releases the GIL, so two sheets load at once on two cores while this thread turns earlier ones
        into tables. Only sheets named after a table that declare at least LOAD_AHEAD_ROWS rows; anything else,
        and any failure here, is left to read_sheet, which then reads the sheet itself and reports what is
        wrong."""
        for display in workbooks:
            try:
                with zipfile.ZipFile(display) as zf:
                    for sheet in xlsx_scan.list_sheets(zf):
                        if sheet.kind != "worksheet" or not sheet.part or table_for_name(sheet.name) is None:
                            continue
                        probe = xlsx_scan.probe(zf, sheet.part)
                        if probe.dimension and probe.dimension[2] >= LOAD_AHEAD_ROWS:
                            self.to_load.append(((display, sheet.name), (display, sheet, probe.prefix)))
            except Exception:  # noqa: BLE001, S112 - read_sheet reads and reports this workbook itself
                continue
        self.loader = loader
        self.top_up()

    def top_up(self) -> None:
        """Keep LOADERS + 1 sheets loading or loaded ahead of the one being turned into a table: enough to keep
        the cores busy, few enough that memory does not hold every sheet twice."""
        while self.loader is not None and self.to_load and len(self.ahead) < LOADERS + 1:
            key, args = self.to_load.popleft()
            self.ahead[key] = self.loader.submit(_load_and_scan, *args)

    def add_file(self, display: str, *, explicit: bool) -> None:
        real = os.path.realpath(display)
        if real in self.seen:
            self.warn("", display, 0, "", "duplicate_file", first=self.seen[real])
            return
        suffix = os.path.splitext(display)[1].lower()
        stem = os.path.splitext(os.path.basename(display))[0]
        name = os.path.basename(display)
        if suffix in UNSUPPORTED_SUFFIXES:
            if explicit:
                raise InputError("file_old_format", file=display, name=name, suffix=suffix)
            self.warn("", display, 0, "", "unsupported_file", name=name, suffix=suffix)
            return
        if suffix in XLSX_SUFFIXES:
            self.seen[real] = display
            self.read_workbook(display, stem, explicit)
            return
        if suffix not in (".csv", ".parquet"):
            if explicit:
                raise InputError("file_unsupported", file=display)
            self.warn("", display, 0, "", "unknown_file/other_type", name=name)
            return
        match = match_table(stem)
        if match.table is None:
            if match.tied:
                if explicit:
                    raise InputError("file_names_several_tables", file=display, name=name,
                                     tables=_tables_named(match.tied))
                self.warn("", display, 0, "", "unknown_file/tied", name=name, tables=_tables_named(match.tied))
            elif explicit:
                raise InputError("file_not_a_table", file=display, accepted=_known_tables())
            elif rows := _file_rows(display, suffix):
                near = nearest_table(stem, rows)
                self.warn("", display, 0, "", "unknown_file/data", name=name, near=near.name, alias=near.alias,
                          suffix=suffix)
            else:
                self.warn("", display, 0, "", "unknown_file", name=name)
            return
        table = match.table
        self.seen[real] = display
        try:
            if suffix == ".csv":
                self.read_csv(table, display)
            else:
                self.read_parquet(table, display)
        except _NoHeader as exc:
            if match.exact:
                raise
            self.warn(table.name, display, 0, "", "unknown_file/header", name=name, alias=table.alias,
                      contained=table.alias if norm_header(table.alias) in norm_header(stem) else table.name,
                      needed=exc.values["needed"], names=exc.values["names"])
        except InputError:
            raise
        except BaseException as exc:  # Polars errors, and Rust panics surfaced by pyo3
            if not isinstance(exc, pl.exceptions.PolarsError | UnicodeError | OSError) and not _is_panic(exc):
                raise
            raise InputError("file_unreadable", file=display, detail=_first_line(exc)) from None

    def hash_later(self, display: str) -> None:
        """The file's SHA-256, computed on a thread while its rows are read (see read_inputs)."""
        assert self.hasher is not None  # read_inputs sets it
        self.files[display] = ""  # keeps the file's place in the order of reading
        known = self.digests.get(display)
        if known is None:
            self.hashes[display] = self.hasher.submit(_digest, display)
        else:
            self.hashes[display] = Future()
            self.hashes[display].set_result(known)

    def drop_copies(self, todo: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        """The files to read, without byte-identical copies of an earlier one (same size, same SHA-256: a
        workbook copied under another name, keqiao - 副本.xlsx), each reported as duplicate_file (SPEC §3).
        Only files of equal size are hashed here; their digests are kept for the manifest."""
        sizes: dict[int, list[str]] = {}
        for display, _ in todo:
            suffix = os.path.splitext(display)[1].lower()
            if suffix in (*XLSX_SUFFIXES, ".csv", ".parquet") and os.path.isfile(display):
                sizes.setdefault(os.path.getsize(display), []).append(display)
        first: dict[str, str] = {}  # digest -> first file with it
        copies: dict[str, str] = {}  # copy -> the file it copies
        for group in sizes.values():
            unique: dict[str, str] = {}  # real path -> first display (one path given twice: add_file reports it)
            for display in group:
                unique.setdefault(os.path.realpath(display), display)
            if len(unique) < 2:
                continue
            for display in unique.values():
                digest = self.digests[display] = _digest(display)
                if digest in first:
                    copies[display] = first[digest]
                else:
                    first[digest] = display
        kept = []
        for display, explicit in todo:
            if display in copies:
                self.warn("", display, 0, "", "duplicate_file/bytes", name=os.path.basename(display),
                          first=copies[display], first_name=os.path.basename(copies[display]))
            else:
                kept.append((display, explicit))
        return kept

    def drop_repeated_pieces(self) -> None:
        """A sheet or file holding exactly the rows of an earlier one of the same table (the same sheet in a
        re-saved copy of a workbook) is read once, with duplicate_file naming both (SPEC §3)."""
        for name, pieces in self.tables.items():
            kept: list[RawTable] = []
            for piece in pieces:
                same = next((k for k in kept if _same_rows(k, piece)), None)
                if same is None:
                    kept.append(piece)
                    continue
                self.warn(name, piece.file, 0, "", "duplicate_file/rows", first=same.file, n=piece.frame.height)
            self.tables[name] = kept

    def count_repeated_rows(self) -> None:
        """In a table without a key, rows of one file identical to rows of another file count as they are
        (aggregated rows may repeat) but are reported: one rows_repeated_across_files per pair (SPEC §3)."""
        for name in UNKEYED_TABLES:
            pieces = [p for p in self.tables.get(name, []) if p.source is None and p.frame.height]
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
                        self.warn(name, later.file, 0, "",
                                  "rows_repeated_across_files/one" if count == 1 else "rows_repeated_across_files",
                                  n=count, other=earlier.file)

    def warn(self, table: str, file: str, row: int, column: str, key: str, /, **args: object) -> None:
        """An issue of a registry key (code or code/form): a warning, or an error about a whole file or sheet
        whose rows are not used (the run goes on, exit 3), as the registry says."""
        self.issues.append(issue(table, file, row, column, key, **args))

    def add_table(self, raw: RawTable) -> None:
        self.tables.setdefault(raw.table, []).append(raw)

    # ---- CSV

    def read_csv(self, table: Table, display: str) -> None:
        head, size = _head(display)
        self.hash_later(display)
        if size == 0:
            raise InputError("file_empty", file=display)
        complete = size <= len(head)
        source: str | bytes = display
        text_head: str | None = None
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            source, text_head = _decode_all(display, "utf-16")
        elif b"\r" in head and b"\n" not in head:  # lines ended by CR alone (old Mac exports): read as lines
            try:
                source, text_head = _decode_all(display, "utf-8-sig")
            except InputError:
                source, text_head = _decode_all(display, "gb18030")
        else:
            try:
                text_head = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=complete)
            except UnicodeDecodeError:
                source, text_head = _decode_all(display, "gb18030")
        found = _csv_header(table, text_head, complete)
        if found is None:
            raise _no_header(table, display)
        sep, header_line, header_cells, titles = found
        ragged: list[tuple[int, int, list[str]]] = []
        try:
            data = _polars_csv(source, sep, header_line)
        except _NotUtf8:
            if isinstance(source, str) and not head.isascii():
                # the head is UTF-8 text (GB18030 text is not valid UTF-8 for long): the file is damaged,
                # and decoding it all as GB18030 would garble every character
                raise InputError("csv_damaged_utf8", file=display) from None
            source, text_head = _decode_all(display, "gb18030")
            found = _csv_header(table, text_head, complete)
            if found is None:
                raise _no_header(table, display) from None
            sep, header_line, header_cells, titles = found
            try:
                data = _polars_csv(source, sep, header_line)
            except _NotUtf8 as exc:
                raise InputError("not_text", file=display, detail=exc) from None
            except _Ragged:
                data = _polars_csv(source, sep, header_line, ragged=True)
                ragged = _ragged_records(source, sep, header_line, len(header_cells))
        except _Ragged:
            data = _polars_csv(source, sep, header_line, ragged=True)
            ragged = _ragged_records(source, sep, header_line, len(header_cells))
        except _CsvFailure as exc:
            raise InputError("csv_unreadable", file=display, detail=exc) from None
        if data.width < len(header_cells):
            header_cells = header_cells[: data.width]
        header_cells += [None] * (data.width - len(header_cells))
        data.columns = [f"c{j}" for j in range(data.width)]
        if titles:
            self.title_warning(table, display, titles, header_line)
        labels = [f"field {j + 1}" for j in range(len(header_cells))]
        self.assemble(table, display, display, header_cells, labels, data, header_line + 1)
        if ragged:
            piece = self.tables[table.name][-1]
            kept = set(piece.frame["_row"].to_list())
            for index, line, fields in ragged:
                row = header_line + 1 + index
                if row not in kept:
                    continue
                extra = ", ".join(repr(f) for f in fields[len(header_cells):])
                piece.bad_rows.setdefault(row, []).append(issue(
                    table.name, display, row, "", "extra_fields", line=line, fields=len(fields),
                    header=len(header_cells), extra=extra))

    # ---- Parquet

    def read_parquet(self, table: Table, display: str) -> None:
        _, size = _head(display)
        self.hash_later(display)
        if size == 0:
            raise InputError("file_empty", file=display)
        if self.lazy:
            self.scan_parquet(table, display)
            return
        try:
            df = pl.read_parquet(display)
        except Exception as exc:
            raise InputError("parquet_unreadable", file=display, detail=_first_line(exc)) from None
        header_cells: list[str | None] = list(df.columns)
        if _header_matches(table, header_cells) < _needed(table):
            raise _no_header(table, display, parquet=True)
        data = _parquet_as_text(df, display)
        data.columns = [f"c{j}" for j in range(data.width)]
        labels = [f"column {j + 1}" for j in range(len(header_cells))]
        self.assemble(table, display, display, header_cells, labels, data, 1)

    def scan_parquet(self, table: Table, display: str) -> None:
        """read_parquet, lazily: the header and the column types now, the rows in realize()."""
        try:
            source = pl.scan_parquet(display)
            schema = source.collect_schema()
        except Exception as exc:
            raise InputError("parquet_unreadable", file=display, detail=_first_line(exc)) from None
        header_cells: list[str | None] = list(schema.names())
        if _header_matches(table, header_cells) < _needed(table):
            raise _no_header(table, display, parquet=True)
        for name, dtype in schema.items():
            _parquet_text(pl.col(name), name, dtype, display)  # a column that cannot be text stops the run now
        labels = [f"column {j + 1}" for j in range(len(header_cells))]
        if table.name != "firms" and not source.select(pl.len()).collect().item():  # row count: file metadata
            self.no_rows(table, display)
        empty = pl.DataFrame(schema={f"c{j}": pl.String for j in range(len(header_cells))})
        mapping, headers, extras = _map_header(table, display, header_cells, labels, empty)
        if extras:
            self.warn(table.name, display, 0, "", "extra_columns", columns=", ".join(extras))
        by_position = {j: name for name, j in mapping.items()}
        frame = pl.DataFrame(schema={**{name: pl.String for name in mapping}, "_row": pl.Int64})
        self.add_table(RawTable(
            table.name, display, display, frame, headers, 0, source=source.with_row_index("_row", offset=1),
            source_columns=[(name, by_position.get(j)) for j, name in enumerate(schema.names())],
        ))

    # ---- workbooks

    def read_workbook(self, display: str, stem: str, explicit: bool) -> None:
        try:
            xlsx_scan.check_container(display)
        except xlsx_scan.WorkbookError as exc:
            raise InputError(exc.code, file=display, **exc.values) from None
        try:
            with zipfile.ZipFile(display) as zf:
                sheets = xlsx_scan.list_sheets(zf)
                picked = self.pick_sheets(display, zf, stem, sheets, explicit)
                if picked is None:
                    return
                self.hash_later(display)
                if not picked:
                    return
                reader = _open_fastexcel(display)
                for sheet, match in picked:
                    assert match.table is not None  # pick_sheets picks matched sheets only
                    try:
                        self.read_sheet(display, zf, reader, sheet, match.table)
                    except _NoHeader as exc:
                        if match.exact:
                            raise
                        table = match.table
                        self.warn(table.name, f"{display}:{sheet.name}", 0, "", "unknown_sheet/header",
                                  sheet=repr(sheet.name), alias=table.alias, needed=exc.values["needed"],
                                  names=exc.values["names"])
        except xlsx_scan.WorkbookError as exc:
            raise InputError(exc.code, file=display, **exc.values) from None
        except (
            zipfile.BadZipFile,
            zlib.error,
            ParseError,
            EOFError,
            OSError,
            KeyError,
            ValueError,
            NotImplementedError,  # zipfile: an unsupported zip version or compression method
            RuntimeError,  # zipfile: an encrypted zip member
            struct.error,
            lzma.LZMAError,
            pl.exceptions.PolarsError,
        ) as exc:
            raise InputError("workbook_damaged", file=display, detail=_first_line(exc)) from None
        except BaseException as exc:
            if not _is_panic(exc):
                raise
            raise InputError("file_unreadable", file=display, detail=_first_line(exc)) from None

    def pick_sheets(
        self, display: str, zf: zipfile.ZipFile, stem: str, sheets: list[xlsx_scan.SheetRef], explicit: bool
    ) -> list[tuple[xlsx_scan.SheetRef, NameMatch]] | None:
        """The sheets to read and how their names matched a table; None when the whole workbook is ignored.
        A sheet that names two tables is an error; one that names none is an error when it holds data rows
        (a warning when it holds none; the template's instructions sheet is expected)."""
        matches = [(s, match_table(s.name)) for s in sheets]
        picked = [(s, m) for s, m in matches if m.table is not None]
        if not picked and not any(m.tied for _, m in matches):
            by_stem = match_table(stem)
            worksheets = [s for s in sheets if s.kind == "worksheet" and s.part]
            if by_stem.table is None or not worksheets:
                no_table = bool(worksheets or not sheets)
                if explicit:
                    if no_table:
                        raise InputError("workbook_no_table", file=display, accepted=_known_tables())
                    raise InputError("workbook_no_worksheet", file=display)
                name = os.path.basename(display)
                filled = next((rows for s in worksheets if (rows := self.sheet_rows(display, zf, s))), None)
                if filled:
                    near = nearest_table(stem, filled)
                    self.warn("", display, 0, "", "unknown_file/workbook_data", name=name, near=near.name,
                              alias=near.alias)
                else:
                    self.warn("", display, 0, "", "unknown_file/workbook" if no_table else "unknown_file/no_worksheet",
                              name=name)
                return None
            picked = [(worksheets[0], by_stem)]
        chosen = {s.name for s, _ in picked}
        for s, m in matches:
            # The instructions sheet of `kqcalc template` is expected beside the tables: no warning.
            if s.name in chosen or norm_header(s.name) in TEMPLATE_GUIDE_SHEETS:
                continue
            file = f"{display}:{s.name}"
            if m.tied:
                self.warn("", file, 0, "", "unknown_sheet/tied", sheet=repr(s.name), tables=_tables_named(m.tied))
            elif s.kind == "worksheet" and s.part and (rows := self.sheet_rows(display, zf, s)):
                near = nearest_table(s.name, rows)
                self.warn("", file, 0, "", "unknown_sheet/data", sheet=repr(s.name), near=near.name, alias=near.alias)
            else:
                self.warn("", file, 0, "", "unknown_sheet", sheet=repr(s.name))
        return picked

    def sheet_rows(self, display: str, zf: zipfile.ZipFile, sheet: xlsx_scan.SheetRef) -> list[list[str | None]]:
        """The first non-blank rows of a sheet no table name matches, when it holds data rows (a header and
        at least one row below it); [] when it holds none. Read safely, as read_sheet reads."""
        probe = xlsx_scan.probe(zf, sheet.part)
        scan = xlsx_scan.scan_sheet(display, sheet.part, probe.prefix, extent=True)
        if scan.last_row < 2:
            return []
        if scan.oversized:
            return [[None], [None]]
        grid, _ = _load_sheet(_open_fastexcel(display), sheet.name, f"{display}:{sheet.name}")
        if not _grid_has_rows(grid):
            return []
        rows = [[_cell_text(v) for v in row] for row in grid.head(HEADER_SEARCH_ROWS * 3).iter_rows()]
        return [r for r in rows if any(c is not None and c.strip() for c in r)]

    def read_sheet(
        self, display: str, zf: zipfile.ZipFile, reader: Any, sheet: xlsx_scan.SheetRef, table: Table
    ) -> None:
        file = f"{display}:{sheet.name}"
        if sheet.kind != "worksheet" or not sheet.part:
            raise InputError("sheet_not_worksheet", file=file, sheet=repr(sheet.name), kind=sheet.kind)
        ahead = self.ahead.pop((display, sheet.name), None)
        self.top_up()
        loaded: Loaded | None = None
        if ahead is not None:
            try:
                loaded = ahead.result()
            except Exception:  # noqa: BLE001 - read again below, where the failure is reported as usual
                loaded = None
        if loaded is not None and loaded.grid is not None:
            self.sheet_table(table, display, file, loaded.grid, loaded.cols, loaded.scan,
                             _numeric_finder(display, zf, sheet.part))
            return
        probe = xlsx_scan.probe(zf, sheet.part)  # (a sheet loaded ahead was probed by load_ahead)
        sanitized: xlsx_scan.Sanitized | None = None
        try:
            # calamine must never see a sheet whose cells reach far out: its extent is scanned first
            scan = loaded.scan if loaded is not None else xlsx_scan.scan_sheet(display, sheet.part, probe.prefix,
                                                                                extent=True)
            if scan.oversized:
                sanitized = xlsx_scan.sanitize(display, sheet.part, probe.prefix, scan)
                grid, cols = _load_sheet(_open_fastexcel(sanitized.path, display), sheet.name, file)
                r0, c0, r1, c1 = sanitized.box
                if sanitized.stray_count:  # far cells without a value are dropped silently: nothing is lost
                    self.warn(
                        table.name,
                        file,
                        0,
                        "",
                        "stray_cells_ignored",
                        cells=xlsx_scan.list_cells(sanitized.stray),
                        more=sanitized.stray_count - min(len(sanitized.stray), xlsx_scan.MAX_LISTED),
                        first_row=r0, last_row=r1, first_col=xlsx_scan.column_letters(c0),
                        last_col=xlsx_scan.column_letters(c1),
                    )
            else:
                grid, cols = _load_sheet(reader, sheet.name, file)
        finally:
            if sanitized is not None:
                shutil.rmtree(sanitized.folder, ignore_errors=True)
        self.sheet_table(table, display, file, grid, cols, scan, _numeric_finder(display, zf, sheet.part))

    def sheet_table(
        self,
        table: Table,
        display: str,
        file: str,
        grid: pl.DataFrame,
        cols: list[int],
        scan: xlsx_scan.SheetScan,
        numeric_cells: Callable[[list[int]], list[tuple[int, int]]] | None = None,
    ) -> None:
        if self.hasher is not None:  # on the hashing thread (Polars releases the GIL); a clone shares the cells
            self.sheet_hashes[file] = self.hasher.submit(sheet_digest, grid.clone(), cols)
        if grid.height == 0 or grid.width == 0:
            self.empty_table(table, file)
            return
        grid.columns = [f"c{j}" for j in range(grid.width)]
        header_index, titles = _find_header_rows(table, grid)
        if header_index is None:
            if titles is None:  # every row is blank
                self.empty_table(table, file)
                return
            raise _no_header(table, file)
        header_row = header_index + 1  # Excel rows are 1-based; fastexcel keeps leading empty rows
        header_cells = [_cell_text(v) for v in grid.row(header_index)]
        if titles:
            self.title_warning(table, file, titles, header_row)
        merged = [r for r in scan.merged if (box := xlsx_scan.parse_range(r)) is not None and box[2] >= header_row]
        if merged:
            self.warn(
                table.name,
                file,
                0,
                "",
                "merged_cells",
                ranges=", ".join(merged[: xlsx_scan.MAX_LISTED]),
                more=max(0, len(merged) - xlsx_scan.MAX_LISTED),
            )
        data = grid.slice(header_index + 1)
        position = {c: j for j, c in enumerate(cols)}
        notes: list[tuple[int, int, str, xlsx_scan.CellNote]] = []
        for code, found in (("formula_without_value", scan.formulas), ("cell_error", scan.errors)):
            for note in found:
                j = position.get(note.col)
                if note.row > header_row and j is not None:
                    notes.append((note.row, j, code, note))
        if numeric_cells is not None:
            notes += _code_number_notes(table, data, cols, header_cells, header_row, numeric_cells)
        last_row = header_row + data.height
        beyond = max((r for r, *_ in notes), default=0) - last_row
        if beyond > 0:  # rows holding only formulas without a value lie below calamine's range
            data = pl.concat([data, pl.DataFrame({c: [None] * beyond for c in data.columns}, schema=data.schema)])
        notes += _merged_notes(table, grid, cols, header_cells, header_row, header_row + data.height, merged)
        labels = [xlsx_scan.column_letters(c) for c in cols]
        self.assemble(table, file, display, header_cells, labels, data, header_row + 1, notes)

    def empty_table(self, table: Table, file: str) -> None:
        if table.name == "firms":
            self.empty_firms.append(file)
        self.warn(table.name, file, 0, "", "empty_table", alias=table.alias)

    def no_rows(self, table: Table, file: str) -> None:
        """A table with a header and no rows (SPEC §3; for firms read_inputs stops the run instead)."""
        self.warn(table.name, file, 0, "", "empty_table/no_rows", alias=table.alias)

    def title_warning(self, table: Table, file: str, titles: list[tuple[int, str]], header_row: int) -> None:
        rows = ", ".join(str(r) for r, _ in titles)
        texts = "; ".join(repr(t) for _, t in titles[:3])
        self.warn(
            table.name,
            file,
            0,
            "",
            "title_rows_skipped/one" if len(titles) == 1 else "title_rows_skipped",
            rows=rows,
            header_row=header_row,
            texts=texts,
        )

    # ---- common

    def assemble(
        self,
        table: Table,
        file: str,
        path: str,
        header_cells: list[str | None],
        labels: list[str],
        data: pl.DataFrame,
        first_row: int,
        notes: list[tuple[int, int, str, xlsx_scan.CellNote]] | None = None,
    ) -> None:
        """Name, filter and number the data rows below a header; add the RawTable.

        data: the rows below the header, one String column per source column, named c0, c1 …
        first_row: the row number of data's first row.
        notes: (row, column position, code, cell) of cells that quarantine their row.
        """
        mapping, headers, extras = _map_header(table, file, header_cells, labels, data)
        n = data.height
        rows = pl.int_range(first_row, first_row + n, dtype=pl.Int64, eager=True).alias("_row")
        scanned = _scan_rows(data, [f"c{j}" for j in mapping.values()])
        blank, total = scanned.blank, scanned.total
        notes = notes or []
        bad_rows: dict[int, list[Issue]] = {}
        if notes:
            total_rows = set(rows.filter(total).to_list()) if total is not None else set()
            blank_rows = set(rows.filter(blank).to_list()) if blank is not None else set()
            by_position = {j: name for name, j in mapping.items()}
            for row, j, code, note in sorted(notes, key=lambda x: (x[0], x[1])):
                if j not in by_position or row in total_rows:
                    continue
                if code == "merged_cell" and row in blank_rows:
                    continue  # a row holding nothing but the merged range's shadow is a blank row
                header = headers[by_position[j]]
                detail = {"merged_cell": "range", "credit_code_as_number": "number", "cell_error": "error"}
                if code == "formula_without_value":  # a shared formula's cells other than the first show no text
                    args = {"formula": f"={note.text or '…'}"}
                else:
                    args = {detail[code]: note.text}
                bad_rows.setdefault(row, []).append(issue(table.name, file, row, header, code, cell=note.ref, **args))
        if bad_rows and blank is not None:
            blank = blank & ~rows.is_in(list(bad_rows))
        drop = blank
        if total is not None:
            total = total & ~blank if blank is not None else total
            drop = total if drop is None else drop | total
        rows_read = n - (int(blank.sum()) if blank is not None else 0)
        excluded = 0
        if total is not None and total.any():
            picked = data.filter(total)
            total_numbers = rows.filter(total).to_list()
            excluded = len(total_numbers)
            for number, values in zip(total_numbers, picked.iter_rows(), strict=True):
                label = next((v.strip() for v in values if v is not None and v.strip()), "")
                self.warn(
                    table.name,
                    file,
                    number,
                    "",
                    "total_row",
                    label=repr(label),
                )
        frame = data.select([pl.col(f"c{j}").alias(name) for name, j in mapping.items()]).with_columns(rows)
        if drop is not None and drop.any():
            frame = frame.filter(~drop)
        frame = _empty_to_null(frame, [name for name, j in mapping.items() if f"c{j}" in scanned.empty_strings])
        if extras:
            self.warn(
                table.name,
                file,
                0,
                "",
                "extra_columns",
                columns=", ".join(extras),
            )
        if frame.height == 0 and table.name != "firms":  # an empty firms table stops the run (read_inputs)
            self.no_rows(table, file)
        self.add_table(RawTable(table.name, file, path, frame, headers, rows_read, excluded, bad_rows))


# --------------------------------------------------------------------------- header


def _merged_notes(
    table: Table,
    grid: pl.DataFrame,
    cols: list[int],
    header_cells: list[str | None],
    header_row: int,
    last_row: int,
    merged: list[str],
) -> list[tuple[int, int, str, xlsx_scan.CellNote]]:
    """(row, column position, "merged_cell", cell) of the data cells of the table's columns that a merged range
    with a value covers (all but its top-left cell): they read as empty, so a default would silently replace
    the value the sheet shows (SPEC §1 principle 5)."""
    aliases = _alias_map(table)
    mapped = [j for j, c in enumerate(header_cells) if c is not None and _header_key(c) in aliases]
    position = {c: j for j, c in enumerate(cols)}
    out: list[tuple[int, int, str, xlsx_scan.CellNote]] = []
    for ref in merged:
        box = xlsx_scan.parse_range(ref)
        if box is None:
            continue
        r0, c0, r1, c1 = box
        j0 = position.get(c0)
        top = grid.item(r0 - 1, j0) if j0 is not None and 0 < r0 <= grid.height else None
        if _cell_text(top) is None:
            continue  # an empty merged range reads as empty everywhere, as it shows
        covered = [j for j in mapped if j < len(cols) and c0 <= cols[j] <= c1]
        for r in range(max(r0, header_row + 1), min(r1, last_row) + 1):
            for j in covered:
                if (r, cols[j]) != (r0, c0):
                    out.append((r, j, "merged_cell", xlsx_scan.CellNote(r, cols[j], ref)))
    return out


def _numeric_finder(display: str, zf: zipfile.ZipFile, part: str) -> Callable[[list[int]], list[tuple[int, int]]]:
    def find(columns: list[int]) -> list[tuple[int, int]]:
        return xlsx_scan.numeric_cells(display, part, xlsx_scan.probe(zf, part).prefix, columns)

    return find


CODE_KINDS = ("firm_id",)  # tables.FIRM_ID: credit codes
CODE_COLUMNS = ("client_id",)  # client codes (text keys that are credit codes when given)


def _code_number_notes(
    table: Table,
    data: pl.DataFrame,
    cols: list[int],
    header_cells: list[str | None],
    header_row: int,
    numeric_cells: Callable[[list[int]], list[tuple[int, int]]],
) -> list[tuple[int, int, str, xlsx_scan.CellNote]]:
    """(row, column position, "credit_code_as_number", cell) of the firm and client codes stored as numbers (SPEC
    §3): such a cell reads as digits like a code typed as text, so the sheet's XML is asked which cells are
    numbers, only when a code column holds a cell of digits."""
    aliases = _alias_map(table)
    codes = {c.name for c in table.columns if c.kind in CODE_KINDS or c.name in CODE_COLUMNS}
    positions = [j for j, cell in enumerate(header_cells)
                 if cell is not None and aliases.get(_header_key(cell)) in codes and j < data.width]
    digits = [j for j in positions if data.get_column(f"c{j}").str.contains(r"^\s*[0-9.]+\s*$").any()]
    if not digits:
        return []
    position = {cols[j]: j for j in digits}
    found = numeric_cells([cols[j] for j in digits])
    out = []
    for row, col in found:
        j = position.get(col)
        if j is None or row <= header_row or row - header_row - 1 >= data.height:
            continue
        text = data.get_column(f"c{j}")[row - header_row - 1]
        out.append((row, j, "credit_code_as_number", xlsx_scan.CellNote(row, col, text or "")))
    return out


def _needed(table: Table) -> int:
    return min(2, len(table.columns))


def _header_key(text: str) -> str:
    """How a header cell is compared with a column's spellings: norm_header, then without any space and
    without a trailing "*" (a header wrapped over two lines in Excel, or marked required, still matches)."""
    return "".join(norm_header(text).split()).rstrip("*")


def _alias_map(table: Table) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, *col.aliases):
            out.setdefault(_header_key(spelling), col.name)
    return out


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _header_matches(table: Table, cells: list[str | None]) -> int:
    aliases = _alias_map(table)
    return len({aliases[k] for c in cells if c is not None and (k := _header_key(c)) in aliases})


def _find_header_rows(table: Table, grid: pl.DataFrame) -> tuple[int | None, list[tuple[int, str]] | None]:
    """(index of the header row in grid, title rows above it as (row number, text)).

    (None, None) when every row is blank; (None, titles) when no header was found.
    """
    non_blank: list[tuple[int, list[str | None]]] = []
    offset = 0
    step = 64
    while len(non_blank) < HEADER_SEARCH_ROWS and offset < grid.height:
        for i, values in enumerate(grid.slice(offset, step).iter_rows(), start=offset):
            cells = [_cell_text(v) for v in values]
            if any(c is not None for c in cells):
                non_blank.append((i, cells))
                if len(non_blank) == HEADER_SEARCH_ROWS:
                    break
        offset += step
        step = min(step * 4, 100_000)
    if not non_blank:
        return None, None
    needed = _needed(table)
    titles: list[tuple[int, str]] = []
    for i, cells in non_blank:
        if _header_matches(table, cells) >= needed:
            return i, titles
        titles.append((i + 1, next(c for c in cells if c is not None).strip()))
    return None, titles


def _map_header(
    table: Table, file: str, cells: list[str | None], labels: list[str], data: pl.DataFrame
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """(contract column -> position, contract column -> header as written, extra column descriptions)."""
    aliases = _alias_map(table)
    mapping: dict[str, int] = {}
    headers: dict[str, str] = {}
    extras: list[str] = []
    for j, cell in enumerate(cells):
        if cell is None:
            if j < data.width and data.get_column(f"c{j}").null_count() < data.height:
                extras.append(f"an unnamed column ({labels[j]})")
            continue
        name = aliases.get(_header_key(cell))
        if name is None:
            extras.append(f"{cell.strip()} ({labels[j]})")
            continue
        if name in mapping:
            raise InputError("duplicate_header", table=table.name, file=file, first=repr(headers[name]),
                             first_at=labels[mapping[name]], second=repr(cell.strip()), second_at=labels[j],
                             spellings=_spellings(table, name))
        mapping[name] = j
        headers[name] = cell.strip()
    missing = [c for c in table.columns if c.required and c.name not in mapping]
    if missing:
        found = ", ".join(" ".join(c.split()) for c in cells if c is not None) or "(none)"  # one line
        what = ", ".join(_spellings(table, c.name) for c in missing)
        raise InputError("missing_columns/one" if len(missing) == 1 else "missing_columns", table=table.name,
                         file=file, columns=what, found=found)
    return mapping, headers, extras


def _spellings(table: Table, name: str) -> str:
    col = table.column(name)
    return f"{col.name} ({' / '.join(col.aliases)})" if col.aliases else col.name


def _no_header(table: Table, file: str, *, parquet: bool = False) -> _NoHeader:
    names = ", ".join(_spellings(table, c.name) for c in table.columns)
    if parquet:
        return _NoHeader("no_header_parquet", table=table.name, file=file, needed=_needed(table), names=names)
    return _NoHeader("no_header", table=table.name, file=file, rows=HEADER_SEARCH_ROWS, needed=_needed(table),
                     names=names)


def _known_tables() -> str:
    return ", ".join(f"{t.name}/{t.alias}" for t in TABLES.values())


# --------------------------------------------------------------------------- rows


def _maybe_blank(e: pl.Expr) -> pl.Expr:
    """True where the cell is null, empty or may be whitespace only (starts with a space-like character).

    Comparisons against constants use the inline prefix of Polars' string views, so this is
    far cheaper than stripping every cell; the candidates are checked exactly afterwards.
    """
    cond = e.is_null() | (e < "!")
    for lo, hi in zip(_WS_START[0::2], _WS_START[1::2], strict=True):
        cond = cond | ((e >= lo) & (e < hi))
    return cond.fill_null(True)


@dataclass
class _RowScan:
    blank: pl.Series | None  # rows whose every cell is empty or whitespace
    total: pl.Series | None  # total rows (first non-empty cell 合计 …)
    empty_strings: list[str]  # columns holding "" (to become None)


def _scan_rows(data: pl.DataFrame, kept: list[str]) -> _RowScan:
    """Find blank rows, total rows and empty strings with one parallel Polars pass over `data`.

    Blank rows: every cell null, or (exact check on the few candidates) whitespace. The
    candidates come from the column with the fewest nulls, then the others in turn.
    Total rows: a vectorised regex on each row's first non-null cell picks the candidates
    (total labels, and whitespace-only cells after which the first non-empty cell lies
    further on); the candidates are checked exactly with _is_total_label.
    """
    if data.height == 0 or data.width == 0:
        return _RowScan(None, None, [])
    order = sorted(data.columns, key=lambda c: data.get_column(c).null_count())
    probe = data.select(
        _maybe_blank(pl.col(order[0])).alias("__maybe_blank"),
        pl.coalesce(data.columns).str.contains(_TOTAL_RE).fill_null(False).alias("__maybe_total"),
        *[(pl.col(c) == "").any().alias(f"__empty_{c}") for c in kept],
    )
    empty = [c for c in kept if probe.get_column(f"__empty_{c}")[0]]
    return _RowScan(
        _blank_rows(data, order, probe.get_column("__maybe_blank")),
        _total_rows(data, probe.get_column("__maybe_total")),
        empty,
    )


def _blank_rows(data: pl.DataFrame, order: list[str], maybe: pl.Series) -> pl.Series | None:
    idx = maybe.arg_true()
    for c in order[1:]:
        if idx.len() == 0:
            return None
        cond = data.get_column(c).gather(idx).to_frame().select(_maybe_blank(pl.col(c))).to_series()
        idx = idx.filter(cond)
    if idx.len() == 0:
        return None
    exact = (
        data[idx]
        .select(pl.all_horizontal([pl.col(c).str.strip_chars().fill_null("") == "" for c in data.columns]))
        .to_series()
    )
    idx = idx.filter(exact)
    if idx.len() == 0:
        return None
    return pl.repeat(False, data.height, eager=True).scatter(idx, True)


def _is_total_label(text: str) -> bool:
    key = "".join(norm_header(text).split())
    return key in TOTAL_LABELS or key.startswith(TOTAL_PREFIXES)


def _total_rows(data: pl.DataFrame, maybe: pl.Series) -> pl.Series | None:
    if not maybe.any():
        return None
    idx = maybe.arg_true()
    exact = [
        _is_total_label(next((v for v in values if v is not None and v.strip()), ""))
        for values in data[idx].iter_rows()
    ]
    idx = idx.filter(pl.Series(exact, dtype=pl.Boolean))
    if idx.len() == 0:
        return None
    return pl.repeat(False, data.height, eager=True).scatter(idx, True)


def _empty_to_null(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    if not columns:
        return frame
    return frame.with_columns([pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in columns])


# --------------------------------------------------------------------------- files


def _head(path: str) -> tuple[bytes, int]:
    """(first HEAD_BYTES bytes, size) of a file."""
    try:
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES), os.fstat(fh.fileno()).st_size
    except (OSError, ValueError) as exc:
        raise InputError("file_unreadable", file=path, detail=getattr(exc, "strerror", None) or exc) from None


def _same_rows(a: RawTable, b: RawTable) -> bool:
    """Whether two pieces of a table hold the same rows, cell for cell, in the same order (row numbers and
    column order aside). Lazily read Parquet pieces are not compared."""
    if a.source is not None or b.source is not None or a.frame.height != b.frame.height or not a.frame.height:
        return False
    columns = sorted(set(a.frame.columns) - {"_row"})
    if columns != sorted(set(b.frame.columns) - {"_row"}):
        return False
    return a.frame.select(columns).equals(b.frame.select(columns))


def _file_rows(path: str, suffix: str) -> list[list[str | None]]:
    """The first rows of a file no table name matches, when it holds data rows (Parquet: its column names
    and any row; CSV: a non-blank line below the first); [] when it holds none. A file that cannot be looked
    into is taken to hold rows (an error, not a warning)."""
    try:
        if suffix == ".parquet":
            source = pl.scan_parquet(path)
            has = bool(source.select(pl.len()).collect().item())
            return [list(source.collect_schema().names()), [None]] if has else []
        head, size = _head(path)
    except Exception:  # noqa: BLE001
        return [[None], [None]]
    text = head.decode("utf-8", errors="ignore") if head.isascii() or _is_utf8(head) else head.decode(
        "gb18030", errors="ignore")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    rows = [[f if f.strip() else None for f in fields] for _, fields in _records(text, ",", size <= len(head))]
    rows = [r for r in rows if any(c is not None for c in r)]
    return rows if len(rows) >= 2 else []


def _is_utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _grid_has_rows(grid: pl.DataFrame) -> bool:
    """Whether a sheet's cells fill at least two rows (a header and a data row)."""
    if grid.width == 0:
        return False
    filled = pl.any_horizontal([pl.col(c).str.strip_chars().str.len_chars() > 0 for c in grid.columns])
    return grid.select(filled.fill_null(False).sum()).item() >= 2


def _digest(path: str) -> str:
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


def sheet_digest(grid: pl.DataFrame, cols: list[int]) -> str:
    """SHA-256 of a sheet's cells as read, independent of how the workbook stores them (shared strings, styles,
    zip compression): UTF-8 text whose first line is the Excel letters of the columns read, tab-separated,
    then one line per Excel row from row 1, its cells separated by tabs, an empty cell written \\N and a
    backslash, tab, line feed or carriage return inside a cell written \\\\, \\t, \\n, \\r (PostgreSQL's COPY
    text format)."""
    digest = hashlib.sha256(("\t".join(xlsx_scan.column_letters(c) for c in cols) + "\n").encode("utf-8"))
    if grid.height and grid.width:
        grid = grid.select(pl.all().cast(pl.String))
        # Only the columns holding a character to escape are escaped (most hold none: a quick scan is cheaper).
        special = grid.select(pl.col(c).str.contains(r"[\\\t\n\r]").any() for c in grid.columns).row(0)
        cells = []
        for name, escape in zip(grid.columns, special, strict=True):
            cell = pl.col(name)
            if escape:
                cell = (cell.str.replace_all("\\", "\\\\", literal=True).str.replace_all("\t", "\\t", literal=True)
                        .str.replace_all("\n", "\\n", literal=True).str.replace_all("\r", "\\r", literal=True))
            cells.append(cell.fill_null("\\N"))
        text = grid.select(pl.concat_str(cells, separator="\t").str.join("\n")).item()
        digest.update((text + "\n").encode("utf-8"))
    return digest.hexdigest()


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic surfaced by pyo3 (PanicException derives from BaseException)."""
    return type(exc).__name__ == "PanicException"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- CSV


class _NoHeader(InputError):
    """No header row with the table's columns: a stop for a sheet or file named exactly after the table, an
    error issue for one matched only by a name containing the table's name (SPEC §3)."""


class _NotUtf8(Exception):
    pass


class _CsvFailure(Exception):
    pass


class _Ragged(Exception):
    """A line with more fields than the header (Polars stops on it): read again, those rows quarantined."""


def _decode_all(path: str, encoding: str) -> tuple[bytes, str]:
    """The whole file re-encoded as UTF-8 (for Polars), and its first characters."""
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise InputError("csv_not_text", file=path) from None
    del raw
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:  # CR alone also ends a line (SPEC §7); CRLF is one line end
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.encode("utf-8"), text[:HEAD_BYTES]


def _records(text: str, sep: str, complete: bool) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of the CSV records in `text` (the last, maybe cut, record dropped)."""
    parts = text.split("\n")  # Polars splits lines on \n only (a \r before it is dropped)
    lines = [p + "\n" for p in parts[:-1]]
    if complete and parts[-1]:
        lines.append(parts[-1])
    elif not complete and lines:
        lines.pop()  # the last line may be cut in the middle
    reader = csv.reader(lines, delimiter=sep, quotechar='"')
    start = 1
    try:
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1
    except csv.Error:
        return


def _csv_header(
    table: Table, text: str, complete: bool
) -> tuple[str, int, list[str | None], list[tuple[int, str]]] | None:
    """(separator, header line number, header cells, title rows) found in the head of a CSV."""
    needed = _needed(table)
    for sep in (",", "\t", ";"):
        non_blank = 0
        titles: list[tuple[int, str]] = []
        for line, fields in _records(text, sep, complete):
            cells = [f if f.strip() else None for f in fields]
            if not any(c is not None for c in cells):
                continue
            non_blank += 1
            if _header_matches(table, cells) >= needed:
                return sep, line, cells, titles
            titles.append((line, next(c for c in cells if c is not None).strip()))
            if non_blank >= HEADER_SEARCH_ROWS:
                break
    return None


def _polars_csv(source: str | bytes, sep: str, header_line: int, *, ragged: bool = False) -> pl.DataFrame:
    """The CSV's records below its header as text. ragged: fields beyond the header are cut off (the caller
    quarantines those rows, see _ragged_records); otherwise such a line raises _Ragged."""
    try:
        return pl.read_csv(
            source,
            separator=sep,
            has_header=True,
            skip_lines=header_line - 1,
            infer_schema=False,
            quote_char='"',
            raise_if_empty=False,
            truncate_ragged_lines=ragged,
        )
    except Exception as exc:  # Polars raises ComputeError / NoDataError / … and pyo3 panics
        text = _first_line(exc)
        if "utf-8" in text.lower() or "utf8" in text.lower():
            raise _NotUtf8(text) from None
        if "more fields" in text and not ragged:
            raise _Ragged(text) from None
        raise _CsvFailure(text) from None


def _ragged_records(source: str | bytes, sep: str, header_line: int, width: int) -> list[tuple[int, int, list[str]]]:
    """(index below the header, line number, fields) of the records with non-empty fields beyond the header's
    `width` (Polars' record index, so blank lines count as records as Polars counts them)."""
    if isinstance(source, str):
        with open(source, "rb") as fh:
            text = fh.read().decode("utf-8-sig")
    else:
        text = source.decode("utf-8")
    found = []
    index = -1
    for line, fields in _records(text, sep, True):
        if line <= header_line:
            continue
        index += 1
        if len(fields) > width and any(f.strip() for f in fields[width:]):
            found.append((index, line, fields))
    return found


# --------------------------------------------------------------------------- Parquet


def _parquet_text(col: pl.Expr, name: str, dtype: pl.DataType, display: str) -> pl.Expr:
    """The cell text of a Parquet column of this type (see the module docstring)."""
    if dtype == pl.String:
        return col
    if dtype == pl.Date:
        return col.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        # A moment with a time zone keeps its offset ("+00:00"), so that clean.py refuses it (bad_date): its
        # calendar day depends on the zone, and 18:30 UTC is already the next day in China.
        zone = "%:z" if dtype.time_zone else ""
        whole = col.dt.to_string(f"%Y-%m-%d %H:%M:%S{zone}")
        return pl.when(col.dt.nanosecond() == 0).then(whole).otherwise(
            col.dt.to_string(f"%Y-%m-%d %H:%M:%S%.f{zone}"))
    if dtype == pl.Boolean:
        return pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false"))
    if dtype.is_numeric() or dtype in (pl.Null, pl.Time, pl.Categorical) or isinstance(dtype, pl.Enum):
        return col.cast(pl.String)
    if dtype == pl.Binary:
        return col.cast(pl.String, strict=False)
    raise InputError("parquet_column_type", file=display, name=repr(name), dtype=dtype)


def _parquet_as_text(df: pl.DataFrame, display: str) -> pl.DataFrame:
    exprs = [_parquet_text(pl.col(name), name, dtype, display) for name, dtype in df.schema.items()]
    try:
        return df.select([e.alias(name) for e, name in zip(exprs, df.columns, strict=True)])
    except Exception as exc:
        raise InputError("not_text", file=display, detail=_first_line(exc)) from None


# --------------------------------------------------------------------------- xlsx


def _open_fastexcel(path: str, display: str | None = None) -> Any:
    import fastexcel

    try:
        return fastexcel.read_excel(path)
    except BaseException as exc:  # pyo3 panics derive from BaseException
        if not isinstance(exc, Exception) and not _is_panic(exc):
            raise
        raise InputError("workbook_not_xlsx", file=display or path, detail=_first_line(exc)) from None


LOADERS = 2  # sheets loaded at once (the benchmark machine has two cores)
LOAD_AHEAD_ROWS = 10_000  # smaller sheets are read in turn: loading them ahead gains little


class Loaded(NamedTuple):
    """A sheet scanned and, unless its cells reach too far for calamine (grid None), loaded."""

    grid: pl.DataFrame | None
    cols: list[int]
    scan: xlsx_scan.SheetScan


def _load_and_scan(display: str, sheet: xlsx_scan.SheetRef, prefix: bytes) -> Loaded:
    """A sheet scanned, then loaded when that is safe (with its own fastexcel reader: one reader cannot load two
    sheets at once), on a loader thread; read_sheet rewrites an oversized one."""
    scan = xlsx_scan.scan_sheet(display, sheet.part, prefix, extent=True)
    if scan.oversized:
        return Loaded(None, [], scan)
    grid, cols = _load_sheet(_open_fastexcel(display), sheet.name, f"{display}:{sheet.name}")
    return Loaded(grid, cols, scan)


def _load_sheet(reader: Any, name: str, file: str) -> tuple[pl.DataFrame, list[int]]:
    """The sheet as text, one row per Excel row from row 1; and the Excel column (1-based) of each column.

    Text cells read as written. A numeric cell reads as the shortest decimal that gives back its stored binary
    value (SPEC §3 "numbers are exact as written"): calamine's text of a number keeps at most 9 decimals and
    15 or 16 significant digits (=1/23175 reads "0.00004315"), so the columns holding cells that read like
    numbers are loaded a second time as floats (see _exact_numbers)."""
    try:
        sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
        cols = [c.absolute_index + 1 for c in sheet.available_columns()]
        grid = sheet.to_polars()
    except BaseException as exc:
        if not isinstance(exc, Exception) and not _is_panic(exc):
            raise
        raise InputError("sheet_unreadable", file=file, detail=_first_line(exc)) from None
    if len(cols) != grid.width:
        cols = list(range(1, grid.width + 1))
    bad = [c for c, t in grid.schema.items() if t != pl.String]
    if bad:
        grid = grid.with_columns([pl.col(c).cast(pl.String) for c in bad])
    return _exact_numbers(reader, name, file, grid), cols


_NUMBER_TEXT = r"^-?[0-9]+(?:\.[0-9]+)?$"  # how calamine writes a numeric cell as text


def plain_decimal(value: float) -> str:
    """The shortest decimal that gives back `value` (Python's repr), written without an exponent."""
    from decimal import Decimal

    text = format(Decimal(repr(value)), "f")
    return text[:-2] if text.endswith(".0") else text


def _exact_numbers(reader: Any, name: str, file: str, grid: pl.DataFrame) -> pl.DataFrame:
    """The grid with every numeric cell's text replaced by its exact value (plain_decimal of the stored float).

    The columns holding a cell that reads like a number are loaded again as floats: fastexcel reads a numeric
    cell as its float, a text cell that reads as a number as the float of its text, and anything else as null.
    Where the text read first gives back that float, it is kept (a text cell, or a number calamine wrote
    exactly: "12.50" stays "12.50"); elsewhere the cell is numeric and its float's shortest decimal is used."""
    numeric = grid.select(pl.col(c).str.contains(_NUMBER_TEXT).any() for c in grid.columns).row(0) if grid.height \
        else ()
    wanted = [j for j, hit in enumerate(numeric) if hit]
    if not wanted:
        return grid
    try:
        floats = reader.load_sheet(name, header_row=None, dtypes="float", skip_rows=0,
                                   use_columns=wanted).to_polars()
    except BaseException as exc:
        if not isinstance(exc, Exception) and not _is_panic(exc):
            raise
        raise InputError("sheet_unreadable", file=file, detail=_first_line(exc)) from None
    if floats.width != len(wanted) or floats.height != grid.height:
        raise InputError("sheet_shape", file=file)
    fixes = []
    for j, column in zip(wanted, floats.columns, strict=True):
        name_j = grid.columns[j]
        text = grid.get_column(name_j)
        value = floats.get_column(column).cast(pl.Float64)
        differs = value.is_not_null() & (text.cast(pl.Float64, strict=False) != value).fill_null(True)
        if not differs.any():
            continue
        where = differs.arg_true()
        exact = [plain_decimal(v) for v in value.gather(where).to_list()]
        fixes.append(text.scatter(where, pl.Series(exact, dtype=pl.String)).alias(name_j))
    return grid.with_columns(fixes) if fixes else grid
