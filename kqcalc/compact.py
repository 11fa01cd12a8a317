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

from typing import NamedTuple

import polars as pl

from kqcalc.lines import Period

IN_PERIOD = "_in_period"  # the row's date lies in the period (null when the date is unknown)
ROWS = "_rows"  # how many clean rows a compact row stands for


class Compact(NamedTuple):
    day: str  # the date that places a row in the period
    by: tuple[str, ...]  # grouping columns besides "_file" and IN_PERIOD
    sums: tuple[str, ...]  # columns summed


BIG_TABLES = {
    "transactions": Compact("traded_on", ("firm_id", "platform__key", "store_id__key", "model", "currency"),
                            ("orders", "amount")),
    "exports_9610": Compact("declared_on", ("firm_id", "via_platform", "currency"), ("amount",)),
    "logistics": Compact("shipped_on", ("logistics_firm_id", "deposited"), ("weight_kg",)),
}


def compact_query(name: str, rows: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """The compact rows of one big table's clean rows (in no particular order: sort before writing)."""
    spec = BIG_TABLES[name]
    return rows.with_columns(period.contains(spec.day).alias(IN_PERIOD)).group_by(
        *spec.by, "_file", IN_PERIOD).agg(
        *[pl.col(c).sum() for c in spec.sums],
        pl.len().cast(pl.Int64).alias(ROWS),
        pl.col("_row").min(),
    )


def merge_compact(name: str, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Compact rows of several parts of one table (chunks, files) as one compact table."""
    spec = BIG_TABLES[name]
    frame = pl.concat(parts, how="vertical")
    return frame.lazy().group_by(*spec.by, "_file", IN_PERIOD).agg(
        *[pl.col(c).sum() for c in spec.sums], pl.col(ROWS).sum(), pl.col("_row").min(),
    ).collect()


def row_count() -> pl.Expr:
    """Rows a group of compact rows stands for."""
    return pl.col(ROWS).sum()


__all__ = ["BIG_TABLES", "IN_PERIOD", "ROWS", "compact_query", "merge_compact", "row_count"]
