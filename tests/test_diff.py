"""`kqcalc diff`: the lines whose award or status changed, appeared or disappeared, the totals, the inputs."""

from __future__ import annotations

import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import msgspec
from typer.testing import CliRunner

from kqcalc.cli import app
from kqcalc.diff import diff_runs, render_text
from kqcalc.record import (
    FileEntry,
    Header,
    LineRecord,
    PeriodRef,
    PolicyRef,
    RunRecord,
    manifest_json,
    results_json,
    totals,
)

A = "91330603MA2B0A0A0W"
B = "91330603MA2B0A0A10"
C = "91330603MA2B0A0A23"


def line(firm: str, item: str, award: str, status: str = "awarded", ref: str = "", funding: str = "district",
         name: str = "") -> LineRecord:
    reason = "" if status == "awarded" else "below_threshold"
    return LineRecord(firm, name or f"firm {firm[-2:]}", item, ref, "1", "RMB", award, award, None, award, award, award,
                      funding, status, reason, [], [], [], msgspec.Raw(b"{}"))


def entry(file: str, sha256: str, content_sha256: str = "") -> FileEntry:
    return FileEntry(file, "firms", sha256, content_sha256, 1, 1, 0, 0, 0)


def write_run(folder: Path, lines: list[LineRecord], files: dict[str, str] | list[FileEntry], run_id: str) -> Path:
    """A stored run written as compute writes one (kqcalc.record), from hand-made lines (each firm's together)."""
    folder.mkdir(parents=True)
    entries = files if isinstance(files, list) else [entry(f, h) for f, h in files.items()]
    ranks = {firm: i for i, firm in enumerate(dict.fromkeys(ln.firm_id for ln in lines), 1)}
    sums = totals((ln.firm_id, ln.item, ln.funding, Decimal(ln.award_rmb)) for ln in lines)
    header = Header("0.1.0", PolicyRef("keqiao-2020", "p" * 64, "keqiao-2020 (built in)", "top_up"),
                    PeriodRef("2020-07-01", "2021-06-30"), ["in"], entries, len(lines), len(ranks), 0, 0, sums.texts())
    record = RunRecord(header, f"2021-01-0{run_id[-1]}T02:00:00+00:00", lines,
                       {ln.firm_id: ln.firm_name for ln in lines}, ranks, {}, sums)
    (folder / "results.json").write_bytes(results_json(record))
    (folder / "manifest.json").write_bytes(manifest_json(record, run_id))
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
    assert "Lines whose award or status changed: 0 (0 changed, 0 appeared, 0 disappeared)" in render_text(diff, "en")


def test_the_text_report_shows_each_changed_line_the_totals_and_the_changed_files(tmp_path):
    text = render_text(diff_runs(*two_runs(tmp_path)), "en")
    rows = [r.split() for r in text.splitlines()]
    assert [B, "firm", "10", "3A", "changed", "1,500.00", "1,800.00", "+300.00", "awarded", "->", "awarded"] in rows
    assert [B, "firm", "10", "9A", "W1", "disappeared", "200,000.00", "-", "-200,000.00", "awarded", "->", "-"] in rows
    assert ["total", "254,500.00", "65,100.00", "-189,400.00"] in rows
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
    assert result.stderr.count("\n") == 1 and "没有 results.json" in result.stderr  # diff speaks zh
    assert "Traceback" not in result.output


# --- inputs compared sheet by sheet; `kqcalc diff OUT`; words in zh (default) and en ---------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "keqiao-2020-21.xlsx"


def test_a_workbook_whose_sheets_share_one_file_hash_lists_only_the_sheet_whose_content_changed(tmp_path):
    book = "in/district.xlsx"
    runs = []
    for n, book_hash, trade in ((1, "a" * 64, "1" * 64), (2, "b" * 64, "2" * 64)):
        files = [entry(f"{book}:企业名录", book_hash, "f" * 64), entry(f"{book}:交易", book_hash, trade)]
        runs.append(write_run(tmp_path / f"run{n}", [line(A, "2", "50000.00")], files, f"run{n}"))
    before, after = runs
    inputs = diff_runs(before, after)["inputs"]
    assert [(f["file"], f["change"], f["sha256_before"], f["sha256_after"]) for f in inputs] == [
        (f"{book}:交易", "changed", "1" * 64, "2" * 64)]


