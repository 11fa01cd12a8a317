"""Nightly cron reruns (SPEC §4, §5, §7): atomic outputs, the lock, reproducible bytes, the manifest, diff, exit codes.

The kill tests run `python -m kqcalc compute` in a subprocess and SIGKILL it. To kill it at a known step they set
KQCALC_TEST_PAUSE=SECONDS@STAGE (documented in kqcalc/store.py): the run prints `kqcalc-test-pause: STAGE` and
sleeps there. One test kills a run on a big generated input (300,000 transactions) at timed moments, without
the hook.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from firm_codes import credit_code
from typer.testing import CliRunner

from kqcalc import cli
from kqcalc.cli import app
from kqcalc.store import RUN_FILES

REPRODUCIBLE = ("awards.csv", "summary.csv", "issues.csv", "results.json")


# --- inputs ----------------------------------------------------------------------------------------------------


def district(firms: int = 40, transactions: int = 3000, declarations: int = 600, seed: int = 7,
             bad_row: bool = False, duplicate: bool = True) -> dict[str, pl.DataFrame]:
    """A small seeded district-year with ties (equal totals, equal store orders) and an identical duplicate."""
    rng = random.Random(seed)
    ids = [credit_code(i) for i in range(1, firms + 1)]
    firm_rows = pl.DataFrame({
        "firm_id": ids, "firm_name": [f"企业{i:03d}" for i in range(1, firms + 1)],
        "in_zone": ["是" if i % 9 else "否" for i in range(firms)], "independent_accounting": ["是"] * firms,
        "independent_tax": ["Y"] * firms,
    })
    stores = pl.DataFrame({
        "firm_id": ids, "platform": ["amazon"] * firms, "store_id": [f"S{i}" for i in range(firms)],
        "model": ["B2C"] * firms, "opened_on": ["2020-08-01"] * firms,
    })
    # Two stores per firm for the first five firms, with equal orders: 1A names one of them, whatever the order.
    extra = stores.head(5).with_columns(store_id=pl.col("store_id") + "b")
    stores = pl.concat([stores, extra])
    store_of = {i: [f"S{i}", f"S{i}b"] if i < 5 else [f"S{i}"] for i in range(firms)}
    tx = []
    for n in range(transactions):
        i = rng.randrange(firms - 2)
        store = store_of[i][n % len(store_of[i])]
        tx.append({"firm_id": ids[i], "platform": "amazon", "store_id": store, "model": "B2C",
                   "traded_on": f"2020-{rng.randrange(7, 13):02d}-{rng.randrange(1, 29):02d}",
                   "orders": "25", "amount": str(rng.choice([5000, 20000, 50000, 100000])), "currency": "USD"})
    if bad_row:
        tx.append({**tx[0], "traded_on": "2020-02-30"})
    decl = []
    for n in range(declarations):
        i = rng.randrange(firms - 2)
        decl.append({"declaration_no": f"D{n:06d}", "firm_id": ids[i],
                     "declared_on": f"2021-{rng.randrange(1, 7):02d}-{rng.randrange(1, 29):02d}",
                     "amount": f"{rng.randrange(1000, 90000)}.{rng.randrange(100):02d}",
                     "currency": "USD", "via_platform": "是" if n % 7 else "否"})
    # The last two firms have one equal declaration each and nothing else: equal totals, ranked by firm_id.
    decl += [{**decl[0], "declaration_no": "T1", "firm_id": ids[-1], "via_platform": "是"},
             {**decl[0], "declaration_no": "T2", "firm_id": ids[-2], "via_platform": "是"}]
    if duplicate:
        decl.append(dict(decl[1]))  # an identical duplicate: merged with a warning
    text = lambda rows: pl.DataFrame(rows, schema={k: pl.String for k in rows[0]})  # noqa: E731
    return {"firms": firm_rows, "stores": stores, "transactions": text(tx), "exports_9610": text(decl)}


def write_tables(folder: Path, tables: dict[str, pl.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_csv(folder / f"{name}.csv")
    return folder


def big_district(folder: Path, transactions: int = 300_000, firms: int = 2000) -> Path:
    """300,000 transactions: enough for a run to take a moment, so that a kill lands in the middle of it."""
    ids = [credit_code(i) for i in range(1, firms + 1)]
    n = pl.int_range(0, transactions, eager=True)
    tables = {
        "firms": pl.DataFrame({"firm_id": ids, "firm_name": [f"企业{i}" for i in range(firms)],
                               "in_zone": ["是"] * firms, "independent_accounting": ["是"] * firms,
                               "independent_tax": ["是"] * firms}),
        "transactions": pl.DataFrame({
            "firm_id": pl.Series(ids).gather(n % firms), "platform": ["amazon"] * transactions,
            "store_id": "S" + (n % firms).cast(pl.String),
            "model": ["B2C"] * transactions,
            "traded_on": ("2020-" + (7 + n % 6).cast(pl.String).str.zfill(2) + "-" +
                          (1 + n % 28).cast(pl.String).str.zfill(2)),
            "orders": ["3"] * transactions, "amount": (1000 + (n * 7919) % 90000).cast(pl.String),
            "currency": ["USD"] * transactions,
        }),
    }
    return write_tables(folder, tables)


# --- running kqcalc ---------------------------------------------------------------------------------------------


def env_for(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KQCALC_")}
    env.update(extra)
    return env


def kq(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kqcalc", *args], capture_output=True, text=True, timeout=300,
                          env=env_for(**env))


class Running:
    """A kqcalc subprocess whose stderr is read line by line, to wait for a test-pause marker."""

    def __init__(self, *args: str, **env: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "kqcalc", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env_for(**env))
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, stage: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            if line is None:
                raise AssertionError(f"kqcalc ended before {stage!r}: {''.join(self.seen)}")
            self.seen.append(line)
            if line.strip() == f"kqcalc-test-pause: {stage}":
                return

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def finish(self, timeout: float = 300) -> int:
        return self.proc.wait(timeout=timeout)

    def stderr(self) -> str:
        out = list(self.seen)
        while True:
            try:
                line = self.lines.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                break
            out.append(line)
        return "".join(out)


# --- what an output folder holds --------------------------------------------------------------------------------


def visible(out: Path) -> dict[str, bytes]:
    """The report files as a reader of OUT sees them (following the symlinks)."""
    return {name: (out / name).read_bytes() for name in RUN_FILES if (out / name).exists()}


def assert_one_whole_run(out: Path) -> Path:
    """OUT's files are exactly those of one finished run, and agree with each other."""
    run = (out / "current").resolve()
    assert run.parent == (out / "runs").resolve() and not run.name.startswith(".")
    assert visible(out) == {name: (run / name).read_bytes() for name in RUN_FILES if (run / name).exists()}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == run.name
    awards = list(csv.DictReader(io.StringIO((out / "awards.csv").read_text(encoding="utf-8-sig"))))
    total = sum((Decimal(r["award_rmb"]) for r in awards), Decimal("0.00"))
    assert f"{total:.2f}" == manifest["totals"]["total_rmb"]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sum(len(f["lines"]) for f in results["firms"]) == len(awards) == manifest["lines"]
    return run


