"""Shared aggregations used by more than one clause.

The big tables (transactions, 9610 declarations, logistics) are aggregated once each, by one group_by in the
run's single lazy plan (items/__init__.py collects every clause's queries together); the clause modules then
build their lines from the aggregated rows, never from the rows themselves.
"""

from __future__ import annotations

from typing import Any

from kqcalc.compact import IN_PERIOD, row_count, sample_rows_json
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, checked_sum, held_frame, kept, sources_json

TRANSACTION_TOTALS = "transaction_totals"

# The transactions items 1A and 2 read (both clauses declare this one selection): rows dated outside the period
# (compact rows: kqcalc/compact.py; an unknown date counts as outside) are excluded; B2B rows are used — they count
# toward a new store's orders (1A) — but never toward the firm's B2C amount.
B2B_ROWS = LeftOut("model_b2b", lambda period: pl.col("model") == "B2B", excluded=False)
TRANSACTION_ROWS = (LeftOut("outside_period", lambda period: ~pl.col(IN_PERIOD).fill_null(False)), B2B_ROWS)


def transaction_totals(ctx: Context) -> pl.LazyFrame:
    """Transactions dated in the period, per (firm, store, model, file, currency): orders, amount, rows.

    Item 1A counts a store's orders by (platform, store_id); "the firm's B2C amount" (items 1A and 2) sums the
    transactions whose own model is B2C. Both come from these totals (a few rows per store).
    """
    tx = kept(ctx.tables["transactions"].lazy(), TRANSACTION_ROWS, ctx.period)
    return tx.group_by("firm_id", "platform__key", "store_id__key", "model", "_file", "currency").agg(
        pl.col("orders").sum().alias("orders"),
        *checked_sum(pl.col("amount"), None, "amount"),
        row_count().alias("rows"),
    )


def b2c_frame(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """"The firm's B2C amount" (items 1A and 2) per firm, sorted by firm: firm_id, measure and measure_inexact
    (exactly: the amounts summed per currency, each sum converted at its rate, lines.held_frame), and as JSON the
    files it came from (sources) and its first rows there (first_rows)."""
    memo = "b2c_frame"
    if memo not in got:
        b2c = got[TRANSACTION_TOTALS].lazy().filter(~B2B_ROWS.rows(ctx.period))  # totals are in the period
        amounts = b2c.group_by("firm_id", "currency").agg(
            *checked_sum(pl.col("amount"), pl.col("amount_check"), "amount")).sort("firm_id", "currency")
        usd = held_frame(amounts.collect(), "firm_id", ctx.fx, {}, "2")
        tx = ctx.tables["transactions"]  # compact rows with their first rows (kqcalc/compact.py)
        first = sample_rows_json(kept(tx, TRANSACTION_ROWS, ctx.period, all_reasons=True), "firm_id")
        got[memo] = usd.lazy().join(sources_json(b2c, "firm_id", "rows"), on="firm_id", how="left").join(
            first, on="firm_id", how="left").with_columns(
            pl.col("sources", "first_rows").fill_null("{}")).sort("firm_id").collect()
    return got[memo]
