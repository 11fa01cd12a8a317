"""The input reader (SPEC §3, §7): finding tables, headers, row numbers, encodings and faulty files."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from kqcalc.errors import InputError
from kqcalc.read import read_inputs, xlsx_scan

FIRMS_EN = ["firm_id", "firm_name", "in_zone", "independent_accounting", "independent_tax"]
FIRMS_ZH = ["统一社会信用代码", "企业名称", "园区注册", "独立核算", "独立纳税"]
FIRM_ROWS = [
    ["91330621MA2B000010", "甲公司", "是", "是", "是"],
    ["91330621MA2B000020", "乙公司", "否", "是", "否"],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    text = "".join(",".join(r) + "\r\n" for r in rows)
    path.write_bytes(text.encode(encoding))
    return path


def firms_csv(folder: Path) -> Path:
    return write_csv(folder / "firms.csv", [FIRMS_EN, *FIRM_ROWS])


def codes(result, code: str | None = None) -> list:
    return [i for i in result.issues if code is None or i.code == code]


def one(result, table: str):
    pieces = result.tables[table]
    assert len(pieces) == 1
    return pieces[0]


# --------------------------------------------------------------------------- finding tables


def test_directory_of_csv_and_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    firms_csv(folder)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇率"
    ws.append(["币种", "美元汇率"])
    ws.append(["EUR", 1.1])
    wb.create_sheet("说明")["A1"] = "read me"
    wb.save(folder / "rates.xlsx")
    (folder / "~$rates.xlsx").write_bytes(b"lock")
    (folder / ".hidden.csv").write_text("x")
    (folder / "notes.txt").write_text("x")
    write_csv(folder / "unknown.csv", [["a", "b"], ["1", "2"]])
    (folder / "sub").mkdir()
    firms_csv(folder / "sub")  # not read: directories are not recursive

    result = read_inputs([str(folder)])

    firms = one(result, "firms")
    assert firms.file == os.path.join(str(folder), "firms.csv")
    assert firms.frame.columns == [*FIRMS_EN, "_row"]
    assert firms.frame["_row"].to_list() == [2, 3]
    assert firms.rows_read == 2
    rates = one(result, "fx_rates")
    assert rates.file == os.path.join(str(folder), "rates.xlsx") + ":汇率"
    assert rates.headers == {"currency": "币种", "usd_per_unit": "美元汇率"}
    assert rates.frame.rows() == [("EUR", "1.1", 2)]
    unknown = {Path(i.file).name for i in codes(result, "unknown_file")}
    assert unknown == {"notes.txt", "unknown.csv"}
    assert [i.file.endswith(":说明") for i in codes(result, "unknown_sheet")] == [True]
    assert set(result.files) == {firms.file, os.path.join(str(folder), "rates.xlsx")}
    digest = hashlib.sha256((folder / "firms.csv").read_bytes()).hexdigest()
    assert result.files[firms.file] == digest
    assert firms.path == firms.file


def test_workbook_sheets_by_english_and_chinese_names(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append(FIRMS_ZH)
    ws.append(FIRM_ROWS[0])
    ws = wb.create_sheet(" Exports_9610 ")  # names compare after trimming and case folding
    ws.append(["清单编号", "firm_id", "申报日期", "总价", "币制", "通过轻纺城平台"])
    ws.append(["D1", "91330621MA2B000010", dt.date(2020, 8, 1), 100.5, "502", "是"])
    wb.save(tmp_path / "book.xlsx")
    path = str(tmp_path / "book.xlsx")

    result = read_inputs([path])

    firms = one(result, "firms")
    assert firms.file == f"{path}:企业名录"
    assert firms.headers["firm_id"] == "统一社会信用代码"
    exports = one(result, "exports_9610")
    assert exports.headers == {
        "declaration_no": "清单编号",
        "firm_id": "firm_id",
        "declared_on": "申报日期",
        "amount": "总价",
        "currency": "币制",
        "via_platform": "通过轻纺城平台",
    }
    row = exports.frame.row(0, named=True)
    assert row["declared_on"].startswith("2020-08-01")
    assert row["amount"] == "100.5"
    assert row["_row"] == 2
    assert result.files == {path: hashlib.sha256(Path(path).read_bytes()).hexdigest()}


def test_workbook_named_after_a_table_uses_its_first_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    for r in [FIRMS_EN, *FIRM_ROWS]:
        wb.active.append(r)
    wb.create_sheet("Sheet2")
    wb.save(tmp_path / "企业名录.xlsx")
    result = read_inputs([str(tmp_path / "企业名录.xlsx")])
    assert one(result, "firms").frame.height == 2
    assert [i.file.endswith(":Sheet2") for i in codes(result, "unknown_sheet")] == [True]


def test_same_table_in_several_files_gives_pieces_in_input_order(tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    write_csv(a / "firms.csv", [FIRMS_EN, FIRM_ROWS[0]])
    write_csv(b / "企业名录.csv", [FIRMS_ZH, FIRM_ROWS[1]])
    result = read_inputs([str(b), str(a)])
    assert [p.file for p in result.tables["firms"]] == [str(b / "企业名录.csv"), str(a / "firms.csv")]


def test_file_given_twice_is_read_once(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    result = read_inputs([str(tmp_path), str(tmp_path / "firms.csv")])
    assert len(result.tables["firms"]) == 1
    assert len(codes(result, "duplicate_file")) == 1


def test_missing_path_and_missing_firms(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"path .*nope does not exist"):
        read_inputs([str(tmp_path / "nope")])
    write_csv(tmp_path / "fx_rates.csv", [["currency", "usd_per_unit"], ["EUR", "1.1"]])
    with pytest.raises(InputError, match=r"no firms table found .*firms or 企业名录"):
        read_inputs([str(tmp_path)])


def test_explicit_file_that_names_no_table_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "data.csv", [FIRMS_EN, *FIRM_ROWS])
    with pytest.raises(InputError, match="data.csv is not named after a table"):
        read_inputs([str(path)])


# --------------------------------------------------------------------------- headers and rows


def test_title_rows_blank_rows_total_rows_and_extra_columns_in_csv(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "firms.csv",
        [
            ["2020年度企业名录", "", "", "", "", ""],
            [""],
            [*FIRMS_ZH, "备注"],
            [*FIRM_ROWS[0], "note"],
            [",,,,"],
            ["  ", "\u3000", "", "", "", ""],
            [*FIRM_ROWS[1], ""],
            ["合  计", "", "", "", "", "2"],
            ["", "Total", "", "", "", ""],
        ],
    )
    result = read_inputs([str(tmp_path)])
    firms = one(result, "firms")
    assert firms.frame["_row"].to_list() == [4, 7]
    assert firms.rows_read == 4  # two data rows and two total rows; blank rows are not counted
    assert firms.rows_excluded == 2
    assert [i.row for i in codes(result, "total_row")] == [8, 9]
    (title,) = codes(result, "title_rows_skipped")
    assert "2020年度企业名录" in title.message("en") and "row 3" in title.message("en")
    (extra,) = codes(result, "extra_columns")
    assert "备注" in extra.message("en")
    assert "备注" not in firms.frame.columns


def test_total_row_detection_is_exact(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "firms.csv",
        [
            FIRMS_EN,
            ["Totally Ltd", "x", "是", "是", "是"],  # not a total row
            ["总计：", "", "", "", ""],
            ["ＴＯＴＡＬ", "", "", "", ""],
            ["sum", "", "", "", ""],
            ["小计x", "", "", "", ""],  # not a total row (only 合计/总计 may be followed by more)
        ],
    )
    firms = one(read_inputs([str(tmp_path)]), "firms")
    assert firms.frame["_row"].to_list() == [2, 6]
    assert firms.rows_excluded == 3


def test_leading_empty_rows_and_columns_in_xlsx_keep_excel_row_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws["A1"].style = "Good"  # a styled empty cell: not a value
    ws["C3"] = "Firms registered in 2020"
    for j, h in enumerate(FIRMS_EN):
        ws.cell(row=5, column=3 + j, value=h)
    for i, r in enumerate(FIRM_ROWS):
        for j, v in enumerate(r):
            ws.cell(row=6 + 2 * i, column=3 + j, value=v)  # rows 6 and 8; row 7 is blank
    ws["C9"] = "   "  # whitespace only: blank
    ws["C11"] = "合计"
    ws["G11"] = 2
    wb.save(tmp_path / "firms.xlsx")
    result = read_inputs([str(tmp_path / "firms.xlsx")])
    firms = one(result, "firms")
    assert firms.frame["_row"].to_list() == [6, 8]
    assert firms.frame["firm_id"].to_list() == [FIRM_ROWS[0][0], FIRM_ROWS[1][0]]
    assert firms.rows_read == 3
    assert firms.rows_excluded == 1
    assert [i.row for i in codes(result, "total_row")] == [11]
    assert "row 3 " in codes(result, "title_rows_skipped")[0].message("en")


def test_missing_required_column_names_table_file_column_and_spellings(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "9610出口清单"
    ws.append(["清单编号", "统一社会信用代码", "金额", "通过轻纺城平台"])
    ws.append(["D1", "91330621MA2B000010", 1, "是"])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as err:
        read_inputs([str(tmp_path)])
    message = str(err.value)
    assert message.startswith(f"exports_9610 ({path}:9610出口清单): required column declared_on (申报日期) not found")
    assert "headers found: 清单编号, 统一社会信用代码, 金额, 通过轻纺城平台" in message
    assert "\n" not in message


def test_two_headers_for_one_column_is_an_error(tmp_path: Path) -> None:
    write_csv(tmp_path / "firms.csv", [[*FIRMS_EN, "企业名称"], [*FIRM_ROWS[0], "x"]])
    with pytest.raises(InputError, match=r"'firm_name' .* and '企业名称' .* both name the column firm_name"):
        read_inputs([str(tmp_path)])


def test_no_header_row(tmp_path: Path) -> None:
    write_csv(tmp_path / "firms.csv", FIRM_ROWS)
    with pytest.raises(InputError, match=r"firms \(.*firms.csv\): no header row found"):
        read_inputs([str(tmp_path)])


def test_headers_wrapped_over_lines_or_marked_required_still_match(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Firms"
    ws.append(["统一社会\n信用代码", "企业名称*", " In_Zone ", "独立　核算", "ＩＮＤＥＰＥＮＤＥＮＴ_ＴＡＸ"])
    ws.append(FIRM_ROWS[0])
    wb.save(tmp_path / "book.xlsx")
    firms = one(read_inputs([str(tmp_path / "book.xlsx")]), "firms")
    assert list(firms.headers) == FIRMS_EN
    assert firms.headers["firm_id"] == "统一社会\n信用代码"


def test_optional_columns_absent_are_not_in_the_frame(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    firms = one(read_inputs([str(tmp_path)]), "firms")
    assert "is_logistics" not in firms.frame.columns
    assert firms.frame.schema["_row"] == pl.Int64
    assert all(t == pl.String for c, t in firms.frame.schema.items() if c != "_row")


# --------------------------------------------------------------------------- encodings and formats


def test_gb18030_csv(tmp_path: Path) -> None:
    write_csv(tmp_path / "企业名录.csv", [FIRMS_ZH, *FIRM_ROWS], encoding="gb18030")
    firms = one(read_inputs([str(tmp_path)]), "firms")
    assert firms.frame["firm_name"].to_list() == ["甲公司", "乙公司"]
    assert firms.headers["firm_name"] == "企业名称"


def test_gb18030_csv_with_chinese_only_far_down(tmp_path: Path) -> None:
    rows = [FIRMS_EN] + [[f"91330621MA2B{i:06d}", "ascii", "Y", "Y", "Y"] for i in range(20000)]
    rows.append(["91330621MA2B999999", "丙公司", "是", "是", "是"])
    write_csv(tmp_path / "firms.csv", rows, encoding="gb18030")
    firms = one(read_inputs([str(tmp_path)]), "firms")
    assert firms.frame["firm_name"][-1] == "丙公司"
    assert firms.frame["_row"][-1] == 20002


def test_damaged_utf8_csv_is_not_read_as_gb18030(tmp_path: Path) -> None:
    rows = [FIRMS_ZH] + [[f"91330621MA2B{i:06d}", "甲公司", "是", "是", "是"] for i in range(5000)]
    path = write_csv(tmp_path / "firms.csv", rows)
    path.write_bytes(path.read_bytes() + b"91330621MA2B999999,\xff\xfe,1,1,1\r\n")
    with pytest.raises(InputError, match="not valid UTF-8"):
        read_inputs([str(tmp_path)])


def test_utf8_bom_csv(tmp_path: Path) -> None:
    write_csv(tmp_path / "firms.csv", [FIRMS_ZH, *FIRM_ROWS], encoding="utf-8-sig")
    firms = one(read_inputs([str(tmp_path)]), "firms")
    assert firms.headers["firm_id"] == "统一社会信用代码"
    assert firms.frame["firm_name"].to_list() == ["甲公司", "乙公司"]


def test_utf16_tab_separated_text_saved_by_excel(tmp_path: Path) -> None:
    text = "".join("\t".join(r) + "\r\n" for r in [FIRMS_ZH, *FIRM_ROWS])
    (tmp_path / "firms.csv").write_bytes(text.encode("utf-16"))  # with BOM, as Excel's "Unicode text"
    firms = one(read_inputs([str(tmp_path)]), "firms")
    assert firms.frame["firm_name"].to_list() == ["甲公司", "乙公司"]


def test_utf8_bom_csv_with_title_row(tmp_path: Path) -> None:
    write_csv(tmp_path / "firms.csv", [["企业名录"], FIRMS_ZH, *FIRM_ROWS], encoding="utf-8-sig")
    firms = one(read_inputs([str(tmp_path)]), "firms")
    assert firms.frame["_row"].to_list() == [3, 4]


def test_csv_quoted_fields_and_empty_strings(tmp_path: Path) -> None:
    (tmp_path / "firms.csv").write_text(
        ",".join(FIRMS_EN) + "\n" + '"91330621MA2B000010","甲, ""公司""","是","","是"\n', encoding="utf-8"
    )
    firms = one(read_inputs([str(tmp_path)]), "firms")
    assert firms.frame.row(0) == ("91330621MA2B000010", '甲, "公司"', "是", None, "是", 2)