def without_clock(manifest: bytes) -> dict:
    doc = json.loads(manifest)
    doc.pop("run_time")
    doc.pop("run_id")
    return doc


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    """Two versions of one input folder: v2 has one declaration's amount changed."""
    tables = district()
    v1 = write_tables(tmp_path / "v1", tables)
    decl = tables["exports_9610"].with_columns(
        amount=pl.when(pl.col("declaration_no") == "D000010").then(pl.lit("77777.77")).otherwise("amount"))
    v2 = write_tables(tmp_path / "v2", {**tables, "exports_9610": decl})
    return v1, v2


# --- 1. atomic outputs -----------------------------------------------------------------------------------------


STAGES_BEFORE_SWITCH = ["locked", "awards.csv", "summary.csv", "issues.csv", "results.json", "manifest.json",
                        "report.xlsx", "staged"]


@pytest.mark.parametrize("stage", STAGES_BEFORE_SWITCH)
def test_a_run_killed_before_it_switches_leaves_the_previous_report_intact(tmp_path, versions, stage):
    v1, v2 = versions
    out = tmp_path / "out"
    assert kq("compute", str(v1), "--out", str(out)).returncode == 0
    before = visible(out)
    assert set(before) == set(RUN_FILES)

    run = Running("compute", str(v2), "--out", str(out), KQCALC_TEST_PAUSE=f"60@{stage}")
    run.wait_for(stage)
    run.kill()

    assert visible(out) == before
    assert_one_whole_run(out)
    # The next run cleans what the killed one left and goes through.
    assert kq("compute", str(v2), "--out", str(out)).returncode == 0
    assert not [p.name for p in (out / "runs").iterdir() if p.name.startswith(".")]
    assert not [p.name for p in out.iterdir() if ".tmp-" in p.name]
    assert_one_whole_run(out)
    assert visible(out)["awards.csv"] != before["awards.csv"]


