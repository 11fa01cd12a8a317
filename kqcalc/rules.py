"""The general rules of the policy, applied in SPEC order to every gross line.

特别重大的跨境电商平台和龙头骨干企业引进，按一事一议给予支持，一事一议项目不再重复享受以上相关政策。除第九条外，同一企业、
同一项目从高不重复享受国家、省、市、区各类政策奖金扶持。上述享受政策的企业是指在中国（绍兴）跨境电子商务综合试验区柯桥园区
内注册登记，独立进行财务核算、独立进行纳税申报的法人企业（不包括物流企业）。……对存在偷税、侵权、假冒、违章建设等行为而
受到处罚的企业……不予享受本政策优惠。

1. cap (on exact values)   2. eligibility   3. one-time items (item 8 topped up)   4. 从高不重复
5. adjustments   6. funding — then one rounding to the fen.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from kqcalc.issues import Issue, issue
from kqcalc.items import REQUIRES_PAID
from kqcalc.lines import (
    FEN_VALUE,
    GROSS_SCHEMA,
    VALUE,
    Context,
    LeftOut,
    check_sums,
    checked_sum,
    exact,
    fen_expr,
    kept,
    plain_expr,
    present,
    round_fen,
)
from kqcalc.text import norm_key

NOT_MET, INELIGIBLE, ALREADY, SUPERSEDED, TOPPED_UP, ADJUSTED, AWARDED = (
    "not_met", "ineligible", "already_awarded", "superseded", "topped_up", "adjusted", "awarded")


# The rows of the general rules' own table (as the clauses declare theirs: items/__init__.py): a negative record
# dated outside the period does not disqualify; one whose date could not be read does (fail closed).
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "negative_records": (LeftOut("outside_period", lambda period: (~period.contains("occurred_on")).fill_null(False)),),
}


@dataclass
class Registry:
    """What the firms table and negative records say about each firm."""

    firms: dict[str, dict]
    conflicting: set[str]
    negative: dict[str, list[dict]] = field(default_factory=dict)  # firm -> disqualifying records

    def name(self, firm_id: str) -> str:
        return self.firms.get(firm_id, {}).get("firm_name", "") or ""


def build_registry(ctx: Context, conflicting: set[str]) -> Registry:
    firms = {row["firm_id"]: row for row in ctx.tables["firms"].iter_rows(named=True)}
    records = ctx.tables["negative_records"]
    disqualifying = kept(records, ROWS["negative_records"], ctx.period)
    negative: dict[str, list[dict]] = defaultdict(list)
    for row in disqualifying.sort("firm_id", "_file", "_row").iter_rows(named=True):
        negative[row["firm_id"]].append({
            "category": row["category"], "occurred_on": row["occurred_on"].isoformat() if row["occurred_on"] else None,
            "file": row["_file"], "row": row["_row"]})
    return Registry(firms, conflicting, dict(negative))


# --- the general rules as expressions over the lines frame -------------------------------------------------------
#
# An exact value x ≥ 0 is a pair of columns (F, F_inexact): kqcalc.lines explains why every comparison, min,
# subtraction and rounding below is exact on the pair.

_DEDUCTION = pl.Struct({"rule": pl.String, "amount": FEN_VALUE, "reason": pl.String, "detail": pl.String})

# The columns the general rules add to the gross lines (lines.GROSS_SCHEMA): the final lines frame.
FINAL_SCHEMA: dict[str, Any] = {
    **GROSS_SCHEMA,
    "capped": VALUE, "capped_inexact": pl.Boolean,  # min(gross, cap), exact
    "after_rules": VALUE, "after_rules_inexact": pl.Boolean,  # after rules 2–4, exact
    "award": FEN_VALUE, "status": pl.String, "funding": pl.String,
    "rule_reasons": pl.List(pl.String), "deductions": pl.List(_DEDUCTION),
    "reason": pl.String,  # the reason codes in rule order, ";"-separated (awards.csv's reason)
}


def _gt(value: str, other: pl.Expr) -> pl.Expr:
    """x > A for the exact value in columns (value, value_inexact) and a column A of at most SCALE decimals."""
    return (pl.col(value) > other) | ((pl.col(value) == other) & pl.col(f"{value}_inexact"))


def _positive(value: str) -> pl.Expr:
    return (pl.col(value) > 0) | pl.col(f"{value}_inexact")


def _key_refs(frame: pl.DataFrame, column: str = "ref") -> pl.Expr:
    """norm_key(ref) of a text column (a blank ref is ""), looked up per distinct ref."""
    refs = frame.get_column(column).fill_null("").unique().to_list()
    return pl.col(column).fill_null("").replace_strict({r: norm_key(r) for r in refs}, return_dtype=pl.String)


def _sums(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Awards summed per key, with `unknown`: an amount could not be read (it takes the whole line: fail closed),
    and the sum's text (plain to the fen, as the deduction's detail shows it)."""
    keyed = frame.select("firm_id", "item", _key_refs(frame).alias("kref"), pl.col("amount_rmb").cast(VALUE))
    sums = keyed.group_by(by).agg(
        *checked_sum(pl.col("amount_rmb"), None, "sum"), pl.col("amount_rmb").is_null().any().alias("unknown"),
        pl.lit(True).alias("found"),
    )
    check_sums(sums, "sum", "firm_id", None)
    unread = pl.lit("an amount that could not be read")
    return sums.drop("sum_check").with_columns(
        pl.when(pl.col("unknown")).then(unread).otherwise(plain_expr(pl.col("sum"), 2)).alias("sum_text"))


