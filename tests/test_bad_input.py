"""SPEC §7, one case at a time: what kqcalc does with the bad data a bureau's spreadsheets really contain.

Every test builds its bad file here (CSV text, raw bytes, other encodings, openpyxl and xlsxwriter
workbooks), runs `kqcalc compute` in-process (typer's CliRunner; a few cases in a real process) and asserts
the exact outcome: the exit code, the issues.csv row (table, file, row, column, severity, code) and that no
award moved. The district behind every case is the same small one:

- firm 甲 (F1): B2C transactions of USD 3,000,000 → item 2, tier 1: 50,000; one 9610 declaration of
  USD 1,000,000 through the platform → item 3A: 0.03 × 1,000,000 = 30,000;
- firm 乙 (F2): B2C transactions of USD 5,000,000 → item 2, tier 2: 100,000.

A bad row carries USD 27,000,000 (or a 9610 amount of 50,000,000) whenever it can: if it were counted,
甲 would reach item 2's top tier (30M → 200,000) or 3A's cap, so "no award moved" proves the row was not used.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from typer.testing import CliRunner

from kqcalc.cli import app

F1 = "91330603MA2KQ0701K"  # 甲公司
F2 = "91330603MA2KQ0702N"  # 乙公司
F3 = "91330603MA2KQ0703R"  # a valid code that is not in firms

FIRMS = ["firm_id", "firm_name", "in_zone", "independent_accounting", "independent_tax", "case_by_case"]
FIRMS_ZH = ["统一社会信用代码", "企业名称", "园区注册", "独立核算", "独立纳税", "一事一议"]
FIRM_ROWS = [[F1, "甲公司", "是", "是", "是", "否"], [F2, "乙公司", "是", "是", "是", "否"]]
TX = ["firm_id", "platform", "store_id", "model", "traded_on", "orders", "amount", "currency"]
TX_ZH = ["统一社会信用代码", "平台", "店铺编号", "模式", "交易日期", "订单数", "金额", "币种"]
TX_ROWS = [
    [F1, "amazon.com", "", "B2C", "2020-08-01", "1", "1000000", "USD"],
    [F1, "ebay.com", "", "B2C", "2021-03-15", "2", "2000000", "USD"],
    [F2, "amazon.com", "", "B2C", "2020-09-01", "1", "5000000", "USD"],
]
EX = ["declaration_no", "firm_id", "declared_on", "amount", "currency", "via_platform"]
EX_ROWS = [["D1", F1, "2020-10-01", "1000000", "USD", "是"]]

BASELINE = {
    (F1, "2", ""): ("awarded", "50000.00"),
    (F1, "3A", ""): ("awarded", "30000.00"),
    (F2, "2", ""): ("awarded", "100000.00"),
}


def tx_row(**cells: str) -> list[str]:
    """A transaction of 甲 for USD 27,000,000 in the period (it would lift 甲 to item 2's top tier), with
    some cells replaced."""
    row = dict(zip(TX, [F1, "amazon.com", "", "B2C", "2020-12-01", "1", "27000000", "USD"], strict=True))
    row.update(cells)
    return [row[c] for c in TX]


def ex_row(**cells: str) -> list[str]:
    """A 9610 declaration of 甲 for USD 50,000,000 through the platform (3A would reach its cap)."""
    row = dict(zip(EX, ["D9", F1, "2020-12-01", "50000000", "USD", "是"], strict=True))
    row.update(cells)
    return [row[c] for c in EX]


# --------------------------------------------------------------------------- files


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


def district(root: Path, *, firms: list[list[str]] | None = None, tx: list[list[str]] | bool | None = None,
             ex: list[list[str]] | None = None) -> Path:
    """The district's input folder; each table may be given whole (header included) to replace the default,
    and tx=False leaves transactions.csv out (the test puts its transactions in a workbook)."""
    folder = root / "in"
    folder.mkdir()
    write_csv(folder / "firms.csv", firms if firms is not None else [FIRMS, *FIRM_ROWS])
    if tx is not False:
        write_csv(folder / "transactions.csv", tx if isinstance(tx, list) else [TX, *TX_ROWS])
    write_csv(folder / "exports_9610.csv", ex if ex is not None else [EX, *EX_ROWS])
    return folder


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
    wb.save(path)
    return wb


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    out: Path

    def _csv(self, name: str) -> list[dict[str, str]]:
        raw = (self.out / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))

    @property
    def awards(self) -> dict[tuple[str, str, str], dict[str, str]]:
        return {(r["firm_id"], r["item"], r["ref"]): r for r in self._csv("awards.csv")}

    @property
    def issues(self) -> list[dict[str, str]]:
        return self._csv("issues.csv")

    @property
    def files(self) -> dict[str, dict]:
        manifest = json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))
        return {f["file"]: f for f in manifest["files"]}


def compute(root: Path, *inputs: Path | str, args: tuple[str, ...] = ()) -> Run:
    """compute with English messages (--lang en), which these tests quote; tests/test_messages.py covers zh."""
    out = root / "out"
    result = CliRunner().invoke(app, ["compute", *map(str, inputs), "--out", str(out), "--formats", "csv",
                                      "--lang", "en", *args])
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"{exc!r}\n{result.stderr[-3000:]}"
    run = Run(result.exit_code, result.stdout, result.stderr, out)
    assert "Traceback" not in run.stdout + run.stderr
    if run.code in (0, 3) and (out / "manifest.json").exists():
        for entry in run.files.values():  # SPEC §1 p. 4: rows read = used + excluded + merged + quarantined
            assert entry["rows_used"] >= 0, entry
            assert entry["rows_read"] == (entry["rows_used"] + entry["rows_excluded"] + entry["rows_merged"]
                                          + entry["rows_quarantined"]), entry
    return run


def issue(run: Run, **wanted: object) -> dict[str, str]:
    """The one issues.csv row with these values (row given as an int)."""
    wanted = {k: str(v) for k, v in wanted.items()}
    found = [i for i in run.issues if all(i[k] == v for k, v in wanted.items())]
    listing = "\n".join(f"  {i['table']} {i['file']} row {i['row']} [{i['column']}] {i['severity']} {i['code']}: "
                        f"{i['message']}" for i in run.issues)
    assert len(found) == 1, f"expected one issue {wanted}, found {len(found)} in:\n{listing}"
    return found[0]


def codes(run: Run) -> list[tuple[str, str, str, str]]:
    return sorted((i["code"], i["severity"], i["row"], i["column"]) for i in run.issues)


def assert_no_award_moved(run: Run, changed: dict | None = None) -> None:
    """The baseline lines are as without the bad data (save `changed`); any other line is paid nothing."""
    expected = {**BASELINE, **(changed or {})}
    awards = run.awards
    got = {k: (awards[k]["status"], awards[k]["award_rmb"]) for k in expected if k in awards}
    assert got == {k: v for k, v in expected.items() if v is not None}, got
    for key, line in awards.items():
        if key not in expected:
            assert line["award_rmb"] == "0.00", line


def assert_stopped(run: Run, *fragments: str) -> None:
    """Exit 1: one line on stderr naming the problem, no traceback, nothing written."""
    assert run.code == 1, (run.code, run.stderr[-2000:])
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("Error: ") and "unexpected error" not in lines[0], lines[0]  # runs are --lang en
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in run.stdout + run.stderr
    assert not (run.out / "awards.csv").exists()


def test_the_district_itself_is_clean(tmp_path: Path) -> None:
    run = compute(tmp_path, district(tmp_path))
    assert run.code == 0 and run.issues == []
    assert {k: (v["status"], v["award_rmb"]) for k, v in run.awards.items()} == BASELINE


# --------------------------------------------------------------------------- unreadable cells


@pytest.mark.parametrize(
    ("column", "text", "code"),
    [
        ("traded_on", "2020-13-01", "bad_date"),
        ("traded_on", "2021-02-29", "bad_date"),
        ("traded_on", "去年八月", "bad_date"),
        ("traded_on", "7/1/2020", "bad_date"),
        ("amount", "2千7百万", "bad_number"),
        ("amount", "27.000.000", "bad_number"),
        ("amount", "2,70,00,000", "bad_number"),  # commas that do not group thousands are not dropped
        ("amount", "27000000 USD", "bad_number"),
        ("orders", "1.5", "not_whole_number"),
        ("orders", "one", "bad_number"),
        ("model", "C2C", "bad_model"),
        ("firm_id", "91330603MA2KQ0701", "bad_firm_id"),
        ("firm_id", "91330603MA2KQ070IK", "bad_firm_id"),
    ],
)
def test_unparseable_cell_quarantines_its_row(tmp_path: Path, column: str, text: str, code: str) -> None:
    run = compute(tmp_path, district(tmp_path, tx=[TX, *TX_ROWS, tx_row(**{column: text})]))
    assert run.code == 3
    found = issue(run, code=code)
    file = str(tmp_path / "in" / "transactions.csv")
    assert (found["table"], found["file"], found["row"], found["column"], found["severity"]) == (
        "transactions", file, "5", column, "error")
    assert text in found["message"] and "quarantined" in found["message"]
    assert [i["code"] for i in run.issues] == [code]
    assert run.files[file]["rows_quarantined"] == 1 and run.files[file]["rows_used"] == 3
    assert_no_award_moved(run)


@pytest.mark.parametrize("text", ["也许", "2", "yes please", "N/A"])
def test_unparseable_boolean_quarantines_its_row(tmp_path: Path, text: str) -> None:
    run = compute(tmp_path, district(tmp_path, ex=[EX, *EX_ROWS, ex_row(via_platform=text)]))
    assert run.code == 3
    found = issue(run, code="bad_boolean")
    assert (found["table"], found["file"], found["row"], found["column"], found["severity"]) == (
        "exports_9610", str(tmp_path / "in" / "exports_9610.csv"), "3", "via_platform", "error")
    assert_no_award_moved(run)


def test_unparseable_boolean_in_firms_removes_the_firm_from_the_registry(tmp_path: Path) -> None:
    """A registry row that cannot be read is quarantined: the firm is then not in firms (fail closed)."""
    firms = [FIRMS, FIRM_ROWS[0], [F2, "乙公司", "待定", "是", "是", "否"]]
    run = compute(tmp_path, district(tmp_path, firms=firms))
    assert run.code == 3
    found = issue(run, code="bad_boolean")
    assert (found["table"], found["row"], found["column"]) == ("firms", "3", "in_zone")
    issue(run, code="unknown_firm", table="transactions", row=4, column="firm_id", severity="warning")
    assert_no_award_moved(run, {(F2, "2", ""): ("ineligible", "0.00")})
    assert run.awards[(F2, "2", "")]["reason"] == "not_in_firms"


@pytest.mark.parametrize(
    ("category", "occurred_on", "column", "code"),
    [("偷税", "2020年13月1日", "occurred_on", "bad_date"), ("偷税", "", "occurred_on", "missing_value"),
     ("", "2020-11-11", "category", "missing_value"), (" ", "上个月", "category", "missing_value")],
)
def test_doubtful_negative_record_still_disqualifies(tmp_path: Path, category: str, occurred_on: str,
                                                      column: str, code: str) -> None:
    """A negative record is a disqualifying fact: an unreadable or blank date or category is reported as an
    error, and the record still applies (SPEC §1 principle 5). Quarantining it would raise 乙's award."""
    folder = district(tmp_path)
    write_csv(folder / "negative_records.csv", [["firm_id", "category", "occurred_on", "note"],
                                                [F2, category, occurred_on, "区市场监管局处罚"]])
    run = compute(tmp_path, folder)
    assert run.code == 3
    found = issue(run, code=code, column=column)
    assert (found["table"], found["row"], found["severity"]) == ("negative_records", "2", "error")
    assert "still applies" in found["message"]
    entry = run.files[str(folder / "negative_records.csv")]
    assert (entry["rows_used"], entry["rows_quarantined"]) == (1, 0)
    assert run.awards[(F2, "2", "")]["reason"] == "negative_record"
    assert_no_award_moved(run, {(F2, "2", ""): ("ineligible", "0.00")})


@pytest.mark.parametrize(
    ("table", "row", "column", "text"),
    [
        ("transactions", tx_row(amount="-27000000"), "amount", "-27000000"),
        ("transactions", tx_row(amount="¥-5"), "amount", "¥-5"),
        ("transactions", tx_row(orders="-1"), "orders", "-1"),
        ("exports_9610", ex_row(amount="-50,000,000"), "amount", "-50,000,000"),
    ],
)
def test_negative_amount_or_count_is_quarantined(tmp_path: Path, table: str, row: list[str], column: str,
                                                  text: str) -> None:
    if table == "transactions":
        folder = district(tmp_path, tx=[TX, *TX_ROWS, row])
        line = 5
    else:
        folder = district(tmp_path, ex=[EX, *EX_ROWS, row])
        line = 3
    run = compute(tmp_path, folder)
    assert run.code == 3
    found = issue(run, code="negative_value")
    assert (found["table"], found["row"], found["column"], found["severity"]) == (table, str(line), column, "error")
    assert f"({text!r})" in found["message"]
    assert_no_award_moved(run)


@pytest.mark.parametrize("column", ["firm_id", "platform", "model", "traded_on", "amount"])
def test_blank_required_cell_quarantines_its_row(tmp_path: Path, column: str) -> None:
    run = compute(tmp_path, district(tmp_path, tx=[TX, *TX_ROWS, tx_row(**{column: ""})]))
    assert run.code == 3
    found = issue(run, code="missing_value")
    assert (found["table"], found["row"], found["column"], found["severity"]) == ("transactions", "5", column, "error")
    assert_no_award_moved(run)


def test_blank_optional_cells_take_their_defaults(tmp_path: Path) -> None:
    """orders blank = 1, currency blank = USD, store_id blank = no store: not errors."""
    tx = [TX, *TX_ROWS[:2], [F2, "amazon.com", "", "B2C", "2020-09-01", "", "5000000", ""]]
    run = compute(tmp_path, district(tmp_path, tx=tx))
    assert run.code == 0 and run.issues == []
    assert_no_award_moved(run)


def test_whitespace_only_required_cell_is_blank(tmp_path: Path) -> None:
    run = compute(tmp_path, district(tmp_path, tx=[TX, *TX_ROWS, tx_row(traded_on=" \u3000 ")]))
    assert run.code == 3
    issue(run, code="missing_value", row=5, column="traded_on")
    assert_no_award_moved(run)


# --------------------------------------------------------------------------- workbooks: formulas, errors, merges


def _tx_workbook(path: Path, extra: list[list[object]], merges: tuple[str, ...] = ()) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "transactions"
    ws.append(TX)
    for row in [*TX_ROWS, *extra]:
        ws.append([None if v == "" else v for v in row])
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)


