"""The memory guards give what reading whole gives.

A province's tables are read so that they never sit in memory as text (SPEC §6): Parquet read lazily (its cells
as stored, loaded by the cleaner: read.load), big tables typed a slice at a time (clean.CHUNK_ROWS), big sheets
loaded ahead. Each is checked here against reading everything at once, on cells chosen to hit the edges (blanks,
spaces, full-width text, other spellings, negative numbers, typed Parquet columns, blank and total rows). The
cell grammar itself is tested in test_clean.py, on values worked out by hand. The number formatting of
lines.plain/fen_text is checked against the standard library.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kqcalc import clean as clean_module
from kqcalc import tables as T
from kqcalc.clean import clean
from kqcalc.compact import BIG_TABLES, IN_PERIOD, compact_query
from kqcalc.lines import FEN, Period, exact_context, fen_text, plain
from kqcalc.read import read_inputs

CELLS = [
    "", " ", "  x", "x ", "是", "否", "Y", "n", "yes", "TRUE", "1", "0", "1.0", "√", "×", "x", "是 ", "１",
    "2020-07-01", "2020-7-1", "2020/07/01", "2020年7月1日", "44000", "44000.0", "20200701", "2020-02-30",
    "2020-07-01 00:00:00", "2020-02-30 00:00:00", "2020-07-01 00:00:01", "2020-7-1 00:00:00", "2020-07-01 00:00:00.5",
    "2020-07-01T00:00:00", "2020-07-01 24:00:00", "2021-06-30", "12", "12.5", "-3", "1,234.50", "¥100", "US$ 5",
    "3,5", "1e5", ".5", "5.",
    "00012", "12.1234567", "99999999999999999999999999999999999", "USD", "usd", "RMB", "CNY", "502", "美元", "HKD",
    "EU", "B2C", "b2c", "B2B", "B2 C", "major", "专业", "学院", "College", "national", "国家", "市", "1A", "1a", "10B",
    "9C", "2019", "2019年", "1899", "2020.0", "91330603MA2BA7HQ53", "91330603ma2ba7hq53", " 91330603MA2BA7HQ53",
    "9133 0603MA2BA7HQ53", "９１３３０６０３ＭＡ２ＢＡ７ＨＱ５３", "913306037209313801", "敦煌网",
    "绍兴柯桥锦绣纺织品有限公司", "公司（一）", "中 国", "ABC", "Amazon", "eBay ", "ｅＢａｙ", "Ｓtore", "a\tb",
    "\u3000x", "x\u00a0", "合计", "0.0", "0.00000001", "Straße", None,
    "阿里巴巴国际站", " 中国制造网", "环球资源\u3000", "中国 制造", "\uf900", "㊀店", "店铺Ａ1", "鿿", "一a B",
    # dates with a time of day (SPEC §3), and what stays unreadable
    "2021/6/30 18:30", "2020/7/1 9:05", "2020-09-01T10:00", "2020-09-01 10:00:00", "2020/9/1 0:00",
    "2021-06-30 18:30:00", "2020年7月1日 9:30", "2021-06-30 23:59:59.999", "44377.75", "44377.99999999999",
    "1899-12-31 18:30:00", "1899-12-31 00:00:00", "2020.7", "18:30", "2020/7/1 25:00", "44013 10:00",
    "2020-09-01T10:00Z", "2021-06-30 23:59:60", "2021-06-30T18:30:00", "2021-06-30 18:30:00.5", "2020-7-01 18:30:00",
]


def _typed_column(c: T.Column, n: int, rng: random.Random) -> pl.Series:
    pick = rng.random()
    if c.kind == T.DATE and pick < 0.5:
        return pl.Series(c.name, [rng.choice([datetime.date(2020, 7, 1), datetime.date(2021, 1, 31), None])
                                  for _ in range(n)], pl.Date)
    if c.kind == T.DATE and pick < 0.6:
        moments = [datetime.datetime(2020, 7, 1), datetime.datetime(2021, 1, 31, 13, 5, 1, 500), None]
        return pl.Series(c.name, [rng.choice(moments) for _ in range(n)], pl.Datetime("us"))
    if c.kind == T.BOOL and pick < 0.6:
        return pl.Series(c.name, [rng.choice([True, False, None]) for _ in range(n)], pl.Boolean)
    if c.kind in (T.COUNT, T.YEAR) and pick < 0.6:
        return pl.Series(c.name, [rng.choice([0, 1, 5, -2, 2020, 1899, None]) for _ in range(n)], pl.Int32)
    if c.kind in (T.MONEY, T.QUANTITY, T.RATE) and pick < 0.4:
        return pl.Series(c.name, [rng.choice([Decimal("1.50"), Decimal("0.00"), Decimal("-2.25"), None])
                                  for _ in range(n)], pl.Decimal(18, 2))
    if c.kind in (T.MONEY, T.QUANTITY, T.RATE) and pick < 0.5:
        return pl.Series(c.name, [rng.choice([Decimal("1.1234567"), Decimal("0.0000005"), None]) for _ in range(n)],
                         pl.Decimal(20, 7))
    if c.kind in (T.MONEY, T.QUANTITY, T.RATE) and pick < 0.6:
        return pl.Series(c.name, [rng.choice([1.5, 0.1, -1.0, 1e-7, 12345678.9, None]) for _ in range(n)], pl.Float64)
    if c.kind in (T.MONEY, T.QUANTITY, T.RATE, T.COUNT) and pick < 0.7:
        return pl.Series(c.name, [rng.choice([0, 7, -1, None]) for _ in range(n)], pl.Int64)
    return pl.Series(c.name, [rng.choice(CELLS) for _ in range(n)], pl.String)


@pytest.mark.parametrize("seed", range(6))
def test_a_lazily_read_parquet_table_cleans_as_the_eager_read_does(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    pl.DataFrame({"firm_id": ["91330603MA2BA7HQ53", "913306037209313801"], "firm_name": ["a", "b"],
                  "in_zone": [True, True], "independent_accounting": [True, False],
                  "independent_tax": [True, True]}).write_parquet(tmp_path / "firms.parquet")
    for name in rng.sample([t for t in T.TABLES if t != "firms"], 6):
        n = rng.randint(0, 30)
        columns = [_typed_column(c, n, rng) for c in T.TABLES[name].columns if c.required or rng.random() < 0.9]
        if rng.random() < 0.3:
            columns.append(pl.Series("extra", [rng.choice(CELLS) for _ in range(n)], pl.String))
        rng.shuffle(columns)
        frame = pl.DataFrame(columns)
        if rng.random() < 0.5:  # a blank row
            frame = pl.concat([frame, pl.DataFrame([pl.Series(s.name, [None], s.dtype) for s in frame.iter_columns()]),
                               frame.head(2)])
        if frame.schema[frame.columns[0]] == pl.String and rng.random() < 0.6:  # a total row
            frame = pl.concat([frame, pl.DataFrame([pl.Series(s.name, [" 合计" if i == 0 else None], s.dtype)
                                                    for i, s in enumerate(frame.iter_columns())])])
        frame.write_parquet(tmp_path / f"{name}.parquet")
    eager = clean(read_inputs([str(tmp_path)]), 2020)
    lazy = clean(read_inputs([str(tmp_path)], lazy=True), 2020)
    for name in T.TABLES:
        assert_frame_equal(lazy.tables[name], eager.tables[name])
    assert sorted(map(repr, lazy.issues)) == sorted(map(repr, eager.issues))
    assert {f: vars(c) for f, c in lazy.counts.items()} == {f: vars(c) for f, c in eager.counts.items()}


def _plain(value: Decimal | int, places: int = 6) -> str:
    text = f"{Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def test_plain_and_fen_text_format_as_quantize_does() -> None:
    rng = random.Random(3)
    values = [Decimal("0"), Decimal("-0"), Decimal("0E-16"), Decimal("1E+3"), Decimal("-0.0000004"),
              Decimal("-0.0000005"), Decimal("12.5000005"), Decimal("35839531.9655000000000000"), Decimal("-0.005")]
    values += [Decimal(rng.randint(-10**12, 10**12)).scaleb(-rng.randint(-5, 20)) for _ in range(5000)]
    with exact_context():
        values += [Decimal(1) / Decimal(3), Decimal(2) / Decimal(3) * Decimal("1E+10")]
        for value in values:
            for places in (0, 2, 6, 10):
                assert plain(value, places) == _plain(value, places)
            assert fen_text(value) == f"{value.quantize(FEN, rounding=ROUND_HALF_UP):.2f}"
        for whole in range(-5, 50):
            assert plain(whole) == _plain(whole)


GOOD_CELLS = {T.BOOL: ["是", "否", "Y"], T.MODEL: ["B2C", "B2B", "b2c"], T.COUNT: ["0", "3", "12"],
              T.MONEY: ["1", "2.5", "1,000.25"], T.QUANTITY: ["0.5", "12.345"], T.KEY: ["eBay", "s1", "S1 "],
              T.TEXT: ["x", "店"]}
BIG_KEYS = ["29322020I000000001", "29322020i000000001", " 29322020I000000002", "２９３２２０２０I000000002",
            "SD2004020000001", "sd2004020000001", "Straße", "STRASSE", "", None]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("lazy", "chunk_rows"), [(True, 4), (False, 4), (False, 30)])
def test_big_tables_cleaned_a_chunk_at_a_time_are_the_compact_rows_of_the_whole_table(
        tmp_path: Path, seed: int, lazy: bool, chunk_rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # A province's big tables are typed a few rows at a time (clean.CHUNK_ROWS, here 4 or 30) and only their
    # compact rows kept; duplicates may lie in different chunks and files. Parquet read lazily is sliced; files
    # read whole are typed one by one, or together while they fit in a chunk (clean._batches). The result must
    # be what cleaning the whole table at once and then grouping it gives: the same compact rows, issues and
    # row accounting.
    rng = random.Random(seed)
    pl.DataFrame({"firm_id": ["91330603MA2BA7HQ53", "913306037209313801"], "firm_name": ["a", "b"],
                  "in_zone": [True, True], "independent_accounting": [True, False],
                  "independent_tax": [True, True]}).write_parquet(tmp_path / "firms.parquet")
    pl.DataFrame({"currency": ["EUR", "USD"], "usd_per_unit": ["1.1", "1"]}).write_csv(tmp_path / "fx_rates.csv")
    firms = ["91330603MA2BA7HQ53", "913306037209313801", "91330603MA2BA7HQ5X", "bad id"]
    days = [datetime.date(2020, 7, 1), datetime.date(2021, 6, 30), datetime.date(2021, 7, 1), None]
    for name in ("transactions", "exports_9610", "logistics"):
        for part in range(rng.randint(1, 2)):
            n = rng.randint(0, 25)
            columns = []
            for c in T.TABLES[name].columns:
                if c.kind == T.FIRM_ID:
                    values = [rng.choice(firms) for _ in range(n)]
                elif c.kind == T.KEY and c.name in T.TABLES[name].key:
                    values = [rng.choice(BIG_KEYS) for _ in range(n)]
                elif c.kind == T.DATE:
                    columns.append(pl.Series(c.name, [rng.choice(days) for _ in range(n)], pl.Date))
                    continue
                elif c.kind == T.CURRENCY:
                    values = [rng.choice(["USD", "EUR", "JPY", "美元"]) for _ in range(n)]
                else:
                    values = [rng.choice(GOOD_CELLS[c.kind]) if rng.random() < 0.95 else rng.choice(CELLS)
                              for _ in range(n)]
                columns.append(pl.Series(c.name, values, pl.String))
            frame = pl.DataFrame(columns)
            if n:  # identical copies of some rows (merged when their key repeats, or twice counted when unkeyed)
                frame = pl.concat([frame, frame.sample(rng.randint(1, 3), with_replacement=True, seed=seed)])
            folder = tmp_path / f"part{part}"
            folder.mkdir(exist_ok=True)
            frame.write_parquet(folder / f"{name}.parquet")
    paths = [str(tmp_path), str(tmp_path / "part0"), str(tmp_path / "part1")]
    (tmp_path / "part1").mkdir(exist_ok=True)
    period = Period(datetime.date(2020, 7, 1), datetime.date(2021, 6, 30))
    whole = clean(read_inputs(paths), 2020)
    monkeypatch.setattr(clean_module, "CHUNK_ROWS", chunk_rows)
    chunked = clean(read_inputs(paths, lazy=lazy), 2020, period=period)
    for name in ("transactions", "exports_9610", "logistics"):
        spec = BIG_TABLES[name]
        expected = compact_query(name, whole.tables[name].lazy(), period).collect()
        order = [*spec.by, "_file", IN_PERIOD]
        assert_frame_equal(chunked.tables[name].sort(order, nulls_last=True),
                           expected.sort(order, nulls_last=True), check_column_order=False)
    assert sorted(map(repr, chunked.issues)) == sorted(map(repr, whole.issues))
    assert {f: vars(c) for f, c in chunked.counts.items()} == {f: vars(c) for f, c in whole.counts.items()}


def _awkward_workbook(path: Path) -> None:
    """A transactions sheet of 3,000 rows (its XML beyond the 64 KB probe) with a title row, a merged range,
    formulas with and without a cached value, an Excel error cell and a total row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "transactions"
    ws.append(["2020 年交易"])
    ws.append(["firm_id", "platform", "store_id", "model", "traded_on", "orders", "amount", "currency"])
    for i in range(3000):
        ws.append(["91330603MA2BA7HQ53", "amazon.com", f"s{i % 7}", "B2C", "2020-08-01", 1, 100 + i, "USD"])
    ws["G10"] = "=G9*2"  # no cached value (openpyxl does not compute it)
    ws["G11"] = "#DIV/0!"
    ws["G11"].data_type = "e"
    ws.merge_cells("B20:C20")
    ws.append(["合计", None, None, None, None, None, "=SUM(G3:G3002)"])
    wb.save(path)