def test_a_run_killed_right_after_it_switched_shows_the_whole_new_report(tmp_path, versions):
    v1, v2 = versions
    out = tmp_path / "out"
    assert kq("compute", str(v1), "--out", str(out), "--formats", "csv,xlsx").returncode == 0
    before = visible(out)
    run = Running("compute", str(v2), "--out", str(out), "--formats", "csv", KQCALC_TEST_PAUSE="60@switched")
    run.wait_for("switched")
    run.kill()
    new = assert_one_whole_run(out)
    assert visible(out)["awards.csv"] != before["awards.csv"]
    # The csv-only run has no report.xlsx; the old one is not shown beside the new awards.
    assert not (new / "report.xlsx").exists() and not (out / "report.xlsx").exists()


def test_a_big_run_killed_at_any_moment_leaves_one_whole_report(tmp_path):
    inputs = big_district(tmp_path / "big")
    out = tmp_path / "out"
    started = time.monotonic()
    assert kq("compute", str(inputs), "--out", str(out), "--formats", "csv").returncode == 0
    duration = time.monotonic() - started
    before = visible(out)
    changed = write_tables(tmp_path / "big2", {
        "firms": pl.read_csv(inputs / "firms.csv", infer_schema=False),
        "transactions": pl.read_csv(inputs / "transactions.csv", infer_schema=False).head(250_000),
    })
    reference = tmp_path / "reference"
    assert kq("compute", str(changed), "--out", str(reference), "--formats", "csv").returncode == 0
    awards_of = {inputs: before["awards.csv"], changed: visible(reference)["awards.csv"]}
    assert awards_of[inputs] != awards_of[changed]
    outcomes = []
    for n, fraction in enumerate((0.1, 0.3, 0.5, 0.7, 0.85, 0.95, 1.1)):
        source = (changed, inputs)[n % 2]
        run = Running("compute", str(source), "--out", str(out), "--formats", "csv")
        time.sleep(duration * fraction)
        run.kill()
        shown = visible(out)
        run_id = assert_one_whole_run(out).name
        # Either the killed run had not switched yet (exactly the old report), or it had (its whole report).
        if shown == before:
            outcomes.append("previous")
        else:
            assert run_id != json.loads(before["manifest.json"])["run_id"]
            assert shown["awards.csv"] == awards_of[source]  # the whole report of the killed run's inputs
            outcomes.append("new")
        before = shown
    assert "previous" in outcomes


def test_old_runs_beyond_the_retention_limit_are_removed(tmp_path, versions):
    v1, _ = versions
    out = tmp_path / "out"
    for _ in range(4):
        assert kq("compute", str(v1), "--out", str(out), "--formats", "csv", "--keep", "2").returncode == 0
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert len(runs) == 2
    assert os.readlink(out / "current") == f"runs/{runs[1]}"
    assert os.readlink(out / "previous") == f"runs/{runs[0]}"


# --- 2. the lock -----------------------------------------------------------------------------------------------


def test_a_second_run_on_a_busy_folder_exits_1_with_one_clear_line(tmp_path, versions):
    v1, v2 = versions
    out = tmp_path / "out"
    first = Running("compute", str(v1), "--out", str(out), KQCALC_TEST_PAUSE="60@locked")
    first.wait_for("locked")
    try:
        second = kq("compute", str(v2), "--out", str(out))
        assert second.returncode == 1
        assert second.stderr.count("\n") == 1
        assert "正被另一个 kqcalc 运行使用" in second.stderr and "--wait" in second.stderr  # zh by default
        assert f"pid {first.proc.pid}" in second.stderr
        started = time.monotonic()
        timed_out = kq("compute", str(v2), "--out", str(out), "--wait", "1")
        assert timed_out.returncode == 1 and "已等待 1 秒" in timed_out.stderr
        assert time.monotonic() - started >= 1
        assert not (out / "runs").exists()
    finally:
        first.kill()


