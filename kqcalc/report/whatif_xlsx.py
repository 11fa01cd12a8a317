"""whatif.xlsx — `kqcalc whatif --out DIR` for people: the comparison of two policies on the same data.

Sheets: summary (totals by item, by funding and overall under base and reform with the difference, and a bar
chart of the totals by item, base beside reform), lines (every line present in either run: base and reform award
and status, the change) and firms (every firm's totals and change, largest change first). It follows report.xlsx
(`kqcalc.report.xlsx._Book`): text always a text cell (never a formula, quote-prefixed when Excel would execute
it), RMB as numbers with the report's format, frozen filterable headers, Chinese labels unless `--lang en`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kqcalc import words as L
from kqcalc.items import ITEMS
from kqcalc.report.xlsx import Col, _Book

if TYPE_CHECKING:
    from kqcalc.comparison import WhatIf

SHEETS = L.WHATIF_SHEETS

H = L.WHATIF_HEADERS

# Fixed document times: the same comparison gives the same bytes (the run's own time is not part of it).
DOC_TIME = datetime(2000, 1, 1)


def _sheet(book: _Book, key: str, wide: bool = False) -> Any:
    ws = book.wb.add_worksheet(SHEETS[book.lang][key])
    ws.set_paper(8 if wide else 9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.hide_gridlines(0)
    return ws


def _summary(book: _Book, w: WhatIf) -> None:
    lang, h = book.lang, H[book.lang]
    policy = w.reform.result.policy
    ws = _sheet(book, "summary", wide=True)
    bp, rp = w.base.result.period, w.reform.result.period
    ws.write_string(0, 0, h["title"], book.f_title)
    ws.write_string(1, 0, h["subtitle"].format(
        base=w.base.label, reform=w.reform.label, bstart=bp.start.isoformat(), bend=bp.end.isoformat(),
        rstart=rp.start.isoformat(), rend=rp.end.isoformat(), **w.firm_counts()), book.f_subtitle)
    ws.set_row(0, 24)
    ws.set_row(1, 18)
    first = 3
    columns = [Col(h["item"], "text", 6), Col(h["name"], "text", 14, 30), Col(h["funding"], "text", 8),
               Col(h["base"], "money", 16), Col(h["reform"], "money", 16), Col(h["change"], "money", 16)]
    rows = [[item, policy.title(item, lang), L.funding(policy.funding(item), lang), float(w.base.by_item[item]),
             float(w.reform.by_item[item]), float(w.reform.by_item[item] - w.base.by_item[item])] for item in ITEMS]
    book.table(ws, columns, rows, first_row=first, print_area=False)
    r = first + len(ITEMS) + 1
    for k in ("district", "city"):
        for c, value in enumerate([L.funding(k, lang), None, None, w.base.by_funding[k], w.reform.by_funding[k],
                                   w.reform.by_funding[k] - w.base.by_funding[k]]):
            book.write(ws, r, c, value, columns[c].kind, summary=True)
        r += 1
    for c, value in enumerate([h["all"], None, None, w.base.total, w.reform.total, w.reform.total - w.base.total]):
        book.write(ws, r, c, value, columns[c].kind, summary=True)
    sheet = SHEETS[lang]["summary"]
    chart = book.wb.add_chart({"type": "bar"})
    top, bottom = first + 1, first + len(ITEMS)
    for col, name, color in ((3, h["base_series"], "#A5A5A5"), (4, h["reform_series"], "#5B9BD5")):
        chart.add_series({"name": name, "categories": [sheet, top, 0, bottom, 0],
                          "values": [sheet, top, col, bottom, col], "fill": {"color": color}, "gap": 60})
    chart.set_title({"name": h["chart"], "name_font": {"size": 11, "bold": True}})
    chart.set_legend({"position": "top"})
    chart.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 9}})
    chart.set_size({"width": 680, "height": 520})
    ws.insert_chart(first, len(columns) + 1, chart, {"object_position": 3})


def _lines(book: _Book, w: WhatIf) -> None:
    lang, h = book.lang, H[book.lang]
    ws = _sheet(book, "lines", wide=True)
    columns = [Col(h["firm_id"], "text", 20), Col(h["firm_name"], "text", 16, 40), Col(h["item"], "text", 6),
               Col(h["ref"], "text", 8), Col(h["base"], "money", 12), Col(h["reform"], "money", 12),
               Col(h["change"], "money", 12), Col(h["base_status"], "text", 10), Col(h["reform_status"], "text", 10)]

    def status(code: str) -> str:
        return L.status(code, lang) if code else h["absent"]

    rows = ([r.firm_id, r.firm_name, r.item, r.ref, float(r.base), float(r.reform), float(r.change),
             status(r.base_status), status(r.reform_status)] for r in w.rows)
    book.table(ws, columns, rows, freeze_cols=2)


def _firms(book: _Book, w: WhatIf) -> None:
    h = H[book.lang]
    ws = _sheet(book, "firms")
    columns = [Col(h["firm_id"], "text", 20), Col(h["firm_name"], "text", 16, 40), Col(h["base"], "money", 12),
               Col(h["reform"], "money", 12), Col(h["change"], "money", 12)]
    rows = ([f.firm_id, f.firm_name, float(f.base), float(f.reform), float(f.change)] for f in w.firms)
    book.table(ws, columns, rows, freeze_cols=2)


def write_whatif_xlsx(w: WhatIf, path: Path, lang: str = "zh") -> None:
    book = _Book(Path(path), L.lang_of(lang))
    book.wb.set_properties({"created": DOC_TIME})
    _summary(book, w)
    _lines(book, w)
    _firms(book, w)
    book.wb.close()
