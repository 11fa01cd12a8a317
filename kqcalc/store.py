"""The output folder: one immutable folder per run, switched in atomically, under a lock (SPEC §5, §7).

Layout of an output folder (`--out DIR`)::

    DIR/
      .kqcalc.lock             the lock file (fcntl.flock); never deleted
      runs/
        20210105T020000+0800/  one folder per run: awards.csv, summary.csv, issues.csv, manifest.json,
        20210106T020000+0800/  results.json, report.xlsx — written once, never modified
      current  -> runs/20210106T020000+0800  the last complete run
      previous -> runs/20210105T020000+0800  the run before it (what `kqcalc diff DIR` compares with current)
      awards.csv   -> current/awards.csv     the files of SPEC §5, readable as normal files in DIR
      summary.csv  -> current/summary.csv
      …

A run writes every file into a hidden staging folder `runs/.tmp-<id>/`, flushes it to disk, renames the
folder to `runs/<id>/` (one atomic rename), and then replaces the `current` symlink (a new symlink renamed
over the old one: one atomic rename). The top-level files are symlinks through `current`, so that one rename
switches all of them at once: whatever moment a run is killed at, `DIR/awards.csv`, `DIR/summary.csv`,
`DIR/issues.csv` and `DIR/manifest.json` are all the previous run's files or all the new run's. (A reader that
opens them one after another while a run finishes can still straddle the switch; a reader that must see one
run's set resolves `DIR/current` once and reads from that folder — `manifest.json` names the run.)

Only one run writes into an output folder at a time: `output_lock` holds an exclusive `flock` on
`DIR/.kqcalc.lock` for the whole run. The kernel releases it when the process dies, so a killed run never
leaves a stale lock. With the lock held, any staging folder or temporary symlink left by a killed run is
stale and is removed; finished runs beyond the retention limit (`keep`, newest first by run id) are removed
too, except the targets of `current` and `previous`.

Run ids are the local time the run started, with its UTC offset (`20210106T023005+0800`; `-02`, `-03` … for
runs in the same second): what staff read in a log, safe in file names on Linux, macOS and Windows (no `:`).
Runs are ordered by the instant an id names (`run_order`), so a change of time zone, or the UTC ids
(`20210106T023005Z`) of earlier versions, never puts an older run after a newer one.

Test hook (for tests only; tests/test_cron.py uses it to kill a run at a known moment): when the environment
variable KQCALC_TEST_PAUSE is set to `SECONDS` or `SECONDS@STAGE`, the run prints `kqcalc-test-pause: <stage>`
to stderr at each stage and sleeps SECONDS there (only at STAGE when one is named). The stages, in order:
`locked` (lock taken, nothing read yet), `awards.csv`, `summary.csv`, `issues.csv`, `results.json`,
`manifest.json`, `report.xlsx` (each written into the staging folder), `staged` (run folder renamed into
runs/), `switched` (`current` points at the new run; top-level links and pruning not done yet).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kqcalc.errors import InputError, KqcalcError, LockedError

if TYPE_CHECKING:
    from kqcalc.run import RunResult

RUN_FILES = ("awards.csv", "summary.csv", "issues.csv", "results.json", "manifest.json", "report.xlsx")
RUNS = "runs"
CURRENT = "current"
PREVIOUS = "previous"
LOCK_FILE = ".kqcalc.lock"
STAGING_PREFIX = ".tmp-"
LINK_TMP_MARK = ".tmp-"
LEGACY_STAGING_PREFIX = ".kqcalc-tmp-"  # the staging folders of kqcalc 0.1's write_run
DEFAULT_KEEP = 10
TEST_PAUSE_ENV = "KQCALC_TEST_PAUSE"

_held: set[Path] = set()  # output folders whose lock this process holds


def _pause(stage: str) -> None:
    """The test hook (see the module docstring); a no-op unless KQCALC_TEST_PAUSE is set."""
    value = os.environ.get(TEST_PAUSE_ENV)
    if not value:
        return
    print(f"kqcalc-test-pause: {stage}", file=sys.stderr, flush=True)
    seconds, _, at = value.partition("@")
    if not at or at == stage:
        time.sleep(float(seconds))


def _key(folder: Path) -> Path:
    return folder.resolve()


@contextmanager
def output_lock(folder: Path, wait: float = 0.0, on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the output folder's lock for the block; wait up to `wait` seconds for another run to finish.

    Raises LockedError (exit 1) when the folder is still held after `wait` seconds. `on_wait` is called once,
    with what the lock file says of its holder, when the lock is busy and the run is going to wait for it.
    """
    import fcntl

    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise KqcalcError("output_unusable", folder=folder, detail=exc.strerror or exc) from None
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                if left > 0 and on_wait is not None:
                    on_wait(holder)
                    on_wait = None
                if left <= 0:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                    code = "output_locked_waited" if wait > 0 else "output_locked"
                    raise LockedError(code, folder=folder, holder=holder or "?", wait=f"{wait:g}") from None
                time.sleep(min(0.1, left))
        # Who holds the lock, for the message a second run prints; informational only.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {local_now().isoformat()}\n".encode(), 0)
        _held.add(_key(folder))
        _pause("locked")
        try:
            yield folder
        finally:
            _held.discard(_key(folder))
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def local_now() -> datetime:
    """Now, in the machine's local time zone with its offset, to the second: every time shown to people."""
    return datetime.now().astimezone().replace(microsecond=0)