def test_csv_with_a_header_and_no_rows(tmp_path: Path) -> None:
    write_csv(tmp_path / "firms.csv", [FIRMS_EN, FIRM_ROWS[0]])
    (tmp_path / "stores.csv").write_text("firm_id,platform,store_id,model,opened_on", encoding="utf-8")
    result = read_inputs([str(tmp_path)])
    stores = one(result, "stores")
    assert stores.frame.height == 0 and stores.rows_read == 0
    assert stores.frame.columns == ["firm_id", "platform", "store_id", "model", "opened_on", "_row"]
    assert [(i.table, i.severity) for i in codes(result, "empty_table")] == [("stores", "warning")]


def test_an_empty_firms_table_stops_the_run(tmp_path: Path) -> None:
    # SPEC §3: a header and no rows would make every line ineligible: exit 1, not a run that pays 0
    (tmp_path / "firms.csv").write_text(",".join(FIRMS_EN), encoding="utf-8")
    with pytest.raises(InputError, match="firms table .企业名录. in .*firms.csv has a header but no rows"):
        read_inputs([str(tmp_path)])


def test_csv_line_with_more_fields_than_the_header_quarantines_only_that_row(tmp_path: Path) -> None:
    # an unquoted comma in a firm name (乙公司,杭州) splits the line into six fields: that row is an error,
    # the rows around it are read; the row number is the line a text editor shows (header = line 1)
    firms = [FIRMS_EN, FIRM_ROWS[0], ["91330621MA2B000020", "乙公司", "杭州", "否", "是", "否"],
             ["91330621MA2B000030", "丙公司", "是", "是", "是"], ["91330621MA2B000040", "丁公司", "是", "是", "是", ""]]
    write_csv(tmp_path / "firms.csv", firms)
    piece = one(read_inputs([str(tmp_path)]), "firms")
    assert piece.frame["firm_id"].to_list() == [r[0] for r in firms[1:]]
    assert {row: [i.code for i in found] for row, found in piece.bad_rows.items()} == {3: ["extra_fields"]}
    assert "line 3 has 6 fields but the header has 5 (extra: '否')" in piece.bad_rows[3][0].message("en")
    # a trailing empty field (line 5) carries nothing: the row is read as written