def test_a_waiting_run_goes_on_when_the_first_finishes_and_never_interleaves(tmp_path, versions):
    v1, v2 = versions
    out, ref1, ref2 = tmp_path / "out", tmp_path / "ref1", tmp_path / "ref2"
    assert kq("compute", str(v1), "--out", str(ref1)).returncode == 0
    assert kq("compute", str(v2), "--out", str(ref2)).returncode == 0
    first = Running("compute", str(v1), "--out", str(out), KQCALC_TEST_PAUSE="2@locked")
    first.wait_for("locked")
    second = Running("compute", str(v2), "--out", str(out), "--wait", "120")
    assert first.finish() == 0
    assert second.finish() == 0
    assert_one_whole_run(out)
    previous, current = (out / "previous").resolve(), (out / "current").resolve()
    for name in REPRODUCIBLE:
        assert (previous / name).read_bytes() == (ref1 / name).read_bytes()
        assert (current / name).read_bytes() == (ref2 / name).read_bytes()


def test_two_runs_started_together_both_finish_and_the_folder_holds_one_whole_run(tmp_path, versions):
    v1, v2 = versions
    out = tmp_path / "out"
    runs = [Running("compute", str(v), "--out", str(out), "--wait", "120") for v in (v1, v2)]
    assert [r.finish() for r in runs] == [0, 0]
    assert len(list((out / "runs").iterdir())) == 2
    assert_one_whole_run(out)


def test_the_lock_of_a_killed_run_does_not_block_the_next(tmp_path, versions):
    v1, v2 = versions
    out = tmp_path / "out"
    first = Running("compute", str(v1), "--out", str(out), KQCALC_TEST_PAUSE="60@locked")
    first.wait_for("locked")
    first.kill()
    assert kq("compute", str(v2), "--out", str(out)).returncode == 0
    assert_one_whole_run(out)


# --- 3. reproducibility ----------------------------------------------------------------------------------------


def test_the_same_inputs_give_byte_identical_files_and_only_the_manifest_has_the_time(tmp_path, versions):
    v1, _ = versions
    runner = CliRunner()
    for out in ("a", "b"):
        result = runner.invoke(app, ["compute", str(v1), "--out", str(tmp_path / out), "--formats", "csv"])
        assert result.exit_code == 0, result.output
    for name in REPRODUCIBLE:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    a, b = ((tmp_path / out / "manifest.json").read_bytes() for out in ("a", "b"))
    assert without_clock(a) == without_clock(b)
    for name in REPRODUCIBLE:
        assert b"run_time" not in (tmp_path / "a" / name).read_bytes()


