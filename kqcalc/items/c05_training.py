"""Clause 五 — item 5 (cross-border e-commerce training by social institutions).

五、支持社会机构开展跨境电商专业培训。支持社会培训机构（含高校）开设跨境电商培训项目，每期培训不少于3天或24个课时，
且每班不少于15人，培训项目经区商务局认定后，按照100元/人·天（或8课时）的标准给予扶持，每个培训机构扶持资金不超过24万元。

A session counts when it is recognized, lasts the minimum days or the minimum class hours, and has the minimum
trainees. Pay per trainee per day-equivalent, where day-equivalents = days, or class_hours / 8 when days is
blank, or the smaller of the two when both are given; summed per institution, capped. Sessions count in the
period they start.
"""

from __future__ import annotations

from decimal import Decimal

from kqcalc import words as W
from kqcalc.lines import Context, LeftOut, Line, exact, kept, plain

ITEMS = ("5",)

# The policy numbers read (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {
    "5": {"min_days": Decimal, "min_class_hours": Decimal, "class_hours_per_day": Decimal, "min_trainees": int,
          "rmb_per_trainee_day": Decimal, "cap_rmb": Decimal},
}

# The rows read, and those left out (the manifest's excluded-by-rule counts and explain's reasons come from this
# declaration): sessions that start outside the period.
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "trainings": (LeftOut("outside_period", lambda period: ~period.contains("started_on")),),
}


def _day_equivalents(days: Decimal | None, hours: Decimal | None, hours_per_day: Decimal) -> Decimal:
    by_hours = None if hours is None else hours / hours_per_day
    if days is None:
        return by_hours or Decimal(0)
    return days if by_hours is None else min(days, by_hours)


def lines(ctx: Context) -> list[Line]:
    rows = kept(ctx.tables["trainings"], ROWS["trainings"], ctx.period)
    if rows.height == 0:
        return []
    min_days = exact(ctx.param("5", "min_days"))
    min_hours = exact(ctx.param("5", "min_class_hours"))
    hours_per_day = exact(ctx.param("5", "class_hours_per_day"))
    min_trainees = ctx.param("5", "min_trainees")
    rate = exact(ctx.param("5", "rmb_per_trainee_day"))
    cap = exact(ctx.param("5", "cap_rmb"))
    by_institution: dict[str, list[tuple]] = {}
    for values in rows.sort("institution_id", "session_id__key").select(
        "institution_id", "session_id", "days", "class_hours", "trainees", "recognized", "_file", "_row"
    ).iter_rows():
        by_institution.setdefault(values[0], []).append(values[1:])
    out = []
    for institution, group in by_institution.items():  # sorted by institution_id
        person_days = Decimal(0)
        sessions = []
        files: dict[str, int] = {}
        for session_id, days, hours, trainees, recognized, file, row in group:
            files[file] = files.get(file, 0) + 1
            d = None if days is None else exact(days)
            h = None if hours is None else exact(hours)
            long_enough = (d is not None and d >= min_days) or (h is not None and h >= min_hours)
            why = [r for r, bad in (("not_recognized", not recognized), ("too_short", not long_enough),
                                    ("too_few_trainees", trainees < min_trainees)) if bad]
            equivalents = _day_equivalents(d, h, hours_per_day)
            if not why:
                person_days += trainees * equivalents
            sessions.append({"session": session_id, "trainees": trainees, "day_equivalents": plain(equivalents),
                             "counted": not why, "why_not": why, "file": file, "row": row})
        counted = [s for s in sessions if s["counted"]]
        reasons = [] if counted else sorted({r for s in sessions for r in s["why_not"]}, key=_REASON_ORDER.index)
        detail = {"sessions": sessions, "rate": str(ctx.param("5", "rmb_per_trainee_day")),
                  "sources": dict(sorted(files.items()))}
        out.append(Line(institution, "5", "", person_days, "person-days", rate * person_days, cap=cap,
                        reasons=reasons, detail=detail))
    return out


_REASON_ORDER = ["not_recognized", "too_short", "too_few_trainees"]


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS: dict[str, dict[tuple[str, str], str]] = {"zh": {}, "en": {}}

FACTS = {
    "zh": {"sessions": "培训期次",
           "session": "期次 {session}：{trainees} 人 × {day_equivalents} 天，{counted}（{where}）"},
    "en": {"sessions": "sessions",
           "session": "session {session}: {trainees} trainees × {day_equivalents} days, {counted} ({where})"},
}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'300 元/人·天 × 人·天，上限 …'."""
    return W.rule(lang, "rate", rate=W.number(p["rmb_per_trainee_day"]),
                  per="元/人·天" if lang == "zh" else "RMB per person-day", measure=W.unit(record["unit"], lang),
                  cap=W.cap(p["cap_rmb"], lang))


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """One sub-line per session: trainees × days, counted or why not, and its row."""
    f = FACTS[lang]
    subs = []
    for entry in (record.get("detail") or {}).get("sessions", []):
        values = {k: (W.number(v) if k == "day_equivalents" else v) for k, v in entry.items()}
        subs.append(f["session"].format(**(values | {"counted": W.counted(entry, lang),
                                                     "where": W.row_of(entry.get("file", ""), entry.get("row", ""),
                                                                       lang)})))
    return [(f["sessions"], subs)] if subs else []
