"""Properties of the engine on generated district-years (SPEC §1, §2, §5), checked with hypothesis.

Each example is a small district (two to four firms, tens of rows over a dozen tables) written as CSV into a
temporary folder and computed in-process (kqcalc.run.compute, kqcalc.output), so the suite stays fast:

- no award exceeds its cap (or the item's fixed or top-tier amount);
- awards never decrease when a firm's B2C amount, 9610 amount, kilograms, trainees or area grows;
- every firm's total is the sum of its lines and of its district and city parts; the manifest's totals agree;
- rows read = used + excluded + merged + quarantined for every file, with rows read = the rows written and
  rows quarantined = the rows that issues.csv lists with an error;
- shuffling rows, reordering files or splitting a table over two files leaves awards.csv byte-identical;
- adding a bad row never raises any award.
"""

from __future__ import annotations

import csv
import io
import os
import random
import tempfile
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from kqcalc.items import ITEMS
from kqcalc.output import awards_csv, summary_csv
from kqcalc.policy import load_policy
from kqcalc.record import build_record
from kqcalc.record import manifest as manifest_of
from kqcalc.run import RunResult, compute, parse_period
from kqcalc.tables import TABLES

POLICY = load_policy(None)
PERIOD = parse_period(None, POLICY)
# The same examples on every `make test` (CI stays reproducible); KQCALC_PROPERTY_EXAMPLES raises the number
# of districts per property and draws them at random, for a longer hunt.
EXAMPLES = int(os.environ.get("KQCALC_PROPERTY_EXAMPLES", "25"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                    derandomize="KQCALC_PROPERTY_EXAMPLES" not in os.environ)

# --------------------------------------------------------------------------- firm ids

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(body: str) -> str:
    """A Unified Social Credit Code with its GB 32100-2015 check character (written here, not imported)."""
    total = sum(_CODE_CHARS.index(ch) * w for ch, w in zip(body, _WEIGHTS, strict=True))
    return body + _CODE_CHARS[(31 - total % 31) % 31]


FIRM_IDS = [credit_code(f"91330603MA2KQ{n:04d}") for n in range(1, 7)]
assert credit_code("91330603MA2KQ0701") == "91330603MA2KQ0701K"
OUTSIDER = credit_code("91330603MA2KQ9999")  # never in firms

# --------------------------------------------------------------------------- generated districts

HEADERS = {
    name: [c.name for c in TABLES[name].columns]
    for name in ("firms", "stores", "transactions", "exports_9610", "logistics", "trainings", "o2o_stores",
                 "parks", "warehouses", "university_programs", "prior_awards", "other_awards", "negative_records",
                 "fx_rates")
}
FIRM_COLUMN = {"exports_9610": 1}  # where the recipient's id is (column 0 elsewhere)
KEY_COLUMN = {"exports_9610": 0, "logistics": 1, "trainings": 1, "o2o_stores": 1}  # the column that makes a row new
District = dict[str, list[list[str]]]  # table -> data rows (cells in HEADERS order)

yes_no = st.sampled_from(["是", "是", "是", "否"])
in_period = st.sampled_from(["2020-07-01", "2020-08-15", "2020/12/31", "2021-03-01", "2021年6月30日", "44105"])
any_date = st.one_of(in_period, in_period, st.sampled_from(["2020-06-30", "2021-07-01", "2019-05-05"]))
currency = st.sampled_from(["USD", "USD", "", "CNY", "EUR", "人民币"])


def money(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: str(Decimal(n) / 100))


@st.composite
def districts(draw: st.DrawFn, min_rows: int = 0) -> District:
    n = draw(st.integers(2, 4))
    firms = FIRM_IDS[:n]
    firm = st.sampled_from(firms)
    d: District = {}
    mostly_yes = st.sampled_from(["是"] * 9 + ["否"])
    d["firms"] = [[f, f"企业{i}", draw(mostly_yes), draw(mostly_yes), draw(mostly_yes),
                   draw(st.sampled_from(["否"] * 4 + ["是"])), draw(st.sampled_from(["否"] * 9 + ["是"]))]
                  for i, f in enumerate(firms)]
    d["stores"] = [[draw(firm), draw(st.sampled_from(["amazon.com", "阿里巴巴国际站", "ebay.com"])), f"S{i}",
                    draw(st.sampled_from(["B2C", "B2B"])), draw(any_date)]
                   for i in range(draw(st.integers(0, 3)))]
    d["transactions"] = [[draw(firm), draw(st.sampled_from(["amazon.com", "ebay.com"])),
                          draw(st.sampled_from(["", "S0", "S1", "S2"])), draw(st.sampled_from(["B2C", "B2C", "B2B"])),
                          draw(any_date), str(draw(st.integers(1, 120))), draw(money(1, 40 * 10**8)),
                          draw(currency)]
                         for _ in range(draw(st.integers(min_rows, 12)))]
    d["exports_9610"] = [[f"D{i}", draw(firm), draw(any_date), draw(money(1, 60 * 10**8)), draw(currency),
                          draw(yes_no)]
                         for i in range(draw(st.integers(min_rows, 8)))]
    d["logistics"] = [[draw(firm), f"W{i}", draw(any_date), draw(money(1, 5 * 10**7)), draw(yes_no)]
                      for i in range(draw(st.integers(min_rows, 6)))]
    d["trainings"] = []
    for i in range(draw(st.integers(min_rows, 4))):
        days, hours = draw(st.sampled_from([("3", ""), ("", "24"), ("5", "16"), ("2", ""), ("10", "100")]))
        d["trainings"].append([draw(firm), f"T{i}", draw(any_date), days, hours, str(draw(st.integers(5, 300))),
                               draw(yes_no)])
    d["o2o_stores"] = [[draw(firm), f"O{i}", draw(money(100 * 100, 3000 * 100)), draw(any_date),
                        draw(st.sampled_from(["2021-06-30", "2022-12-31", "2020-12-31"])), draw(yes_no)]
                       for i in range(draw(st.integers(min_rows, 3)))]
    d["parks"] = [[f, f"园区{f[-3:]}", str(draw(st.integers(0, 80))), draw(money(0, 8 * 10**10)), draw(yes_no)]
                  for f in draw(st.lists(firm, max_size=2, unique=True))]
    d["warehouses"] = [[draw(firm), f"H{i}", draw(st.sampled_from(["PL", "波兰", "US", "DE", "XX"])), draw(yes_no),
                        draw(yes_no), draw(st.sampled_from(["2019-01-01", "2020-07-01", ""])),
                        draw(money(0, 10**8)), draw(money(0, 10**8)), "", draw(yes_no)]
                       for i in range(draw(st.integers(0, 2)))]
    d["university_programs"] = [[draw(firm), f"P{i}", draw(st.sampled_from(["major", "学院"])), draw(any_date),
                                 draw(yes_no), str(draw(st.integers(10, 1000)))]
                                for i in range(draw(st.integers(0, 2)))]
    d["prior_awards"] = [[draw(firm), draw(st.sampled_from(["1A", "1B", "8", "9A", "10A"])), "",
                          draw(st.sampled_from(["2019", "2020"])), draw(money(0, 10**8))]
                         for _ in range(draw(st.integers(0, 2)))]
    d["other_awards"] = [[draw(firm), draw(st.sampled_from(["2", "3A", "3B", "5", "7"])), "",
                          draw(st.sampled_from(["city", "省", "national"])), draw(money(0, 10**7))]
                         for _ in range(draw(st.integers(0, 2)))]
    d["negative_records"] = []
    d["fx_rates"] = [["CNY", "0.15"], ["EUR", "1.1"]]
    return d


def other_awards_header() -> list[str]:
    return [c for c in HEADERS["other_awards"] if c != "note"]


def header(table: str) -> list[str]:
    return other_awards_header() if table == "other_awards" else HEADERS[table]


def csv_bytes(table: str, rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header(table), *rows])
    return buffer.getvalue().encode("utf-8")


