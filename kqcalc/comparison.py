"""The comparison of two finished runs on the same data, line by line (what `kqcalc whatif` shows and writes).

Plain data below both the what-if command (kqcalc.whatif: console, JSON, whatif.csv) and its workbook
(kqcalc.report.whatif_xlsx), which both read it. Totals come from kqcalc.record (`frame_totals`), as every
other total of a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kqcalc.items import ITEM_ORDER
from kqcalc.record import Sums, frame_totals
from kqcalc.run import RunResult

ZERO = Decimal("0.00")
Key = tuple[str, str, str]


@dataclass
class Row:
    """One line present in either run."""

    firm_id: str
    firm_name: str
    item: str
    ref: str
    base: Decimal
    reform: Decimal
    base_status: str  # "" when the line does not exist in that run
    reform_status: str

    @property
    def change(self) -> Decimal:
        return self.reform - self.base

    def sort_key(self) -> tuple[Decimal, str, int, str]:
        """Largest absolute change first, then firm_id, item (clause order), ref."""
        return (-abs(self.change), self.firm_id, ITEM_ORDER[self.item], self.ref)


@dataclass
class Side:
    label: str
    result: RunResult
    sums: Sums = field(init=False)

    def __post_init__(self) -> None:
        self.sums = frame_totals(self.result.lines)

    @property
    def by_item(self) -> dict[str, Decimal]:
        return self.sums.by_item

    @property
    def by_funding(self) -> dict[str, Decimal]:
        return self.sums.by_funding

    @property
    def total(self) -> Decimal:
        return self.sums.total

    def firm_total(self, firm_id: str) -> Decimal:
        sums = self.sums.by_firm.get(firm_id)
        return sums[0] if sums else ZERO


@dataclass
class FirmChange:
    firm_id: str
    firm_name: str
    base: Decimal
    reform: Decimal

    @property
    def change(self) -> Decimal:
        return self.reform - self.base


@dataclass
class WhatIf:
    base: Side
    reform: Side
    rows: list[Row]  # every line of either run, sorted by Row.sort_key
    firms: list[FirmChange]  # every firm with a line in either run, largest absolute change first

    @property
    def changes(self) -> list[Row]:
        return [r for r in self.rows if r.change != 0]

    def firm_counts(self) -> dict[str, int]:
        return {"gain": sum(1 for f in self.firms if f.change > 0), "lose": sum(1 for f in self.firms if f.change < 0),
                "same": sum(1 for f in self.firms if f.change == 0)}

    @property
    def errors(self) -> int:
        return len([i for i in self.issues() if i.severity == "error"])

    def issues(self) -> list[Any]:
        """The issues of both runs, each once (most come from the shared reading and cleaning)."""
        from kqcalc.issues import sorted_issues

        return sorted_issues([*self.base.result.issues, *self.reform.result.issues])


def compare(base: RunResult, reform: RunResult, base_label: str, reform_label: str) -> WhatIf:
    """Line by line, keyed by (firm_id, item, ref); a line missing from one run counts 0.00 there."""
    rows: dict[Key, Row] = {}
    names = {**reform.names, **base.names}

    def row(key: Key) -> Row:
        found = rows.get(key)
        if found is None:
            firm_id, item, ref = key
            found = rows[key] = Row(firm_id, names.get(firm_id, ""), item, ref, ZERO, ZERO, "", "")
        return found

    for firm_id, item, ref, award, status in base.lines.select("firm_id", "item", "ref", "award", "status").iter_rows():
        r = row((firm_id, item, ref))
        r.base, r.base_status = award, status
    for firm_id, item, ref, award, status in reform.lines.select(
            "firm_id", "item", "ref", "award", "status").iter_rows():
        r = row((firm_id, item, ref))
        r.reform, r.reform_status = award, status
    ordered = sorted(rows.values(), key=Row.sort_key)
    before, after = Side(base_label, base), Side(reform_label, reform)
    firms = [FirmChange(firm_id, names.get(firm_id, ""), before.firm_total(firm_id), after.firm_total(firm_id))
             for firm_id in dict.fromkeys(r.firm_id for r in ordered)]
    firms.sort(key=lambda f: (-abs(f.change), f.firm_id))
    return WhatIf(before, after, ordered, firms)