def test_the_manifest_records_a_sha256_of_each_sheets_cells_in_the_documented_text_form():
    import polars as pl

    from kqcalc.read import sheet_digest

    grid = pl.DataFrame({"c0": ["名称", "a\tb", None], "c1": ["金额", "1.5", "x\\y\nz"]})
    # Columns B and D were read (calamine drops an empty column A and C is not there): the first line names them.
    text = "B\tD\n名称\t金额\na\\tb\t1.5\n\\N\tx\\\\y\\nz\n"
    assert sheet_digest(grid, [2, 4]) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def copy_sample(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    return folder / SAMPLE.name


def test_diff_out_after_a_one_cell_edit_names_that_one_sheet_of_eighteen(tmp_path):
    import openpyxl

    runner = CliRunner()
    book = copy_sample(tmp_path / "in")
    out = tmp_path / "out"
    assert runner.invoke(app, ["compute", str(book), "--out", str(out), "--formats", "csv", "-q"]).exit_code == 0
    wb = openpyxl.load_workbook(book)
    # openpyxl rewrites the whole workbook (every sheet's XML, the shared strings): one cell differs, a firm's name
    assert wb["企业名录"]["B2"].value == "绍兴柯桥锦绣纺织品有限公司"
    wb["企业名录"]["B2"].value = "绍兴柯桥锦绣纺织品股份有限公司"
    wb.save(book)
    assert runner.invoke(app, ["compute", str(book), "--out", str(out), "--formats", "csv", "-q"]).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["files"]) == 18 and len({f["sha256"] for f in manifest["files"]}) == 1

    result = runner.invoke(app, ["diff", str(out), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(f["file"], f["change"]) for f in doc["inputs"]] == [(f"{book}:企业名录", "changed")]
    assert doc["lines"] == []  # a name is not an award or a status
    assert doc["before"]["run"] == str((out / "previous").resolve())
    assert doc["after"]["run"] == str((out / "current").resolve())


def test_diff_out_with_one_run_only_says_there_is_no_previous_run_and_exits_1(tmp_path):
    before, _ = two_runs(tmp_path)
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    before.rename(out / "runs" / "run1")
    (out / "current").symlink_to("runs/run1")
    result = CliRunner().invoke(app, ["diff", str(out), "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {out} holds one run only (runs/run1): there is no previous run to compare it "
                             f"with (the next compute into {out} keeps this one as previous)\n")
    (out / "previous").symlink_to("runs/run1")
    assert CliRunner().invoke(app, ["diff", str(out)]).exit_code == 0


def test_diff_of_a_folder_that_holds_no_runs_exits_1_naming_the_two_argument_form(tmp_path):
    (tmp_path / "plain").mkdir()
    result = CliRunner().invoke(app, ["diff", str(tmp_path / "plain"), "--lang", "en"])
    assert result.exit_code == 1
    assert "has no current run" in result.stderr and "kqcalc diff RUN_A RUN_B" in result.stderr


def test_the_text_is_chinese_by_default_with_thousands_separators_and_signed_differences(tmp_path):
    text = render_text(diff_runs(*two_runs(tmp_path)))
    rows = [r.split() for r in text.splitlines()]
    assert "奖励金额或状态有变化的行：4（金额或状态变化 2，新增 1，消失 1）" in text.splitlines()
    assert [B, "firm", "10", "3A", "变化", "1,500.00", "1,800.00", "+300.00", "予以奖励", "->", "予以奖励"] in rows
    assert [B, "firm", "10", "9A", "W1", "消失", "200,000.00", "-", "-200,000.00", "予以奖励", "->", "-"] in rows
    assert [C, "firm", "23", "1A", "变化", "0.00", "10,000.00", "+10,000.00", "未达条件", "->", "予以奖励"] in rows
    # 254,500.00 before (50,000 + 3,000 + 1,500 + 200,000), 65,100.00 after (50,000 + 3,000 + 1,800 + 10,000 + 300)
    assert ["合计", "254,500.00", "65,100.00", "-189,400.00"] in rows
    assert ["市级财政", "200,000.00", "0.00", "-200,000.00"] in rows
    assert "内容有变化的输入（文件或工作表）：3" in text.splitlines()
    assert ["新增", "in/new.csv", "-", "->", "e" * 12] in rows


def test_lang_en_gives_the_english_words_on_the_command_line(tmp_path):
    before, after = two_runs(tmp_path)
    result = CliRunner().invoke(app, ["diff", str(before), str(after), "--lang", "en"])
    assert result.exit_code == 0
    assert "Lines whose award or status changed: 4 (2 changed, 1 appeared, 1 disappeared)" in result.stdout
    assert ["total", "254,500.00", "65,100.00", "-189,400.00"] in [r.split() for r in result.stdout.splitlines()]
