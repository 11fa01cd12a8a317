"""The sample generator: deterministic, faithful to the hand-worked scenario, and scalable.

The expected award lines in sample_data/expected/expected_awards.csv were worked out by
hand (sample_data/expected/EXPECTED.md); these tests check that the generated data
carry the totals that arithmetic starts from, that the lines listed are
exactly the lines SPEC §2 says must exist, and finally that the engine agrees.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from kqcalc.tables import TABLES
from kqcalc.text import CREDIT_CODE_ALPHABET as USCC_ALPHABET
from kqcalc.text import credit_code_check_char as uscc_check
from kqcalc.tools.sample import (
    CORE,
    PERIOD_END,
    PERIOD_START,
    WORKBOOK_STEM,
    generate,
    make_uscc,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
EXPECTED = SAMPLE / "expected" / "expected_awards.csv"
FX = {"USD": Decimal(1), "EUR": Decimal("1.2"), "CNY": Decimal("0.15")}
FIRM_ID_COLUMNS = {t.name: [c.name for c in t.columns if c.kind == "firm_id"] for t in TABLES.values()}


@pytest.fixture(scope="module")
def core_csv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """The default sample as CSV, every cell read as text."""
    out = tmp_path_factory.mktemp("core")
    generate(out, fmt="csv")
    return {name: pl.read_csv(out / f"{name}.csv", infer_schema=False) for name in TABLES}


def _in_period(column: str) -> pl.Expr:
    d = pl.col(column).str.to_date()
    return (d >= PERIOD_START) & (d <= PERIOD_END)


def _expected_rows() -> list[dict[str, str]]:
    with EXPECTED.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# (a) determinism


def test_the_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    args = {"seed": 7, "firms": 300, "transactions": 12_000, "declarations": 6_000, "logistics": 5_000}
    first = generate(tmp_path / "a", fmt="csv", **args)
    second = generate(tmp_path / "b", fmt="csv", **args)
    assert [p.name for p in first] == [p.name for p in second] == [f"{name}.csv" for name in TABLES]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_seed_changes_only_the_scale_layer(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", fmt="csv", seed=1)
    b = generate(tmp_path / "b", fmt="csv", seed=2)
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))
    a = generate(tmp_path / "c", fmt="csv", seed=1, firms=100)
    b = generate(tmp_path / "d", fmt="csv", seed=2, firms=100)
    assert (tmp_path / "c" / "firms.csv").read_bytes() != (tmp_path / "d" / "firms.csv").read_bytes()


# (b) the committed workbook is what the generator writes


def _sheets(path: Path) -> dict[str, pl.DataFrame]:
    reader = fastexcel.read_excel(path)
    return {name: reader.load_sheet(name, dtypes="string").to_polars() for name in reader.sheet_names}


def test_the_committed_sample_workbook_is_a_fresh_generate(tmp_path: Path) -> None:
    (fresh,) = generate(tmp_path)
    committed = SAMPLE / f"{WORKBOOK_STEM}.xlsx"
    assert fresh.name == committed.name
    old, new = _sheets(committed), _sheets(fresh)
    assert list(old) == list(new) == [t.alias for t in TABLES.values()]
    for name in new:
        assert old[name].equals(new[name]), name


def test_the_workbook_has_chinese_sheets_headers_and_typed_cells(tmp_path: Path) -> None:
    (path,) = generate(tmp_path)
    reader = fastexcel.read_excel(path)
    tx = reader.load_sheet("交易").to_polars()
    assert tx.columns == [c.alias for c in TABLES["transactions"].columns]
    assert tx.schema["交易日期"] == pl.Datetime("ms")
    assert tx.schema["金额"] == pl.Float64
    firms = reader.load_sheet("企业名录").to_polars()
    assert set(firms["园区注册"]) == {"是", "否"}
    en = generate(tmp_path / "en", lang="en")[0]
    assert fastexcel.read_excel(en).sheet_names == list(TABLES)


def test_sheet_rows_moves_the_rest_to_further_workbooks(tmp_path: Path) -> None:
    paths = generate(tmp_path, sheet_rows=3_000)
    assert [p.name for p in paths] == [f"{WORKBOOK_STEM}.xlsx", f"{WORKBOOK_STEM}-2.xlsx", f"{WORKBOOK_STEM}-3.xlsx"]
    total: dict[str, int] = {}
    for path in paths:
        for name, frame in _sheets(path).items():
            assert frame.height <= 3_000
            total[name] = total.get(name, 0) + frame.height
    whole = _sheets(SAMPLE / f"{WORKBOOK_STEM}.xlsx")
    assert total == {name: frame.height for name, frame in whole.items()}


# (c) the scale layer


def test_the_scale_layer_gives_the_requested_rows_and_valid_ids(tmp_path: Path) -> None:
    generate(tmp_path, fmt="parquet", seed=11, firms=2_000, transactions=150_000, declarations=80_000,
             logistics=60_000)
    t = {name: pl.read_parquet(tmp_path / f"{name}.parquet") for name in TABLES}
    assert (t["firms"].height, t["transactions"].height, t["exports_9610"].height, t["logistics"].height) == \
        (2_000, 150_000, 80_000, 60_000)
    ids = t["firms"]["firm_id"]
    assert ids.n_unique() == ids.len()
    assert all(len(i) == 18 and set(i) <= set(USCC_ALPHABET) and uscc_check(i[:17]) == i[17] for i in ids)
    known = set(ids) | {CORE["X7"].firm_id}
    for name in ("transactions", "exports_9610", "logistics", "stores"):
        column = FIRM_ID_COLUMNS[name][0]
        assert set(t[name][column].unique()) <= known, name
    # unique but for the core's one deliberate identical duplicate in each
    assert t["exports_9610"]["declaration_no"].n_unique() == t["exports_9610"].unique().height == 80_000 - 1
    assert t["logistics"]["waybill_no"].n_unique() == t["logistics"].unique().height == 60_000 - 1
    assert t["stores"].select("platform", "store_id").n_unique() == t["stores"].height
    carriers = set(t["firms"].filter(pl.col("is_logistics"))["firm_id"]) | {CORE["F01"].firm_id}  # F01: on purpose
    assert set(t["logistics"]["logistics_firm_id"]) <= carriers
    for name, column in (("transactions", "traded_on"), ("exports_9610", "declared_on"), ("logistics", "shipped_on")):
        inside = t[name][column].is_between(PERIOD_START, PERIOD_END).mean()
        assert 0.9 < inside < 1.0, name
    assert (t["transactions"]["orders"] > 1).any() and (t["transactions"]["amount"] > 0).all()


def test_counts_below_the_core_give_the_core(tmp_path: Path, core_csv: dict[str, pl.DataFrame]) -> None:
    generate(tmp_path, fmt="csv", firms=10, transactions=5)
    assert pl.read_csv(tmp_path / "firms.csv", infer_schema=False).height == core_csv["firms"].height == 80
    assert pl.read_csv(tmp_path / "transactions.csv", infer_schema=False).height == core_csv["transactions"].height


def test_check_characters_follow_gb_32100() -> None:
    assert make_uscc("91", "350100", "M000100Y") == "91350100M000100Y43"  # the standard's own example
    assert all(uscc_check(f.firm_id[:17]) == f.firm_id[17] for f in CORE.values())


# The hand-worked totals of EXPECTED.md are what the data add up to


def _b2c_usd(t: dict[str, pl.DataFrame]) -> dict[str, Decimal]:
    tx = t["transactions"].filter(_in_period("traded_on") & (pl.col("model") == "B2C"))
    sums: dict[str, Decimal] = {}
    for row in tx.iter_rows(named=True):
        usd = Decimal(row["amount"]) * FX[row["currency"] or "USD"]
        sums[row["firm_id"]] = sums.get(row["firm_id"], Decimal(0)) + usd
    return sums


def test_the_b2c_totals_are_the_ones_worked_by_hand(core_csv: dict[str, pl.DataFrame]) -> None:
    stated = {
        "F01": "5200000", "F02": "2999000", "F03": "30000", "F04": "45000", "F05": "29950", "F06": "3100000",
        "F09": "4000000", "F10": "12345678.90", "F11": "31000000", "F12": "85000", "L2": "3200000",
        "X1": "3500000", "X2": "6000000", "X4": "11000000", "X5": "4200000", "X6": "3300000", "X7": "3050000",
        "E01": "3050000", "E02": "7800000", "E03": "1250000", "E04": "640000", "E05": "10000000",
        "E07": "420096.50", "E08": "3000000", "E10": "4400000", "E11": "18600000", "E12": "2150000",
        "E13": "96000", "E15": "5600000", "E16": "860000", "E17": "3450000", "E21": "3980000", "E22": "26500000",
        "E23": "31200",
    }
    assert _b2c_usd(core_csv) == {CORE[k].firm_id: Decimal(v) for k, v in stated.items()}


def test_the_new_store_orders_are_the_ones_worked_by_hand(core_csv: dict[str, pl.DataFrame]) -> None:
    stores = core_csv["stores"].filter(_in_period("opened_on"))
    tx = core_csv["transactions"].filter(_in_period("traded_on")).join(stores, on=["platform", "store_id"],
                                                                       suffix="_store")
    orders = tx.group_by("firm_id_store", "platform").agg(pl.col("orders").cast(pl.Int64).sum())
    got = {(r["firm_id_store"], r["platform"]): r["orders"] for r in orders.iter_rows(named=True)}
    stated = {("F03", "AliExpress"): 100, ("F03", "阿里巴巴国际站"): 45, ("F04", "Shopee"): 99, ("F04", "Lazada"): 60,
              ("F05", "eBay"): 180, ("F06", "Wish"): 260, ("F07", "ec21.com"): 18, ("F08", "中国制造网"): 20,
              ("F12", "AliExpress"): 150, ("X4", "AliExpress"): 400, ("E04", "Amazon"): 130,
              ("E07", "Shopee"): 3, ("E13", "Amazon"): 240, ("E13", "DHgate.com"): 12, ("E14", "环球资源"): 40,
              ("E23", "Amazon"): 160}
    assert got == {(CORE[k].firm_id, p): n for (k, p), n in stated.items()}


def test_the_9610_and_parcel_totals_are_the_ones_worked_by_hand(core_csv: dict[str, pl.DataFrame]) -> None:
    decl = core_csv["exports_9610"].unique()  # the identical duplicate is one declaration
    assert decl.height == core_csv["exports_9610"].height - 1
    assert decl["declaration_no"].n_unique() == decl.height
    via: dict[str, Decimal] = {}
    for row in decl.filter(_in_period("declared_on") & (pl.col("via_platform") == "是")).iter_rows(named=True):
        via[row["firm_id"]] = via.get(row["firm_id"], Decimal(0)) + Decimal(row["amount"]) * FX[row["currency"]]
    stated = {"F11": "800000", "F13": "250007.50", "F14": "300000", "F16": "1500000", "X2": "600000",
              "E09": "86420", "E10": "2200000", "E12": "350000", "E15": "900000", "E24": "1000000"}
    assert via == {CORE[k].firm_id: Decimal(v) for k, v in stated.items()}

    parcels = core_csv["logistics"].unique()
    assert parcels.height == core_csv["logistics"].height - 1
    kg: dict[str, Decimal] = {}
    for row in parcels.filter(_in_period("shipped_on") & (pl.col("deposited") == "是")).iter_rows(named=True):
        kg[row["logistics_firm_id"]] = kg.get(row["logistics_firm_id"], Decimal(0)) + Decimal(row["weight_kg"])
    stated = {"L1": "12345.6", "L2": "5000", "E18": "2468.2", "F01": "860.5"}
    assert kg == {CORE[k].firm_id: Decimal(v) for k, v in stated.items()}


def test_the_hosting_and_onboarding_counts_are_the_ones_worked_by_hand(core_csv: dict[str, pl.DataFrame]) -> None:
    h = core_csv["hosting_services"]
    for key, clients, b2c, b2b, fees in (("H1", 24, "3600000", "2400000", "860000"),
                                         ("H2", 19, "5000000", "1200000", "400000"),
                                         ("H3", 30, "1000000", "12000000", "2400000")):
        rows = h.filter(pl.col("provider_id") == CORE[key].firm_id)
        assert rows.height == clients
        assert rows.select(pl.coalesce("client_id", "client_name")).n_unique() == clients
        for column, total in (("client_b2c_usd", b2c), ("client_b2b_usd", b2b), ("service_fee_rmb", fees)):
            assert sum(Decimal(v) for v in rows[column].drop_nulls()) == Decimal(total), (key, column)
    ob = core_csv["platform_onboarding"]
    for key, qualifying in (("P1", 12), ("P2", 6), ("P3", 4), ("P4", 55)):
        rows = ob.filter((pl.col("platform_id") == CORE[key].firm_id) & _in_period("joined_on"))
        assert sum(Decimal(v) >= 100_000 for v in rows["client_annual_usd"]) == qualifying, key


# The expected lines are exactly the lines SPEC §2 says exist


def _lines_that_exist(t: dict[str, pl.DataFrame]) -> set[tuple[str, str, str]]:
    lines: set[tuple[str, str, str]] = set()
    new_stores = t["stores"].filter(_in_period("opened_on"))
    for model, item in (("B2C", "1A"), ("B2B", "1B")):
        lines |= {(f, item, "") for f in new_stores.filter(pl.col("model") == model)["firm_id"]}
    tx = t["transactions"].filter(_in_period("traded_on") & (pl.col("model") == "B2C"))
    lines |= {(f, "2", "") for f in tx["firm_id"]}
    lines |= {(f, "3A", "") for f in t["exports_9610"].filter(_in_period("declared_on"))["firm_id"]}
    lines |= {(f, "3B", "") for f in t["logistics"].filter(_in_period("shipped_on"))["logistics_firm_id"]}
    lines |= {(f, "4", "") for f in t["hosting_services"]["provider_id"]}
    lines |= {(f, "5", "") for f in t["trainings"].filter(_in_period("started_on"))["institution_id"]}
    lines |= {(f, "6", "") for f in pl.concat([t["platforms"]["platform_id"], t["platform_onboarding"]["platform_id"]])}
    lines |= {(f, "7", "") for f in t["o2o_stores"]["firm_id"]}
    lines |= {(f, "8", "") for f in t["parks"]["park_id"]}
    for row in t["warehouses"].iter_rows(named=True):
        lines |= {(row["firm_id"], item, row["warehouse_id"]) for item in ("9A", "9B", "9C")}
    for row in t["university_programs"].iter_rows(named=True):
        lines.add((row["university_id"], "10A" if row["kind"] == "专业" else "10B", row["program_id"]))
    return lines


def test_the_expected_lines_are_every_line_that_exists(core_csv: dict[str, pl.DataFrame]) -> None:
    expected = {(r["firm_id"], r["item"], r["ref"]) for r in _expected_rows()}
    assert len(expected) == len(_expected_rows())
    assert expected == _lines_that_exist(core_csv)


def test_every_item_is_paid_at_least_once_and_every_status_appears() -> None:
    rows = _expected_rows()
    paid = {r["item"] for r in rows if Decimal(r["award_rmb"]) > 0}
    assert paid == {"1A", "1B", "2", "3A", "3B", "4", "5", "6", "7", "8", "9A", "9B", "9C", "10A", "10B"}
    assert {r["status"] for r in rows} == {"awarded", "not_met", "ineligible", "already_awarded", "superseded",
                                           "topped_up", "adjusted"}
    names = {f.firm_id: f.name if f.registered else "" for f in CORE.values()}
    assert all(names[r["firm_id"]] == r["firm_name"] for r in rows)


# (d) the engine agrees with the hand-worked lines


def test_compute_on_the_sample_gives_the_expected_awards(tmp_path: Path) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "kqcalc", "compute", "sample_data/", "--out", str(out),
                           "--formats", "csv"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "awards.csv").open(encoding="utf-8-sig", newline="") as fh:
        got = {(r["firm_id"], r["item"], r["ref"], r["status"], r["award_rmb"]) for r in csv.DictReader(fh)}
    want = {(r["firm_id"], r["item"], r["ref"], r["status"], r["award_rmb"]) for r in _expected_rows()}
    assert sorted(got - want) == [] and sorted(want - got) == []


def test_bad_arguments_are_usage_errors(tmp_path: Path) -> None:
    from kqcalc.errors import UsageError

    with pytest.raises(UsageError):
        generate(tmp_path, fmt="ods")
    with pytest.raises(UsageError):
        generate(tmp_path, lang="fr")
    with pytest.raises(UsageError):
        generate(tmp_path, transactions=-1)
