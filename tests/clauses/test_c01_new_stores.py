"""Clause 一 (kqcalc/items/c01_new_stores.py): items 1A (new B2C store: 100 orders and USD 30,000 → 10,000 RMB)
and 1B (new B2B store on a mainstream platform → 10,000 RMB), once per firm.

对当年新开且跨境B2C同一平台单店在线交易总量首次达100笔且企业交易额达到3万美元的企业、对当年在同一主流平台新开跨境B2B
店铺的企业，分别一次性给予1万元扶持。"""

from __future__ import annotations

from clause_kit import FIRM, LOGISTICS, cleaned, firms, gross, gross_frame_of, lines, want
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c01_new_stores

F3, F4 = credit_code(3), credit_code(4)


def test_clause_1_pays_a_new_b2b_store_on_a_mainstream_platform_and_warns_of_an_ambiguous_spelling() -> None:
    _, ctx = cleaned(
        firms=firms(FIRM, LOGISTICS, F3),
        stores={"firm_id": [FIRM, FIRM, F3], "platform": ["阿里巴巴国际站", "敦煌网", "阿里巴巴"],
                "store_id": ["B1", "B2", "B3"], "model": ["B2B", "B2B", "B2B"],
                "opened_on": ["2020-10-01", "2020-06-30", "2021-01-05"]})  # B2 opened before the period
    got = {ln.firm_id: ln for ln in gross(c01_new_stores, ctx)}
    # 10,000 RMB once per firm with a new B2B store on a mainstream platform (阿里巴巴国际站 = alibaba.com);
    # a bare 阿里巴巴 may be 1688.com: the store does not count (fail closed)
    assert_frame_equal(lines(list(got.values())), want([
        (FIRM, "1B", "", "1", "stores", "10000", None, ""),
        (F3, "1B", "", "0", "stores", "0", None, "not_mainstream_platform")]))
    assert got[FIRM].detail["mainstream_platforms"] == ["alibaba.com"]
    # … and the clause's declared warning names the ambiguous store's row (header = row 1, B3 on row 4)
    warnings = c01_new_stores.warnings(ctx, gross_frame_of(c01_new_stores, ctx))
    assert [(w.table, w.row, w.code) for w in warnings] == [("stores", 4, "ambiguous_platform")]


def test_clause_1_1b_pays_once_per_firm_however_many_mainstream_stores_and_only_stores_opened_in_the_period() -> None:
    _, ctx = cleaned(
        firms=firms(FIRM, F3, F4),
        stores={"firm_id": [FIRM, FIRM, F3, F4, FIRM],
                "platform": ["中国制造网", "DHgate", "Amazon", "环球资源", "made-in-china"],
                "store_id": ["B1", "B2", "B3", "B4", "B5"], "model": ["B2B", "B2B", "B2B", "B2B", "B2C"],
                "opened_on": ["2020-07-01", "2021-06-30", "2020-08-01", "2021-07-01", "2020-08-01"]})
    # FIRM: B1 (中国制造网 = made-in-china.com) on the period's first day and B2 (DHgate = dhgate.com) on its last:
    # 2 mainstream stores, still 10,000 RMB once. B5 is a B2C store (no 1A line: no transactions make its
    # orders 0 and the B2C amount 0 → not met, both thresholds). F3: Amazon is not on the policy's list.
    # F4: B4 opened the day after the period (left out by ROWS: no line).
    assert_frame_equal(lines(gross(c01_new_stores, ctx)), want([
        (FIRM, "1A", "", "0", "USD", "0", None, "below_order_threshold;below_threshold"),
        (FIRM, "1B", "", "2", "stores", "10000", None, ""),
        (F3, "1B", "", "0", "stores", "0", None, "not_mainstream_platform")]))


def test_clause_1_1a_pays_10_000_at_exactly_100_orders_and_usd_30_000_not_one_order_or_fen_less() -> None:
    _, ctx = cleaned(
        firms=firms(FIRM, F3, F4),
        fx_rates={"currency": ["EUR"], "usd_per_unit": ["1.1"]},
        stores={"firm_id": [FIRM, F3, F4], "platform": ["速卖通"] * 3, "store_id": ["S1", "S2", "S3"],
                "model": ["B2C"] * 3, "opened_on": ["2020-07-01", "2021-06-30", "2020-06-30"]},
        transactions={
            "firm_id": [FIRM, FIRM, FIRM, F3, F4], "platform": ["速卖通"] * 5,
            "store_id": ["S1", "S1", "S1", "S2", "S3"], "model": ["B2C"] * 5,
            "traded_on": ["2020-08-01", "2020-09-01", "2021-07-01", "2021-06-30", "2020-08-01"],
            "orders": ["60", "40", "500", "99", "200"], "amount": ["28,900", "1,000", "100,000", "29,999.99", "50,000"],
            "currency": ["USD", "EUR", "USD", "USD", "USD"]})
    got = gross(c01_new_stores, ctx)
    # FIRM, store S1 opened on the period's first day: 60 + 40 = 100 orders (the 500 on 2021-07-01 are outside
    # the period); B2C amount 28,900 USD + 1,000 EUR × 1.1 USD/EUR = 28,900 + 1,100 = 30,000 USD → 10,000 RMB.
    # F3, store S2 opened on the last day: 99 orders, 29,999.99 USD → both thresholds missed, 0.
    # F4: store S3 opened the day before the period → no 1A line, whatever its orders.
    assert_frame_equal(lines(got), want([
        (FIRM, "1A", "", "30000", "USD", "10000", None, ""),
        (F3, "1A", "", "29999.99", "USD", "0", None, "below_order_threshold;below_threshold")]))
    assert {ln.firm_id: ln.detail["store_orders"] for ln in got} == {FIRM: 100, F3: 99}


def test_clause_1_1a_counts_a_stores_orders_by_platform_and_store_of_any_firm_and_model_but_only_b2c_amounts() -> None:
    _, ctx = cleaned(
        firms=firms(FIRM, F3),
        stores={"firm_id": [FIRM], "platform": ["AliExpress"], "store_id": ["S1"], "model": ["B2C"],
                "opened_on": ["2020-10-01"]},
        transactions={
            "firm_id": [FIRM, FIRM, F3, FIRM], "platform": ["ALIEXPRESS ", "aliexpress", "AliExpress", "AliExpress"],
            "store_id": ["s1", "S1", "S1", ""], "model": ["B2C", "B2B", "B2C", "B2C"],
            "traded_on": ["2020-10-02", "2020-10-03", "2020-10-04", "2020-10-05"],
            "orders": ["50", "30", "20", "10"], "amount": ["40,000", "1,000,000", "5,000", "1,000"]})
    got = gross(c01_new_stores, ctx)
    # S1's orders: 50 (B2C) + 30 (a B2B row of the same platform and store: orders count whatever the model)
    # + 20 (a row of another firm, F3: its own firm_id is not compared) = 100, the spellings of platform and
    # store_id compared after trimming and case folding; the row without a store_id counts toward no store.
    # FIRM's B2C amount: 40,000 + 1,000 (its own B2C rows, with or without a store) = 41,000 USD ≥ 30,000
    # (not the B2B 1,000,000, not F3's 5,000) → 10,000 RMB. F3 opened no store: no 1A line.
    assert_frame_equal(lines(got), want([(FIRM, "1A", "", "41000", "USD", "10000", None, "")]))
    assert got[0].detail["store_orders"] == 100
