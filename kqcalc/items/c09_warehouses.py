"""Clause 九 — items 9A (new provincial pilot), 9B (municipal-standard warehouse) and 9C (Belt and Road top-up).

九、支持建设跨境电商海外仓。对新列入省级跨境电商公共海外仓建设试点名单的企业，除省级扶持资金外，一次性给予不超过20万元
资金扶持；对经认定达到市级公共海外仓建设标准、运营一年以上的，按建设成本（场地租赁、设备采购、系统开发）的40%一次性给予
建设（运营）主体补助，最高不超过50万元；对新建在"一带一路"国家或地区的公共海外仓，补助额度再增加10万元。

Three lines per warehouse (ref = warehouse_id):
9A: newly listed in the provincial pilot list → a fixed sum once per warehouse.
9B: meets the municipal standard and has operated one year or more at the end of the period
    (operating_since + 1 year ≤ period end; 29 February + 1 year = 28 February) → a share of lease + equipment +
    system cost (blank costs are 0), capped, once per warehouse.
9C: newly built in a Belt-and-Road country → a fixed top-up, but only when this warehouse's 9A or 9B line is
    paid in this run (rules.py checks that after eligibility and one-time checks).
"""

from __future__ import annotations

from decimal import Decimal

from kqcalc.lines import Context, Line, add_years, exact
from kqcalc.text import norm_key


def belt_and_road(ctx: Context, country: str) -> tuple[bool, bool]:
    """(on the list, a recognisable spelling). The list matches by ISO alpha-2 code or Chinese name only
    (SPEC §2); English names and the policy's other countries only spare the value a misspelling warning."""
    listed = ctx.policy.countries
    code = country.strip().upper()
    if code in listed or norm_key(country) in {norm_key(zh) for zh, _ in listed.values()}:
        return True, True
    known = listed | ctx.policy.other_countries
    names = {norm_key(name) for pair in known.values() for name in pair}
    return False, code in known or norm_key(country) in names or (len(code) == 2 and code.isascii() and code.isalpha())


def lines(ctx: Context) -> list[Line]:
    rows = ctx.tables["warehouses"]
    if rows.height == 0:
        return []
    pilot_amount = exact(ctx.param("9A", "amount_rmb"))
    share = exact(ctx.param("9B", "cost_share"))
    cap_9b = exact(ctx.param("9B", "cap_rmb"))
    years = ctx.param("9B", "min_operating_years")
    top_up = exact(ctx.param("9C", "amount_rmb"))
    out = []
    for row in rows.sort("firm_id", "warehouse_id__key").iter_rows(named=True):
        firm_id, ref = row["firm_id"], row["warehouse_id"]
        source = {"file": row["_file"], "row": row["_row"]}
        pilot = bool(row["provincial_pilot_new"])
        out.append(Line(firm_id, "9A", ref, Decimal(1), "warehouse", pilot_amount if pilot else Decimal(0),
                        reasons=[] if pilot else ["not_newly_listed"], detail={"source": source}))

        cost = sum((exact(row[c]) for c in ("lease_cost_rmb", "equipment_cost_rmb", "system_cost_rmb")), Decimal(0))
        since = row["operating_since"]
        anniversary = add_years(since, years) if since else None
        reasons = []
        if not row["municipal_standard"]:
            reasons.append("not_municipal_standard")
        if anniversary is None:
            reasons.append("operating_since_unknown")
        elif anniversary > ctx.period.end:
            reasons.append("operating_less_than_a_year")
        if cost == 0:
            reasons.append("no_cost")
        detail = {"source": source, "cost_share": str(ctx.param("9B", "cost_share")),
                  "operating_since": since.isoformat() if since else None,
                  "one_year_on": anniversary.isoformat() if anniversary else None,
                  "period_end": ctx.period.end.isoformat()}
        out.append(Line(firm_id, "9B", ref, cost, "RMB", Decimal(0) if reasons else share * cost, cap=cap_9b,
                        reasons=reasons, detail=detail))

        on_list, recognisable = belt_and_road(ctx, row["country"])
        reasons = []
        if not row["newly_built"]:
            reasons.append("not_newly_built")
        if not on_list:
            reasons.append("not_belt_and_road")
        detail = {"source": source, "country": row["country"], "belt_and_road": on_list,
                  "country_recognised": recognisable}
        out.append(Line(firm_id, "9C", ref, Decimal(1), "warehouse", Decimal(0) if reasons else top_up,
                        reasons=reasons, detail=detail))
    return out
