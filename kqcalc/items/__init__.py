"""One module per clause of the policy; each turns typed tables into gross award lines.

A clause module never reads files and never applies the general rules
(eligibility, one-time, 从高不重复, adjustments): rules.py does, for all of them.
"""

from __future__ import annotations

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
    """Every clause's lines, before the general rules."""
    return [line for clause in CLAUSES for line in clause.lines(ctx)]
