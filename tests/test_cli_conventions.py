"""The CLI as a clerk and a cron job meet it (SPEC §4 "Commands", "Language", "What a run prints", exit codes).

The input with known issues (`troubled`), worked out by hand from the contract:
- firms.csv: one firm, F1.
- transactions.csv (columns of the contract plus `note`, which kqcalc does not use): 8 rows of F1 dated
  2020-02-30 (no such day: 8 × `bad_date`, errors, rows quarantined), 1 good row of F1, 1 row each of F2 and F3,
  which are not in firms (2 × `unknown_firm`, one per firm and file), and the unused column (1 × `extra_columns`).
So: 8 errors of one code, 3 warnings: unknown_firm 2, extra_columns 1. The console shows the first 5 bad_date
lines and counts the other 3; issues.csv keeps all 8.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from firm_codes import credit_code
from typer.testing import CliRunner

from kqcalc import __version__
from kqcalc.cli import app

F1, F2, F3 = credit_code(1), credit_code(2), credit_code(3)
FIRMS = f"firm_id,firm_name,in_zone,independent_accounting,independent_tax\n{F1},甲公司,是,是,是\n"
TX_HEADER = "firm_id,platform,store_id,model,traded_on,orders,amount,currency"

# A line under --quiet: the local time (ISO 8601 with its offset), the run id, then the text.
QUIET_LINE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d) (\d{8}T\d{6}[+-]\d{4}(?:-\d+)?) (.*)")


def clean_input(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "firms.csv").write_text(FIRMS, encoding="utf-8")
    (folder / "transactions.csv").write_text(f"{TX_HEADER}\n{F1},amazon,,B2C,2020-08-01,1,500,USD\n",
                                             encoding="utf-8")
    return folder


def troubled(folder: Path) -> Path:
    """The input of the module docstring."""
    folder.mkdir(parents=True)
    (folder / "firms.csv").write_text(FIRMS, encoding="utf-8")
    rows = [f"{F1},amazon,,B2C,2020-02-30,1,{1000 + i},USD,x" for i in range(8)]
    rows += [f"{F1},amazon,,B2C,2020-08-01,1,500,USD,", f"{F2},amazon,,B2C,2020-08-02,1,600,USD,",
             f"{F3},amazon,,B2C,2020-08-03,1,700,USD,"]
    (folder / "transactions.csv").write_text("\n".join([f"{TX_HEADER},note", *rows]) + "\n", encoding="utf-8")
    return folder


def kq(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KQCALC_")} | env
    return subprocess.run([sys.executable, "-m", "kqcalc", *args], capture_output=True, text=True, timeout=300,
                          env=environ, cwd=cwd)


def invoke(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})


def issues_csv(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "issues.csv").read_text(encoding="utf-8-sig"))))


# --- 1. --quiet: the cron log ----------------------------------------------------------------------------------


def test_quiet_prints_each_error_capped_and_one_line_counting_the_warnings_each_stamped(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = kq("compute", str(troubled(tmp_path / "in")), "--out", str(out), "--quiet", TZ="Asia/Shanghai")
    assert done.returncode == 3 and done.stdout == ""
    lines = [QUIET_LINE.fullmatch(line) for line in done.stderr.splitlines()]
    assert all(lines), done.stderr
    run_id = (out / "current").resolve().name
    for match in lines:
        stamp, rid, _ = match.groups()
        assert stamp.endswith("+08:00") and rid == run_id and rid.endswith("+0800")
    texts = [m.group(3) for m in lines]
    assert len(texts) == 7
    assert all(t.startswith("error: bad_date: ") for t in texts[:5])
    assert [t.split(":")[3] for t in texts[:5]] == ["2", "3", "4", "5", "6"]  # rows 2-6 of transactions.csv
    assert texts[5] == "… 另有 3 条 bad_date；全部见 issues.csv"
    assert texts[6] == "警告 3 条：unknown_firm 2, extra_columns 1"
    codes = [r["code"] for r in issues_csv(out)]
    assert codes.count("bad_date") == 8 and codes.count("unknown_firm") == 2 and codes.count("extra_columns") == 1


def test_quiet_validate_in_english_says_no_issues_csv_was_written(tmp_path: Path) -> None:
    done = kq("validate", str(troubled(tmp_path / "in")), "--quiet", "--lang", "en")
    assert done.returncode == 3 and done.stdout == ""
    texts = [QUIET_LINE.fullmatch(line).group(3) for line in done.stderr.splitlines()]
    assert texts[5:] == ["… and 3 more bad_date (no issues.csv was written; kqcalc compute lists them all)",
                         "3 warning(s): unknown_firm 2, extra_columns 1"]


def test_quiet_on_a_clean_input_prints_nothing(tmp_path: Path) -> None:
    inputs = clean_input(tmp_path / "in")
    assert (kq("validate", str(inputs), "--quiet").returncode, kq("validate", str(inputs), "--quiet").stderr) == (0, "")
    done = kq("compute", str(inputs), "--out", str(tmp_path / "out"), "--quiet")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_quiet_error_line_of_a_run_that_cannot_start_is_stamped_too(tmp_path: Path) -> None:
    done = kq("compute", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "--quiet")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert QUIET_LINE.fullmatch(line).group(3).startswith("Error: ")


# --- 2. capping, 6. where the lines go ---------------------------------------------------------------------------


def test_the_console_shows_five_lines_of_a_code_and_counts_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("compute", str(troubled(tmp_path / "in")), "--out", str(out), "--formats", "csv")
    assert result.exit_code == 3
    err = result.stderr.splitlines()
    assert sum(line.startswith("error: bad_date: ") for line in err) == 5
    assert "… 另有 3 条 bad_date；全部见 issues.csv" in err
    assert sum(line.startswith("warning: unknown_firm: ") for line in err) == 2  # below the cap: all shown
    assert len([r for r in issues_csv(out) if r["code"] == "bad_date"]) == 8


def test_the_closing_summary_goes_to_stdout_and_the_problems_to_stderr(tmp_path: Path) -> None:
    result = invoke("compute", str(troubled(tmp_path / "in")), "--out", str(tmp_path / "out"), "--formats", "csv")
    assert "奖励最多的企业" in result.stdout and "数据问题：8 个错误，3 个警告" in result.stdout
    assert "bad_date" not in result.stdout
    assert "奖励最多的企业" not in result.stderr and "error: bad_date" in result.stderr


def test_validate_prints_a_summary_line_on_clean_input(tmp_path: Path) -> None:
    result = invoke("validate", str(clean_input(tmp_path / "in")))
    assert result.exit_code == 0
    assert result.stdout == "校验完成：2 个文件，读取 2 行；0 个错误，0 个警告。\n"
    assert result.stderr == ""
    english = invoke("validate", str(troubled(tmp_path / "in2")), "--lang", "EN")
    assert english.exit_code == 3
    assert english.stdout == "Checked 2 file(s), 12 rows read: 8 error(s), 3 warning(s).\n"


# --- 3. local times --------------------------------------------------------------------------------------------


def test_run_ids_and_the_manifest_time_are_local_time_with_the_offset(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = kq("compute", str(clean_input(tmp_path / "in")), "--out", str(out), "--formats", "csv",
              TZ="America/New_York")
    assert done.returncode == 0, done.stderr
    run = (out / "current").resolve()
    assert re.fullmatch(r"\d{8}T\d{6}-0[45]00", run.name)  # EST or EDT
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == run.name
    assert manifest["run_time"].endswith(run.name[-5:-2] + ":" + run.name[-2:])
    assert manifest["run_time"].replace("-", "").replace(":", "")[:15] == run.name[:15]


def test_runs_are_ordered_by_the_instant_their_id_names(tmp_path: Path) -> None:
    from kqcalc.store import list_runs, prune

    out = tmp_path / "out"
    # 09:00 in Shanghai is 01:00 UTC: older than the 02:00 UTC run of an earlier version, though it sorts after
    # it as text. The same-second counter comes after its base.
    names = ["20210106T020000Z", "20210106T090000+0800", "20210106T110000+0800", "20210106T110000+0800-02"]
    for name in names:
        (out / "runs" / name).mkdir(parents=True)
    assert [p.name for p in list_runs(out)] == [names[1], names[0], names[2], names[3]]
    prune(out, 2)
    assert [p.name for p in list_runs(out)] == [names[2], names[3]]


# --- 4. conventions --------------------------------------------------------------------------------------------


def test_version() -> None:
    result = invoke("--version")
    assert (result.exit_code, result.stdout) == (0, f"kqcalc {__version__}\n")


def test_kqcalc_alone_prints_the_help_and_exits_0() -> None:
    done = kq()
    assert done.returncode == 0 and "Usage: kqcalc" in done.stdout and "compute" in done.stdout


COMMANDS = [["compute"], ["validate"], ["explain"], ["diff"], ["template"], ["sample"], ["policy", "show"],
            ["policy", "export"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_dash_h_is_help_and_the_help_is_honest_with_an_example(command: list[str]) -> None:
    short, long = invoke(*command, "-h"), invoke(*command, "--help")
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout
    for dishonest in ("<bool>", "<list[str]>", "{inputs}", "{file}", "{out}"):
        assert dishonest not in short.stdout, dishonest
    assert "Example" in short.stdout


def test_root_help_has_completion_version_and_short_help() -> None:
    for flag in ("-h", "--help"):
        result = invoke(flag)
        assert result.exit_code == 0
        assert "--install-completion" in result.stdout and "--version" in result.stdout
        assert "<bool>" not in result.stdout


def test_compute_help_shows_the_metavars_and_the_defaults_of_out_policy_and_period() -> None:
    text = invoke("compute", "--help").stdout
    assert "Usage: kqcalc compute [OPTIONS] INPUT..." in text
    assert "./kqcalc-out/<policy>_<start>_<end>" in text
    assert "keqiao-2020" in text and "2020-07-01:2021-06-30" in text
    for metavar in ("ID|FILE", "START:END", "DIR", "zh|en", "SECONDS"):
        assert metavar in text, metavar


@pytest.mark.parametrize(("value", "report"), [("CSV,XLSX", True), (" xlsx , CSV ", True), ("Csv", False)])
def test_formats_are_matched_case_insensitively(tmp_path: Path, value: str, report: bool) -> None:
    out = tmp_path / "out"
    result = invoke("compute", str(clean_input(tmp_path / "in")), "--out", str(out), "--formats", value,
                    "--lang", "EN")
    assert result.exit_code == 0, result.output
    assert (out / "report.xlsx").exists() is report
    assert "Written to" in result.stdout  # --lang EN is en


@pytest.mark.parametrize(("args", "names"), [
    (["--formats", "pdf"], "csv, xlsx"),
    (["--formats", ""], "csv, xlsx"),
    (["--formats", "csv,pdf"], "csv, xlsx"),
    (["--lang", "fr"], "zh, en"),
])
def test_a_wrong_choice_exits_2_with_one_line_naming_the_valid_values(tmp_path: Path, args, names) -> None:
    done = kq("compute", str(tmp_path), "--out", str(tmp_path / "out"), *args)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("Error: Invalid value for") and names in line
    assert not (tmp_path / "out").exists()


def test_sample_format_and_validate_lang_are_choices_too(tmp_path: Path) -> None:
    assert kq("sample", str(tmp_path / "s"), "--format", "pdf").returncode == 2
    assert "xlsx, csv, parquet" in kq("sample", str(tmp_path / "s"), "--format", "pdf").stderr
    assert kq("validate", str(tmp_path), "--lang", "de").returncode == 2


def test_a_crontab_typo_is_one_plain_error_line_without_boxes_or_colour(tmp_path: Path) -> None:
    done = kq("compute", str(tmp_path), "--keeep", "30", FORCE_COLOR="1")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("Error: No such option: --keeep (Possible options: --help, --keep); "
                           "try 'kqcalc compute --help'\n")
    missing = kq("template")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and missing.stderr.startswith("Error: ")


# --- 5. template and sample ------------------------------------------------------------------------------------


def test_template_refuses_a_non_xlsx_name(tmp_path: Path) -> None:
    result = invoke("template", str(tmp_path / "t.csv"))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 't.csv'}：模板必须是 .xlsx 文件（例如 输入模板.xlsx）\n"
    assert not (tmp_path / "t.csv").exists()


def test_template_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"the clerk's filled-in workbook")
    result = invoke("template", str(path), "--lang", "en")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path} already exists; add --force to overwrite it, or choose another name\n"
    assert path.read_bytes() == b"the clerk's filled-in workbook"
    forced = invoke("template", str(path), "--force")
    assert forced.exit_code == 0 and path.read_bytes().startswith(b"PK")  # a zip: an xlsx workbook


def test_an_unwritable_path_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    template = kq("template", str(blocker / "t.xlsx"))
    assert template.returncode == 1
    assert template.stderr.startswith(f"Error: 无法写入 {blocker / 't.xlsx'}：") and template.stderr.count("\n") == 1
    sample = kq("sample", str(blocker / "s"), "--lang", "en")
    assert sample.returncode == 1
    assert sample.stderr.startswith(f"Error: cannot write {blocker / 's'}: ") and sample.stderr.count("\n") == 1
    assert "Traceback" not in template.stderr + sample.stderr


def test_sample_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "firms.xlsx").write_bytes(b"real data")
    result = invoke("sample", str(folder), "--format", "CSV")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {folder} 不是空文件夹；样例数据只写入新的或空的文件夹\n"
    assert [p.name for p in folder.iterdir()] == ["firms.xlsx"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke("sample", str(empty), "--format", "CSV").exit_code == 0
    assert (empty / "firms.csv").exists()


# --- 7. --wait and Ctrl-C --------------------------------------------------------------------------------------


def _running(*args: str, **env: str) -> subprocess.Popen[str]:
    """kqcalc in a subprocess that takes SIGINT as Ctrl-C (even when the test itself runs with SIGINT ignored)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KQCALC_")} | env
    return subprocess.Popen([sys.executable, "-m", "kqcalc", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=environ, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(proc: subprocess.Popen[str], marker: str, timeout: float = 120) -> list[str]:
    seen = []
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError(f"no {marker!r} in {''.join(seen)}")


def test_a_waiting_run_says_so_and_ctrl_c_ends_it_with_one_line_and_exit_130(tmp_path: Path) -> None:
    inputs, out = clean_input(tmp_path / "in"), tmp_path / "out"
    first = _running("compute", str(inputs), "--out", str(out), KQCALC_TEST_PAUSE="60@locked")
    try:
        _wait_for(first, "kqcalc-test-pause: locked")
        second = _running("compute", str(inputs), "--out", str(out), "--wait", "60", "--lang", "en")
        _wait_for(second, "is in use by another kqcalc run")
        second.send_signal(signal.SIGINT)
        _, err = second.communicate(timeout=30)
        assert second.returncode == 130
        assert err == f"Interrupted (Ctrl-C) while waiting for the lock of {out}: nothing was written.\n"
    finally:
        first.kill()
        first.wait()
    assert not (out / "runs").exists()


def test_ctrl_c_during_a_run_leaves_the_previous_report_and_says_so(tmp_path: Path) -> None:
    inputs, out = clean_input(tmp_path / "in"), tmp_path / "out"
    assert kq("compute", str(inputs), "--out", str(out), "--formats", "csv").returncode == 0
    previous = (out / "current").resolve().name
    before = (out / "awards.csv").read_bytes()
    run = _running("compute", str(inputs), "--out", str(out), KQCALC_TEST_PAUSE="60@summary.csv")
    _wait_for(run, "kqcalc-test-pause: summary.csv")
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 130
    assert err == f"已中断（Ctrl-C）：未写出新的结果；{out} 仍是上一次运行 {previous} 的结果，完整未动。\n"
    assert (out / "current").resolve().name == previous and (out / "awards.csv").read_bytes() == before
    assert [p.name for p in (out / "runs").iterdir()] == [previous]  # the staging folder is gone


def test_ctrl_c_in_a_first_run_says_nothing_was_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _running("compute", str(clean_input(tmp_path / "in")), "--out", str(out), "--lang", "en",
                   KQCALC_TEST_PAUSE="60@awards.csv")
    _wait_for(run, "kqcalc-test-pause: awards.csv")
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 130
    assert err == f"Interrupted (Ctrl-C): no results were written; {out} holds no finished run yet.\n"
    assert list((out / "runs").iterdir()) == []
