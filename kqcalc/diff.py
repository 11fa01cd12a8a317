"""`kqcalc diff RUN_A RUN_B`: what changed between two stored runs (SPEC §4).

A run is a folder holding `results.json` and `manifest.json` (`DIR/runs/<id>/`), or an output folder (its
`current` run). The diff lists the award lines whose award or status changed, appeared or disappeared (keyed
by firm, item and ref), the totals of both runs by item and by funding, and the input files that changed,
appeared or disappeared (compared by SHA-256, files named as on the command line).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kqcalc.errors import InputError
from kqcalc.store import resolve_run
from kqcalc.tables import ITEM_ORDER, ITEMS

CHANGED, APPEARED, DISAPPEARED = "changed", "appeared", "disappeared"


@dataclass
class StoredRun:
    path: Path
    results: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def lines(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        return {(ln["firm_id"], ln["item"], ln["ref"]): ln for ln in self.results.get("lines", [])}

    def totals(self) -> dict[str, Any]:
        by_item = {item: Decimal("0.00") for item in ITEMS}
        by_funding = {"district": Decimal("0.00"), "city": Decimal("0.00")}
        for line in self.results.get("lines", []):
            award = Decimal(line["award_rmb"])
            by_item[line["item"]] = by_item.get(line["item"], Decimal("0.00")) + award
            by_funding[line["funding"]] = by_funding.get(line["funding"], Decimal("0.00")) + award
        return {"total_rmb": sum(by_item.values(), Decimal("0.00")), "by_item": by_item, "by_funding": by_funding}

    def input_hashes(self) -> dict[str, str]:
        return {f["file"]: f.get("sha256", "") for f in self.manifest.get("files", [])}

    def describe(self) -> dict[str, Any]:
        return {
            "run": str(self.path), "run_id": self.manifest.get("run_id", self.path.name),
            "run_time": self.manifest.get("run_time"), "version": self.manifest.get("version"),
            "policy": self.results.get("policy"), "period": self.results.get("period"),
        }


def load_run(path: Path) -> StoredRun:
    folder = resolve_run(Path(path))
    docs = {}
    for name in ("results.json", "manifest.json"):
        try:
            docs[name] = json.loads((folder / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{folder} is not a complete kqcalc run: {name} is missing") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{folder / name} cannot be read: {exc}") from None
    return StoredRun(folder, docs["results.json"], docs["manifest.json"])


def _line_key(key: tuple[str, str, str]) -> tuple[str, int, str]:
    firm_id, item, ref = key
    return (firm_id, ITEM_ORDER.get(item, len(ITEM_ORDER)), ref)


def diff_runs(path_a: Path, path_b: Path) -> dict[str, Any]:
    """The difference from run A (before) to run B (after), as plain data (money as strings with two places)."""
    a, b = load_run(path_a), load_run(path_b)
    before, after = a.lines, b.lines
    changes = []
    for key in sorted(before.keys() | after.keys(), key=_line_key):
        old, new = before.get(key), after.get(key)
        if old and new and old["award_rmb"] == new["award_rmb"] and old["status"] == new["status"]:
            continue
        kind = CHANGED if old and new else APPEARED if new else DISAPPEARED
        award_before = Decimal(old["award_rmb"]) if old else Decimal("0.00")
        award_after = Decimal(new["award_rmb"]) if new else Decimal("0.00")
        changes.append({
            "firm_id": key[0], "firm_name": (new or old or {}).get("firm_name", ""), "item": key[1], "ref": key[2],
            "change": kind,
            "award_before": f"{award_before:.2f}" if old else None,
            "award_after": f"{award_after:.2f}" if new else None,
            "award_change": f"{award_after - award_before:.2f}",
            "status_before": old["status"] if old else None, "status_after": new["status"] if new else None,
            "reason_before": old.get("reason") if old else None, "reason_after": new.get("reason") if new else None,
        })
    hashes_a, hashes_b = a.input_hashes(), b.input_hashes()
    inputs = []
    for file in sorted(hashes_a.keys() | hashes_b.keys()):
        old_hash, new_hash = hashes_a.get(file), hashes_b.get(file)
        if old_hash != new_hash:
            kind = CHANGED if old_hash and new_hash else APPEARED if new_hash else DISAPPEARED
            inputs.append({"file": file, "change": kind, "sha256_before": old_hash, "sha256_after": new_hash})
    return {
        "before": a.describe(),
        "after": b.describe(),
        "policy_changed": a.results.get("policy") != b.results.get("policy"),
        "period_changed": a.results.get("period") != b.results.get("period"),
        "lines": changes,
        "counts": {kind: sum(1 for c in changes if c["change"] == kind) for kind in (CHANGED, APPEARED, DISAPPEARED)},
        "totals": {"before": _money(a.totals()), "after": _money(b.totals())},
        "inputs": inputs,
    }


def _money(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {k: _money(v) for k, v in value.items()}
    return value


# --- text rendering (plain text: read in a terminal or a cron mail) ------------------------------------


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


def render_text(diff: dict[str, Any]) -> str:
    lines = []
    for label, side in (("Before", diff["before"]), ("After", diff["after"])):
        period = side.get("period") or {}
        policy = side.get("policy") or {}
        lines.append(f"{label}: {side['run']} (run {side['run_id']}, {side.get('run_time') or 'time unknown'}; "
                     f"policy {policy.get('id')}, period {period.get('start')}..{period.get('end')})")
    if diff["policy_changed"]:
        lines.append("The policy differs between the two runs (id or SHA-256).")
    if diff["period_changed"]:
        lines.append("The period differs between the two runs.")
    counts = diff["counts"]
    lines.append("")
    lines.append(f"Lines whose award or status changed: {len(diff['lines'])} "
                 f"({counts[CHANGED]} changed, {counts[APPEARED]} appeared, {counts[DISAPPEARED]} disappeared)")
    if diff["lines"]:
        rows = []
        for c in diff["lines"]:
            status = f"{c['status_before'] or '-'} -> {c['status_after'] or '-'}"
            rows.append([c["firm_id"], c["firm_name"], c["item"], c["ref"], c["change"], c["award_before"] or "-",
                         c["award_after"] or "-", c["award_change"], status])
        lines += _table(["firm_id", "firm_name", "item", "ref", "change", "before", "after", "difference", "status"],
                        rows, right={5, 6, 7})
    lines.append("")
    lines.append("Totals (RMB):")
    before, after = diff["totals"]["before"], diff["totals"]["after"]
    rows = []
    for label, old, new in (
        *((item, before["by_item"].get(item, "0.00"), after["by_item"].get(item, "0.00")) for item in ITEMS),
        ("district", before["by_funding"]["district"], after["by_funding"]["district"]),
        ("city", before["by_funding"]["city"], after["by_funding"]["city"]),
        ("total", before["total_rmb"], after["total_rmb"]),
    ):
        rows.append([label, old, new, f"{Decimal(new) - Decimal(old):.2f}"])
    lines += _table(["", "before", "after", "difference"], rows, right={1, 2, 3})
    lines.append("")
    lines.append(f"Input files that changed: {len(diff['inputs'])}")
    for f in diff["inputs"]:
        old = (f["sha256_before"] or "-")[:12]
        new = (f["sha256_after"] or "-")[:12]
        lines.append(f"  {f['change']:<11}  {f['file']}  {old} -> {new}")
    return "\n".join(lines) + "\n"


def render_json(diff: dict[str, Any]) -> str:
    return json.dumps(diff, ensure_ascii=False, indent=2) + "\n"
