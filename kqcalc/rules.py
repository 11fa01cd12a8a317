"""The general rules of the policy, applied in SPEC order to every gross line.

特别重大的跨境电商平台和龙头骨干企业引进，按一事一议给予支持，一事一议项目不再重复享受以上相关政策。除第九条外，同一企业、
同一项目从高不重复享受国家、省、市、区各类政策奖金扶持。上述享受政策的企业是指在中国（绍兴）跨境电子商务综合试验区柯桥园区
内注册登记，独立进行财务核算、独立进行纳税申报的法人企业（不包括物流企业）。……对存在偷税、侵权、假冒、违章建设等行为而
受到处罚的企业……不予享受本政策优惠。

1. cap (on exact values)   2. eligibility   3. one-time items (item 8 topped up)   4. 从高不重复
5. adjustments   6. funding — then one rounding to the fen.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from kqcalc.issues import Issue, issue
from kqcalc.items import REQUIRES_PAID
from kqcalc.lines import Context, Deduction, LeftOut, Line, exact, kept, plain, round_fen
from kqcalc.text import norm_key

NOT_MET, INELIGIBLE, ALREADY, SUPERSEDED, TOPPED_UP, ADJUSTED, AWARDED = (
    "not_met", "ineligible", "already_awarded", "superseded", "topped_up", "adjusted", "awarded")


# The rows of the general rules' own table (as the clauses declare theirs: items/__init__.py): a negative record
# dated outside the period does not disqualify; one whose date could not be read does (fail closed).
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "negative_records": (LeftOut("outside_period", lambda period: (~period.contains("occurred_on")).fill_null(False)),),
}


@dataclass
class Registry:
    """What the firms table and negative records say about each firm."""

    firms: dict[str, dict]
    conflicting: set[str]
    negative: dict[str, list[dict]] = field(default_factory=dict)  # firm -> disqualifying records

    def name(self, firm_id: str) -> str:
        return self.firms.get(firm_id, {}).get("firm_name", "") or ""


def build_registry(ctx: Context, conflicting: set[str]) -> Registry:
    firms = {row["firm_id"]: row for row in ctx.tables["firms"].iter_rows(named=True)}
    records = ctx.tables["negative_records"]
    disqualifying = kept(records, ROWS["negative_records"], ctx.period)
    negative: dict[str, list[dict]] = defaultdict(list)
    for row in disqualifying.sort("firm_id", "_file", "_row").iter_rows(named=True):
        negative[row["firm_id"]].append({
            "category": row["category"], "occurred_on": row["occurred_on"].isoformat() if row["occurred_on"] else None,
            "file": row["_file"], "row": row["_row"]})
    return Registry(firms, conflicting, dict(negative))


def eligibility_reasons(line: Line, reg: Registry, ctx: Context) -> list[str]:
    """Rule 2, reasons in a fixed order; empty when eligible."""
    return _Eligibility(ctx).reasons(line, reg)


class _Eligibility:
    """Rule 2 with the policy's item lists looked up once per run, not once per line."""

    def __init__(self, ctx: Context) -> None:
        general = ctx.policy
        self.exempt = general.items_in("registry_exempt_items")
        self.zone_only = general.items_in("in_zone_only_items")
        self.logistics_only = general.items_in("logistics_only_items")

    def reasons(self, line: Line, reg: Registry) -> list[str]:
        return _eligibility_reasons(line, reg, self.exempt, self.zone_only, self.logistics_only)


def _eligibility_reasons(line: Line, reg: Registry, exempt: frozenset[str], zone_only: frozenset[str],
                         logistics_only: frozenset[str]) -> list[str]:
    if line.firm_id in reg.conflicting:
        return ["data_error"]  # its registry rows disagree: nothing about it can be trusted
    firm = reg.firms.get(line.firm_id)
    if firm is None:
        return ["not_in_firms"]
    reasons = []
    if line.item not in exempt:
        if not firm["in_zone"]:
            reasons.append("not_in_zone")
        if line.item not in zone_only:
            if not firm["independent_accounting"]:
                reasons.append("not_independent_accounting")
            if not firm["independent_tax"]:
                reasons.append("not_independent_tax")
    if line.item in logistics_only:
        if not firm["is_logistics"]:
            reasons.append("not_logistics_firm")
    elif firm["is_logistics"]:
        reasons.append("logistics_firm")
    if firm["case_by_case"]:
        reasons.append("case_by_case")
    if line.firm_id in reg.negative:
        reasons.append("negative_record")
    return reasons


UNKNOWN = Decimal("Infinity")  # an award whose amount could not be read: it takes the whole line (fail closed)


def _sum_by_key(frame: pl.DataFrame, amount: str) -> dict[tuple[str, str, str], Decimal]:
    out: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for firm_id, item, ref, value in frame.select("firm_id", "item", "ref", amount).iter_rows():
        out[(firm_id, item, norm_key(ref or ""))] += UNKNOWN if value is None else exact(value)
    return dict(out)


def _rmb(value: Decimal) -> str:
    return "an amount that could not be read" if value.is_infinite() else plain(value, 2)


