"""`make bench`: the figures of SPEC §6, measured side by side with their baselines, as ratios.

    python -m kqcalc.tools.bench [--formats csv,parquet,xlsx] [--ten] [--runs 3] [--data bench-data]
                                 [--skip-generate] [--peer bench/duckdb_peer.py] [--no-extras]

Data: a seeded district-year written once with `kqcalc sample` (seed 7) and cached under --data as x1-csv,
x1-parquet and x1-xlsx (workbooks of 200,000-row sheets; about 5 minutes to write): 20,000 firms and 1,000,000
rows each of transactions, 9610 declarations and logistics. With --ten also x10-csv and x10-parquet (200,000
firms, 10,000,000 rows per big table; a few minutes each to write). A folder is used once it holds `.complete`.

Every measurement is one fresh process, as a user or cron would run it; the commands of one format take turns
(run 1 of each, then run 2 of each, …) so that drifts of the machine hit all of them alike; a time is the median
of --runs wall times, memory the largest peak resident set (`/usr/bin/time -v`). Rows, with SPEC §6's targets:

- `kqcalc compute --formats csv` against the DuckDB peer (bench/duckdb_peer.py: items 1A–3B in plain SQL, no
  validation) on the same folder (≤ 1.0 ×), and against Polars' typed read: `pl.read_csv` of every table with
  Polars' own type inference (`pl.read_parquet` on Parquet, `fastexcel` on workbooks, every sheet) (≤ 2.5 ×);
  on workbooks the target is SPEC's ≤ 1.3 × the bare fastexcel read. On Parquet the peer reads the same files
  through views that give every column as the text its CSV holds (booleans as 是/否), its SQL otherwise unchanged.
- CPU time (user + system) of compute and of the peer: on a shared machine it moves less than wall time.
- Peak memory of compute, the peer and the typed read (compute < 1 GB at ×1, < 1.5 GB at ×10).
- report.xlsx (CSV, ×1): the wall time of `compute --formats csv,xlsx` minus that of `compute --formats csv`
  (both in the same alternation; what the report adds to a run, xlsxwriter's import included), against Polars'
  `write_excel` of the same sheets and rows: every sheet of that run's report.xlsx read back with fastexcel
  (from its header row down, fastexcel's types; untimed) and written by Polars into one workbook in a fresh
  process, which times itself from `import xlsxwriter` to the closed file (≤ 1.0 ×).
- `kqcalc whatif` (a 3A rate and an item-2 tier changed; `--json`, and `--out` writing whatif.csv and
  whatif.xlsx) against two `compute --formats csv` (< 1 ×), CSV and Parquet at ×1.
- `kqcalc --help` and `kqcalc explain FIRM --run` on the stored ×1 run (< 0.3 s each; --no-extras skips them).
- ×10 (--ten): compute, peer and typed read on CSV and Parquet, time and peak memory; the time's growth over
  ×1 (linear: 10).

The table is printed in Markdown with the command that produced it, ready for the README. Item codes appear
here only as the peer's scope in a label.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

FIRMS = 20_000
ROWS = 1_000_000
SHEET_ROWS = 200_000
MIB_1GB = 1024  # SPEC §6: compute's peak under 1 GB at district size …
MIB_15GB = 1536  # … and under 1.5 GB at 10 ×
PEER = Path(__file__).resolve().parents[2] / "bench" / "duckdb_peer.py"

# Polars' typed read: every table of the folder, with Polars' own types (inferred from CSV text), nothing else.
TYPED_READ = {
    "csv": "import sys, polars as pl\nfor path in sys.argv[1:]:\n    pl.read_csv(path)\n",
    "parquet": "import sys, polars as pl\nfor path in sys.argv[1:]:\n    pl.read_parquet(path)\n",
    "xlsx": """
import sys, fastexcel
for path in sys.argv[1:]:
    reader = fastexcel.read_excel(path)
    for name in reader.sheet_names:
        reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
