"""Clause 二 — item 2 (tiered B2C sales award).

二、支持跨境电商零售做大做强。对整年度跨境电商B2C在线交易额达到300万、500万、1000万、3000万美元的企业，
分别给予不超过5万、10万、15万、20万元奖励。

The firm's B2C amount in the period (transactions whose own model is B2C) → the amount of the highest tier
reached. The amounts are "不超过" maxima; the bureau pays them in full (SPEC §2).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.items._common import TRANSACTION_ROWS, TRANSACTION_TOTALS, b2c_frame, transaction_totals
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, exact, json_fields, tier_detail_fields

ITEMS = ("2",)

# Policy numbers read (items.<code>.<key>, with their types): none besides the tiers.
PARAMS: dict[str, dict[str, type]] = {"2": {}}

# Tiered items: the keys of each tier (items.2.tiers[i].<key>), each strictly rising from tier to tier.
TIERS: dict[str, dict[str, type]] = {"2": {"min_b2c_usd": Decimal, "amount_rmb": Decimal}}

# The rows read: the transactions as items/_common.py declares them for items 1A and 2.
ROWS: dict[str, tuple[LeftOut, ...]] = {"transactions": TRANSACTION_ROWS}


def queries(ctx: Context) -> dict[str, pl.LazyFrame]:
    return {TRANSACTION_TOTALS: transaction_totals(ctx)}


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """One line per firm with B2C transactions in the period: the amount of the highest tier its B2C amount
    reaches (x ≥ t ⟺ F ≥ t: lines.py), 0 below the first."""
    tiers = ctx.param("2", "tiers")
    thresholds = [exact(t["min_b2c_usd"]) for t in tiers]
    amounts = [exact(t["amount_rmb"]) for t in tiers]
    value = L.VALUE  # made when first used
    gross = pl.lit(0).cast(value)
    for floor, amount in zip(thresholds, amounts, strict=True):
        gross = pl.when(pl.col("measure") >= floor).then(pl.lit(amount).cast(value)).otherwise(gross)
    reached = pl.col("measure") >= thresholds[0]
    detail = json_fields({**tier_detail_fields("measure", thresholds, "USD"), "sources": pl.col("sources"),
                          "first_rows": pl.col("first_rows")})
    return b2c_frame(ctx, got).select(
        "firm_id", pl.lit("2").alias("item"), pl.lit("").alias("ref"), "measure", "measure_inexact",
        pl.lit("USD").alias("unit"), gross.alias("gross"), pl.lit(False).alias("gross_inexact"),
        pl.lit(None, value).alias("cap"),
        pl.when(reached).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(pl.lit(["below_threshold"]))
        .alias("reasons"),
        detail.alias("detail"))


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS = {"zh": {("2", ""): "企业B2C交易额"}, "en": {("2", ""): "firm's B2C amount"}}


def rule_key(record: dict) -> str:
    """What the rule text depends on besides the item: the tier reached."""
    return str((record.get("detail") or {}).get("tier", ""))


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'第 1 档（≥ 3,000,000 美元）→ 50,000 元', or tier 1's floor when no tier is reached."""
    tiers = p["tiers"]
    tier = int((record.get("detail") or {}).get("tier", 0))
    shown = tiers[tier - 1] if tier else tiers[0]
    usd = W.number(shown["min_b2c_usd"])
    return W.tiered(tier, f"≥ {usd} 美元" if lang == "zh" else f"≥ USD {usd}", shown["amount_rmb"], lang)


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    return []
