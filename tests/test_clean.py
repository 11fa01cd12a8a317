"""Cell parsing (SPEC §3): every accepted format of every kind, and what is quarantined."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from kqcalc import tables as T
from kqcalc.clean import clean, credit_code_check_ok, parse_cells
from kqcalc.lines import Context, Period
from kqcalc.policy import load_policy
from kqcalc.read import RawTable, ReadResult, read_inputs

ID_A = "91330603MA2B0A0A0H"  # wrong check character
GOOD = "91330603MA2B0A0A0W"  # check character computed by hand in test_check_character


def parse(kind: str, values: list[str | None]) -> tuple[list, list]:
    value, error, _, _ = parse_cells(pl.DataFrame({"c": values}, schema={"c": pl.String}),
                                     [T.Column("c", (), kind)])["c"]
    return value.to_list(), error.to_list()


@pytest.mark.parametrize("text", ["是", "Y", "y", "yes", "YES", "true", "True", "1", "√"])
def test_true_spellings(text: str) -> None:
    assert parse(T.BOOL, [text]) == ([True], [None])


@pytest.mark.parametrize("text", ["否", "N", "no", "false", "FALSE", "0", "×"])
def test_false_spellings(text: str) -> None:
    assert parse(T.BOOL, [text]) == ([False], [None])


def test_unreadable_boolean_is_an_error() -> None:
    assert parse(T.BOOL, ["maybe"]) == ([None], ["bad_boolean"])


@pytest.mark.parametrize(
    "text",
    ["2020-07-01", "2020/7/1", "2020/07/01", "2020年7月1日", "44013", "44013.0", "2020-07-01 00:00:00",
     "2020-07-01T00:00:00", " 2020-07-01 ", "２０２０-０７-０１"],
)
def test_date_spellings(text: str) -> None:
    # 44013 is the Excel serial of 2020-07-01: days since 1899-12-30.
    assert parse(T.DATE, [text]) == ([date(2020, 7, 1)], [None])


@pytest.mark.parametrize("text", ["2020-02-30", "July 1st", "2020-7", "2020-13-01"])
def test_unreadable_dates_are_errors(text: str) -> None:
    assert parse(T.DATE, [text]) == ([None], ["bad_date"])


@pytest.mark.parametrize(
    ("text", "day"),
    [("2021/6/30 18:30", date(2021, 6, 30)), ("2020/7/1 9:05", date(2020, 7, 1)),
     ("2020-09-01T10:00", date(2020, 9, 1)), ("2020-09-01 10:00:00", date(2020, 9, 1)),
     ("2020/9/1 0:00", date(2020, 9, 1)), ("2020/9/1 0:00:00", date(2020, 9, 1)),
     ("2020年7月1日 9:30", date(2020, 7, 1)), ("2020年7月1日 09:30:15", date(2020, 7, 1)),
     ("2020.7.1 23:59", date(2020, 7, 1)), ("20200701 10:00", date(2020, 7, 1)),
     ("2021-06-30 23:59:59.999", date(2021, 6, 30)),  # a workbook datetime cell as calamine writes it
     ("2021-06-30  18:30", date(2021, 6, 30)), ("２０２１/６/３０ １８:３０", date(2021, 6, 30))],
)
def test_a_date_with_a_time_of_day_is_the_calendar_day_it_falls_on(text: str, day: date) -> None:
    assert parse(T.DATE, [text]) == ([day], [None])


@pytest.mark.parametrize(
    ("text", "day"),
    # 44377 = 2021-06-30 (1899-12-30 + 44377 days); .75 of a day is 18:00.
    [("44377.75", date(2021, 6, 30)), ("44377.5", date(2021, 6, 30)), ("44013.00", date(2020, 7, 1)),
     # Excel shows a serial rounded to the millisecond: half a millisecond before midnight is
     # 1 - 1/172,800,000 = 0.999999994212962962… of a day; from there on the cell shows the next day.
     # the first 30 digits of that fraction: just below it, 23:59:59.999
     ("44377.999999994212962962962962962962", date(2021, 6, 30)),
     ("44377.999999994212962962962962962963", date(2021, 7, 1)),  # just above: 2021-07-01 00:00:00.000
     ("44377.9999999942129629629629629629629", None),  # 31 fraction digits: more than kqcalc reads
     ("44377.99999999999", date(2021, 7, 1))],
)
def test_an_excel_serial_with_a_fraction_is_the_day_excel_shows(text: str, day: date | None) -> None:
    assert parse(T.DATE, [text]) == ([day], [None if day else "bad_date"])


@pytest.mark.parametrize(
    "text",
    ["2020.7",  # year.month: no day
     "2020", "2020.0", "4401", "440130",  # a serial has five digits: a shorter number is a year, not a date
     "18:30", "9:05:00", "T10:00",  # a time without a date
     "1899-12-31 18:30:00", "1899-12-31 00:00:00",  # what a workbook cell holding only a time of day reads as
     "2020/2/30", "2020/2/30 10:00", "2020/7/1 25:00", "2020/7/1 24:00", "2020/7/1 10:60", "2020/7/1 10:00:60",
     "2020-07-01T10:00Z", "2020-07-01 10:00+08:00",  # a time zone makes the day doubtful
     "44013 10:00", "2020/7/1 10", "2020/7/1 下午6:30", "2020/7/1 6:30 PM"],
)
def test_still_not_dates(text: str) -> None:
    assert parse(T.DATE, [text]) == ([None], ["bad_date"])


@pytest.mark.parametrize(
    ("text", "value"),
    [("1234.5", "1234.5"), ("1,234.50", "1234.5"), ("¥1,234.50", "1234.5"), ("$1234.5", "1234.5"),
     ("US$1,234.5", "1234.5"), ("us$ 12", "12"), ("12345.675", "12345.675"), ("0", "0"), (".5", "0.5")],
)
def test_amount_spellings(text: str, value: str) -> None:
    values, bad = parse(T.MONEY, [text])
    assert bad == [None]
    assert values[0] == Decimal(value)


@pytest.mark.parametrize(("text", "code"), [("-5", "negative_value"), ("12abc", "bad_number"),
                                            ("1.2.3", "bad_number"), ("¥-0.01", "negative_value")])
def test_bad_amounts(text: str, code: str) -> None:
    assert parse(T.MONEY, [text]) == ([None], [code])


def test_counts_must_be_whole() -> None:
    assert parse(T.COUNT, ["100", "100.0", "100.5"]) == ([100, 100, None], [None, None, "not_whole_number"])


@pytest.mark.parametrize(("text", "code"), [("usd", "USD"), ("502", "USD"), ("美元", "USD"), ("142", "CNY"),
                                            ("人民币", "CNY"), ("RMB", "CNY"), ("300", "EUR"), ("欧元", "EUR"),
                                            ("303", "GBP"), ("英镑", "GBP"), ("116", "JPY"), ("日元", "JPY"),
                                            ("hkd", "HKD")])
def test_currency_spellings(text: str, code: str) -> None:
    assert parse(T.CURRENCY, [text]) == ([code], [None])


def test_unknown_currency_is_an_error() -> None:
    assert parse(T.CURRENCY, ["dollars"]) == ([None], ["bad_currency"])


def test_firm_id_is_normalised() -> None:
    # Full-width characters, spaces and lower case are normalised (NFKC, spaces removed, upper case).
    assert parse(T.FIRM_ID, ["９１３３０６０３ma2b 0a0a0h"]) == ([ID_A], [None])


@pytest.mark.parametrize("text", ["91330603MA2B0A0A0", "91330603MA2B0A0A0I", "913306"])
def test_bad_firm_ids(text: str) -> None:
    assert parse(T.FIRM_ID, [text]) == ([None], ["bad_firm_id"])


def test_check_character() -> None:
    # 9 1 3 3 0 6 0 3 M A 2 B 0 A 0 A 0 with weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9 + 3 + 27 + 81 + 0 + 156 + 0 + 51 + 21*20 + 10*29 + 2*25 + 11*13 + 0 + 10*24 + 0 + 10*30 + 0 = 1770;
    # 1770 mod 31 = 3; 31 - 3 = 28 → alphabet 0-9 A-H J-N P-R T U W X Y: index 28 = "W".
    assert credit_code_check_ok(GOOD)
    assert not credit_code_check_ok(ID_A)


def _read(**tables: pl.DataFrame) -> ReadResult:
    pieces = {}
    for name, frame in tables.items():
        frame = frame.with_columns(_row=pl.int_range(2, frame.height + 2, dtype=pl.Int64))
        pieces[name] = [RawTable(name, f"{name}.csv", f"{name}.csv", frame, {c: c for c in frame.columns},
                                 frame.height)]
    return ReadResult(pieces, [], {})


FIRM = {"firm_id": [GOOD], "firm_name": ["甲"], "in_zone": ["是"],
        "independent_accounting": ["是"], "independent_tax": ["是"]}


def test_identical_duplicates_merge_and_conflicting_ones_are_all_quarantined() -> None:
    exports = pl.DataFrame({
        "declaration_no": ["D1", "d1 ", "D2", "D2"], "firm_id": [GOOD] * 4,
        "declared_on": ["2020-07-01"] * 4, "amount": ["10", "10.00", "5", "6"], "via_platform": ["是"] * 4,
    })
    result = clean(_read(firms=pl.DataFrame(FIRM), exports_9610=exports), 2020)
    kept = result.tables["exports_9610"]
    assert kept["_row"].to_list() == [2]  # D1 twice (identical after parsing) → one; D2 conflicting → none
    codes = sorted((i.row, i.code) for i in result.issues if i.table == "exports_9610")
    assert codes == [(3, "duplicate_merged"), (4, "duplicate_conflict"), (5, "duplicate_conflict")]
    count = result.counts["exports_9610.csv"]
    assert (count.read, count.merged, count.quarantined) == (4, 1, 2)


def test_foreign_amounts_convert_exactly_and_missing_rates_quarantine() -> None:
    tx = pl.DataFrame({
        "firm_id": [GOOD] * 3, "platform": ["amazon"] * 3, "model": ["B2C"] * 3,
        "traded_on": ["2020-07-01"] * 3, "amount": ["¥1,000", "100", "7"], "currency": ["142", "EUR", "GBP"],
    })
    fx = pl.DataFrame({"currency": ["人民币", "eur"], "usd_per_unit": ["0.1412345678", "1.1"]})
    result = clean(_read(firms=pl.DataFrame(FIRM), transactions=tx, fx_rates=fx), 2020)
    kept = result.tables["transactions"].select("currency", "amount").rows()
    assert kept == [("CNY", Decimal("1000")), ("EUR", Decimal("100"))]
    assert result.fx == {"USD": Decimal(1), "CNY": Decimal("0.1412345678"), "EUR": Decimal("1.1")}
    ctx = Context(result.tables, load_policy(None), Period(date(2020, 7, 1), date(2021, 6, 30)), fx=result.fx)
    # 1000 × 0.1412345678 + 100 × 1.1, exactly
    assert ctx.usd({"CNY": Decimal("1000"), "EUR": Decimal("100")}) == Decimal("251.2345678")
    assert [(i.row, i.code) for i in result.issues if i.severity == "error"] == [(4, "no_fx_rate")]


def test_numbers_in_exponent_form_are_written_out_exactly() -> None:
    # a CSV written from a float column: 1.5E+06 is 1,500,000 and 4.3149946062567421E-5 keeps its 17 digits
    tx = pl.DataFrame({
        "firm_id": [GOOD] * 2, "platform": ["amazon"] * 2, "model": ["B2C"] * 2, "traded_on": ["2020-07-01"] * 2,
        "amount": ["1.5E+06", "2,500"], "currency": ["USD", "VND"],
    })
    fx = pl.DataFrame({"currency": ["VND"], "usd_per_unit": ["4.3149946062567421E-5"]})
    result = clean(_read(firms=pl.DataFrame(FIRM), transactions=tx, fx_rates=fx), 2020)
    assert result.fx["VND"] == Decimal("0.000043149946062567421")
    assert result.tables["transactions"]["amount"].to_list() == [Decimal("1500000"), Decimal("2500")]
    assert [i for i in result.issues if i.severity == "error"] == []


def test_rates_and_amounts_keep_every_digit_written() -> None:
    tx = pl.DataFrame({
        "firm_id": [GOOD] * 3, "platform": ["amazon"] * 3, "model": ["B2C"] * 3, "traded_on": ["2020-07-01"] * 3,
        "amount": ["23175000.123456789", "0.1234567890123456789012", "5"], "currency": ["VND", "USD", "HKD"],
    })
    fx = pl.DataFrame({"currency": ["VND", "HKD"],
                       "usd_per_unit": ["0.000043149946062567421", "0.1290289282857216612"]})
    result = clean(_read(firms=pl.DataFrame(FIRM), transactions=tx, fx_rates=fx), 2020)
    assert result.fx["VND"] == Decimal("0.000043149946062567421")  # not cut to 10 places
    assert result.fx["HKD"] == Decimal("0.1290289282857216612")
    assert result.tables["transactions"]["amount"].to_list() == [Decimal("23175000.123456789"), Decimal("5")]
    # 22 decimals: more than kqcalc keeps; an error, never a cut number
    assert [(i.row, i.code) for i in result.issues if i.severity == "error"] == [(3, "too_many_decimals")]
    ctx = Context(result.tables, load_policy(None), Period(date(2020, 7, 1), date(2021, 6, 30)), fx=result.fx)
    # 23175000.123456789 × 0.000043149946062567421 = 999.9999999999999...: exact, not 1000.00
    # 23175000 × rate = 43149946062567421 × 23175 × 1e-18 = 999.999999999999981675
    assert ctx.usd({"VND": Decimal("23175000")}) == Decimal("999.999999999999981675")
    # plus 0.123456789 × rate = 0.000005327153768082785...: exact, never rounded to 1000.00
    assert ctx.usd({"VND": Decimal("23175000.123456789")}) == Decimal("1000.000005327153768082766892671169")


def test_negative_record_with_unreadable_date_is_kept_and_reported() -> None:
    records = pl.DataFrame({"firm_id": [GOOD], "category": ["偷税"], "occurred_on": ["去年"]})
    result = clean(_read(firms=pl.DataFrame(FIRM), negative_records=records), 2020)
    assert result.tables["negative_records"].height == 1
    assert [(i.code, i.severity) for i in result.issues if i.table == "negative_records"] == [("bad_date", "error")]


def test_vectorised_check_character_agrees_with_the_single_one() -> None:
    from kqcalc.clean import credit_codes_ok

    codes = [GOOD, ID_A, "91330603MA2B0A0A0X", "911000001000000004"]
    assert credit_codes_ok(pl.Series(codes)).to_list() == [credit_code_check_ok(c) for c in codes]


def test_workbook_datetime_and_date_cells_are_their_calendar_day(tmp_path: Path) -> None:
    # calamine writes a datetime cell as "2021-06-30 18:30:00" and a date cell as "2021-06-30 00:00:00"; a cell
    # holding only a time of day has no date (Excel counts it from serial 0, read as 1899-12-31) and is an error.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws.append(list(FIRM))
    ws.append([v[0] for v in FIRM.values()])
    ws = wb.create_sheet("stores")
    ws.append(["firm_id", "platform", "store_id", "model", "opened_on"])
    cells = {"S1": datetime(2021, 6, 30, 18, 30), "S2": date(2021, 6, 30), "S3": datetime(2021, 6, 30, 23, 59, 59),
             "S4": datetime(2021, 7, 1, 0, 10), "S5": 44377.75, "S6": time(18, 30), "S7": "2021/6/30 18:30"}
    for store, cell in cells.items():
        ws.append([GOOD, "dhgate.com", store, "B2B", cell])
    wb.save(tmp_path / "book.xlsx")
    result = clean(read_inputs([str(tmp_path / "book.xlsx")]), 2020)
    days = dict(result.tables["stores"].select("store_id", "opened_on").iter_rows())
    assert days == {"S1": date(2021, 6, 30), "S2": date(2021, 6, 30), "S3": date(2021, 6, 30),
                    "S4": date(2021, 7, 1), "S5": date(2021, 6, 30), "S7": date(2021, 6, 30)}
    assert [(i.row, i.code) for i in result.issues if i.table == "stores"] == [(7, "bad_date")]


@pytest.mark.parametrize("lazy", [False, True])
def test_parquet_datetimes_are_their_calendar_day_unless_they_carry_a_time_zone(tmp_path: Path, lazy: bool) -> None:
    # 2021-06-30 18:30 UTC is 2021-07-01 02:30 in China: with a zone the day is doubtful, so the cell is refused.
    pl.DataFrame(FIRM).write_parquet(tmp_path / "firms.parquet")
    moments = pl.Series([datetime(2021, 6, 30, 18, 30), datetime(2021, 7, 1, 0, 10), datetime(1899, 12, 31, 18, 30)])

    def stores(name: str, opened_on: pl.Series) -> str:
        (tmp_path / name).mkdir()
        pl.DataFrame({"firm_id": GOOD, "platform": "dhgate.com", "model": "B2B", "opened_on": opened_on,
                      "store_id": [f"{name[0]}{i + 1}" for i in range(len(opened_on))]}).write_parquet(
            tmp_path / name / "stores.parquet")
        return str(tmp_path / name)

    folders = [stores("naive", moments), stores("zoned", moments.dt.replace_time_zone("UTC")),
               stores("day", pl.Series([date(1899, 12, 31), date(2021, 6, 30)]))]
    result = clean(read_inputs([str(tmp_path / "firms.parquet"), *folders], lazy=lazy), 2020)
    kept = sorted(result.tables["stores"].select("store_id", "opened_on").rows())
    assert kept == [("d2", date(2021, 6, 30)), ("n1", date(2021, 6, 30)), ("n2", date(2021, 7, 1))]
    bad = sorted((Path(i.file).parent.name, i.row, i.code) for i in result.issues if i.table == "stores")
    assert bad == [("day", 1, "bad_date"), ("naive", 3, "bad_date"), *[("zoned", row, "bad_date") for row in (1, 2, 3)]]


def parse_stored(kind: str, values: pl.Series) -> tuple[list, list, list]:
    """(values, errors, texts) of one column of cells stored with a type (as a Parquet file holds them)."""
    value, error, text, _ = parse_cells(values.rename("c").to_frame(), [T.Column("c", (), kind)])["c"]
    return value.to_list(), error.to_list(), text.to_list()


def test_stored_decimals_are_exact_and_too_many_places_are_an_error() -> None:
    # A Parquet decimal of 7 places is read digit for digit; one of 22 places has more than the 20 an amount
    # keeps (MONEY_SCALE): refused, never cut, and the message quotes it as written.
    seven = pl.Series([Decimal("1.1234567"), Decimal("-2.5000000"), None], dtype=pl.Decimal(20, 7))
    values, errors, _ = parse_stored(T.MONEY, seven)
    assert values == [Decimal("1.1234567"), None, None]
    assert errors == [None, "negative_value", None]
    tiny = pl.Series([Decimal("0.0000000000000000000001")], dtype=pl.Decimal(38, 22))
    values, errors, texts = parse_stored(T.MONEY, tiny)
    assert (values, errors, texts) == ([None], ["too_many_decimals"], ["0.0000000000000000000001"])


def test_stored_numbers_dates_and_flags_are_their_values() -> None:
    assert parse_stored(T.COUNT, pl.Series([0, 7, -1], dtype=pl.Int32))[:2] == ([0, 7, None],
                                                                              [None, None, "negative_value"])
    assert parse_stored(T.YEAR, pl.Series([2019, 1899], dtype=pl.Int64))[:2] == ([2019, None], [None, "bad_year"])
    # a float is read from its text: 1.5 is "1.5", exactly 1.5
    assert parse_stored(T.MONEY, pl.Series([1.5], dtype=pl.Float64))[:2] == ([Decimal("1.5")], [None])
    assert parse_stored(T.RATE, pl.Series([0], dtype=pl.Int64))[:2] == ([None], ["bad_rate"])
    assert parse_stored(T.BOOL, pl.Series([True, False, None]))[:2] == ([True, False, None], [None, None, None])
    # Excel's first day is 1900-01-01: an earlier stored date is a bad_date (a workbook's time-only cell)
    days = pl.Series([date(2021, 6, 30), date(1899, 12, 31)])
    assert parse_stored(T.DATE, days)[:2] == ([date(2021, 6, 30), None], [None, "bad_date"])
    # a stored moment is the day it falls on (its text "2021-06-30 18:30:00")
    moments = pl.Series([datetime(2021, 6, 30, 18, 30), datetime(2021, 7, 1, 0, 0, 0, 500)])
    assert parse_stored(T.DATE, moments)[:2] == ([date(2021, 6, 30), date(2021, 7, 1)], [None, None])


def test_a_blank_cell_is_its_columns_default_or_missing() -> None:
    frame = pl.DataFrame({"currency": [None, " ", "eur"], "is_logistics": [None, "否", "是"],
                          "firm_id": [None, GOOD, " " + GOOD.lower()], "ref": [None, "A-1", "Ｂ-２"]},
                         schema={n: pl.String for n in ("currency", "is_logistics", "firm_id", "ref")})
    columns = [T.Column("currency", (), T.CURRENCY, default="USD"), T.Column("is_logistics", (), T.BOOL, default="否"),
               T.Column("firm_id", (), T.FIRM_ID, required=True), T.Column("ref", (), T.KEY, default="")]
    cells = parse_cells(frame, columns)
    assert cells["currency"].value.to_list() == ["USD", "USD", "EUR"]
    assert cells["is_logistics"].value.to_list() == [False, False, True]
    assert cells["firm_id"].value.to_list() == [None, GOOD, GOOD]
    assert cells["firm_id"].error.to_list() == ["missing_value", None, None]
    assert cells["ref"].value.to_list() == ["", "A-1", "B-2"]
    assert cells["ref"].key.to_list() == ["", "a-1", "b-2"]  # keys are case-folded (SPEC §2)


def test_cleaning_leaves_what_was_read_as_it_was() -> None:
    # Data flows one way: clean reads the pieces and never changes them, so one read can be cleaned again (what-if
    # cleans the same read once per period) and gives the same tables, issues and row accounting.
    from polars.testing import assert_frame_equal

    read = read_inputs([str(Path(__file__).parent.parent / "sample_data")])
    period = Period(date(2020, 7, 1), date(2021, 6, 30))
    first = clean(read, 2020, period=period)
    heights = {p.file: p.frame.height for pieces in read.tables.values() for p in pieces}
    again = clean(read, 2020, period=period)
    assert heights == {p.file: p.frame.height for pieces in read.tables.values() for p in pieces}
    assert sum(heights.values()) > 100
    for name, frame in first.tables.items():  # (compact rows come in no particular order)
        order = [c for c in frame.columns if frame.schema[c] != pl.Categorical]
        assert_frame_equal(again.tables[name].sort(order, nulls_last=True), frame.sort(order, nulls_last=True))
    assert again.issues == first.issues
    assert {f: vars(c) for f, c in again.counts.items()} == {f: vars(c) for f, c in first.counts.items()}
