"""Clause 九 (kqcalc/items/c09_warehouses.py): items 9A (newly listed provincial pilot → 200,000 RMB), 9B (municipal
standard, operating one year or more at the period's end → 40 % of lease + equipment + system cost, cap 500,000)
and 9C (newly built in a Belt-and-Road country → +100,000, only when the warehouse's 9A or 9B is paid in this run:
REQUIRES_PAID). Once per warehouse; exempt from 从高不重复.

对新列入省级跨境电商公共海外仓建设试点名单的企业，除省级扶持资金外，一次性给予不超过20万元资金扶持；对经认定达到市级公共
海外仓建设标准、运营一年以上的，按建设成本（场地租赁、设备采购、系统开发）的40%一次性给予建设（运营）主体补助，最高不超过
50万元；对新建在“一带一路”国家或地区的公共海外仓，补助额度再增加10万元。"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clause_kit import FINAL_COLUMNS, FIRM, cleaned, final, finals, firms, gross, gross_frame_of, lines, table, want
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c09_warehouses
from kqcalc.lines import Period

F3 = credit_code(3)
COLUMNS = ("firm_id", "warehouse_id", "country", "provincial_pilot_new", "municipal_standard", "operating_since",
           "lease_cost_rmb", "equipment_cost_rmb", "system_cost_rmb", "newly_built")


def _warehouses(*rows: tuple[str, ...]) -> dict[str, list[str]]:
    return table(COLUMNS, *rows)


def _item(item: str, got: list) -> list:
    return [ln for ln in got if ln.item == item]


def test_clause_9_top_up_needs_its_warehouses_9a_or_9b_paid_in_this_run() -> None:
    _, ctx = cleaned(warehouses={
        "firm_id": [FIRM] * 3, "warehouse_id": ["W1", "W2", "W3"], "country": ["马来西亚", "MY", "Atlantis"],
        "provincial_pilot_new": ["否", "是", "否"], "newly_built": ["是", "是", "是"]})
    got = final(gross(c09_warehouses, ctx), ctx)
    award = {(ln.item, ln.ref): (ln.award, ln.reasons) for ln in got}
    # W2: newly listed → 9A 200,000; built new in Malaysia (on the list) → 9C 100,000 on top
    assert award[("9A", "W2")] == (Decimal("200000.00"), [])
    assert award[("9C", "W2")] == (Decimal("100000.00"), [])
    # W1: in Malaysia too, but neither its 9A nor its 9B is paid: the declared dependency (REQUIRES_PAID) bites
    assert award[("9C", "W1")] == (Decimal("0.00"), ["no_paid_9a_9b"])
    # W3: a country neither listed nor recognisable → not_belt_and_road, and the clause's declared warning
    assert award[("9C", "W3")] == (Decimal("0.00"), ["not_belt_and_road"])
    warnings = c09_warehouses.warnings(ctx, gross_frame_of(c09_warehouses, ctx))
    assert [(w.table, w.row, w.column, w.code) for w in warnings] == [("warehouses", 4, "country", "unknown_country")]


def test_clause_9_9a_pays_200_000_rmb_per_newly_listed_warehouse() -> None:
    _, ctx = cleaned(warehouses=_warehouses((FIRM, "W1", "美国", "是", "", "", "", "", "", ""),
                                            (FIRM, "W2", "美国", "是", "", "", "", "", "", ""),
                                            (FIRM, "W3", "美国", "否", "", "", "", "", "", "")))
    # one firm, two newly listed warehouses: 200,000 each; W3 is not newly listed
    assert_frame_equal(lines(_item("9A", gross(c09_warehouses, ctx))), want([
        (FIRM, "9A", "W1", "1", "warehouse", "200000", None, ""),
        (FIRM, "9A", "W2", "1", "warehouse", "200000", None, ""),
        (FIRM, "9A", "W3", "1", "warehouse", "0", None, "not_newly_listed")]))


def test_clause_9_9b_pays_40_percent_of_the_cost_after_one_year_of_operation_at_the_period_end() -> None:
    _, ctx = cleaned(warehouses=_warehouses(
        (FIRM, "W1", "美国", "否", "是", "2020-06-30", "100,000", "50,000", "", "否"),
        (FIRM, "W2", "美国", "否", "是", "2020-07-01", "100,000", "", "", "否"),
        (FIRM, "W3", "美国", "否", "否", "2019-01-01", "10,000", "", "", "否"),
        (FIRM, "W4", "美国", "否", "是", "", "", "", "", "否"),
        (FIRM, "W5", "美国", "否", "是", "2019-01-01", "1,000,000", "250,000", "0.01", "否")))
    assert_frame_equal(lines(_item("9B", gross(c09_warehouses, ctx))), want([
        # operating since 2020-06-30: one year on 2021-06-30, the period's last day (以上 includes the number);
        # cost 100,000 + 50,000 + blank (0) = 150,000 × 40 % = 60,000
        (FIRM, "9B", "W1", "150000", "RMB", "60000", "500000", ""),
        # since 2020-07-01: one year on 2021-07-01, a day after the period's end
        (FIRM, "9B", "W2", "100000", "RMB", "0", "500000", "operating_less_than_a_year"),
        (FIRM, "9B", "W3", "10000", "RMB", "0", "500000", "not_municipal_standard"),
        (FIRM, "9B", "W4", "0", "RMB", "0", "500000", "operating_since_unknown;no_cost"),
        # 1,000,000 + 250,000 + 0.01 = 1,250,000.01 × 40 % = 500,000.004, above the cap of 500,000
        (FIRM, "9B", "W5", "1250000.01", "RMB", "500000.004", "500000", "")]))


def test_clause_9_9b_one_year_after_29_february_is_28_february() -> None:
    period = Period(date(2020, 3, 1), date(2021, 2, 28))
    _, ctx = cleaned(period, warehouses=_warehouses(
        (FIRM, "W1", "美国", "否", "是", "2020-02-29", "100", "", "", "否"),
        (FIRM, "W2", "美国", "否", "是", "2020-03-01", "100", "", "", "否")))
    got = _item("9B", gross(c09_warehouses, ctx))
    # W1: 2020-02-29 + 1 year = 2021-02-28, the period's last day → 40 % × 100 = 40; W2: 2021-03-01 is after it
    assert_frame_equal(lines(got), want([
        (FIRM, "9B", "W1", "100", "RMB", "40", "500000", ""),
        (FIRM, "9B", "W2", "100", "RMB", "0", "500000", "operating_less_than_a_year")]))
    assert [ln.detail["one_year_on"] for ln in got] == ["2021-02-28", "2021-03-01"]


def test_clause_9_9c_is_paid_after_eligibility_and_one_time_checks_and_no_other_award_reduces_clause_9() -> None:
    no_9b = "not_municipal_standard;operating_since_unknown;no_cost"
    _, ctx = cleaned(
        firms=firms(FIRM, F3, in_zone={F3: "否"}),
        warehouses=_warehouses((FIRM, "W1", "VN", "是", "", "", "", "", "", "是"),
                               (FIRM, "W2", "越南", "是", "", "", "", "", "", "是"),
                               (FIRM, "W3", "泰国", "否", "是", "2019-01-01", "100,000", "", "", "是"),
                               (F3, "W4", "马来西亚", "是", "", "", "", "", "", "是")),
        prior_awards={"firm_id": [FIRM], "item": ["9A"], "ref": ["W2"], "year": ["2019"], "amount_rmb": ["200,000"]},
        other_awards={"firm_id": [FIRM], "item": ["9A"], "ref": ["W1"], "level": ["省"], "amount_rmb": ["200,000"]})
    got = final(gross(c09_warehouses, ctx), ctx)
    assert_frame_equal(finals(got), want([
        # W1: newly listed → 9A 200,000 (a provincial award for it takes nothing: clause 九 is exempt from
        # 从高不重复), so built new in Vietnam (VN) → 9C 100,000
        (FIRM, "9A", "W1", "200000", "200000.00", "awarded", ""),
        (FIRM, "9B", "W1", "0", "0.00", "not_met", no_9b),
        (FIRM, "9C", "W1", "100000", "100000.00", "awarded", ""),
        # W2: its 9A was paid in 2019 (one-time) and it has no 9B: nothing paid in this run → no 9C
        (FIRM, "9A", "W2", "200000", "0.00", "already_awarded", "prior_award"),
        (FIRM, "9B", "W2", "0", "0.00", "not_met", no_9b),
        (FIRM, "9C", "W2", "0", "0.00", "not_met", "no_paid_9a_9b"),
        # W3: not listed, but 9B pays 40 % × 100,000 = 40,000 → 9C 100,000 (Thailand)
        (FIRM, "9A", "W3", "0", "0.00", "not_met", "not_newly_listed"),
        (FIRM, "9B", "W3", "40000", "40000.00", "awarded", ""),
        (FIRM, "9C", "W3", "100000", "100000.00", "awarded", ""),
        # W4: F3 is not registered in the zone: its 9A is ineligible, so its 9C has no paid 9A/9B
        (F3, "9A", "W4", "200000", "0.00", "ineligible", "not_in_zone"),
        (F3, "9B", "W4", "0", "0.00", "not_met", f"{no_9b};not_in_zone"),
        (F3, "9C", "W4", "0", "0.00", "not_met", "no_paid_9a_9b;not_in_zone"),
    ], FINAL_COLUMNS))
