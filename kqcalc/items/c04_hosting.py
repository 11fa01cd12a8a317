"""Clause 四 — item 4 (third-party hosting service providers).

四、支持跨境电商服务企业发展。对提供跨境电商第三方托管服务的企业，其实际服务企业达到20家，且其服务企业跨境B2C年在线
总交易额达到300万美元及以上或跨境B2B年在线总交易额达到1000万美元及以上的，按照服务费的5%给予补助，最高不超过10万元。

Distinct clients reach the minimum and (the clients' summed B2C or summed B2B reaches its threshold) → a share of
the summed service fees, capped. Client identity: client_id, else the normalised name (clean.py).
"""

from __future__ import annotations

from decimal import Decimal

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