@pytest.mark.parametrize(
    ("column", "letter", "formula"),
    [
        ("amount", "G", "=27000000"),
        ("amount", "G", "=G2*27"),
        ("orders", "F", "=1+0"),  # a blank orders cell is 1: the formula must not become that default
        ("currency", "H", '="USD"'),  # nor USD
        ("traded_on", "E", "=DATE(2020,12,1)"),
    ],
)
def test_formula_without_cached_value_is_quarantined_never_read_as_0(tmp_path: Path, column: str, letter: str,
                                                                      formula: str) -> None:
    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    row = tx_row()
    row[TX.index(column)] = formula
    _tx_workbook(path, [row])  # openpyxl writes formulas without a cached value
    run = compute(tmp_path, folder)
    assert run.code == 3
    file = f"{path}:transactions"
    found = issue(run, code="formula_without_value")
    assert (found["table"], found["file"], found["row"], found["column"], found["severity"]) == (
        "transactions", file, "5", column, "error")
    assert f"{letter}5" in found["message"] and formula in found["message"]
    assert run.files[file]["rows_quarantined"] == 1
    assert_no_award_moved(run)


def test_formula_with_a_cached_value_reads_as_that_value(tmp_path: Path) -> None:
    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("transactions")
    ws.write_row(0, 0, TX)
    for i, row in enumerate(TX_ROWS[:2], start=1):
        ws.write_row(i, 0, row)
    ws.write_row(3, 0, TX_ROWS[2])
    ws.write_formula(3, 6, "=2500000*2", None, 5000000)  # as Excel saves it: formula and value
    wb.close()
    run = compute(tmp_path, folder)
    assert run.code == 0 and run.issues == []
    assert_no_award_moved(run)


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!"])
def test_excel_error_value_is_quarantined(tmp_path: Path, error: str) -> None:
    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("transactions")
    ws.write_row(0, 0, TX)
    for i, row in enumerate([*TX_ROWS, tx_row()], start=1):
        ws.write_row(i, 0, row)
    ws.write_formula(4, 5, "=1/0", None, error)  # orders of the 27M row
    wb.close()
    run = compute(tmp_path, folder)
    assert run.code == 3
    found = issue(run, code="cell_error")
    assert (found["row"], found["column"], found["severity"]) == ("5", "orders", "error")
    assert error in found["message"]
    assert_no_award_moved(run)


