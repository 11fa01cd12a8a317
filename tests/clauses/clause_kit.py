"""The kit the clause tests share (tests/clauses/test_cNN_*.py).

A test writes a clause's tables inline, cell by cell as the bureau writes them; `cleaned` types them with the real
cleaner (kqcalc/clean.py: typed columns, "<col>__key", "_file", "_row", and for the big tables the compact rows of
kqcalc/compact.py: "_in_period", "_rows", "_sample"), so a clause reads exactly the frames it reads in a run. `gross`
runs one clause alone (its queries, then its lines); `final` applies the general rules (rules.py) on top. `lines`
and `finals` turn the lines (rows of the frame) into frames of text — exact decimals written plainly, reasons
joined by ";" — that the tests compare with `polars.testing.assert_frame_equal` against frames of values worked
out by hand (`want`).

Period 2020-07-01 … 2021-06-30 unless a test says otherwise: 365 days (February 2021 has 28).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import ModuleType
from typing import Any

import msgspec
import polars as pl
from firm_codes import credit_code

from kqcalc.clean import Cleaned, clean
from kqcalc.lines import GROSS_SCHEMA, Context, Period, plain
from kqcalc.policy import load_policy
from kqcalc.read import RawTable, ReadResult
from kqcalc.rules import apply_rules, build_registry

PERIOD = Period(date(2020, 7, 1), date(2021, 6, 30))
FIRM, LOGISTICS = credit_code(1), credit_code(2)
FIRMS = {"firm_id": [FIRM, LOGISTICS], "firm_name": ["甲", "乙物流"], "in_zone": ["是", "是"],
         "independent_accounting": ["是", "是"], "independent_tax": ["是", "是"], "is_logistics": ["否", "是"]}

Table = dict[str, list[str]]


def firms(*ids: str, **columns: dict[str, str]) -> Table:
    """A firms table of `ids`: each in the zone, keeping its own accounts and taxes, not a logistics firm, unless
    `columns` says otherwise for a firm (e.g. in_zone={FIRM: "否"})."""
    defaults = {"in_zone": "是", "independent_accounting": "是", "independent_tax": "是", "is_logistics": "否"}
    table: Table = {"firm_id": list(ids), "firm_name": [f"企业{i}" for i in range(1, len(ids) + 1)]}
    for column, default in defaults.items():
        table[column] = [columns.get(column, {}).get(firm, default) for firm in ids]
    return table


def table(columns: tuple[str, ...], *rows: tuple[str, ...]) -> Table:
    """A table written row by row: each row gives a cell for each of `columns`."""
    assert all(len(row) == len(columns) for row in rows), rows
    return {column: [row[i] for row in rows] for i, column in enumerate(columns)}


def cleaned(period: Period = PERIOD, **tables: Table | list[Table]) -> tuple[Cleaned, Context]:
    """The tables typed by kqcalc.clean for `period` (firms: FIRMS unless given). A list of tables is one table in
    several files: <name>.csv, <name>-2.csv, …"""
    pieces = {}
    for name, files in {"firms": FIRMS, **tables}.items():
        pieces[name] = []
        for i, columns in enumerate(files if isinstance(files, list) else [files]):
            file = f"{name}.csv" if i == 0 else f"{name}-{i + 1}.csv"
            height = len(next(iter(columns.values())))
            frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)).with_columns(
                _row=pl.int_range(2, height + 2, dtype=pl.Int64))
            pieces[name].append(RawTable(name, file, file, frame, {c: c for c in columns}, height))
    result = clean(ReadResult(pieces, [], {}), period.start.year, period=period)
    assert not [i for i in result.issues if i.severity == "error"], result.issues
    return result, Context(result.tables, load_policy(None), period, result.headers, result.fx)


@dataclass
class Gross:
    """One row of a clause's gross lines frame (kqcalc.lines.GROSS_SCHEMA), its detail decoded. Exact values are
    the frame's: truncated to 20 decimals, `<value>_inexact` when digits were cut (kqcalc/lines.py)."""

    firm_id: str
    item: str
    ref: str
    measure: Decimal
    measure_inexact: bool
    unit: str
    gross: Decimal
    gross_inexact: bool
    cap: Decimal | None
    reasons: list[str]
    detail: Any


