"""Clause 八 (kqcalc/items/c08_parks.py): item 8, a recognized park's tier by active firms (≥ 20 / 40 / 60) and by
online total (≥ RMB 200M / 400M / 600M), the lower of the two → 500,000 / 1,000,000 / 1,500,000 RMB, one-time per
tier: topped up by the difference when the park climbs a tier (rules.py: top_up_one_time_items).

对经认定且入驻有实绩跨境电商企业数量达到20、40、60家，年在线交易总额达到2亿、4亿、6亿元的园区，分别给予园区主办方不超过
50万、100万、150万元的一次性补贴。"""

from __future__ import annotations

from clause_kit import FINAL_COLUMNS, cleaned, final, finals, firms, gross, lines, table, want
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c08_parks

P = [credit_code(n) for n in range(41, 50)]


def _parks(*rows: tuple[str, str, str]) -> dict[str, list[str]]:
    """Parks P0, P1, … from (active_firms, online_total_rmb, recognized) rows."""
    named = [(P[i], f"园区{i}", *row) for i, row in enumerate(rows)]
    return table(("park_id", "park_name", "active_firms", "online_total_rmb", "recognized"), *named)


def test_clause_8_the_tier_is_the_lower_of_the_tier_by_active_firms_and_the_tier_by_online_total() -> None:
    _, ctx = cleaned(firms=firms(*P), parks=_parks(
        ("20", "200,000,000", "是"), ("19", "600,000,000", "是"), ("60", "199,999,999.99", "是"),
        ("40", "400,000,000", "是"), ("60", "599,999,999.99", "是"), ("60", "600,000,000", "是"),
        ("100", "2,000,000,000", "是"), ("60", "600,000,000", "否"), ("59", "600,000,000", "是")))
    assert_frame_equal(lines(gross(c08_parks, ctx)), want([
        (P[0], "8", "", "1", "tier", "500000", None, ""),  # exactly 20 firms and 200M: tier 1
        (P[1], "8", "", "0", "tier", "0", None, "below_threshold"),  # 19 firms: no tier, however large the total
        (P[2], "8", "", "0", "tier", "0", None, "below_threshold"),  # 60 firms, one fen below 200M
        (P[3], "8", "", "2", "tier", "1000000", None, ""),  # exactly 40 and 400M: tier 2
        (P[4], "8", "", "2", "tier", "1000000", None, ""),  # 60 firms (tier 3), 599,999,999.99 (tier 2): tier 2
        (P[5], "8", "", "3", "tier", "1500000", None, ""),  # exactly 60 and 600M: tier 3
        (P[6], "8", "", "3", "tier", "1500000", None, ""),  # no tier above the third
        (P[7], "8", "", "3", "tier", "0", None, "not_recognized"),  # tier 3 reached, but not recognized
        (P[8], "8", "", "2", "tier", "1000000", None, ""),  # one firm short of 60 (tier 2), 600M (tier 3): tier 2
    ]))


def test_clause_8_tops_a_park_up_by_the_difference_when_it_climbs_a_tier() -> None:
    data, ctx = cleaned(
        firms=firms(*P[:6], in_zone={P[0]: "否"}),
        parks=_parks(("40", "400,000,000", "是"), ("20", "200,000,000", "是"), ("60", "600,000,000", "是"),
                     ("20", "200,000,000", "是"), ("20", "200,000,000", "是"), ("20", "200,000,000", "是")),
        prior_awards={"firm_id": [P[0], P[1], P[2], P[2], P[3], P[4], P[5]],
                      "item": ["8", "8", "8", "8", "8", "1A", "8"], "ref": [""] * 7,
                      "year": ["2019", "2019", "2018", "2019", "2019", "2019", "2020"],
                      "amount_rmb": ["500,000", "500,000", "500,000", "500,000", "1,000,000", "10,000", "500,000"]})
    got = final(gross(c08_parks, ctx), ctx)
    assert_frame_equal(finals(got), want([
        # tier 2 now, 500,000 for tier 1 in 2019: 1,000,000 − 500,000 = 500,000 (and a park's sponsor need not
        # pass the registry test: P0 is not registered in the zone)
        (P[0], "8", "", "1000000", "500000.00", "awarded", "prior_award"),
        # tier 1 again, paid 500,000 in 2019: 500,000 − 500,000 = 0
        (P[1], "8", "", "500000", "0.00", "already_awarded", "prior_award"),
        # tier 3 now, 500,000 in 2018 + 500,000 in 2019: 1,500,000 − 1,000,000 = 500,000
        (P[2], "8", "", "1500000", "500000.00", "awarded", "prior_award"),
        # fell back to tier 1 after 1,000,000 for tier 2: max(0, 500,000 − 1,000,000) = 0
        (P[3], "8", "", "500000", "0.00", "already_awarded", "prior_award"),
        # a prior award under item 1A is no item-8 award: 500,000
        (P[4], "8", "", "500000", "500000.00", "awarded", ""),
        # a "prior" award of 2020, the year the period starts, is not earlier: ignored (with a warning)
        (P[5], "8", "", "500000", "500000.00", "awarded", ""),
    ], FINAL_COLUMNS))
    assert [(i.table, i.row, i.code) for i in data.issues if i.table == "prior_awards"] == [
        ("prior_awards", 8, "prior_award_not_earlier")]


def test_clause_8_a_park_that_did_not_reach_a_tier_is_not_met_whatever_it_was_paid_before() -> None:
    _, ctx = cleaned(firms=firms(P[0]), parks=_parks(("19", "199,999,999.99", "是")),
                     prior_awards={"firm_id": [P[0]], "item": ["8"], "ref": [""], "year": ["2019"],
                                   "amount_rmb": ["500,000"]})
    # 19 firms and 199,999,999.99 RMB: no tier, 0; the status is not_met (the first in rule order)
    assert_frame_equal(finals(final(gross(c08_parks, ctx), ctx)), want([
        (P[0], "8", "", "0", "0.00", "not_met", "below_threshold;prior_award")], FINAL_COLUMNS))


def test_clause_8_tells_each_tier_and_the_distance_to_the_next() -> None:
    _, ctx = cleaned(firms=firms(P[0]), parks=_parks(("39", "450,000,000", "是")))
    (line,) = gross(c08_parks, ctx)
    # 39 firms: tier 1 (≥ 20), 1 short of 40; 450,000,000 RMB: tier 2 (≥ 400M), 150,000,000 short of 600M.
    # The lower tier, 1, pays 500,000.
    assert_frame_equal(lines([line]), want([(P[0], "8", "", "1", "tier", "500000", None, "")]))
    by_firms, by_online = line.detail["tier_by_active_firms"], line.detail["tier_by_online_total"]
    assert (by_firms["tier"], by_firms["next"], by_firms["distance"]) == (1, "40", "1")
    assert (by_online["tier"], by_online["next"], by_online["distance"]) == (2, "600000000", "150000000")
