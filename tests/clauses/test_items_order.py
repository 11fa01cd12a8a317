"""What kqcalc/items/__init__.py derives from the clause modules (tests/clauses/test_cNN_*.py test each clause)."""

from __future__ import annotations

from kqcalc.items import CLAUSES, ITEMS


def test_the_item_order_is_the_clauses_order() -> None:
    assert ITEMS == ("1A", "1B", "2", "3A", "3B", "4", "5", "6", "7", "8", "9A", "9B", "9C", "10A", "10B")
    assert [code for clause in CLAUSES for code in clause.PARAMS] == list(ITEMS)  # every item declares its numbers
