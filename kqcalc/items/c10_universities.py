"""Clause 十 — items 10A (new cross-border e-commerce major) and 10B (new cross-border e-commerce college).

十、支持高等院校开展跨境电商专业教育。对经教育部门批准新设置跨境电商专业（方向）并纳入高等院校统一招生计划且每年招生
人数不低于30人的区内高校，一次性给予30万元资金扶持。对新设立实体跨境电商学院（分院）且在院（分院）人数不少于800人的
区内高校，一次性给予80万元资金扶持。

10A: a major approved in the period, in the unified admission plan, with yearly enrolment at least the minimum →
a fixed sum once per program. 10B: a college approved in the period with at least the minimum students → a fixed
sum once per program. Universities need only be registered in the zone (rules.py).
"""

from __future__ import annotations

from decimal import Decimal

from kqcalc import words as W
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, Line, exact, kept, tier_detail

ITEMS = ("10A", "10B")

# The policy numbers each item reads (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {
    "10A": {"min_enrollment": int, "amount_rmb": Decimal},
    "10B": {"min_students": int, "amount_rmb": Decimal},
}

# The rows read, and those left out (the manifest's excluded-by-rule counts and explain's reasons come from this
# declaration): programs approved outside the period.
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "university_programs": (LeftOut("outside_period", lambda period: ~period.contains("approved_on")),),
}

_KINDS = (("10A", "major", "min_enrollment"), ("10B", "college", "min_students"))


def lines(ctx: Context) -> list[Line]:
    programs = kept(ctx.tables["university_programs"], ROWS["university_programs"], ctx.period)
    out = []
    for item, kind, floor_key in _KINDS:
        floor = ctx.param(item, floor_key)
        amount = exact(ctx.param(item, "amount_rmb"))
        for row in programs.filter(pl.col("kind") == kind).sort("university_id", "program_id__key").iter_rows(
            named=True
        ):
            reasons = []
            if item == "10A" and not row["in_admission_plan"]:
                reasons.append("not_in_admission_plan")
            if row["enrollment"] < floor:
                reasons.append("below_threshold")
            detail = tier_detail(Decimal(row["enrollment"]), [Decimal(floor)], "students") | {
                "approved_on": row["approved_on"].isoformat(), "source": {"file": row["_file"], "row": row["_row"]}}
            out.append(Line(row["university_id"], item, row["program_id"], Decimal(row["enrollment"]), "students",
                            Decimal(0) if reasons else amount, reasons=reasons, detail=detail))
    return out


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS = {"zh": {("10A", ""): "每年招生人数", ("10B", ""): "在院人数"},
              "en": {("10A", ""): "yearly enrolment", ("10B", ""): "students"}}

FACTS = {"zh": "批准日期 {approved_on}", "en": "approved on {approved_on}"}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'50,000 元（一次性）'."""
    return W.once(p["amount_rmb"], lang)


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """The date the program was approved."""
    return [(FACTS[lang].format(approved_on=(record.get("detail") or {}).get("approved_on", "")), [])]
