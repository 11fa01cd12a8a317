"""The run folder: every file of a run is written to a temporary folder beside it, then moved in.

A run killed part-way leaves the previous run's files as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from kqcalc.run import RunResult

RUN_FILES = ("awards.csv", "summary.csv", "issues.csv", "results.json", "manifest.json", "report.xlsx")


def write_run(result: RunResult, folder: Path, *, xlsx: bool = True, lang: str = "zh") -> Path:
    from kqcalc import output

    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kqcalc-tmp-", dir=folder))
    try:
        run_time = datetime.now(UTC).replace(microsecond=0).isoformat()
        files = {
            "awards.csv": output.awards_csv(result),
            "summary.csv": output.summary_csv(result),
            "issues.csv": output.issues_csv(result),
            "results.json": output.results_json(result),
            "manifest.json": output.manifest_json(result, run_time),
        }
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if xlsx:
            from kqcalc.report.xlsx import write_report

            write_report(result, staging / "report.xlsx", lang=lang)
        for name in RUN_FILES:
            if (staging / name).exists():
                os.replace(staging / name, folder / name)
            elif name == "report.xlsx" and (folder / name).exists():
                # A csv-only rerun must not leave an older report beside newer awards.
                (folder / name).unlink()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
