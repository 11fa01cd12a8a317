"""The console side of `kqcalc compute`: a progress display while it runs and a closing summary.

The progress display is drawn only when stderr is a terminal and --quiet is not given (cron and pipes get
no carriage returns and no escape codes — whatever FORCE_COLOR says, since that does not make a pipe a
screen). The summary is plain Rich tables on stderr: top firms, totals by item and by funding, the number
of issues and where the files are.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kqcalc import words as L

if TYPE_CHECKING:
    from kqcalc.run import RunResult

STAGES = ("reading", "cleaning", "items", "rules", "writing")
TOP_FIRMS = 5

WORDS = L.CONSOLE


class StageProgress:
    """A callable for `kqcalc.run.compute(progress=…)`: one bar over the stages, with the stage's name.

    Disabled (a no-op) unless `enabled`; use as a context manager so the display is cleared on exit.
    """

    def __init__(self, console: Any, enabled: bool, lang: str = "zh") -> None:
        self.enabled = enabled
        self.lang = L.lang_of(lang)
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None
        if enabled:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                      console=console, transient=True)

    def __enter__(self) -> StageProgress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task(WORDS[self.lang]["reading"], total=len(STAGES))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, stage: str) -> None:
        if self._progress is None or self._task is None:
            return
        done = STAGES.index(stage) if stage in STAGES else 0
        self._progress.update(self._task, description=WORDS[self.lang].get(stage, stage), completed=done)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def progress_for(console: Any, quiet: bool, lang: str = "zh") -> StageProgress:
    """The progress display when stderr is a terminal and not --quiet; otherwise a silent stand-in."""
    return StageProgress(console, enabled=not quiet and sys.stderr.isatty(), lang=lang)


def print_summary(console: Any, result: RunResult, folder: Path | None, run: Path | None = None,
                  lang: str = "zh", xlsx: bool = True, elapsed: float | None = None, top: int = TOP_FIRMS) -> None:
    """The closing summary: top firms, totals by item and by funding, issues, where the files are."""
    from rich.table import Table
    from rich.text import Text

    from kqcalc.record import frame_totals

    lang = L.lang_of(lang)
    w = WORDS[lang]
    policy = result.policy
    sums = frame_totals(result.lines)
    rows = sorted(sums.by_firm.items(), key=lambda kv: result.ranks[kv[0]])

    firms = Table(title=w["top"].format(n=min(top, len(rows)), firms=len(rows)), title_justify="left",
                  show_edge=False, pad_edge=False)
    firms.add_column(w["rank"], justify="right")
    firms.add_column(w["firm_id"], no_wrap=True)
    firms.add_column(w["firm_name"], overflow="fold")
    firms.add_column(w["total"], justify="right", no_wrap=True)
    for firm_id, firm_sums in rows[:top]:
        firms.add_row(str(result.ranks[firm_id]), firm_id, Text(result.names.get(firm_id, "")),
                      f"{firm_sums[0]:,.2f}")
    console.print(firms)

    paid: dict[str, int] = {}
    for item, award in result.lines.select("item", "award").iter_rows():
        if award > 0:
            paid[item] = paid.get(item, 0) + 1
    by_item = sums.by_item
    items = Table(title=w["by_item"], title_justify="left", show_edge=False, pad_edge=False, show_footer=True)
    items.add_column(w["item"], footer=w["all"])
    items.add_column(w["name"], overflow="fold")
    items.add_column(w["funding"], no_wrap=True)
    items.add_column(w["paid"], justify="right", footer=str(sum(paid.values())))
    total = sums.total
    items.add_column(w["amount"], justify="right", no_wrap=True, footer=f"{total:,.2f}")
    for item, amount in by_item.items():
        items.add_row(item, Text(policy.title(item, lang)), L.funding(policy.funding(item), lang),
                      str(paid.get(item, 0)), f"{amount:,.2f}")
    console.print(items)

    funding = sums.by_funding
    console.print(Text("  ".join(f"{L.funding(k, lang)} {v:,.2f}" for k, v in funding.items())
                       + f"  {w['all']} {total:,.2f}"))
    console.print(Text(w["lines"].format(lines=result.lines.height, firms=len(result.ranks))
                       + L.PUNCT[lang]["sep"]
                       + w["issues"].format(errors=result.errors, warnings=len(result.issues) - result.errors)))
    if folder is not None:
        console.print(Text(w["written"].format(folder=folder) + ("" if xlsx else " " + w["no_xlsx"])),
                      soft_wrap=True)
        if run is not None:
            console.print(Text(w["run"].format(run=run)), soft_wrap=True)
    if elapsed is not None:
        console.print(Text(w["elapsed"].format(seconds=elapsed)))