@pytest.mark.parametrize("sample", ["sample_data", "awkward"])
def test_sheets_loaded_ahead_read_as_sheets_loaded_in_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           sample: str) -> None:
    # Big sheets are loaded on two loader threads ahead of the one being turned into a table; here any sheet counts
    # as big, and the result must be what reading the sheets in turn gives.
    from kqcalc.read import xlsx as read

    awkward = sample == "awkward"
    if awkward:
        pl.DataFrame({"firm_id": ["91330603MA2BA7HQ53"], "firm_name": ["a"], "in_zone": ["是"],
                      "independent_accounting": ["是"], "independent_tax": ["是"]}).write_csv(tmp_path / "firms.csv")
        _awkward_workbook(tmp_path / "transactions.xlsx")
    sample = str(tmp_path) if awkward else str(Path(__file__).parent.parent / "sample_data")
    monkeypatch.setattr(read, "LOAD_AHEAD_ROWS", 10**9)
    in_turn = read_inputs([sample])
    monkeypatch.setattr(read, "LOAD_AHEAD_ROWS", 1)
    loaded = []
    load = read.load_and_scan
    monkeypatch.setattr(read, "load_and_scan", lambda *args: loaded.append(args[1].name) or load(*args))
    ahead = read_inputs([sample])
    sheets = [p.file.rsplit(":", 1)[1] for pieces in in_turn.tables.values() for p in pieces if ".xlsx:" in p.file]
    assert sorted(loaded) == sorted(sheets) and len(sheets) == (1 if awkward else 18)  # every sheet went ahead
    assert sorted(ahead.tables) == sorted(in_turn.tables)
    for name, pieces in in_turn.tables.items():
        for mine, theirs in zip(ahead.tables[name], pieces, strict=True):
            assert_frame_equal(mine.frame, theirs.frame)
            assert (mine.file, mine.headers, mine.rows_read, mine.rows_excluded, mine.bad_rows) == (
                theirs.file, theirs.headers, theirs.rows_read, theirs.rows_excluded, theirs.bad_rows)
    assert ahead.issues == in_turn.issues and ahead.files == in_turn.files
    if awkward:  # the awkward cells were all seen
        codes = {i.code for i in ahead.issues} | {i.code for p in ahead.tables["transactions"]
                                                  for found in p.bad_rows.values() for i in found}
        assert {"title_rows_skipped", "formula_without_value", "cell_error", "merged_cells", "total_row"} <= codes


