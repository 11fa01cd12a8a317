"""report.xlsx — a first version: the ranked summary and every award line.

Every text cell is written as a string (never a formula), so a firm called "=HYPERLINK(…)" shows as its name.
"""

from __future__ import annotations

from pathlib import Path

from kqcalc.run import RunResult


def write_report(result: RunResult, path: Path, lang: str = "zh") -> None:
    import xlsxwriter

    from kqcalc import output

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                               "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    rmb = workbook.add_format({"num_format": "#,##0.00"})
    sheets = (
        ("汇总" if lang == "zh" else "Summary", output.summary_csv(result)),
        ("明细" if lang == "zh" else "Lines", output.awards_csv(result)),
        ("问题" if lang == "zh" else "Issues", output.issues_csv(result)),
    )
    import csv
    import io

    for name, data in sheets:
        sheet = workbook.add_worksheet(name)
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if r and rows[0][c].endswith("_rmb") or (r and rows[0][c] in output.SUMMARY_COLUMNS[6:]):
                    sheet.write_number(r, c, float(value), rmb)
                else:
                    sheet.write_string(r, c, value, bold if r == 0 else None)
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, max(len(rows) - 1, 0), len(rows[0]) - 1)
    workbook.close()
