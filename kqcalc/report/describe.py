"""One award line in words: the rule applied, the thresholds reached and the next one, where the measure came from.

Works on the stored line record (`kqcalc.output.line_record`: the same dict `results.json` holds), so that
report.xlsx and `kqcalc explain` say exactly the same thing. It only reads what the rules decided and what the
clause modules put in `detail`; it never decides anything. Light on purpose (no Polars).

Threshold conditions come from the `tier_detail` shapes in a line's detail ("thresholds", "tier", "reached",
"next", "distance"). The items that have them — and therefore the items the near-miss sheet covers — are:
1A (the firm's B2C amount; the best new store's orders), 2 (B2C amount tiers), 4 (clients; clients' B2C; clients'
B2B), 6 (the platform's annual amount), 8 (active firms; online total — the park's tier is the lower of the two),
10A (yearly enrolment) and 10B (students). Items 3A, 3B, 5, 7 and 9A–9C have rates, caps, dates and flags but no
threshold to come near, so they have no near misses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc.report import labels as L

NEAR_MISS_SHARE = Decimal("0.10")  # "within 10 % below a threshold or tier"

# Conditions: (detail key, or "" for the line's own tier detail) → label; the unit comes from the detail.
CONDITION_LABELS = {
    "zh": {
        ("1A", ""): "企业B2C交易额", ("1A", "store_orders"): "新开B2C店铺单店订单数",
        ("2", ""): "企业B2C交易额",
        ("4", "clients"): "实际服务企业数", ("4", "clients_b2c_usd"): "服务企业B2C年交易额",
        ("4", "clients_b2b_usd"): "服务企业B2B年交易额",
        ("6", "platform_annual_usd"): "平台年交易额",
        ("8", "tier_by_active_firms"): "入驻有实绩企业数", ("8", "tier_by_online_total"): "年在线交易总额",
        ("10A", ""): "每年招生人数", ("10B", ""): "在院人数",
    },
    "en": {
        ("1A", ""): "firm's B2C amount", ("1A", "store_orders"): "orders of the best new B2C store",
        ("2", ""): "firm's B2C amount",
        ("4", "clients"): "clients served", ("4", "clients_b2c_usd"): "clients' B2C amount",
        ("4", "clients_b2b_usd"): "clients' B2B amount",
        ("6", "platform_annual_usd"): "platform's annual amount",
        ("8", "tier_by_active_firms"): "active resident firms", ("8", "tier_by_online_total"): "online total",
        ("10A", ""): "yearly enrolment", ("10B", ""): "students",
    },
}

WORDS = {
    "zh": {
        "rows_of": "{file} 中 {n} 行", "row_of": "{file} 第 {row} 行", "none": "无", "no_cap": "无上限",
        "cap": "上限 {cap} 元", "reached": "门槛 {value} {unit}，已达",
        "tier_reached": "已达第 {tier} 档 ≥ {value} {unit}",
        "first_tier": "未达第 1 档 {value} {unit}，还差 {distance} {unit}",
        "next": "下一档 {value} {unit}，还差 {distance} {unit}",
        "next_threshold": "门槛 {value} {unit}，还差 {distance} {unit}", "top": "已达最高档",
        "first_row": "{where}：{what}", "more_rows": "……另有 {n} 行", "what_sep": "，",
        "measure_is": "{value} {unit}", "sep": "；", "with_measure": "{measure}（{text}）", "label": "{label} {text}",
    },
    "en": {
        "rows_of": "{n} row(s) of {file}", "row_of": "{file} row {row}", "none": "none", "no_cap": "no cap",
        "cap": "cap {cap} RMB", "reached": "threshold {value} {unit}, reached",
        "tier_reached": "tier {tier} reached, ≥ {value} {unit}",
        "first_tier": "below tier 1, {value} {unit}: {distance} {unit} to go",
        "next": "next tier {value} {unit}, {distance} {unit} to go",
        "next_threshold": "threshold {value} {unit}, {distance} {unit} to go", "top": "highest tier reached",
        "first_row": "{where}: {what}", "more_rows": "… and {n} more row(s)", "what_sep": ", ",
        "measure_is": "{value} {unit}", "sep": "; ", "with_measure": "{measure} ({text})", "label": "{label} {text}",
    },
}


def _w(lang: str, key: str, **kw: Any) -> str:
    return WORDS[lang][key].format(**kw)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


# --- thresholds -------------------------------------------------------------------------------------------


def conditions(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The line's threshold conditions, each with the measure (when known), the tier reached and the next one.

    measure: the detail's own "measure" (kqcalc.lines.tier_detail stores it); in a detail written before it
    did, the line's measure for its own tier detail, for a nested one next − distance (when below the top).
    """
    item, detail = record["item"], record.get("detail") or {}
    found: list[tuple[str, dict[str, Any], str | None]] = []
    if "thresholds" in detail:
        found.append(("", detail, record["measure"]))
    for key, value in detail.items():
        if isinstance(value, dict) and "thresholds" in value:
            found.append((key, value, None))
    if item == "1A" and "store_orders" in detail and "min_store_orders" in detail:
        orders, floor = _d(detail["store_orders"]), _d(detail["min_store_orders"])
        synthetic = {"unit": "orders", "thresholds": [str(floor)], "tier": int(orders >= floor)}
        if orders >= floor:
            synthetic["reached"] = str(floor)
        else:
            synthetic |= {"next": str(floor), "distance": str(floor - orders)}
        found.append(("store_orders", synthetic, str(orders)))
    out = []
    for key, tiers, measure in found:
        if "measure" in tiers:
            measure = tiers["measure"]
        if measure is None and "next" in tiers:
            measure = str(_d(tiers["next"]) - _d(tiers["distance"]))
        out.append({
            "key": key, "unit": tiers.get("unit", record.get("unit", "")), "measure": measure,
            "thresholds": list(tiers.get("thresholds", [])), "tier": tiers.get("tier", 0),
            "reached": tiers.get("reached"), "next": tiers.get("next"), "distance": tiers.get("distance"),
        })
    return out


