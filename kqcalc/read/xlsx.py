"""An .xlsx workbook: one sheet per table, each read as text (SPEC §3, §7).

Which sheets: a sheet named after a table (see sources.match_table); a workbook none of whose sheets matches
but whose file name does gives its first sheet to that table. A sheet naming two tables is an error; one naming
none is an error when it holds data rows (``unknown_sheet`` with a did-you-mean hint), else a warning.

Cell text is fastexcel's text of the cell: numbers as written by calamine ("12", "1.5"), a numeric cell whose
text calamine rounds as its shortest exact decimal (_exact_numbers), booleans "true"/"false", date and datetime
cells "YYYY-MM-DD HH:MM:SS". A formula cell with a cached value reads as that value; one without (files
written by openpyxl and similar tools) reads as empty and quarantines its row (``formula_without_value``); an
Excel error value (#DIV/0!, #N/A …) quarantines its row too (``cell_error``); so does a cell of a data row
covered by a merged range with a value, other than its top-left cell (``merged_cell``: it reads as empty, and
a column default must not stand in for the value the sheet shows), and a firm or client code stored as a
number (``credit_code_as_number``). Row numbers are Excel rows.

fastexcel reads a sheet with ``load_sheet(name, header_row=None, dtypes="string", skip_rows=0)``: skip_rows=0
keeps the leading empty rows, so frame row i is Excel row i + 1; the Excel column of each frame column is
ColumnInfo.absolute_index + 1 (calamine drops leading empty columns).

Safety (xlsx_scan.py): calamine allocates rows x columns of a sheet's used range and aborts the process when
that is huge (one stray value at XFD1048576), whatever the sheet's ``<dimension>`` declares. So before
fastexcel reads a sheet, its whole XML is scanned once, streaming (load_and_scan): the formulas without a
cached value, error cells and merged ranges, and its extent; a sheet that is too big is rewritten to a
temporary copy without the cells far outside its main block (warning ``stray_cells_ignored``, values kept in
the message). Big sheets (a declared range of at least LOAD_AHEAD_ROWS rows) go through the same
load_and_scan on two loader threads ahead of the sheet being turned into a table (Preloader: fastexcel
releases the GIL), so the scan costs little time.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import shutil
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, NamedTuple
from xml.etree.ElementTree import ParseError

import polars as pl

import kqcalc.read.xlsx_scan as xlsx_scan
from kqcalc.errors import InputError
from kqcalc.issues import Issue, issue
from kqcalc.read.base import Found, first_line, is_panic
from kqcalc.read.header import (
    HEADER_SEARCH_ROWS,
    NoHeader,
    alias_map,
    cell_text,
    find_header_rows,
    header_key,
    known_tables,
    no_header,
    title_warning,
)
from kqcalc.read.rows import below_header
from kqcalc.read.sources import Hasher, NameMatch, match_table, nearest_table, table_for_name, tables_named
from kqcalc.tables import Table
from kqcalc.text import norm_header

TEMPLATE_GUIDE_SHEETS = {"填表说明", "instructions"}  # kqcalc.template.INSTRUCTIONS, normalised
LOADERS = 2  # sheets loaded at once (the benchmark machine has two cores)
LOAD_AHEAD_ROWS = 10_000  # smaller sheets are read in turn: loading them ahead gains little
CODE_KINDS = ("firm_id",)  # tables.FIRM_ID: credit codes
CODE_COLUMNS = ("client_id",)  # client codes (text keys that are credit codes when given)

Note = tuple[int, int, str, xlsx_scan.CellNote]  # (row, column position, code, cell): a cell quarantining its row


def read_workbook(display: str, stem: str, explicit: bool, hasher: Hasher, preloader: Preloader | None) -> Found:
    """The tables in a workbook's sheets and the issues met; digest None when the whole workbook is set aside."""
    try:
        xlsx_scan.check_container(display)
    except xlsx_scan.WorkbookError as exc:
        raise InputError(exc.code, file=display, **exc.values) from None
    try:
        with zipfile.ZipFile(display) as zf:
            sheets = xlsx_scan.list_sheets(zf)
            picked, issues = _pick_sheets(display, zf, stem, sheets, explicit)
            if picked is None:
                return Found(issues=issues)
            found = Found(issues=issues, digest=hasher.file(display))
            if not picked:
                return found
            reader = _open_fastexcel(display)
            for sheet, match in picked:
                assert match.table is not None  # _pick_sheets picks matched sheets only
                try:
                    one = _read_sheet(display, zf, reader, sheet, match.table, hasher, preloader)
                except NoHeader as exc:
                    if match.exact:
                        raise
                    table = match.table
                    found.issues.append(issue(table.name, f"{display}:{sheet.name}", 0, "", "unknown_sheet/header",
                                              sheet=repr(sheet.name), alias=table.alias, needed=exc.values["needed"],
                                              names=exc.values["names"]))
                    continue
                found.pieces += one.pieces
                found.issues += one.issues
                found.sheets.update(one.sheets)
            return found
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
        raise InputError("workbook_damaged", file=display, detail=first_line(exc)) from None
    except BaseException as exc:
        if not is_panic(exc):
            raise
        raise InputError("file_unreadable", file=display, detail=first_line(exc)) from None


