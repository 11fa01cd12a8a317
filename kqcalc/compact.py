"""The big tables (transactions, 9610 declarations, logistics) in compact form: their clean rows grouped by what
the clauses and the row accounting look at, so a run never holds a million typed rows longer than it must.

A compact row stands for every clean row with the same recipient, file, in-period flag and the table's own
grouping columns: it carries their sums, how many rows they are ("_rows") and the first of them ("_row", for
issue messages). Everything downstream of cleaning reads only these columns — the clause aggregates
(items/_common.py, items/c03_exports_logistics.py), the row accounting (run.py) and the per-file firm index
(clean.firm_index) — and every one of those is a sum, a count or a minimum, so it comes out the same from the
compact rows as from the rows themselves (exactly: amounts are decimals, summed per currency; the sums are
converted to USD by the clauses, exactly, with Python decimals: lines.Context.usd).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from kqcalc.lazy import pl
from kqcalc.lines import Period, check_sums, checked_sum

IN_PERIOD = "_in_period"  # the row's date lies in the period (null when the date is unknown)
ROWS = "_rows"  # how many clean rows a compact row stands for
# The first few rows a compact row stands for (lowest row numbers), each as a struct {row, date, value,
# currency}: value is the table's amount (transactions, declarations) or weight (logistics). `explain` shows them
# under a line's row counts, so an auditor can open the source file at real rows, not only read a count.
SAMPLE = "_sample"
SAMPLE_ROWS = 3


class Compact(NamedTuple):
    day: str  # the date that places a row in the period
    by: tuple[str, ...]  # grouping columns besides "_file" and IN_PERIOD
    sums: tuple[str, ...]  # columns summed
    value: str  # the quantity shown in the sample rows


BIG_TABLES = {
    "transactions": Compact("traded_on", ("firm_id", "platform__key", "store_id__key", "model", "currency"),
                            ("orders", "amount"), "amount"),
    "exports_9610": Compact("declared_on", ("firm_id", "via_platform", "currency"), ("amount",), "amount"),
    "logistics": Compact("shipped_on", ("logistics_firm_id", "deposited"), ("weight_kg",), "weight_kg"),
}


def _sample_struct(spec: Compact, columns: list[str]) -> pl.Expr:
    currency = pl.col("currency") if "currency" in columns else pl.lit(None, pl.String)
    return pl.struct(pl.col("_row").cast(pl.Int64).alias("row"), pl.col(spec.day).alias("date"),
                     pl.col(spec.value).alias("value"), currency.alias("currency"))


def first_rows(samples: pl.Expr) -> pl.Expr:
    """Inside an aggregation: the SAMPLE_ROWS structs of lowest row number among the groups' sample lists."""
    # The struct's first field is the row number (unique within a file), so sorting the structs sorts by row.
    # (Not sort_by(….struct.field("row")): on exploded lists inside an aggregation Polars 2.1 returns a broken
    # column that crashes the process when read.)
    if hasattr(samples.list, "explode"):  # Polars 2
        flat = samples.list.explode(keep_nulls=False, empty_as_null=False)
    else:  # Polars 1 (pyproject allows >= 1.30)
        flat = samples.flatten()
    return flat.sort().head(SAMPLE_ROWS)


def _sums(name: str, schema: pl.Schema) -> list[pl.Expr]:
    """The table's sums; each decimal one with its Float64 check beside it (lines.checked_sum: Polars 2.1 wraps
    a group's decimal sum past 38 digits silently)."""
    return [e for c in BIG_TABLES[name].sums
            for e in (checked_sum(pl.col(c), None, c) if schema[c].is_decimal() else [pl.col(c).sum()])]