""",
}
BASELINE_NAME = {"csv": "Polars typed read", "parquet": "Polars read_parquet", "xlsx": "bare fastexcel read"}

# The peer on a Parquet folder: its own SQL, each `read_csv('{d}/NAME.csv', all_varchar=true)` replaced by a view
# over NAME.parquet giving every column as its CSV text (booleans as 是/否), on the connection the peer opens.
PEER_PARQUET = r"""
import re, sys, duckdb
peer, folder, out = sys.argv[1:4]
source = open(peer, encoding="utf-8").read()
con = duckdb.connect()
for name in sorted(set(re.findall(r"read_csv\('\{d\}/(\w+)\.csv', all_varchar=true\)", source))):
    path = f"{folder}/{name}.parquet"
    columns = con.execute(f"describe select * from read_parquet('{path}')").fetchall()
    cells = ", ".join(f"case when \"{c}\" then '是' when not \"{c}\" then '否' end as \"{c}\"" if kind == "BOOLEAN"
                      else f"\"{c}\"::varchar as \"{c}\"" for c, kind, *_ in columns)
    con.execute(f"create view pq_{name} as select {cells} from read_parquet('{path}')")
source = re.sub(r"read_csv\('\{d\}/(\w+)\.csv', all_varchar=true\)", r"pq_\1", source)
duckdb.connect = lambda *args, **kwargs: con
sys.argv = [peer, folder, out]
exec(compile(source, peer, "exec"), {"__name__": "__main__"})
"""

# Polars' write_excel of the report's sheets (frames read back from report.xlsx, stored as Parquet beforehand):
# prints its own seconds, from importing xlsxwriter to the closed workbook.
WRITE_EXCEL = """
import sys, time, polars as pl
frames = [(p.rsplit("/", 1)[-1][4:-8], pl.read_parquet(p)) for p in sys.argv[2:]]
start = time.perf_counter()
import xlsxwriter
with xlsxwriter.Workbook(sys.argv[1]) as book:
    for name, frame in frames:
        frame.write_excel(workbook=book, worksheet=name)
print(time.perf_counter() - start)
"""

# The reform `whatif` is timed with: the issue's own question (3A at 0.02 yuan per dollar, item 2's first tier raised).
WHATIF_REFORM = ["--set", "items.3A.rmb_per_usd=0.02", "--set", "items.2.tiers.0.amount_rmb=60000"]


@dataclass
class Measured:
    seconds: float  # median wall time (or of the seconds the process printed, for a self-timed one)
    cpu: float  # median user + system CPU time
    mib: int  # largest peak resident memory


def _generate(data: Path, fmt: str, scale: int, skip: bool = False) -> Path:
    folder = data / f"x{scale}-{fmt}"
    if (folder / ".complete").exists():
        return folder
    if skip:
        raise SystemExit(f"--skip-generate: {folder} holds no complete benchmark data (generate it without the flag)")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    args = [sys.executable, "-m", "kqcalc", "sample", str(folder), "--seed", "7", "--firms", str(FIRMS * scale),
            "--transactions", str(ROWS * scale), "--declarations", str(ROWS * scale),
            "--logistics", str(ROWS * scale), "--format", fmt]
    if fmt == "xlsx":
        args += ["--sheet-rows", str(SHEET_ROWS)]
    print(f"generating {folder} …", file=sys.stderr, flush=True)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    (folder / ".complete").touch()
    return folder


def _timed(args: list[str], self_timed: bool = False) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak resident memory (MiB) of one fresh process.

    A self-timed process prints its own seconds as its last line of output; that figure replaces the wall time."""
    wrapped = ["/usr/bin/time", "-v", *args] if Path("/usr/bin/time").exists() else args
    start = time.perf_counter()
    done = subprocess.run(wrapped, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 3):
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    if self_timed:
        seconds = float(done.stdout.split()[-1])

    def field(label: str) -> float | None:
        match = re.search(rf"{re.escape(label)}: ([0-9.]+)", done.stderr)
        return float(match.group(1)) if match else None

    user, system = field("User time (seconds)"), field("System time (seconds)")
    kib = field("Maximum resident set size (kbytes)")
    cpu = (user or 0.0) + (system or 0.0) if user is not None else float("nan")
    return seconds, cpu, int(kib) // 1024 if kib is not None else -1


