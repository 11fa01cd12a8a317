"""Clause 二 (kqcalc/items/c02_b2c_sales.py): item 2, the firm's B2C amount in the period ≥ USD 3M / 5M / 10M / 30M
→ 50,000 / 100,000 / 150,000 / 200,000 RMB (the highest tier reached; the amounts are "不超过" maxima, paid in full).

对整年度跨境电商B2C在线交易额达到300万、500万、1000万、3000万美元的企业，分别给予不超过5万、10万、15万、20万元奖励。"""

from __future__ import annotations

from clause_kit import cleaned, firms, gross, lines, totals, want, want_totals
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c02_b2c_sales
from kqcalc.items._common import TRANSACTION_TOTALS

F = [credit_code(n) for n in range(11, 20)]


def _b2c(firm_ids: list[str], amounts: list[str], **columns: list[str]) -> dict[str, list[str]]:
    """Transactions, one B2C row in USD per firm on 2020-10-01 unless `columns` says otherwise."""
    n = len(firm_ids)
    return {"firm_id": firm_ids, "platform": ["速卖通"] * n, "store_id": [""] * n, "model": ["B2C"] * n,
            "traded_on": ["2020-10-01"] * n, "amount": amounts, "currency": ["USD"] * n} | columns


def test_clause_2_pays_the_highest_tier_reached_exactly_at_each_threshold_and_not_a_fen_below() -> None:
    amounts = ["2,999,999.99", "3,000,000", "4,999,999.99", "5,000,000", "9,999,999.99", "10,000,000",
               "29,999,999.99", "30,000,000", "100,000,000"]
    _, ctx = cleaned(firms=firms(*F), transactions=_b2c(F, amounts))
    assert_frame_equal(lines(gross(c02_b2c_sales, ctx)), want([
        (F[0], "2", "", "2999999.99", "USD", "0", None, "below_threshold"),  # one fen below 3M
        (F[1], "2", "", "3000000", "USD", "50000", None, ""),  # ≥ 3M: tier 1, 50,000
        (F[2], "2", "", "4999999.99", "USD", "50000", None, ""),  # still tier 1
        (F[3], "2", "", "5000000", "USD", "100000", None, ""),  # ≥ 5M: tier 2, 100,000
        (F[4], "2", "", "9999999.99", "USD", "100000", None, ""),
        (F[5], "2", "", "10000000", "USD", "150000", None, ""),  # ≥ 10M: tier 3, 150,000
        (F[6], "2", "", "29999999.99", "USD", "150000", None, ""),
        (F[7], "2", "", "30000000", "USD", "200000", None, ""),  # ≥ 30M: tier 4, 200,000
        (F[8], "2", "", "100000000", "USD", "200000", None, ""),  # no tier above the fourth
    ]))


def test_clause_2_converts_each_currency_sum_exactly_and_compares_before_any_rounding() -> None:
    _, ctx = cleaned(
        firms=firms(*F[:3]),
        fx_rates={"currency": ["EUR", "CNY"], "usd_per_unit": ["1.25", "0.15"]},
        transactions=_b2c([F[0], F[0], F[1], F[1], F[1], F[2], F[2]],
                          ["2,000,000", "800,000", "1,000,000", "6,666,666.67", "6,666,666.67", "1,000,000",
                           "13,333,333.33"],
                          currency=["USD", "EUR", "USD", "CNY", "CNY", "USD", "CNY"]))
    # F0: 2,000,000 USD + 800,000 EUR × 1.25 = 2,000,000 + 1,000,000 = 3,000,000 USD → tier 1, 50,000.
    # F1: 1,000,000 USD + (6,666,666.67 + 6,666,666.67 = 13,333,333.34 CNY) × 0.15 = 2,000,000.001
    #     → 3,000,000.001 USD ≥ 3M → 50,000.
    # F2: 1,000,000 USD + 13,333,333.33 CNY × 0.15 = 1,999,999.9995 → 2,999,999.9995 USD: below 3M (awards.csv
    #     shows the measure rounded to 3000000, the status is decided on the exact value).
    assert_frame_equal(lines(gross(c02_b2c_sales, ctx)), want([
        (F[0], "2", "", "3000000", "USD", "50000", None, ""),
        (F[1], "2", "", "3000000.001", "USD", "50000", None, ""),
        (F[2], "2", "", "2999999.9995", "USD", "0", None, "below_threshold")]))


def test_clause_2_counts_only_b2c_transactions_dated_in_the_period() -> None:
    _, ctx = cleaned(
        firms=firms(*F[:2]),
        transactions=_b2c([F[0], F[0], F[0], F[0], F[1]],
                          ["2,999,999.99", "0.01", "10,000,000", "5,000,000", "40,000,000"],
                          model=["B2C", "B2C", "B2B", "B2C", "B2B"],
                          traded_on=["2020-07-01", "2021-06-30", "2020-10-01", "2020-06-30", "2020-10-01"]))
    # F0: 2,999,999.99 (first day) + 0.01 (last day) = 3,000,000 USD → 50,000; its B2B 10,000,000 and the
    # 5,000,000 of the day before the period do not count. F1 has only B2B transactions: no item 2 line.
    assert_frame_equal(lines(gross(c02_b2c_sales, ctx)), want([(F[0], "2", "", "3000000", "USD", "50000", None, "")]))


def test_clause_2_totals_per_store_model_file_and_currency_and_says_how_far_the_first_tier_is() -> None:
    _, ctx = cleaned(
        firms=firms(F[0]), fx_rates={"currency": ["EUR"], "usd_per_unit": ["1.1"]},
        transactions=_b2c([F[0]] * 5, ["1,000", "2,000.50", "500", "10,000", "99,999"],
                          store_id=["S1", " s1 ", "S1", "S1", "S1"], orders=["2", "3", "1", "4", "9"],
                          model=["B2C", "B2C", "B2C", "B2B", "B2C"], currency=["USD", "USD", "EUR", "USD", "USD"],
                          traded_on=["2020-08-01", "2020-09-01", "2020-10-01", "2020-10-02", "2021-07-01"]))
    query = c02_b2c_sales.queries(ctx)[TRANSACTION_TOTALS].collect()
    # The rows dated in the period, per (firm, platform, store, model, file, currency), the store compared after
    # trimming and case folding (" s1 " is S1): orders, amount, rows. The row of 2021-07-01 is outside.
    by = ["firm_id", "platform__key", "store_id__key", "model", "_file", "currency"]
    store = (F[0], "速卖通", "s1")
    assert_frame_equal(totals(query, by), want_totals(by, (*by, "orders", "amount", "rows"),
                                                      (*store, "B2C", "transactions.csv", "USD", "5", "3000.5", "2"),
                                                      (*store, "B2C", "transactions.csv", "EUR", "1", "500", "1"),
                                                      (*store, "B2B", "transactions.csv", "USD", "4", "10000", "1")))
    (line,) = gross(c02_b2c_sales, ctx)
    # B2C: 1,000 + 2,000.50 USD + 500 EUR × 1.1 = 3,000.5 + 550 = 3,550.5 USD: no tier; 3,000,000 − 3,550.5 =
    # 2,996,449.5 USD to the first
    assert_frame_equal(lines([line]), want([(F[0], "2", "", "3550.5", "USD", "0", None, "below_threshold")]))
    assert (line.detail["tier"], line.detail["next"], line.detail["distance"]) == (0, "3000000", "2996449.5")
