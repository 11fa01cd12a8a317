"""A Parquet file named after one table: read whole as text, or lazily (SPEC §3, §6).

Cell text: dates "YYYY-MM-DD", datetimes "YYYY-MM-DD HH:MM:SS" (fraction kept when not zero; the offset
"+08:00" appended when the column has a time zone, which makes the cell a bad_date), booleans "true"/"false",
numbers and decimals as Polars writes them ("1.5", "123.45"). Row numbers are the data row index + 1.

Read lazily (read_inputs(..., lazy=True)), a file is opened here (schema, header, row count) and its blank and
total rows found (rows.py: one column read, and the few candidate rows); its cells stay in the file, as stored,
until the cleaner loads the piece (load), a slice at a time for a big table (chunks).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import polars as pl

from kqcalc.errors import InputError
from kqcalc.issues import issue
from kqcalc.read.base import Found, RawTable, file_head, first_line
from kqcalc.read.header import header_matches, map_header, needed, no_header
from kqcalc.read.rows import below_header, candidates, cell, marks, no_rows
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
    """read_parquet, lazily: the header, the column types and the blank and total rows now (a pass over the first
    column, and the few candidate rows); the rest of the cells when the cleaner loads RawTable.source."""
    try:
        scan = pl.scan_parquet(display)
        schema = scan.collect_schema()
    except Exception as exc:
        raise InputError("parquet_unreadable", file=display, detail=first_line(exc)) from None
    header_cells: list[str | None] = list(schema.names())
    if header_matches(table, header_cells) < needed(table):
        raise no_header(table, display, parquet=True)
    texts = _row_texts(schema, display)  # (a column that cannot be text stops the run now)
    source = scan.with_row_index("_row", offset=1)
    try:
        n = scan.select(pl.len()).collect().item()  # the file's metadata
        # The candidates from the first column only (as rows.candidates allows): one column read, not all.
        found = marks(source, source.filter(candidates(texts[:1])).select("_row").collect(engine="streaming")
                      .to_series(), texts)
    except Exception as exc:
        raise InputError("parquet_unreadable", file=display, detail=first_line(exc)) from None
    issues = found.issues(table.name, display)
    dropped = found.blank | found.total_rows()
    if dropped:
        source = source.filter(~pl.col("_row").is_in(pl.Series(sorted(dropped), dtype=pl.Int64).implode()))
    labels = [f"column {j + 1}" for j in range(len(header_cells))]
    empty = pl.DataFrame(schema={f"c{j}": pl.String for j in range(len(header_cells))})
    mapping, headers, extras = map_header(table, display, header_cells, labels, empty)
    if extras:
        issues.append(issue(table.name, display, 0, "", "extra_columns", columns=", ".join(extras)))
    if table.name != "firms" and n == len(dropped):  # an empty firms table stops the run (read_inputs)
        issues.append(no_rows(table, display))
    # The contract's columns as stored, named by the contract (an empty text cell is a blank, as read whole).
    dtypes = schema.dtypes()
    columns = [cell(pl.col(header_cells[j]), dtypes[j]).alias(name) for name, j in mapping.items()]
    frame = pl.DataFrame(schema={**{name: pl.String for name in mapping}, "_row": pl.Int64})
    piece = RawTable(table.name, display, display, frame, headers, n - len(found.blank), len(found.totals),
                     source=source.select(*columns, "_row"))
    return Found([piece], issues)


def _row_texts(schema: pl.Schema, display: str) -> list[pl.Expr]:
    """Per column of a Parquet file, its cell text for rows.py: a cell stored with a type (a number, a date) is
    never blank and never a label, so any text stands in for it."""
    texts = []
    for name, dtype in schema.items():
        text = parquet_text(pl.col(name), name, dtype, display)
        is_text = dtype in _TEXT_TYPES or isinstance(dtype, pl.Enum)
        texts.append(text if is_text else pl.when(pl.col(name).is_not_null()).then(pl.lit("0")))
    return texts


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


_TEXT_TYPES = (pl.String, pl.Categorical, pl.Binary)


def load(piece: RawTable) -> pl.DataFrame:
    """The rows of a lazily read piece (RawTable.source: its contract columns as stored and "_row"; blank and total
    rows already left out, counted and reported by the reader), streamed from the file."""
    assert piece.source is not None
    try:
        return piece.source.collect(engine="streaming")
    except Exception as exc:
        raise InputError("parquet_unreadable", file=piece.file, detail=first_line(exc)) from None


def column_text(piece: RawTable, contract: str) -> pl.LazyFrame:
    """One contract column of a piece as its cell text ("__text", null for a blank cell), for every row the
    piece holds or, read lazily, will hold."""
    frame = piece.frame.lazy() if piece.source is None else piece.source
    if contract not in frame.collect_schema().names():
        return frame.select(pl.lit(None, pl.String).alias("__text"))
    dtype = frame.collect_schema()[contract]
    return frame.select(parquet_text(pl.col(contract), contract, dtype, piece.file).alias("__text"))


def chunks(piece: RawTable, rows: int) -> Iterator[RawTable]:
    """A lazily read piece in consecutive slices of at most `rows` rows (each loaded on its own, with the
    piece's row numbers; the piece's row counts on the first); a piece already in memory, or small enough, as it
    is."""
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
    for offset in range(0, total, rows):  # the piece's counts go with its first slice
        yield replace(piece, source=piece.source.slice(offset, rows), rows_read=piece.rows_read if not offset else 0,
                      rows_excluded=piece.rows_excluded if not offset else 0)


def cell_text(values: pl.Series) -> pl.Series:
    """The cell text of values of a lazily read piece, as stored (the text a whole read would have given)."""
    if values.dtype == pl.String:
        return values
    return values.to_frame("v").select(parquet_text(pl.col("v"), values.name, values.dtype, "")).to_series()