def write(district: District, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in district.items():
        if rows or table == "firms":
            (folder / f"{table}.csv").write_bytes(csv_bytes(table, rows))
    return [folder]


def run(paths: list[Path]) -> RunResult:
    return compute([str(p) for p in paths], POLICY, PERIOD)


def awards(result: RunResult) -> dict[tuple[str, str, str], Decimal]:
    paid = set(result.lines.filter(pl.col("award") > 0).get_column("item").to_list())
    event(f"items paid: {len(paid)}")  # pytest --hypothesis-show-statistics: how much of the engine ran
    return {(firm_id, item, ref): award
            for firm_id, item, ref, award in result.lines.select("firm_id", "item", "ref", "award").iter_rows()}


def computed(district: District, transform: Callable[[District, Path], list[Path]] = write) -> RunResult:
    with tempfile.TemporaryDirectory() as tmp:
        return run(transform(district, Path(tmp) / "in"))


def copy(district: District) -> District:
    return {t: [list(r) for r in rows] for t, rows in district.items()}


# --------------------------------------------------------------------------- caps, totals, accounting


def limit(item: str) -> Decimal:
    """The most a line of the item can pay: its cap, else its fixed amount, else its top tier."""
    params = POLICY.items[item]
    if "cap_rmb" in params:
        return params["cap_rmb"]
    if "amount_rmb" in params:
        return params["amount_rmb"]
    return max(t["amount_rmb"] for t in params["tiers"])


BAD_CELLS = ["abc", "-5", "", "2020-13-01", "1,0", "XYZ", "也许", "1.5"]


@st.composite
def with_bad_cells(draw: st.DrawFn) -> District:
    """A district where some cells are replaced by doubtful ones and some keyed rows are duplicated (identical
    or not): quarantines, merges and conflicts for the manifest to account for."""
    d = draw(districts())
    for table, rows in d.items():
        if table == "fx_rates":
            continue
        for row in rows:
            if draw(st.integers(0, 5)) == 0:
                row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(BAD_CELLS))
        if rows and table in ("firms", "exports_9610", "logistics", "trainings", "stores") and draw(st.booleans()):
            twin = list(draw(st.sampled_from(rows)))
            if draw(st.booleans()):
                twin[-1] = "否" if twin[-1] != "否" else "是"  # a conflicting duplicate
            rows.append(twin)
    return d


