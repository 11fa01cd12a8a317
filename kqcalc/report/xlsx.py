"""report.xlsx — the report for people (SPEC §5), Chinese labels by default, English with `--lang en`.

Sheets, in order: summary (ranked firms, totals by item and by funding, a bar chart of totals by item), lines
(every line with its measure, rule, gross, cap, each deduction, award, status and reason), lines not paid,
near misses (within 10 % below a threshold or tier; see `kqcalc.report.describe` for the items covered),
issues, parameters (every policy value and clause text), manifest.

Written with xlsxwriter: measured on 60,000 lines it takes about 0.8 × the time of Polars' own `write_excel`
for the same rows, where openpyxl's write-only mode takes about 1.5 × (SPEC §6). Every text cell is written
with `write_string` (never a formula), and text Excel would execute (=, +, -, @, tab, CR first) also gets the
quote prefix, so a firm named '=HYPERLINK(…)' shows — and stays, when edited — as its literal name.
The report never decides: it lays out what the run computed.

Printed (File → Print, or LibreOffice → PDF), every sheet is landscape with page numbers in the footer
("sheet name … page / pages"), no printed gridlines (each table's cells carry a light border instead, so blank
cells still show their place; on screen the gridlines stay) and its header row repeated on every page. The
scale is chosen per sheet from its column widths (`print_layout`): fit to one page wide on A4, else on A3, when
that keeps the 10-point text at 8 points or more (a scale of 80 % or more); a sheet too wide for that prints
at 100 % on A3, its pages running left to right and then down, with the header row and the columns frozen
on screen (rank, credit code, firm name) repeated on every page, so each piece of a row still names its firm.
The chart of totals by item is drawn beside the summary table on screen but outside its print area (a chart
anchored beside rows that repeat on every page would print a strip of itself on every page), and printed
once, whole, on its own chart sheet; its category axis labels every item (interval 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kqcalc import words as L
from kqcalc.items import ITEMS
from kqcalc.lines import round_fen
from kqcalc.record import LineRecord, RunRecord, detail_of, manifest
from kqcalc.report import describe
from kqcalc.run import RunResult

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)
WHOLE_UNITS = {"clients", "tier", "warehouse", "students", "stores", "store", "firms", "orders"}
# Columns wider than this wrap; CJK characters count as 2 (words.display_width).
MAX_WIDTH = 60
WIDTH_SAMPLE = 2000  # rows looked at to size a column

SHEETS = L.REPORT_SHEETS

H = L.REPORT_HEADERS

# Cell kinds → number format (None: text).
# Zero money shows as "-" (as in a finance table), so the few amounts that are not zero stand out.
NUMBER_FORMATS = {"money": '#,##0.00;-#,##0.00;"-"', "int": "#,##0", "num": "#,##0.00", "pct": "0.00%"}
ROW_HEIGHT = 13.5  # points per line of 10-point text
BORDER = {"border": 1, "border_color": "#BFBFBF"}

# Printing (print_layout). Landscape pages, margins in inches; printable widths in points.
A4, A3 = 9, 8  # xlsxwriter / Excel paper codes
MARGIN_SIDE, MARGIN_TOP = 0.4, 0.6
PAPER_WIDTH = {A4: 841.89, A3: 1190.55}  # landscape: the long side, in points
MIN_PRINT_SCALE = 0.8  # 10-point text printed at 8 points at the least
FOOTER = "&L&A&R&P / &N"  # sheet name left, "page / pages" right


def printable_width(paper: int) -> float:
    return PAPER_WIDTH[paper] - 2 * 72 * MARGIN_SIDE


def column_points(width: float) -> float:
    """Printed width of a column `width` characters wide: Excel's 7 pixels a character plus 5 of padding (the
    workbook's default font, Calibri 11), at 0.75 point a pixel."""
    return (7 * width + 5) * 0.75


