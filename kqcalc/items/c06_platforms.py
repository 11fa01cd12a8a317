"""Clause 六 — item 6 (attracting cross-border e-commerce platform firms).

六、支持招引跨境电商平台企业。对年交易额达到3000万美元的跨境电商平台企业，每新增1家年交易额达10万美元的企业在该平台上
开展业务，给予平台企业2万元奖励，单个平台企业每年奖励资金不超过100万元。

A platform whose annual amount reaches the threshold → a fixed sum per distinct client that joined in the period
with a client annual amount reaching the client threshold, capped. A platform with onboarding rows but no
`platforms` row is not met: its annual amount is unknown.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.compact import first_rows_json
from kqcalc.lazy import pl
from kqcalc.lines import (
    Context,
    LeftOut,
    exact,
    json_fields,
    json_text,
    kept,
    present,
    sources_json,
    tier_detail_fields,
)

ITEMS = ("6",)

# The policy numbers read (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {
    "6": {"min_platform_usd": Decimal, "min_client_usd": Decimal, "rmb_per_client": Decimal, "cap_rmb": Decimal},
}

# The rows read, and those left out (the manifest's excluded-by-rule counts and explain's reasons come from this
# declaration): clients that joined outside the period (they still name the platform and its sources).
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "platforms": (),
    "platform_onboarding": (LeftOut("outside_period", lambda period: ~period.contains("joined_on")),),
}


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """One line per platform with a `platforms` or onboarding row: the fixed sum per qualifying client, capped,
    when the platform's annual amount reaches the threshold (x ≥ t ⟺ F ≥ t: lines.py)."""
    platforms = ctx.tables["platforms"]
    onboarding = ctx.tables["platform_onboarding"]
    ids = pl.concat([platforms.select("platform_id"), onboarding.select("platform_id")]).unique()
    if ids.height == 0:
        return pl.DataFrame(schema=L.GROSS_SCHEMA)
    min_platform = exact(ctx.param("6", "min_platform_usd"))
    min_client = ctx.param("6", "min_client_usd")
    value = L.VALUE  # made when first used
    annual = platforms.lazy().unique("platform_id", keep="last", maintain_order=True).select(
        "platform_id", pl.col("annual_usd").fill_null(0).cast(value).alias("usd"), pl.lit(False).alias("usd_inexact"))
    joined = kept(onboarding, ROWS["platform_onboarding"], ctx.period).lazy()
    clients = joined.group_by("platform_id").agg(
        pl.col("client").filter(pl.col("client_annual_usd") >= pl.lit(min_client)).n_unique().alias("n"),
        pl.col("client").n_unique().alias("joined"))
    known = pl.col("usd").is_not_null()
    reasons = present(pl.concat_list(
        pl.when(~known).then(pl.lit("platform_amount_unknown")),
        pl.when(known & (pl.col("usd") < min_platform)).then(pl.lit("below_threshold")),
        pl.when(pl.col("n") == 0).then(pl.lit("no_qualifying_clients"))))
    detail = json_fields({
        "platform_annual_usd": pl.when(known).then(json_fields(tier_detail_fields("usd", [min_platform], "USD")))
        .otherwise(pl.lit("{}")),
        "clients_joined_in_period": pl.col("joined").cast(pl.String), "qualifying_clients": pl.col("n").cast(pl.String),
        "min_client_usd": json_text(pl.lit(str(min_client))), "sources": pl.col("sources").fill_null("{}"),
        "first_rows": pl.col("first_rows").fill_null("{}")})
    counted = onboarding.lazy().with_columns(pl.lit(1).alias("_n"))
    first = first_rows_json(onboarding, "platform_id", date="joined_on", value="client_annual_usd", currency="USD")
    return ids.lazy().join(annual, on="platform_id", how="left").join(clients, on="platform_id", how="left").join(
        sources_json(counted, "platform_id", "_n"), on="platform_id", how="left").join(
        first, on="platform_id", how="left").with_columns(
        pl.col("n", "joined").fill_null(0)).with_columns(reasons.alias("reasons")).sort("platform_id").select(
        pl.col("platform_id").alias("firm_id"), pl.lit("6").alias("item"), pl.lit("").alias("ref"),
        pl.col("n").cast(value).alias("measure"), pl.lit(False).alias("measure_inexact"),
        pl.lit("clients").alias("unit"),
        pl.when(pl.col("reasons").list.len() == 0).then(pl.lit(exact(ctx.param("6", "rmb_per_client"))).cast(value)
                                                       * pl.col("n")).otherwise(pl.lit(0)).cast(value).alias("gross"),
        pl.lit(False).alias("gross_inexact"), pl.lit(exact(ctx.param("6", "cap_rmb"))).cast(value).alias("cap"),
        "reasons", detail.alias("detail"),
    ).collect()


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS = {"zh": {("6", "platform_annual_usd"): "平台年交易额"},
              "en": {("6", "platform_annual_usd"): "platform's annual amount"}}

FACTS = {
    "zh": "考核期内新增入驻企业 {clients_joined_in_period} 家，"
          "其中年交易额 ≥ {min_client} 美元的 {qualifying_clients} 家",
    "en": "{clients_joined_in_period} client(s) joined in the period, {qualifying_clients} of them with an annual "
          "amount ≥ USD {min_client}",
}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'10,000 元/家 × 家，上限 …'."""
    return W.rule(lang, "rate", rate=W.number(p["rmb_per_client"]), per="元/家" if lang == "zh" else "RMB per client",
                  measure=W.unit(record["unit"], lang), cap=W.cap(p["cap_rmb"], lang))


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """The clients that joined in the period and those whose annual amount qualifies."""
    d = record.get("detail") or {}
    return [(FACTS[lang].format(min_client=W.number(d.get("min_client_usd", "0")), **d), [])]
