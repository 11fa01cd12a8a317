"""`kqcalc whatif`: the budget impact of a policy change on the same data (SPEC §4 "What-if").

Both sides are runs of `kqcalc.run` (`compute_policies`: the inputs read and checked once, each policy's lines
and general rules exactly as `compute` runs them), so the base side is what `compute --policy BASE` gives and
the reform side what `compute --policy REFORM` gives, line for line. This module only compares the two finished
runs and lays the comparison out: console (zh/en), the JSON document of SPEC §4, whatif.csv and whatif.xlsx.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from kqcalc import words as L
from kqcalc.comparison import Side, WhatIf, compare
from kqcalc.items import ITEMS
from kqcalc.policy import Policy

CSV_COLUMNS = ["firm_id", "firm_name", "item", "ref", "base_rmb", "reform_rmb", "change_rmb", "base_status",
               "reform_status"]
TOP_FIRMS = 10  # largest changes by firm shown on the console


def policy_label(policy: Policy, overrides: list[str] | None = None) -> str:
    """The policy's id, with the --set overrides that made the reform."""
    return policy.id + "".join(f" --set {o}" for o in overrides or [])


def run_whatif(inputs: list[str], base: Policy, reform: Policy, period_text: str | None, base_label: str,
               reform_label: str, progress: Any = None) -> WhatIf:
    """Read and check the inputs once, compute both policies on them as `compute` would, compare."""
    from kqcalc.run import compute_policies, parse_period

    runs = [(base, parse_period(period_text, base)), (reform, parse_period(period_text, reform))]
    base_result, reform_result = compute_policies(inputs, runs, progress)
    return compare(base_result, reform_result, base_label, reform_label)


# --- JSON (SPEC §4) -------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _side_doc(side: Side) -> dict[str, Any]:
    return {"policy": side.label, "total_rmb": _money(side.total),
            "by_item": {item: _money(side.by_item[item]) for item in ITEMS},
            "by_funding": {k: _money(side.by_funding[k]) for k in ("district", "city")}}


def to_document(w: WhatIf) -> dict[str, Any]:
    return {
        "base": _side_doc(w.base),
        "reform": _side_doc(w.reform),
        "firms": w.firm_counts(),
        "changes": [{"firm_id": r.firm_id, "item": r.item, "ref": r.ref, "base_rmb": _money(r.base),
                     "reform_rmb": _money(r.reform), "change_rmb": _money(r.change)} for r in w.changes],
    }


def render_json(w: WhatIf) -> str:
    return json.dumps(to_document(w), ensure_ascii=False, indent=2) + "\n"


# --- console ----------------------------------------------------------------------------------------------------------

WORDS = L.WHATIF


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + f"{value:,.2f}"


def _tables(w: WhatIf, lang: str, top: int) -> list[tuple[str, list[str], list[list[str]], set[int]]]:
    """(title, header, rows, right-aligned columns) of every table the console shows."""
    t = WORDS[lang]
    policy = w.reform.result.policy
    head = [t["item"], t["name"], t["base"], t["reform"], t["change"]]
    items = [[item, policy.title(item, lang), f"{w.base.by_item[item]:,.2f}", f"{w.reform.by_item[item]:,.2f}",
              _signed(w.reform.by_item[item] - w.base.by_item[item])] for item in ITEMS]
    items.append([t["all"], "", f"{w.base.total:,.2f}", f"{w.reform.total:,.2f}",
                  _signed(w.reform.total - w.base.total)])
    funding = [[L.funding(k, lang), f"{w.base.by_funding[k]:,.2f}", f"{w.reform.by_funding[k]:,.2f}",
                _signed(w.reform.by_funding[k] - w.base.by_funding[k])] for k in ("district", "city")]
    funding.append([t["all"], f"{w.base.total:,.2f}", f"{w.reform.total:,.2f}", _signed(w.reform.total - w.base.total)])
    moved = [f for f in w.firms if f.change != 0][:top]
    firms = [[f.firm_id, f.firm_name, f"{f.base:,.2f}", f"{f.reform:,.2f}", _signed(f.change)] for f in moved]
    return [
        (t["by_item"], head, items, {2, 3, 4}),
        (t["by_funding"], [t["funding"], t["base"], t["reform"], t["change"]], funding, {1, 2, 3}),
        (t["top"].format(n=len(moved)), [t["firm_id"], t["firm_name"], t["base"], t["reform"], t["change"]], firms,
         {2, 3, 4}),
    ]