def _checked(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The compact rows without their checks, once lines.check_sums found no wrapped sum (else the run stops,
    naming the table, firm and column)."""
    checks = [c for c in BIG_TABLES[name].sums if f"{c}_check" in frame.columns]
    for c in checks:
        check_sums(frame, c, BIG_TABLES[name].by[0], None, table=name)
    return frame.drop([f"{c}_check" for c in checks])


def _grouped(name: str, rows: pl.LazyFrame, aggs: list[pl.Expr]) -> pl.LazyFrame:
    spec = BIG_TABLES[name]
    grouped = rows.group_by(*spec.by, "_file", IN_PERIOD).agg(*aggs)
    schema = {c: t for c, t in grouped.collect_schema().items() if not c.endswith("_check")}
    return grouped.map_batches(functools.partial(_checked, name), schema=schema)


def compact_query(name: str, rows: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """The compact rows of one big table's clean rows (in no particular order: sort before writing)."""
    spec = BIG_TABLES[name]
    schema = rows.collect_schema()
    sample = _sample_struct(spec, schema.names())
    return _grouped(name, rows.with_columns(period.contains(spec.day).alias(IN_PERIOD)), [
        *_sums(name, schema),
        pl.len().cast(pl.Int64).alias(ROWS),
        pl.col("_row").min(),
        sample.head(SAMPLE_ROWS).alias(SAMPLE),  # a part's rows come in file order; merge_compact re-sorts
    ])


def merge_compact(name: str, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Compact rows of several parts of one table (chunks, files) as one compact table."""
    frame = pl.concat(parts, how="vertical")
    return _grouped(name, frame.lazy(), [
        *_sums(name, frame.schema), pl.col(ROWS).sum(), pl.col("_row").min(),
        first_rows(pl.col(SAMPLE)).alias(SAMPLE),
    ]).collect()


def sample_rows_json(frame: pl.DataFrame, by: str) -> pl.LazyFrame:
    """Per recipient, its first rows in each file (row, date, value, currency), from compact rows (their SAMPLE
    lists; filter them to the rows a clause counts first), as JSON: {file: [{currency, date, row, value}, …]}
    (column "first_rows"), for a line's detail beside its row counts. Done on the whole frame at once — one
    explode, one sort, texts formatted by Polars — not per group."""
    if SAMPLE not in frame.columns:
        return pl.LazyFrame(schema={by: frame.schema[by], "first_rows": pl.String})
    flat = frame.lazy().select(pl.col(by), pl.col("_file").cast(pl.String), pl.col(SAMPLE)).explode(SAMPLE)
    flat = flat.filter(pl.col(SAMPLE).is_not_null()).unnest(SAMPLE)
    return _first_rows_json(flat, by)


def _first_rows_json(flat: pl.LazyFrame, by: str) -> pl.LazyFrame:
    from kqcalc.lines import json_object

    rows = _first_rows(flat, by).group_by(by, "_file", maintain_order=True).agg(
        pl.concat_str(pl.lit("["), pl.struct("currency", "date", "row", "value").struct.json_encode().str.join(","),
                      pl.lit("]")).alias("rows"))
    return json_object(rows, by, "_file", pl.col("rows"), "first_rows")


def _first_rows(flat: pl.LazyFrame, by: str) -> pl.LazyFrame:
    """Rows (by, "_file", row, date, value, currency) → the SAMPLE_ROWS lowest rows per (by, "_file"), their
    date and value as text, sorted."""
    return (flat.sort(by, "_file", "row").group_by(by, "_file", maintain_order=True).head(SAMPLE_ROWS)
            .select(by, "_file", "row", pl.col("date").dt.to_string("%Y-%m-%d"), _plain_text(pl.col("value")),
                    "currency"))


def _plain_text(value: pl.Expr) -> pl.Expr:
    """A decimal as plain text without trailing zeros ('600000.000000' → '600000', '2.50' → '2.5'): the value as
    written, every digit kept."""
    text = value.cast(pl.String)
    return (pl.when(text.str.contains(".", literal=True))
            .then(text.str.replace(r"0+$", "").str.replace(r"\.$", "")).otherwise(text).alias("value"))


def first_rows_json(frame: pl.DataFrame, by: str, date: str | None = None, value: str | None = None,
                    currency: str | None = None) -> pl.LazyFrame:
    """The first rows of a table that is not compact (its rows as they are), as JSON per recipient:
    {file: [{currency, date, row, value}, …]} (column "first_rows")."""
    return _first_rows_json(_flat_rows(frame, by, date, value, currency), by)


def _flat_rows(frame: pl.DataFrame, by: str, date: str | None, value: str | None,
               currency: str | None) -> pl.LazyFrame:
    return frame.lazy().select(pl.col(by), pl.col("_file").cast(pl.String), pl.col("_row").cast(pl.Int64).alias("row"),
                               (pl.col(date) if date else pl.lit(None, pl.Date)).alias("date"),
                               (pl.col(value) if value else pl.lit(None, pl.Decimal(38, 6))).alias("value"),
                               pl.lit(currency, pl.String).alias("currency"))


def row_count() -> pl.Expr:
    """Rows a group of compact rows stands for."""
    return pl.col(ROWS).sum()


__all__ = ["BIG_TABLES", "IN_PERIOD", "ROWS", "SAMPLE", "SAMPLE_ROWS", "compact_query", "first_rows",
           "first_rows_json", "merge_compact", "row_count", "sample_rows_json"]