def run_id_for(when: datetime) -> str:
    """The run id of a run started at `when` (an aware time): `20210106T023005+0800`."""
    return when.strftime("%Y%m%dT%H%M%S%z")


_RUN_ID = re.compile(r"(\d{8}T\d{6})(Z|[+-]\d{4})(?:-(\d+))?")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def run_order(name: str) -> tuple[datetime, int, str]:
    """Sort key of a run folder's name: the instant its id names, then the same-second counter.

    A name that is no run id sorts first (so retention removes it before any run).
    """
    match = _RUN_ID.fullmatch(name)
    if not match:
        return (_EARLIEST, 0, name)
    stamp, zone, n = match.groups()
    when = datetime.strptime(stamp + ("+0000" if zone == "Z" else zone), "%Y%m%dT%H%M%S%z")
    return (when.astimezone(UTC), int(n or 1), name)


def write_run(result: RunResult, folder: Path, *, xlsx: bool = True, lang: str = "zh",
              keep: int | None = None, wait: float = 0.0, started: datetime | None = None) -> Path:
    """Write one run into `folder` (see the module docstring); return the new run's own folder.

    Takes the folder's lock unless this process already holds it (the CLI holds it for the whole run).
    `keep`: how many finished runs to keep under runs/ (default DEFAULT_KEEP). `started`: the local time the
    run started (its run id and the manifest's run_time; default now).
    """
    keep = DEFAULT_KEEP if keep is None else keep
    if _key(folder) in _held:
        return _write(result, folder, xlsx=xlsx, lang=lang, keep=keep, started=started)
    with output_lock(folder, wait):
        return _write(result, folder, xlsx=xlsx, lang=lang, keep=keep, started=started)


def _write(result: RunResult, folder: Path, *, xlsx: bool, lang: str, keep: int,
           started: datetime | None = None) -> Path:
    from kqcalc import output
    from kqcalc.record import build_record, manifest_json, results_json_parts

    runs = folder / RUNS
    runs.mkdir(exist_ok=True)
    clean_stale(folder)
    now = started or local_now()
    run_id = _new_run_id(runs, now)
    staging = runs / f"{STAGING_PREFIX}{run_id}"
    staging.mkdir()
    record = build_record(result, now.isoformat())  # the run's time, passed in: no writer reads a file back
    files = {
        "awards.csv": lambda: output.awards_csv(record),
        "summary.csv": lambda: output.summary_csv(record),
        "issues.csv": lambda: output.issues_csv(record, lang),
        "results.json": lambda: results_json_parts(record),
        "manifest.json": lambda: manifest_json(record, run_id),
    }
    for name, render in files.items():
        _write_file(staging / name, render())
        _pause(name)
    if xlsx:
        from kqcalc import words as L
        from kqcalc.policy.params import parameter_rows
        from kqcalc.report.xlsx import write_report

        write_report(result, record, staging / "report.xlsx", lang=lang,
                     parameters=parameter_rows(result.policy, L.lang_of(lang)))
        _fsync_file(staging / "report.xlsx")
        _pause("report.xlsx")
    _fsync_dir(staging)
    final = runs / run_id
    os.rename(staging, final)
    _fsync_dir(runs)
    _pause("staged")
    old = _link_target(folder / CURRENT)
    if old and old != f"{RUNS}/{run_id}":
        _symlink(folder / PREVIOUS, old)
    _symlink(folder / CURRENT, f"{RUNS}/{run_id}")
    _fsync_dir(folder)
    _pause("switched")
    _expose(folder, final)
    prune(folder, keep)
    return final