def print_layout(widths: Sequence[float]) -> tuple[int, bool]:
    """(paper, fit to one page wide?) for a sheet whose columns are `widths` characters wide.

    Fit to the page's width on A4, else on A3, when the scale that takes stays at MIN_PRINT_SCALE or above;
    otherwise A3 at 100 %, the pages flowing (the caller repeats the header row and the identifying columns).
    """
    total = sum(column_points(w) for w in widths)
    for paper in (A4, A3):
        if printable_width(paper) >= MIN_PRINT_SCALE * total:
            return paper, True
    return A3, False


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text | wrap | money | int | num | pct
    min_width: int = 6
    max_width: int = MAX_WIDTH


def _fen(value: Decimal | None) -> float | None:
    return None if value is None else float(round_fen(Decimal(value)))


def _is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


class _Book:
    """One consistent style for every sheet: fonts, header band, borders, number formats, widths, print setup."""

    def __init__(self, path: Path, lang: str) -> None:
        import xlsxwriter

        self.lang = lang
        self.wb = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "nan_inf_to_errors": True})
        font = {"font_name": "等线" if lang == "zh" else "Calibri", "font_size": 10, "valign": "top"}
        add = self.wb.add_format
        self.f_title = add(font | {"bold": True, "font_size": 14, "valign": "vcenter"})
        self.f_subtitle = add(font | {"font_color": "#404040", "valign": "vcenter"})
        self.f_header = add(font | BORDER | {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True,
                                              "valign": "vcenter", "align": "center"})
        self.f_section = add(font | {"bold": True, "font_size": 11, "valign": "vcenter"})
        self.f_grid = add(BORDER)  # the table's cells, blank ones too, on paper (gridlines are not printed)
        self.cell: dict[tuple[str, bool], Any] = {}
        self.sum_cell: dict[tuple[str, bool], Any] = {}
        for kind in ("text", "wrap", *NUMBER_FORMATS):
            for quote in (False, True):
                spec = font | ({"num_format": NUMBER_FORMATS[kind]} if kind in NUMBER_FORMATS else {})
                if kind == "wrap":
                    spec |= {"text_wrap": True}
                if quote:
                    spec |= {"quote_prefix": True}
                self.cell[(kind, quote)] = add(spec)
                self.sum_cell[(kind, quote)] = add(spec | BORDER | {"bold": True, "bg_color": "#F2F2F2"})

    def sheet(self, key: str) -> Any:
        """A worksheet with the print setup every sheet shares; `table` chooses its paper and scale."""
        ws = self.wb.add_worksheet(SHEETS[self.lang][key])
        ws.set_paper(A4)
        ws.set_landscape()
        ws.set_margins(left=MARGIN_SIDE, right=MARGIN_SIDE, top=MARGIN_TOP, bottom=MARGIN_TOP)
        ws.hide_gridlines(1)  # gridlines on screen only: on paper the table's cells carry their own light border
        ws.set_footer(FOOTER)
        return ws

    def print_setup(self, ws: Any, widths: Sequence[float], first_row: int, last_row: int, repeat_cols: int,
                    print_area: bool) -> None:
        """Paper and scale from the columns' widths (print_layout); header row repeated on every page; light
        borders on the table's cells; the print area the table (from the sheet's top) when `print_area`."""
        paper, fit = print_layout(widths)
        ws.set_paper(paper)
        if fit:
            ws.fit_to_pages(1, 0)
        else:
            ws.set_print_scale(100)
            ws.print_across()  # a row's pieces on consecutive pages
            if repeat_cols:
                ws.repeat_columns(0, repeat_cols - 1)
        ws.repeat_rows(first_row)
        ws.conditional_format(first_row + 1, 0, last_row, len(widths) - 1, {"type": "no_errors", "format": self.f_grid})
        if print_area:  # text running on past the last column is not worth a page of empty cells
            ws.print_area(0, 0, last_row, len(widths) - 1)

    def write(self, ws: Any, row: int, col: int, value: Any, kind: str, summary: bool = False) -> None:
        formats = self.sum_cell if summary else self.cell
        if value is None:
            ws.write_blank(row, col, None, formats[(kind, False)])
        elif kind in NUMBER_FORMATS:
            ws.write_number(row, col, float(value), formats[(kind, False)])
        else:
            text = str(value)
            ws.write_string(row, col, text, formats[(kind, _is_formula_like(text))])

    def table(self, ws: Any, columns: Sequence[Col], rows: Iterable[Sequence[Any]], *, first_row: int = 0,
              freeze_cols: int = 0, freeze: bool = True,
              kinds: Callable[[Sequence[Any]], Sequence[str]] | None = None, print_area: bool = True) -> int:
        """Header band, rows, widths that fit, filter and frozen header; returns the number of rows written.

        Blank cells are not written (gridlines show them on screen, a conditional border on paper).
        Widths fit the header and the first WIDTH_SAMPLE rows (CJK counts as 2), within each column's bounds;
        "wrap" columns keep their width and their rows grow to show the whole text.
        """
        plain_kinds = [col.kind for col in columns]
        widths = [col.min_width for col in columns]
        wrap_cols = [c for c, col in enumerate(columns) if col.kind == "wrap"]
        wrap_width = {c: columns[c].max_width for c in wrap_cols}
        # Per kinds list: the cell format of each column, its quote-prefixed twin, and whether it is a number.
        layouts: dict[int, tuple[list[Any], list[Any], list[bool]]] = {}

        def layout(row_kinds: Sequence[str]) -> tuple[list[Any], list[Any], list[bool]]:
            found = layouts.get(id(row_kinds))
            if found is None:
                found = layouts[id(row_kinds)] = (
                    [self.cell[(k, False)] for k in row_kinds], [self.cell[(k, True)] for k in row_kinds],
                    [k in NUMBER_FORMATS for k in row_kinds])
            return found

        # The unchecked cell writers when this xlsxwriter has them (same arguments, without the A1-notation
        # wrapper): about a fifth faster on a district-year's 50,000 lines.
        write_string = getattr(ws, "_write_string", ws.write_string)
        write_number = getattr(ws, "_write_number", ws.write_number)
        n = 0
        r = first_row
        plain_layout = layout(plain_kinds)
        for n, row in enumerate(rows, 1):  # noqa: B007 - n is the count afterwards
            r = first_row + n
            formats, quoted, numeric = layout(kinds(row)) if kinds else plain_layout
            for c, value in enumerate(row):
                if value is None:
                    continue
                elif numeric[c]:
                    write_number(r, c, value, formats[c])
                elif not value:
                    continue
                else:
                    write_string(r, c, value, quoted[c] if value[0] in FORMULA_FIRST else formats[c])
            if n <= WIDTH_SAMPLE:
                row_kinds = kinds(row) if kinds else plain_kinds
                for c, value in enumerate(row):
                    if value is None or value == "" or row_kinds[c] == "wrap":
                        continue
                    shown = _shown_number(value, row_kinds[c]) if numeric[c] else value
                    widths[c] = max(widths[c], len(shown) + 2 if numeric[c] else _fit(shown))
            if wrap_cols:
                lines = max(_wrapped_lines(row[c], wrap_width[c]) for c in wrap_cols)
                if lines > 1:
                    ws.set_row(r, ROW_HEIGHT * lines)
        if n == 0:
            ws.write_string(first_row + 1, 0, H[self.lang]["no_rows"], self.cell[("text", False)])
        for c, col in enumerate(columns):
            widths[c] = col.max_width if col.kind == "wrap" else min(max(widths[c], col.min_width), col.max_width)
            ws.set_column(c, c, widths[c])
        header_lines = 1
        for c, col in enumerate(columns):
            header = col.header
            if _fit(header) > widths[c]:  # break before the unit rather than inside it: "奖励金额\n（元）"
                broken = header.replace("（", "\n（", 1).replace(" (", "\n(", 1)
                # else after the item code ("3A\n9610出口奖励"): a CJK run with no space is not always wrapped
                header = broken if broken != header else header.replace(" ", "\n", 1)
            ws.write_string(first_row, c, header, self.f_header)
            header_lines = max(header_lines, _wrapped_lines(header, widths[c]))
        ws.set_row(first_row, ROW_HEIGHT * header_lines + 4)
        ws.autofilter(first_row, 0, first_row + max(n, 1), len(columns) - 1)
        if freeze:
            ws.freeze_panes(first_row + 1, freeze_cols)
        self.print_setup(ws, widths, first_row, first_row + max(n, 1), freeze_cols, print_area)
        return n


