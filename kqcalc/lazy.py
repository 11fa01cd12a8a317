"""Polars, imported when first used.

The clause modules and the shapes below them (lines, compact) are imported by the policy loader, whose checks come
from the clauses' declarations, and so by `explain`, which answers without importing Polars (SPEC §6: explain under
0.3 s; tests/test_explain.py). They name Polars through `pl` here: the first attribute looked up imports Polars,
and the proxy keeps each attribute it has looked up, so later look-ups are plain attribute reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
else:

    class _Polars:
        def __getattr__(self, name: str) -> Any:
            import polars

            value = getattr(polars, name)
            setattr(self, name, value)
            return value

    pl = _Polars()

__all__ = ["pl"]
