"""report.xlsx on paper: scale, paper, repeated titles, gridlines, page numbers, the chart's place and labels.

Read back from the workbook's own XML (what Excel and LibreOffice print from), on the demo district-year
(sample_data/, 70 firms). The choices are the module docstring of kqcalc/report/xlsx.py; widths here are
Excel column widths in characters, printed at (7 × width + 5) × 0.75 points.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from typer.testing import CliRunner

from kqcalc.cli import app
from kqcalc.report.xlsx import A3, A4, print_layout

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def report_path(tmp_path: Path, lang: str) -> Path:
    out = tmp_path / lang
    result = CliRunner().invoke(app, ["compute", str(SAMPLE), "--out", str(out), "--lang", lang, "-q"])
    assert result.exit_code == 0, result.output
    return out / "report.xlsx"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report_path(tmp_path_factory.mktemp("print"), "zh")


class Book:
    """The parts of an .xlsx a printer reads: each sheet's XML by name, the defined names, the drawings."""

    def __init__(self, path: Path) -> None:
        self.zf = zipfile.ZipFile(path)
        workbook = self.xml("xl/workbook.xml")
        rels = {r.get("Id"): r.get("Target") for r in self.xml("xl/_rels/workbook.xml.rels")}
        self.parts = {s.get("name"): "xl/" + rels[s.get(f"{REL}id")] for s in workbook.iter(f"{MAIN}sheet")}
        self.names = [(d.get("name"), int(d.get("localSheetId", -1)), d.text)
                      for d in workbook.iter(f"{MAIN}definedName")]
        self.order = list(self.parts)

    def xml(self, part: str) -> ElementTree.Element:
        return ElementTree.fromstring(self.zf.read(part))

    def sheet(self, name: str) -> ElementTree.Element:
        return self.xml(self.parts[name])

    def defined(self, kind: str, sheet: str) -> str | None:
        index = self.order.index(sheet)
        return next((text for name, at, text in self.names if name == f"_xlnm.{kind}" and at == index), None)

    def drawing(self, sheet: str) -> ElementTree.Element:
        part = self.parts[sheet]
        folder, name = part.rsplit("/", 1)
        rels = self.xml(f"{folder}/_rels/{name}.rels")
        target = next(r.get("Target") for r in rels.iter(f"{PKG}Relationship") if r.get("Type").endswith("/drawing"))
        return self.xml("xl/" + target.removeprefix("../"))

    def charts(self) -> list[ElementTree.Element]:
        return [self.xml(n) for n in sorted(self.zf.namelist()) if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]


def page_setup(sheet: ElementTree.Element) -> dict[str, str]:
    setup = sheet.find(f"{MAIN}pageSetup")
    return dict(setup.attrib) if setup is not None else {}


def fits_to_page(sheet: ElementTree.Element) -> bool:
    flag = sheet.find(f"{MAIN}sheetPr/{MAIN}pageSetUpPr")
    return flag is not None and flag.get("fitToPage") == "1"


def test_a_sheet_fits_one_page_wide_only_where_its_text_stays_at_8_points_or_more():
    # A4 landscape prints 841.89 − 2 × 28.8 = 784.29 points wide, A3 1,190.55 − 57.6 = 1,132.95.
    # Ten columns 17 wide: 10 × (7 × 17 + 5) × 0.75 = 930 points; at 784.29 / 930 = 84 % ≥ 80 %: fit on A4.
    assert print_layout([17] * 10) == (A4, True)
    # Ten columns 18 wide: 982.5 points; A4 would print at 79.8 %, A3 at 100 % (it is narrower than the page).
    assert print_layout([18] * 10) == (A3, True)
    # Fourteen columns 20 wide: 14 × 108.75 = 1,522.5 points; A3 would print at 74 %: no fit, pages flow at 100 %.
    assert print_layout([20] * 14) == (A3, False)
    # The edge: 784.29 / 0.8 = 980.36 points is the widest an A4 fit may be.
    assert print_layout([980.36 / 0.75 / 7 - 5 / 7]) == (A4, True)
    assert print_layout([980.40 / 0.75 / 7 - 5 / 7]) == (A3, True)


def test_every_sheet_prints_landscape_without_gridlines_and_with_page_numbers_in_the_footer(demo):
    book = Book(demo)
    assert book.order == ["汇总", "项目金额图", "分企业明细", "未获奖励", "接近门槛", "数据问题", "政策参数",
                          "运行信息"]
    for name in book.order:
        sheet = book.sheet(name)
        assert page_setup(sheet)["orientation"] == "landscape", name
        options = sheet.find(f"{MAIN}printOptions")
        assert options is None or options.get("gridLines") not in ("1", "true"), name
        assert sheet.find(f"{MAIN}headerFooter/{MAIN}oddFooter").text == "&L&A&R&P / &N", name


