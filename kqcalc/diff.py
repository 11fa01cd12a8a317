"""`kqcalc diff RUN_A RUN_B` and `kqcalc diff OUT`: what changed between two stored runs (SPEC §4).

A run is a folder holding `results.json` and `manifest.json` (`DIR/runs/<id>/`), or an output folder (its
`current` run). `kqcalc diff OUT` alone compares OUT's `previous` run with its `current` one (kqcalc.store
keeps both). The diff lists the award lines whose award or status changed, appeared or disappeared (keyed
by firm, item and ref), the totals of both runs by item and by funding, and the inputs that changed,
appeared or disappeared: each file, and each sheet of a workbook on its own, compared by the SHA-256 of
its content that the manifest records (`content_sha256`: a sheet's cells as read, see
kqcalc.read.sheet_digest; a CSV or Parquet file's bytes), so a one-cell edit names the one sheet it touched.
Both runs are read with kqcalc.record.load_run (results.json of the current format; an older one asks for a
new `kqcalc compute`).

The text is in Chinese by default, English with `--lang en`; money in it carries thousands separators. The
JSON (`--json`) is for machines: plain decimals with two places, codes rather than words.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kqcalc import words as L
from kqcalc.errors import InputError
from kqcalc.items import ITEM_ORDER, ITEMS
from kqcalc.record import LineRecord, StoredRun, load_run
from kqcalc.store import CURRENT, PREVIOUS, RUNS, resolve_run

CHANGED, APPEARED, DISAPPEARED = "changed", "appeared", "disappeared"


def _lines(run: StoredRun) -> dict[tuple[str, str, str], LineRecord]:
    return {(ln.firm_id, ln.item, ln.ref): ln for ln in run.lines}


def _totals(run: StoredRun) -> dict[str, Any]:
    sums = run.sums()
    return {"total_rmb": sums.total, "by_item": sums.by_item, "by_funding": sums.by_funding}


def _input_hashes(run: StoredRun) -> dict[str, str]:
    """Input (file, or "file:sheet") -> the SHA-256 of its content."""
    return {f.file: f.content_sha256 or f.sha256 for f in run.header.files}


def _policy(run: StoredRun) -> dict[str, str]:
    return {"id": run.header.policy.id, "sha256": run.header.policy.sha256}


def _period(run: StoredRun) -> dict[str, str]:
    return {"start": run.header.period.start, "end": run.header.period.end}


def _describe(run: StoredRun) -> dict[str, Any]:
    return {"run": str(run.folder), "run_id": run.run_id, "run_time": run.run_time, "version": run.header.version,
            "policy": _policy(run), "period": _period(run)}


def load(path: Path) -> StoredRun:
    """The stored run a user names (a run folder, or an output folder's current run), read whole."""
    return load_run(resolve_run(Path(path)))


def _line_key(key: tuple[str, str, str]) -> tuple[str, int, str]:
    firm_id, item, ref = key
    return (firm_id, ITEM_ORDER.get(item, len(ITEM_ORDER)), ref)


def previous_and_current(out: Path) -> tuple[Path, Path]:
    """The two runs `kqcalc diff OUT` compares: OUT's previous run and its current one."""
    out = Path(out)
    if not out.exists():
        raise InputError("out_missing", out=out)
    current = out / CURRENT
    if not current.is_dir():
        raise InputError("out_not_output", out=out, current=CURRENT)
    previous = out / PREVIOUS
    if not previous.is_dir():
        raise InputError("out_one_run", out=out, run=f"{RUNS}/{current.resolve().name}", previous=PREVIOUS)
    return previous, current


def diff_runs(path_a: Path, path_b: Path | None = None) -> dict[str, Any]:
    """The difference from run A (before) to run B (after), as plain data (money as strings with two places).

    Without `path_b`, `path_a` is an output folder and its previous run is compared with its current one.
    """
    if path_b is None:
        path_a, path_b = previous_and_current(path_a)
    a, b = load(path_a), load(path_b)
    before, after = _lines(a), _lines(b)
    changes = []
    for key in sorted(before.keys() | after.keys(), key=_line_key):
        old, new = before.get(key), after.get(key)
        if old and new and old.award_rmb == new.award_rmb and old.status == new.status:
            continue
        kind = CHANGED if old and new else APPEARED if new else DISAPPEARED
        award_before = Decimal(old.award_rmb) if old else Decimal("0.00")
        award_after = Decimal(new.award_rmb) if new else Decimal("0.00")
        either = new or old
        changes.append({
            "firm_id": key[0], "firm_name": either.firm_name if either else "", "item": key[1], "ref": key[2],
            "change": kind,
            "award_before": f"{award_before:.2f}" if old else None,
            "award_after": f"{award_after:.2f}" if new else None,
            "award_change": f"{award_after - award_before:.2f}",
            "status_before": old.status if old else None, "status_after": new.status if new else None,
            "reason_before": old.reason if old else None, "reason_after": new.reason if new else None,
        })
    hashes_a, hashes_b = _input_hashes(a), _input_hashes(b)
    inputs = []
    for file in sorted(hashes_a.keys() | hashes_b.keys()):
        old_hash, new_hash = hashes_a.get(file), hashes_b.get(file)
        if old_hash != new_hash:
            kind = CHANGED if old_hash and new_hash else APPEARED if new_hash else DISAPPEARED
            inputs.append({"file": file, "change": kind, "sha256_before": old_hash, "sha256_after": new_hash})
    return {
        "before": _describe(a),
        "after": _describe(b),
        "policy_changed": _policy(a) != _policy(b),
        "period_changed": _period(a) != _period(b),
        "lines": changes,
        "counts": {kind: sum(1 for c in changes if c["change"] == kind) for kind in (CHANGED, APPEARED, DISAPPEARED)},
        "totals": {"before": _money(_totals(a)), "after": _money(_totals(b))},
        "inputs": inputs,
    }


def _money(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {k: _money(v) for k, v in value.items()}
    return value


# --- text rendering (plain text: read in a terminal or a cron mail) ------------------------------------

WORDS = L.DIFF


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        out.append("  " + "  ".join(cells).rstrip())
    return out


def local_time(stamp: str | None) -> str | None:
    """A run time as stored (ISO 8601 with its offset) shown in this machine's local time, offset kept."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:  # a time without offset is shown as stored
        return stamp
    return moment.astimezone().isoformat()


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + L.money(value)


def render_text(diff: dict[str, Any], lang: str = "zh") -> str:
    lang = L.lang_of(lang)
    w = WORDS[lang]
    lines = []
    for label, side in ((w["before"], diff["before"]), (w["after"], diff["after"])):
        period = side.get("period") or {}
        policy = side.get("policy") or {}
        lines.append(f"{label}{w['colon']}{side['run']}{w['open']}{w['run']} {side['run_id']}{w['sep']}"
                     f"{local_time(side.get('run_time')) or w['time_unknown']}{w['sep']}"
                     f"{w['policy']} {policy.get('id')}{w['sep']}"
                     f"{w['period']} {period.get('start')}{w['to']}{period.get('end')}{w['close']}")
    if diff["policy_changed"]:
        lines.append(w["policy_changed"])
    if diff["period_changed"]:
        lines.append(w["period_changed"])
    counts = diff["counts"]
    lines.append("")
    lines.append(w["lines"].format(n=len(diff["lines"]), **counts))
    if diff["lines"]:
        rows = []
        for c in diff["lines"]:
            before = L.status(c["status_before"], lang) if c["status_before"] else "-"
            after = L.status(c["status_after"], lang) if c["status_after"] else "-"
            rows.append([c["firm_id"], c["firm_name"], c["item"], c["ref"], w[c["change"]],
                         L.money(c["award_before"]) if c["award_before"] is not None else "-",
                         L.money(c["award_after"]) if c["award_after"] is not None else "-",
                         _signed(Decimal(c["award_change"])), f"{before} -> {after}"])
        lines += _table([w["firm_id"], w["firm_name"], w["item"], w["ref"], w["change"], w["before"], w["after"],
                         w["difference"], w["status"]], rows, right={5, 6, 7})
    lines.append("")
    lines.append(w["totals"])
    before, after = diff["totals"]["before"], diff["totals"]["after"]
    rows = []
    for label, old, new in (
        *((item, before["by_item"].get(item, "0.00"), after["by_item"].get(item, "0.00")) for item in ITEMS),
        (w["district"], before["by_funding"]["district"], after["by_funding"]["district"]),
        (w["city"], before["by_funding"]["city"], after["by_funding"]["city"]),
        (w["total"], before["total_rmb"], after["total_rmb"]),
    ):
        rows.append([label, L.money(old), L.money(new), _signed(Decimal(new) - Decimal(old))])
    lines += _table(["", w["before"], w["after"], w["difference"]], rows, right={1, 2, 3})
    lines.append("")
    lines.append(w["inputs"].format(n=len(diff["inputs"])))
    if diff["inputs"]:
        rows = [[w[f["change"]], f["file"], f"{(f['sha256_before'] or '-')[:12]} -> {(f['sha256_after'] or '-')[:12]}"]
                for f in diff["inputs"]]
        lines += _table([w["change"], w["file"], "SHA-256"], rows, right=set())
    return "\n".join(lines) + "\n"


def render_json(diff: dict[str, Any]) -> str:
    return json.dumps(diff, ensure_ascii=False, indent=2) + "\n"