def _pick_sheets(
    display: str, zf: zipfile.ZipFile, stem: str, sheets: list[xlsx_scan.SheetRef], explicit: bool
) -> tuple[list[tuple[xlsx_scan.SheetRef, NameMatch]] | None, list[Issue]]:
    """The sheets to read and how their names matched a table (None when the whole workbook is ignored), and the
    issues about the others. A sheet that names two tables is an error; one that names none is an error when it
    holds data rows (a warning when it holds none; the template's instructions sheet is expected)."""
    matches = [(s, match_table(s.name)) for s in sheets]
    picked = [(s, m) for s, m in matches if m.table is not None]
    issues = []
    if not picked and not any(m.tied for _, m in matches):
        by_stem = match_table(stem)
        worksheets = [s for s in sheets if s.kind == "worksheet" and s.part]
        if by_stem.table is None or not worksheets:
            no_table = bool(worksheets or not sheets)
            if explicit:
                if no_table:
                    raise InputError("workbook_no_table", file=display, accepted=known_tables())
                raise InputError("workbook_no_worksheet", file=display)
            name = os.path.basename(display)
            filled = next((rows for s in worksheets if (rows := _sheet_rows(display, zf, s))), None)
            if filled:
                near = nearest_table(stem, filled)
                issues.append(issue("", display, 0, "", "unknown_file/workbook_data", name=name, near=near.name,
                                    alias=near.alias))
            else:
                issues.append(issue("", display, 0, "", "unknown_file/workbook" if no_table
                                    else "unknown_file/no_worksheet", name=name))
            return None, issues
        picked = [(worksheets[0], by_stem)]
    chosen = {s.name for s, _ in picked}
    for s, m in matches:
        # The instructions sheet of `kqcalc template` is expected beside the tables: no warning.
        if s.name in chosen or norm_header(s.name) in TEMPLATE_GUIDE_SHEETS:
            continue
        file = f"{display}:{s.name}"
        if m.tied:
            issues.append(issue("", file, 0, "", "unknown_sheet/tied", sheet=repr(s.name),
                                tables=tables_named(m.tied)))
        elif s.kind == "worksheet" and s.part and (rows := _sheet_rows(display, zf, s)):
            near = nearest_table(s.name, rows)
            issues.append(issue("", file, 0, "", "unknown_sheet/data", sheet=repr(s.name), near=near.name,
                                alias=near.alias))
        else:
            issues.append(issue("", file, 0, "", "unknown_sheet", sheet=repr(s.name)))
    return picked, issues


