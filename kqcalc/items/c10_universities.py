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
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, exact, json_fields, json_text, kept, present, tier_detail_fields

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


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """One line per major (10A) or college (10B) approved in the period: its enrollment against the floor."""
    programs = kept(ctx.tables["university_programs"], ROWS["university_programs"], ctx.period)
    value = L.VALUE  # made when first used
    out = []
    for item, kind, floor_key in _KINDS:
        floor = ctx.param(item, floor_key)
        reasons = present(pl.concat_list(
            pl.when(~pl.col("in_admission_plan").fill_null(False)).then(pl.lit("not_in_admission_plan"))
            if item == "10A" else pl.lit(None, pl.String),
            pl.when(pl.col("enrollment") < floor).then(pl.lit("below_threshold"))))
        source = pl.struct(pl.col("_file").alias("file"), pl.col("_row").alias("row"))
        detail = json_fields({**tier_detail_fields("measure", [Decimal(floor)], "students"),
                              "approved_on": json_text(pl.col("approved_on").dt.to_string("%Y-%m-%d")),
                              "source": json_text(source)})
        out.append(programs.lazy().filter(pl.col("kind") == kind).sort("university_id", "program_id__key").with_columns(
            pl.col("enrollment").cast(value).alias("measure"), pl.lit(False).alias("measure_inexact"),
            reasons.alias("reasons"),
        ).select(
            pl.col("university_id").alias("firm_id"), pl.lit(item).alias("item"), pl.col("program_id").alias("ref"),
            "measure", "measure_inexact", pl.lit("students").alias("unit"),
            pl.when(pl.col("reasons").list.len() == 0).then(pl.lit(exact(ctx.param(item, "amount_rmb"))))
            .otherwise(pl.lit(0)).cast(value).alias("gross"),
            pl.lit(False).alias("gross_inexact"), pl.lit(None, value).alias("cap"), "reasons", detail.alias("detail")))
    return pl.concat(pl.collect_all(out))


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
