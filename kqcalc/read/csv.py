"""A CSV file named after one table, read as text (SPEC §3, §7).

Encoding: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK). Separator: comma,
else tab or semicolon when the header row is only found with those. Lines ended by CR alone are lines. A line
with more fields than the header quarantines its row (``extra_fields``). Row numbers are CSV lines: the
header's own line; data lines follow it (a quoted field spanning lines shifts the count).

A big UTF-8 file (more than LAZY_CSV_BYTES) read for a run (lazy=True) is read the way a big Parquet file is
(SPEC §6): streamed once by Polars into a temporary Parquet file of its text cells (the run's temporary folder,
removed when the process ends), whose blank and total rows are found by rows.py and whose cells stay on disk
until the cleaner loads them a slice at a time (parquet.load / chunks). A file the stream cannot take as it is
(a line with more fields than the header, bytes that are not UTF-8) is read whole as below, as is every
GB18030, UTF-16 or CR-only file (office exports, not province extracts).
"""

from __future__ import annotations

import codecs
import csv
import os
import tempfile
from collections.abc import Iterator
from dataclasses import replace

import polars as pl

from kqcalc.errors import InputError
from kqcalc.issues import issue
from kqcalc.read.base import HEAD_BYTES, Found, RawTable, file_head, first_line
from kqcalc.read.header import HEADER_SEARCH_ROWS, header_matches, map_header, needed, no_header, title_warning
from kqcalc.read.rows import below_header, candidates, marks, no_rows
from kqcalc.tables import Table


class _NotUtf8(Exception):
    pass


class _CsvFailure(Exception):
    pass


class _Ragged(Exception):
    """A line with more fields than the header (Polars stops on it): read again, those rows quarantined."""


# A UTF-8 CSV file bigger than this is read lazily for a run: some 4,000,000 rows of a big table. Measured (README,
# Performance): a district's 1,000,000-row files (55-66 MB) read whole peak at 0.9 GB, and the detour through a
# Parquet file costs them some 40 % more CPU; a province's 10,000,000-row files (0.55-0.66 GB) read whole took 7 GB.
LAZY_CSV_BYTES = 256 * 1024 * 1024


def read_csv(table: Table, display: str, *, lazy: bool = False) -> Found:
    """The table in a CSV file: its piece and the issues met (a missing header raises header.NoHeader).
    lazy: a big UTF-8 file is streamed into a temporary Parquet file and its cells left there (see above)."""
    head, size = file_head(display)
    if size == 0:
        raise InputError("file_empty", file=display)
    complete = size <= len(head)
    source: str | bytes = display
    text_head: str | None = None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        source, text_head = _decode_all(display, "utf-16")
    elif b"\r" in head and b"\n" not in head:  # lines ended by CR alone (old Mac exports): read as lines
        try:
            source, text_head = _decode_all(display, "utf-8-sig")
        except InputError:
            source, text_head = _decode_all(display, "gb18030")
    else:
        try:
            text_head = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=complete)
        except UnicodeDecodeError:
            source, text_head = _decode_all(display, "gb18030")
    found = _csv_header(table, text_head, complete)
    if found is None:
        raise no_header(table, display)
    sep, header_line, header_cells, titles = found
    if lazy and size > LAZY_CSV_BYTES and isinstance(source, str):
        scanned = _scan_csv(table, display, sep, header_line, header_cells, titles)
        if scanned is not None:
            return scanned
    ragged: list[tuple[int, int, list[str]]] = []
    try:
        data = _polars_csv(source, sep, header_line)
    except _NotUtf8:
        if isinstance(source, str) and not head.isascii():
            # the head is UTF-8 text (GB18030 text is not valid UTF-8 for long): the file is damaged,
            # and decoding it all as GB18030 would garble every character
            raise InputError("csv_damaged_utf8", file=display) from None
        source, text_head = _decode_all(display, "gb18030")
        found = _csv_header(table, text_head, complete)
        if found is None:
            raise no_header(table, display) from None
        sep, header_line, header_cells, titles = found
        try:
            data = _polars_csv(source, sep, header_line)
        except _NotUtf8 as exc:
            raise InputError("not_text", file=display, detail=exc) from None
        except _Ragged:
            data = _polars_csv(source, sep, header_line, ragged=True)
            ragged = _ragged_records(source, sep, header_line, len(header_cells))
    except _Ragged:
        data = _polars_csv(source, sep, header_line, ragged=True)
        ragged = _ragged_records(source, sep, header_line, len(header_cells))
    except _CsvFailure as exc:
        raise InputError("csv_unreadable", file=display, detail=exc) from None
    if data.width < len(header_cells):
        header_cells = header_cells[: data.width]
    header_cells += [None] * (data.width - len(header_cells))
    data.columns = [f"c{j}" for j in range(data.width)]
    issues = [title_warning(table, display, titles, header_line)] if titles else []
    labels = [f"field {j + 1}" for j in range(len(header_cells))]
    piece, found_issues = below_header(table, display, display, header_cells, labels, data, header_line + 1)
    issues += found_issues
    if ragged:
        kept = set(piece.frame["_row"].to_list())
        bad_rows = {row: list(found) for row, found in piece.bad_rows.items()}
        for index, line, fields in ragged:
            row = header_line + 1 + index
            if row not in kept:
                continue
            extra = ", ".join(repr(f) for f in fields[len(header_cells):])
            bad_rows.setdefault(row, []).append(issue(
                table.name, display, row, "", "extra_fields", line=line, fields=len(fields),
                header=len(header_cells), extra=extra))
        piece = replace(piece, bad_rows=bad_rows)
    return Found([piece], issues)