@PROPERTY
@given(district=with_bad_cells())
def test_caps_totals_and_row_accounting(district: District) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        result = run(write(district, folder))
        record = build_record(result, None)
        manifest = manifest_of(record)

    # no award exceeds its cap; the rules only ever take away
    for line in result.lines.iter_rows(named=True):
        key = (line["firm_id"], line["item"], line["ref"])
        assert Decimal(0) <= line["award"] <= limit(line["item"]), (key, line["award"])
        assert line["capped"] <= line["gross"] and line["award"] <= line["capped"] + Decimal("0.005"), key
        if line["cap"] is not None:
            assert line["capped"] <= line["cap"], key

    # totals: per firm, the lines; district + city; the manifest's totals
    rows = list(csv.DictReader(io.StringIO(summary_csv(record)[3:].decode("utf-8"), newline="")))
    by_firm: dict[str, Decimal] = defaultdict(Decimal)
    by_funding: dict[str, Decimal] = defaultdict(Decimal)
    for firm_id, funding, award in result.lines.select("firm_id", "funding", "award").iter_rows():
        by_firm[firm_id] += award
        by_funding[funding] += award
    assert {r["firm_id"] for r in rows} == set(by_firm)
    for r in rows:
        total = Decimal(r["total_rmb"])
        assert total == by_firm[r["firm_id"]]
        assert total == Decimal(r["district_rmb"]) + Decimal(r["city_rmb"])
        assert total == sum(Decimal(r[item]) for item in ITEMS)
    grand = sum(by_firm.values(), Decimal(0))
    totals = manifest["totals"]
    assert Decimal(totals["total_rmb"]) == grand
    assert sum(Decimal(v) for v in totals["by_item"].values()) == grand
    assert {k: Decimal(v) for k, v in totals["by_funding"].items()} == {
        "district": by_funding["district"], "city": by_funding["city"]}

    # every row accounted for, with counts checked against what was written and what issues.csv lists
    error_rows: dict[str, set[int]] = defaultdict(set)
    merged: dict[str, int] = defaultdict(int)
    for issue in result.issues:
        if issue.severity == "error" and issue.row and "still applies" not in issue.message("en"):
            error_rows[issue.file].add(issue.row)
        if issue.code == "duplicate_merged":
            merged[issue.file] += 1
    entries = {e["file"]: e for e in manifest["files"]}
    for table, written in district.items():
        if not written and table != "firms":
            continue
        entry = entries[str(folder / f"{table}.csv")]
        assert entry["rows_read"] == len(written), (table, entry)
        assert min(entry["rows_used"], entry["rows_excluded"], entry["rows_merged"], entry["rows_quarantined"]) >= 0
        assert entry["rows_read"] == (entry["rows_used"] + entry["rows_excluded"] + entry["rows_merged"]
                                      + entry["rows_quarantined"]), (table, entry)
        assert entry["rows_quarantined"] == len(error_rows[entry["file"]]), (table, entry, result.issues)
        assert entry["rows_merged"] == merged[entry["file"]], (table, entry)