def _firms_frame(reg: Registry) -> pl.DataFrame:
    """Rule 2's facts per firm: registered (with its flags), registry rows in conflict, disqualifying records."""
    flags = ("in_zone", "independent_accounting", "independent_tax", "is_logistics", "case_by_case")
    ids = sorted(set(reg.firms) | reg.conflicting)
    cols: dict[str, list[Any]] = {"firm_id": ids, "_known": [f in reg.firms for f in ids],
                                  "_conflicting": [f in reg.conflicting for f in ids],
                                  "_negative": [f in reg.negative for f in ids]}
    for flag in flags:
        cols[f"_{flag}"] = [bool((reg.firms.get(f) or {}).get(flag)) for f in ids]
    return pl.DataFrame(cols, schema={"firm_id": pl.String, **{k: pl.Boolean for k in cols if k != "firm_id"}})


def _eligibility(exempt: frozenset[str], zone_only: frozenset[str], logistics_only: frozenset[str]) -> pl.Expr:
    """Rule 2's reasons, in a fixed order; empty when eligible (over the lines joined with _firms_frame)."""
    item = pl.col("item")
    registry = ~item.is_in(sorted(exempt))
    full = registry & ~item.is_in(sorted(zone_only))
    logistics = item.is_in(sorted(logistics_only))

    def why(condition: pl.Expr, code: str) -> pl.Expr:
        return pl.when(condition).then(pl.lit(code))

    reasons = present(pl.concat_list(
        why(registry & ~pl.col("_in_zone"), "not_in_zone"),
        why(full & ~pl.col("_independent_accounting"), "not_independent_accounting"),
        why(full & ~pl.col("_independent_tax"), "not_independent_tax"),
        why(logistics & ~pl.col("_is_logistics"), "not_logistics_firm"),
        why(~logistics & pl.col("_is_logistics"), "logistics_firm"),
        why(pl.col("_case_by_case"), "case_by_case"),
        why(pl.col("_negative"), "negative_record"),
    ))
    return (pl.when(pl.col("_conflicting")).then(pl.concat_list(pl.lit("data_error")))  # nothing can be trusted
            .when(~pl.col("_known")).then(pl.concat_list(pl.lit("not_in_firms")))
            .otherwise(reasons))


def _deduction(rule: str, amount: pl.Expr, reason: pl.Expr, detail: pl.Expr) -> pl.Expr:
    return pl.struct(pl.lit(rule).alias("rule"), fen_expr(amount).alias("amount"), reason.alias("reason"),
                     detail.alias("detail"))


def _set(value: str, to: pl.Expr, inexact: pl.Expr | bool) -> list[pl.Expr]:
    return [to.cast(VALUE).alias(value), (inexact if isinstance(inexact, pl.Expr) else pl.lit(inexact))
            .alias(f"{value}_inexact")]


