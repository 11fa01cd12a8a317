"""Clause 十 (kqcalc/items/c10_universities.py): items 10A (a new major approved in the period, in the unified
admission plan, enrolling ≥ 30 a year → 300,000 RMB) and 10B (a new college approved in the period with ≥ 800
students → 800,000 RMB), once per program; universities need only be registered in the zone.

对经教育部门批准新设置跨境电商专业（方向）并纳入高等院校统一招生计划且每年招生人数不低于30人的区内高校，一次性给予30万元
资金扶持。对新设立实体跨境电商学院（分院）且在院（分院）人数不少于800人的区内高校，一次性给予80万元资金扶持。"""

from __future__ import annotations

from clause_kit import FINAL_COLUMNS, FIRM, cleaned, final, finals, firms, gross, lines, table, want
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c10_universities

U2, U3 = credit_code(52), credit_code(53)
COLUMNS = ("university_id", "program_id", "kind", "approved_on", "in_admission_plan", "enrollment")


def _programs(*rows: tuple[str, ...]) -> dict[str, list[str]]:
    return table(COLUMNS, *rows)


def test_clause_10_pays_a_new_major_in_the_admission_plan_with_30_a_year() -> None:
    _, ctx = cleaned(university_programs=_programs(
        (FIRM, "M1", "专业", "2020-09-01", "是", "30"), (FIRM, "M2", "专业", "2020-09-01", "否", "45"),
        (FIRM, "C1", "学院", "2021-03-01", "", "799")))
    assert_frame_equal(lines(gross(c10_universities, ctx)), want([
        (FIRM, "10A", "M1", "30", "students", "300000", None, ""),  # exactly 30 a year: met
        (FIRM, "10A", "M2", "45", "students", "0", None, "not_in_admission_plan"),
        (FIRM, "10B", "C1", "799", "students", "0", None, "below_threshold")]))  # 799 < 800 students


def test_clause_10_counts_programs_approved_in_the_period_at_their_thresholds() -> None:
    _, ctx = cleaned(university_programs=_programs(
        (FIRM, "M1", "专业", "2020-07-01", "是", "29"),  # the period's first day; one student short of 30
        (FIRM, "M2", "专业", "2021-06-30", "是", "30"),  # the period's last day
        (FIRM, "M3", "专业", "2020-06-30", "是", "100"),  # the day before the period: no line
        (FIRM, "C1", "学院", "2021-01-01", "", "800"),  # exactly 800 students
        (FIRM, "C2", "学院", "2021-07-01", "", "900"),  # the day after the period: no line
        (FIRM, "C3", "学院", "2020-09-01", "否", "800")))  # the admission plan is a condition of majors only
    assert_frame_equal(lines(gross(c10_universities, ctx)), want([
        (FIRM, "10A", "M1", "29", "students", "0", None, "below_threshold"),
        (FIRM, "10A", "M2", "30", "students", "300000", None, ""),
        (FIRM, "10B", "C1", "800", "students", "800000", None, ""),
        (FIRM, "10B", "C3", "800", "students", "800000", None, "")]))


def test_clause_10_universities_need_only_be_registered_in_the_zone() -> None:
    _, ctx = cleaned(
        firms=firms(U2, U3, independent_accounting={U2: "否"}, independent_tax={U2: "否"}, in_zone={U3: "否"}),
        university_programs=_programs((U2, "M1", "专业", "2020-09-01", "是", "30"),
                                      (U3, "C1", "学院", "2020-09-01", "", "800")))
    # U2 keeps neither its own accounts nor its own taxes, but is in the zone: paid (general.in_zone_only_items).
    # U3 is not registered in the zone: ineligible.
    assert_frame_equal(finals(final(gross(c10_universities, ctx), ctx)), want([
        (U2, "10A", "M1", "300000", "300000.00", "awarded", ""),
        (U3, "10B", "C1", "800000", "0.00", "ineligible", "not_in_zone")], FINAL_COLUMNS))