def test_merged_title_above_the_header_is_not_an_error(tmp_path: Path) -> None:
    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "交易"
    ws["A1"] = "2020年度跨境电商交易明细"
    ws.merge_cells("A1:H1")
    ws.append(TX_ZH)
    for row in TX_ROWS:
        ws.append([None if v == "" else v for v in row])
    wb.save(path)
    run = compute(tmp_path, folder)
    assert run.code == 0
    assert codes(run) == [("title_rows_skipped", "warning", "", "")]
    assert "2020年度跨境电商交易明细" in run.issues[0]["message"]
    assert_no_award_moved(run)


def test_merged_amount_cells_are_counted_once(tmp_path: Path) -> None:
    """An amount merged over two rows shows on both, but only its top-left cell holds it: the first row is
    used, the second is quarantined (never summed twice, never silently half-empty)."""
    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    extra = [tx_row(amount="27000000"), tx_row(amount="")]
    _tx_workbook(path, extra, merges=("G5:G6",))
    run = compute(tmp_path, folder)
    assert run.code == 3
    file = f"{path}:transactions"
    issue(run, code="merged_cells", table="transactions", file=file, row="", severity="warning")
    found = issue(run, code="merged_cell")
    assert (found["row"], found["column"], found["severity"]) == ("6", "amount", "error")
    assert "G6" in found["message"] and "G5:G6" in found["message"]
    assert run.files[file]["rows_quarantined"] == 1 and run.files[file]["rows_used"] == 4
    # the 27M row itself (row 5) is used once: 甲 reaches 30M exactly
    assert_no_award_moved(run, {(F1, "2", ""): ("awarded", "200000.00")})


