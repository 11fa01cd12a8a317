"""Clause 六 — item 6 (attracting cross-border e-commerce platform firms).

六、支持招引跨境电商平台企业。对年交易额达到3000万美元的跨境电商平台企业，每新增1家年交易额达10万美元的企业在该平台上
开展业务，给予平台企业2万元奖励，单个平台企业每年奖励资金不超过100万元。

A platform whose annual amount reaches the threshold → a fixed sum per distinct client that joined in the period
with a client annual amount reaching the client threshold, capped. A platform with onboarding rows but no
`platforms` row is not met: its annual amount is unknown.
"""

from __future__ import annotations

from decimal import Decimal

from kqcalc import words as W
from kqcalc.compact import first_rows_of
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, Line, exact, kept, sources, tier_detail

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


def lines(ctx: Context) -> list[Line]:
    platforms = ctx.tables["platforms"]
    onboarding = ctx.tables["platform_onboarding"]
    ids = sorted(set(platforms["platform_id"].to_list()) | set(onboarding["platform_id"].to_list()))
    if not ids:
        return []
    annual = dict(platforms.select("platform_id", "annual_usd").iter_rows())
    min_platform = exact(ctx.param("6", "min_platform_usd"))
    min_client = ctx.param("6", "min_client_usd")
    per_client = exact(ctx.param("6", "rmb_per_client"))
    cap = exact(ctx.param("6", "cap_rmb"))
    joined = kept(onboarding, ROWS["platform_onboarding"], ctx.period)
    qualifying = joined.filter(pl.col("client_annual_usd") >= pl.lit(min_client))
    clients = dict(qualifying.group_by("platform_id").agg(pl.col("client").n_unique()).iter_rows())
    joined_count = dict(joined.group_by("platform_id").agg(pl.col("client").n_unique()).iter_rows())
    where = sources(onboarding, "platform_id")
    first = first_rows_of(onboarding, "platform_id", date="joined_on", value="client_annual_usd", currency="USD")
    out = []
    for platform_id in ids:
        n = clients.get(platform_id, 0)
        reasons = []
        if platform_id not in annual:
            reasons.append("platform_amount_unknown")
            amount_detail = {}
        else:
            usd = exact(annual[platform_id])
            amount_detail = tier_detail(usd, [min_platform], "USD")
            if usd < min_platform:
                reasons.append("below_threshold")
        if n == 0:
            reasons.append("no_qualifying_clients")
        detail = {"platform_annual_usd": amount_detail, "clients_joined_in_period": joined_count.get(platform_id, 0),
                  "qualifying_clients": n, "min_client_usd": str(ctx.param("6", "min_client_usd")),
                  "sources": where.get(platform_id, {}), "first_rows": first.get(platform_id, {})}
        out.append(Line(platform_id, "6", "", Decimal(n), "clients",
                        Decimal(0) if reasons else per_client * n, cap=cap, reasons=reasons, detail=detail))
    return out


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
