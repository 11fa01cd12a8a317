"""The lines `compute` and `validate` print about the issues they found (SPEC §4, "What a run prints").

On a terminal (or any run without --quiet) every issue is one line, `severity: code: file:row:column: message`,
but never more than the first CAP lines of one code: the rest of that code is one counting line
("… and 6,324 more unknown_firm; all in issues.csv"). issues.csv keeps them all.

With --quiet (cron) a clean run prints nothing. Otherwise the errors are printed as above (capped the same way,
so a night with 100,000 bad rows does not flood the log) and the warnings are one line counting them by code
("警告 37 条：unknown_firm 30, empty_table 7"), so a log is never empty when rows were dropped, merged or
ignored. Every line under --quiet starts with the local time it was printed (ISO 8601 with its offset) and the
run id: `2021-01-06T02:30:05+08:00 20210106T023005+0800 error: bad_date: …`.

The words of these lines are in kqcalc/words.py (LOG; zh by default, en with --lang en).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from kqcalc import words as L
from kqcalc.issues import ERROR, Issue

CAP = 5  # issue lines of one code shown on the console; the rest are counted

WORDS = L.LOG


def _words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["zh"])


def issue_line(issue: Issue, lang: str = "zh") -> str:
    """One issue as one console line: `severity: code: file:row:column: message`."""
    where = ":".join(str(p) for p in (issue.file, issue.row or "", issue.column) if p != "")
    return f"{issue.severity}: {issue.code}: {where}: {issue.message(lang)}"


def capped_lines(issues: Iterable[Issue], *, lang: str = "zh", written: bool = True, cap: int = CAP) -> list[str]:
    """Each issue's line, at most `cap` of one code (in the given order), then one counting line per capped code.

    `written`: issues.csv was written (compute); otherwise (validate, --strict) the counting line says so.
    """
    shown: Counter[str] = Counter()
    lines = []
    for issue in issues:
        shown[issue.code] += 1
        if shown[issue.code] <= cap:
            lines.append(issue_line(issue, lang))
    w = _words(lang)
    template = w["more"] if written else w["more_unwritten"]
    lines += [template.format(n=f"{n - cap:,}", code=code) for code, n in shown.items() if n > cap]
    return lines


def warning_count_line(issues: Iterable[Issue], lang: str = "zh") -> str | None:
    """One line counting the warnings by code, most frequent first (then by code); None when there are none."""
    counts = Counter(i.code for i in issues if i.severity != ERROR)
    if not counts:
        return None
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{code} {n:,}" for code, n in ordered)
    return _words(lang)["warnings"].format(n=f"{sum(counts.values()):,}", counts=text)


def quiet_lines(issues: list[Issue], *, lang: str = "zh", written: bool = True, cap: int = CAP) -> list[str]:
    """What --quiet prints (before the prefix): the errors, capped by code, and the warnings counted by code."""
    lines = capped_lines([i for i in issues if i.severity == ERROR], lang=lang, written=written, cap=cap)
    warnings = warning_count_line(issues, lang)
    return lines + ([warnings] if warnings else [])


def stamped(run_id: str, clock: Callable[[], datetime]) -> Callable[[str], str]:
    """A function that prefixes a --quiet line with the local time (ISO 8601 with offset) and the run id."""
    return lambda line: f"{clock().isoformat()} {run_id} {line}"