# --------------------------------------------------------------------------- monotonicity

MEASURES = {  # table -> (column grown, the rows it may be grown on)
    "transactions": "amount",  # B2C (and B2B) amounts
    "exports_9610": "amount",
    "logistics": "weight_kg",
    "trainings": "trainees",
    "o2o_stores": "area_m2",
}


@PROPERTY
@given(district=districts(min_rows=1), table=st.sampled_from(sorted(MEASURES)), pick=st.integers(0, 100),
       growth=st.sampled_from(["1", "7", "1000", "123456.78", "50000000"]), also_firm=st.booleans())
def test_awards_never_decrease_when_a_measure_grows(district: District, table: str, pick: int, growth: str,
                                                    also_firm: bool) -> None:
    before = awards(computed(district))
    grown = copy(district)
    rows = grown[table]
    column = HEADERS[table].index(MEASURES[table])
    row = rows[pick % len(rows)]
    value = Decimal(row[column]) + Decimal(growth)
    row[column] = str(int(value)) if table == "trainings" else str(value)
    if also_firm:  # and the firm grows by one more row of the same kind
        extra = list(row)
        if table in KEY_COLUMN:
            extra[KEY_COLUMN[table]] += "X"
        rows.append(extra)
    after = awards(computed(grown))
    for key, award in before.items():
        assert after.get(key, Decimal(0)) >= award, (key, award, after.get(key))


# --------------------------------------------------------------------------- order and splitting


def shuffled(seed: int) -> Callable[[District, Path], list[Path]]:
    def transform(district: District, folder: Path) -> list[Path]:
        rng = random.Random(seed)
        d = copy(district)
        for rows in d.values():
            rng.shuffle(rows)
        return write(d, folder)
    return transform


def split(seed: int, reverse: bool) -> Callable[[District, Path], list[Path]]:
    """Every table over two folders (the second file named by the Chinese alias), the folders in either order."""
    def transform(district: District, folder: Path) -> list[Path]:
        rng = random.Random(seed)
        first, second = folder / "a", folder / "b"
        first.mkdir(parents=True)
        second.mkdir()
        for table, rows in district.items():
            cut = rng.randint(0, len(rows))
            if table == "firms" or rows[:cut]:
                (first / f"{table}.csv").write_bytes(csv_bytes(table, rows[:cut]))
            if rows[cut:]:
                (second / f"{TABLES[table].alias}.csv").write_bytes(csv_bytes(table, rows[cut:]))
        return [second, first] if reverse else [first, second]
    return transform


