"""Clause 六 (kqcalc/items/c06_platforms.py): item 6, a platform with an annual amount ≥ USD 30,000,000 → 20,000 RMB
per distinct client that joined in the period with a client annual amount ≥ USD 100,000, cap 1,000,000.

对年交易额达到3000万美元的跨境电商平台企业，每新增1家年交易额达10万美元的企业在该平台上开展业务，给予平台企业2万元奖励，
单个平台企业每年奖励资金不超过100万元。"""

from __future__ import annotations

from clause_kit import FINAL_COLUMNS, cleaned, final, finals, firms, gross, lines, table, want
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.items import c06_platforms

P = [credit_code(n) for n in range(31, 36)]


def _onboarding(*rows: tuple[str, str, str, str]) -> dict[str, list[str]]:
    """Clients from (platform_id, client_id, joined_on, client_annual_usd) rows, named after their id."""
    named = [(platform, f"企业{client}", client, joined, usd) for platform, client, joined, usd in rows]
    return table(("platform_id", "client_name", "client_id", "joined_on", "client_annual_usd"), *named)


def test_clause_6_pays_20_000_rmb_per_client_of_usd_100_000_that_joined_in_the_period() -> None:
    _, ctx = cleaned(
        firms=firms(P[0]), platforms={"platform_id": [P[0]], "annual_usd": ["30,000,000"]},
        platform_onboarding=_onboarding((P[0], "K1", "2020-07-01", "100,000"), (P[0], "K2", "2021-06-30", "100,000.01"),
                                        (P[0], "K3", "2020-09-01", "99,999.99"), (P[0], "K4", "2020-06-30", "500,000")))
    (line,) = gross(c06_platforms, ctx)
    # annual 30,000,000 USD: exactly the threshold. K1 (first day, exactly 100,000) and K2 (last day) qualify;
    # K3 is one fen short; K4 joined the day before the period. 2 clients × 20,000 = 40,000 RMB, cap 1,000,000.
    assert_frame_equal(lines([line]), want([(P[0], "6", "", "2", "clients", "40000", "1000000", "")]))
    assert (line.detail["clients_joined_in_period"], line.detail["qualifying_clients"]) == (3, 2)


def test_clause_6_needs_the_platforms_annual_amount_and_a_qualifying_client() -> None:
    _, ctx = cleaned(
        firms=firms(*P[:4]),
        platforms={"platform_id": [P[0], P[2]], "annual_usd": ["29,999,999.99", "50,000,000"]},
        platform_onboarding=_onboarding((P[0], "K1", "2020-09-01", "200,000"), (P[1], "K2", "2020-09-01", "200,000"),
                                        (P[2], "K3", "2020-09-01", "99,999.99")))
    # P0: one fen below 30,000,000 (1 qualifying client, not paid); P1: onboarding rows but no `platforms` row,
    # its annual amount is unknown; P2: 50,000,000, but its only client has 99,999.99 → no qualifying client.
    assert_frame_equal(lines(gross(c06_platforms, ctx)), want([
        (P[0], "6", "", "1", "clients", "0", "1000000", "below_threshold"),
        (P[1], "6", "", "1", "clients", "0", "1000000", "platform_amount_unknown"),
        (P[2], "6", "", "0", "clients", "0", "1000000", "no_qualifying_clients")]))


def test_clause_6_is_capped_at_1_000_000_rmb() -> None:
    clients = [(P[0], f"K{i}", "2020-10-01", "100,000") for i in range(1, 52)]
    _, ctx = cleaned(firms=firms(P[0]), platforms={"platform_id": [P[0]], "annual_usd": ["40,000,000"]},
                     platform_onboarding=_onboarding(*clients))
    got = final(gross(c06_platforms, ctx), ctx)
    # 51 clients × 20,000 = 1,020,000 RMB → capped at 1,000,000
    assert_frame_equal(lines(got), want([(P[0], "6", "", "51", "clients", "1020000", "1000000", "")]))
    assert_frame_equal(finals(got), want([(P[0], "6", "", "1000000", "1000000.00", "awarded", "")], FINAL_COLUMNS))