def _alternate(runs: int, commands: dict[str, list[str]], self_timed: frozenset[str] = frozenset()
               ) -> dict[str, Measured]:
    """Median wall and CPU seconds and the largest peak memory of each command, the commands taking turns."""
    times: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    memory: dict[str, int] = {k: 0 for k in commands}
    for i in range(runs):
        for name, args in commands.items():
            print(f"  run {i + 1}/{runs}: {name} …", file=sys.stderr, flush=True)
            seconds, cpu, mib = _timed(args, name in self_timed)
            times[name].append(seconds)
            cpus[name].append(cpu)
            memory[name] = max(memory[name], mib)
    return {k: Measured(statistics.median(times[k]), statistics.median(cpus[k]), memory[k]) for k in commands}


def ratio(value: float, base: float, target: float | None = None, below: bool = False) -> str:
    """`value / base` as '2.65 ×', with the target and whether it is met: '(target ≤ 1.0: no)'.

    A target is met at or under it (`below`: strictly under it)."""
    if base <= 0:
        return "n/a"
    r = value / base
    text = f"{r:.2f} ×"
    if target is None:
        return text
    met = r < target if below else r <= target
    return f"{text} (target {'<' if below else '≤'} {target:g}: {'yes' if met else 'NO'})"


def under(value: float, limit: float, unit: str) -> str:
    """'target < 0.3 s: yes' — a figure against an absolute limit (strictly under it)."""
    return f"target < {limit:,g} {unit}: {'yes' if value < limit else 'NO'}"


def table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    """The rows as a Markdown table (measure, kqcalc, baseline, ratio / target), columns padded to one width."""
    header = ("measure", "kqcalc", "baseline", "ratio / target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    return ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
            for row in [header, tuple("-" * w for w in widths), *rows]]


def _files(folder: Path, fmt: str) -> list[str]:
    return sorted(str(p) for p in folder.glob(f"*.{fmt}"))


def _sheets_as_parquet(report: Path, into: Path) -> list[str]:
    """Every worksheet of report.xlsx as a frame (its table from the header row down, fastexcel's types), stored as
    Parquet for the write_excel baseline; file names keep the sheet order and name (NNN-<sheet>.parquet)."""
    import fastexcel
    import polars as pl

    into.mkdir(parents=True, exist_ok=True)
    reader = fastexcel.read_excel(report)
    paths = []
    for i, name in enumerate(reader.sheet_names):
        try:
            text = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
        except Exception:  # noqa: BLE001 - a chart sheet holds no cells
            continue
        if text.height == 0:
            continue
        filled = text.select(pl.sum_horizontal(pl.col(c).is_not_null().cast(pl.Int32) for c in text.columns))
        header = int(filled.to_series().arg_max() or 0)  # the first fullest row: the table's header
        frame = reader.load_sheet(name, header_row=header).to_polars()
        path = into / f"{i:03d}-{name}.parquet"
        frame.write_parquet(path)
        paths.append(str(path))
    return paths


def _compute(python: str, folder: Path, out: Path, formats: str = "csv") -> list[str]:
    return [python, "-m", "kqcalc", "compute", str(folder), "--formats", formats, "--out", str(out), "--quiet"]


def _peer(python: str, peer: Path, folder: Path, fmt: str, out: Path) -> list[str]:
    if fmt == "csv":
        return [python, str(peer), str(folder), str(out)]
    return [python, "-c", PEER_PARQUET, str(peer), str(folder), str(out)]