def test_merged_cell_never_lets_a_default_stand_in_for_the_shown_value(tmp_path: Path) -> None:
    """一事一议 是 merged over both firms' rows shows 是 for 乙 too; read cell by cell 乙's would be blank and
    default to 否, making 乙 eligible. The covered row is quarantined instead (fail closed)."""
    folder = district(tmp_path)
    (folder / "firms.csv").unlink()
    path = folder / "企业名录.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append(FIRMS_ZH)
    ws.append(FIRM_ROWS[0][:5] + ["是"])
    ws.append(FIRM_ROWS[1][:5] + [None])
    ws.merge_cells("F2:F3")
    wb.save(path)
    run = compute(tmp_path, folder)
    assert run.code == 3
    found = issue(run, code="merged_cell")
    assert (found["table"], found["file"], found["row"], found["column"]) == (
        "firms", f"{path}:企业名录", "3", "一事一议")
    assert run.awards[(F2, "2", "")]["reason"] == "not_in_firms"
    assert run.awards[(F1, "2", "")]["reason"] == "case_by_case"  # the top-left cell's row keeps its value
    assert_no_award_moved(run, {(F1, "2", ""): ("ineligible", "0.00"), (F1, "3A", ""): ("ineligible", "0.00"),
                                (F2, "2", ""): ("ineligible", "0.00")})


def test_blank_rows_under_a_merged_cell_stay_blank(tmp_path: Path) -> None:
    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    _tx_workbook(path, [], merges=("H4:H9",))  # currency of the last row merged down over empty rows
    run = compute(tmp_path, folder)
    assert run.code == 0
    assert codes(run) == [("merged_cells", "warning", "", "")]
    assert_no_award_moved(run)


# --------------------------------------------------------------------------- titles, blank rows, total rows


def test_title_rows_and_blank_rows_above_the_header(tmp_path: Path) -> None:
    tx = [["柯桥区跨境电商交易明细表"], ["填报单位：区商务局", "", "2021年7月"], [], TX, *TX_ROWS, [],
          tx_row(traded_on="2020-02-30")]
    run = compute(tmp_path, district(tmp_path, tx=tx))
    assert run.code == 3
    title = issue(run, code="title_rows_skipped")
    assert (title["table"], title["row"], title["severity"]) == ("transactions", "", "warning")
    assert "柯桥区跨境电商交易明细表" in title["message"] and "(row 4)" in title["message"]
    # row numbers are the lines a text editor shows, titles and blank lines included
    issue(run, code="bad_date", row=9, column="traded_on")
    file = str(tmp_path / "in" / "transactions.csv")
    assert run.files[file]["rows_read"] == 4  # blank rows are not rows
    assert_no_award_moved(run)


@pytest.mark.parametrize("label", ["合计", "总计", "小计", "Total", "TOTAL", "合 计", "合计：", "Grand Total"])
def test_trailing_total_row_is_excluded_and_reported(tmp_path: Path, label: str) -> None:
    total = [label, "", "", "", "", "4", "35000000", ""]
    run = compute(tmp_path, district(tmp_path, tx=[TX, *TX_ROWS, total]))
    assert run.code == 0
    found = issue(run, code="total_row")
    assert (found["table"], found["row"], found["column"], found["severity"]) == ("transactions", "5", "", "warning")
    file = str(tmp_path / "in" / "transactions.csv")
    assert (run.files[file]["rows_read"], run.files[file]["rows_excluded"], run.files[file]["rows_used"]) == (4, 1, 3)
    assert_no_award_moved(run)


def test_total_row_with_a_sum_formula_in_a_workbook(tmp_path: Path) -> None:
    """The total's =SUM() has no cached value (openpyxl): the row is a total row, not a formula error."""
    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    _tx_workbook(path, [["", "合计", "", "", "", "=SUM(F2:F4)", "=SUM(G2:G4)", ""]])
    run = compute(tmp_path, folder)
    assert run.code == 0
    assert codes(run) == [("total_row", "warning", "5", "")]
    assert_no_award_moved(run)


def test_a_firm_named_like_a_total_is_not_a_total_row(tmp_path: Path) -> None:
    firms = [FIRMS, FIRM_ROWS[0], [F2, "合计贸易有限公司", "是", "是", "是", "否"]]
    run = compute(tmp_path, district(tmp_path, firms=firms))
    assert run.code == 0 and run.issues == []
    assert run.awards[(F2, "2", "")]["firm_name"] == "合计贸易有限公司"
    assert_no_award_moved(run)


# --------------------------------------------------------------------------- a stray cell far away


MEMORY_TARGET = 2 << 30  # SPEC §6: peak memory under 2 GB
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)\n"  # Linux: kilobytes
    "sys.exit(done.returncode)\n"
)