def _sheet_rows(display: str, zf: zipfile.ZipFile, sheet: xlsx_scan.SheetRef) -> list[list[str | None]]:
    """The first non-blank rows of a sheet no table name matches, when it holds data rows (a header and
    at least one row below it); [] when it holds none. Read safely, as _read_sheet reads."""
    probe = xlsx_scan.probe(zf, sheet.part)
    scan = xlsx_scan.scan_sheet(display, sheet.part, probe.prefix, extent=True)
    if scan.last_row < 2:
        return []
    if scan.oversized:
        return [[None], [None]]
    grid, _ = _load_sheet(_open_fastexcel(display), sheet.name, f"{display}:{sheet.name}")
    if not _grid_has_rows(grid):
        return []
    rows = [[cell_text(v) for v in row] for row in grid.head(HEADER_SEARCH_ROWS * 3).iter_rows()]
    return [r for r in rows if any(c is not None and c.strip() for c in r)]


def _grid_has_rows(grid: pl.DataFrame) -> bool:
    """Whether a sheet's cells fill at least two rows (a header and a data row)."""
    if grid.width == 0:
        return False
    filled = pl.any_horizontal([pl.col(c).str.strip_chars().str.len_chars() > 0 for c in grid.columns])
    return grid.select(filled.fill_null(False).sum()).item() >= 2


def _read_sheet(display: str, zf: zipfile.ZipFile, reader: Any, sheet: xlsx_scan.SheetRef, table: Table,
                hasher: Hasher, preloader: Preloader | None) -> Found:
    file = f"{display}:{sheet.name}"
    if sheet.kind != "worksheet" or not sheet.part:
        raise InputError("sheet_not_worksheet", file=file, sheet=repr(sheet.name), kind=sheet.kind)
    loaded = preloader.take(display, sheet.name) if preloader is not None else None
    prefix = xlsx_scan.probe(zf, sheet.part).prefix
    if loaded is None:
        loaded = load_and_scan(display, sheet, prefix, reader)
    issues = []
    if loaded.grid is None:  # calamine must never see a sheet whose cells reach far out: a copy without them
        sanitized = xlsx_scan.sanitize(display, sheet.part, prefix, loaded.scan)
        try:
            grid, cols = _load_sheet(_open_fastexcel(sanitized.path, display), sheet.name, file)
        finally:
            shutil.rmtree(sanitized.folder, ignore_errors=True)
        r0, c0, r1, c1 = sanitized.box
        if sanitized.stray_count:  # far cells without a value are dropped silently: nothing is lost
            issues.append(issue(
                table.name, file, 0, "", "stray_cells_ignored", cells=xlsx_scan.list_cells(sanitized.stray),
                more=sanitized.stray_count - min(len(sanitized.stray), xlsx_scan.MAX_LISTED),
                first_row=r0, last_row=r1, first_col=xlsx_scan.column_letters(c0),
                last_col=xlsx_scan.column_letters(c1),
            ))
    else:
        grid, cols = loaded.grid, loaded.cols
    found = _sheet_table(table, display, file, grid, cols, loaded.scan,
                         lambda columns: xlsx_scan.numeric_cells(display, sheet.part, prefix, columns), hasher)
    found.issues[:0] = issues
    return found


