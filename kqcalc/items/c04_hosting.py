"""Clause 四 — item 4 (third-party hosting service providers).

四、支持跨境电商服务企业发展。对提供跨境电商第三方托管服务的企业，其实际服务企业达到20家，且其服务企业跨境B2C年在线
总交易额达到300万美元及以上或跨境B2B年在线总交易额达到1000万美元及以上的，按照服务费的5%给予补助，最高不超过10万元。

Distinct clients reach the minimum and (the clients' summed B2C or summed B2B reaches its threshold) → a share of
the summed service fees, capped. Client identity: client_id, else the normalised name (clean.py).
"""

from __future__ import annotations

from decimal import Decimal

from kqcalc import words as W
from kqcalc.compact import first_rows_of
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, Line, exact, sources, tier_detail

ITEMS = ("4",)

# The policy numbers read (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {
    "4": {"min_clients": int, "min_clients_b2c_usd": Decimal, "min_clients_b2b_usd": Decimal, "fee_share": Decimal,
          "cap_rmb": Decimal},
}

# The rows read: every hosting service row counts (none is left out by rule).
ROWS: dict[str, tuple[LeftOut, ...]] = {"hosting_services": ()}


def lines(ctx: Context) -> list[Line]:
    rows = ctx.tables["hosting_services"]
    if rows.height == 0:
        return []
    totals = rows.group_by("provider_id").agg(
        pl.col("client").n_unique().alias("clients"),
        pl.col("client_b2c_usd").sum(),
        pl.col("client_b2b_usd").sum(),
        pl.col("service_fee_rmb").sum(),
    ).sort("provider_id")
    min_clients = ctx.param("4", "min_clients")
    min_b2c = exact(ctx.param("4", "min_clients_b2c_usd"))
    min_b2b = exact(ctx.param("4", "min_clients_b2b_usd"))
    share = exact(ctx.param("4", "fee_share"))
    cap = exact(ctx.param("4", "cap_rmb"))
    where = sources(rows, "provider_id")
    first = first_rows_of(rows, "provider_id", value="service_fee_rmb", currency="RMB")
    out = []
    for provider, clients, b2c, b2b, fees in totals.iter_rows():
        b2c, b2b, fees = exact(b2c), exact(b2b), exact(fees)
        reasons = []
        if clients < min_clients:
            reasons.append("below_client_threshold")
        if b2c < min_b2c and b2b < min_b2b:
            reasons.append("below_threshold")
        detail = {
            "clients": tier_detail(Decimal(clients), [Decimal(min_clients)], "clients"),
            "clients_b2c_usd": tier_detail(b2c, [min_b2c], "USD"),
            "clients_b2b_usd": tier_detail(b2b, [min_b2b], "USD"),
            "fee_share": str(ctx.param("4", "fee_share")),
            "sources": where.get(provider, {}),
            "first_rows": first.get(provider, {}),
        }
        out.append(Line(provider, "4", "", fees, "RMB", Decimal(0) if reasons else share * fees, cap=cap,
                        reasons=reasons, detail=detail))
    return out


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS = {
    "zh": {("4", "clients"): "实际服务企业数", ("4", "clients_b2c_usd"): "服务企业B2C年交易额",
           ("4", "clients_b2b_usd"): "服务企业B2B年交易额"},
    "en": {("4", "clients"): "clients served", ("4", "clients_b2c_usd"): "clients' B2C amount",
           ("4", "clients_b2b_usd"): "clients' B2B amount"},
}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'服务费 × 40%，上限 500,000 元'."""
    return W.rule(lang, "share", base="服务费" if lang == "zh" else "service fees", share=W.percent(p["fee_share"]),
                  cap=W.cap(p["cap_rmb"], lang))


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    return []