def _run_measured(tmp_path: Path, folder: Path) -> tuple[subprocess.CompletedProcess, int]:
    """`python -m kqcalc compute` in its own process; its peak resident memory in bytes."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "kqcalc", "compute", str(folder), "--out", str(out),
         "--formats", "csv"],
        capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, timeout=300,
    )
    return done, int(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["value", "formula_returning_empty_text"])
def test_stray_cell_at_xfd1048576_stays_within_the_memory_target(tmp_path: Path, kind: str) -> None:
    """Unguarded, calamine allocates 1,048,576 × 16,384 cells for one stray value and the process aborts.
    A formula filled far out whose cached value is an empty string (t="str", <v></v>) counts for calamine
    too, though it holds nothing."""
    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    if kind == "value":
        _tx_workbook(path, [])
        wb = openpyxl.load_workbook(path)
        wb["transactions"]["XFD1048576"] = 27000000
        wb.save(path)
    else:
        wb = xlsxwriter.Workbook(path)
        ws = wb.add_worksheet("transactions")
        for i, row in enumerate([TX, *TX_ROWS]):
            ws.write_row(i, 0, [None if v == "" else v for v in row])
        ws.write_formula(1048575, 16383, '=IF(A2="","x","")', None, "")
        wb.close()
        _set_string_type(path, "XFD1048576")
    done, peak = _run_measured(tmp_path, folder)
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr[-3000:]
    assert peak < MEMORY_TARGET, f"peak RSS {peak / 2**20:.0f} MiB"
    run = Run(done.returncode, "", done.stderr, tmp_path / "out")
    if kind == "value":
        found = issue(run, code="stray_cells_ignored")
        assert (found["table"], found["file"], found["severity"]) == ("transactions", f"{path}:transactions",
                                                                      "warning")
        assert "XFD1048576 ('27000000')" in found["message"]
    else:
        assert run.issues == []  # nothing with a value was dropped
    assert_no_award_moved(run)


@pytest.mark.parametrize("declared_rows", [3004, 30_000])
def test_stray_cell_beyond_a_dimension_that_understates_the_sheet_is_found(tmp_path: Path,
                                                                           declared_rows: int) -> None:
    """A tool may write a <dimension> smaller than the cells it wrote: calamine would still allocate up to the
    stray cell and abort (SIGABRT). The sheet's extent is scanned before calamine reads it, whether the sheet is
    read in turn (3,004 rows declared) or, declaring 30,000 or more, scanned and loaded ahead on a loader thread.
    The 3,000 filler rows (amount 0) keep the sheet's XML past the 256 KB probe and move no award."""
    import re

    folder = district(tmp_path, tx=False)
    path = folder / "data.xlsx"
    _tx_workbook(path, [[F1, "amazon.com", "", "B2C", "2020-08-01", "0", "0", "USD"]] * 3000)
    wb = openpyxl.load_workbook(path)
    wb["transactions"]["XFD1048576"] = 27000000
    wb.save(path)

    def understate(xml: bytes) -> bytes:
        xml, n = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="A1:H{declared_rows}"'.encode(), xml)
        assert n == 1 and len(xml) > 1 << 18
        return xml

    _edit_sheet_xml(path, understate)
    done, peak = _run_measured(tmp_path, folder)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert peak < MEMORY_TARGET, f"peak RSS {peak / 2**20:.0f} MiB"
    run = Run(done.returncode, "", done.stderr, tmp_path / "out")
    assert "XFD1048576 ('27000000')" in issue(run, code="stray_cells_ignored")["message"]
    assert_no_award_moved(run)


def _set_string_type(path: Path, ref: str) -> None:
    """Mark a formula cell as Excel marks one whose cached value is text (t="str")."""

    def mark(xml: bytes) -> bytes:
        xml = xml.replace(f'<c r="{ref}">'.encode(), f'<c r="{ref}" t="str">'.encode())
        assert b't="str"' in xml
        return xml

    _edit_sheet_xml(path, mark)


