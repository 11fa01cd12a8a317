"""Clause 三 (kqcalc/items/c03_exports_logistics.py): items 3A (0.03 RMB per USD of 9610 declarations through the
轻纺城 platform, cap 1,500,000) and 3B (3 RMB per kg deposited on the platform, cap 1,000,000, logistics firms only).

对通过轻纺城跨境电商出口通关服务平台以9610方式出口的企业，每1美元给予0.03元奖励，单个企业不超过150万元。对在出口通关
服务平台沉淀数据的物流企业，每1公斤给予3元补助，单个企业不超过100万元。"""

from __future__ import annotations

from clause_kit import (
    FINAL_COLUMNS,
    FIRM,
    LOGISTICS,
    cleaned,
    final,
    finals,
    firms,
    gross,
    lines,
    table,
    totals,
    want,
    want_totals,
)
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c03_exports_logistics
from kqcalc.run import firm_rows

F3, L4 = credit_code(3), credit_code(4)


def _exports(*rows: tuple[str, str, str, str, str]) -> dict[str, list[str]]:
    """9610 declarations from (firm_id, declared_on, amount, currency, via_platform) rows, numbered D1, D2, …"""
    numbered = [(f"D{i}", *row) for i, row in enumerate(rows, 1)]
    return table(("declaration_no", "firm_id", "declared_on", "amount", "currency", "via_platform"), *numbered)


def test_clause_3_pays_0_03_rmb_per_usd_declared_through_the_platform_in_the_period() -> None:
    data, ctx = cleaned(exports_9610=_exports(
        (FIRM, "2020-08-01", "1,000", "USD", "是"), (FIRM, "2020-08-02", "500", "USD", "否"),
        (FIRM, "2020-06-30", "2,000", "USD", "是")))  # D3 the day before the period
    (line,) = gross(c03_exports_logistics, ctx)
    # 1,000 USD × 0.03 RMB per USD = 30 RMB; D2 not via the platform, D3 outside the period; cap 1,500,000
    assert_frame_equal(lines([line]), want([(FIRM, "3A", "", "1000", "USD", "30", "1500000", "")]))
    assert (line.detail["rows_in_period"], line.detail["rows_counted"]) == (2, 1)
    # explain's row reasons come from the clause's own declaration (ROWS), first reason first
    assert firm_rows(data, ctx.period, {FIRM})[FIRM]["exports_9610"] == {
        "used": 1, "not_via_platform": 1, "outside_period": 1}


def test_clause_3_totals_each_file_and_currency_and_converts_each_sum_to_usd() -> None:
    _, ctx = cleaned(
        fx_rates={"currency": ["EUR", "CNY"], "usd_per_unit": ["1.1", "0.15"]},
        exports_9610=[_exports((FIRM, "2020-07-01", "1,234.50", "USD", "是"),
                               (FIRM, "2020-12-01", "1,000", "EUR", "是"),
                               (FIRM, "2021-06-30", "10,000", "CNY", "是"),
                               (FIRM, "2021-01-01", "500", "USD", "否")),
                      {"declaration_no": ["D9"], "firm_id": [FIRM], "declared_on": ["2021-07-01"],
                       "amount": ["9,999"], "currency": ["USD"], "via_platform": ["是"]}])
    query = c03_exports_logistics.queries(ctx)["3A"].collect()
    # Per (firm, file, currency): the amount counted (through the platform), the rows in the period, the rows
    # counted. The second file's D9 is dated the day after the period: no totals at all.
    by = ["firm_id", "_file", "currency"]
    assert_frame_equal(totals(query, by), want_totals(by, (*by, "measure", "rows", "counted"),
                                                      (FIRM, "exports_9610.csv", "USD", "1234.5", "2", "1"),
                                                      (FIRM, "exports_9610.csv", "EUR", "1000", "1", "1"),
                                                      (FIRM, "exports_9610.csv", "CNY", "10000", "1", "1")))
    got = final(gross(c03_exports_logistics, ctx), ctx)
    # 1,234.50 USD + 1,000 EUR × 1.1 + 10,000 CNY × 0.15 = 1,234.5 + 1,100 + 1,500 = 3,834.5 USD;
    # × 0.03 = 115.035 RMB exactly → award 115.04 (the one rounding, half away from zero)
    assert_frame_equal(lines(got), want([(FIRM, "3A", "", "3834.5", "USD", "115.035", "1500000", "")]))
    assert_frame_equal(finals(got), want([(FIRM, "3A", "", "115.035", "115.04", "awarded", "")], FINAL_COLUMNS))


