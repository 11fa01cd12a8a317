"""report.xlsx for people (SPEC §5) and the console summary: sheets, ranking, totals, near misses, formula safety.

The district is built by hand: three firms whose awards follow from SPEC §2 by hand arithmetic.

* A (绍兴甲纺织有限公司): B2C 1,000,000 + 2,000,000 = 3,000,000 USD → item 2 tier 1 = 50,000.00;
  one 9610 declaration of 1,000,000 USD through the platform → item 3A = 0.03 × 1,000,000 = 30,000.00.
* B, named '=HYPERLINK("http://x","y")': B2C 5,200,000 USD → item 2 tier 2 = 100,000.00.
* C (柯桥丙贸易有限公司): B2C 2,950,000 USD → item 2 not met, 50,000 USD (1.67 %) below tier 1: a near miss.

Ranks: B 1 (100,000), A 2 (80,000), C 3 (0). Totals: 180,000.00, all district-funded; item 2 150,000.00,
item 3A 30,000.00.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from firm_codes import credit_code
from typer.testing import CliRunner

from kqcalc.cli import app
from kqcalc.items import ITEMS

EVIL = '=HYPERLINK("http://x","y")'


A, B, C = credit_code(1), credit_code(2), credit_code(3)
NAMES = {A: "绍兴甲纺织有限公司", B: EVIL, C: "柯桥丙贸易有限公司"}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def district(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "firms.csv", ["firm_id", "firm_name", "in_zone", "independent_accounting", "independent_tax"],
              [[firm, name, "是", "是", "是"] for firm, name in NAMES.items()])
    write_csv(folder / "transactions.csv", ["firm_id", "platform", "model", "traded_on", "amount"], [
        [A, "amazon", "B2C", "2020-08-01", "1000000"],
        [A, "amazon", "B2C", "2021-03-15", "2,000,000"],
        [B, "ebay", "B2C", "2020-10-01", "5200000"],
        [C, "amazon", "B2C", "2020-12-01", "2950000"],
    ])
    write_csv(folder / "exports_9610.csv", ["declaration_no", "firm_id", "declared_on", "amount", "via_platform"],
              [["D0001", A, "2020-09-09", "1000000", "是"]])
    return folder


def compute(tmp_path: Path, *extra: str) -> Path:
    inputs = district(tmp_path / "in")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["compute", str(inputs), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    out = compute(tmp_path_factory.mktemp("zh"))
    return openpyxl.load_workbook(out / "report.xlsx")


def rows(ws, first: int) -> list[list]:  # noqa: ANN001
    return [list(r) for r in ws.iter_rows(min_row=first, values_only=True)]


def headers(ws, row: int = 1) -> list:  # noqa: ANN001
    """A header row as text; a header too wide for its column breaks before its unit ("奖励合计\n（元）") or after
    its item code ("3A\n9610出口奖励")."""
    return [c.value.replace("\n（", "（").replace("\n", " ") if isinstance(c.value, str) else c.value for c in ws[row]]


def test_the_report_has_its_seven_sheets_and_the_chart_sheet_in_order_with_chinese_names(report):
    assert report.sheetnames == ["汇总", "项目金额图", "分企业明细", "未获奖励", "接近门槛", "数据问题", "政策参数",
                                 "运行信息"]


def test_the_summary_ranks_firms_by_total_with_one_column_per_item(report):
    ws = report["汇总"]
    header = headers(ws, 6)
    assert header[:6] == ["排名", "统一社会信用代码", "企业名称", "奖励合计（元）", "区级财政（元）", "市级财政（元）"]
    assert [h.split(" ")[0] for h in header[6:21]] == list(ITEMS)
    firms = rows(ws, 7)
    assert [r[:6] for r in firms] == [
        [1, B, EVIL, 100000, 100000, 0],
        [2, A, "绍兴甲纺织有限公司", 80000, 80000, 0],
        [3, C, "柯桥丙贸易有限公司", 0, 0, 0],
    ]
    item = {code: 6 + i for i, code in enumerate(ITEMS)}
    assert firms[1][item["2"]] == 50000 and firms[1][item["3A"]] == 30000 and firms[0][item["2"]] == 100000


def test_the_summary_totals_by_funding_and_by_item_sit_above_the_header_and_feed_the_chart(report):
    ws = report["汇总"]
    totals = [c.value for c in ws[5]]
    assert totals[2:6] == ["合计", 180000, 180000, 0]
    by_item = dict(zip(ITEMS, totals[6:21], strict=True))
    assert by_item["2"] == 150000 and by_item["3A"] == 30000
    assert sum(by_item.values()) == 180000
    assert ws.freeze_panes == "D7" and ws.auto_filter.ref == "A6:U9"
    assert len(ws._charts) == 1  # noqa: SLF001 - openpyxl keeps the charts it read here


def test_no_cell_is_a_formula_even_for_a_firm_named_like_one(report):
    for ws in report.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
    assert report["汇总"]["C7"].value == EVIL
    assert report["汇总"]["C7"].quotePrefix  # stays text when someone edits the cell in Excel


def test_the_lines_sheet_has_every_line_with_its_rule_gross_cap_deductions_award_and_status(report):
    ws = report["分企业明细"]
    header = headers(ws)
    assert header == ["排名", "统一社会信用代码", "企业名称", "项目", "项目名称", "关联编号", "计量值", "单位",
                      "适用规则",
                      "计算额（元）", "上限（元）", "封顶后（元）", "资格扣减（元）", "一次性扣减（元）",
                      "从高不重复扣减（元）", "人工调整扣减（元）", "奖励金额（元）", "资金来源", "状态", "原因代码",
                      "原因说明"]
    lines = rows(ws, 2)
    assert [(r[0], r[1], r[3]) for r in lines] == [(1, B, "2"), (2, A, "2"), (2, A, "3A"), (3, C, "2")]
    a_3a = dict(zip(header, lines[2], strict=True))
    assert a_3a["计量值"] == 1000000 and a_3a["单位"] == "美元"
    assert a_3a["适用规则"] == "0.03 元/美元 × 美元，上限 1,500,000 元"
    assert (a_3a["计算额（元）"], a_3a["上限（元）"], a_3a["封顶后（元）"], a_3a["奖励金额（元）"]) == (
        30000, 1500000, 30000, 30000)
    assert (a_3a["资金来源"], a_3a["状态"], a_3a["原因代码"]) == ("区级财政", "予以奖励", None)
    a_2 = dict(zip(header, lines[1], strict=True))
    assert a_2["适用规则"] == "第 1 档（≥ 3,000,000 美元）→ 50,000 元" and a_2["上限（元）"] is None
    c_2 = dict(zip(header, lines[3], strict=True))
    assert (c_2["状态"], c_2["原因代码"], c_2["原因说明"], c_2["奖励金额（元）"]) == (
        "未达条件", "below_threshold", "未达到金额或数量门槛", 0)
    assert ws.cell(2, 17).number_format.startswith("#,##0.00")
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref == "A1:U5"


def test_lines_not_paid_say_why_and_how_far_from_the_threshold(report):
    ws = report["未获奖励"]
    (line,) = rows(ws, 2)
    assert line[:4] == [3, C, "柯桥丙贸易有限公司", "2"]
    assert line[9:] == ["未达条件", "below_threshold", "未达到金额或数量门槛",
                        "企业B2C交易额 2,950,000 美元（未达第 1 档 3,000,000 美元，还差 50,000 美元）"]


def test_near_misses_are_firms_within_ten_percent_below_a_threshold(report):
    ws = report["接近门槛"]
    (line,) = rows(ws, 2)
    assert line[:4] == [3, C, "柯桥丙贸易有限公司", "2"]
    assert line[6:12] == ["企业B2C交易额", 2950000, 3000000, 50000, pytest.approx(50000 / 3000000), "美元"]


def test_the_parameters_sheet_holds_every_value_and_the_clause_texts(report):
    ws = report["政策参数"]
    assert headers(ws)[:5] == ["项目", "类别", "参数", "值", "政策文件中的键"]
    values = {(r[0], r[4]): r[3] for r in rows(ws, 2)}
    meaning = {(r[0], r[4]): r[2] for r in rows(ws, 2)}
    assert values[("3A", "rmb_per_usd")] == "0.03" and meaning[("3A", "rmb_per_usd")] == "每美元奖励（元）"
    assert values[("2", "tiers[1]")] == "企业B2C交易额门槛（美元） = 5000000；奖励金额（元） = 100000"
    assert values[("8", "funding")] == "市级财政" and meaning[("8", "funding")] == "资金来源"
    assert values[("2", "text_zh")].startswith("对整年度跨境电商B2C在线交易额达到300万")
    assert values[("政策", "id")] == "keqiao-2020" and meaning[("政策", "id")] == "政策编号"


def test_the_manifest_sheet_names_the_policy_the_period_and_every_input_file(report):
    ws = report["运行信息"]
    cells = {r[0]: r[1] for r in rows(ws, 2) if r[0]}
    assert cells["政策编号"] == "keqiao-2020" and cells["考核期"] == "2020-07-01 至 2021-06-30"
    assert cells["奖励合计（元）"] == 180000
    # The run's time as manifest.json holds it, labelled as what it is: ISO 8601 with its offset.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", cells["运行时间（含时区偏移）"])
    files = [r[0] for r in rows(ws, 2) if r[0] and str(r[0]).endswith(".csv")]
    assert [Path(f).name for f in files] == ["exports_9610.csv", "firms.csv", "transactions.csv"]


def test_the_csvs_prefix_text_that_excel_would_execute(tmp_path):
    out = compute(tmp_path)
    summary = (out / "summary.csv").read_text(encoding="utf-8-sig").splitlines()
    assert summary[1].startswith(f"1,{B},\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",100000.00,")


def test_english_labels_with_lang_en(tmp_path):
    out = compute(tmp_path, "--lang", "en")
    book = openpyxl.load_workbook(out / "report.xlsx")
    assert book.sheetnames == ["Summary", "Chart", "Lines by firm", "Not paid", "Near misses", "Issues",
                               "Parameters", "Manifest"]
    assert headers(book["Summary"], 6)[:4] == ["Rank", "Credit code", "Firm", "Total (RMB)"]
    line = [c.value for c in book["Lines by firm"][4]]
    assert line[8] == "0.03 RMB per USD × USD, cap RMB 1,500,000" and line[18] == "awarded"


def test_csv_only_runs_write_no_report(tmp_path):
    out = compute(tmp_path, "--formats", "csv")
    assert (out / "awards.csv").exists() and not (out / "report.xlsx").exists()


def test_the_closing_summary_names_top_firms_totals_issues_and_the_folder(tmp_path):
    inputs = district(tmp_path / "in")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["compute", str(inputs), "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "奖励最多的企业（前 3 名，共 3 家）" in text
    assert "绍兴甲纺织有限公司" in text and "80,000.00" in text
    assert "区级财政 180,000.00  市级财政 0.00  合计 180,000.00" in text
    assert "共 4 行，3 家企业；数据问题：0 个错误，0 个警告（见 issues.csv）" in text
    assert f"结果已写入 {out}/" in text
    assert "\r" not in text and "\x1b" not in text  # no progress display without a terminal


def test_quiet_prints_no_summary(tmp_path):
    inputs = district(tmp_path / "in")
    result = CliRunner().invoke(app, ["compute", str(inputs), "--out", str(tmp_path / "out"), "--quiet"])
    assert (result.exit_code, result.output) == (0, "")


def test_the_report_writer_is_given_exact_money():
    from kqcalc.words import money, number

    assert money(Decimal("1234567.5")) == "1,234,567.50"
    assert number("3000000") == "3,000,000" and number("0.030") == "0.03"