def _scan_csv(table: Table, display: str, sep: str, header_line: int, header_cells: list[str | None],
              titles: list[tuple[int, str]]) -> Found | None:
    """read_csv of a big UTF-8 file, lazily: one streamed pass of Polars' CSV reader (the options of _polars_csv)
    writes the records' text and row numbers into a temporary Parquet file; the blank and total rows are found
    there as for Parquet. None when the stream stops (a ragged line, bytes not UTF-8): read the file whole."""
    fd, path = tempfile.mkstemp(suffix=".parquet", dir=_temp_folder())
    os.close(fd)
    try:
        scan = pl.scan_csv(display, separator=sep, has_header=True, skip_lines=header_line - 1, infer_schema=False,
                           quote_char='"', raise_if_empty=False)
        width = len(scan.collect_schema())
        scan.select([pl.nth(j).alias(f"c{j}") for j in range(width)]).with_row_index(
            "_row", offset=header_line + 1).with_columns(pl.col("_row").cast(pl.Int64)).sink_parquet(path)
    except Exception:  # the whole read meets the same trouble and says what it is
        os.remove(path)
        return None
    source = pl.scan_parquet(path).select(*[f"c{j}" for j in range(width)], "_row")
    cells = header_cells[:width] + [None] * (width - len(header_cells))
    texts = [pl.col(f"c{j}") for j in range(width)]
    n = source.select(pl.len()).collect().item()
    # map_header looks at the data only to tell whether a column without a header holds anything
    unnamed = [f"c{j}" for j, c in enumerate(cells) if c is None]
    held = source.select(pl.col(unnamed).is_not_null().any()).collect().row(0) if unnamed else ()
    # The candidates from the first column only (as rows.candidates allows): one column read, not all.
    found = marks(source, source.filter(candidates(texts[:1])).select("_row").collect().to_series(), texts)
    issues = [title_warning(table, display, titles, header_line)] if titles else []
    issues += found.issues(table.name, display)
    dropped = found.blank | found.total_rows()
    if dropped:
        source = source.filter(~pl.col("_row").is_in(pl.Series(sorted(dropped), dtype=pl.Int64).implode()))
    labels = [f"field {j + 1}" for j in range(width)]
    stand_in = pl.DataFrame({f"c{j}": ["x"] for j in range(width)}).with_columns(
        *[pl.lit(None, pl.String).alias(c) for c, has in zip(unnamed, held, strict=True) if not has])
    mapping, headers, extras = map_header(table, display, cells, labels, stand_in)
    if extras:
        issues.append(issue(table.name, display, 0, "", "extra_columns", columns=", ".join(extras)))
    if table.name != "firms" and n == len(dropped):  # an empty firms table stops the run (read_inputs)
        issues.append(no_rows(table, display))
    columns = [pl.when(pl.col(f"c{j}") != "").then(pl.col(f"c{j}")).alias(name) for name, j in mapping.items()]
    frame = pl.DataFrame(schema={**{name: pl.String for name in mapping}, "_row": pl.Int64})
    piece = RawTable(table.name, display, display, frame, headers, n - len(found.blank), len(found.totals),
                     source=source.select(*columns, "_row"))
    return Found([piece], issues)