def _edit_sheet_xml(path: Path, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite the workbook with its first sheet's XML passed through `edit`."""
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    tmp.replace(path)


# --------------------------------------------------------------------------- duplicates


def test_identical_duplicate_is_merged_with_a_warning(tmp_path: Path) -> None:
    ex = [EX, *EX_ROWS, ["d1 ", F1, "2020/10/1", "1,000,000.00", "502", "Y"]]  # the same after parsing
    run = compute(tmp_path, district(tmp_path, ex=ex))
    assert run.code == 0
    found = issue(run, code="duplicate_merged")
    assert (found["table"], found["row"], found["severity"]) == ("exports_9610", "3", "warning")
    file = str(tmp_path / "in" / "exports_9610.csv")
    assert (run.files[file]["rows_merged"], run.files[file]["rows_used"]) == (1, 1)
    assert_no_award_moved(run)


def test_conflicting_duplicates_are_all_quarantined(tmp_path: Path) -> None:
    ex = [EX, *EX_ROWS, ex_row(declaration_no="D2"), ex_row(declaration_no="D2", amount="49000000")]
    run = compute(tmp_path, district(tmp_path, ex=ex))
    assert run.code == 3
    rows = sorted(i["row"] for i in run.issues if i["code"] == "duplicate_conflict")
    assert rows == ["3", "4"]
    assert all(i["severity"] == "error" and i["table"] == "exports_9610" for i in run.issues)
    file = str(tmp_path / "in" / "exports_9610.csv")
    assert (run.files[file]["rows_quarantined"], run.files[file]["rows_used"]) == (2, 1)
    assert_no_award_moved(run)


def test_duplicate_firms_identical_merge_conflicting_make_the_firm_ineligible(tmp_path: Path) -> None:
    firms = [FIRMS, *FIRM_ROWS, FIRM_ROWS[0], [F2, "乙公司", "否", "是", "是", "否"]]
    run = compute(tmp_path, district(tmp_path, firms=firms))
    assert run.code == 3
    issue(run, code="duplicate_merged", table="firms", row=4, severity="warning")
    assert sorted(i["row"] for i in run.issues if i["code"] == "duplicate_conflict") == ["3", "5"]
    issue(run, code="firm_data_error", table="firms", severity="error")
    assert run.awards[(F2, "2", "")]["reason"] == "data_error"
    assert_no_award_moved(run, {(F2, "2", ""): ("ineligible", "0.00")})


def test_duplicates_across_two_files_are_found(tmp_path: Path) -> None:
    folder = district(tmp_path)
    second = tmp_path / "late"
    second.mkdir()
    header = ["清单编号", "统一社会信用代码", "申报日期", "金额", "币制", "通过轻纺城平台"]
    write_csv(second / "9610出口清单.csv", [header, ["D1", F1, "2020-10-01", "1000001", "USD", "是"]])
    run = compute(tmp_path, folder, second)
    assert run.code == 3
    found = sorted((i["file"], i["row"]) for i in run.issues if i["code"] == "duplicate_conflict")
    assert found == [(str(folder / "exports_9610.csv"), "2"), (str(second / "9610出口清单.csv"), "2")]
    assert_no_award_moved(run, {(F1, "3A", ""): None})  # 甲's only declaration is quarantined: no 3A line
    assert (F1, "3A", "") not in run.awards


# --------------------------------------------------------------------------- firms and currencies


def test_unknown_firm_id_is_a_warning_and_its_lines_are_ineligible(tmp_path: Path) -> None:
    run = compute(tmp_path, district(tmp_path, tx=[TX, *TX_ROWS, tx_row(firm_id=F3.lower())]))
    assert run.code == 0
    found = issue(run, code="unknown_firm")
    assert (found["table"], found["row"], found["column"], found["severity"]) == (
        "transactions", "5", "firm_id", "warning")
    assert F3 in found["message"]
    line = run.awards[(F3, "2", "")]
    assert (line["status"], line["reason"], line["award_rmb"], line["firm_name"]) == (
        "ineligible", "not_in_firms", "0.00", "")
    assert_no_award_moved(run)


@pytest.mark.parametrize(
    ("currency", "code"),
    [("XYZ", "no_fx_rate"), ("EUR", "no_fx_rate"), ("美刀", "bad_currency"), ("US Dollar", "bad_currency"),
     ("999", "bad_currency")],
)
def test_unknown_currency_is_quarantined(tmp_path: Path, currency: str, code: str) -> None:
    run = compute(tmp_path, district(tmp_path, tx=[TX, *TX_ROWS, tx_row(currency=currency, amount="30000000")]))
    assert run.code == 3
    found = issue(run, code=code)
    assert (found["table"], found["row"], found["column"], found["severity"]) == (
        "transactions", "5", "currency", "error")
    assert_no_award_moved(run)


def test_unusable_fx_rates_leave_the_currency_without_a_rate(tmp_path: Path) -> None:
    folder = district(tmp_path, tx=[TX, *TX_ROWS, tx_row(currency="EUR", amount="25000000"),
                                    tx_row(currency="JPY", amount="3000000000")])
    write_csv(folder / "fx_rates.csv", [["currency", "usd_per_unit"], ["EUR", "0"], ["日元", "abc"], ["USD", "1.1"]])
    run = compute(tmp_path, folder)
    assert run.code == 3
    issue(run, code="bad_rate", table="fx_rates", row=2, column="usd_per_unit")
    issue(run, code="bad_number", table="fx_rates", row=3, column="usd_per_unit")
    issue(run, code="bad_usd_rate", table="fx_rates", row=4, column="usd_per_unit")
    issue(run, code="no_fx_rate", table="transactions", row=5, column="currency")
    issue(run, code="no_fx_rate", table="transactions", row=6, column="currency")
    assert_no_award_moved(run)


# --------------------------------------------------------------------------- encodings


def test_gb18030_csv_with_chinese_headers_and_names(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "企业名录.csv", [FIRMS_ZH, *FIRM_ROWS], encoding="gb18030")
    write_csv(folder / "交易.csv", [TX_ZH, *[[*r[:6], f"{int(r[6]):,}", "美元"] for r in TX_ROWS]], encoding="gbk")
    write_csv(folder / "exports_9610.csv", [EX, *EX_ROWS], encoding="gb18030")
    run = compute(tmp_path, folder)
    assert run.code == 0 and run.issues == []
    assert {k: v["firm_name"] for k, v in run.awards.items()} == {
        (F1, "2", ""): "甲公司", (F1, "3A", ""): "甲公司", (F2, "2", ""): "乙公司"}
    assert_no_award_moved(run)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b"\xef\xbb\xbf"), ("gb18030", "\ufeff".encode("gb18030")), ("utf-16-le", b"\xff\xfe"),
     ("utf-8", b"")],
)
def test_csv_with_or_without_a_bom(tmp_path: Path, encoding: str, bom: bytes) -> None:
    folder = district(tmp_path)
    (folder / "firms.csv").write_bytes(bom + csv_text([FIRMS, *FIRM_ROWS]).encode(encoding))
    run = compute(tmp_path, folder)
    assert run.code == 0 and run.issues == []
    assert run.awards[(F1, "2", "")]["firm_name"] == "甲公司"
    assert_no_award_moved(run)


def test_utf8_chinese_is_not_read_as_gb18030(tmp_path: Path) -> None:
    """GB18030 decodes most UTF-8 bytes too (into other characters): UTF-8 is tried first."""
    folder = district(tmp_path)
    write_csv(folder / "企业名录.csv", [FIRMS_ZH, [F1, "绍兴柯桥轻纺城跨境电商有限公司", "是", "是", "是", "否"]])
    (folder / "firms.csv").unlink()
    run = compute(tmp_path, folder)
    assert run.awards[(F1, "2", "")]["firm_name"] == "绍兴柯桥轻纺城跨境电商有限公司"


def test_text_excel_would_execute_is_written_as_text(tmp_path: Path) -> None:
    firms = [FIRMS, [F1, "=HYPERLINK(\"http://x\",\"甲\")", "是", "是", "是", "否"], FIRM_ROWS[1]]
    run = compute(tmp_path, district(tmp_path, firms=firms, tx=[TX, *TX_ROWS, tx_row(traded_on="=NOW()")]))
    assert run.awards[(F1, "2", "")]["firm_name"] == "'=HYPERLINK(\"http://x\",\"甲\")"
    assert issue(run, code="bad_date")["message"].startswith("not a date")
    assert "('=NOW()')" in issue(run, code="bad_date")["message"]


