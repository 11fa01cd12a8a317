"""`kqcalc template FILE.xlsx` (SPEC §4): a blank input workbook that, filled in by hand, feeds `kqcalc compute`.

The round trip fills the template with openpyxl as a clerk would in Excel and computes it. By hand (SPEC §2):
firm A's B2C 1,000,000 + 2,000,000 = 3,000,000 USD → item 2 tier 1 = 50,000.00; its 9610 declaration of
1,000,000 USD through the platform → item 3A = 30,000.00. The examples on the instructions sheet are never read.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from firm_codes import credit_code
from typer.testing import CliRunner

from kqcalc.cli import app
from kqcalc.tables import TABLES

A = credit_code(21)


def template(tmp_path: Path, lang: str = "zh") -> Path:
    path = tmp_path / f"template-{lang}.xlsx"
    result = CliRunner().invoke(app, ["template", str(path), "--lang", lang])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(template(tmp_path_factory.mktemp("template")))


def validations(ws) -> dict[str, str]:  # noqa: ANN001
    """Column letter → the list a dropdown offers ('' for an input message only)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        letter = str(dv.sqref).split(":")[0].rstrip("0123456789")
        out[letter] = (dv.formula1 or "").strip('"') if dv.type == "list" else ""
    return out


def test_every_table_is_a_sheet_named_by_its_chinese_alias_after_the_instructions(book):
    assert book.sheetnames == ["填表说明", *(t.alias for t in TABLES.values())]
    assert len(TABLES) == 18


def test_each_table_sheet_holds_only_its_headers(book):
    for table in TABLES.values():
        ws = book[table.alias]
        assert [c.value for c in ws[1]] == [c.alias for c in table.columns], table.name
        assert ws.max_row == 1, f"{table.name}: rows below the header would be read as data"
        assert ws.freeze_panes == "A2"


def test_yes_no_and_enumerated_columns_have_dropdowns(book):
    firms = validations(book["企业名录"])
    assert [firms[c] for c in "CDEFG"] == ["是,否"] * 5
    assert firms["A"] == "" and firms["B"] == ""  # input messages only
    assert validations(book["交易"])["D"] == "B2C,B2B"
    assert validations(book["交易"])["H"] == "USD,CNY,EUR,GBP,JPY"
    assert validations(book["高校专业学院"])["C"] == "专业,学院"
    assert validations(book["其他层级奖励"])["B"] == "1A,1B,2,3A,3B,4,5,6,7,8,9A,9B,9C,10A,10B"
    assert validations(book["其他层级奖励"])["D"] == "国家,省,市,区"
    assert validations(book["负面记录"])["B"].startswith("偷税,侵权,假冒")


def test_code_columns_are_text_so_excel_keeps_long_numbers_whole(book):
    ws = book["物流数据"]
    assert ws.column_dimensions["A"].number_format == "@"  # logistics_firm_id
    assert ws.column_dimensions["B"].number_format == "@"  # waybill_no
    assert ws.column_dimensions["C"].number_format == "yyyy-mm-dd"  # shipped_on


def test_the_instructions_explain_every_column_with_an_example(book):
    ws = book["填表说明"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    described = {(r[0], r[2]) for r in rows if r[0] and r[2]}
    for table in TABLES.values():
        for column in table.columns:
            assert (table.alias, column.name) in described, (table.name, column.name)
    firm_id = next(r for r in rows if r[0] == "企业名录" and r[2] == "firm_id")
    assert firm_id[1] == "统一社会信用代码" and firm_id[3] == "必填" and firm_id[6]
    assert any("示例" in str(r[0]) for r in rows[:8])


def fill_and_compute(path: Path, tmp_path: Path, lang: str) -> tuple[subprocess.CompletedProcess, Path]:
    zh = lang == "zh"
    wb = openpyxl.load_workbook(path)
    yes = "是" if zh else "yes"
    wb["企业名录" if zh else "firms"].append([A, "绍兴甲纺织有限公司", yes, yes, yes, None, None])
    tx = wb["交易" if zh else "transactions"]
    tx.append([A, "亚马逊", "S-001", "B2C", dt.date(2020, 8, 1), 40, 1000000, "USD"])
    tx.append([A, "亚马逊", "S-001", "B2C", "2021/3/15", None, "2,000,000.00", None])
    wb["9610出口清单" if zh else "exports_9610"].append(
        ["293220201000001234", A, dt.date(2020, 9, 9), 1000000, "USD", yes])
    filled = tmp_path / f"filled-{lang}.xlsx"
    wb.save(filled)
    out = tmp_path / f"out-{lang}"
    proc = subprocess.run([sys.executable, "-m", "kqcalc", "compute", str(filled), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    return proc, out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_filled_template_round_trips_through_compute(tmp_path, lang):
    proc, out = fill_and_compute(template(tmp_path, lang), tmp_path, lang)
    assert proc.returncode == 0, proc.stderr
    with (out / "awards.csv").open(encoding="utf-8-sig") as f:
        awards = [(r["firm_id"], r["item"], r["measure"], r["award_rmb"], r["status"]) for r in csv.DictReader(f)]
    assert awards == [(A, "2", "3000000", "50000.00", "awarded"), (A, "3A", "1000000", "30000.00", "awarded")]
    with (out / "issues.csv").open(encoding="utf-8-sig") as f:
        issues = [(r["severity"], r["code"]) for r in csv.DictReader(f)]
    # The instructions sheet is expected beside the tables: no warning. The 15 tables left blank (18 less firms,
    # transactions and exports_9610) are present but empty: one empty_table warning each (SPEC §3).
    assert issues == [("warning", "empty_table")] * 15
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    read = {f["table"]: f["rows_read"] for f in files}
    assert {t: n for t, n in read.items() if n} == {"firms": 1, "transactions": 2, "exports_9610": 1}
    assert set(read) == set(TABLES)  # the tables left blank are read too, and hold no rows


def test_english_headers_with_lang_en(tmp_path):
    book = openpyxl.load_workbook(template(tmp_path, "en"))
    assert book.sheetnames == ["Instructions", *TABLES]
    assert [c.value for c in book["firms"][1]] == TABLES["firms"].column_names
    assert validations(book["firms"])["C"] == "yes,no"