_TEMP: list[tempfile.TemporaryDirectory[str]] = []


def _temp_folder() -> str:
    """The process's folder for the Parquet copies of big CSV files (removed when the process ends)."""
    if not _TEMP:
        _TEMP.append(tempfile.TemporaryDirectory(prefix="kqcalc-csv-"))
    return _TEMP[0].name


def _decode_all(path: str, encoding: str) -> tuple[bytes, str]:
    """The whole file re-encoded as UTF-8 (for Polars), and its first characters."""
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise InputError("csv_not_text", file=path) from None
    del raw
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:  # CR alone also ends a line (SPEC §7); CRLF is one line end
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.encode("utf-8"), text[:HEAD_BYTES]


def records(text: str, sep: str, complete: bool) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of the CSV records in `text` (the last, maybe cut, record dropped)."""
    parts = text.split("\n")  # Polars splits lines on \n only (a \r before it is dropped)
    lines = [p + "\n" for p in parts[:-1]]
    if complete and parts[-1]:
        lines.append(parts[-1])
    elif not complete and lines:
        lines.pop()  # the last line may be cut in the middle
    reader = csv.reader(lines, delimiter=sep, quotechar='"')
    start = 1
    try:
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1
    except csv.Error:
        return


def _csv_header(
    table: Table, text: str, complete: bool
) -> tuple[str, int, list[str | None], list[tuple[int, str]]] | None:
    """(separator, header line number, header cells, title rows) found in the head of a CSV."""
    for sep in (",", "\t", ";"):
        non_blank = 0
        titles: list[tuple[int, str]] = []
        for line, fields in records(text, sep, complete):
            cells = [f if f.strip() else None for f in fields]
            if not any(c is not None for c in cells):
                continue
            non_blank += 1
            if header_matches(table, cells) >= needed(table):
                return sep, line, cells, titles
            titles.append((line, next(c for c in cells if c is not None).strip()))
            if non_blank >= HEADER_SEARCH_ROWS:
                break
    return None


def _polars_csv(source: str | bytes, sep: str, header_line: int, *, ragged: bool = False) -> pl.DataFrame:
    """The CSV's records below its header as text. ragged: fields beyond the header are cut off (the caller
    quarantines those rows, see _ragged_records); otherwise such a line raises _Ragged."""
    try:
        return pl.read_csv(
            source,
            separator=sep,
            has_header=True,
            skip_lines=header_line - 1,
            infer_schema=False,
            quote_char='"',
            raise_if_empty=False,
            truncate_ragged_lines=ragged,
        )
    except Exception as exc:  # Polars raises ComputeError / NoDataError / … and pyo3 panics
        text = first_line(exc)
        if "utf-8" in text.lower() or "utf8" in text.lower():
            raise _NotUtf8(text) from None
        if "more fields" in text and not ragged:
            raise _Ragged(text) from None
        raise _CsvFailure(text) from None


def _ragged_records(source: str | bytes, sep: str, header_line: int, width: int) -> list[tuple[int, int, list[str]]]:
    """(index below the header, line number, fields) of the records with non-empty fields beyond the header's
    `width` (Polars' record index, so blank lines count as records as Polars counts them)."""
    if isinstance(source, str):
        with open(source, "rb") as fh:
            text = fh.read().decode("utf-8-sig")
    else:
        text = source.decode("utf-8")
    found = []
    index = -1
    for line, fields in records(text, sep, True):
        if line <= header_line:
            continue
        index += 1
        if len(fields) > width and any(f.strip() for f in fields[width:]):
            found.append((index, line, fields))
    return found