def condition_label(item: str, key: str, lang: str) -> str:
    return CONDITION_LABELS[lang].get((item, key), key or item)


def condition_text(cond: dict[str, Any], lang: str) -> str:
    """The firm's measure first, then the threshold apart from it, so that neither reads as the other:
    '3,200,000 美元（门槛 30,000 美元，已达）', '3,000,000 美元（已达第 1 档 ≥ 3,000,000 美元；下一档
    5,000,000 美元，还差 2,000,000 美元）'. (Without a known measure: the part in brackets alone.)"""
    unit = L.unit(cond["unit"], lang)
    several = len(cond["thresholds"]) > 1
    parts = []
    if cond["reached"] is not None:
        parts.append(_w(lang, "tier_reached", tier=cond["tier"], value=L.number(cond["reached"]), unit=unit)
                     if several else _w(lang, "reached", value=L.number(cond["reached"]), unit=unit))
    if cond["next"] is not None:
        key = "next" if several and cond["reached"] is not None else "first_tier" if several else "next_threshold"
        parts.append(_w(lang, key, value=L.number(cond["next"]), unit=unit, distance=L.number(cond["distance"])))
    elif several:
        parts.append(_w(lang, "top"))
    text = _w(lang, "sep").join(parts)
    if cond["measure"] is None:
        return text
    return _w(lang, "with_measure", measure=f"{L.number(cond['measure'])} {unit}", text=text)


def condition_line(item: str, cond: dict[str, Any], lang: str) -> str:
    """'企业B2C交易额 3,200,000 美元（门槛 30,000 美元，已达）': what explain and report.xlsx print."""
    return _w(lang, "label", label=condition_label(item, cond["key"], lang), text=condition_text(cond, lang))


