"""A Parquet file named after one table: read whole as text, or lazily (SPEC §3, §6).

Cell text: dates "YYYY-MM-DD", datetimes "YYYY-MM-DD HH:MM:SS" (fraction kept when not zero; the offset
"+08:00" appended when the column has a time zone, which makes the cell a bad_date), booleans "true"/"false",
numbers and decimals as Polars writes them ("1.5", "123.45"). Row numbers are the data row index + 1.

Read lazily (read_inputs(..., lazy=True)), a file is only opened here (schema, header, row count); realize()
streams its rows once through the caller's expressions, with the blank and total rows of rows.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import polars as pl

from kqcalc.errors import InputError
from kqcalc.issues import Issue, issue
from kqcalc.read.base import Found, RawTable, file_head, first_line
from kqcalc.read.header import header_matches, map_header, needed, no_header
from kqcalc.read.rows import below_header, candidates, marks, no_rows
from kqcalc.tables import Table


def read_parquet(table: Table, display: str, *, lazy: bool) -> Found:
    """The table in a Parquet file: its piece and the issues met (a missing header raises header.NoHeader)."""
    _, size = file_head(display)
    if size == 0:
        raise InputError("file_empty", file=display)
    if lazy:
        return _scan_parquet(table, display)
    try:
        df = pl.read_parquet(display)
    except Exception as exc:
        raise InputError("parquet_unreadable", file=display, detail=first_line(exc)) from None
    header_cells: list[str | None] = list(df.columns)
    if header_matches(table, header_cells) < needed(table):
        raise no_header(table, display, parquet=True)
    data = parquet_as_text(df, display)
    data.columns = [f"c{j}" for j in range(data.width)]
    labels = [f"column {j + 1}" for j in range(len(header_cells))]
    piece, issues = below_header(table, display, display, header_cells, labels, data, 1)
    return Found([piece], issues)


def _scan_parquet(table: Table, display: str) -> Found:
    """read_parquet, lazily: the header and the column types now, the rows in realize()."""
    try:
        source = pl.scan_parquet(display)
        schema = source.collect_schema()
    except Exception as exc:
        raise InputError("parquet_unreadable", file=display, detail=first_line(exc)) from None
    header_cells: list[str | None] = list(schema.names())
    if header_matches(table, header_cells) < needed(table):
        raise no_header(table, display, parquet=True)
    for name, dtype in schema.items():
        parquet_text(pl.col(name), name, dtype, display)  # a column that cannot be text stops the run now
    labels = [f"column {j + 1}" for j in range(len(header_cells))]
    issues = []
    if table.name != "firms" and not source.select(pl.len()).collect().item():  # row count: file metadata
        issues.append(no_rows(table, display))
    empty = pl.DataFrame(schema={f"c{j}": pl.String for j in range(len(header_cells))})
    mapping, headers, extras = map_header(table, display, header_cells, labels, empty)
    if extras:
        issues.append(issue(table.name, display, 0, "", "extra_columns", columns=", ".join(extras)))
    by_position = {j: name for name, j in mapping.items()}
    frame = pl.DataFrame(schema={**{name: pl.String for name in mapping}, "_row": pl.Int64})
    piece = RawTable(table.name, display, display, frame, headers, 0, source=source.with_row_index("_row", offset=1),
                     source_columns=[(name, by_position.get(j)) for j, name in enumerate(schema.names())])
    return Found([piece], issues)


def parquet_text(col: pl.Expr, name: str, dtype: pl.DataType, display: str) -> pl.Expr:
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


def parquet_as_text(df: pl.DataFrame, display: str) -> pl.DataFrame:
    """Every column of a Parquet file read whole, as its cell text."""
    exprs = [parquet_text(pl.col(name), name, dtype, display) for name, dtype in df.schema.items()]
    try:
        return df.select([e.alias(name) for e, name in zip(exprs, df.columns, strict=True)])
    except Exception as exc:
        raise InputError("not_text", file=display, detail=first_line(exc)) from None


# --------------------------------------------------------------------------- a piece read lazily


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
    texts = []  # per column, its text for rows.py: a cell stored with a type is never blank and never a label
    columns: dict[str, SourceColumn] = {}
    for name, contract in piece.source_columns:
        dtype = schema[name]
        col = pl.col(name)
        text = parquet_text(col, name, dtype, piece.file)
        is_text = dtype in _TEXT_TYPES or isinstance(dtype, pl.Enum)
        texts.append(text if is_text else pl.when(col.is_not_null()).then(pl.lit("0")))
        if contract is not None:
            cell = pl.when(col != "").then(col) if dtype == pl.String else col
            columns[contract] = SourceColumn(cell, dtype, pl.when(text != "").then(text) if dtype == pl.String
                                             else text)
    outputs = [*build(columns), pl.col("_row"), candidates(texts).alias("__candidate")]
    try:
        frame = piece.source.select(outputs).collect(engine="streaming")
        found = marks(piece.source, frame.filter(pl.col("__candidate")).get_column("_row"), texts)
    except InputError:
        raise
    except Exception as exc:
        raise InputError("parquet_unreadable", file=piece.file, detail=first_line(exc)) from None
    piece.rows_read = frame.height - len(found.blank)
    piece.rows_excluded = len(found.totals)
    frame = frame.drop("__candidate")
    dropped = found.blank | found.total_rows()
    if dropped:
        frame = frame.filter(~pl.col("_row").is_in(pl.Series(sorted(dropped), dtype=pl.Int64).implode()))
    return frame, found.issues(piece.table, piece.file)


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
    text = parquet_text(pl.col(name), name, dtype, piece.file)
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
        raise InputError("parquet_unreadable", file=piece.file, detail=first_line(exc)) from None
    if total <= rows:
        yield piece
        return
    for offset in range(0, total, rows):
        yield replace(piece, source=piece.source.slice(offset, rows), rows_read=0, rows_excluded=0)


def cell_text(values: pl.Series) -> pl.Series:
    """The cell text of values of a lazily read piece (for the few cells realize()'s caller reads as text)."""
    if values.dtype == pl.String:
        return values
    return values.to_frame("v").select(parquet_text(pl.col("v"), values.name, values.dtype, "")).to_series()
