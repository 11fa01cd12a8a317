"""Data-driven acceptance tests: one folder per ruling under tests/cases/ (SPEC §2 and §3).

Each case folder holds:

- ``input/``       the CSV files given to ``kqcalc compute`` (one directory path);
- ``expected.csv`` the complete set of award lines: ``firm_id,item,ref,status,award_rmb`` and optionally
                   ``reason`` (a reason is compared only where the expected cell is not blank);
- ``case.md``      the ruling proved and the hand working of every expected number;
- ``expect.toml``  optional: ``exit_code`` (default 0), ``args`` (extra CLI arguments),
                   ``issues`` (each ``{table, code, severity}`` must appear in issues.csv; any key may be
                   omitted) and, for runs that stop, ``output_contains`` (texts the stdout/stderr must show).

The expected values were worked out by hand from SPEC.md, independently of the engine.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

CASES_DIR = Path(__file__).parent / "cases"
REPO_ROOT = Path(__file__).parent.parent

AWARDS_COLUMNS = ["firm_id", "firm_name", "item", "ref", "measure", "unit", "gross_rmb", "capped_rmb", "award_rmb",
                  "funding", "status", "reason"]
ISSUES_COLUMNS = ["table", "file", "row", "column", "severity", "code", "message"]
EXPECTED_COLUMNS = ["firm_id", "item", "ref", "status", "award_rmb"]
STATUSES = {"awarded", "not_met", "ineligible", "already_awarded", "superseded", "topped_up", "adjusted"}
ITEMS = ["1A", "1B", "2", "3A", "3B", "4", "5", "6", "7", "8", "9A", "9B", "9C", "10A", "10B"]
EXPECT_KEYS = {"exit_code", "args", "issues", "output_contains"}
BOM = b"\xef\xbb\xbf"

CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir() and (p / "input").is_dir())


def _expect(case: Path) -> dict:
    path = case / "expect.toml"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _read_expected(case: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = (case / "expected.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _read_bom_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM), f"{path.name} must be UTF-8 with a BOM (SPEC §5)"
    reader = csv.DictReader(io.StringIO(raw[len(BOM):].decode("utf-8"), newline=""))
    return list(reader.fieldnames or []), list(reader)


def _line(key: tuple[str, str, str], status: str, award: str, reason: str | None = None) -> str:
    firm_id, item, ref = key
    text = f"{firm_id} item={item} ref={ref or '-'} status={status} award={award}"
    return text if reason is None else f"{text} reason={reason or '-'}"


def _run(case: Path, tmp_path: Path, args: list[str]) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path / "out"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "200"
    env["NO_COLOR"] = "1"
    cmd = [sys.executable, "-m", "kqcalc", "compute", str(case / "input"), "--out", str(out), "--formats", "csv",
           *args]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=300)
    return proc, out


# --------------------------------------------------------------------------- the case folders themselves


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_folder_is_well_formed(case: Path) -> None:
    """A case folder is readable by the runner: valid expect.toml, expected.csv in the agreed shape, a case.md."""
    expect = _expect(case)
    assert set(expect) <= EXPECT_KEYS, f"unknown keys in expect.toml: {set(expect) - EXPECT_KEYS}"
    assert expect.get("exit_code", 0) in (0, 1, 3)
    assert all(isinstance(a, str) for a in expect.get("args", []))
    for issue in expect.get("issues", []):
        assert set(issue) <= {"table", "code", "severity"} and "code" in issue, issue
    assert (case / "case.md").is_file(), "every case explains its ruling and hand working in case.md"
    assert any((case / "input").iterdir()), "input/ is empty"
    columns, rows = _read_expected(case)
    assert columns[:5] == EXPECTED_COLUMNS and columns[5:] in ([], ["reason"]), columns
    keys = set()
    for row in rows:
        key = (row["firm_id"], row["item"], row["ref"])
        assert key not in keys, f"duplicate expected line {key}"
        keys.add(key)
        assert row["item"] in ITEMS, row
        assert row["status"] in STATUSES, row
        award = Decimal(row["award_rmb"])
        assert row["award_rmb"] == f"{award:.2f}", f"award must have two decimals: {row}"
        if row["status"] in ("not_met", "ineligible", "already_awarded", "superseded"):
            assert award == 0, row
    if expect.get("exit_code", 0) == 1:
        assert not rows, "a run that stops (exit 1) produces no award lines"


# --------------------------------------------------------------------------- running the engine


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, tmp_path: Path) -> None:
    expect = _expect(case)
    want_exit = expect.get("exit_code", 0)
    proc, out = _run(case, tmp_path, list(expect.get("args", [])))
    output = f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert proc.returncode == want_exit, f"exit code {proc.returncode}, expected {want_exit}\n{output}"

    for text in expect.get("output_contains", []):
        assert text in proc.stdout + proc.stderr, f"the message should mention {text!r}\n{output}"

    if want_exit == 1:
        assert not (out / "awards.csv").exists(), "a run that could not go on must not write a report"
        return

    # issues.csv: the listed issues are there; exit 3 if and only if it holds errors
    issue_cols, issues = _read_bom_csv(out / "issues.csv")
    assert issue_cols == ISSUES_COLUMNS, f"issues.csv columns {issue_cols}"
    has_errors = any(i["severity"] == "error" for i in issues)
    assert has_errors == (want_exit == 3), (
        "exit code 3 if and only if issues.csv holds errors; issues:\n"
        + "\n".join(f"  {i['severity']} {i['table']} {i['code']} row {i['row']}: {i['message']}" for i in issues))
    for wanted in expect.get("issues", []):
        found = any(all(i.get(k) == v for k, v in wanted.items()) for i in issues)
        assert found, (f"issues.csv lacks {wanted}; it holds:\n"
                       + "\n".join(f"  {i['severity']} {i['table']} {i['code']}: {i['message']}" for i in issues))

    # awards.csv: exactly the expected set of lines
    award_cols, actual_rows = _read_bom_csv(out / "awards.csv")
    assert award_cols == AWARDS_COLUMNS, f"awards.csv columns {award_cols}"
    exp_cols, expected_rows = _read_expected(case)
    check_reason = "reason" in exp_cols

    actual: dict[tuple[str, str, str], dict[str, str]] = {}
    problems: list[str] = []
    for row in actual_rows:
        key = (row["firm_id"], row["item"], row["ref"])
        if key in actual:
            problems.append(f"  duplicate line  {_line(key, row['status'], row['award_rmb'])}")
        actual[key] = row
    expected = {(r["firm_id"], r["item"], r["ref"]): r for r in expected_rows}

    for key in sorted(expected.keys() - actual.keys()):
        e = expected[key]
        problems.append(f"  missing         {_line(key, e['status'], e['award_rmb'])}")
    for key in sorted(actual.keys() - expected.keys()):
        a = actual[key]
        problems.append(f"  unexpected      {_line(key, a['status'], a['award_rmb'], a['reason'])}")
    for key in sorted(expected.keys() & actual.keys()):
        e, a = expected[key], actual[key]
        want_reason = e.get("reason", "") if check_reason else ""
        reason_differs = bool(want_reason) and want_reason != a["reason"]
        if (e["status"], e["award_rmb"]) != (a["status"], a["award_rmb"]) or reason_differs:
            problems.append(f"  expected        {_line(key, e['status'], e['award_rmb'], want_reason or None)}\n"
                            f"       got        {_line(key, a['status'], a['award_rmb'], a['reason'])}")
    assert not problems, (f"awards.csv differs from {case.name}/expected.csv (see case.md for the working):\n"
                          + "\n".join(problems) + f"\n{output}")