@PROPERTY
@given(district=with_bad_cells(), seed=st.integers(0, 2**32 - 1),
       how=st.sampled_from(["shuffle", "split", "split+reverse", "shuffle+split+reverse"]))
def test_row_order_file_order_and_splitting_leave_awards_csv_byte_identical(district: District, seed: int,
                                                                            how: str) -> None:
    base = awards_csv(build_record(computed(district), None))
    d = district
    if "shuffle" in how:
        d = copy(district)
        rng = random.Random(seed)
        for rows in d.values():
            rng.shuffle(rows)
    transform = split(seed, "reverse" in how) if "split" in how else write
    assert awards_csv(build_record(computed(d, transform), None)) == base


# --------------------------------------------------------------------------- bad rows

BIG = {"transactions": 6, "exports_9610": 3, "logistics": 3, "trainings": 5, "o2o_stores": 2}


@st.composite
def bad_row(draw: st.DrawFn, district: District) -> tuple[str, list[str]]:
    """One row that cannot be used as it stands, built from a good one made as rewarding as possible."""
    tables = [t for t in ("transactions", "exports_9610", "logistics", "trainings", "o2o_stores", "firms",
                          "negative_records") if t == "negative_records" or district[t]]
    table = draw(st.sampled_from(tables))
    if table == "negative_records":  # a doubtful disqualifying fact only ever takes away
        firm = draw(st.sampled_from([r[0] for r in district["firms"]]))
        return table, [firm, draw(st.sampled_from(["", "偷税"])), draw(st.sampled_from(["", "去年", "2020-08-01"])), ""]
    row = list(draw(st.sampled_from(district[table])))
    if table in BIG:
        row[BIG[table]] = "99999999"  # if this row were counted, its firm would gain
    if table == "firms":  # a conflicting twin that says the firm qualifies for everything
        row[2:7] = ["是", "是", "是", "否", "否"]
        if row == next(r for r in district["firms"] if r[0] == row[0]):
            row[1] += "（新）"
        return table, row
    kind = draw(st.sampled_from(["unparseable", "negative", "blank", "firm_id", "outsider", "duplicate",
                                 "currency"]))
    columns = HEADERS[table]
    if kind == "unparseable":
        j = draw(st.integers(0, len(row) - 1))
        row[j] = draw(st.sampled_from(["abc", "2020-02-30", "也许", "1,0", "3.5.1"]))
        assume(columns[j] not in ("store_id", "platform", "waybill_no", "session_id", "declaration_no"))
    elif kind == "negative":
        row[BIG[table]] = "-99999999"
    elif kind == "blank":
        required = [j for j, c in enumerate(columns) if TABLES[table].column(c).required]
        row[draw(st.sampled_from(required))] = ""
    elif kind == "firm_id":
        row[FIRM_COLUMN.get(table, 0)] = "91330603MA2KQ000"
    elif kind == "outsider":
        row[FIRM_COLUMN.get(table, 0)] = OUTSIDER
        if table in KEY_COLUMN:  # a fresh key, so that it is not also a duplicate
            row[KEY_COLUMN[table]] += "-new"
    elif kind == "duplicate":
        assume(table != "transactions")  # no key: a second transaction is a genuine one
    else:
        assume("currency" in columns)
        row[columns.index("currency")] = draw(st.sampled_from(["XYZ", "美刀", "JPY"]))
    return table, row


@PROPERTY
@given(data=st.data(), district=districts(min_rows=1))
def test_adding_a_bad_row_never_raises_an_award(data: st.DataObject, district: District) -> None:
    table, row = data.draw(bad_row(district))
    before = awards(computed(district))
    worse = copy(district)
    worse[table].append(row)
    result = computed(worse)
    assert any(i.severity == "error" or i.code in ("unknown_firm", "duplicate_merged") for i in result.issues) or (
        table == "negative_records")
    for key, award in awards(result).items():
        assert award <= before.get(key, Decimal(0)), (table, row, key, award, before.get(key))
