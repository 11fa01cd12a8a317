"""Clause 三 — items 3A (9610 exports through the 轻纺城 platform) and 3B (logistics kilograms).

三、支持跨境电商9610业务发展。对通过轻纺城跨境电商出口通关服务平台以9610方式出口的企业，每1美元给予0.03元奖励，
单个企业不超过150万元。对在出口通关服务平台沉淀数据的物流企业，每1公斤给予3元补助，单个企业不超过100万元。

3A: RMB per USD of 9610 declarations declared in the period through the platform (`via_platform`), capped.
3B: RMB per kg of parcels shipped in the period whose data is deposited on the platform (`deposited`), capped;
paid only to logistics firms (rules.py).
"""

from __future__ import annotations

import polars as pl

from kqcalc.lines import Context, Line, exact, sources


def _per_unit(ctx: Context, item: str, table: str, who: str, day: str, flag: str, quantity: str, rate_key: str,
              unit: str, reason: str) -> list[Line]:
    rows = ctx.tables[table].filter(ctx.period.contains(day))
    if rows.height == 0:
        return []
    totals = rows.group_by(who).agg(
        pl.col(quantity).filter(pl.col(flag)).sum().alias("measure"),
        pl.len().alias("rows"),
        pl.col(flag).sum().alias("counted"),
    ).sort(who)
    rate = exact(ctx.param(item, rate_key))
    cap = exact(ctx.param(item, "cap_rmb"))
    where = sources(rows.filter(pl.col(flag)), who)
    out = []
    for recipient, measure, n_rows, counted in totals.iter_rows():
        measure = exact(measure)
        detail = {"rate": str(ctx.param(item, rate_key)), "rows_in_period": n_rows, "rows_counted": counted,
                  "sources": where.get(recipient, {})}
        out.append(Line(recipient, item, "", measure, unit, rate * measure, cap=cap,
                        reasons=[] if measure > 0 else [reason], detail=detail))
    return out


def lines(ctx: Context) -> list[Line]:
    return _per_unit(
        ctx, "3A", "exports_9610", "firm_id", "declared_on", "via_platform", "amount_usd", "rmb_per_usd", "USD",
        "not_via_platform",
    ) + _per_unit(
        ctx, "3B", "logistics", "logistics_firm_id", "shipped_on", "deposited", "weight_kg", "rmb_per_kg", "kg",
        "not_deposited",
    )
