"""The header row of a table: where it is, which contract column each header cell names (SPEC §3).

The header row is the first of the first HEADER_SEARCH_ROWS non-blank rows whose cells name at least
min(2, number of columns) of the table's columns; rows above it are titles (warning ``title_rows_skipped``).
A header cell names a column when it equals one of the column's spellings after norm_header, ignoring inner
spaces and line breaks and a trailing "*". Columns not in the contract are dropped (warning ``extra_columns``).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from kqcalc.errors import InputError
from kqcalc.issues import Issue, issue
from kqcalc.tables import TABLES, Table
from kqcalc.text import norm_header

HEADER_SEARCH_ROWS = 10  # the header is one of the first 10 non-blank rows


class NoHeader(InputError):
    """No header row with the table's columns: a stop for a sheet or file named exactly after the table, an
    error issue for one matched only by a name containing the table's name (SPEC §3)."""


def needed(table: Table) -> int:
    """How many of the table's columns a header row names at least."""
    return min(2, len(table.columns))


def header_key(text: str) -> str:
    """How a header cell is compared with a column's spellings: norm_header, then without any space and
    without a trailing "*" (a header wrapped over two lines in Excel, or marked required, still matches)."""
    return "".join(norm_header(text).split()).rstrip("*")


def alias_map(table: Table) -> dict[str, str]:
    """header_key of every spelling of the table's columns -> the column's contract name."""
    out: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, *col.aliases):
            out.setdefault(header_key(spelling), col.name)
    return out


def cell_text(value: Any) -> str | None:
    """A cell as header text: None when empty or whitespace."""
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def header_matches(table: Table, cells: list[str | None]) -> int:
    """How many of the table's columns these cells name."""
    aliases = alias_map(table)
    return len({aliases[k] for c in cells if c is not None and (k := header_key(c)) in aliases})


def find_header_rows(table: Table, grid: pl.DataFrame) -> tuple[int | None, list[tuple[int, str]] | None]:
    """(index of the header row in grid, title rows above it as (row number, text)).

    (None, None) when every row is blank; (None, titles) when no header was found.
    """
    non_blank: list[tuple[int, list[str | None]]] = []
    offset = 0
    step = 64
    while len(non_blank) < HEADER_SEARCH_ROWS and offset < grid.height:
        for i, values in enumerate(grid.slice(offset, step).iter_rows(), start=offset):
            cells = [cell_text(v) for v in values]
            if any(c is not None for c in cells):
                non_blank.append((i, cells))
                if len(non_blank) == HEADER_SEARCH_ROWS:
                    break
        offset += step
        step = min(step * 4, 100_000)
    if not non_blank:
        return None, None
    titles: list[tuple[int, str]] = []
    for i, cells in non_blank:
        if header_matches(table, cells) >= needed(table):
            return i, titles
        titles.append((i + 1, next(c for c in cells if c is not None).strip()))
    return None, titles


def map_header(
    table: Table, file: str, cells: list[str | None], labels: list[str], data: pl.DataFrame
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """(contract column -> position, contract column -> header as written, extra column descriptions)."""
    aliases = alias_map(table)
    mapping: dict[str, int] = {}
    headers: dict[str, str] = {}
    extras: list[str] = []
    for j, cell in enumerate(cells):
        if cell is None:
            if j < data.width and data.get_column(f"c{j}").null_count() < data.height:
                extras.append(f"an unnamed column ({labels[j]})")
            continue
        name = aliases.get(header_key(cell))
        if name is None:
            extras.append(f"{cell.strip()} ({labels[j]})")
            continue
        if name in mapping:
            raise InputError("duplicate_header", table=table.name, file=file, first=repr(headers[name]),
                             first_at=labels[mapping[name]], second=repr(cell.strip()), second_at=labels[j],
                             spellings=spellings(table, name))
        mapping[name] = j
        headers[name] = cell.strip()
    missing = [c for c in table.columns if c.required and c.name not in mapping]
    if missing:
        found = ", ".join(" ".join(c.split()) for c in cells if c is not None) or "(none)"  # one line
        what = ", ".join(spellings(table, c.name) for c in missing)
        raise InputError("missing_columns/one" if len(missing) == 1 else "missing_columns", table=table.name,
                         file=file, columns=what, found=found)
    return mapping, headers, extras


def spellings(table: Table, name: str) -> str:
    col = table.column(name)
    return f"{col.name} ({' / '.join(col.aliases)})" if col.aliases else col.name


def no_header(table: Table, file: str, *, parquet: bool = False) -> NoHeader:
    names = ", ".join(spellings(table, c.name) for c in table.columns)
    if parquet:
        return NoHeader("no_header_parquet", table=table.name, file=file, needed=needed(table), names=names)
    return NoHeader("no_header", table=table.name, file=file, rows=HEADER_SEARCH_ROWS, needed=needed(table),
                    names=names)


def known_tables() -> str:
    return ", ".join(f"{t.name}/{t.alias}" for t in TABLES.values())


def title_warning(table: Table, file: str, titles: list[tuple[int, str]], header_row: int) -> Issue:
    """title_rows_skipped: the rows above the header (row number, first text)."""
    rows = ", ".join(str(r) for r, _ in titles)
    texts = "; ".join(repr(t) for _, t in titles[:3])
    return issue(table.name, file, 0, "", "title_rows_skipped/one" if len(titles) == 1 else "title_rows_skipped",
                 rows=rows, header_row=header_row, texts=texts)
