"""Shared aggregations used by more than one clause."""

from __future__ import annotations

import polars as pl

from kqcalc.lines import Context


def b2c_transactions(ctx: Context) -> pl.DataFrame:
    """Transactions whose own model is B2C, dated in the period: "the firm's B2C amount" (items 1A and 2)."""
    tx = ctx.tables["transactions"]
    return tx.filter((pl.col("model") == "B2C") & ctx.period.contains("traded_on"))


def b2c_amount_by_firm(ctx: Context) -> dict[str, object]:
    frame = b2c_transactions(ctx).group_by("firm_id").agg(pl.col("amount_usd").sum()).sort("firm_id")
    return dict(frame.iter_rows())
