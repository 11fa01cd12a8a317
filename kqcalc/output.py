"""The machine outputs of a run (SPEC §5): awards.csv, summary.csv, issues.csv, manifest.json, results.json.

CSV: UTF-8 with a BOM, "\\n" line ends, minimal quoting, money with two places, text that Excel would execute
prefixed with "'". Everything is sorted, so the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from kqcalc.items import ITEMS
from kqcalc.lines import Line, fen_text, no_gc_pauses, plain, round_fen
from kqcalc.rules import reason_text
from kqcalc.run import RunResult

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


def line_texts(line: Line) -> tuple[str, ...]:
    """(measure, gross_rmb, capped_rmb, award_rmb, reason) of a final line, formatted once for awards.csv and
    results.json."""
    texts = line.texts
    if texts is None:
        texts = line.texts = (plain(line.measure), fen_text(line.gross), fen_text(line.capped), money(line.award),
                              reason_text(line))
    return texts


def award_row(line: Line, name: str) -> list[str]:
    measure, gross, capped, award, reason = line_texts(line)
    return [line.firm_id, safe_text(name), line.item, safe_text(line.ref), measure, line.unit, gross, capped, award,
            line.funding, line.status, reason]


def _fen(value: Decimal) -> Decimal:
    return round_fen(value)


def awards_csv(result: RunResult) -> bytes:
    with no_gc_pauses():
        return _csv(AWARD_COLUMNS, [award_row(line, result.names.get(line.firm_id, "")) for line in result.lines])


_SUMS = ("total", "district", "city", *ITEMS)


def _firm_sums(result: RunResult) -> dict[str, list[Decimal]]:
    """firm -> [total, district, city, item 1A … item 10B], in the order of the lines (by rank)."""
    zero = Decimal("0.00")
    at = {name: i for i, name in enumerate(_SUMS)}
    per_firm: dict[str, list[Decimal]] = {}
    for line in result.lines:
        sums = per_firm.get(line.firm_id)
        if sums is None:
            sums = per_firm[line.firm_id] = [zero] * len(_SUMS)
        award = line.award
        if award:  # awards are never negative: a firm's zero sums stay 0.00
            sums[0] += award
            sums[at[line.funding]] += award
            sums[at[line.item]] += award
    return per_firm


def summary_rows(result: RunResult) -> list[dict[str, Any]]:
    rows = []
    for firm_id, sums in _firm_sums(result).items():
        row: dict[str, Any] = {"rank": result.ranks[firm_id], "firm_id": firm_id,
                               "firm_name": result.names.get(firm_id, "")}
        row.update(zip(_SUMS, sums, strict=True))
        rows.append(row)
    return sorted(rows, key=lambda r: r["rank"])


def summary_csv(result: RunResult) -> bytes:
    with no_gc_pauses():
        return _summary_csv(result)


def _summary_csv(result: RunResult) -> bytes:
    rows = []
    for firm_id, sums in sorted(_firm_sums(result).items(), key=lambda kv: result.ranks[kv[0]]):
        rows.append([str(result.ranks[firm_id]), firm_id, safe_text(result.names.get(firm_id, "")),
                     *(money(value) if value else "0.00" for value in sums)])
    return _csv(SUMMARY_COLUMNS, rows)


def issues_csv(result: RunResult, lang: str = "zh") -> bytes:
    """issues.csv, each message in `lang` (zh or en); the codes are the same in every language."""
    rows = [
        [i.table, safe_text(i.file), str(i.row) if i.row else "", safe_text(i.column), i.severity, i.code,
         safe_text(i.message(lang))]
        for i in result.issues
    ]
    return _csv(ISSUE_COLUMNS, rows)


def manifest_json(result: RunResult, run_time: str) -> bytes:
    return (json.dumps(result.manifest(run_time), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def line_record(line: Line, name: str) -> dict[str, Any]:
    """Everything explain and diff need about one line, with exact values as strings."""
    measure, gross, capped, award, reason = line_texts(line)
    return {
        "firm_id": line.firm_id, "firm_name": name, "item": line.item, "ref": line.ref,
        "measure": measure, "unit": line.unit,
        "gross_rmb": gross, "gross_exact": plain(line.gross, 10),
        "cap_rmb": fen_text(line.cap) if line.cap is not None else None,
        "capped_rmb": capped, "after_rules_rmb": fen_text(line.after_rules),
        "award_rmb": award, "funding": line.funding, "status": line.status,
        "reason": reason, "not_met_reasons": line.reasons, "rule_reasons": line.rule_reasons,
        "deductions": [
            {"rule": d.rule, "amount_rmb": fen_text(d.amount), "reason": d.reason, "detail": d.detail}
            for d in line.deductions
        ],
        "detail": line.detail,
    }


def results_json(result: RunResult) -> bytes:
    """The stored results `explain` and `diff` read: exactly what this run decided, no clock."""
    return b"".join(results_json_parts(result))


RECORDS_AT_A_TIME = 10_000


def results_json_parts(result: RunResult) -> Iterator[bytes]:
    """results.json in consecutive pieces: json_bytes of the whole document (keys sorted) and a newline, built
    RECORDS_AT_A_TIME line records at a time, so a province's half a million records are never all held."""
    yield b'{"files":' + json_bytes(result.files) + b',"lines":['
    names = result.names
    for start in range(0, len(result.lines), RECORDS_AT_A_TIME):
        with no_gc_pauses():
            records = [line_record(line, names.get(line.firm_id, ""))
                       for line in result.lines[start:start + RECORDS_AT_A_TIME]]
        yield (b"," if start else b"") + json_bytes(records)[1:-1]  # the records without their list's brackets
    tail = {
        "period": {"start": result.period.start.isoformat(), "end": result.period.end.isoformat()},
        "policy": {"id": result.policy.id, "sha256": result.policy.sha256},
        "ranks": result.ranks,
        "registry": result.registry,
        "results_version": RESULTS_VERSION,
    }
    yield b"]," + json_bytes(tail)[1:] + b"\n"  # the remaining keys sort after "lines"


def json_bytes(doc: Any) -> bytes:
    """Compact JSON with sorted keys, as UTF-8. msgspec (several times faster on a run's ~50,000 line records)
    when it is installed, else the standard library; both give the same bytes (tests/test_output.py)."""
    try:
        import msgspec
    except ImportError:  # pragma: no cover - msgspec is a dependency; the fallback keeps the format
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return msgspec.json.encode(doc, order="sorted")
