"""The general rules (kqcalc/rules.py) as expressions over a lines frame: tiny inline gross lines, the final lines
compared with values worked out by hand (polars.testing.assert_frame_equal).

An exact value is held as F (truncated to 20 decimals) and a flag `_inexact` (digits were cut: x > F), see
kqcalc/lines.py. The keqiao-2020 policy: 3A 0.03 RMB per USD capped at 1,500,000; 1A one-time; 8 topped up;
9A/9B/9C exempt from 从高不重复; 5 and 8 exempt from the registry test; 9C requires its warehouse's 9A or 9B paid.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from firm_codes import credit_code
from polars.testing import assert_frame_equal

from kqcalc.errors import InputError
from kqcalc.lines import GROSS_SCHEMA, Context, Period, held
from kqcalc.policy import load_policy
from kqcalc.rules import Registry, apply_rules

A, B, C = credit_code(11), credit_code(12), credit_code(13)  # C is not in the firms table
PERIOD = Period(date(2020, 7, 1), date(2021, 6, 30))
FLAGS = {"in_zone": True, "independent_accounting": True, "independent_tax": True, "is_logistics": False,
         "case_by_case": False}
REGISTRY = Registry({A: {**FLAGS, "firm_name": "甲"}, B: {**FLAGS, "firm_name": "乙"}}, set())
AWARDS = {"firm_id": pl.String, "item": pl.String, "ref": pl.String, "amount_rmb": pl.Decimal(38, 20)}
ADJUSTMENTS = {"firm_id": pl.String, "item": pl.String, "ref": pl.String, "award_rmb": pl.Decimal(38, 20),
               "reason": pl.String, "_file": pl.String, "_row": pl.Int64}


def context(prior: list[tuple] = (), other: list[tuple] = (), adjustments: list[tuple] = ()) -> Context:  # type: ignore[assignment]
    tables = {"prior_awards": pl.DataFrame(list(prior), schema=AWARDS, orient="row"),
              "other_awards": pl.DataFrame(list(other), schema=AWARDS, orient="row"),
              "adjustments": pl.DataFrame(list(adjustments), schema=ADJUSTMENTS, orient="row")}
    return Context(tables, load_policy(None), PERIOD)


def gross(*rows: tuple) -> pl.DataFrame:
    """Gross lines (firm, item, ref, gross F, inexact, cap, reasons) with measure = gross."""
    return pl.DataFrame([(firm, item, ref, Decimal(f), inexact, "RMB", Decimal(f), inexact,
                          None if cap is None else Decimal(cap), reasons, "{}")
                         for firm, item, ref, f, inexact, cap, reasons in rows],
                        schema=GROSS_SCHEMA, orient="row")


FINAL = {"firm_id": pl.String, "item": pl.String, "ref": pl.String, "capped": pl.String, "capped_inexact": pl.Boolean,
         "award": pl.String, "status": pl.String, "reason": pl.String, "deductions": pl.String}


def final(lines: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, list]:
    got, issues = apply_rules(lines, ctx, REGISTRY)
    deductions = pl.col("deductions").list.eval(pl.format("{}:{}:{}", pl.element().struct.field("rule"),
                                                          pl.element().struct.field("amount"),
                                                          pl.element().struct.field("reason"))).list.join(" ")
    return got.select("firm_id", "item", "ref", pl.col("capped").cast(pl.String), "capped_inexact",
                      pl.col("award").cast(pl.String), "status", "reason", deductions), issues


def want(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=FINAL, orient="row")


def z20(text: str) -> str:
    """A Decimal(38, 20) as Polars writes it: 20 decimals."""
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac:0<20}"


def test_an_inexact_gross_rounds_as_the_exact_value_at_a_half_fen() -> None:
    lines = gross(
        # x = 10.005 exactly: half away from zero → 10.01
        (A, "2", "", "10.005", False, None, []),
        # x = 10.00499999999999999999 + 1/3 × 10^-20, just below the half fen → 10.00
        (A, "4", "", "10.00499999999999999999", True, None, []),
        # x = 10.005 + 1/3 × 10^-20, just above it → 10.01
        (A, "6", "", "10.005", True, None, []),
        # x = 2/3 → 0.67
        (B, "2", "", "0.66666666666666666666", True, None, []),
    )
    got, issues = final(lines, context())
    assert not issues
    assert_frame_equal(got, want(
        (A, "2", "", z20("10.005"), False, "10.01", "awarded", "", ""),
        (A, "4", "", "10.00499999999999999999", True, "10.00", "awarded", "", ""),
        (A, "6", "", z20("10.005"), True, "10.01", "awarded", "", ""),
        (B, "2", "", "0.66666666666666666666", True, "0.67", "awarded", "", ""),
    ))


def test_an_inexact_gross_at_the_cap() -> None:
    lines = gross(
        # x a hair above the cap (1,500,000 + 1/3 × 10^-20): capped exactly at the cap
        (A, "3A", "", "1500000", True, "1500000", []),
        # x a hair below it (1,499,999.99999999999999999999 + 1/3 × 10^-20 < 1,500,000): not capped, rounds up
        (B, "3A", "", "1499999.99999999999999999999", True, "1500000", []),
        # exactly the cap
        (C, "5", "", "1500000", False, "1500000", []),
    )
    got, _ = final(lines, context())
    assert_frame_equal(got, want(
        (A, "3A", "", z20("1500000"), False, "1500000.00", "awarded", "", ""),
        (B, "3A", "", "1499999.99999999999999999999", True, "1500000.00", "awarded", "", ""),
        # C is not in the firms table: item 5 is exempt from the registry test, not from being registered
        (C, "5", "", z20("1500000"), False, "0.00", "ineligible", "not_in_firms",
         "eligibility:1500000.00:not_in_firms"),
    ))


def test_one_time_and_highest_only_take_from_the_exact_amount() -> None:
    lines = gross(
        (A, "1A", "", "10000", False, None, []),  # paid before: already_awarded
        (A, "2", "", "250.33333333333333333333", True, None, []),  # 100 under other policies: 150.333… → 150.33
        (B, "2", "", "80", False, None, []),  # 100 under other policies: nothing left, superseded
        (A, "8", "P", "1000000", False, None, []),  # earlier tier 600,000: topped up by the difference
        (B, "8", "P", "600000", False, None, []),  # earlier tier 600,000: nothing left
    )
    money = pl.Decimal(38, 20)
    ctx = context(prior=[(A, "1A", "", Decimal("10000")), (A, "8", "P", Decimal("600000")),
                         (B, "8", "P", Decimal("600000"))],
                  other=[(A, "2", "", Decimal("100")), (B, "2", " ", Decimal("100"))])
    assert ctx.tables["prior_awards"].schema["amount_rmb"] == money
    got, _ = final(lines, ctx)
    assert_frame_equal(got, want(
        (A, "1A", "", z20("10000"), False, "0.00", "already_awarded", "prior_award", "one_time:10000.00:prior_award"),
        (A, "2", "", "250.33333333333333333333", True, "150.33", "topped_up", "other_level_award",
         "highest_only:100.00:other_level_award"),
        (B, "2", "", z20("80"), False, "0.00", "superseded", "other_level_award",
         "highest_only:80.00:other_level_award"),
        (A, "8", "P", z20("1000000"), False, "400000.00", "awarded", "prior_award", "one_time:600000.00:prior_award"),
        (B, "8", "P", z20("600000"), False, "0.00", "already_awarded", "prior_award",
         "one_time:600000.00:prior_award"),
    ))


def test_an_unknown_prior_amount_takes_the_whole_line() -> None:
    got, _ = final(gross((A, "8", "P", "1000000", False, None, [])), context(prior=[(A, "8", "P", None)]))
    assert got.get_column("award").to_list() == ["0.00"]
    assert got.get_column("status").to_list() == ["already_awarded"]


def test_9c_waits_for_its_warehouse_9a_or_9b_paid_in_this_run() -> None:
    lines = gross(
        (A, "9A", "W1", "200000", False, None, []),
        (A, "9C", "W1", "100000", False, None, []),  # W1's 9A is paid: 9C paid
        (A, "9A", "W2", "0", False, None, ["not_new_pilot"]),
        (A, "9C", "W2", "100000", False, None, []),  # nothing paid for W2: 9C not met
    )
    got, _ = final(lines, context())
    assert got.select("ref", "item", "award", "status", "reason").rows() == [
        ("W1", "9A", "200000.00", "awarded", ""), ("W1", "9C", "100000.00", "awarded", ""),
        ("W2", "9A", "0.00", "not_met", "not_new_pilot"), ("W2", "9C", "0.00", "not_met", "no_paid_9a_9b")]


def test_an_adjustment_sets_a_paid_award_and_a_bad_one_is_an_issue() -> None:
    lines = gross((A, "2", "", "500000", False, None, []), (B, "2", "", "1000", False, None, []))
    ctx = context(adjustments=[(A, "2", "", Decimal("450000"), "审计调减", "adj.csv", 2),
                               (B, "2", "", Decimal("2000"), "多报", "adj.csv", 3)])
    got, issues = final(lines, ctx)
    assert_frame_equal(got, want(
        (A, "2", "", z20("500000"), False, "450000.00", "adjusted", "adjusted", "adjustment:50000.00:adjusted"),
        (B, "2", "", z20("1000"), False, "1000.00", "awarded", "", ""),
    ))
    assert [(i.row, i.code) for i in issues] == [(3, "adjustment_above_amount")]


def test_held_truncates_to_20_decimals_and_fails_closed_beyond_10_18() -> None:
    third = Decimal(1) / Decimal(3)
    assert held(third, A, "7") == (Decimal("0.33333333333333333333"), True)
    assert held(Decimal("12.5"), A, "7") == (Decimal("12.5"), False)
    most = Decimal("999999999999999999.99999999999999999999")  # 10^18 − 10^-20: the largest a frame holds
    assert held(most, A, "3A") == (most, False)
    with pytest.raises(InputError) as stop:
        held(Decimal(10) ** 18, A, "3A")
    assert stop.value.code == "line_value_not_held" and A in stop.value.message("en")


def test_tier_detail_of_an_inexact_measure_shows_the_distance_of_the_exact_value() -> None:
    import msgspec

    from kqcalc.lines import json_fields, tier_detail_fields

    frame = pl.DataFrame({"measure": [Decimal("2999999.9999995"), Decimal("2999999.9999995"), Decimal("5000000")],
                          "measure_inexact": [False, True, True]},
                         schema={"measure": pl.Decimal(38, 20), "measure_inexact": pl.Boolean})
    got = [msgspec.json.decode(text) for text in frame.select(
        json_fields(tier_detail_fields("measure", [Decimal(3000000), Decimal(5000000)], "USD"))).to_series()]
    # exact: 3,000,000 − 2,999,999.9999995 = 0.0000005 → 0.000001 (half away from zero); a hair more than
    # 2,999,999.9999995: the distance is a hair less than 0.0000005 → 0
    assert [(d["tier"], d.get("reached"), d.get("next"), d.get("distance"), d["measure"]) for d in got] == [
        (0, None, "3000000", "0.000001", "3000000"), (0, None, "3000000", "0", "3000000"),
        (2, "5000000", None, None, "5000000")]


def test_a_sum_polars_wrapped_past_38_digits_stops_the_run_naming_the_firm() -> None:
    from kqcalc.lines import checked_sum, held_frame

    rows = pl.DataFrame({"firm_id": [A, A, B], "currency": ["USD"] * 3,
                         "amount": [Decimal("900000000000000000"), Decimal("900000000000000000"), Decimal("1.5")]},
                        schema={"firm_id": pl.String, "currency": pl.String, "amount": pl.Decimal(38, 20)})
    # 9 × 10^17 + 9 × 10^17 = 1.8 × 10^18 does not fit a Decimal(38, 20): Polars' group sum wraps, the check sees it
    sums = rows.group_by("firm_id", "currency").agg(*checked_sum(pl.col("amount"), None, "amount")).sort("firm_id")
    with pytest.raises(InputError) as stop:
        held_frame(sums, "firm_id", {"USD": Decimal(1)}, {"gross": Decimal("0.03")}, "3A")
    assert stop.value.code == "line_value_not_held" and A in stop.value.message("en")
    fine = held_frame(sums.filter(pl.col("firm_id") == B), "firm_id", {"USD": Decimal(1)}, {"gross": Decimal("0.03")},
                      "3A")
    assert fine.rows() == [(B, Decimal("1.5"), False, Decimal("0.045"), False)]


def test_prior_awards_summing_past_38_digits_stop_the_run() -> None:
    ctx = context(prior=[(A, "8", "P", Decimal("900000000000000000")), (A, "8", "P", Decimal("900000000000000000"))])
    with pytest.raises(InputError) as stop:
        apply_rules(gross((A, "8", "P", "1000000", False, None, [])), ctx, REGISTRY)
    assert stop.value.code == "line_value_not_held"
