"""Clause 五 (kqcalc/items/c05_training.py): item 5, recognized sessions of ≥ 3 days or ≥ 24 class hours with
≥ 15 trainees → 100 RMB per trainee-day (8 class hours = a day; days and hours both given: the smaller), cap 240,000
per institution; a session counts in the period it starts.

支持社会培训机构（含高校）开设跨境电商培训项目，每期培训不少于3天或24个课时，且每班不少于15人，培训项目经区商务局认定后，
按照100元/人·天（或8课时）的标准给予扶持，每个培训机构扶持资金不超过24万元。"""

from __future__ import annotations

from clause_kit import FINAL_COLUMNS, FIRM, cleaned, final, finals, firms, gross, lines, table, want
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c05_training

F3, F4 = credit_code(3), credit_code(4)
COLUMNS = ("institution_id", "session_id", "started_on", "days", "class_hours", "trainees", "recognized")


def _sessions(*rows: tuple[str, ...]) -> dict[str, list[str]]:
    return table(COLUMNS, *rows)


def test_clause_5_pays_100_rmb_per_trainee_day_with_8_class_hours_a_day() -> None:
    _, ctx = cleaned(trainings=_sessions(
        (FIRM, "T1", "2020-09-01", "", "40", "20", "是"), (FIRM, "T2", "2020-10-01", "3", "16", "15", "是"),
        (FIRM, "T3", "2020-11-01", "5", "", "14", "是"), (FIRM, "T4", "2020-06-01", "5", "", "50", "是")))
    (line,) = gross(c05_training, ctx)
    # T1: 40 class hours = 5 days × 20 trainees = 100 person-days; T2: 3 days (long enough), 16 hours = 2 days,
    # the smaller counts: 2 × 15 = 30; T3: 14 trainees < 15; T4 starts before the period (left out by ROWS).
    # 130 person-days × 100 RMB = 13,000 RMB, cap 240,000.
    assert_frame_equal(lines([line]), want([(FIRM, "5", "", "130", "person-days", "13000", "240000", "")]))
    assert [(s["session"], s["counted"], s["why_not"]) for s in line.detail["sessions"]] == [
        ("T1", True, []), ("T2", True, []), ("T3", False, ["too_few_trainees"])]


def test_clause_5_a_session_lasts_3_days_or_24_class_hours_and_has_15_trainees_at_least() -> None:
    _, ctx = cleaned(trainings=_sessions(
        (FIRM, "T1", "2020-09-01", "3", "", "15", "是"),  # exactly 3 days, exactly 15: 3 × 15 = 45
        (FIRM, "T2", "2020-09-02", "", "24", "15", "是"),  # exactly 24 hours = 3 days: 45
        (FIRM, "T3", "2020-09-03", "", "23", "20", "是"),  # 23 hours, no days: too short
        (FIRM, "T4", "2020-09-04", "2.5", "", "20", "是"),  # 2.5 days, no hours: too short
        (FIRM, "T5", "2020-09-05", "2", "24", "16", "是"),  # 24 hours make it long enough; min(2, 3) = 2 × 16 = 32
        (FIRM, "T6", "2020-09-06", "5", "", "14", "是"),  # 14 trainees
        (FIRM, "T7", "2020-09-07", "5", "", "20", "否")))  # not recognized by the bureau
    (line,) = gross(c05_training, ctx)
    # 45 + 45 + 32 = 122 person-days × 100 RMB = 12,200 RMB
    assert_frame_equal(lines([line]), want([(FIRM, "5", "", "122", "person-days", "12200", "240000", "")]))
    assert [(s["session"], s["day_equivalents"], s["counted"], s["why_not"]) for s in line.detail["sessions"]] == [
        ("T1", "3", True, []), ("T2", "3", True, []), ("T3", "2.875", False, ["too_short"]),
        ("T4", "2.5", False, ["too_short"]), ("T5", "2", True, []), ("T6", "5", False, ["too_few_trainees"]),
        ("T7", "5", False, ["not_recognized"])]


def test_clause_5_counts_sessions_that_start_in_the_period_and_caps_at_240_000_rmb() -> None:
    _, ctx = cleaned(firms=firms(FIRM, F3, F4, in_zone={F3: "否"}), trainings=_sessions(
        (FIRM, "T1", "2021-06-30", "49", "", "50", "是"),  # starts on the last day
        (FIRM, "T2", "2021-07-01", "5", "", "50", "是"),  # starts the day after: left out
        (F3, "T3", "2020-07-01", "3", "", "15", "是"),  # starts on the first day
        (F4, "T4", "2020-06-30", "3", "", "15", "是")))  # starts the day before: F4 has no line
    got = final(gross(c05_training, ctx), ctx)
    # FIRM: 50 trainees × 49 days = 2,450 person-days × 100 = 245,000 RMB → capped at 240,000.
    # F3: 15 × 3 = 45 person-days → 4,500 RMB; F3 is not registered in the zone, but item 5's institutions need
    # not pass the registry test (general.registry_exempt_items).
    assert_frame_equal(lines(got), want([(FIRM, "5", "", "2450", "person-days", "245000", "240000", ""),
                                         (F3, "5", "", "45", "person-days", "4500", "240000", "")]))
    assert_frame_equal(finals(got), want([(FIRM, "5", "", "240000", "240000.00", "awarded", ""),
                                          (F3, "5", "", "4500", "4500.00", "awarded", "")], FINAL_COLUMNS))


def test_clause_5_an_institution_with_no_session_counted_gets_a_line_of_0_with_every_reason() -> None:
    _, ctx = cleaned(trainings=_sessions((FIRM, "T1", "2020-09-01", "2", "", "10", "否")))
    # not recognized, 2 days (< 3, no hours), 10 trainees (< 15): 0 person-days, the reasons in the clause's order
    assert_frame_equal(lines(gross(c05_training, ctx)), want([
        (FIRM, "5", "", "0", "person-days", "0", "240000", "not_recognized;too_short;too_few_trainees")]))
