"""One module per clause of the policy; each declares everything about its clause and turns typed tables into
gross award lines.

A clause module (cNN_*.py) declares, as module-level names:
  ITEMS      its item codes, in the policy's order (the order of CLAUSES and of ITEMS makes the item order);
  PARAMS     item -> {policy key: type}: the numbers it reads (policy/check.py checks the file against them);
  TIERS      item -> {tier key: type}, for tiered items;
  ROWS       table -> the rows it leaves out and why (lines.LeftOut): the clause reads the table through this
             selection, and the manifest's excluded-by-rule counts and explain's row reasons come from it too;
  frame_lines(ctx, got) its gross lines as a frame (lines.GROSS_SCHEMA; `got`: its `queries(ctx)`, lazy
             aggregations collected in one plan, where it declares them);
and, where it has them: warnings(ctx, lines) (issues about its input, read from its lines frame),
check_policy_items(items, source) (checks
of its items' own data in the policy file), REQUIRES_PAID (item -> (items, reason): a dependency on other items
that rules.py honours).

A clause module never reads files and never applies the general rules
(eligibility, one-time, 从高不重复, adjustments): rules.py does, for all of them. The clause modules import only
the shapes below them (lines, compact, issues, shape, text); policy, clean and everything above read their
declarations from here.
"""

from __future__ import annotations

from typing import Any

from kqcalc import lines as L
from kqcalc.issues import Issue
from kqcalc.items import (
    c01_new_stores,
    c02_b2c_sales,
    c03_exports_logistics,
    c04_hosting,
    c05_training,
    c06_platforms,
    c07_o2o_stores,
    c08_parks,
    c09_warehouses,
    c10_universities,
)
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut

CLAUSES = (
    c01_new_stores,
    c02_b2c_sales,
    c03_exports_logistics,
    c04_hosting,
    c05_training,
    c06_platforms,
    c07_o2o_stores,
    c08_parks,
    c09_warehouses,
    c10_universities,
)

ITEMS: tuple[str, ...] = tuple(code for clause in CLAUSES for code in clause.ITEMS)
ITEM_ORDER: dict[str, int] = {code: i for i, code in enumerate(ITEMS)}
PARAMS: dict[str, dict[str, type]] = {code: params for clause in CLAUSES for code, params in clause.PARAMS.items()}
TIERS: dict[str, dict[str, type]] = {
    code: keys for clause in CLAUSES for code, keys in getattr(clause, "TIERS", {}).items()}
REQUIRES_PAID: dict[str, tuple[tuple[str, ...], str]] = {
    code: need for clause in CLAUSES for code, need in getattr(clause, "REQUIRES_PAID", {}).items()}


def _rows() -> dict[str, tuple[LeftOut, ...]]:
    out: dict[str, tuple[LeftOut, ...]] = {}
    for clause in CLAUSES:
        for table, rules in clause.ROWS.items():
            # A table two clauses read (transactions: items 1A and 2) has one selection, declared once.
            if out.setdefault(table, rules) is not rules:
                raise RuntimeError(f"{table}: two clauses declare different row selections")
    return out


ROWS: dict[str, tuple[LeftOut, ...]] = _rows()


def gross_lines(ctx: Context) -> tuple[pl.DataFrame, list[Issue]]:
    """Every clause's gross lines as one frame (lines.GROSS_SCHEMA), before the general rules, and the clauses'
    warnings about their inputs, found while making them.

    A clause over the big tables declares `queries(ctx)`: lazy aggregations (one group_by per table, by
    recipient and file). They are all collected together, in one plan that reads each table once, and the
    clause builds its lines frame from the aggregated rows (`frame_lines(ctx, got)`).
    """
    queries: dict[str, pl.LazyFrame] = {}
    for clause in CLAUSES:
        if hasattr(clause, "queries"):
            queries.update(clause.queries(ctx))
    got: dict[str, Any] = dict(zip(queries, pl.collect_all(list(queries.values())), strict=True)) if queries else {}
    frames: list[pl.DataFrame] = []
    issues: list[Issue] = []
    for clause in CLAUSES:
        frame = clause.frame_lines(ctx, got)
        if frame.schema != L.GROSS_SCHEMA:
            raise RuntimeError(f"{clause.__name__}: its lines frame is not lines.GROSS_SCHEMA: {frame.schema}")
        if hasattr(clause, "warnings"):
            issues += clause.warnings(ctx, frame)
        frames.append(frame)
    return pl.concat(frames, how="vertical"), issues