def gross_frame_of(clause: ModuleType, ctx: Context) -> pl.DataFrame:
    """One clause's gross lines frame, as items.gross_lines makes it (queries collected first where it has them)."""
    got = {name: query.collect() for name, query in clause.queries(ctx).items()} if hasattr(clause, "queries") else {}
    return clause.frame_lines(ctx, got)


def gross(clause: ModuleType, ctx: Context) -> list[Gross]:
    """One clause's gross lines, a Gross per row of its frame."""
    return _rows(gross_frame_of(clause, ctx), Gross)


def _rows(frame: pl.DataFrame, kind: type) -> list:
    decoded = frame.with_columns(pl.col("detail").map_elements(msgspec.json.decode, return_dtype=pl.Object))
    return [kind(**row) for row in decoded.iter_rows(named=True)]


@dataclass
class Final(Gross):
    """One row of the final lines frame (kqcalc.rules.FINAL_SCHEMA): a gross line's columns, then what the general
    rules add, its detail decoded."""

    capped: Decimal
    capped_inexact: bool
    after_rules: Decimal
    after_rules_inexact: bool
    award: Decimal
    status: str
    funding: str
    rule_reasons: list[str]
    deductions: list[dict]
    reason: str


def final(lines: list[Gross], ctx: Context) -> list[Final]:
    """The lines after the general rules (cap, eligibility, one-time, 从高不重复, adjustments, funding), one
    Final per row of the final lines frame."""
    encode = msgspec.json.Encoder(order="sorted").encode
    rows = [(*(getattr(ln, name) for name in GROSS_SCHEMA if name != "detail"), encode(ln.detail).decode())
            for ln in lines]
    frame = pl.DataFrame(rows, schema=GROSS_SCHEMA, orient="row")
    got, issues = apply_rules(frame, ctx, build_registry(ctx, set()))
    assert not issues, issues
    return _rows(got, Final)


def text(value: Any, places: int = 20) -> str | None:
    """A value as the tests write it: a decimal exactly and plainly (no exponent, no trailing zeros; rounded half
    away from zero only beyond `places` decimals), anything else as str()."""
    if value is None:
        return None
    return plain(value, places) if isinstance(value, Decimal) else str(value)


LINE_COLUMNS = ("firm_id", "item", "ref", "measure", "unit", "gross", "cap", "reasons")
FINAL_COLUMNS = ("firm_id", "item", "ref", "capped", "award", "status", "reasons")


def lines(got: list[Gross] | list[Final], places: int = 20) -> pl.DataFrame:
    """Gross lines as a frame of LINE_COLUMNS (text), sorted by (firm_id, item, ref)."""
    return want([(ln.firm_id, ln.item, ln.ref, text(ln.measure, places), ln.unit, text(ln.gross, places),
                  text(ln.cap), ";".join(ln.reasons)) for ln in got])


def finals(got: list[Final], places: int = 20) -> pl.DataFrame:
    """Final lines as a frame of FINAL_COLUMNS (text): the capped exact amount, the award to the fen, the status,
    and every reason (the clause's, then the general rules'), sorted by (firm_id, item, ref)."""
    return want([(ln.firm_id, ln.item, ln.ref, text(ln.capped, places), f"{ln.award:.2f}", ln.status, ln.reason)
                 for ln in got], FINAL_COLUMNS)


def want(rows: list[tuple], columns: tuple[str, ...] = LINE_COLUMNS) -> pl.DataFrame:
    """A frame of text rows (the expected lines, written by hand), sorted by its first three columns."""
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
    return frame.sort(list(columns[:3]))


def totals(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """A clause's query totals as text (exact decimals, files by name), sorted by `by`; without the Float64 sums
    beside decimal sums (lines.checked_sum: an overflow guard, tested in tests/test_rules.py)."""
    frame = frame.select(pl.exclude("^.*_check$"))
    return pl.DataFrame({c: [text(v) for v in frame[c].to_list()] for c in frame.columns},
                        schema=dict.fromkeys(frame.columns, pl.String)).sort(by)


def want_totals(by: list[str], columns: tuple[str, ...], *values: tuple) -> pl.DataFrame:
    """Expected query totals (text), sorted by `by`."""
    return pl.DataFrame(list(values), schema=dict.fromkeys(columns, pl.String), orient="row").sort(by)