def _sheet_table(
    table: Table,
    display: str,
    file: str,
    grid: pl.DataFrame,
    cols: list[int],
    scan: xlsx_scan.SheetScan,
    numeric_cells: Callable[[list[int]], list[tuple[int, int]]],
    hasher: Hasher,
) -> Found:
    """The table in a sheet's grid: the header found, the cell notes of the scan turned into quarantined rows."""
    found = Found(sheets={file: hasher.later(sheet_digest, grid.clone(), cols)})  # a clone shares the cells
    if grid.height == 0 or grid.width == 0:
        found.issues.append(_empty_table(table, file))
        return found
    grid = grid.clone()  # (the grid loaded is not renamed in place)
    grid.columns = [f"c{j}" for j in range(grid.width)]
    header_index, titles = find_header_rows(table, grid)
    if header_index is None:
        if titles is None:  # every row is blank
            found.issues.append(_empty_table(table, file))
            return found
        raise no_header(table, file)
    header_row = header_index + 1  # Excel rows are 1-based; fastexcel keeps leading empty rows
    header_cells = [cell_text(v) for v in grid.row(header_index)]
    if titles:
        found.issues.append(title_warning(table, file, titles, header_row))
    merged = [r for r in scan.merged if (box := xlsx_scan.parse_range(r)) is not None and box[2] >= header_row]
    if merged:
        found.issues.append(issue(table.name, file, 0, "", "merged_cells",
                                  ranges=", ".join(merged[: xlsx_scan.MAX_LISTED]),
                                  more=max(0, len(merged) - xlsx_scan.MAX_LISTED)))
    data = grid.slice(header_index + 1)
    position = {c: j for j, c in enumerate(cols)}
    notes: list[Note] = []
    for code, cells in (("formula_without_value", scan.formulas), ("cell_error", scan.errors)):
        for note in cells:
            j = position.get(note.col)
            if note.row > header_row and j is not None:
                notes.append((note.row, j, code, note))
    notes += _code_number_notes(table, data, cols, header_cells, header_row, numeric_cells)
    last_row = header_row + data.height
    beyond = max((r for r, *_ in notes), default=0) - last_row
    if beyond > 0:  # rows holding only formulas without a value lie below calamine's range
        data = pl.concat([data, pl.DataFrame({c: [None] * beyond for c in data.columns}, schema=data.schema)])
    notes += _merged_notes(table, grid, cols, header_cells, header_row, header_row + data.height, merged)
    labels = [xlsx_scan.column_letters(c) for c in cols]
    piece, issues = below_header(table, file, display, header_cells, labels, data, header_row + 1, notes)
    found.pieces.append(piece)
    found.issues += issues
    return found


def _empty_table(table: Table, file: str) -> Issue:
    """A sheet without any cell (for firms read_inputs stops the run)."""
    return issue(table.name, file, 0, "", "empty_table", alias=table.alias)


def _merged_notes(
    table: Table,
    grid: pl.DataFrame,
    cols: list[int],
    header_cells: list[str | None],
    header_row: int,
    last_row: int,
    merged: list[str],
) -> list[Note]:
    """(row, column position, "merged_cell", cell) of the data cells of the table's columns that a merged range
    with a value covers (all but its top-left cell): they read as empty, so a default would silently replace
    the value the sheet shows (SPEC §1 principle 5)."""
    aliases = alias_map(table)
    mapped = [j for j, c in enumerate(header_cells) if c is not None and header_key(c) in aliases]
    position = {c: j for j, c in enumerate(cols)}
    out: list[Note] = []
    for ref in merged:
        box = xlsx_scan.parse_range(ref)
        if box is None:
            continue
        r0, c0, r1, c1 = box
        j0 = position.get(c0)
        top = grid.item(r0 - 1, j0) if j0 is not None and 0 < r0 <= grid.height else None
        if cell_text(top) is None:
            continue  # an empty merged range reads as empty everywhere, as it shows
        covered = [j for j in mapped if j < len(cols) and c0 <= cols[j] <= c1]
        for r in range(max(r0, header_row + 1), min(r1, last_row) + 1):
            for j in covered:
                if (r, cols[j]) != (r0, c0):
                    out.append((r, j, "merged_cell", xlsx_scan.CellNote(r, cols[j], ref)))
    return out


def _code_number_notes(
    table: Table,
    data: pl.DataFrame,
    cols: list[int],
    header_cells: list[str | None],
    header_row: int,
    numeric_cells: Callable[[list[int]], list[tuple[int, int]]],
) -> list[Note]:
    """(row, column position, "credit_code_as_number", cell) of the firm and client codes stored as numbers (SPEC
    §3): such a cell reads as digits like a code typed as text, so the sheet's XML is asked which cells are
    numbers, only when a code column holds a cell of digits."""
    aliases = alias_map(table)
    codes = {c.name for c in table.columns if c.kind in CODE_KINDS or c.name in CODE_COLUMNS}
    positions = [j for j, cell in enumerate(header_cells)
                 if cell is not None and aliases.get(header_key(cell)) in codes and j < data.width]
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