def test_clause_3_3a_is_capped_at_1_500_000_rmb() -> None:
    _, ctx = cleaned(firms=firms(FIRM, F3), exports_9610=_exports(
        (FIRM, "2020-09-01", "50,000,000", "USD", "是"), (F3, "2020-09-01", "50,000,000.01", "USD", "是")))
    got = final(gross(c03_exports_logistics, ctx), ctx)
    # FIRM: 50,000,000 × 0.03 = 1,500,000, exactly the cap. F3: 50,000,000.01 × 0.03 = 1,500,000.0003 → capped
    # at 1,500,000.
    assert_frame_equal(lines(got), want([(FIRM, "3A", "", "50000000", "USD", "1500000", "1500000", ""),
                                         (F3, "3A", "", "50000000.01", "USD", "1500000.0003", "1500000", "")]))
    assert_frame_equal(finals(got), want([(FIRM, "3A", "", "1500000", "1500000.00", "awarded", ""),
                                          (F3, "3A", "", "1500000", "1500000.00", "awarded", "")], FINAL_COLUMNS))


def test_clause_3_pays_3_rmb_per_deposited_kg_and_is_capped_at_1_000_000() -> None:
    _, ctx = cleaned(logistics={
        "logistics_firm_id": [LOGISTICS] * 3, "waybill_no": ["W1", "W2", "W3"],
        "shipped_on": ["2020-09-01", "2020-09-02", "2021-06-30"], "weight_kg": ["2.5", "100", "400000"],
        "deposited": ["是", "否", "是"]})
    got = final(gross(c03_exports_logistics, ctx), ctx)
    # (2.5 + 400,000) kg × 3 RMB = 1,200,007.5 RMB; W2's 100 kg are not deposited; capped at 1,000,000
    assert_frame_equal(lines(got), want([(LOGISTICS, "3B", "", "400002.5", "kg", "1200007.5", "1000000", "")]))
    assert_frame_equal(finals(got), want([(LOGISTICS, "3B", "", "1000000", "1000000.00", "awarded", "")],
                                         FINAL_COLUMNS))


def test_clause_3_3b_is_for_logistics_firms_only_and_3a_never_for_them() -> None:
    _, ctx = cleaned(
        firms=firms(FIRM, LOGISTICS, L4, is_logistics={LOGISTICS: "是", L4: "是"}),
        exports_9610=_exports((LOGISTICS, "2020-09-01", "100", "USD", "是")),
        logistics={"logistics_firm_id": [LOGISTICS, FIRM, L4], "waybill_no": ["W1", "W2", "W3"],
                   "shipped_on": ["2020-09-01"] * 3, "weight_kg": ["10", "20", "30"], "deposited": ["是", "是", "否"]})
    got = final(gross(c03_exports_logistics, ctx), ctx)
    # LOGISTICS: 10 kg × 3 = 30 RMB (3B), and 100 USD × 0.03 = 3 RMB (3A) that a logistics firm may not have;
    # FIRM: 20 kg × 3 = 60 RMB, but 3B is paid to logistics firms only; L4: its only parcel is not deposited.
    assert_frame_equal(lines(got), want([
        (LOGISTICS, "3A", "", "100", "USD", "3", "1500000", ""),
        (LOGISTICS, "3B", "", "10", "kg", "30", "1000000", ""),
        (FIRM, "3B", "", "20", "kg", "60", "1000000", ""),
        (L4, "3B", "", "0", "kg", "0", "1000000", "not_deposited")]))
    assert_frame_equal(finals(got), want([
        (LOGISTICS, "3A", "", "3", "0.00", "ineligible", "logistics_firm"),
        (LOGISTICS, "3B", "", "30", "30.00", "awarded", ""),
        (FIRM, "3B", "", "60", "0.00", "ineligible", "not_logistics_firm"),
        (L4, "3B", "", "0", "0.00", "not_met", "not_deposited")], FINAL_COLUMNS))
