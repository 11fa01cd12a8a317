"""One run: read → clean → clause lines → general rules → result (awards, summary, issues, manifest)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from kqcalc.clean import Cleaned, clean, unknown_firm_warnings
from kqcalc.compact import ROWS, row_count
from kqcalc.errors import UsageError
from kqcalc.issues import ERROR, Issue, issue, sorted_issues
from kqcalc.items import ITEM_ORDER, gross_lines
from kqcalc.items import ROWS as CLAUSE_ROWS
from kqcalc.lines import Context, LeftOut, Period, exact_context, left_out, plain
from kqcalc.policy import Policy
from kqcalc.read import ReadResult
from kqcalc.rules import ROWS as RULES_ROWS
from kqcalc.rules import Registry, apply_rules, build_registry

Progress = Callable[[str], None]  # called with the stage about to start (the console's progress display)


# The rows each clause and the general rules leave out, per table, and why: one declaration (a clause module's
# ROWS, rules.ROWS) that the clause reads its table through, the manifest counts as excluded by rule (SPEC §1
# p. 4) and explain shows per firm.
ROW_RULES: dict[str, tuple[LeftOut, ...]] = {**CLAUSE_ROWS, **RULES_ROWS}


def firm_rows(cleaned: Cleaned, period: Period, firms: set[str]) -> dict[str, dict[str, dict[str, int]]]:
    """firm -> table -> {"used" or the reason it was left out: rows}, for the given firms: what explain says
    about the rows behind a firm's lines, and about a registered firm that has no line at all."""
    from kqcalc.clean import FIRM_COLUMNS

    wanted = pl.Series(sorted(firms), dtype=pl.String).implode()
    out: dict[str, dict[str, dict[str, int]]] = {}
    queries, names = [], []
    for name, cols in FIRM_COLUMNS.items():
        frame = cleaned.tables[name]
        if name == "firms" or not cols or frame.height == 0:
            continue
        why = pl.lit("used")  # the first reason that applies, as the rules are declared
        for rule in reversed(ROW_RULES.get(name, ())):
            why = pl.when(rule.rows(period)).then(pl.lit(rule.reason)).otherwise(why)
        rows = row_count() if ROWS in frame.columns else pl.len()
        queries.append(frame.lazy().filter(pl.col(cols[0]).is_in(wanted)).group_by(
            pl.col(cols[0]).alias("firm"), why.alias("why")).agg(rows.cast(pl.Int64).alias("n")))
        names.append(name)
    for name, counted in zip(names, pl.collect_all(queries) if queries else [], strict=True):
        for firm, why, n in counted.sort("firm", "why").iter_rows():
            out.setdefault(firm, {}).setdefault(name, {})[why] = n
    return out


def registry_record(reg: Registry, rows: dict[str, dict[str, dict[str, int]]], conflicting: set[str]) -> dict:
    """Every registered firm (sorted by firm_id), whether or not it has a line: its registry facts, the row of
    企业名录 they come from, the negative records that disqualify it (category, date, file, row) and its rows
    in the other tables, used or left out by rule — so that explain can account for any registered firm."""
    out = {}
    for firm_id in sorted(set(reg.firms) | conflicting):
        row = reg.firms.get(firm_id)
        entry: dict = {"data_error": firm_id in conflicting,
                       "negative_records": reg.negative.get(firm_id, []), "rows": rows.get(firm_id, {})}
        if row is not None:
            entry |= {"name": row["firm_name"] or "", "source": {"file": row["_file"], "row": row["_row"]}}
            entry |= {flag: bool(row[flag]) for flag in REGISTRY_FLAGS}
        out[firm_id] = entry
    return out


REGISTRY_FLAGS = ("in_zone", "independent_accounting", "independent_tax", "is_logistics", "case_by_case")


def parse_period(text: str | None, policy: Policy) -> Period:
    """`--period START:END` (ISO dates, both inclusive); default the policy's validity window."""
    if not text:
        return Period(policy.valid_from, policy.valid_to)
    try:
        start_text, end_text = text.split(":")
        period = Period(date.fromisoformat(start_text.strip()), date.fromisoformat(end_text.strip()))
    except ValueError:
        raise UsageError("period_malformed", text=repr(text)) from None
    if period.start > period.end:
        raise UsageError("period_reversed", text=repr(text))
    return period


@dataclass
class RunResult:
    policy: Policy
    period: Period
    lines: pl.DataFrame  # the final lines (rules.FINAL_SCHEMA), sorted as in awards.csv
    names: dict[str, str]
    ranks: dict[str, int]
    issues: list[Issue]
    files: list[dict]  # manifest entries
    inputs: list[str]
    extra: dict = field(default_factory=dict)
    registry: dict = field(default_factory=dict)  # firm -> registry facts for explain (run.registry_record)

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == ERROR)


def _account(cleaned: Cleaned, period: Period) -> list[dict]:
    """rows read = used + excluded by rule + merged + quarantined, per input file (SPEC §1 principle 4)."""
    for name, rules in ROW_RULES.items():
        frame = cleaned.tables[name]
        if frame.height and any(r.excluded for r in rules):
            rule = left_out(rules, period)
            rows = row_count() if ROWS in frame.columns else pl.len()
            for file, n in frame.filter(rule).group_by("_file").agg(rows).iter_rows():
                cleaned.counts[file].excluded += n
    entries = []
    for file in sorted(cleaned.counts):
        count = cleaned.counts[file]
        sha256, content = cleaned.digests.get(file, ("", ""))
        entries.append({
            "file": file, "table": count.table, "sha256": sha256,
            # What `diff` compares: a workbook sheet's cells (read.sheet_digest), else the file (one table a file).
            "content_sha256": content,
            "rows_read": count.read, "rows_used": count.used, "rows_excluded": count.excluded,
            "rows_merged": count.merged, "rows_quarantined": count.quarantined,
        })
    return entries


