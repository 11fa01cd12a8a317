"""Unit tests per clause on tiny inline tables: each clause's lines, its declared row selection (the same one the
manifest and explain read) and its declared hooks, with values worked out by hand from the policy
(kqcalc/policy/keqiao-2020.toml, the clause texts quoted in each module's docstring).

Period 2020-07-01 … 2021-06-30 throughout: 365 days (February 2021 has 28)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
from firm_codes import credit_code

from kqcalc.clean import clean
from kqcalc.items import (
    CLAUSES,
    ITEMS,
    c01_new_stores,
    c03_exports_logistics,
    c05_training,
    c07_o2o_stores,
    c09_warehouses,
    c10_universities,
)
from kqcalc.lines import Context, Period, round_fen
from kqcalc.policy import load_policy
from kqcalc.read import RawTable, ReadResult
from kqcalc.rules import apply_rules, build_registry
from kqcalc.run import firm_rows

PERIOD = Period(date(2020, 7, 1), date(2021, 6, 30))
FIRM, LOGISTICS = credit_code(1), credit_code(2)
FIRMS = {"firm_id": [FIRM, LOGISTICS], "firm_name": ["甲", "乙物流"], "in_zone": ["是", "是"],
         "independent_accounting": ["是", "是"], "independent_tax": ["是", "是"], "is_logistics": ["否", "是"]}


def _cleaned(**tables: dict[str, list[str]]):
    pieces = {}
    for name, columns in {"firms": FIRMS, **tables}.items():
        frame = pl.DataFrame(columns).with_columns(_row=pl.int_range(2, len(next(iter(columns.values()))) + 2,
                                                                     dtype=pl.Int64))
        pieces[name] = [RawTable(name, f"{name}.csv", f"{name}.csv", frame, {c: c for c in columns}, frame.height)]
    cleaned = clean(ReadResult(pieces, [], {}), PERIOD.start.year, period=PERIOD)
    assert not [i for i in cleaned.issues if i.severity == "error"], cleaned.issues
    return cleaned, Context(cleaned.tables, load_policy(None), PERIOD, cleaned.headers, cleaned.fx)


def test_the_item_order_is_the_clauses_order() -> None:
    assert ITEMS == ("1A", "1B", "2", "3A", "3B", "4", "5", "6", "7", "8", "9A", "9B", "9C", "10A", "10B")
    assert [code for clause in CLAUSES for code in clause.PARAMS] == list(ITEMS)  # every item declares its numbers


def test_clause_3_pays_0_03_rmb_per_usd_declared_through_the_platform_in_the_period() -> None:
    cleaned, ctx = _cleaned(exports_9610={
        "declaration_no": ["D1", "D2", "D3"], "firm_id": [FIRM] * 3,
        "declared_on": ["2020-08-01", "2020-08-02", "2020-06-30"],  # D3 the day before the period
        "amount": ["1,000", "500", "2,000"], "via_platform": ["是", "否", "是"]})
    (line,) = c03_exports_logistics.lines(ctx, {"3A": c03_exports_logistics.queries(ctx)["3A"].collect(),
                                                "3B": pl.DataFrame()})
    # 1,000 USD × 0.03 RMB per USD = 30 RMB; D2 not via the platform, D3 outside the period; cap 1,500,000
    assert (line.firm_id, line.item, line.measure, line.unit) == (FIRM, "3A", Decimal("1000"), "USD")
    assert (round_fen(line.gross), line.cap, line.reasons) == (Decimal("30.00"), Decimal("1500000"), [])
    assert (line.detail["rows_in_period"], line.detail["rows_counted"]) == (2, 1)
    # explain's row reasons come from the clause's own declaration (ROWS), first reason first
    rows = firm_rows(cleaned, PERIOD, {FIRM})[FIRM]["exports_9610"]
    assert rows == {"used": 1, "not_via_platform": 1, "outside_period": 1}


def test_clause_3_pays_3_rmb_per_deposited_kg_and_is_capped_at_1_000_000() -> None:
    _, ctx = _cleaned(logistics={
        "logistics_firm_id": [LOGISTICS] * 3, "waybill_no": ["W1", "W2", "W3"],
        "shipped_on": ["2020-09-01", "2020-09-02", "2021-06-30"], "weight_kg": ["2.5", "100", "400000"],
        "deposited": ["是", "否", "是"]})
    (line,) = c03_exports_logistics.lines(ctx, {"3A": pl.DataFrame(),
                                                "3B": c03_exports_logistics.queries(ctx)["3B"].collect()})
    # (2.5 + 400,000) kg × 3 RMB = 1,200,007.5 RMB before the cap of 1,000,000 (rules.py applies it)
    assert (line.item, line.measure, line.gross, line.cap) == ("3B", Decimal("400002.5"), Decimal("1200007.5"),
                                                                Decimal("1000000"))


def test_clause_7_pays_300_rmb_per_m2_year_for_the_lease_days_in_the_period() -> None:
    _, ctx = _cleaned(o2o_stores={
        "firm_id": [FIRM] * 3, "store_id": ["S1", "S2", "S3"], "area_m2": ["400", "200", "500"],
        "lease_start": ["2020-01-01", "2020-07-01", "2019-01-01"],
        "lease_end": ["2020-12-31", "2021-06-30", "2019-12-31"], "recognized": ["是", "是", "是"]})
    (line,) = c07_o2o_stores.lines(ctx)
    # S1: 400 m² leased 2020-07-01 … 2020-12-31 inside the period = 184 days → 400 × 184 / 365 m²-years;
    # × 300 RMB = 22,080,000 / 365 = 60,493.150684… → 60,493.15. S2 is below 300 m²; S3's lease lies outside
    # the period (left out by the clause's ROWS, so it has no entry).
    assert round_fen(line.gross) == Decimal("60493.15")
    assert [(s["store"], s["lease_days_in_period"], s["counted"], s["why_not"]) for s in line.detail["stores"]] == [
        ("S1", 184, True, []), ("S2", 365, False, ["below_area"])]


def test_clause_9_top_up_needs_its_warehouses_9a_or_9b_paid_in_this_run() -> None:
    _, ctx = _cleaned(warehouses={
        "firm_id": [FIRM] * 3, "warehouse_id": ["W1", "W2", "W3"], "country": ["马来西亚", "MY", "Atlantis"],
        "provincial_pilot_new": ["否", "是", "否"], "newly_built": ["是", "是", "是"]})
    lines = c09_warehouses.lines(ctx)
    apply_rules(lines, ctx, build_registry(ctx, set()))
    award = {(ln.item, ln.ref): (ln.award, ln.reasons) for ln in lines}
    # W2: newly listed → 9A 200,000; built new in Malaysia (on the list) → 9C 100,000 on top
    assert award[("9A", "W2")] == (Decimal("200000.00"), [])
    assert award[("9C", "W2")] == (Decimal("100000.00"), [])
    # W1: in Malaysia too, but neither its 9A nor its 9B is paid: the declared dependency (REQUIRES_PAID) bites
    assert award[("9C", "W1")] == (Decimal("0.00"), ["no_paid_9a_9b"])
    # W3: a country neither listed nor recognisable → not_belt_and_road, and the clause's declared warning
    assert award[("9C", "W3")] == (Decimal("0.00"), ["not_belt_and_road"])
    warnings = c09_warehouses.warnings(ctx, lines)
    assert [(w.table, w.row, w.column, w.code) for w in warnings] == [("warehouses", 4, "country", "unknown_country")]


def test_clause_1_pays_a_new_b2b_store_on_a_mainstream_platform_and_warns_of_an_ambiguous_spelling() -> None:
    other = credit_code(3)
    _, ctx = _cleaned(
        firms={**{k: v + [v[0]] for k, v in FIRMS.items()}, "firm_id": [FIRM, LOGISTICS, other]},
        stores={"firm_id": [FIRM, FIRM, other], "platform": ["阿里巴巴国际站", "敦煌网", "阿里巴巴"],
                "store_id": ["B1", "B2", "B3"], "model": ["B2B", "B2B", "B2B"],
                "opened_on": ["2020-10-01", "2020-06-30", "2021-01-05"]})  # B2 opened before the period
    lines = {ln.firm_id: ln for ln in c01_new_stores.lines(ctx, {})}
    # 10,000 RMB once per firm with a new B2B store on a mainstream platform (阿里巴巴国际站 = alibaba.com)
    assert (lines[FIRM].item, lines[FIRM].measure, lines[FIRM].gross) == ("1B", Decimal(1), Decimal("10000"))
    assert lines[FIRM].detail["mainstream_platforms"] == ["alibaba.com"]
    # a bare 阿里巴巴 may be 1688.com: the store does not count, and the clause's declared warning names it
    assert (lines[other].gross, lines[other].reasons) == (Decimal(0), ["not_mainstream_platform"])
    warnings = c01_new_stores.warnings(ctx, list(lines.values()))
    assert [(w.table, w.row, w.code) for w in warnings] == [("stores", 4, "ambiguous_platform")]


def test_clause_5_pays_100_rmb_per_trainee_day_with_8_class_hours_a_day() -> None:
    _, ctx = _cleaned(trainings={
        "institution_id": [FIRM] * 4, "session_id": ["T1", "T2", "T3", "T4"],
        "started_on": ["2020-09-01", "2020-10-01", "2020-11-01", "2020-06-01"],
        "days": ["", "3", "5", "5"], "class_hours": ["40", "16", "", ""], "trainees": ["20", "15", "14", "50"],
        "recognized": ["是", "是", "是", "是"]})
    (line,) = c05_training.lines(ctx)
    # T1: 40 class hours = 5 days × 20 trainees = 100 person-days; T2: 3 days (long enough), 16 hours = 2 days,
    # the smaller counts: 2 × 15 = 30; T3: 14 trainees < 15; T4 starts before the period (left out by ROWS).
    # 130 person-days × 100 RMB = 13,000 RMB, cap 240,000.
    assert (line.measure, line.gross, line.cap) == (Decimal(130), Decimal(13000), Decimal(240000))
    assert [(s["session"], s["counted"], s["why_not"]) for s in line.detail["sessions"]] == [
        ("T1", True, []), ("T2", True, []), ("T3", False, ["too_few_trainees"])]


def test_clause_10_pays_a_new_major_in_the_admission_plan_with_30_a_year() -> None:
    _, ctx = _cleaned(university_programs={
        "university_id": [FIRM] * 3, "program_id": ["M1", "M2", "C1"], "kind": ["专业", "专业", "学院"],
        "approved_on": ["2020-09-01", "2020-09-01", "2021-03-01"], "in_admission_plan": ["是", "否", ""],
        "enrollment": ["30", "45", "799"]})
    got = {(ln.item, ln.ref): (ln.gross, ln.reasons) for ln in c10_universities.lines(ctx)}
    assert got == {("10A", "M1"): (Decimal(300000), []),  # exactly 30 a year: met
                   ("10A", "M2"): (Decimal(0), ["not_in_admission_plan"]),
                   ("10B", "C1"): (Decimal(0), ["below_threshold"])}  # 799 < 800 students
