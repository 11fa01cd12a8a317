"""Clause 八 — item 8 (cross-border e-commerce industrial parks).

八、支持建设跨境电商产业园。对经认定且入驻有实绩跨境电商企业数量达到20、40、60家，年在线交易总额达到2亿、4亿、6亿元的
园区，分别给予园区主办方不超过50万、100万、150万元的一次性补贴。

A recognized park reaches a tier by active firms and a tier by online total; its tier is the lower of the two.
The one-time subsidy is topped up when a park climbs a tier: rules.py subtracts what the park received under
item 8 in earlier years.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, exact, json_fields, json_text, present, sources_json, tier_detail_fields

ITEMS = ("8",)

# Policy numbers read (items.<code>.<key>, with their types): none besides the tiers.
PARAMS: dict[str, dict[str, type]] = {"8": {}}

# Tiered items: the keys of each tier (items.8.tiers[i].<key>), each strictly rising from tier to tier.
TIERS: dict[str, dict[str, type]] = {"8": {"min_active_firms": int, "min_online_rmb": Decimal, "amount_rmb": Decimal}}

# The rows read: every park row counts (none is left out by rule).
ROWS: dict[str, tuple[LeftOut, ...]] = {"parks": ()}


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """One line per park: the tier both its active firms and its online total reach (x ≥ t ⟺ F ≥ t: lines.py),
    paid when recognised (the earlier tiers' awards are taken off by the general rules: top_up_one_time_items)."""
    parks = ctx.tables["parks"]
    if parks.height == 0:
        return pl.DataFrame(schema=L.GROSS_SCHEMA)
    tiers = ctx.param("8", "tiers")
    firm_floors = [Decimal(t["min_active_firms"]) for t in tiers]
    online_floors = [exact(t["min_online_rmb"]) for t in tiers]
    value = L.VALUE  # made when first used
    by_firms = tier_detail_fields("_firms", firm_floors, "firms")
    by_online = tier_detail_fields("_online", online_floors, "RMB")
    tier = pl.min_horizontal(by_firms["tier"].cast(pl.Int64), by_online["tier"].cast(pl.Int64))
    recognized = pl.col("recognized").fill_null(False)
    gross = pl.lit(0).cast(value)
    for i, t in enumerate(tiers):
        gross = pl.when(recognized & (pl.col("tier") == i + 1)).then(pl.lit(exact(t["amount_rmb"])).cast(value)) \
            .otherwise(gross)
    detail = json_fields({"park_name": json_text(pl.col("park_name")).fill_null("null"),
                          "tier_by_active_firms": json_fields(by_firms), "tier_by_online_total": json_fields(by_online),
                          "tier": pl.col("tier").cast(pl.String), "sources": pl.col("sources").fill_null("{}")})
    reasons = present(pl.concat_list(pl.when(~recognized).then(pl.lit("not_recognized")),
                                     pl.when(pl.col("tier") == 0).then(pl.lit("below_threshold"))))
    counted = parks.lazy().with_columns(pl.lit(1).alias("_n"))
    return parks.lazy().sort("park_id", maintain_order=True).with_columns(
        pl.col("active_firms").cast(value).alias("_firms"), pl.col("online_total_rmb").cast(value).alias("_online"),
        pl.lit(False).alias("_firms_inexact"), pl.lit(False).alias("_online_inexact"),
    ).with_columns(tier.alias("tier")).join(sources_json(counted, "park_id", "_n"), on="park_id", how="left",
                                            maintain_order="left").select(
        pl.col("park_id").alias("firm_id"), pl.lit("8").alias("item"), pl.lit("").alias("ref"),
        pl.col("tier").cast(value).alias("measure"), pl.lit(False).alias("measure_inexact"),
        pl.lit("tier").alias("unit"), gross.alias("gross"), pl.lit(False).alias("gross_inexact"),
        pl.lit(None, value).alias("cap"), reasons.alias("reasons"), detail.alias("detail"),
    ).collect()


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS = {
    "zh": {("8", "tier_by_active_firms"): "入驻有实绩企业数", ("8", "tier_by_online_total"): "年在线交易总额"},
    "en": {("8", "tier_by_active_firms"): "active resident firms", ("8", "tier_by_online_total"): "online total"},
}

FACTS = {"zh": "园区 {park_name}；档次取两项中较低者：第 {tier} 档",
         "en": "park {park_name}; its tier is the lower of the two: tier {tier}"}


def rule_key(record: dict) -> str:
    """What the rule text depends on besides the item: the tier (the line's measure)."""
    return record["measure"]


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'第 1 档（有实绩企业 ≥ 30 家且年在线交易总额 ≥ 50,000,000 元）→ 300,000 元', or tier 1's when none."""
    tiers = p["tiers"]
    tier = int(Decimal(str(record["measure"])))
    shown = tiers[tier - 1] if tier else tiers[0]
    firms, online = shown["min_active_firms"], W.number(shown["min_online_rmb"])
    floor = (f"有实绩企业 ≥ {firms} 家且年在线交易总额 ≥ {online} 元" if lang == "zh" else
             f"≥ {firms} active firms and online total ≥ RMB {online}")
    return W.tiered(tier, floor, shown["amount_rmb"], lang)


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """The park and its tier, the lower of the two tiers."""
    d = record.get("detail") or {}
    return [(FACTS[lang].format(park_name=d.get("park_name", ""), tier=d.get("tier", 0)), [])]
