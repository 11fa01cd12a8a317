"""Clause 七 (kqcalc/items/c07_o2o_stores.py): item 7, recognized import O2O stores of ≥ 300 m² → 300 RMB per m² per
year × m² × (lease days inside the period ÷ days in the period), summed per firm, cap 200,000.

对经认定开设进口跨境电商O2O线下体验店，营业面积达到300平方米以上的，按当年实际租赁期给予300元/平方米·年的补助，单个企业
最高不超过20万元。"""

from __future__ import annotations

from datetime import date

from clause_kit import FINAL_COLUMNS, FIRM, cleaned, final, finals, firms, gross, lines, table, want
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c07_o2o_stores
from kqcalc.lines import Period

F3, F4, F5 = credit_code(3), credit_code(4), credit_code(5)
COLUMNS = ("firm_id", "store_id", "area_m2", "lease_start", "lease_end", "recognized")


def _stores(*rows: tuple[str, ...]) -> dict[str, list[str]]:
    return table(COLUMNS, *rows)


def _days(line) -> list[tuple[str, int, bool, list[str]]]:
    return [(s["store"], s["lease_days_in_period"], s["counted"], s["why_not"]) for s in line.detail["stores"]]


def test_clause_7_pays_300_rmb_per_m2_year_for_the_lease_days_in_the_period() -> None:
    _, ctx = cleaned(o2o_stores=_stores(
        (FIRM, "S1", "400", "2020-01-01", "2020-12-31", "是"), (FIRM, "S2", "200", "2020-07-01", "2021-06-30", "是"),
        (FIRM, "S3", "500", "2019-01-01", "2019-12-31", "是")))
    (line,) = final(gross(c07_o2o_stores, ctx), ctx)
    # S1: 400 m² leased 2020-07-01 … 2020-12-31 inside the period = 184 days → 400 × 184 / 365 = 201.643835… m²-years;
    # × 300 RMB = 22,080,000 / 365 = 60,493.150684… → award 60,493.15. S2 is below 300 m²; S3's lease lies
    # outside the period (left out by the clause's ROWS, so it has no entry).
    assert_frame_equal(lines([line], places=6), want([
        (FIRM, "7", "", "201.643836", "m2-years", "60493.150685", "200000", "")]))
    assert_frame_equal(finals([line], places=6), want([(FIRM, "7", "", "60493.150685", "60493.15", "awarded", "")],
                                                      FINAL_COLUMNS))
    assert _days(line) == [("S1", 184, True, []), ("S2", 365, False, ["below_area"])]


def test_clause_7_counts_stores_of_300_m2_and_more_that_are_recognized() -> None:
    _, ctx = cleaned(firms=firms(FIRM, F3), o2o_stores=_stores(
        (FIRM, "A", "300", "2020-07-01", "2021-06-30", "是"), (FIRM, "B", "299.99", "2020-07-01", "2021-06-30", "是"),
        (FIRM, "C", "500", "2020-07-01", "2021-06-30", "否"), (F3, "D", "299.99", "2020-07-01", "2021-06-30", "是")))
    # FIRM: A, exactly 300 m² for the whole period: 300 × 365 / 365 = 300 m²-years × 300 = 90,000 RMB; B is one
    # hundredth of a m² short; C is not recognized. F3: its only store is too small → a line of 0.
    assert_frame_equal(lines(gross(c07_o2o_stores, ctx)), want([
        (FIRM, "7", "", "300", "m2-years", "90000", "200000", ""),
        (F3, "7", "", "0", "m2-years", "0", "200000", "below_area")]))


def test_clause_7_divides_by_the_366_days_of_a_leap_year_period() -> None:
    leap = Period(date(2019, 7, 1), date(2020, 6, 30))  # holds 2020-02-29: 366 days
    _, ctx = cleaned(leap, firms=firms(FIRM, F3), o2o_stores=_stores(
        (FIRM, "S1", "400", "2019-01-01", "2021-12-31", "是"), (F3, "S2", "366", "2020-02-01", "2020-02-29", "是")))
    got = gross(c07_o2o_stores, ctx)
    # FIRM: a lease over the whole period: 366 of 366 days → 400 m²-years × 300 = 120,000 RMB.
    # F3: February 2020 has 29 days → 366 m² × 29 / 366 = 29 m²-years × 300 = 8,700 RMB.
    assert_frame_equal(lines(got), want([(FIRM, "7", "", "400", "m2-years", "120000", "200000", ""),
                                         (F3, "7", "", "29", "m2-years", "8700", "200000", "")]))
    assert [(ln.detail["period_days"], *_days(ln)) for ln in got] == [(366, ("S1", 366, True, [])),
                                                                      (366, ("S2", 29, True, []))]


def test_clause_7_divides_by_the_365_days_of_the_default_period_february_2021_has_28() -> None:
    _, ctx = cleaned(firms=firms(F4, F5), o2o_stores=_stores(
        (F4, "S3", "365", "2021-02-01", "2021-02-28", "是"), (F5, "S4", "366", "2020-02-01", "2020-02-29", "是")))
    (line,) = gross(c07_o2o_stores, ctx)
    # F4: 365 m² × 28 / 365 = 28 m²-years × 300 = 8,400 RMB. F5: February 2020 lies before the period (no line).
    assert_frame_equal(lines([line]), want([(F4, "7", "", "28", "m2-years", "8400", "200000", "")]))
    assert (line.detail["period_days"], *_days(line)) == (365, ("S3", 28, True, []))


def test_clause_7_counts_one_day_at_each_end_of_the_period_and_caps_at_200_000_rmb_per_firm() -> None:
    _, ctx = cleaned(firms=firms(FIRM, F3, F4), o2o_stores=_stores(
        (FIRM, "S1", "700", "2020-07-01", "2021-06-30", "是"), (FIRM, "S2", "300", "2021-06-30", "2022-06-30", "是"),
        (F3, "S3", "300", "2019-07-01", "2020-07-01", "是"), (F4, "S4", "300", "2019-01-01", "2020-06-30", "是")))
    got = final(gross(c07_o2o_stores, ctx), ctx)
    # FIRM: S1 700 m² all year = 700 m²-years (210,000 RMB) + S2 leased from the period's last day: 1 day →
    # 300 / 365 = 0.821917808… m²-years (90,000 / 365 = 246.575342… RMB): 700.821918 m²-years, 210,246.575342 RMB
    # summed for the firm → capped at 200,000.
    # F3: S3's lease ends on the period's first day: 1 day → 246.575342… RMB → award 246.58.
    # F4: S4's lease ends the day before the period (left out by ROWS: no line).
    assert_frame_equal(lines(got, places=6), want([
        (FIRM, "7", "", "700.821918", "m2-years", "210246.575342", "200000", ""),
        (F3, "7", "", "0.821918", "m2-years", "246.575342", "200000", "")]))
    assert_frame_equal(finals(got, places=6), want([(FIRM, "7", "", "200000", "200000.00", "awarded", ""),
                                                    (F3, "7", "", "246.575342", "246.58", "awarded", "")],
                                                   FINAL_COLUMNS))