def _header_lines(w: WhatIf, lang: str) -> list[str]:
    t = WORDS[lang]
    out = [t["title"]]
    for key, side in (("base", w.base), ("reform", w.reform)):
        p = side.result.period
        out.append(f"{t[key]}: {t['policy']} {side.label}; {t['period']} {p.start.isoformat()}..{p.end.isoformat()}")
    return out


def _footer_lines(w: WhatIf, lang: str) -> list[str]:
    t = WORDS[lang]
    return [t["firms"].format(**w.firm_counts()), t["lines"].format(n=len(w.changes), total=len(w.rows))]


def render_text(w: WhatIf, lang: str = "zh", top: int = TOP_FIRMS) -> str:
    """Plain text (a pipe, a file, a cron mail): no colours, no box drawing."""
    from kqcalc.diff import _table

    lang = L.lang_of(lang)
    out = _header_lines(w, lang)
    for title, header, rows, right in _tables(w, lang, top):
        out += ["", title]
        out += _table(header, rows, right) if rows else ["  " + WORDS[lang]["none"]]
    out.append("")
    out += _footer_lines(w, lang)
    return "\n".join(out) + "\n"


def print_rich(console: Any, w: WhatIf, lang: str = "zh", top: int = TOP_FIRMS) -> None:
    """The same content as Rich tables (a terminal)."""
    from rich.table import Table
    from rich.text import Text

    lang = L.lang_of(lang)
    for line in _header_lines(w, lang):
        console.print(Text(line))
    for title, header, rows, right in _tables(w, lang, top):
        table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
        for i, name in enumerate(header):
            table.add_column(name, justify="right" if i in right else "left", no_wrap=i in right)
        for r in rows:
            table.add_row(*(Text(c) for c in r))
        if not rows:
            table.add_row(Text(WORDS[lang]["none"]), *[""] * (len(header) - 1))
        console.print(table)
    for line in _footer_lines(w, lang):
        console.print(Text(line))


def issue_lines(w: WhatIf, lang: str = "zh") -> list[str]:
    """The console's issue lines, as compute prints them (report/log.py: the first few errors of each code,
    the rest counted; one line counting the warnings by code), then the what-if's own note on errors."""
    from kqcalc.report.log import capped_lines, warning_count_line

    lang = L.lang_of(lang)
    issues = list(w.issues())
    out = capped_lines([i for i in issues if i.severity == "error"], lang=lang, written=False)
    warnings = warning_count_line(issues, lang)
    if warnings:
        out.append(warnings)
    if w.errors:
        out.append(WORDS[lang]["errors"].format(errors=w.errors))
    return out


# --- files: whatif.csv and whatif.xlsx -----------------------------------------------------------------------------


def csv_rows(w: WhatIf) -> list[list[str]]:
    from kqcalc.output import safe_text

    return [[r.firm_id, safe_text(r.firm_name), r.item, safe_text(r.ref), _money(r.base), _money(r.reform),
             _money(r.change), r.base_status, r.reform_status] for r in w.rows]


def whatif_csv(w: WhatIf) -> bytes:
    """UTF-8 with a BOM, "\\n" line ends, minimal quoting, money with two places (as awards.csv)."""
    from kqcalc.output import _csv

    return _csv(CSV_COLUMNS, csv_rows(w))


def _atomic_write(path: Path, write: Any) -> None:
    """`write(tmp_path)` into a temporary file beside `path`, then one rename: never a half-written file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_outputs(w: WhatIf, folder: Path, lang: str = "zh") -> list[Path]:
    from kqcalc.errors import InputError
    from kqcalc.report.whatif_xlsx import write_whatif_xlsx

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"output folder {folder}: cannot be created ({exc.strerror})") from None
    csv_path, xlsx_path = folder / "whatif.csv", folder / "whatif.xlsx"
    data = whatif_csv(w)
    _atomic_write(csv_path, lambda p: p.write_bytes(data))
    _atomic_write(xlsx_path, lambda p: write_whatif_xlsx(w, p, lang))
    return [csv_path, xlsx_path]


def print_console(w: WhatIf, lang: str = "zh") -> None:
    """Rich tables on a terminal, plain text off it (stdout)."""
    if sys.stdout.isatty():
        from rich.console import Console

        print_rich(Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")) or None), w, lang)
    else:
        sys.stdout.write(render_text(w, lang))


__all__ = ["CSV_COLUMNS", "WhatIf", "compare", "csv_rows", "print_console", "render_json", "render_text",
           "run_whatif", "to_document", "whatif_csv", "write_outputs"]