# --------------------------------------------------------------------------- files that stop the run


def _real_workbook(tmp_path: Path) -> bytes:
    path = tmp_path / "good.xlsx"
    workbook(path, {"firms": [FIRMS, *FIRM_ROWS], "transactions": [TX, *TX_ROWS]})
    data = path.read_bytes()
    path.unlink()
    return data


def _replace_part(data: bytes, part: str, new: bytes) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, new if info.filename == part else zin.read(info))
    return out.getvalue()


def _odd_compression(data: bytes) -> bytes:
    """The zip with its members marked as compressed by method 99 (AES in WinZip; unknown to zipfile)."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local headers, central directory
        start = 0
        while (start := out.find(signature, start)) >= 0:
            out[start + offset : start + offset + 2] = (99).to_bytes(2, "little")
            start += 4
    return bytes(out)


def _cfb(*streams: str) -> bytes:
    """An OLE compound file (what Excel writes for an encrypted workbook) naming the given streams."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    header = header.ljust(512, b"\0")
    entries = b""
    for name in ("Root Entry", *streams):
        encoded = (name + "\0").encode("utf-16-le")
        entries += encoded.ljust(64, b"\0") + len(encoded).to_bytes(2, "little") + b"\x02".ljust(62, b"\0")
    return header + entries.ljust(4096, b"\0")


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("data.xlsx", "truncated", "is not a valid .xlsx workbook (the file is damaged"),
        ("data.xlsx", "broken xml", "is damaged and cannot be read as an .xlsx workbook"),
        ("data.xlsx", "odd compression", "is damaged and cannot be read as an .xlsx workbook"),
        ("data.xlsx", b"PK\x03\x04" + b"\x00garbage" * 50, "is not a valid .xlsx workbook"),
        ("data.xlsx", b"<html><body>Excel export failed</body></html>", "is not a valid .xlsx workbook"),
        ("data.xlsx", _cfb("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"), "is password-protected"),
        ("data.xlsx", _cfb("Workbook", "\x05SummaryInformation"), "old Excel 97-2003 (.xls) file"),
        ("data.xlsx", b"", "is empty (0 bytes)"),
        ("transactions.csv", b"", "the file is empty (0 bytes)"),
        ("transactions.parquet", b"PAR1\x00\x00PAR1", "not a readable Parquet file"),
    ],
)
def test_unreadable_file_stops_the_run_with_one_line(tmp_path: Path, name: str, content: bytes | str,
                                                     fragment: str) -> None:
    folder = district(tmp_path, tx=False)
    if content == "truncated":
        data = _real_workbook(tmp_path)
        content = data[: len(data) * 2 // 3]
    elif content == "broken xml":  # a sound zip whose workbook part is cut off
        content = _replace_part(_real_workbook(tmp_path), "xl/workbook.xml", b"<workbook><sheets><sheet name=")
    elif content == "odd compression":  # a zip member packed with a method Python's zipfile does not know
        content = _odd_compression(_real_workbook(tmp_path))
    (folder / name).write_bytes(content)
    run = compute(tmp_path, folder)
    assert_stopped(run, str(folder / name), fragment)


def test_empty_workbook_as_the_only_input_stops_the_run(tmp_path: Path) -> None:
    path = tmp_path / "企业名录.xlsx"
    openpyxl.Workbook().save(path)  # one empty sheet
    run = compute(tmp_path, path)
    assert_stopped(run, "no firms table found", "is empty")


def test_empty_sheet_of_an_optional_table_is_a_warning(tmp_path: Path) -> None:
    folder = district(tmp_path)
    workbook(folder / "rates.xlsx", {"汇率": []})
    run = compute(tmp_path, folder)
    assert run.code == 0
    assert codes(run) == [("empty_table", "warning", "", "")]
    assert_no_award_moved(run)


def test_header_only_csv_is_a_table_without_rows(tmp_path: Path) -> None:
    run = compute(tmp_path, district(tmp_path, tx=[TX]))
    assert run.code == 0 and codes(run) == [("empty_table", "warning", "", "")]  # SPEC §3: present but empty
    assert_no_award_moved(run, {(F1, "2", ""): None, (F2, "2", ""): None})
    assert set(run.awards) == {(F1, "3A", "")}


def test_missing_firms_sheet_stops_the_run(tmp_path: Path) -> None:
    path = tmp_path / "district.xlsx"
    workbook(path, {"交易": [TX, *TX_ROWS], "说明": [["read me"]]})
    run = compute(tmp_path, path)
    assert_stopped(run, "no firms table found", str(path), "企业名录")


def test_workbook_with_no_sheet_naming_a_table_stops_the_run(tmp_path: Path) -> None:
    path = tmp_path / "district.xlsx"
    workbook(path, {"Sheet1": [FIRMS, *FIRM_ROWS]})
    run = compute(tmp_path, path)
    assert_stopped(run, str(path), "has no sheet named after a table")


def test_missing_firms_table_stops_the_run(tmp_path: Path) -> None:
    folder = district(tmp_path)
    (folder / "firms.csv").rename(folder / "firm list.csv")
    run = compute(tmp_path, folder)
    assert_stopped(run, "no firms table found", str(folder), "firms.csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_required_column_stops_the_run(tmp_path: Path, fmt: str) -> None:
    header = [c for c in TX_ZH if c != "金额"]
    rows = [[v for c, v in zip(TX_ZH, r, strict=True) if c != "金额"] for r in TX_ROWS]
    if fmt == "csv":
        folder = district(tmp_path, tx=[header, *rows])
        where = f"transactions ({folder / 'transactions.csv'})"
    else:
        folder = district(tmp_path, tx=False)
        workbook(folder / "data.xlsx", {"交易": [header, *rows]})
        where = f"transactions ({folder / 'data.xlsx'}:交易)"
    run = compute(tmp_path, folder)
    assert_stopped(run, where, "required column amount (金额) not found", "headers found: 统一社会信用代码")


def test_message_naming_a_header_with_a_line_break_is_one_line(tmp_path: Path) -> None:
    """Headers wrapped in their cell (Alt+Enter) are common; the message quoting them stays one line."""
    folder = district(tmp_path, tx=False)
    workbook(folder / "data.xlsx", {"交易": [["统一社会\n信用代码", "平台", "交易\r\n日期", "备注\n(选填)"]]})
    run = compute(tmp_path, folder)
    assert_stopped(run, "required columns model (模式), amount (金额) not found", "备注 (选填)")


def test_missing_path_stops_the_run(tmp_path: Path) -> None:
    run = compute(tmp_path, tmp_path / "2020年度数据")
    assert_stopped(run, "does not exist", "2020年度数据")


POLICY_FAULTS = [
    ("bad.toml", b"[policy\nid = 'x'\n", "not valid TOML"),
    ("bad.toml", b"\xff\xfe[\x00p\x00", "not UTF-8"),
    ("bad.toml", b'title = "no policy table"\n', "[policy] is missing"),
    ("bad.toml", b"", "[policy] is missing"),
    ("missing.toml", None, "not found"),
]


@pytest.mark.parametrize(("name", "content", "fragment"), POLICY_FAULTS)
def test_unreadable_policy_file_stops_the_run(tmp_path: Path, name: str, content: bytes | None,
                                              fragment: str) -> None:
    folder = district(tmp_path)
    policy = tmp_path / name
    if content is not None:
        policy.write_bytes(content)
    run = compute(tmp_path, folder, args=("--policy", str(policy)))
    assert_stopped(run, str(policy), fragment)


def test_policy_with_a_float_where_money_must_be_exact_stops_the_run(tmp_path: Path) -> None:
    from importlib import resources

    text = resources.files("kqcalc.policy").joinpath("keqiao-2020.toml").read_text(encoding="utf-8")
    import re

    changed, n = re.subn(r'(rmb_per_usd\s*=\s*)"([0-9.]+)"', r"\g<1>\g<2>", text, count=1)
    assert n == 1
    policy = tmp_path / "policy.toml"
    policy.write_text(changed, encoding="utf-8")
    run = compute(tmp_path, district(tmp_path), args=("--policy", str(policy)))
    assert_stopped(run, str(policy), "rmb_per_usd")


@pytest.mark.parametrize("case", ["encrypted", "policy"])
def test_exit_1_in_a_real_process_prints_one_line_and_no_traceback(tmp_path: Path, case: str) -> None:
    folder = district(tmp_path, tx=False)
    args = [str(folder)]
    if case == "encrypted":
        (folder / "data.xlsx").write_bytes(_cfb("EncryptionInfo", "EncryptedPackage"))
    else:
        (tmp_path / "p.toml").write_text("[policy]\nid = \n", encoding="utf-8")
        args += ["--policy", str(tmp_path / "p.toml")]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "kqcalc", "compute", *args, "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "awards.csv").exists()


def test_strict_stops_before_writing_when_a_row_is_bad(tmp_path: Path) -> None:
    run = compute(tmp_path, district(tmp_path, tx=[TX, *TX_ROWS, tx_row(amount="abc")]), args=("--strict",))
    assert run.code == 3
    assert not (run.out / "awards.csv").exists()
    assert "Traceback" not in run.stderr


def test_every_quarantined_row_is_listed_and_counted(tmp_path: Path) -> None:
    """Many faults in one file: each bad row has its issue, and the manifest adds up (SPEC §1 p. 4)."""
    tx = [["2020年交易"], TX, *TX_ROWS,
          tx_row(amount="abc"), tx_row(traded_on=""), tx_row(currency="XYZ"), tx_row(orders="-3"),
          tx_row(firm_id=F3), tx_row(traded_on="2019-12-31"), [], tx_row(model="B2B"),
          ["合计", "", "", "", "", "", "99999999", ""]]
    run = compute(tmp_path, district(tmp_path, tx=tx))
    assert run.code == 3
    file = str(tmp_path / "in" / "transactions.csv")
    entry = run.files[file]
    assert entry["rows_read"] == 11  # the blank line is not a row
    assert entry["rows_quarantined"] == 4  # abc, blank date, XYZ, -3
    assert entry["rows_excluded"] == 2  # 2019 (outside the period) and the total row
    assert entry["rows_used"] == 5  # the three good rows, the unknown firm's row and 甲's B2B row
    errors = sorted((i["row"], i["code"]) for i in run.issues if i["severity"] == "error")
    assert errors == [("6", "bad_number"), ("7", "missing_value"), ("8", "no_fx_rate"), ("9", "negative_value")]
    assert_no_award_moved(run)


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    """The same file given directly and through its folder is read once, with a warning (never counted twice)."""
    folder = district(tmp_path)
    run = compute(tmp_path, folder, folder / "transactions.csv")
    assert run.code == 0
    assert [i["code"] for i in run.issues] == ["duplicate_file"]
    assert_no_award_moved(run)


def test_two_amounts_of_9e17_of_one_firm_stop_the_run_naming_table_firm_and_column(tmp_path: Path) -> None:
    # 9 × 10^17 + 9 × 10^17 = 1.8 × 10^18: beyond a Decimal(38, 20), which Polars 2.1's group sum wraps silently
    # (to about −1.6 × 10^18); the compact sums of the big table are checked (lines.check_sums) and the run stops
    rows = [tx_row(amount="900000000000000000", traded_on="2020-12-01"),
            tx_row(amount="900000000000000000", traded_on="2020-12-02")]
    run = compute(tmp_path, district(tmp_path, tx=[TX, *TX_ROWS, *rows]))
    assert run.code == 1
    # the sum named as its Float64 check (F1's other rows add about 10^6): 1.800000000001 × 10^18
    assert f"table transactions, firm {F1}: the sum of amount, 18000000000009" in run.stderr
    assert "is outside the range computed exactly (0 to below 10^18)" in run.stderr
