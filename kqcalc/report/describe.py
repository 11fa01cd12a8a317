"""One award line in words: the rule applied, the thresholds reached and the next one, where the measure came from.

Works on the stored line record (kqcalc.record.LineRecord as plain data: what `results.json` holds), so that
report.xlsx and `kqcalc explain` say exactly the same thing. It only reads what the rules decided and what the
clause modules put in `detail`; it never decides anything. Light on purpose (no Polars).

The general machinery is here; each clause's own words are at the end of its module (kqcalc/items/cNN_*.py,
the "words" block), found through `kqcalc.items.CLAUSES` by the items the clause declares (ITEMS). Every clause
declares the same names there:
  CONDITIONS     lang -> (item, detail key, "" for the line's own tier detail) -> the label of a threshold;
  rule_text(record, params, lang)  the clause's formula with the policy's numbers (params: policy.items[item]);
  facts(record, lang)              what the clause found besides the measure: (text, sub-lines) pairs;
and, where it needs them: more_conditions(record) (conditions not stored as tier details: 1A's store orders) and
rule_key(record) (what the rule text depends on besides the item, e.g. the tier: report.xlsx writes each rule
text once per key).

Threshold conditions come from the `tier_detail_fields` shapes in a line's detail ("thresholds", "tier", "reached",
"next", "distance"). The items that have them — those with CONDITIONS — are the items the near-miss sheet covers;
the others have rates, caps, dates and flags but no threshold to come near.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc import words as L
from kqcalc.items import CLAUSES

NEAR_MISS_SHARE = Decimal("0.10")  # "within 10 % below a threshold or tier"

WORDS = L.DESCRIBE

# item -> its clause module (the words block at its end)
_CLAUSE_OF = {item: clause for clause in CLAUSES for item in clause.ITEMS}

# The items with threshold conditions: the near-miss sheet covers these only.
THRESHOLD_ITEMS = frozenset(item for clause in CLAUSES for item, _ in clause.CONDITIONS["en"])


def _w(lang: str, key: str, **kw: Any) -> str:
    return WORDS[lang][key].format(**kw)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


# --- thresholds -------------------------------------------------------------------------------------------


def conditions(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The line's threshold conditions, each with the measure (when known), the tier reached and the next one.

    measure: the detail's own "measure" (kqcalc.lines.tier_detail_fields stores it); in a detail written before it
    did, the line's measure for its own tier detail, for a nested one next − distance (when below the top).
    """
    item, detail = record["item"], record.get("detail") or {}
    found: list[tuple[str, dict[str, Any], str | None]] = []
    if "thresholds" in detail:
        found.append(("", detail, record["measure"]))
    for key, value in detail.items():
        if isinstance(value, dict) and "thresholds" in value:
            found.append((key, value, None))
    more = getattr(_CLAUSE_OF.get(item), "more_conditions", None)
    if more is not None:
        found += more(record)
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
    clause = _CLAUSE_OF.get(item)
    return (clause.CONDITIONS[lang] if clause else {}).get((item, key), key or item)


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
    (kqcalc.compact.sample_rows_json); the count of all of them is in `sources`."""
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


def rule_text(record: dict[str, Any], policy: Any, lang: str) -> str:
    """The clause's formula with the policy's numbers, e.g. '0.03 元/美元 × 美元，上限 1,500,000 元'."""
    item = record["item"]
    clause = _CLAUSE_OF.get(item)
    return clause.rule_text(record, policy.items[item], lang) if clause else ""


def rule_key(record: dict[str, Any]) -> tuple[str, str]:
    """Lines with equal keys have the same rule text: the item and what the clause's rule text reads besides."""
    item = record["item"]
    key = getattr(_CLAUSE_OF.get(item), "rule_key", None)
    return item, key(record) if key is not None else ""


def cap_text(record: dict[str, Any], lang: str) -> str:
    cap = record.get("cap_rmb")
    return _w(lang, "cap", cap=L.money(cap)) if cap is not None else _w(lang, "no_cap")


def deductions(record: dict[str, Any]) -> dict[str, Decimal]:
    """Amount taken off by each rule (eligibility, one_time, highest_only, adjustment), 0 when none."""
    out = {rule: Decimal("0.00") for rule in L.DEDUCTION_RULES}
    for d in record.get("deductions", []):
        out[d["rule"]] = out.get(d["rule"], Decimal("0.00")) + _d(d["amount_rmb"])
    return out


# --- item-specific facts ------------------------------------------------------------------------------------------


def facts(record: dict[str, Any], lang: str) -> list[tuple[str, list[str]]]:
    """What the clause module found besides the measure: (text, sub-lines) pairs, e.g. item 5's sessions."""
    clause = _CLAUSE_OF.get(record["item"])
    if clause is None:
        return []
    try:
        return clause.facts(record, lang)
    except (KeyError, ValueError, TypeError):  # a detail shaped by another version: show nothing rather than fail
        return []