def _write_csv(path: Path, rows: list[list[str]], bom: bool) -> None:
    import csv as csv_module
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv_module.writer(fh, lineterminator="\r\n" if bom else "\n").writerows(rows)


@pytest.mark.parametrize("seed", range(6))
def test_a_big_csv_read_lazily_cleans_as_the_eager_read_does(
        tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every CSV file counts as big here, so read_inputs(lazy=True) streams each into a temporary Parquet file.
    from kqcalc.read import csv as csv_reader
    monkeypatch.setattr(csv_reader, "LAZY_CSV_BYTES", 0)
    rng = random.Random(seed)
    quoted = ["a,b", "line\nbreak", '"quoted"', " 合计", "小计", "  ", "店,铺\n二"]
    _write_csv(tmp_path / "firms.csv", [["统一社会信用代码" if seed % 2 else "firm_id", "firm_name", "in_zone",
                                         "independent_accounting", "independent_tax"],
                                        ["91330603MA2BA7HQ53", "a,\n甲", "是", "是", "是"],
                                        ["913306037209313801", "b", "是", "否", "是"]], bool(seed % 2))
    for name in rng.sample([t for t in T.TABLES if t != "firms"], 6):
        columns = [c for c in T.TABLES[name].columns if c.required or rng.random() < 0.9]
        rng.shuffle(columns)
        header = [rng.choice([c.name, *c.aliases]) for c in columns]  # Chinese spellings among them
        if rng.random() < 0.4:
            header.append("" if rng.random() < 0.5 else "extra")
        rows: list[list[str]] = [["某区跨境电商数据"]] if rng.random() < 0.3 else []  # a title row above the header
        rows.append(header)
        for _ in range(rng.randint(0, 30)):
            pick = rng.random()
            if pick < 0.1:
                rows.append([""] * len(header))  # a blank row
            elif pick < 0.2:
                rows.append([rng.choice(["合计", " 总计 ", "Total", "", " "])] + [""] * (len(header) - 1))
            else:
                rows.append([rng.choice(CELLS + quoted) for _ in header])
        _write_csv(tmp_path / f"{name}.csv", rows, rng.random() < 0.5)
    eager_read = read_inputs([str(tmp_path)])
    lazy_read = read_inputs([str(tmp_path)], lazy=True)
    assert all(p.source is not None for pieces in lazy_read.tables.values() for p in pieces)
    assert all(p.source is None for pieces in eager_read.tables.values() for p in pieces)
    assert sorted(map(repr, lazy_read.issues)) == sorted(map(repr, eager_read.issues))
    eager, lazy = clean(eager_read, 2020), clean(lazy_read, 2020)
    for name in T.TABLES:
        assert_frame_equal(lazy.tables[name], eager.tables[name])
    assert sorted(map(repr, lazy.issues)) == sorted(map(repr, eager.issues))
    assert {f: vars(c) for f, c in lazy.counts.items()} == {f: vars(c) for f, c in eager.counts.items()}


def test_a_big_csv_with_a_ragged_line_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kqcalc.read import csv as csv_reader
    monkeypatch.setattr(csv_reader, "LAZY_CSV_BYTES", 0)
    (tmp_path / "firms.csv").write_text(
        "firm_id,firm_name,in_zone,independent_accounting,independent_tax\n"
        "91330603MA2BA7HQ53,a,是,是,是,surplus\n913306037209313801,b,是,否,是\n", encoding="utf-8")
    found = read_inputs([str(tmp_path)], lazy=True)
    (piece,) = found.tables["firms"]
    assert piece.source is None  # read whole: the stream stopped on line 2
    assert [(row, [i.code for i in issues]) for row, issues in piece.bad_rows.items()] == [(2, ["extra_fields"])]


def test_compact_sums_merged_past_38_digits_stop_the_run() -> None:
    from kqcalc.compact import merge_compact
    from kqcalc.errors import InputError

    # Each part's sum (9 × 10^17) fits a Decimal(38, 20); merged, 1.8 × 10^18 does not: Polars 2.1 would wrap it
    period = Period(datetime.date(2020, 7, 1), datetime.date(2021, 6, 30))
    rows = pl.DataFrame({"logistics_firm_id": ["L1", "L2"], "deposited": [True, True],
                         "weight_kg": [Decimal("900000000000000000"), Decimal("2.5")],
                         "shipped_on": [datetime.date(2020, 8, 1)] * 2, "_file": ["logistics.csv"] * 2, "_row": [2, 3]},
                        schema_overrides={"weight_kg": pl.Decimal(38, 20)})
    part = compact_query("logistics", rows.lazy(), period).collect()
    with pytest.raises(InputError) as stop:
        merge_compact("logistics", [part, part])
    assert stop.value.code == "sum_not_held"
    assert stop.value.message("en").startswith("table logistics, firm L1: the sum of weight_kg, 1800000000000000000,")
    fine = merge_compact("logistics", [part.filter(pl.col("logistics_firm_id") == "L2")] * 2)
    assert fine["weight_kg"].to_list() == [Decimal(5)] and fine["_rows"].to_list() == [2]
