"""Clause 八 — item 8 (cross-border e-commerce industrial parks).

八、支持建设跨境电商产业园。对经认定且入驻有实绩跨境电商企业数量达到20、40、60家，年在线交易总额达到2亿、4亿、6亿元的
园区，分别给予园区主办方不超过50万、100万、150万元的一次性补贴。

A recognized park reaches a tier by active firms and a tier by online total; its tier is the lower of the two.
The one-time subsidy is topped up when a park climbs a tier: rules.py subtracts what the park received under
item 8 in earlier years.
"""

from __future__ import annotations

from decimal import Decimal

from kqcalc import words as W
from kqcalc.lines import Context, LeftOut, Line, exact, sources, tier_detail

ITEMS = ("8",)

# Policy numbers read (items.<code>.<key>, with their types): none besides the tiers.
PARAMS: dict[str, dict[str, type]] = {"8": {}}

# Tiered items: the keys of each tier (items.8.tiers[i].<key>), each strictly rising from tier to tier.
TIERS: dict[str, dict[str, type]] = {"8": {"min_active_firms": int, "min_online_rmb": Decimal, "amount_rmb": Decimal}}

# The rows read: every park row counts (none is left out by rule).
ROWS: dict[str, tuple[LeftOut, ...]] = {"parks": ()}


def lines(ctx: Context) -> list[Line]:
    parks = ctx.tables["parks"]
    if parks.height == 0:
        return []
    tiers = ctx.param("8", "tiers")
    firm_floors = [Decimal(t["min_active_firms"]) for t in tiers]
    online_floors = [exact(t["min_online_rmb"]) for t in tiers]
    where = sources(parks, "park_id")
    out = []
    for park_id, name, active, online, recognized in parks.sort("park_id").select(
        "park_id", "park_name", "active_firms", "online_total_rmb", "recognized"
    ).iter_rows():
        by_firms = tier_detail(Decimal(active), firm_floors, "firms")
        by_online = tier_detail(exact(online), online_floors, "RMB")
        tier = min(by_firms["tier"], by_online["tier"])
        reasons = []
        if not recognized:
            reasons.append("not_recognized")
        if tier == 0:
            reasons.append("below_threshold")
        gross = exact(tiers[tier - 1]["amount_rmb"]) if tier and recognized else Decimal(0)
        detail = {"park_name": name, "tier_by_active_firms": by_firms, "tier_by_online_total": by_online,
                  "tier": tier, "sources": where.get(park_id, {})}
        out.append(Line(park_id, "8", "", Decimal(tier), "tier", gross, reasons=reasons, detail=detail))
    return out


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
