"""Clause 七 — item 7 (import O2O experience stores).

七、支持发展跨境电商新零售（进口商品O2O线下体验店）。对经认定开设进口跨境电商O2O线下体验店，营业面积达到300平方米
以上的，按当年实际租赁期给予300元/平方米·年的补助，单个企业最高不超过20万元。

Recognized stores of at least the minimum area: RMB per m² per year × m² × (lease days inside the period ÷ days
in the period), multiplied before dividing so the value stays exact; summed per firm, capped.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, exact, kept, present

ITEMS = ("7",)

# The policy numbers read (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {"7": {"min_area_m2": Decimal, "rmb_per_m2_year": Decimal, "cap_rmb": Decimal}}

# The rows read, and those left out (the manifest's excluded-by-rule counts and explain's reasons come from this
# declaration): stores whose lease lies wholly outside the period.
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "o2o_stores": (LeftOut("lease_outside_period", lambda period: (pl.col("lease_start") > period.end)
                           | (pl.col("lease_end") < period.start)),),
}


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """One line per firm with a store whose lease touches the period: rate × Σ m² × lease days in the period ÷
    days in the period over its counted stores, exactly (lines.held_frame divides once, per firm and per store for
    the detail), capped by the rules; each store in the detail, sorted by store."""
    rows = kept(ctx.tables["o2o_stores"], ROWS["o2o_stores"], ctx.period)
    if rows.height == 0:
        return pl.DataFrame(schema=L.GROSS_SCHEMA)
    start, end, period_days = ctx.period.start, ctx.period.end, ctx.period.days
    min_area = exact(ctx.param("7", "min_area_m2"))
    rate = exact(ctx.param("7", "rmb_per_m2_year"))
    value = L.VALUE
    days = ((pl.min_horizontal(pl.col("lease_end"), pl.lit(end)) - pl.max_horizontal(pl.col("lease_start"),
                                                                                       pl.lit(start))).dt.total_days()
            + 1).clip(lower_bound=0)
    why = present(pl.concat_list(pl.when(~pl.col("recognized")).then(pl.lit("not_recognized")),
                                 pl.when(pl.col("area_m2") < min_area).then(pl.lit("below_area"))))
    stores = rows.lazy().sort("firm_id", "store_id__key", maintain_order=True).with_columns(
        days.alias("days"), why.alias("why_not"), pl.int_range(pl.len()).cast(pl.String).alias("_n"),
        pl.col("_file").cast(pl.String)).with_columns(
        (pl.col("why_not").list.len() == 0).alias("counted"), pl.col("days").cast(pl.String).alias("currency"),
        pl.col("area_m2").cast(value).alias("amount"), pl.col("area_m2").cast(pl.Float64).alias("amount_check")
    ).collect()
    per_days = {str(d): Decimal(d) for d in stores["days"].unique().to_list()}
    share = L.held_frame(stores.select("_n", "currency", "amount", "amount_check"), "_n", per_days, {}, "7",
                         period_days)
    counted = stores.filter(pl.col("counted")).group_by("firm_id", "currency").agg(
        *L.checked_sum(pl.col("amount"), pl.col("amount_check"), "amount")).sort("firm_id", "currency")
    per_firm = L.held_frame(counted, "firm_id", per_days, {"gross": rate}, "7", period_days)
    store = pl.struct(
        L.plain_expr(pl.col("area_m2").cast(value)).alias("area_m2"), "counted", pl.col("_file").alias("file"),
        pl.col("days").alias("lease_days_in_period"), L.plain_expr("measure").alias("m2_years"),
        pl.col("_row").alias("row"), pl.col("store_id").alias("store"), "why_not").struct.json_encode()
    listed = stores.lazy().join(share.lazy(), on="_n", how="left", maintain_order="left").group_by(
        "firm_id", maintain_order=True).agg(
        pl.concat_str(pl.lit("["), store.str.join(","), pl.lit("]")).alias("stores"),
        pl.col("why_not").explode().drop_nulls().unique().sort().alias("why_all"))
    met = pl.col("measure").is_not_null() & ((pl.col("measure") > 0) | pl.col("measure_inexact"))
    reasons = pl.when(met).then(pl.lit([], pl.List(pl.String))).when(pl.col("why_all").list.len() > 0).then(
        pl.col("why_all")).otherwise(pl.lit(["no_lease_in_period"], pl.List(pl.String)))
    detail = L.json_fields({"period_days": pl.lit(str(period_days)),
                            "rate": L.json_text(pl.lit(str(ctx.param("7", "rmb_per_m2_year")))),
                            "sources": pl.col("sources"), "stores": pl.col("stores")})
    sources = L.sources_json(stores.lazy().with_columns(pl.lit(1).alias("_one")), "firm_id", "_one")
    zero = pl.lit(0).cast(value)
    return listed.join(per_firm.lazy(), on="firm_id", how="left").join(sources, on="firm_id", how="left").sort(
        "firm_id").select(
        "firm_id", pl.lit("7").alias("item"), pl.lit("").alias("ref"),
        pl.col("measure").fill_null(zero), pl.col("measure_inexact").fill_null(False), pl.lit("m2-years").alias("unit"),
        pl.col("gross").fill_null(zero), pl.col("gross_inexact").fill_null(False),
        pl.lit(exact(ctx.param("7", "cap_rmb"))).cast(value).alias("cap"), reasons.alias("reasons"),
        detail.alias("detail")).collect()


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS: dict[str, dict[tuple[str, str], str]] = {"zh": {}, "en": {}}

FACTS = {
    "zh": {"stores": "门店",
           "store": "门店 {store}：{area_m2} 平方米，考核期内租赁 {lease_days_in_period} 天（考核期 {period_days} 天）"
                    " → {m2_years} 平方米·年，{counted}（{where}）"},
    "en": {"stores": "stores",
           "store": "store {store}: {area_m2} m², {lease_days_in_period} lease days in the period ({period_days} days)"
                    " → {m2_years} m²·years, {counted} ({where})"},
}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'100 元/平方米·年 × 平方米·年，上限 …'."""
    return W.rule(lang, "rate", rate=W.number(p["rmb_per_m2_year"]),
                  per="元/平方米·年" if lang == "zh" else "RMB per m²·year", measure=W.unit(record["unit"], lang),
                  cap=W.cap(p["cap_rmb"], lang))


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """One sub-line per store: area × lease days in the period, counted or why not, and its row."""
    d, f = record.get("detail") or {}, FACTS[lang]
    subs = []
    for entry in d.get("stores", []):
        values = {k: (W.number(v) if k in ("area_m2", "m2_years") else v) for k, v in entry.items()}
        subs.append(f["store"].format(**(values | {"counted": W.counted(entry, lang),
                                                   "where": W.row_of(entry.get("file", ""), entry.get("row", ""), lang),
                                                   "period_days": d.get("period_days", "")})))
    return [(f["stores"], subs)] if subs else []
