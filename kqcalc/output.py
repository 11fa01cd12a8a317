"""The CSV outputs of a run (SPEC §5): awards.csv, summary.csv, issues.csv, written from the run record
(kqcalc.record, which writes manifest.json and results.json itself).

CSV: UTF-8 with a BOM, "\\n" line ends, minimal quoting, money with two places, text that Excel would execute
prefixed with "'". Everything is sorted, so the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from kqcalc.items import ITEMS
from kqcalc.record import RunRecord

AWARD_COLUMNS = ["firm_id", "firm_name", "item", "ref", "measure", "unit", "gross_rmb", "capped_rmb", "award_rmb",
                 "funding", "status", "reason"]
SUMMARY_COLUMNS = ["rank", "firm_id", "firm_name", "total_rmb", "district_rmb", "city_rmb", *ITEMS]
ISSUE_COLUMNS = ["table", "file", "row", "column", "severity", "code", "message"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """OWASP CSV injection: a cell Excel would execute is written as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv(header: list[str], rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def awards_csv(record: RunRecord) -> bytes:
    return _csv(AWARD_COLUMNS, (
        [r.firm_id, safe_text(r.firm_name), r.item, safe_text(r.ref), r.measure, r.unit, r.gross_rmb, r.capped_rmb,
         r.award_rmb, r.funding, r.status, r.reason] for r in record.lines))


def summary_csv(record: RunRecord) -> bytes:
    """One row per firm with a line, by rank: its total, by funding and by item (record.Sums)."""
    ranks, names = record.ranks, record.names
    rows = [[str(ranks[firm_id]), firm_id, safe_text(names.get(firm_id, "")), *(f"{value:.2f}" for value in sums)]
            for firm_id, sums in sorted(record.sums.by_firm.items(), key=lambda kv: ranks[kv[0]])]
    return _csv(SUMMARY_COLUMNS, rows)


def issues_csv(record: RunRecord, lang: str = "zh") -> bytes:
    """issues.csv, each message in `lang` (zh or en); the codes are the same in every language."""
    rows = [
        [i.table, safe_text(i.file), str(i.row) if i.row else "", safe_text(i.column), i.severity, i.code,
         safe_text(i.message(lang))]
        for i in record.issues
    ]
    return _csv(ISSUE_COLUMNS, rows)


__all__ = ["AWARD_COLUMNS", "ISSUE_COLUMNS", "SUMMARY_COLUMNS", "awards_csv", "issues_csv", "safe_text", "summary_csv"]
