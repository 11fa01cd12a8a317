"""Clause 三 — items 3A (9610 exports through the 轻纺城 platform) and 3B (logistics kilograms).

三、支持跨境电商9610业务发展。对通过轻纺城跨境电商出口通关服务平台以9610方式出口的企业，每1美元给予0.03元奖励，
单个企业不超过150万元。对在出口通关服务平台沉淀数据的物流企业，每1公斤给予3元补助，单个企业不超过100万元。

3A: RMB per USD of 9610 declarations declared in the period through the platform (`via_platform`), capped.
3B: RMB per kg of parcels shipped in the period whose data is deposited on the platform (`deposited`), capped;
paid only to logistics firms (rules.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.compact import IN_PERIOD, row_count, sample_rows_json
from kqcalc.compact import ROWS as COMPACT_ROWS
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, checked_sum, exact, held_frame, json_fields, json_text, kept, sources_json

ITEMS = ("3A", "3B")

# The policy numbers each item reads (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {
    "3A": {"rmb_per_usd": Decimal, "cap_rmb": Decimal},
    "3B": {"rmb_per_kg": Decimal, "cap_rmb": Decimal},
}

# The rows counted, per table, and those left out (the manifest's excluded-by-rule counts and explain's reasons
# come from this one declaration): rows dated outside the period (compact rows, kqcalc/compact.py; an unknown date
# counts as outside), then declarations not made through the platform / parcels whose data is not deposited.
_OUTSIDE_PERIOD = LeftOut("outside_period", lambda period: ~pl.col(IN_PERIOD).fill_null(False))
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "exports_9610": (_OUTSIDE_PERIOD, LeftOut("not_via_platform", lambda period: ~pl.col("via_platform"))),
    "logistics": (_OUTSIDE_PERIOD, LeftOut("not_deposited", lambda period: ~pl.col("deposited"))),
}


class _PerUnit(NamedTuple):
    item: str
    table: str
    who: str
    quantity: str
    rate_key: str
    unit: str
    reason: str


_3A = _PerUnit("3A", "exports_9610", "firm_id", "amount", "rmb_per_usd", "USD", "not_via_platform")
_3B = _PerUnit("3B", "logistics", "logistics_firm_id", "weight_kg", "rmb_per_kg", "kg", "not_deposited")


def _totals(ctx: Context, spec: _PerUnit) -> pl.LazyFrame:
    """Rows dated in the period, per (recipient, file, currency): the counted quantity, rows, rows counted.
    (Kilograms have no currency: "USD", whose rate is 1.)"""
    outside_period, not_counted = ROWS[spec.table]
    rows = kept(ctx.tables[spec.table].lazy(), [outside_period], ctx.period)  # compact rows (kqcalc/compact.py)
    if "currency" not in rows.collect_schema().names():
        rows = rows.with_columns(currency=pl.lit("USD"))
    counted = ~not_counted.rows(ctx.period)
    return rows.group_by(spec.who, "_file", "currency").agg(
        *checked_sum(pl.col(spec.quantity).filter(counted), None, "measure"),
        row_count().alias("rows"),
        pl.col(COMPACT_ROWS).filter(counted).sum().alias("counted"),
    )


def queries(ctx: Context) -> dict[str, pl.LazyFrame]:
    return {spec.item: _totals(ctx, spec) for spec in (_3A, _3B)}


def _per_unit(ctx: Context, spec: _PerUnit, totals: pl.DataFrame) -> pl.DataFrame:
    """One line per recipient with rows in the period: the quantity counted (USD: each currency's sum at its
    exact rate) and rate × it, exactly (lines.held_frame), capped by the rules; its detail as JSON."""
    item, who = spec.item, spec.who
    rate = exact(ctx.param(item, spec.rate_key))
    per_recipient = totals.lazy().group_by(who).agg(pl.col("rows").sum(), pl.col("counted").sum())
    amounts = totals.group_by(who, "currency").agg(
        *checked_sum(pl.col("measure"), pl.col("measure_check"), "amount")).sort(who, "currency")
    exact_values = held_frame(amounts, who, ctx.fx, {"gross": rate}, item)
    counted_rows = kept(ctx.tables[spec.table], ROWS[spec.table], ctx.period)  # compact rows
    detail = json_fields({
        "rate": json_text(pl.lit(str(ctx.param(item, spec.rate_key)))),
        "rows_in_period": pl.col("rows").cast(pl.String), "rows_counted": pl.col("counted").cast(pl.String),
        "sources": pl.col("sources").fill_null("{}"), "first_rows": pl.col("first_rows").fill_null("{}")})
    met = (pl.col("measure") > 0) | pl.col("measure_inexact")
    return per_recipient.join(exact_values.lazy(), on=who, how="left").join(
        sources_json(totals.lazy(), who, "counted"), on=who, how="left").join(
        sample_rows_json(counted_rows, who), on=who, how="left").sort(who).select(
        pl.col(who).alias("firm_id"), pl.lit(item).alias("item"), pl.lit("").alias("ref"), "measure",
        "measure_inexact", pl.lit(spec.unit).alias("unit"), "gross", "gross_inexact",
        pl.lit(ctx.param(item, "cap_rmb")).cast(L.VALUE).alias("cap"),  # L.VALUE: made when first used
        pl.when(met).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(pl.lit([spec.reason])).alias("reasons"),
        detail.alias("detail"),
    ).collect()


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    return pl.concat([_per_unit(ctx, _3A, got["3A"]), _per_unit(ctx, _3B, got["3B"])])


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS: dict[str, dict[tuple[str, str], str]] = {"zh": {}, "en": {}}

FACTS = {"zh": "考核期内 {rows_in_period} 行，计入 {rows_counted} 行",
         "en": "{rows_in_period} row(s) in the period, {rows_counted} counted"}

# item → (its rate's key in the policy, the rate's unit in zh and en)
RATES = {"3A": ("rmb_per_usd", "元/美元", "RMB per USD"), "3B": ("rmb_per_kg", "元/公斤", "RMB per kg")}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'0.03 元/美元 × 美元，上限 1,500,000 元'."""
    key, per_zh, per_en = RATES[record["item"]]
    return W.rule(lang, "rate", rate=W.number(p[key]), per=per_zh if lang == "zh" else per_en,
                  measure=W.unit(record["unit"], lang), cap=W.cap(p["cap_rmb"], lang))


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """The rows of the period and those counted (declared through the platform, deposited)."""
    return [(FACTS[lang].format(**(record.get("detail") or {})), [])]