def test_csv_with_lines_ended_by_cr_alone_is_read_line_by_line(tmp_path: Path) -> None:
    text = "\r".join(",".join(r) for r in [FIRMS_EN, *FIRM_ROWS]) + "\r"
    (tmp_path / "firms.csv").write_bytes(text.encode("gb18030"))
    piece = one(read_inputs([str(tmp_path)]), "firms")
    assert piece.frame["firm_name"].to_list() == ["甲公司", "乙公司"] and piece.frame["_row"].to_list() == [2, 3]


def test_parquet_values_become_text(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    pl.DataFrame(
        {
            "declaration_no": ["D1", "D2"],
            "firm_id": ["91330621MA2B000010", None],
            "declared_on": [dt.date(2020, 7, 1), dt.date(2021, 6, 30)],
            "amount": [Decimal("123.45"), Decimal("7.00")],
            "currency": [None, "EUR"],
            "via_platform": [True, False],
            "weight": [1.5, 2.0],
            "stamp": [dt.datetime(2020, 7, 1, 8, 30), dt.datetime(2020, 7, 1, 8, 30, 0, 500000)],
        }
    ).write_parquet(tmp_path / "exports_9610.parquet")
    result = read_inputs([str(tmp_path)])
    exports = one(result, "exports_9610")
    assert exports.frame.rows() == [
        ("D1", "91330621MA2B000010", "2020-07-01", "123.45", None, "true", 1),
        ("D2", None, "2021-06-30", "7.00", "EUR", "false", 2),
    ]
    (extra,) = codes(result, "extra_columns")
    assert "weight" in extra.message("en") and "stamp" in extra.message("en")


def test_parquet_datetimes_and_numbers(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    pl.DataFrame(
        {
            "currency": ["EUR", "JPY"],
            "usd_per_unit": [1.1, 0.009],
            "note": [dt.datetime(2020, 7, 1, 8, 30), dt.datetime(2020, 7, 1, 8, 30, 0, 500000)],
        }
    ).write_parquet(tmp_path / "fx_rates.parquet")
    from kqcalc.read import parquet_as_text

    df = pl.read_parquet(tmp_path / "fx_rates.parquet")
    text = parquet_as_text(df, "x")
    assert text["usd_per_unit"].to_list() == ["1.1", "0.009"]
    assert text["note"].to_list() == ["2020-07-01 08:30:00", "2020-07-01 08:30:00.500"]


# --------------------------------------------------------------------------- workbook faults


def test_formula_without_cached_value_quarantines_its_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws.append(FIRMS_EN)
    ws.append(FIRM_ROWS[0])
    ws.append(FIRM_ROWS[1])
    ws["C2"] = "=1+2"  # openpyxl stores no cached value
    ws["E5"] = '=IF(A1="","是","否")'  # a row holding nothing but a formula, below the data
    wb.save(tmp_path / "firms.xlsx")
    firms = one(read_inputs([str(tmp_path / "firms.xlsx")]), "firms")
    assert sorted(firms.bad_rows) == [2, 5]
    (issue,) = firms.bad_rows[2]
    assert (issue.severity, issue.code, issue.column, issue.row) == ("error", "formula_without_value", "in_zone", 2)
    assert "C2" in issue.message("en") and "=1+2" in issue.message("en")
    assert firms.frame.filter(pl.col("_row") == 2)["in_zone"].to_list() == [None]  # never read as 0
    assert 5 in firms.frame["_row"].to_list()  # the row is in the frame, so clean.py can quarantine it
    assert firms.rows_read == 3


def test_cached_formula_values_and_error_cells(tmp_path: Path) -> None:
    path = tmp_path / "firms.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("firms")
    ws.write_row(0, 0, FIRMS_EN)
    ws.write_row(1, 0, FIRM_ROWS[0])
    ws.write_formula(1, 1, '="甲"&"公司"', None, "甲公司")  # cached value: read as that value
    ws.write_row(2, 0, FIRM_ROWS[1])
    ws.write_formula(2, 2, "=1/0", None, "#DIV/0!")
    wb.close()
    firms = one(read_inputs([str(path)]), "firms")
    assert firms.frame["firm_name"].to_list() == ["甲公司", "乙公司"]
    assert list(firms.bad_rows) == [3]
    (issue,) = firms.bad_rows[3]
    assert issue.code == "cell_error" and "#DIV/0!" in issue.message("en") and issue.column == "in_zone"


def test_formula_in_a_big_sheet_is_found_by_the_scan(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws.append(FIRMS_EN)
    for i in range(6000):
        ws.append([f"91330621MA2B{i:06d}", f"公司{i}", "是", "是", "是"])
    ws["D4000"] = "=B2"
    wb.save(tmp_path / "firms.xlsx")
    firms = one(read_inputs([str(tmp_path / "firms.xlsx")]), "firms")
    assert list(firms.bad_rows) == [4000]
    assert firms.rows_read == 6000


@pytest.mark.parametrize("first_col", [1, 53])  # the block at A:E, or at BA:BE (then cells left of it are far)
def test_scan_in_small_chunks_finds_what_one_chunk_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         first_col: int) -> None:
    """A big sheet is scanned in chunks; a chunk in which one regex pass sees no formula tag, no error cell and
    no reference outside the block is passed over (xlsx_scan._BlockGrower.quiet). With 4 KB chunks the formula,
    the error cell and the far cells below sit in chunks of their own, far from the first one."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    for r in range(1, 3002):
        for j, value in enumerate(FIRMS_EN if r == 1 else [f"91330621MA2B{r:06d}", "n", "是", "是", "是"]):
            ws.cell(row=r, column=first_col + j, value=value)
    ws.cell(row=2500, column=first_col + 3, value="=B2")  # a formula without a cached value
    ws.cell(row=2600, column=first_col + 4, value="#DIV/0!")  # openpyxl writes this as an error cell (t="e")
    ws["AAA2700"] = "far right"  # column 703
    if first_col > 1:
        ws["A2800"] = "far left"  # 52 columns left of the block: beyond COLUMN_GAP (50)
    path = tmp_path / "firms.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        sheet = xlsx_scan.list_sheets(zf)[0]
        prefix = xlsx_scan.probe(zf, sheet.part).prefix
    whole = xlsx_scan.scan_sheet(str(path), sheet.part, prefix, extent=True)
    monkeypatch.setattr(xlsx_scan, "CHUNK_BYTES", 4096)
    assert len(list(xlsx_scan._pieces(zipfile.ZipFile(path), sheet.part, b"</row>"))) > 50
    chunked = xlsx_scan.scan_sheet(str(path), sheet.part, prefix, extent=True)
    expected_far = [(2700, 703)] + ([(2800, 1)] if first_col > 1 else [])
    for scan in (whole, chunked):
        assert [(n.row, n.col, n.text) for n in scan.formulas] == [(2500, first_col + 3, "B2")]
        assert [(n.row, n.col, n.text) for n in scan.errors] == [(2600, first_col + 4, "#DIV/0!")]
        assert scan.block == (first_col, first_col + 4)
        assert sorted(scan.far_cells) == expected_far
        assert scan.last_row == 3001


def test_sheet_without_dimension_is_scanned_first(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws["B3"] = "title"
    ws.append([])
    ws.append([None, *FIRMS_EN])
    for i in range(6000):
        ws.append([None, f"91330621MA2B{i:06d}", f"公司{i}", "是", "是", "是"])
    src = tmp_path / "src.xlsx"
    wb.save(src)
    dst = tmp_path / "firms.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            zout.writestr(info, data)
    with zipfile.ZipFile(dst) as zf:
        assert xlsx_scan.probe(zf, "xl/worksheets/sheet1.xml").dimension is None
    firms = one(read_inputs([str(dst)]), "firms")
    assert firms.frame["_row"][0] == 6 and firms.frame["_row"][-1] == 6005


def test_merged_cells_are_reported(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws["A1"] = "企业名录"
    ws.merge_cells("A1:E1")  # a merged title: not reported
    ws.append(FIRMS_EN)
    ws.append(FIRM_ROWS[0])
    ws.append(FIRM_ROWS[1])
    ws.merge_cells("C3:C4")
    wb.save(tmp_path / "firms.xlsx")
    result = read_inputs([str(tmp_path / "firms.xlsx")])
    (merged,) = codes(result, "merged_cells")
    assert "C3:C4" in merged.message("en") and "A1:E1" not in merged.message("en")
    assert one(result, "firms").frame["in_zone"].to_list() == ["是", None]


def test_stray_cell_far_away_does_not_blow_up(tmp_path: Path) -> None:
    path = tmp_path / "firms.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws.append(FIRMS_EN)
    for r in FIRM_ROWS:
        ws.append(r)
    ws["XFD1048576"] = "oops"
    wb.save(path)
    # Unguarded, calamine allocates 1048576 x 16384 cells and aborts the process: run it apart.
    script = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        from kqcalc.read import read_inputs
        r = read_inputs([{str(path)!r}])
        firms = r.tables["firms"][0]
        print(firms.frame["_row"].to_list())
        for i in r.issues:
            print(i.code, i.message("en"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[2, 3]" in done.stdout
    assert "stray_cells_ignored XFD1048576 ('oops')" in done.stdout


def test_stray_cells_far_below_and_right_of_a_big_sheet(tmp_path: Path) -> None:
    path = tmp_path / "firms.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws.append([*FIRMS_EN, *[f"x{j}" for j in range(20)]])
    for i in range(3000):
        ws.append([f"91330621MA2B{i:06d}", "n", "是", "是", "是", *range(20)])
    ws["A1048000"] = "far below"
    ws["AAA7"] = 5
    wb.save(path)
    script = f"""
from kqcalc.read import read_inputs
r = read_inputs([{str(path)!r}])
f = r.tables["firms"][0]
print(f.frame.height, f.frame["_row"][-1])
print([i.message("en") for i in r.issues if i.code == "stray_cells_ignored"])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "3000 3001" in done.stdout
    assert "AAA7 (5" in done.stdout or "AAA7 ('5')" in done.stdout
    assert "A1048000 ('far below')" in done.stdout


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b"", r"is empty \(0 bytes\)"),
        (b"PK\x03\x04 not really a zip", r"is not a valid \.xlsx workbook"),
        (xlsx_scan.CFB_MAGIC + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le"), "password-protected"),
        (xlsx_scan.CFB_MAGIC + b"\0" * 600, r"old Excel 97-2003 \(\.xls\)"),
    ],
)
def test_unreadable_workbooks(tmp_path: Path, content: bytes, pattern: str) -> None:
    path = tmp_path / "firms.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError, match=pattern) as err:
        read_inputs([str(tmp_path)])
    assert str(path) in str(err.value)


