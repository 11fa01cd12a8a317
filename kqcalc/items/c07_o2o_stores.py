"""Clause 七 — item 7 (import O2O experience stores).

七、支持发展跨境电商新零售（进口商品O2O线下体验店）。对经认定开设进口跨境电商O2O线下体验店，营业面积达到300平方米
以上的，按当年实际租赁期给予300元/平方米·年的补助，单个企业最高不超过20万元。

Recognized stores of at least the minimum area: RMB per m² per year × m² × (lease days inside the period ÷ days
in the period), multiplied before dividing so the value stays exact; summed per firm, capped.
"""

from __future__ import annotations

from decimal import Decimal

from kqcalc import words as W
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, Line, exact, kept, plain

ITEMS = ("7",)

# The policy numbers read (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {"7": {"min_area_m2": Decimal, "rmb_per_m2_year": Decimal, "cap_rmb": Decimal}}

# The rows read, and those left out (the manifest's excluded-by-rule counts and explain's reasons come from this
# declaration): stores whose lease lies wholly outside the period.
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "o2o_stores": (LeftOut("lease_outside_period", lambda period: (pl.col("lease_start") > period.end)
                           | (pl.col("lease_end") < period.start)),),
}


def lines(ctx: Context) -> list[Line]:
    start, end = ctx.period.start, ctx.period.end
    rows = kept(ctx.tables["o2o_stores"], ROWS["o2o_stores"], ctx.period)
    if rows.height == 0:
        return []
    min_area = exact(ctx.param("7", "min_area_m2"))
    rate = exact(ctx.param("7", "rmb_per_m2_year"))
    cap = exact(ctx.param("7", "cap_rmb"))
    period_days = ctx.period.days
    by_firm: dict[str, list[tuple]] = {}
    for values in rows.sort("firm_id", "store_id__key").select(
        "firm_id", "store_id", "area_m2", "lease_start", "lease_end", "recognized", "_file", "_row"
    ).iter_rows():
        by_firm.setdefault(values[0], []).append(values[1:])
    out = []
    for firm_id, group in by_firm.items():  # sorted by firm_id
        m2_years = Decimal(0)
        stores = []
        files: dict[str, int] = {}
        for store_id, area, lease_start, lease_end, recognized, file, row in group:
            files[file] = files.get(file, 0) + 1
            area = exact(area)
            days = max(0, (min(lease_end, end) - max(lease_start, start)).days + 1)
            why = [r for r, bad in (("not_recognized", not recognized), ("below_area", area < min_area)) if bad]
            share = area * days / period_days
            if not why:
                m2_years += share
            stores.append({"store": store_id, "area_m2": plain(area), "lease_days_in_period": days,
                           "m2_years": plain(share), "counted": not why, "why_not": why, "file": file, "row": row})
        reasons = [] if m2_years else sorted({r for s in stores for r in s["why_not"]} or {"no_lease_in_period"})
        detail = {"stores": stores, "period_days": period_days, "rate": str(ctx.param("7", "rmb_per_m2_year")),
                  "sources": dict(sorted(files.items()))}
        out.append(Line(firm_id, "7", "", m2_years, "m2-years", rate * m2_years, cap=cap, reasons=reasons,
                        detail=detail))
    return out


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS: dict[str, dict[tuple[str, str], str]] = {"zh": {}, "en": {}}

FACTS = {
    "zh": {"stores": "门店",
           "store": "门店 {store}：{area_m2} 平方米，考核期内租赁 {lease_days_in_period} 天（考核期 {period_days} 天）"
                    " → {m2_years} 平方米·年，{counted}（{where}）"},
    "en": {"stores": "stores",
           "store": "store {store}: {area_m2} m², {lease_days_in_period} lease days in the period ({period_days} days)"
                    " → {m2_years} m²·years, {counted} ({where})"},
}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'100 元/平方米·年 × 平方米·年，上限 …'."""
    return W.rule(lang, "rate", rate=W.number(p["rmb_per_m2_year"]),
                  per="元/平方米·年" if lang == "zh" else "RMB per m²·year", measure=W.unit(record["unit"], lang),
                  cap=W.cap(p["cap_rmb"], lang))


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """One sub-line per store: area × lease days in the period, counted or why not, and its row."""
    d, f = record.get("detail") or {}, FACTS[lang]
    subs = []
    for entry in d.get("stores", []):
        values = {k: (W.number(v) if k in ("area_m2", "m2_years") else v) for k, v in entry.items()}
        subs.append(f["store"].format(**(values | {"counted": W.counted(entry, lang),
                                                   "where": W.row_of(entry.get("file", ""), entry.get("row", ""), lang),
                                                   "period_days": d.get("period_days", "")})))
    return [(f["stores"], subs)] if subs else []