def _fit(text: str) -> int:
    """Column width that shows `text` whole: CJK counts as 2, plus a margin (CJK glyphs run a little wider)."""
    width = L.display_width(text)
    return width + width // 10 + 2


def _wrapped_lines(text: Any, width: int) -> int:
    """Lines a text wraps to in a column of `width` (explicit line breaks count)."""
    if not isinstance(text, str) or not text:
        return 1
    usable = max(width - 1, 4)
    return sum(max(1, -(-L.display_width(part) // usable)) for part in text.split("\n"))


def _shown_number(value: float, kind: str) -> str:
    if kind == "pct":
        return f"{value * 100:.2f}%"
    if kind == "int":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _measure_kind(unit: str) -> str:
    return "int" if unit in WHOLE_UNITS else "num"


def _lang(lang: str) -> str:
    return L.lang_of(lang)


def _item_label(policy: Any, item: str, lang: str) -> str:
    return f"{item} {policy.title(item, lang)}"


# --- sheets -------------------------------------------------------------------------------------------------------


def _summary(book: _Book, result: RunResult, record: RunRecord) -> None:
    lang, h, policy = book.lang, H[book.lang], result.policy
    ws = book.sheet("summary")
    sums = record.sums
    by_item, by_funding, total = sums.by_item, sums.by_funding, sums.total
    ws.write_string(0, 0, h["title"], book.f_title)
    ws.write_string(1, 0, h["subtitle"].format(
        policy=policy.id, doc=policy.meta.get("document", ""), start=result.period.start.isoformat(),
        end=result.period.end.isoformat(), firms=len(result.ranks), total=L.money(total),
        district=L.money(by_funding["district"]), city=L.money(by_funding["city"])), book.f_subtitle)
    # The ranking rule (SPEC §5), said where ranks are read; each note a line short enough for the first page.
    ws.write_string(2, 0, h["note"], book.f_subtitle)
    ws.write_string(3, 0, h["chart_note"], book.f_subtitle)
    ws.set_row(0, 24)
    for row in (1, 2, 3):
        ws.set_row(row, 18)
    columns = [Col(h["rank"], "int", 5), Col(h["firm_id"], "text", 20), Col(h["firm_name"], "text", 16, 40),
               Col(h["total"], "money", 12), Col(h["district"], "money", 12), Col(h["city"], "money", 12),
               *(Col(_item_label(policy, i, lang), "money", 12, 16) for i in ITEMS)]
    # Totals by funding and by item: one row above the header, aligned with the columns it sums, frozen.
    band = [None, None, h["sum_row"], total, by_funding["district"], by_funding["city"], *by_item.values()]
    for c, value in enumerate(band):
        book.write(ws, SUMMARY_TOTALS_ROW, c, value, columns[c].kind if c != 2 else "text", summary=True)
    ranks, names = record.ranks, record.names
    rows = ([ranks[firm], firm, names.get(firm, ""), *(float(v) for v in firm_sums)]
            for firm, firm_sums in sorted(sums.by_firm.items(), key=lambda kv: ranks[kv[0]]))
    book.table(ws, columns, rows, first_row=SUMMARY_TOTALS_ROW + 1, freeze_cols=3)
    # The bar chart of totals by item beside the table, outside its print area (see the module docstring);
    # from the first data row down, so it never overlaps the header row that repeats on printed pages.
    ws.insert_chart(SUMMARY_TOTALS_ROW + 2, len(columns) + 1, _item_chart(book, {"width": 640, "height": 460}),
                    {"object_position": 3})


SUMMARY_TOTALS_ROW = 4  # title, subtitle, two notes, then the totals row and the header


def _item_chart(book: _Book, size: dict[str, int] | None = None) -> Any:
    """The bar chart of totals by item; its data is the summary's frozen total row, so filters never hide it.
    Every item is labelled (interval 1): the category axis never skips every other label."""
    h, lang = H[book.lang], book.lang
    chart = book.wb.add_chart({"type": "bar"})
    sheet = SHEETS[lang]["summary"]
    first, last = 6, 6 + len(ITEMS) - 1
    chart.add_series({
        "name": h["chart"], "categories": [sheet, SUMMARY_TOTALS_ROW + 1, first, SUMMARY_TOTALS_ROW + 1, last],
        "values": [sheet, SUMMARY_TOTALS_ROW, first, SUMMARY_TOTALS_ROW, last],
        "fill": {"color": "#5B9BD5"}, "data_labels": {"value": True, "num_format": "#,##0"},
    })
    chart.set_title({"name": h["chart"], "name_font": {"size": 11, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True, "interval_unit": 1, "interval_tick": 1, "num_font": {"size": 9}})
    if size:
        chart.set_size(size)
    return chart


def _chart_sheet(book: _Book) -> None:
    """The chart of totals by item on a sheet of its own: printed once, whole, on one landscape A4 page."""
    cs = book.wb.add_chartsheet(SHEETS[book.lang]["chart"])
    cs.set_chart(_item_chart(book))
    cs.set_paper(A4)
    cs.set_landscape()
    cs.set_footer(FOOTER)


def _line_rows(result: RunResult, record: RunRecord, lang: str) -> Iterable[list[Any]]:
    policy = result.policy
    titles = {i: policy.title(i, lang) for i in ITEMS}
    rule_cache: dict[tuple[str, str], str] = {}
    for line, texts in zip(_final_lines(result), record.lines, strict=True):
        light = _light_record(texts)
        key = describe.rule_key(light)
        rule = rule_cache.get(key)
        if rule is None:
            rule = rule_cache[key] = describe.rule_text(light, policy, lang)
        taken = {r: Decimal(0) for r in L.DEDUCTION_RULES}
        for d in line["deductions"]:
            taken[d["rule"]] = taken.get(d["rule"], Decimal(0)) + d["amount"]
        reason = texts.reason
        yield [
            result.ranks[texts.firm_id], texts.firm_id, result.names.get(texts.firm_id, ""), texts.item,
            titles[texts.item], texts.ref, float(line["measure"]), L.unit(texts.unit, lang), rule,
            _fen(line["gross"]), _fen(line["cap"]), _fen(line["capped"]),
            *(_fen(taken[r]) for r in L.DEDUCTION_RULES),
            float(line["award"]), L.funding(texts.funding, lang), L.status(texts.status, lang), reason,
            L.reasons(reason, lang),
        ]


def _final_lines(result: RunResult) -> Iterable[dict[str, Any]]:
    """The final lines' values (kqcalc.rules.FINAL_SCHEMA) that the sheets show as numbers."""
    return result.lines.select("measure", "gross", "cap", "capped", "award", "deductions").iter_rows(named=True)


def _light_record(texts: LineRecord) -> dict[str, Any]:
    """The parts of the stored line record (kqcalc.record.LineRecord) that describe.py reads."""
    return {"item": texts.item, "measure": texts.measure, "unit": texts.unit, "detail": detail_of(texts),
            "firm_id": texts.firm_id, "ref": texts.ref}


def _lines(book: _Book, result: RunResult, record: RunRecord) -> None:
    h, lang = H[book.lang], book.lang
    ws = book.sheet("lines")
    columns = [Col(h["rank"], "int", 5), Col(h["firm_id"], "text", 20), Col(h["firm_name"], "text", 16, 40),
               Col(h["item"], "text", 5), Col(h["item_title"], "text", 12, 40), Col(h["ref"], "text", 8, 24),
               Col(h["measure"], "num", 12), Col(h["unit"], "text", 6), Col(h["rule"], "text", 16, 56),
               Col(h["gross"], "money", 12), Col(h["cap"], "money", 12), Col(h["capped"], "money", 12),
               *(Col(h[f"minus_{r}"], "money", 12) for r in L.DEDUCTION_RULES),
               Col(h["award"], "money", 12), Col(h["funding"], "text", 8), Col(h["status"], "text", 8, 36),
               Col(h["reason"], "text", 10, 30), Col(h["reason_text"], "text", 12, 50)]
    kinds = [c.kind for c in columns]
    int_kinds = kinds.copy()
    int_kinds[6] = "int"
    units = set(result.lines.get_column("unit").unique().to_list())
    whole = {L.unit(u, lang) for u in units if u in WHOLE_UNITS}
    book.table(ws, columns, _line_rows(result, record, lang), freeze_cols=3,
               kinds=lambda row: int_kinds if row[7] in whole else kinds)


def _not_paid(book: _Book, result: RunResult, record: RunRecord) -> None:
    h, lang, policy = H[book.lang], book.lang, result.policy
    ws = book.sheet("not_paid")
    columns = [Col(h["rank"], "int", 5), Col(h["firm_id"], "text", 20), Col(h["firm_name"], "text", 16, 40),
               Col(h["item"], "text", 5), Col(h["item_title"], "text", 12, 40), Col(h["ref"], "text", 8, 24),
               Col(h["measure"], "num", 12), Col(h["unit"], "text", 6), Col(h["gross"], "money", 12),
               Col(h["status"], "text", 8, 36), Col(h["reason"], "text", 10, 40), Col(h["reason_text"], "text", 12, 50),
               Col(h["gap"], "text", 12, 60)]

    def rows() -> Iterable[list[Any]]:
        for line, texts in zip(_final_lines(result), record.lines, strict=True):
            if line["award"] != 0:
                continue
            reason = texts.reason
            gap = ""
            if texts.status == "not_met":
                gap = L.PUNCT[lang]["sep"].join(
                    describe.condition_line(texts.item, c, lang)
                    for c in describe.conditions(_light_record(texts)) if c["next"] is not None)
            yield [result.ranks[texts.firm_id], texts.firm_id, result.names.get(texts.firm_id, ""), texts.item,
                   policy.title(texts.item, lang), texts.ref, float(line["measure"]), L.unit(texts.unit, lang),
                   _fen(line["gross"]), L.status(texts.status, lang), reason, L.reasons(reason, lang), gap]

    whole = {L.unit(u, lang) for u in WHOLE_UNITS}
    kinds = [c.kind for c in columns]
    int_kinds = kinds.copy()
    int_kinds[6] = "int"
    book.table(ws, columns, rows(), freeze_cols=3, kinds=lambda row: int_kinds if row[7] in whole else kinds)


def near_miss_rows(result: RunResult, record: RunRecord, lang: str) -> list[list[Any]]:
    """One row per condition within 10 % below its next threshold: closest first, then firm rank, item, ref."""
    policy = result.policy
    found = []
    for line in record.lines:
        if line.item not in describe.THRESHOLD_ITEMS:
            continue
        for cond in describe.near_misses(_light_record(line)):
            found.append((cond["share"], result.ranks[line.firm_id], line, cond))
    found.sort(key=lambda f: (f[0], f[1], ITEMS.index(f[2].item), f[2].ref, f[3]["key"]))
    out = []
    for share, rank, line, cond in found:
        out.append([rank, line.firm_id, result.names.get(line.firm_id, ""), line.item, policy.title(line.item, lang),
                    line.ref, describe.condition_label(line.item, cond["key"], lang),
                    float(Decimal(cond["measure"])), float(Decimal(cond["next"])), float(Decimal(cond["distance"])),
                    float(share), L.unit(cond["unit"], lang), float(Decimal(line.award_rmb)),
                    L.status(line.status, lang)])
    return out


def _near_miss(book: _Book, result: RunResult, record: RunRecord) -> None:
    h, lang = H[book.lang], book.lang
    ws = book.sheet("near_miss")
    columns = [Col(h["rank"], "int", 5), Col(h["firm_id"], "text", 20), Col(h["firm_name"], "text", 16, 40),
               Col(h["item"], "text", 5), Col(h["item_title"], "text", 12, 40), Col(h["ref"], "text", 8, 24),
               Col(h["condition"], "text", 10, 30), Col(h["current"], "num", 12), Col(h["next"], "num", 12),
               Col(h["distance"], "num", 12), Col(h["share"], "pct", 8), Col(h["unit"], "text", 6),
               Col(h["award"], "money", 12), Col(h["status"], "text", 8, 36)]
    kinds = [c.kind for c in columns]
    int_kinds = [("int" if i in (7, 8, 9) else k) for i, k in enumerate(kinds)]
    whole = {L.unit(u, lang) for u in WHOLE_UNITS}
    book.table(ws, columns, near_miss_rows(result, record, lang), freeze_cols=3,
               kinds=lambda row: int_kinds if row[11] in whole else kinds)


def _issues(book: _Book, result: RunResult) -> None:
    h, lang = H[book.lang], book.lang
    ws = book.sheet("issues")
    columns = [Col(h["table"], "text", 8), Col(h["file"], "text", 10, 40), Col(h["row"], "int", 6),
               Col(h["column"], "text", 8, 24), Col(h["severity"], "text", 6), Col(h["code"], "text", 10, 30),
               Col(h["message"], "wrap", 30, 90)]
    rows = ([i.table, i.file, i.row or None, i.column, L.SEVERITY[lang].get(i.severity, i.severity), i.code,
             i.message(lang)] for i in result.issues)
    book.table(ws, columns, rows, freeze_cols=0)


def _parameters(book: _Book, result: RunResult, parameters: Iterable[tuple[str, str, str, str]]) -> None:
    """Every policy value and clause text: what it is (in words, as `kqcalc policy show`: `parameters`, from
    kqcalc.policy.params), its value, and the key the policy file spells it with."""
    h, lang, policy = H[book.lang], book.lang, result.policy
    words = L.POLICY[lang]
    ws = book.sheet("parameters")
    rows: list[list[Any]] = []
    meta = policy.meta
    for key, label, value in (
        ("id", "id", policy.id), ("document", "document", meta.get("document", "")),
        (f"title_{lang}", "title", meta.get(f"title_{lang}") or meta.get("title_zh", "")),
        ("valid_from, valid_to", "window", f"{policy.valid_from.isoformat()}{h['to']}{policy.valid_to.isoformat()}"),
        ("highest_only_mode", "mode", words.get(policy.highest_only_mode, policy.highest_only_mode)),
        ("", "source", policy.source), ("", "sha256", policy.sha256),
    ):
        rows.append([h["policy"], h["param"], words[label], str(value), key])
    params: dict[str, list[list[Any]]] = {}
    for code, key, meaning, value in parameters:
        params.setdefault(code, []).append([code, h["param"], meaning, value, key])
    for code in ITEMS:
        rows.append([code, h["text"], h["name"], policy.title(code, lang), f"title_{lang}"])
        rows.append([code, h["text"], h["clause_title"], f"{policy.items[code].get('clause', '')} "
                     f"{policy.clause_title(code, lang)}".strip(), f"clause, clause_title_{lang}"])
        rows.append([code, h["text"], h["text_zh"], policy.clause_text(code, "zh"), "text_zh"])
        if lang == "en":
            rows.append([code, h["text"], h["text_en"], policy.clause_text(code, "en"), "text_en"])
        rows += params.get(code, [])
    for code, entries in params.items():
        if code not in ITEMS:
            rows += entries
    for i, key in enumerate(policy.general_texts):
        rows.append([h["general"], h["text"], key, policy.general_text(key, lang), f"general.texts[{i}]"])
    columns = [Col(h["item"], "text", 6, 12), Col(h["kind"], "text", 6), Col(h["key"], "text", 12, 30),
               Col(h["value"], "wrap", 40, 100), Col(h["file_key"], "text", 10, 28)]
    book.table(ws, columns, rows, freeze_cols=0)


def _manifest(book: _Book, record: RunRecord) -> None:
    h = H[book.lang]
    ws = book.sheet("manifest")
    doc = manifest(record)
    totals = doc["totals"]
    rmb = L.PUNCT[book.lang]["rmb_after"]
    pairs = [
        (h["m_tool"], doc["tool"]), (h["m_version"], doc["version"]), (h["m_policy"], doc["policy"]["id"]),
        (h["m_sha"], doc["policy"]["sha256"]), (h["m_source"], doc["policy"]["source"]),
        (h["m_mode"], doc["policy"]["highest_only_mode"]),
        (h["m_period"], f"{doc['period']['start']}{h['to']}{doc['period']['end']}"),
        (h["m_run_time"], doc["run_time"] or ""), (h["m_inputs"], "; ".join(doc["inputs"])),
        (h["m_lines"], doc["lines"]), (h["m_firms"], doc["firms"]), (h["m_errors"], doc["errors"]),
        (h["m_warnings"], doc["warnings"]), (h["m_total"], Decimal(totals["total_rmb"])),
        *((f"{L.funding(k, book.lang)}{rmb}", Decimal(v)) for k, v in totals["by_funding"].items()),
    ]
    # The run's facts as key / value rows above the table of input files; long values run on to the right.
    for c, head in enumerate((h["key"], h["value"])):
        ws.write_string(0, c, head, book.f_header)
    plain_text = book.wb.add_format({"font_name": "等线" if book.lang == "zh" else "Calibri", "font_size": 10,
                                     "valign": "top"})
    for r, (key, value) in enumerate(pairs, 1):
        book.write(ws, r, 0, key, "text")
        if isinstance(value, Decimal):
            book.write(ws, r, 1, value, "money")
        elif isinstance(value, int):
            book.write(ws, r, 1, value, "int")
        else:
            ws.write_string(r, 1, str(value), plain_text)
    first = len(pairs) + 2
    ws.write_string(first, 0, h["m_files"], book.f_section)
    columns = [Col(h["file"], "text", max(16, max(_fit(k) for k, _ in pairs)), 60), Col(h["table"], "text", 16),
               *(Col(h[k], "int", 9) for k in ("rows_read", "rows_used", "rows_excluded", "rows_merged",
                                                "rows_quarantined")),
               Col(h["sha"], "text", 20, 70)]
    rows = ([f["file"], f["table"], f["rows_read"], f["rows_used"], f["rows_excluded"], f["rows_merged"],
             f["rows_quarantined"], f["sha256"]] for f in doc["files"])
    book.table(ws, columns, rows, first_row=first + 1, freeze=False, print_area=False)
    ws.freeze_panes(1, 0)


def write_report(result: RunResult, record: RunRecord, path: Path, lang: str = "zh",
                 parameters: Iterable[tuple[str, str, str, str]] = ()) -> None:
    """Write report.xlsx at `path` (Chinese labels unless `lang` is "en"): the lines of `result`, the totals,
    counts and run time of its `record` (kqcalc.record), and the policy's `parameters` in `lang`
    (kqcalc.policy.params.parameter_rows)."""
    path = Path(path)
    book = _Book(path, _lang(lang))
    _summary(book, result, record)
    _chart_sheet(book)
    _lines(book, result, record)
    _not_paid(book, result, record)
    _near_miss(book, result, record)
    _issues(book, result)
    _parameters(book, result, parameters)
    _manifest(book, record)
    book.wb.close()
