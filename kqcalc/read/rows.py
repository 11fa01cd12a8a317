"""The rows below a header: numbered as the user sees them, blank rows and total rows dropped (SPEC §3).

* Blank rows (every cell empty or whitespace) are dropped and not counted.
* Total rows: a row whose first non-empty cell is 合计/总计/小计/total/totals/sum/grand total (spaces inside
  ignored) or starts with 合计/总计 is dropped, counted in rows_read and rows_excluded, warning ``total_row``.

Both are found by one function for every reader, whether the rows are in memory (CSV, workbook sheets,
Parquet read whole) or still in a Parquet file read lazily: candidates() is one vectorised pass over the rows
(a superset of the blank and total rows), marks() checks those few candidates exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kqcalc.issues import Issue, issue
from kqcalc.read.base import RawTable
from kqcalc.read.header import map_header
from kqcalc.read.xlsx_scan import CellNote
from kqcalc.tables import Table
from kqcalc.text import norm_header

TOTAL_LABELS = frozenset({"合计", "总计", "小计", "total", "totals", "sum", "grandtotal"})
TOTAL_PREFIXES = ("合计", "总计")
# The candidates for a total label in one vectorised regex (Rust regex: \s and (?i) are Unicode-aware; full-width
# letters are listed because NFKC is not available there). A whitespace-only cell matches too (the label is then
# further on in the row).
_TOTAL_RE = (
    r"(?i)^\s*(?:合\s*计|总\s*计|(?:小\s*计|total|totals|sum|grand\s*total"
    r"|ｔｏｔａｌ|ｔｏｔａｌｓ|ｓｕｍ|ｇｒａｎｄ\s*ｔｏｔａｌ)?\s*$)"
)
# [low, high) ranges of first characters of a possibly whitespace-only cell besides ASCII (see _maybe_blank):
# U+0085 … U+00A0 (NEL, NBSP) and U+1680 … U+3000 (ogham space, en/em spaces, ideographic space …).
_WS_START = ("\x85", "\xa1", "\u1680", "\u3001")


def cell(column: pl.Expr, dtype: pl.DataType = pl.String) -> pl.Expr:
    """A cell as the rows below a header hold it: an empty text cell is a blank (null), as in every reader."""
    return pl.when(column != "").then(column) if dtype == pl.String else column


def is_total_label(text: str) -> bool:
    key = "".join(norm_header(text).split())
    return key in TOTAL_LABELS or key.startswith(TOTAL_PREFIXES)


def _maybe_blank(e: pl.Expr) -> pl.Expr:
    """True where the cell is null, empty or may be whitespace only (starts with a space-like character): a
    comparison with constants, far cheaper than stripping every cell."""
    cond = e.is_null() | (e < "!")
    for lo, hi in zip(_WS_START[0::2], _WS_START[1::2], strict=True):
        cond = cond | ((e >= lo) & (e < hi))
    return cond.fill_null(True)


def candidates(texts: list[pl.Expr]) -> pl.Expr:
    """True for every row that may be blank or a total row (a superset; marks() checks them): its first
    non-null cell is missing, may be whitespace only, or reads like a total label.

    texts: the cell text of each column of the row (a typed cell may stand in as any non-blank text)."""
    first = pl.coalesce(texts) if len(texts) > 1 else texts[0]
    return _maybe_blank(first) | first.str.contains(_TOTAL_RE).fill_null(False)


@dataclass(frozen=True)
class RowMarks:
    blank: frozenset[int]  # row numbers of the blank rows
    totals: tuple[tuple[int, str], ...]  # (row number, label) of the total rows, in row order

    def total_rows(self) -> frozenset[int]:
        return frozenset(row for row, _ in self.totals)

    def issues(self, table: str, file: str) -> list[Issue]:
        """One total_row warning per total row."""
        return [issue(table, file, row, "", "total_row", label=repr(label)) for row, label in self.totals]


def marks(frame: pl.LazyFrame, rows: pl.Series, texts: list[pl.Expr]) -> RowMarks:
    """Which of the candidate rows (their "_row" numbers in `frame`) are blank and which are total rows."""
    if rows.is_empty():
        return RowMarks(frozenset(), ())
    names = [f"__text{j}" for j in range(len(texts))]
    found = frame.filter(pl.col("_row").is_in(rows.implode())).select(
        "_row", *[t.alias(n) for t, n in zip(texts, names, strict=True)]
    ).with_columns(pl.all_horizontal([pl.col(n).str.strip_chars().fill_null("") == "" for n in names])
                   .alias("__blank")).collect()
    blank = frozenset(found.filter("__blank").get_column("_row").to_list())
    totals = []
    for row, *values in found.filter(~pl.col("__blank")).select("_row", *names).iter_rows():
        label = next((v.strip() for v in values if v is not None and v.strip()), "")
        if is_total_label(label):
            totals.append((row, label))
    return RowMarks(blank, tuple(totals))


def marks_in(frame: pl.DataFrame, columns: list[str]) -> RowMarks:
    """marks() of every row of a frame in memory (with "_row"), over these text columns."""
    if frame.height == 0 or not columns:
        return RowMarks(frozenset(), ())
    texts = [pl.col(c) for c in columns]
    lazy = frame.lazy()
    return marks(lazy, lazy.filter(candidates(texts)).select("_row").collect().to_series(), texts)


# what a cell note's code puts in its message, besides the cell
_NOTE_ARGUMENT = {"merged_cell": "range", "credit_code_as_number": "number", "cell_error": "error"}


def below_header(
    table: Table,
    file: str,
    path: str,
    header_cells: list[str | None],
    labels: list[str],
    data: pl.DataFrame,
    first_row: int,
    notes: list[tuple[int, int, str, CellNote]] | None = None,
) -> tuple[RawTable, list[Issue]]:
    """The table below a header: its columns named, its rows numbered, blank and total rows dropped; and the
    warnings (total rows, extra columns, no rows).

    data: the rows below the header, one String column per source column, named c0, c1 …
    labels: how a message names each source column ("field 2", "column 3", the Excel letters).
    first_row: the row number of data's first row.
    notes: (row, column position, code, cell) of cells that quarantine their row (RawTable.bad_rows).
    """
    mapping, headers, extras = map_header(table, file, header_cells, labels, data)
    n = data.height
    numbered = data.with_columns(pl.int_range(first_row, first_row + n, dtype=pl.Int64, eager=True).alias("_row"))
    found = marks_in(numbered, list(data.columns))
    totals = found.total_rows()
    by_position = {j: name for name, j in mapping.items()}
    bad_rows: dict[int, list[Issue]] = {}
    for row, j, code, note in sorted(notes or [], key=lambda x: (x[0], x[1])):
        if j not in by_position or row in totals:
            continue
        if code == "merged_cell" and row in found.blank:
            continue  # a row holding nothing but the merged range's shadow is a blank row
        header = headers[by_position[j]]
        if code == "formula_without_value":  # a shared formula's cells other than the first show no text
            args = {"formula": f"={note.text or '…'}"}
        else:
            args = {_NOTE_ARGUMENT[code]: note.text}
        bad_rows.setdefault(row, []).append(issue(table.name, file, row, header, code, cell=note.ref, **args))
    blank = found.blank - bad_rows.keys()  # a row with a quarantined cell is not blank: it is reported
    issues = found.issues(table.name, file)
    frame = numbered.select(*[cell(pl.col(f"c{j}")).alias(name) for name, j in mapping.items()], "_row")
    if blank or totals:
        frame = frame.filter(~pl.col("_row").is_in(pl.Series(sorted(blank | totals), dtype=pl.Int64).implode()))
    if extras:
        issues.append(issue(table.name, file, 0, "", "extra_columns", columns=", ".join(extras)))
    if frame.height == 0 and table.name != "firms":  # an empty firms table stops the run (read_inputs)
        issues.append(no_rows(table, file))
    return RawTable(table.name, file, path, frame, headers, n - len(blank), len(totals), bad_rows), issues


def no_rows(table: Table, file: str) -> Issue:
    """A table with a header and no rows (SPEC §3; for firms read_inputs stops the run instead)."""
    return issue(table.name, file, 0, "", "empty_table/no_rows", alias=table.alias)