def test_truncated_workbook(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "firms"
    for r in [FIRMS_EN, *FIRM_ROWS]:
        wb.active.append(r)
    wb.save(tmp_path / "full.xlsx")
    data = (tmp_path / "full.xlsx").read_bytes()
    (tmp_path / "firms.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="firms.xlsx"):
        read_inputs([str(tmp_path / "firms.xlsx")])


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "firms.xlsx", "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="firms.xlsx is not an Excel workbook"):
        read_inputs([str(tmp_path / "firms.xlsx")])


def test_empty_csv_and_csv_without_header(tmp_path: Path) -> None:
    (tmp_path / "firms.csv").write_bytes(b"")
    with pytest.raises(InputError, match=r"firms.csv: the file is empty"):
        read_inputs([str(tmp_path)])
    (tmp_path / "firms.csv").write_bytes(b"\r\n\r\n")
    with pytest.raises(InputError, match="no header row found"):
        read_inputs([str(tmp_path)])


def test_corrupt_parquet(tmp_path: Path) -> None:
    (tmp_path / "firms.parquet").write_bytes(b"PAR1 not parquet")
    with pytest.raises(InputError, match="firms.parquet: not a readable Parquet file"):
        read_inputs([str(tmp_path)])


def test_empty_sheet_is_a_warning(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    wb = openpyxl.Workbook()
    wb.active.title = "汇率"
    wb.save(tmp_path / "rates.xlsx")
    result = read_inputs([str(tmp_path)])
    assert "fx_rates" not in result.tables
    assert len(codes(result, "empty_table")) == 1


# --------------------------------------------------------------------------- helpers


def test_column_letters_and_ref_patterns() -> None:
    for n in (1, 26, 27, 52, 702, 703, 1000, 16384):
        assert xlsx_scan.column_number(xlsx_scan.column_letters(n)) == n
    refs = [xlsx_scan.column_letters(n) for n in range(1, 1200)]
    for edge in (1, 5, 26, 27, 100, 702, 703, 1000):
        gt = xlsx_scan._ref_pattern(xlsx_scan._letters_gt(edge))
        lt = xlsx_scan._ref_pattern(xlsx_scan._letters_lt(edge))
        for n, letters in enumerate(refs, start=1):
            cell = f' r="{letters}7"'.encode()
            assert bool(gt and gt.search(cell)) == (n > edge), (edge, letters)
            assert bool(lt and lt.search(cell)) == (n < edge), (edge, letters)


# ---- which table a sheet or file holds, and the same content read once (SPEC §3)

TX_EN = ["firm_id", "platform", "model", "traded_on", "amount"]
TX_ROWS = [["91330621MA2B000010", "amazon.com", "B2C", "2020-08-01", "1000"],
           ["91330621MA2B000010", "amazon.com", "B2C", "2020-08-02", "2000"]]


def _book(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_a_name_containing_a_table_name_is_that_table_and_the_longest_wins(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    write_csv(tmp_path / "2020年交易.csv", [TX_EN, TX_ROWS[0]])
    _book(tmp_path / "late.xlsx", {"交易明细": [TX_EN, TX_ROWS[1]]})
    write_csv(tmp_path / "9610出口清单-6月补录.csv",
              [["declaration_no", "firm_id", "declared_on", "amount", "via_platform"],
               ["D1", "91330621MA2B000010", "2021-06-15", "5", "是"]])
    result = read_inputs([str(tmp_path)])
    pieces = result.tables["transactions"]
    assert [p.frame["traded_on"].to_list() for p in pieces] == [["2020-08-01"], ["2020-08-02"]]
    assert result.tables["exports_9610"][0].frame["declaration_no"].to_list() == ["D1"]
    assert [i for i in result.issues if i.severity == "error"] == []


def test_a_name_naming_two_tables_equally_is_an_error_naming_both(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    write_csv(tmp_path / "店铺 and 交易.csv", [TX_EN, TX_ROWS[0]])  # 店铺 and 交易: two aliases of 2 characters
    result = read_inputs([str(tmp_path)])
    assert "transactions" not in result.tables and "stores" not in result.tables
    [issue] = codes(result, "unknown_file")
    assert issue.severity == "error" and "stores (店铺) / transactions (交易)" in issue.message("en")


def test_a_sheet_matched_by_containment_without_the_tables_header_is_an_error(tmp_path: Path) -> None:
    _book(tmp_path / "book.xlsx", {"企业名录": [FIRMS_EN, *FIRM_ROWS], "交易说明": [["说明"], ["2020年度交易数据"]]})
    result = read_inputs([str(tmp_path / "book.xlsx")])
    [issue] = codes(result, "unknown_sheet")
    assert (issue.severity, issue.table, issue.file.endswith(":交易说明")) == ("error", "transactions", True)
    assert "transactions" not in result.tables


def test_an_unmatched_sheet_with_rows_is_an_error_and_without_rows_a_warning(tmp_path: Path) -> None:
    _book(tmp_path / "book.xlsx", {"企业名录": [FIRMS_EN, *FIRM_ROWS], "Sheet2": [TX_EN, *TX_ROWS],
                                   "Sheet3": [], "填表说明": [["read me"], ["and me"]]})
    result = read_inputs([str(tmp_path / "book.xlsx")])
    found = sorted((i.file.rsplit(":", 1)[1], i.severity) for i in codes(result, "unknown_sheet"))
    assert found == [("Sheet2", "error"), ("Sheet3", "warning")]  # 填表说明: the template's, no word
    assert "did you mean transactions (交易)?" in codes(result, "unknown_sheet")[0].message("en")
    assert "transactions" not in result.tables


def test_old_spreadsheet_formats_are_errors_in_a_folder_and_stop_when_named(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    for name in ("交易.xls", "店铺.et", "培训.ods"):
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0 old format")
    result = read_inputs([str(tmp_path)])
    issues = codes(result, "unsupported_file")
    assert len(issues) == 3 and {i.severity for i in issues} == {"error"}
    assert all("save it as an .xlsx workbook" in i.message("en") for i in issues)
    with pytest.raises(InputError, match="交易.xls: .*save it as an .xlsx workbook"):
        read_inputs([str(tmp_path / "firms.csv"), str(tmp_path / "交易.xls")])


def test_a_byte_identical_copy_is_read_once_naming_both(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    write_csv(tmp_path / "交易.csv", [TX_EN, *TX_ROWS])
    (tmp_path / "交易 - 副本.csv").write_bytes((tmp_path / "交易.csv").read_bytes())
    result = read_inputs([str(tmp_path)])
    assert len(result.tables["transactions"]) == 1 and result.tables["transactions"][0].frame.height == 2
    [issue] = codes(result, "duplicate_file")
    assert "交易 - 副本.csv" in issue.message("en") + issue.file and "交易.csv" in issue.message("en")


def test_the_same_sheet_in_two_workbooks_is_read_once(tmp_path: Path) -> None:
    # a re-saved copy: different bytes, the same rows in every sheet
    _book(tmp_path / "a.xlsx", {"企业名录": [FIRMS_EN, *FIRM_ROWS], "交易": [TX_EN, *TX_ROWS]})
    _book(tmp_path / "b.xlsx", {"交易": [["title"], TX_EN, *TX_ROWS], "企业名录": [FIRMS_ZH, *FIRM_ROWS]})
    result = read_inputs([str(tmp_path)])
    assert [len(result.tables[t]) for t in ("firms", "transactions")] == [1, 1]
    assert sorted(i.table for i in codes(result, "duplicate_file")) == ["firms", "transactions"]


def test_rows_of_an_unkeyed_table_repeated_in_another_file_count_and_are_reported(tmp_path: Path) -> None:
    firms_csv(tmp_path)
    write_csv(tmp_path / "交易.csv", [TX_EN, *TX_ROWS])
    write_csv(tmp_path / "交易-补录.csv",
              [TX_EN, TX_ROWS[1], ["91330621MA2B000010", "ebay", "B2C", "2020-09-01", "7"]])
    result = read_inputs([str(tmp_path)])
    assert [p.frame.height for p in result.tables["transactions"]] == [2, 2]  # counted as written
    [issue] = codes(result, "rows_repeated_across_files")
    # one warning for the pair (the folder's name order reads 交易-补录.csv first), with the count
    assert issue.severity == "warning" and issue.message("en").startswith("1 row of ")
    assert issue.file.endswith("/交易.csv") and "交易-补录.csv is" not in issue.message("en")
    assert issue.message("en").endswith("remove the copied rows") and "交易-补录.csv;" in issue.message("en")


def test_a_code_stored_as_a_number_quarantines_its_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append(FIRMS_EN)
    ws.append([123306034614027582, "甲公司", "是", "是", "是"])  # a number cell: Excel keeps 15 digits
    ws.append(FIRM_ROWS[1])
    wb.save(tmp_path / "book.xlsx")
    piece = one(read_inputs([str(tmp_path / "book.xlsx")]), "firms")
    assert {row: [i.code for i in found] for row, found in piece.bad_rows.items()} == {2: ["credit_code_as_number"]}
    assert "format the column as text" in piece.bad_rows[2][0].message("en")
