"""The bench's table logic (kqcalc/tools/bench.py): ratios against targets, the Markdown table, and the DuckDB peer
reading a Parquet folder as it reads the CSV one. Nothing here is timed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kqcalc.tools import bench
from kqcalc.tools.sample import generate


def test_ratio_against_a_target_met_at_or_under_it() -> None:
    # 4.77 s against the peer's 1.80 s is 2.65 ×, above SPEC's 1.0 ×; 2.5 × the read exactly meets ≤ 2.5 ×.
    assert bench.ratio(4.77, 1.80, 1.0) == "2.65 × (target ≤ 1: NO)"
    assert bench.ratio(1.875, 0.75, 2.5) == "2.50 × (target ≤ 2.5: yes)"
    assert bench.ratio(1.3, 1.0) == "1.30 ×"
    assert bench.ratio(1.0, 0.0, 1.0) == "n/a"


def test_ratio_strictly_below_for_whatif() -> None:
    # whatif must cost less than the two computes it replaces: equal is not enough.
    assert bench.ratio(6.0, 6.0, 1.0, below=True) == "1.00 × (target < 1: NO)"
    assert bench.ratio(4.5, 6.0, 1.0, below=True) == "0.75 × (target < 1: yes)"


def test_absolute_limits() -> None:
    assert bench.under(0.29, 0.3, "s") == "target < 0.3 s: yes"
    assert bench.under(0.3, 0.3, "s") == "target < 0.3 s: NO"
    assert bench.under(1024, 1024, "MiB") == "target < 1,024 MiB: NO"


def test_markdown_table_pads_every_column_to_its_widest_cell() -> None:
    lines = bench.table([("kqcalc --help", "0.21 s", "", "target < 0.3 s: yes")])
    assert lines == [
        "| measure       | kqcalc | baseline | ratio / target      |",
        "| ------------- | ------ | -------- | ------------------- |",
        "| kqcalc --help | 0.21 s |          | target < 0.3 s: yes |",
    ]


def test_ten_times_rows_show_growth_over_one_times() -> None:
    x1 = {k: bench.Measured(s, s, 100) for k, s in (("compute", 4.0), ("read", 1.0), ("peer", 2.0))}
    x10 = {k: bench.Measured(s, s, 1000) for k, s in (("compute", 48.0), ("read", 10.0), ("peer", 20.0))}
    rows = bench._format_rows("csv", 10, x10, x1)
    growth = {r[0]: r[3] for r in rows if r[0].startswith("time ×10")}
    assert growth["time ×10 / ×1, compute, csv"] == "12.0 (linear: 10)"
    assert growth["time ×10 / ×1, peer, csv"] == "10.0 (linear: 10)"
    memory = next(r for r in rows if r[0].startswith("peak memory"))
    assert memory[3] == "target < 1,536 MiB: yes"  # SPEC §6: under 1.5 GB at 10 ×


def test_peer_reads_a_parquet_folder_as_its_csv_twin(tmp_path) -> None:  # noqa: ANN001
    pytest.importorskip("duckdb")
    awards = {}
    for fmt in ("csv", "parquet"):
        folder = tmp_path / fmt
        generate(folder, seed=7, firms=200, transactions=5000, declarations=5000, logistics=5000, fmt=fmt)
        out = tmp_path / f"peer-{fmt}.csv"
        subprocess.run(bench._peer(sys.executable, bench.PEER, folder, fmt, out), check=True)
        awards[fmt] = out.read_text(encoding="utf-8")
    assert awards["csv"].count("\n") > 50  # the core's firms earn 1A–3B lines
    assert awards["parquet"] == awards["csv"]
