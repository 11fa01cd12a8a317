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
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, exact, kept, present

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


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """One line per institution with a session starting in the period: rate × Σ trainees × day-equivalents over
    its counted sessions, exactly (lines.held_frame: class hours ÷ hours per day, once per institution and per
    session for the detail), capped by the rules; each session in the detail, sorted by session."""
    rows = kept(ctx.tables["trainings"], ROWS["trainings"], ctx.period)
    if rows.height == 0:
        return pl.DataFrame(schema=L.GROSS_SCHEMA)
    min_days = exact(ctx.param("5", "min_days"))
    min_hours = exact(ctx.param("5", "min_class_hours"))
    hours_per_day = exact(ctx.param("5", "class_hours_per_day"))
    min_trainees = ctx.param("5", "min_trainees")
    rate = exact(ctx.param("5", "rmb_per_trainee_day"))
    value = L.VALUE
    days, hours = pl.col("days").cast(value), pl.col("class_hours").cast(value)
    long_enough = (days >= min_days).fill_null(False) | (hours >= min_hours).fill_null(False)
    why = present(pl.concat_list(pl.when(~pl.col("recognized")).then(pl.lit("not_recognized")),
                                 pl.when(~long_enough).then(pl.lit("too_short")),
                                 pl.when(pl.col("trainees") < min_trainees).then(pl.lit("too_few_trainees"))))
    sessions = rows.lazy().sort("institution_id", "session_id__key", maintain_order=True).with_columns(
        why.alias("why_not"), pl.int_range(pl.len()).cast(pl.String).alias("_n"), pl.col("_file").cast(pl.String),
        pl.lit("hours").alias("currency"), hours.fill_null(0).alias("amount"),
        hours.fill_null(0).cast(pl.Float64).alias("amount_check")).collect()
    per_hours = {"days": hours_per_day, "hours": Decimal(1)}  # x = (Σ days × hours per day + Σ hours) ÷ hours per day
    by_hours = L.held_frame(sessions.select("_n", "currency", "amount", "amount_check"), "_n", per_hours, {}, "5",
                            hours_per_day).select("_n", pl.col("measure").alias("h"), pl.col("measure_inexact"))
    # day-equivalents: days, or class hours ÷ hours per day when days is blank, or the smaller of the two (days is
    # exact: hours ÷ hours per day < days ⟺ F_hours < days)
    hours_smaller = pl.col("h").is_not_null() & pl.col("class_hours").is_not_null() & (
        pl.col("days").is_null() | (pl.col("h") < days))
    chosen = sessions.lazy().join(by_hours.lazy(), on="_n", how="left", maintain_order="left").with_columns(
        hours_smaller.alias("by_hours"), (pl.col("why_not").list.len() == 0).alias("counted")).with_columns(
        pl.when(pl.col("by_hours")).then(pl.col("h")).otherwise(days.fill_null(0)).alias("equivalents"),
        pl.when(pl.col("by_hours")).then(pl.lit("hours")).otherwise(pl.lit("days")).alias("currency"),
        (pl.when(pl.col("by_hours")).then(hours).otherwise(days.fill_null(0)) * pl.col("trainees")).cast(value)
        .alias("amount")).collect()
    counted = chosen.filter(pl.col("counted")).group_by("institution_id", "currency").agg(
        *L.checked_sum(pl.col("amount"), None, "amount")).sort("institution_id", "currency")
    per_institution = L.held_frame(counted, "institution_id", per_hours, {"gross": rate}, "5", hours_per_day)
    session = pl.struct(
        "counted", L.plain_expr("equivalents").alias("day_equivalents"), pl.col("_file").alias("file"),
        pl.col("_row").alias("row"), pl.col("session_id").alias("session"), "trainees", "why_not").struct.json_encode()
    reason_rank = pl.element().replace_strict(_REASON_ORDER, list(range(len(_REASON_ORDER))), return_dtype=pl.Int64)
    listed = chosen.lazy().group_by("institution_id", maintain_order=True).agg(
        pl.concat_str(pl.lit("["), session.str.join(","), pl.lit("]")).alias("sessions"),
        pl.col("counted").any().alias("any_counted"),
        pl.col("why_not").explode().drop_nulls().unique().alias("why_all")).with_columns(
        pl.col("why_all").list.eval(pl.element().sort_by(reason_rank)))
    reasons = pl.when(pl.col("any_counted")).then(pl.lit([], pl.List(pl.String))).otherwise(pl.col("why_all"))
    detail = L.json_fields({"rate": L.json_text(pl.lit(str(ctx.param("5", "rmb_per_trainee_day")))),
                            "sessions": pl.col("sessions"), "sources": pl.col("sources")})
    sources = L.sources_json(chosen.lazy().with_columns(pl.lit(1).alias("_one")), "institution_id", "_one")
    zero = pl.lit(0).cast(value)
    return listed.join(per_institution.lazy(), on="institution_id", how="left").join(
        sources, on="institution_id", how="left").sort("institution_id").select(
        pl.col("institution_id").alias("firm_id"), pl.lit("5").alias("item"), pl.lit("").alias("ref"),
        pl.col("measure").fill_null(zero), pl.col("measure_inexact").fill_null(False),
        pl.lit("person-days").alias("unit"), pl.col("gross").fill_null(zero), pl.col("gross_inexact").fill_null(False),
        pl.lit(exact(ctx.param("5", "cap_rmb"))).cast(value).alias("cap"), reasons.alias("reasons"),
        detail.alias("detail")).collect()


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
