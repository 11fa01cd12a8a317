"""`kqcalc diff`: the lines whose award or status changed, appeared or disappeared, the totals, the inputs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kqcalc.cli import app
from kqcalc.diff import diff_runs, render_text

A = "91330603MA2B0A0A0W"
B = "91330603MA2B0A0A10"
C = "91330603MA2B0A0A23"


def line(firm: str, item: str, award: str, status: str = "awarded", ref: str = "", funding: str = "district",
         name: str = "") -> dict:
    return {"firm_id": firm, "firm_name": name or f"firm {firm[-2:]}", "item": item, "ref": ref, "award_rmb": award,
            "status": status, "funding": funding, "reason": "" if status == "awarded" else "below_threshold"}


def write_run(folder: Path, lines: list[dict], files: dict[str, str], run_id: str) -> Path:
    folder.mkdir(parents=True)
    results = {"policy": {"id": "keqiao-2020", "sha256": "p" * 64},
               "period": {"start": "2020-07-01", "end": "2021-06-30"}, "lines": lines, "files": []}
    manifest = {"run_id": run_id, "run_time": f"2021-01-0{run_id[-1]}T02:00:00+00:00", "version": "0.1.0",
                "files": [{"file": f, "sha256": h} for f, h in files.items()]}
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    before = write_run(tmp_path / "run1", [
        line(A, "2", "50000.00"),
        line(A, "3A", "3000.00"),
        line(B, "3A", "1500.00"),
        line(B, "9A", "200000.00", ref="W1", funding="city"),
        line(C, "1A", "0.00", status="not_met"),
    ], {"in/firms.csv": "a" * 64, "in/exports_9610.csv": "b" * 64, "in/old.csv": "c" * 64}, "run1")
    after = write_run(tmp_path / "run2", [
        line(A, "2", "50000.00"),
        line(A, "3A", "3000.00"),
        line(B, "3A", "1800.00"),
        line(C, "1A", "10000.00"),
        line(C, "3A", "300.00"),
    ], {"in/firms.csv": "a" * 64, "in/exports_9610.csv": "d" * 64, "in/new.csv": "e" * 64}, "run2")
    return before, after


def test_a_line_whose_award_changed_is_listed_with_both_awards(tmp_path):
    diff = diff_runs(*two_runs(tmp_path))
    changed = [c for c in diff["lines"] if c["change"] == "changed"]
    assert [(c["firm_id"], c["item"], c["award_before"], c["award_after"], c["award_change"]) for c in changed] == [
        (B, "3A", "1500.00", "1800.00", "300.00"),
        (C, "1A", "0.00", "10000.00", "10000.00"),
    ]
    assert (changed[1]["status_before"], changed[1]["status_after"]) == ("not_met", "awarded")


def test_unchanged_lines_are_not_listed_and_appeared_and_disappeared_lines_are(tmp_path):
    diff = diff_runs(*two_runs(tmp_path))
    assert [(c["firm_id"], c["item"], c["ref"], c["change"]) for c in diff["lines"]] == [
        (B, "3A", "", "changed"),
        (B, "9A", "W1", "disappeared"),
        (C, "1A", "", "changed"),
        (C, "3A", "", "appeared"),
    ]
    gone = diff["lines"][1]
    assert (gone["award_before"], gone["award_after"], gone["award_change"]) == ("200000.00", None, "-200000.00")
    assert diff["counts"] == {"changed": 2, "appeared": 1, "disappeared": 1}


def test_totals_before_and_after_are_given_by_item_and_by_funding(tmp_path):
    totals = diff_runs(*two_runs(tmp_path))["totals"]
    assert totals["before"]["by_item"]["3A"] == "4500.00"
    assert totals["after"]["by_item"]["3A"] == "5100.00"
    assert totals["before"]["by_funding"] == {"district": "54500.00", "city": "200000.00"}
    assert totals["after"]["by_funding"] == {"district": "65100.00", "city": "0.00"}
    assert (totals["before"]["total_rmb"], totals["after"]["total_rmb"]) == ("254500.00", "65100.00")


def test_input_files_are_compared_by_hash(tmp_path):
    inputs = diff_runs(*two_runs(tmp_path))["inputs"]
    assert [(f["file"], f["change"]) for f in inputs] == [
        ("in/exports_9610.csv", "changed"), ("in/new.csv", "appeared"), ("in/old.csv", "disappeared"),
    ]


def test_two_identical_runs_differ_in_nothing(tmp_path):
    before, _ = two_runs(tmp_path)
    diff = diff_runs(before, before)
    assert diff["lines"] == [] and diff["inputs"] == []
    assert not diff["policy_changed"] and not diff["period_changed"]
    assert "Lines whose award or status changed: 0" in render_text(diff)


def test_the_text_report_shows_each_changed_line_the_totals_and_the_changed_files(tmp_path):
    text = render_text(diff_runs(*two_runs(tmp_path)))
    rows = [r.split() for r in text.splitlines()]
    assert [B, "firm", "10", "3A", "changed", "1500.00", "1800.00", "300.00", "awarded", "->", "awarded"] in rows
    assert [B, "firm", "10", "9A", "W1", "disappeared", "200000.00", "-", "-200000.00", "awarded", "->", "-"] in rows
    assert ["total", "254500.00", "65100.00", "-189400.00"] in rows
    assert ["changed", "in/exports_9610.csv", "b" * 12, "->", "d" * 12] in rows


def test_the_cli_exits_0_whether_or_not_anything_changed_and_json_is_machine_readable(tmp_path):
    before, after = two_runs(tmp_path)
    runner = CliRunner()
    same = runner.invoke(app, ["diff", str(before), str(before)])
    assert same.exit_code == 0, same.output
    changed = runner.invoke(app, ["diff", str(before), str(after), "--json"])
    assert changed.exit_code == 0, changed.output
    doc = json.loads(changed.stdout)
    assert doc["counts"] == {"changed": 2, "appeared": 1, "disappeared": 1}


def test_a_folder_that_is_not_a_run_exits_1_with_one_line(tmp_path):
    before, _ = two_runs(tmp_path)
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["diff", str(before), str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "has no results.json" in result.stderr
    assert "Traceback" not in result.output