def _expose(folder: Path, run: Path) -> None:
    """Make DIR/<file> a symlink to current/<file> for each file of the run; drop links to files it lacks.

    The links never change once made, so this step is idempotent: a run killed here leaves links that already
    point through `current`. A regular file in their place (written by kqcalc 0.1) is replaced.
    """
    for name in RUN_FILES:
        top = folder / name
        target = f"{CURRENT}/{name}"
        if (run / name).exists():
            if _link_target(top) != target:
                _symlink(top, target)
        elif top.is_symlink() or top.is_file():
            # A csv-only rerun must not leave an older report beside newer awards.
            top.unlink()


def _new_run_id(runs: Path, now: datetime) -> str:
    """The local time of the run with its offset (run_id_for), with -02, -03 … for runs in the same second."""
    base = run_id_for(now)
    run_id, n = base, 1
    while (runs / run_id).exists() or (runs / f"{STAGING_PREFIX}{run_id}").exists():
        n += 1
        run_id = f"{base}-{n:02d}"
    return run_id


def _write_file(path: Path, data: bytes | Iterable[bytes]) -> None:
    with open(path, "wb") as handle:
        if isinstance(data, bytes):
            handle.write(data)
        else:
            for part in data:
                handle.write(part)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename durable across a power cut (a kill alone does not need it)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _link_target(path: Path) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _symlink(path: Path, target: str) -> None:
    """Point `path` at `target` atomically: a new symlink under a temporary name, renamed over the old one."""
    tmp = path.with_name(f".{path.name}{LINK_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    os.symlink(target, tmp)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise KqcalcError("cannot_replace", path=path, detail=exc.strerror or exc) from None


def clean_stale(folder: Path) -> list[Path]:
    """Remove what a killed run left behind: staging folders and temporary symlinks. Call with the lock held."""
    removed = []
    runs = folder / RUNS
    candidates = list(runs.glob(f"{STAGING_PREFIX}*")) if runs.is_dir() else []
    candidates += [p for p in folder.glob(f".*{LINK_TMP_MARK}*") if p.is_symlink()]
    candidates += [p for p in folder.glob(f"{LEGACY_STAGING_PREFIX}*") if p.is_dir() and not p.is_symlink()]
    for path in candidates:
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def list_runs(folder: Path) -> list[Path]:
    """The finished runs in an output folder, oldest first (by run id, i.e. by time)."""
    runs = folder / RUNS
    if not runs.is_dir():
        return []
    return sorted((p for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: run_order(p.name))


def prune(folder: Path, keep: int) -> list[Path]:
    """Keep the `keep` newest runs (at least 1) and the targets of `current` and `previous`; remove the rest.

    A run is first renamed to a staging name, so a kill during the removal leaves no half-deleted run in `runs/`.
    """
    protected = {_link_target(folder / name) for name in (CURRENT, PREVIOUS)}
    runs = list_runs(folder)
    removed = []
    for run in runs[: max(len(runs) - max(keep, 1), 0)]:
        if f"{RUNS}/{run.name}" in protected:
            continue
        doomed = run.with_name(f"{STAGING_PREFIX}delete-{run.name}")
        os.rename(run, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        removed.append(run)
    return removed


def resolve_run(path: Path) -> Path:
    """A run folder from what the user names: a run folder itself, or an output folder (its current run)."""
    path = Path(path)
    if not path.exists():
        raise InputError("run_folder_missing", path=path)
    if (path / CURRENT).is_dir():
        # Resolve `current` once, so that results.json and manifest.json are read from the same run.
        path = (path / CURRENT).resolve()
    if not (path / "results.json").is_file():
        raise InputError("not_a_run", path=path)
    return path.resolve()


def latest_run(root: Path) -> Path | None:
    """The most recent run among the output folders under `root` (e.g. ./kqcalc-out), or `root` itself."""
    best: tuple[datetime, Path] | None = None
    for candidate in [root, *sorted(p for p in root.iterdir() if p.is_dir())] if root.is_dir() else []:
        try:
            run = resolve_run(candidate)
            text = json.loads((run / "manifest.json").read_text(encoding="utf-8")).get("run_time") or ""
            # Compared as instants: run times carry their UTC offset (local time; UTC before kqcalc 0.2).
            stamp = datetime.fromisoformat(text).astimezone(UTC) if text else _EARLIEST
        except (KqcalcError, OSError, ValueError, TypeError):
            continue
        if best is None or stamp > best[0]:
            best = (stamp, run)
    return best[1] if best else None