def _stored_run(out: Path) -> Path:
    """The run folder a compute wrote under --out (the one holding summary.csv)."""
    return next(p.parent for p in sorted(out.rglob("summary.csv")))


def _format_rows(fmt: str, scale: int, r: dict[str, Measured], x1: dict[str, Measured] | None
                 ) -> list[tuple[str, str, str, str]]:
    run, read = r["compute"], r["read"]
    tag = f"{fmt}, ×{scale}"
    district = scale == 1
    rows = []
    if "peer" in r:
        peer = r["peer"]
        target = 1.0 if district and fmt == "csv" else None  # SPEC §6 sets the peer ratio on CSV
        rows.append((f"compute / DuckDB peer (1A–3B, no checks), {tag}", f"{run.seconds:.2f} s",
                     f"{peer.seconds:.2f} s (peer)", ratio(run.seconds, peer.seconds, target)))
    target = {"csv": 2.5, "xlsx": 1.3}.get(fmt) if district else None
    rows.append((f"compute / {BASELINE_NAME[fmt]}, {tag}", f"{run.seconds:.2f} s", f"{read.seconds:.2f} s",
                 ratio(run.seconds, read.seconds, target)))
    if "peer" in r:
        rows.append((f"CPU time (user + sys) / peer's, {tag}", f"{run.cpu:.2f} s", f"{r['peer'].cpu:.2f} s",
                     ratio(run.cpu, r["peer"].cpu)))
    limit = MIB_1GB if district else MIB_15GB
    others = [f"peer {r['peer'].mib:,} MiB"] if "peer" in r else []
    rows.append((f"peak memory, {tag}", f"{run.mib:,} MiB", ", ".join([*others, f"read {read.mib:,} MiB"]),
                 under(run.mib, limit, "MiB")))
    if x1 is not None:  # the 10 × run beside the 1 × one: linear growth is 10
        for key, what in (("compute", "compute"), ("peer", "peer"), ("read", BASELINE_NAME[fmt])):
            if key in r and key in x1:
                rows.append((f"time ×{scale} / ×1, {what}, {fmt}", f"{r[key].seconds:.2f} s",
                             f"{x1[key].seconds:.2f} s (×1)", f"{r[key].seconds / x1[key].seconds:.1f} (linear: "
                             f"{scale})"))
    if "report" in r:
        report = r["report"].seconds - run.seconds
        rows.append((f"report.xlsx (compute csv,xlsx − csv) / Polars write_excel, {tag}", f"{report:.2f} s",
                     f"{r['write_excel'].seconds:.2f} s", ratio(report, r["write_excel"].seconds, 1.0)))
    for key, what in (("whatif", "--json"), ("whatif_out", "--out: whatif.csv, whatif.xlsx")):
        if key in r:
            rows.append((f"whatif ({what}) / 2 × compute, {tag}", f"{r[key].seconds:.2f} s",
                         f"{2 * run.seconds:.2f} s", ratio(r[key].seconds, 2 * run.seconds, 1.0, below=True)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--formats", default="csv,parquet,xlsx", help="the ×1 formats (×10: csv and parquet)")
    parser.add_argument("--ten", action="store_true", help="also the ×10 runs on CSV and Parquet (200,000 firms, "
                        "10,000,000 rows per big table; about 10 minutes a format at 3 runs, more to generate)")
    parser.add_argument("--only-ten", action="store_true", help="the ×10 runs alone (no ×1 rows)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path("bench-data"))
    parser.add_argument("--peer", type=Path, default=PEER, help="the DuckDB peer script")
    parser.add_argument("--skip-generate", action="store_true", help="use the data under --data as it is; "
                        "stop if some is missing instead of generating it")
    parser.add_argument("--no-extras", action="store_true", help="no report, whatif, --help or explain rows")
    opts = parser.parse_args(argv)
    load = _load()
    python = sys.executable
    formats = [f.strip().lower() for f in opts.formats.split(",") if f.strip()]
    plan = [] if opts.only_ten else [(1, f) for f in formats]
    if opts.ten or opts.only_ten:
        plan += [(10, f) for f in ("csv", "parquet")]
    rows: list[tuple[str, str, str, str]] = []
    out_root = Path(tempfile.mkdtemp(prefix="kqcalc-bench-"))
    measured: dict[tuple[int, str], dict[str, Measured]] = {}
    stored_run = None
    try:
        for scale, fmt in plan:
            print(f"×{scale} {fmt}", file=sys.stderr, flush=True)
            folder = _generate(opts.data, fmt, scale, opts.skip_generate)
            out = out_root / f"x{scale}-{fmt}"
            commands = {"compute": _compute(python, folder, out),
                        "read": [python, "-c", TYPED_READ[fmt], *_files(folder, fmt)]}
            if fmt != "xlsx":
                commands["peer"] = _peer(python, opts.peer, folder, fmt, out_root / f"peer-x{scale}-{fmt}.csv")
            self_timed = frozenset()
            if scale == 1 and fmt != "xlsx" and not opts.no_extras:
                if fmt == "csv":
                    report_out = out_root / "report"
                    subprocess.run(_compute(python, folder, report_out, "csv,xlsx"), check=False, capture_output=True)
                    sheets = _sheets_as_parquet(_stored_run(report_out) / "report.xlsx", out_root / "sheets")
                    commands["report"] = _compute(python, folder, report_out, "csv,xlsx")
                    commands["write_excel"] = [python, "-c", WRITE_EXCEL, str(out_root / "polars.xlsx"), *sheets]
                    self_timed = frozenset({"write_excel"})
                commands["whatif"] = [python, "-m", "kqcalc", "whatif", str(folder), *WHATIF_REFORM, "--json"]
                commands["whatif_out"] = [python, "-m", "kqcalc", "whatif", str(folder), *WHATIF_REFORM, "--out",
                                          str(out_root / f"whatif-{fmt}")]
            measured[scale, fmt] = _alternate(opts.runs, commands, self_timed)
            rows += _format_rows(fmt, scale, measured[scale, fmt], measured.get((1, fmt)) if scale > 1 else None)
            if scale == 1 and stored_run is None:
                stored_run = _stored_run(out)
        if not opts.no_extras:
            help_time = _alternate(opts.runs, {"help": [python, "-m", "kqcalc", "--help"]})["help"].seconds
            rows.append(("kqcalc --help", f"{help_time:.2f} s", "", under(help_time, 0.3, "s")))
            if stored_run is not None:
                firm = _first_firm(stored_run)
                explain = _alternate(opts.runs, {"explain": [python, "-m", "kqcalc", "explain", firm, "--run",
                                                             str(stored_run)]})["explain"].seconds
                rows.append((f"kqcalc explain FIRM --run (the stored ×1 {plan[0][1]} run)",
                             f"{explain:.2f} s", "", under(explain, 0.3, "s")))
    finally:
        shutil.rmtree(out_root, ignore_errors=True)
    command = " ".join(["python -m kqcalc.tools.bench", *(argv if argv is not None else sys.argv[1:])])
    scales = sorted({s for s, _ in plan})
    print(f"\n`{command}`: scale {', '.join(f'×{s}' for s in scales)} ({FIRMS:,} firms and {ROWS:,} rows per big "
          f"table at ×1; data in {opts.data}), median of {opts.runs} alternating runs, {os.cpu_count()} CPUs, "
          f"load average before the runs {load}\n")
    print("\n".join(table(rows)))
    return 0


def _first_firm(run: Path) -> str:
    import csv

    with (run / "summary.csv").open(encoding="utf-8-sig") as f:
        return next(csv.DictReader(f))["firm_id"]


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