def _negative_category_warnings(ctx: Context, cleaned: Cleaned) -> list[Issue]:
    known = set(ctx.policy.general.get("negative_categories", []))
    out = []
    for category, file, row in ctx.tables["negative_records"].select("category", "_file", "_row").iter_rows():
        if category is not None and category not in known:  # a blank category is an error already
            header = cleaned.headers.get(file, {}).get("category", "category")
            out.append(issue("negative_records", file, row, header, "unknown_category", category=repr(category)))
    return out


def rank_firms(lines: pl.DataFrame) -> dict[str, int]:
    """1, 2, 3 … by total descending, ties by firm_id; firms with total 0 come after and are ranked too."""
    totals = lines.group_by("firm_id").agg(pl.col("award").sum()).sort(
        "award", "firm_id", descending=[True, False])
    return dict(zip(totals.get_column("firm_id").to_list(), range(1, totals.height + 1), strict=True))


def compute(inputs: list[str], policy: Policy, period: Period, progress: Progress | None = None) -> RunResult:
    """`progress`, when given, is called with the stage about to start: reading, cleaning, items, rules."""
    from kqcalc.read import read_inputs

    report = progress or (lambda stage: None)
    report("reading")
    # Parquet stays in the file until clean loads it (read.load). The read is handed to clean and kept nowhere
    # else, so each table's text is freed once it is typed.
    handed = [read_inputs(inputs, lazy=True)]
    with exact_context():
        report("cleaning")
        cleaned = clean(handed.pop(), period.start.year, period=period)  # big tables compact
        return compute_cleaned(Cleaning(list(inputs), period, cleaned, _account(cleaned, period)), policy, report)


def compute_policies(inputs: list[str], runs: list[tuple[Policy, Period]],
                     progress: Progress | None = None) -> list[RunResult]:
    """Several policies on the same inputs (`kqcalc whatif`), each result exactly what `compute` gives.

    The inputs are read once. Cleaning depends on the period alone (which rows are in it, the year of prior
    awards), never on the policy, so it is done once per distinct period; then each policy's lines and rules
    run on the shared clean tables, which they only read.
    """
    from kqcalc.read import read_inputs

    report = progress or (lambda stage: None)
    report("reading")
    read = read_inputs(inputs, lazy=True)
    periods = list(dict.fromkeys(period for _, period in runs))
    results: list[RunResult] = []
    with exact_context():
        cleanings = {}
        for period in periods:
            report("cleaning")
            cleanings[period] = clean_inputs(read, inputs, period)
        for policy, period in runs:
            results.append(compute_cleaned(cleanings[period], policy, report))
    return results


def compute_from(read: ReadResult, inputs: list[str], policy: Policy, period: Period,
                 progress: Progress | None = None) -> RunResult:
    report = progress or (lambda stage: None)
    with exact_context():
        report("cleaning")
        return compute_cleaned(clean_inputs(read, inputs, period), policy, report)


@dataclass
class Cleaning:
    """The policy-independent stage of a run: the typed, checked tables of the inputs for one period and the
    row accounting of every input file. Later stages only read it."""

    inputs: list[str]
    period: Period
    cleaned: Cleaned
    files: list[dict]  # manifest entries


def clean_inputs(read: ReadResult, inputs: list[str], period: Period) -> Cleaning:
    cleaned = clean(read, period.start.year, period=period)  # big tables compact
    return Cleaning(list(inputs), period, cleaned, _account(cleaned, period))


def compute_cleaned(cleaning: Cleaning, policy: Policy, progress: Progress) -> RunResult:
    """The policy-dependent stage: clause lines, general rules, ranking (in exact_context)."""
    cleaned, period = cleaning.cleaned, cleaning.period
    ctx = Context(cleaned.tables, policy, period, cleaned.headers, cleaned.fx)
    issues = list(cleaned.issues)
    if not period.is_one_year():
        issues.append(issue("", "", 0, "", "period_not_a_year", start=period.start, end=period.end,
                            days=period.days))
    registry: Registry = build_registry(ctx, cleaned.conflicting_firms)
    issues += unknown_firm_warnings(cleaned, set(registry.firms))
    issues += _negative_category_warnings(ctx, cleaned)
    for firm_id in sorted(cleaned.conflicting_firms):
        issues.append(issue("firms", "", 0, "", "firm_data_error", firm_id=firm_id))
    progress("items")
    gross, found = gross_lines(ctx)
    issues += found
    progress("rules")
    lines, found = apply_rules(gross, ctx, registry)
    issues += found
    ranks = rank_firms(lines)
    order = [pl.col("firm_id").replace_strict(ranks, return_dtype=pl.Int64),
             pl.col("item").replace_strict(ITEM_ORDER, return_dtype=pl.Int64)]
    lines = lines.sort(order[0], "firm_id", order[1], "ref", maintain_order=True)
    names = {firm_id: registry.name(firm_id) for firm_id in ranks}
    registered = set(registry.firms) | cleaned.conflicting_firms
    firm_record = registry_record(registry, firm_rows(cleaned, period, registered), cleaned.conflicting_firms)
    return RunResult(policy, period, lines, names, ranks, sorted_issues(issues), list(cleaning.files),
                     list(cleaning.inputs), registry=firm_record)


__all__ = ["Cleaning", "clean_inputs", "compute", "compute_cleaned", "compute_from", "compute_policies", "parse_period",
           "RunResult", "plain"]