def test_the_wide_summary_flows_at_100_percent_with_its_header_row_and_firm_columns_on_every_page(demo):
    # 21 columns at their least widths (rank 5, code 20, name 16, 3 totals and 15 items 12 each) are already
    # (7 × 257 + 5 × 21) × 0.75 = 1,428 points: fitted to A3 they would print at 79 % (under 8 points).
    book = Book(demo)
    summary = book.sheet("汇总")
    assert not fits_to_page(summary)
    setup = page_setup(summary)
    assert setup["paperSize"] == str(A3) and setup.get("scale", "100") == "100"
    assert setup["pageOrder"] == "overThenDown"  # the pieces of a row on consecutive pages
    # Row 6 is the header (title, subtitle, two notes and the totals above it); A:C name the firm.
    assert book.defined("Print_Titles", "汇总") == "汇总!$A:$C,汇总!$6:$6"
    assert book.defined("Print_Area", "汇总") == "汇总!$A$1:$U$76"  # 70 firms below the header, 21 columns


def test_a_narrow_sheet_fits_one_a4_page_wide_and_repeats_its_header(demo):
    # 政策参数: item 10, kind 6, parameter 30, the wrapped value 100 and the file's key 28 characters wide:
    # (7 × 174 + 5 × 5) × 0.75 = 932.25 points, printed on A4 (784.29 points) at 84 %.
    book = Book(demo)
    params = book.sheet("政策参数")
    assert fits_to_page(params)
    setup = page_setup(params)
    assert setup["paperSize"] == str(A4) and setup["fitToHeight"] == "0" and setup.get("fitToWidth", "1") == "1"
    assert book.defined("Print_Titles", "政策参数") == "政策参数!$1:$1"


def test_the_chart_lies_outside_the_summarys_print_area_and_prints_once_on_its_own_sheet(demo):
    book = Book(demo)
    anchor = book.drawing("汇总").find(f"{XDR}twoCellAnchor/{XDR}from")
    # Print area A:U is columns 0 … 20; the chart starts at column 22 (W), on the first data row (0-based 6).
    assert int(anchor.find(f"{XDR}col").text) == 22 and int(anchor.find(f"{XDR}row").text) == 6
    chart_sheet = ElementTree.fromstring(book.zf.read(book.parts["项目金额图"]))
    assert chart_sheet.tag == f"{MAIN}chartsheet" and chart_sheet.find(f"{MAIN}drawing") is not None


def test_every_item_gets_its_label_on_the_charts_category_axis(demo):
    charts = Book(demo).charts()
    assert len(charts) == 2  # the summary's and the chart sheet's
    for chart in charts:
        axis = chart.find(f".//{CHART}catAx")
        assert axis.find(f"{CHART}tickLblSkip").get("val") == "1"
        refs = chart.find(f".//{CHART}cat//{CHART}f").text
        assert refs == "汇总!$G$6:$U$6"  # the 15 item headers, 1A … 10B


def test_the_summary_says_how_equal_totals_are_ranked_and_ranks_them_so(demo):
    ws = openpyxl.load_workbook(demo)["汇总"]
    assert "合计相同的企业按统一社会信用代码先后排列，名次依次递增、不并列" in ws["A3"].value
    firms = [(r[0], r[1], r[3]) for r in ws.iter_rows(min_row=7, values_only=True)]
    assert [rank for rank, _, _ in firms] == list(range(1, 71))
    ties = [(a, b) for a, b in zip(firms, firms[1:], strict=False) if a[2] == b[2]]
    assert ties  # the demo has firms with equal totals …
    assert all(a[1] < b[1] and b[0] == a[0] + 1 for a, b in ties)  # … ordered by credit code, ranks not shared


def test_the_english_report_states_the_same_rule(tmp_path):
    ws = openpyxl.load_workbook(report_path(tmp_path, "en"))["Summary"]
    assert "firms with equal totals are ordered by credit code and get consecutive ranks" in ws["A3"].value


def test_the_summarys_notes_each_fit_on_the_first_page_whole(demo, tmp_path):
    # A long line runs on past the page's edge and is cut there; the notes (B1 … B4 hold nothing) must each fit
    # the first page's 1,132.95 points (A3 at 100 %): 10-point text, at most 5.5 points a half-width character.
    from kqcalc.words import display_width

    for path, sheet in ((demo, "汇总"), (report_path(tmp_path, "en"), "Summary")):
        ws = openpyxl.load_workbook(path)[sheet]
        for row in (2, 3, 4):
            text = ws.cell(row=row, column=1).value
            assert text and display_width(text) * 5.5 <= 1132.95, (sheet, row, text)