class _Rules:
    """The general rules of one run (its policy, registry and award tables) as plans over a lines frame."""

    def __init__(self, ctx: Context, reg: Registry, items: list[str]) -> None:
        policy = ctx.policy
        self.one_time = sorted(policy.items_in("one_time_items"))
        self.top_up_once = sorted(policy.items_in("top_up_one_time_items"))
        self.highest_exempt = sorted(policy.items_in("highest_only_exempt_items"))
        self.exclusive = policy.highest_only_mode == "exclusive"
        self.eligibility = _eligibility(policy.items_in("registry_exempt_items"), policy.items_in("in_zone_only_items"),
                                        policy.items_in("logistics_only_items"))
        self.funding = {item: policy.funding(item) for item in items}
        self.firms = _firms_frame(reg)
        prior, others = ctx.tables["prior_awards"], ctx.tables["other_awards"]
        self.prior = _sums(prior, ["firm_id", "item", "kref"]).rename(
            {"sum": "_prior", "unknown": "_prior_unknown", "sum_text": "_prior_text", "found": "_prior_found"})
        self.prior_by_item = _sums(prior, ["firm_id", "item"]).rename(
            {"sum": "_earlier", "unknown": "_earlier_unknown", "sum_text": "_earlier_text",
             "found": "_earlier_found"})
        self.others = _sums(others, ["firm_id", "item", "kref"]).rename(
            {"sum": "_other", "unknown": "_other_unknown", "sum_text": "_other_text", "found": "_other_found"})

    def through_rule_3(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Rules 1–3: the cap, eligibility, one-time items; the amount left in (amount, amount_inexact)."""
        capped = pl.when(pl.col("cap").is_not_null() & _gt("gross", pl.col("cap")))
        lf = lines.join(self.firms.lazy(), on="firm_id", how="left").with_columns(
            pl.col("^_(known|conflicting|negative|in_zone|independent_accounting|independent_tax|is_logistics|"
                   "case_by_case)$").fill_null(False),
        ).join(self.prior.lazy(), on=["firm_id", "item", "kref"], how="left").join(
            self.prior_by_item.lazy(), on=["firm_id", "item"], how="left",
        ).with_columns(
            *_set("capped", capped.then(pl.col("cap")).otherwise(pl.col("gross")),
                  capped.then(False).otherwise(pl.col("gross_inexact"))),
            self.eligibility.alias("_why"),
        ).with_columns(
            (pl.col("capped").eq(0) & ~pl.col("capped_inexact")).alias("_not_met"),
            (pl.col("_why").list.len() > 0).alias("_ineligible"),
        ).with_columns(
            *_set("_a2", pl.when(pl.col("_ineligible")).then(pl.lit(0)).otherwise(pl.col("capped")),
                  ~pl.col("_ineligible") & pl.col("capped_inexact")),
            (pl.col("item").is_in(self.one_time) & pl.col("_prior_found").fill_null(False)).alias("_once"),
        ).with_columns(
            (~pl.col("_once") & pl.col("item").is_in(self.top_up_once) & pl.col("_earlier_found").fill_null(False))
            .alias("_topped"),
        )
        # Rule 3: a one-time item paid before takes the whole amount; item 8 the earlier tiers' sum at most.
        takes_all = pl.col("_once") | pl.col("_topped") & (pl.col("_earlier_unknown") | ~_gt("_a2", pl.col("_earlier")))
        return lf.with_columns(
            *_set("_taken3", pl.when(takes_all).then(pl.col("_a2")).when(pl.col("_topped"))
                  .then(pl.col("_earlier")).otherwise(pl.lit(0)), takes_all & pl.col("_a2_inexact")),
        ).with_columns(
            *_set("_a3", pl.col("_a2") - pl.col("_taken3"), pl.col("_a2_inexact") & ~takes_all),
        )

    def gross_blocked(self, lines: pl.DataFrame) -> pl.DataFrame:
        """The REQUIRES_PAID hook: a line of an item that requires another item's line (same firm and ref) paid
        after rule 3 in this run (9C on its warehouse's 9A or 9B) is met only then: otherwise its gross is 0 and
        its clause's reason says why."""
        if not REQUIRES_PAID:
            return lines
        needs = pl.DataFrame([(item, code, why) for item, (codes, why) in REQUIRES_PAID.items() for code in codes],
                             schema={"item": pl.String, "_needed": pl.String, "_need_reason": pl.String}, orient="row")
        required = needs.get_column("_needed").unique().to_list()
        paid = self.through_rule_3(lines.lazy().filter(pl.col("item").is_in(required))).filter(
            _positive("_a3")).select(pl.col("item").alias("_needed"), "firm_id", "kref", pl.lit(True).alias("_paid"))
        verdict = lines.lazy().select("_seq", "item", "firm_id", "kref").join(needs.lazy(), on="item").join(
            paid.unique(), on=["_needed", "firm_id", "kref"], how="left").group_by("_seq").agg(
            pl.col("_paid").fill_null(False).any().alias("_paid"), pl.col("_need_reason").first())
        blocked = (pl.col("_need_reason").is_not_null() & ~pl.col("_paid") & _positive("gross")).fill_null(False)
        return lines.lazy().join(verdict, on="_seq", how="left").with_columns(
            pl.when(blocked).then(pl.concat_list("reasons", "_need_reason")).otherwise(pl.col("reasons"))
            .alias("reasons"),
            *_set("gross", pl.when(blocked).then(pl.lit(0)).otherwise(pl.col("gross")),
                  ~blocked & pl.col("gross_inexact")),
        ).drop("_paid", "_need_reason").sort("_seq").collect()

    def final(self, lines: pl.DataFrame) -> pl.DataFrame:
        """Rules 1–4, funding and the rounding to the fen; statuses so far (adjustments come after)."""
        # (collected here: planned as one query with what follows, Polars takes ten times as long)
        lf = self.through_rule_3(lines.lazy()).join(self.others.lazy(), on=["firm_id", "item", "kref"],
                                                    how="left").collect().lazy()
        # Rule 4: 从高不重复 (not for clause 九).
        other = ~pl.col("item").is_in(self.highest_exempt) & (
            pl.col("_other_unknown").fill_null(False) | (pl.col("_other") > 0).fill_null(False))
        takes_all = other & (pl.lit(self.exclusive) | pl.col("_other_unknown") | ~_gt("_a3", pl.col("_other")))
        lf = lf.with_columns(
            *_set("after_rules", pl.when(takes_all).then(pl.lit(0)).when(other)
                  .then(pl.col("_a3") - pl.col("_other")).otherwise(pl.col("_a3")),
                  ~takes_all & pl.col("_a3_inexact")),
            *_set("_taken4", pl.when(takes_all).then(pl.col("_a3")).when(other).then(pl.col("_other"))
                  .otherwise(pl.lit(0)), takes_all & pl.col("_a3_inexact")),
            other.alias("_other_hit"),
        )
        once = pl.col("_once") | pl.col("_topped")
        nothing_left = pl.col("_a3").eq(0) & ~pl.col("_a3_inexact")
        status = (pl.when(pl.col("_not_met")).then(pl.lit(NOT_MET))
                  .when(pl.col("_ineligible")).then(pl.lit(INELIGIBLE))
                  .when(pl.col("_once") | pl.col("_topped") & nothing_left).then(pl.lit(ALREADY))
                  .when(pl.col("_other_hit")).then(pl.when(pl.col("after_rules").eq(0) & ~pl.col("after_rules_inexact"))
                                                   .then(pl.lit(SUPERSEDED)).otherwise(pl.lit(TOPPED_UP))))
        one_time_text = pl.when(pl.col("_once")).then(pl.format("paid {} in an earlier period", "_prior_text")) \
            .otherwise(pl.format("paid {} for an earlier tier", "_earlier_text"))
        deductions = [  # in rule order
            (pl.col("_ineligible"), _deduction("eligibility", pl.col("capped"), pl.col("_why").list.first(),
                                               pl.col("_why").list.join(";"))),
            (once, _deduction("one_time", pl.col("_taken3"), pl.lit("prior_award"), one_time_text)),
            (pl.col("_other_hit"), _deduction("highest_only", pl.col("_taken4"), pl.lit("other_level_award"),
                                              pl.format("{} under other policies", "_other_text"))),
        ]
        rule_reasons = present(pl.concat_list(
            "_why", pl.when(once).then(pl.lit("prior_award")),
            pl.when(pl.col("_other_hit")).then(pl.lit("other_level_award"))))
        # (collected here: planned as one query, Polars inlines the chained columns and takes ten times as long.
        # Rechunked: Polars 2.1 panics in pl.format over a filtered string column of several chunks, which the
        # joins above give a province's lines — "assertion failed: i < self.len()")
        ruled = lf.collect().rechunk()
        return ruled.lazy().with_columns(
            fen_expr("after_rules").alias("award"), status.alias("status"),
            pl.col("item").replace_strict(self.funding, return_dtype=pl.String).alias("funding"),
            rule_reasons.alias("rule_reasons"),
        ).join(_listed(ruled, deductions), on="_seq", how="left").with_columns(
            pl.col("deductions").fill_null(pl.lit([], dtype=pl.List(_DEDUCTION))),
        ).select(*FINAL_SCHEMA.keys() - {"reason"}, "kref", "_seq").sort("_seq").collect()


def _listed(lines: pl.DataFrame, parts: list[tuple[pl.Expr, pl.Expr]]) -> pl.LazyFrame:
    """Per line (_seq), the list of the parts (condition, struct) whose condition holds, in the parts' order —
    as rows gathered into lists (a list of nullable structs filtered per row is far slower)."""
    rows = [lines.lazy().filter(condition).select("_seq", pl.lit(i).alias("_k"), value.alias("deductions"))
            for i, (condition, value) in enumerate(parts)]
    return pl.concat(rows).sort("_seq", "_k").group_by("_seq", maintain_order=True).agg(
        pl.col("deductions").cast(_DEDUCTION))


def apply_rules(lines: pl.DataFrame, ctx: Context, reg: Registry) -> tuple[pl.DataFrame, list[Issue]]:
    """Rules 1–6 over the gross lines frame (lines.GROSS_SCHEMA), in SPEC order; the final lines frame
    (FINAL_SCHEMA, the lines in the same order) and the issues the rules found (bad adjustments)."""
    rules = _Rules(ctx, reg, lines.get_column("item").unique().to_list())
    keyed = lines.with_columns(_key_refs(lines).alias("kref"), pl.int_range(pl.len(), dtype=pl.Int64).alias("_seq"))
    final = rules.final(rules.gross_blocked(keyed))
    final, issues = _apply_adjustments(final, ctx)
    reason = pl.concat_list("reasons", "rule_reasons").list.unique(maintain_order=True).list.join(";")
    final = final.with_columns(pl.col("status").fill_null(AWARDED), reason.alias("reason"))
    return final.select(FINAL_SCHEMA.keys()).cast(FINAL_SCHEMA), issues  # type: ignore[arg-type]


def _apply_adjustments(lines: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, list[Issue]]:
    """Rule 5: an adjustment sets a paid line's award to a value between 0 and its amount after rule 4. A loop
    over the (few) adjustment rows, in file order: each sees the lines as the ones before it left them."""
    issues: list[Issue] = []
    frame = ctx.tables["adjustments"]
    if frame.height == 0:
        return lines, issues
    rows = frame.with_columns(_key_refs(frame).alias("kref")).sort("_file", "_row")
    found = lines.join(rows.select("firm_id", "item", "kref").unique(), on=["firm_id", "item", "kref"], how="semi")
    # (firm, item, kref) -> [seq, award, status, deductions, rule reasons] (the last line of a key, as before)
    state = {(f, i, k): [seq, award, status, [], []] for f, i, k, seq, award, status in found.select(
        "firm_id", "item", "kref", "_seq", "award", "status").iter_rows()}
    for row in rows.iter_rows(named=True):
        line = state.get((row["firm_id"], row["item"], row["kref"]))
        value = round_fen(exact(row["award_rmb"]))
        where = {"firm_id": row["firm_id"], "item": row["item"], "ref": f" {row['ref']}" if row["ref"] else ""}
        problem: tuple[str, dict[str, object]] | None = None
        if line is None:
            problem = ("adjustment_without_line", where)
        elif line[1] == 0:
            problem = ("adjustment_on_unpaid_line", {**where, "status": line[2] or ""})
        elif value > line[1]:
            problem = ("adjustment_above_amount", {"amount": value, "award": line[1]})
        if problem:
            column = ctx.header(row["_file"], "award_rmb") if problem[0] == "adjustment_above_amount" else ""
            issues.append(issue("adjustments", row["_file"], row["_row"], column, problem[0], **problem[1]))
            continue
        assert line is not None
        line[3].append({"rule": "adjustment", "amount": line[1] - value, "reason": "adjusted",
                        "detail": row["reason"]})
        line[4].append("adjusted")
        line[1] = value
        line[2] = line[2] or ADJUSTED
    changed = [v for v in state.values() if v[4]]
    if not changed:
        return lines, issues
    update = pl.DataFrame(changed, schema={"_seq": pl.Int64, "_award": FEN_VALUE, "_status": pl.String,
                                           "_deductions": pl.List(_DEDUCTION), "_rule_reasons": pl.List(pl.String)},
                          orient="row")
    return lines.join(update, on="_seq", how="left").with_columns(
        pl.coalesce("_award", "award").alias("award"), pl.coalesce("_status", "status").alias("status"),
        *(pl.when(pl.col(f"_{name}").is_null()).then(pl.col(name)).otherwise(pl.concat_list(name, f"_{name}"))
          .alias(name) for name in ("deductions", "rule_reasons")),
    ).drop("_award", "_status", "_deductions", "_rule_reasons"), issues
