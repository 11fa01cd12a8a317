"""The machine outputs of a run (SPEC §5): awards.csv, summary.csv, issues.csv, manifest.json, results.json.

CSV: UTF-8 with a BOM, "\\n" line ends, minimal quoting, money with two places, text that Excel would execute
prefixed with "'". Everything is sorted, so the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from kqcalc.lines import Line, plain, round_fen
from kqcalc.rules import reason_text
from kqcalc.run import RunResult
from kqcalc.tables import ITEMS

AWARD_COLUMNS = ["firm_id", "firm_name", "item", "ref", "measure", "unit", "gross_rmb", "capped_rmb", "award_rmb",
                 "funding", "status", "reason"]
SUMMARY_COLUMNS = ["rank", "firm_id", "firm_name", "total_rmb", "district_rmb", "city_rmb", *ITEMS]
ISSUE_COLUMNS = ["table", "file", "row", "column", "severity", "code", "message"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RESULTS_VERSION = 1


def safe_text(value: str) -> str:
    """OWASP CSV injection: a cell Excel would execute is written as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def award_row(line: Line, name: str) -> list[str]:
    return [
        line.firm_id, safe_text(name), line.item, safe_text(line.ref), plain(line.measure), line.unit,
        money(_fen(line.gross)), money(_fen(line.capped)), money(line.award), line.funding, line.status,
        reason_text(line),
    ]


def _fen(value: Decimal) -> Decimal:
    return round_fen(value)


def awards_csv(result: RunResult) -> bytes:
    return _csv(AWARD_COLUMNS, [award_row(line, result.names.get(line.firm_id, "")) for line in result.lines])


def summary_rows(result: RunResult) -> list[dict[str, Any]]:
    per_firm: dict[str, dict[str, Any]] = {}
    for line in result.lines:
        firm = per_firm.setdefault(line.firm_id, {
            "firm_id": line.firm_id, "firm_name": result.names.get(line.firm_id, ""), "total": Decimal("0.00"),
            "district": Decimal("0.00"), "city": Decimal("0.00"), **{i: Decimal("0.00") for i in ITEMS}})
        firm["total"] += line.award
        firm[line.funding] += line.award
        firm[line.item] += line.award
    return sorted(({"rank": result.ranks[f], **v} for f, v in per_firm.items()), key=lambda r: r["rank"])


def summary_csv(result: RunResult) -> bytes:
    rows = [
        [str(r["rank"]), r["firm_id"], safe_text(r["firm_name"]), money(r["total"]), money(r["district"]),
         money(r["city"]), *(money(r[i]) for i in ITEMS)]
        for r in summary_rows(result)
    ]
    return _csv(SUMMARY_COLUMNS, rows)


def issues_csv(result: RunResult) -> bytes:
    rows = [
        [i.table, safe_text(i.file), str(i.row) if i.row else "", safe_text(i.column), i.severity, i.code,
         safe_text(i.message)]
        for i in result.issues
    ]
    return _csv(ISSUE_COLUMNS, rows)


def manifest_json(result: RunResult, run_time: str) -> bytes:
    return (json.dumps(result.manifest(run_time), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def line_record(line: Line, name: str) -> dict[str, Any]:
    """Everything explain and diff need about one line, with exact values as strings."""
    return {
        "firm_id": line.firm_id, "firm_name": name, "item": line.item, "ref": line.ref,
        "measure": plain(line.measure), "unit": line.unit,
        "gross_rmb": money(_fen(line.gross)), "gross_exact": plain(line.gross, 10),
        "cap_rmb": money(_fen(line.cap)) if line.cap is not None else None,
        "capped_rmb": money(_fen(line.capped)), "after_rules_rmb": money(_fen(line.after_rules)),
        "award_rmb": money(line.award), "funding": line.funding, "status": line.status,
        "reason": reason_text(line), "not_met_reasons": line.reasons, "rule_reasons": line.rule_reasons,
        "deductions": [
            {"rule": d.rule, "amount_rmb": money(_fen(d.amount)), "reason": d.reason, "detail": d.detail}
            for d in line.deductions
        ],
        "detail": line.detail,
    }


def results_json(result: RunResult) -> bytes:
    """The stored results `explain` and `diff` read: exactly what this run decided, no clock."""
    doc = {
        "results_version": RESULTS_VERSION,
        "policy": {"id": result.policy.id, "sha256": result.policy.sha256},
        "period": {"start": result.period.start.isoformat(), "end": result.period.end.isoformat()},
        "ranks": result.ranks,
        "lines": [line_record(line, result.names.get(line.firm_id, "")) for line in result.lines],
        "files": result.files,
    }
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