def near_misses(record: dict[str, Any], share: Decimal = NEAR_MISS_SHARE) -> list[dict[str, Any]]:
    """Conditions whose measure is below the next threshold by at most `share` of that threshold."""
    out = []
    for cond in conditions(record):
        if cond["next"] is None:
            continue
        nxt, distance = _d(cond["next"]), _d(cond["distance"])
        if nxt > 0 and 0 < distance <= nxt * share:
            out.append(cond | {"share": distance / nxt})
    return out


# --- where the measure came from ---------------------------------------------------------------------------


def sources(record: dict[str, Any]) -> list[tuple[str, int | None, int | None]]:
    """(file, rows, row): rows counted per file, or the one row a per-row line (9x, 10x) came from."""
    detail = record.get("detail") or {}
    if isinstance(detail.get("sources"), dict):
        return [(file, int(n), None) for file, n in sorted(detail["sources"].items())]
    if isinstance(detail.get("source"), dict):
        return [(detail["source"]["file"], None, int(detail["source"]["row"]))]
    return []


def first_rows(record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """file -> the first rows (row, date, value, currency) the measure came from there, when the clause kept them
    (kqcalc.compact.sample_rows); the count of all of them is in `sources`."""
    found = (record.get("detail") or {}).get("first_rows")
    return found if isinstance(found, dict) else {}


def first_rows_text(record: dict[str, Any], lang: str) -> list[str]:
    """'transactions.csv 第 2 行：2020-08-01，1,000,000 美元', …, '……另有 3 行', per file as in `sources`."""
    firsts = first_rows(record)
    out = []
    for file, n, row in sources(record):
        shown = firsts.get(file, []) if row is None else []
        for r in shown:
            what = [r["date"]] if r.get("date") else []
            if r.get("value") is not None:
                what.append(f"{L.number(r['value'])} {L.unit(r.get('currency') or record.get('unit', ''), lang)}")
            where = _w(lang, "row_of", file=file, row=r["row"])
            out.append(_w(lang, "first_row", where=where, what=_w(lang, "what_sep").join(what)) if what else where)
        if shown and n > len(shown):
            out.append(_w(lang, "more_rows", n=n - len(shown)))
    return out


def sources_text(record: dict[str, Any], lang: str) -> str:
    parts = [_w(lang, "rows_of", file=f, n=n) if row is None else _w(lang, "row_of", file=f, row=row)
             for f, n, row in sources(record)]
    return _w(lang, "sep").join(parts) or _w(lang, "none")


# --- the rule applied ----------------------------------------------------------------------------------------


def _m(value: Any) -> str:
    return L.number(value)


def rule_text(record: dict[str, Any], policy: Any, lang: str) -> str:
    """The clause's formula with the policy's numbers, e.g. '0.03 元/美元 × 美元，上限 1,500,000 元'."""
    item = record["item"]
    p = policy.items[item]
    zh = lang == "zh"
    if item == "1A":
        return (f"新开B2C店铺单店订单 ≥ {p['min_store_orders']} 笔且企业B2C交易额 ≥ {_m(p['min_b2c_usd'])} 美元 → "
                f"{_m(p['amount_rmb'])} 元（一次性）" if zh else
                f"new B2C store with ≥ {p['min_store_orders']} orders and firm B2C amount ≥ USD "
                f"{_m(p['min_b2c_usd'])} → RMB {_m(p['amount_rmb'])} (once)")
    if item == "1B":
        return (f"主流平台新开B2B店铺 → {_m(p['amount_rmb'])} 元（一次性）" if zh else
                f"new B2B store on a mainstream platform → RMB {_m(p['amount_rmb'])} (once)")
    if item in ("2", "8"):
        tiers = p["tiers"]
        tier = int(_d(record["measure"])) if item == "8" else int((record.get("detail") or {}).get("tier", 0))
        shown = tiers[tier - 1] if tier else tiers[0]
        if item == "2":
            floor = (f"≥ {_m(shown['min_b2c_usd'])} 美元" if zh else f"≥ USD {_m(shown['min_b2c_usd'])}")
        else:
            floor = (f"有实绩企业 ≥ {shown['min_active_firms']} 家且年在线交易总额 ≥ {_m(shown['min_online_rmb'])} 元"
                     if zh else f"≥ {shown['min_active_firms']} active firms and online total ≥ RMB "
                     f"{_m(shown['min_online_rmb'])}")
        amount = _m(shown["amount_rmb"])
        if tier:
            return f"第 {tier} 档（{floor}）→ {amount} 元" if zh else f"tier {tier} ({floor}) → RMB {amount}"
        return (f"未达任何一档（第 1 档：{floor} → {amount} 元）" if zh else
                f"no tier reached (tier 1: {floor} → RMB {amount})")
    if item in ("9A", "9C", "10A", "10B"):
        return (f"{_m(p['amount_rmb'])} 元（一次性）" if zh else f"RMB {_m(p['amount_rmb'])} (once)")
    rates = {
        "3A": ("rmb_per_usd", "元/美元", "RMB per USD"),
        "3B": ("rmb_per_kg", "元/公斤", "RMB per kg"),
        "5": ("rmb_per_trainee_day", "元/人·天", "RMB per person-day"),
        "6": ("rmb_per_client", "元/家", "RMB per client"),
        "7": ("rmb_per_m2_year", "元/平方米·年", "RMB per m²·year"),
    }
    cap = f"，上限 {_m(p['cap_rmb'])} 元" if zh else f", cap RMB {_m(p['cap_rmb'])}"
    if item in rates:
        key, unit_zh, unit_en = rates[item]
        measure = L.unit(record["unit"], lang)
        return (f"{_m(p[key])} {unit_zh} × {measure}{cap}" if zh else f"{_m(p[key])} {unit_en} × {measure}{cap}")
    if item == "4":
        share = _percent(p["fee_share"])
        return f"服务费 × {share}{cap}" if zh else f"service fees × {share}{cap}"
    if item == "9B":
        share = _percent(p["cost_share"])
        return f"建设成本 × {share}{cap}（一次性）" if zh else f"construction cost × {share}{cap} (once)"
    return ""


def _percent(share: Any) -> str:
    """0.40 → '40%', 0.055 → '5.5%'."""
    return L.number(_d(share) * 100) + "%"


def cap_text(record: dict[str, Any], lang: str) -> str:
    cap = record.get("cap_rmb")
    return _w(lang, "cap", cap=L.money(cap)) if cap is not None else _w(lang, "no_cap")


def deductions(record: dict[str, Any]) -> dict[str, Decimal]:
    """Amount taken off by each rule (eligibility, one_time, highest_only, adjustment), 0 when none."""
    out = {rule: Decimal("0.00") for rule in L.DEDUCTION_RULES}
    for d in record.get("deductions", []):
        out[d["rule"]] = out.get(d["rule"], Decimal("0.00")) + _d(d["amount_rmb"])
    return out


# --- item-specific facts ----------------------------------------------------------------------------------------

FACTS = {
    "zh": {
        "1A": "新开B2C店铺 {new_b2c_stores} 家；订单最多的店铺 {store}：{store_orders} 笔",
        "1B": "新开B2B店铺 {new_b2b_stores} 家：{stores}；其中主流平台：{platforms}",
        "3": "考核期内 {rows_in_period} 行，计入 {rows_counted} 行",
        "6": "考核期内新增入驻企业 {clients_joined_in_period} 家，"
             "其中年交易额 ≥ {min_client} 美元的 {qualifying_clients} 家",
        "8": "园区 {park_name}；档次取两项中较低者：第 {tier} 档",
        "9B": "运营起始日 {operating_since}，满一年之日 {one_year_on}，考核期末 {period_end}",
        "9C": "国家 {country}：{on_list}",
        "10": "批准日期 {approved_on}",
        "session": "期次 {session}：{trainees} 人 × {day_equivalents} 天，{counted}（{where}）",
        "o2o": "门店 {store}：{area_m2} 平方米，考核期内租赁 {lease_days_in_period} 天（考核期 {period_days} 天）"
               " → {m2_years} 平方米·年，{counted}（{where}）",
        "sessions": "培训期次", "stores": "门店", "counted": "计入", "not_counted": "不计入：{why}",
        "on_list": "在“一带一路”名单内", "off_list": "不在“一带一路”名单内", "none": "无", "unknown": "不详",
    },
    "en": {
        "1A": "{new_b2c_stores} new B2C store(s); the one with most orders, {store}: {store_orders} orders",
        "1B": "{new_b2b_stores} new B2B store(s): {stores}; on mainstream platforms: {platforms}",
        "3": "{rows_in_period} row(s) in the period, {rows_counted} counted",
        "6": "{clients_joined_in_period} client(s) joined in the period, {qualifying_clients} of them with an annual "
             "amount ≥ USD {min_client}",
        "8": "park {park_name}; its tier is the lower of the two: tier {tier}",
        "9B": "operating since {operating_since}, one year on {one_year_on}, period end {period_end}",
        "9C": "country {country}: {on_list}",
        "10": "approved on {approved_on}",
        "session": "session {session}: {trainees} trainees × {day_equivalents} days, {counted} ({where})",
        "o2o": "store {store}: {area_m2} m², {lease_days_in_period} lease days in the period ({period_days} days)"
               " → {m2_years} m²·years, {counted} ({where})",
        "sessions": "sessions", "stores": "stores", "counted": "counted", "not_counted": "not counted: {why}",
        "on_list": "on the Belt and Road list", "off_list": "not on the Belt and Road list", "none": "none",
        "unknown": "unknown",
    },
}


def facts(record: dict[str, Any], lang: str) -> list[tuple[str, list[str]]]:
    """What the clause module found besides the measure: (text, sub-lines) pairs, e.g. item 5's sessions."""
    item, d = record["item"], record.get("detail") or {}
    f = FACTS[lang]
    sep = "、" if lang == "zh" else ", "
    try:
        if item == "1A" and "store" in d:
            return [(f["1A"].format(**d), [])]
        if item == "1B":
            return [(f["1B"].format(new_b2b_stores=d.get("new_b2b_stores", 0), stores=sep.join(d.get("stores", [])),
                                    platforms=sep.join(d.get("mainstream_platforms", [])) or f["none"]), [])]
        if item in ("3A", "3B"):
            return [(f["3"].format(**d), [])]
        if item == "6":
            return [(f["6"].format(min_client=L.number(d.get("min_client_usd", "0")), **d), [])]
        if item == "8":
            return [(f["8"].format(park_name=d.get("park_name", ""), tier=d.get("tier", 0)), [])]
        if item == "9B":
            unknown = f["unknown"]
            return [(f["9B"].format(operating_since=d.get("operating_since") or unknown,
                                    one_year_on=d.get("one_year_on") or unknown, period_end=d.get("period_end")), [])]
        if item == "9C":
            return [(f["9C"].format(country=d.get("country", ""),
                                    on_list=f["on_list"] if d.get("belt_and_road") else f["off_list"]), [])]
        if item in ("10A", "10B"):
            return [(f["10"].format(approved_on=d.get("approved_on", "")), [])]
        if item in ("5", "7"):
            key, template = ("sessions", "session") if item == "5" else ("stores", "o2o")
            subs = []
            for entry in d.get(key, []):
                counted = f["counted"] if entry.get("counted") else f["not_counted"].format(
                    why=L.reasons(entry.get("why_not", []), lang))
                where = _w(lang, "row_of", file=entry.get("file", ""), row=entry.get("row", ""))
                values = {k: (L.number(v) if k in ("area_m2", "m2_years", "day_equivalents") else v)
                          for k, v in entry.items()}
                subs.append(f[template].format(**(values | {"counted": counted, "where": where,
                                                            "period_days": d.get("period_days", "")})))
            return [(f[key], subs)] if subs else []
    except (KeyError, ValueError, TypeError):  # a detail shaped by another version: show nothing rather than fail
        return []
    return []