def apply_rules(lines: list[Line], ctx: Context, reg: Registry) -> list[Issue]:
    """Rules 1–6 on every line, in place; returns the issues the rules found (bad adjustments)."""
    policy = ctx.policy
    one_time = policy.items_in("one_time_items")
    top_up_once = policy.items_in("top_up_one_time_items")
    highest_exempt = policy.items_in("highest_only_exempt_items")
    prior = _sum_by_key(ctx.tables["prior_awards"], "amount_rmb")
    prior_by_item: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (firm_id, item, _), value in prior.items():
        prior_by_item[(firm_id, item)] += value
    others = _sum_by_key(ctx.tables["other_awards"], "amount_rmb")

    def key(line: Line) -> tuple[str, str, str]:
        return (line.firm_id, line.item, norm_key(line.ref) if line.ref else "")

    eligibility = _Eligibility(ctx)
    funding = {item: policy.funding(item) for item in {line.item for line in lines}}
    # Rules 1–3 for every line. An item that requires another item's line (same firm and ref) paid in this run
    # (a clause's REQUIRES_PAID: 9C on its warehouse's 9A or 9B) goes after the others and is met only then.
    required = {code for needed, _ in REQUIRES_PAID.values() for code in needed}
    ordered = sorted(lines, key=lambda ln: ln.item in REQUIRES_PAID)
    paid: set[tuple[str, str, str]] = set()  # (item, firm, ref) of the required items' paid lines
    for line in ordered:
        need = REQUIRES_PAID.get(line.item)
        if need and line.gross > 0 and not any((code, line.firm_id, norm_key(line.ref)) in paid for code in need[0]):
            line.reasons.append(need[1])
            line.gross = Decimal(0)
        line.capped = line.gross if line.cap is None else min(line.gross, line.cap)
        amount = line.capped
        line.funding = funding[line.item]
        if amount == 0:
            line.status = NOT_MET
        why = eligibility.reasons(line, reg)
        if why:
            line.rule_reasons += why
            line.deductions.append(Deduction("eligibility", amount, why[0], ";".join(why)))
            amount = Decimal(0)
            line.status = line.status or INELIGIBLE
        line_key = key(line)
        if line.item in one_time and line_key in prior:
            line.rule_reasons.append("prior_award")
            line.deductions.append(Deduction("one_time", amount, "prior_award",
                                             f"paid {_rmb(prior[line_key])} in an earlier period"))
            amount = Decimal(0)
            line.status = line.status or ALREADY
        elif line.item in top_up_once and (line.firm_id, line.item) in prior_by_item:
            earlier = prior_by_item[(line.firm_id, line.item)]
            taken = min(amount, earlier)
            line.rule_reasons.append("prior_award")
            line.deductions.append(Deduction("one_time", taken, "prior_award",
                                             f"paid {_rmb(earlier)} for an earlier tier"))
            amount -= taken
            if amount == 0:
                line.status = line.status or ALREADY
        if line.item in required and amount > 0:
            paid.add((line.item, line.firm_id, norm_key(line.ref)))
        # Rule 4: 从高不重复 (not for clause 九).
        if line.item not in highest_exempt and others.get(line_key, 0) > 0:
            other = others[line_key]
            taken = amount if policy.highest_only_mode == "exclusive" else min(amount, other)
            line.rule_reasons.append("other_level_award")
            line.deductions.append(Deduction("highest_only", taken, "other_level_award",
                                             f"{_rmb(other)} under other policies"))
            amount -= taken
            if not line.status:
                line.status = SUPERSEDED if amount == 0 else TOPPED_UP
        line.after_rules = amount
        line.award = round_fen(amount)
    return _apply_adjustments(lines, ctx)


def _apply_adjustments(lines: list[Line], ctx: Context) -> list[Issue]:
    """Rule 5: an adjustment sets a paid line's award to a value between 0 and its amount after rule 4."""
    issues = []
    frame = ctx.tables["adjustments"]
    by_key = {(ln.firm_id, ln.item, norm_key(ln.ref) if ln.ref else ""): ln for ln in lines} if frame.height else {}
    for row in frame.sort("_file", "_row").iter_rows(named=True):
        k = (row["firm_id"], row["item"], norm_key(row["ref"] or ""))
        line = by_key.get(k)
        value = round_fen(exact(row["award_rmb"]))
        where = {"firm_id": row["firm_id"], "item": row["item"], "ref": f" {row['ref']}" if row["ref"] else ""}
        problem: tuple[str, dict[str, object]] | None = None
        if line is None:
            problem = ("adjustment_without_line", where)
        elif line.award == 0:
            problem = ("adjustment_on_unpaid_line", {**where, "status": line.status})
        elif value > line.award:
            problem = ("adjustment_above_amount", {"amount": value, "award": line.award})
        if problem:
            column = ctx.header(row["_file"], "award_rmb") if problem[0] == "adjustment_above_amount" else ""
            issues.append(issue("adjustments", row["_file"], row["_row"], column, problem[0], **problem[1]))
            continue
        assert line is not None
        line.deductions.append(Deduction("adjustment", exact(line.award) - exact(value), "adjusted", row["reason"]))
        line.rule_reasons.append("adjusted")
        line.award = value
        if not line.status:
            line.status = ADJUSTED
    for line in lines:
        line.status = line.status or AWARDED
    return issues


def reason_text(line: Line) -> str:
    """Stable reason codes in rule order: why the clause was not met, then the general rules that bit."""
    seen: list[str] = []
    for code in [*line.reasons, *line.rule_reasons]:
        if code not in seen:
            seen.append(code)
    return ";".join(seen)


def total(lines: list[Line]) -> Decimal:
    return sum((ln.award for ln in lines), Decimal("0.00"))