# --------------------------------------------------------------------------- loading


class Loaded(NamedTuple):
    """A sheet scanned and, unless its cells reach too far for calamine (grid None), loaded."""

    grid: pl.DataFrame | None
    cols: list[int]
    scan: xlsx_scan.SheetScan


def load_and_scan(display: str, sheet: xlsx_scan.SheetRef, prefix: bytes, reader: Any = None) -> Loaded:
    """A sheet scanned, then loaded when that is safe; an oversized one is left to _read_sheet to rewrite.
    reader: the workbook's fastexcel reader (one reader cannot load two sheets at once: a loader thread opens
    its own)."""
    scan = xlsx_scan.scan_sheet(display, sheet.part, prefix, extent=True)
    if scan.oversized:
        return Loaded(None, [], scan)
    grid, cols = _load_sheet(reader if reader is not None else _open_fastexcel(display), sheet.name,
                             f"{display}:{sheet.name}")
    return Loaded(grid, cols, scan)


class Preloader:
    """Big sheets put through load_and_scan on the loader threads, in input order, while this thread turns
    earlier ones into tables (fastexcel releases the GIL, so two sheets load at once on two cores). Only sheets
    named after a table that declare at least LOAD_AHEAD_ROWS rows; anything else, and any failure here, is
    left to _read_sheet, which then loads the sheet itself and reports what is wrong."""

    def __init__(self, executor: Executor, workbooks: list[str]) -> None:
        self.executor = executor
        self.ahead: dict[tuple[str, str], Future[Loaded]] = {}
        self.to_load: deque[tuple[tuple[str, str], tuple[str, xlsx_scan.SheetRef, bytes]]] = deque()
        for display in workbooks:
            try:
                with zipfile.ZipFile(display) as zf:
                    for sheet in xlsx_scan.list_sheets(zf):
                        if sheet.kind != "worksheet" or not sheet.part or table_for_name(sheet.name) is None:
                            continue
                        probe = xlsx_scan.probe(zf, sheet.part)
                        if probe.dimension and probe.dimension[2] >= LOAD_AHEAD_ROWS:
                            self.to_load.append(((display, sheet.name), (display, sheet, probe.prefix)))
            except Exception:  # noqa: BLE001, S112 - _read_sheet reads and reports this workbook itself
                continue
        self._top_up()

    def _top_up(self) -> None:
        """Keep LOADERS + 1 sheets loading or loaded ahead of the one being turned into a table: enough to keep
        the cores busy, few enough that memory does not hold every sheet twice."""
        while self.to_load and len(self.ahead) < LOADERS + 1:
            key, args = self.to_load.popleft()
            self.ahead[key] = self.executor.submit(load_and_scan, *args)

    def take(self, display: str, sheet: str) -> Loaded | None:
        """The sheet as loaded ahead; None when it was not, or loading it failed (_read_sheet loads it again and
        reports the failure)."""
        future = self.ahead.pop((display, sheet), None)
        self._top_up()
        if future is None:
            return None
        try:
            return future.result()
        except Exception:  # noqa: BLE001
            return None

    def cancel(self) -> None:
        """Sheets loaded ahead but not used (a read failed): not waited for."""
        self.to_load.clear()
        for future in self.ahead.values():
            future.cancel()


def _open_fastexcel(path: str, display: str | None = None) -> Any:
    import fastexcel

    try:
        return fastexcel.read_excel(path)
    except BaseException as exc:  # pyo3 panics derive from BaseException
        if not isinstance(exc, Exception) and not is_panic(exc):
            raise
        raise InputError("workbook_not_xlsx", file=display or path, detail=first_line(exc)) from None


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
        if not isinstance(exc, Exception) and not is_panic(exc):
            raise
        raise InputError("sheet_unreadable", file=file, detail=first_line(exc)) from None
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
        if not isinstance(exc, Exception) and not is_panic(exc):
            raise
        raise InputError("sheet_unreadable", file=file, detail=first_line(exc)) from None
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
