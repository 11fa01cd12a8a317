"""One module per clause of the policy; each turns typed tables into gross award lines.

A clause module never reads files and never applies the general rules
(eligibility, one-time, 从高不重复, adjustments): rules.py does, for all of them.
"""

from __future__ import annotations

from typing import Any

import polars as pl

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
from kqcalc.lines import Context, Line

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


def gross_lines(ctx: Context) -> list[Line]:
    """Every clause's lines, before the general rules.

    A clause over the big tables declares `queries(ctx)`: lazy aggregations (one group_by per table, by
    recipient and file). They are all collected together, in one plan that reads each table once, and the
    clause builds its lines from the aggregated rows in `lines(ctx, got)`.
    """
    queries: dict[str, pl.LazyFrame] = {}
    for clause in CLAUSES:
        if hasattr(clause, "queries"):
            queries.update(clause.queries(ctx))
    got: dict[str, Any] = dict(zip(queries, pl.collect_all(list(queries.values())), strict=True)) if queries else {}
    out: list[Line] = []
    for clause in CLAUSES:
        out += clause.lines(ctx, got) if hasattr(clause, "queries") else clause.lines(ctx)
    return out