def test_row_order_file_order_and_split_tables_do_not_change_awards_or_summary(tmp_path):
    tables = district(bad_row=True)
    whole = write_tables(tmp_path / "whole", tables)
    shuffled = {name: frame.sample(fraction=1.0, shuffle=True, seed=11) for name, frame in tables.items()}
    part1 = write_tables(tmp_path / "part1", {
        "transactions": shuffled["transactions"].head(1700), "exports_9610": shuffled["exports_9610"].tail(250),
        "stores": shuffled["stores"]})
    part2 = write_tables(tmp_path / "part2", {
        "transactions": shuffled["transactions"].tail(-1700), "exports_9610": shuffled["exports_9610"].head(-250),
        "firms": shuffled["firms"]})
    runner = CliRunner()
    for out, inputs in (("a", [whole]), ("b", [part2, part1])):
        result = runner.invoke(app, ["compute", *map(str, inputs), "--out", str(tmp_path / out), "--formats", "csv"])
        assert result.exit_code == 3, result.output  # the bad row is quarantined
    for name in ("awards.csv", "summary.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # issues.csv names files and rows, which legitimately differ; the problems found are the same.
    def problems(out: str) -> list[tuple[str, ...]]:
        rows = csv.DictReader(io.StringIO((tmp_path / out / "issues.csv").read_text(encoding="utf-8-sig")))
        return sorted((r["table"], r["column"], r["severity"], r["code"]) for r in rows)
    # Splitting a table puts some of its identical (aggregated) rows in two files: SPEC §3 reports that once
    # per pair of files (rows_repeated_across_files) and counts the rows as written; nothing else differs.
    repeated = ("transactions", "", "warning", "rows_repeated_across_files")
    assert problems("a") == [p for p in problems("b") if p != repeated]
    # results.json decides the same lines; only where they came from (file, row) may differ.
    lines = [[line for firm in json.loads((tmp_path / out / "results.json").read_text(encoding="utf-8"))["firms"]
              for line in firm["lines"]] for out in "ab"]
    strip = lambda ls: [{k: v for k, v in ln.items() if k != "detail"} for ln in ls]  # noqa: E731
    assert strip(lines[0]) == strip(lines[1])


# --- 4. the manifest -------------------------------------------------------------------------------------------


def test_the_manifest_accounts_for_every_input_file_and_the_totals(tmp_path):
    inputs = write_tables(tmp_path / "in", district(bad_row=True))
    out = tmp_path / "out"
    result = kq("compute", str(inputs), "--out", str(out), "--formats", "csv")
    assert result.returncode == 3, result.stderr
    run = assert_one_whole_run(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    from kqcalc import __version__
    from kqcalc.policy import load_policy

    assert (manifest["tool"], manifest["version"]) == ("kqcalc", __version__)
    assert manifest["policy"]["id"] == "keqiao-2020" and manifest["policy"]["sha256"] == load_policy().sha256
    assert manifest["period"] == {"start": "2020-07-01", "end": "2021-06-30"}
    assert manifest["run_id"] == run.name and manifest["run_time"]
    files = {Path(f["file"]).name: f for f in manifest["files"]}
    assert set(files) == {"firms.csv", "stores.csv", "transactions.csv", "exports_9610.csv"}
    for name, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((inputs / name).read_bytes()).hexdigest()
        assert entry["rows_read"] == (entry["rows_used"] + entry["rows_excluded"] + entry["rows_merged"]
                                      + entry["rows_quarantined"]), name
    assert files["transactions.csv"]["rows_read"] == 3001 and files["transactions.csv"]["rows_quarantined"] == 1
    assert files["exports_9610.csv"]["rows_merged"] == 1 and files["exports_9610.csv"]["rows_excluded"] > 0
    awards = list(csv.DictReader(io.StringIO((out / "awards.csv").read_text(encoding="utf-8-sig"))))
    for item, total in manifest["totals"]["by_item"].items():
        assert total == f"{sum((Decimal(r['award_rmb']) for r in awards if r['item'] == item), Decimal(0)):.2f}"
    for funding, total in manifest["totals"]["by_funding"].items():
        assert total == f"{sum((Decimal(r['award_rmb']) for r in awards if r['funding'] == funding), Decimal(0)):.2f}"


# --- 5. diff ---------------------------------------------------------------------------------------------------


def test_changing_one_declaration_shows_exactly_that_line_in_diff(tmp_path, versions):
    v1, v2 = versions
    out = tmp_path / "out"
    assert kq("compute", str(v1), "--out", str(out), "--formats", "csv").returncode == 0
    # The same folder, the new content: the rerun a cron job makes after customs data arrive.
    changed = pl.read_csv(v2 / "exports_9610.csv", infer_schema=False)
    changed.write_csv(v1 / "exports_9610.csv")
    assert kq("compute", str(v1), "--out", str(out), "--formats", "csv").returncode == 0
    result = kq("diff", str(out / "previous"), str(out / "current"), "--json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    firm = changed.filter(pl.col("declaration_no") == "D000010")["firm_id"][0]
    assert [(c["firm_id"], c["item"], c["ref"], c["change"]) for c in diff["lines"]] == [(firm, "3A", "", "changed")]
    line = diff["lines"][0]
    assert Decimal(line["award_after"]) != Decimal(line["award_before"])
    assert Decimal(line["award_change"]) == Decimal(line["award_after"]) - Decimal(line["award_before"])
    assert [(Path(f["file"]).name, f["change"]) for f in diff["inputs"]] == [("exports_9610.csv", "changed")]
    before, after = diff["totals"]["before"], diff["totals"]["after"]
    assert Decimal(after["by_item"]["3A"]) - Decimal(before["by_item"]["3A"]) == Decimal(line["award_change"])
    text = kq("diff", str(out / "previous"), str(out / "current"), "--lang", "en")
    assert text.returncode == 0
    assert "Lines whose award or status changed: 1 (1 changed, 0 appeared, 0 disappeared)" in text.stdout
    assert firm in text.stdout
    # `kqcalc diff OUT` alone: the same two runs, in Chinese by default.
    alone = kq("diff", str(out))
    assert alone.returncode == 0
    assert "奖励金额或状态有变化的行：1（金额或状态变化 1，新增 0，消失 0）" in alone.stdout and firm in alone.stdout


# --- 6. exit codes and output for cron -------------------------------------------------------------------------


# A line under --quiet: the local time (ISO 8601 with its offset), the run id, then the text (SPEC §4).
QUIET_LINE = r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d) (\d{8}T\d{6}[+-]\d{4}) (.*)"


def test_a_clean_quiet_run_prints_nothing_and_exits_0(tmp_path):
    inputs = write_tables(tmp_path / "in", district(duplicate=False))
    result = kq("compute", str(inputs), "--out", str(tmp_path / "out"), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_quiet_run_with_a_merged_duplicate_prints_one_stamped_line_counting_it(tmp_path, versions):
    """Rows merged are not silent in a cron log: one line counts the warnings by code."""
    v1, _ = versions
    out = tmp_path / "out"
    result = kq("compute", str(v1), "--out", str(out), "--quiet", TZ="Asia/Shanghai")
    assert (result.returncode, result.stdout) == (0, "")
    [line] = result.stderr.splitlines()
    stamp, run_id, text = re.fullmatch(QUIET_LINE, line).groups()
    assert stamp.endswith("+08:00") and run_id.endswith("+0800")
    assert run_id == (out / "current").resolve().name
    assert text == "警告 1 条：duplicate_merged 1"


def test_without_a_terminal_there_are_no_colours_and_no_progress(tmp_path, versions):
    v1, _ = versions
    result = kq("compute", str(v1), "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    assert "\x1b" not in result.stdout + result.stderr and "\r" not in result.stdout + result.stderr
    usage = kq("compute", str(v1), "--no-such-option")
    assert usage.returncode == 2 and "\x1b" not in usage.stderr


def test_no_color_is_respected_even_when_colours_are_forced(tmp_path):
    usage = kq("compute", "--no-such-option", FORCE_COLOR="1", NO_COLOR="1")
    assert usage.returncode == 2
    assert not any(f"\x1b[{n}" in usage.stderr for n in (*range(30, 38), 38, *range(90, 98)))


def test_quarantined_rows_exit_3_with_the_report_written_and_quiet_prints_the_errors_and_counts_warnings(tmp_path):
    inputs = write_tables(tmp_path / "in", district(bad_row=True))
    out = tmp_path / "out"
    result = kq("compute", str(inputs), "--out", str(out), "--quiet")
    assert result.returncode == 3
    assert result.stdout == ""
    texts = [re.fullmatch(QUIET_LINE, line).group(3) for line in result.stderr.splitlines()]
    # The bad date, then the merged duplicate counted.
    assert len(texts) == 2 and texts[0].startswith("error: bad_date: ") and texts[1] == "警告 1 条：duplicate_merged 1"
    assert_one_whole_run(out)


def test_strict_exits_3_before_writing_anything(tmp_path):
    inputs = write_tables(tmp_path / "in", district(bad_row=True))
    out = tmp_path / "out"
    result = kq("compute", str(inputs), "--out", str(out), "--strict", "--quiet")
    assert result.returncode == 3
    assert not (out / "runs").exists() and not [p for p in RUN_FILES if (out / p).exists()]


def test_a_path_that_does_not_exist_exits_1_and_a_bad_period_exits_2(tmp_path):
    missing = kq("compute", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and missing.stderr.startswith("Error: ")
    assert "Traceback" not in missing.stderr
    period = kq("compute", str(tmp_path / "nowhere"), "--period", "2020-07-01")
    assert period.returncode == 2 and period.stderr.startswith("Error: --period")


def test_an_unexpected_exception_prints_one_line_and_no_local_variables(tmp_path, versions, monkeypatch):
    v1, _ = versions
    secret = "local-value-that-must-not-show"

    def broken(*args, **kwargs):
        password = secret  # noqa: F841 - a local that a pretty traceback would print
        raise RuntimeError("boom")

    monkeypatch.setattr("kqcalc.run.compute", broken)
    result = CliRunner().invoke(app, ["compute", str(v1), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr == "Error: 意外错误：RuntimeError: boom\n"  # --lang zh, the default
    assert secret not in result.output


def test_an_exception_outside_a_command_body_still_prints_one_line(monkeypatch, capsys):
    def broken(**kwargs) -> None:  # called as main() calls the app
        raise ValueError("escaped")

    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.setattr(sys, "argv", ["kqcalc", "compute"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err == "Error: 意外错误：ValueError: escaped（加 --debug 重新运行可查看详情）\n"
    monkeypatch.setattr(sys, "argv", ["kqcalc", "compute", "--lang", "en"])
    with pytest.raises(SystemExit):
        cli.main()
    en = capsys.readouterr().err
    assert en == "Error: unexpected error: ValueError: escaped (run again with --debug for details)\n"
