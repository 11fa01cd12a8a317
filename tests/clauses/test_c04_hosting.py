"""Clause 四 (kqcalc/items/c04_hosting.py): item 4, a hosting provider with ≥ 20 distinct clients whose summed B2C
≥ USD 3,000,000 or summed B2B ≥ USD 10,000,000 → 5 % of its summed service fees, cap 100,000 RMB.

对提供跨境电商第三方托管服务的企业，其实际服务企业达到20家，且其服务企业跨境B2C年在线总交易额达到300万美元及以上或跨境
B2B年在线总交易额达到1000万美元及以上的，按照服务费的5%给予补助，最高不超过10万元。"""

from __future__ import annotations

from clause_kit import FINAL_COLUMNS, FIRM, cleaned, final, finals, firms, gross, lines, want
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c04_hosting

P = [credit_code(n) for n in range(21, 25)]


def _hosting(provider: str, b2c: list[str], b2b: list[str], fees: list[str]) -> dict[str, list[str]]:
    """One row per client C01, C02, … of `provider` (as many as `fees`); a blank amount is 0."""
    n = len(fees)
    return {"provider_id": [provider] * n, "client_name": [f"客户{i:02d}" for i in range(1, n + 1)],
            "client_id": [f"C{i:02d}" for i in range(1, n + 1)], "client_b2c_usd": b2c, "client_b2b_usd": b2b,
            "service_fee_rmb": fees}


def _cat(*tables: dict[str, list[str]]) -> dict[str, list[str]]:
    return {c: [v for t in tables for v in t[c]] for c in tables[0]}


def test_clause_4_pays_5_percent_of_the_fees_at_exactly_20_clients_and_usd_3m_b2c() -> None:
    _, ctx = cleaned(firms=firms(*P[:2]), hosting_services=_cat(
        _hosting(P[0], ["150,000"] * 20, [""] * 20, ["1,000.10"] * 20),
        _hosting(P[1], ["157,894.74"] * 19, [""] * 19, ["1,000"] * 19)))
    # P0: 20 clients, B2C 20 × 150,000 = 3,000,000 USD (exactly), fees 20 × 1,000.10 = 20,002 RMB
    #     → 5 % × 20,002 = 1,000.1 RMB, cap 100,000.
    # P1: 19 clients (one short), B2C 19 × 157,894.74 = 3,000,000.06 USD, fees 19,000 → 0.
    assert_frame_equal(lines(gross(c04_hosting, ctx)), want([
        (P[0], "4", "", "20002", "RMB", "1000.1", "100000", ""),
        (P[1], "4", "", "19000", "RMB", "0", "100000", "below_client_threshold")]))


def test_clause_4_needs_the_clients_b2c_or_their_b2b_and_not_a_fen_below_either() -> None:
    _, ctx = cleaned(firms=firms(*P[:3]), hosting_services=_cat(
        _hosting(P[0], ["150,000"] * 19 + ["149,999.99"], ["500,000"] * 19 + ["499,999.99"], ["100"] * 20),
        _hosting(P[1], [""] * 20, ["500,000"] * 20, ["100"] * 20),
        _hosting(P[2], ["10"] * 20, ["0"] * 19 + ["10,000,000"], ["100"] * 20)))
    # P0: B2C 19 × 150,000 + 149,999.99 = 2,999,999.99 and B2B 19 × 500,000 + 499,999.99 = 9,999,999.99:
    #     one fen below each → 0.
    # P1: no B2C; B2B 20 × 500,000 = 10,000,000 USD (exactly) → met: 5 % × (20 × 100 = 2,000) = 100 RMB.
    # P2: B2C 200, B2B 10,000,000 from one client → met: 100 RMB.
    assert_frame_equal(lines(gross(c04_hosting, ctx)), want([
        (P[0], "4", "", "2000", "RMB", "0", "100000", "below_threshold"),
        (P[1], "4", "", "2000", "RMB", "100", "100000", ""),
        (P[2], "4", "", "2000", "RMB", "100", "100000", "")]))


def test_clause_4_gives_both_reasons_when_both_conditions_fail() -> None:
    _, ctx = cleaned(firms=firms(P[0]), hosting_services=_hosting(P[0], ["1"], ["1"], ["5,000"]))
    # 1 client (< 20), B2C 1 and B2B 1 USD: both conditions fail, in the order the clause states them
    assert_frame_equal(lines(gross(c04_hosting, ctx)), want([
        (P[0], "4", "", "5000", "RMB", "0", "100000", "below_client_threshold;below_threshold")]))


def test_clause_4_is_capped_at_100_000_rmb() -> None:
    _, ctx = cleaned(firms=firms(FIRM), hosting_services=_hosting(FIRM, ["150,000"] * 20, [""] * 20,
                                                                  ["100,000"] * 19 + ["100,000.20"]))
    got = final(gross(c04_hosting, ctx), ctx)
    # fees 19 × 100,000 + 100,000.20 = 2,000,000.20 RMB; 5 % = 100,000.01 → capped at 100,000
    assert_frame_equal(lines(got), want([(FIRM, "4", "", "2000000.2", "RMB", "100000.01", "100000", "")]))
    assert_frame_equal(finals(got), want([(FIRM, "4", "", "100000", "100000.00", "awarded", "")], FINAL_COLUMNS))
