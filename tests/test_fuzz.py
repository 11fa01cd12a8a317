"""Fuzzing the readers (SPEC §7): whatever bytes, cells or headers the input holds, kqcalc never shows a
traceback and exits 0 (clean), 1 (could not run, one clear line) or 3 (report written, errors in issues.csv).

Each test runs for a bounded number of generated inputs (hypothesis, `max_examples` below) and calls the CLI
in-process through typer's CliRunner. An exit 1 must be one of kqcalc's own messages: "unexpected error"
means an exception escaped the engine, which is a bug even though the CLI turned it into one line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import re
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from typer.testing import CliRunner

from kqcalc import tables as T
from kqcalc.cli import app
from kqcalc.tables import TABLES

# The same examples on every `make test` (CI stays reproducible); KQCALC_FUZZ_EXAMPLES raises the number of
# inputs per test and draws them at random, for a longer hunt (e.g. 2000 in a nightly job).
EXAMPLES = int(os.environ.get("KQCALC_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                derandomize="KQCALC_FUZZ_EXAMPLES" not in os.environ)
SMALL = settings(FUZZ, max_examples=max(1, EXAMPLES // 2))

F1 = "91330603MA2KQ0701K"
F2 = "91330603MA2KQ0702N"
FIRMS_CSV = (
    "firm_id,firm_name,in_zone,independent_accounting,independent_tax\n"
    f"{F1},甲公司,是,是,是\n{F2},乙公司,是,是,是\n"
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every table is fuzzed, firms too (it can break the whole run).
FUZZED_TABLES = list(TABLES)


# --------------------------------------------------------------------------- running and checking


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    stdout, stderr = result.stdout, result.stderr
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"exception escaped the CLI: {exc!r}\n{stderr[-2000:]}"
    return result.exit_code, stdout, stderr


QUIET_ERROR = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \d{8}T\d{6}[+-]\d{4}(-\d+)? Error: ")


def check_outcome(code: int, stdout: str, stderr: str, quiet: bool = True) -> None:
    if currently_in_test_context():
        event(f"exit {code}")  # pytest --hypothesis-show-statistics shows how deep the inputs got
    output = stdout + stderr
    assert code in (0, 1, 3), f"exit code {code}\n{output[-3000:]}"
    assert "Traceback" not in output, output[-3000:]
    if code == 1:
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        # Under --quiet the one line starts with the local time and the run id (SPEC §4).
        assert len(lines) == 1 and (QUIET_ERROR.match(lines[0]) if quiet else lines[0].startswith("Error: ")), \
            stderr[-3000:]
        assert "unexpected error" not in lines[0] and "意外错误" not in lines[0], lines[0]


def validate(*inputs: Path) -> int:
    code, stdout, stderr = invoke("validate", *inputs, "--quiet")
    check_outcome(code, stdout, stderr)
    return code


def compute(out: Path, *inputs: Path) -> int:
    code, stdout, stderr = invoke("compute", *inputs, "--out", out, "--formats", "csv", "--quiet")
    check_outcome(code, stdout, stderr)
    if code == 1:
        assert not (out / "awards.csv").exists()
        return code
    for name in ("awards.csv", "summary.csv", "issues.csv"):
        raw = (out / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), f"{name}: a cell Excel would execute: {cell!r}"
    return code


def folder_with_firms(root: Path) -> Path:
    folder = root / "in"
    folder.mkdir()
    (folder / "firms.csv").write_text(FIRMS_CSV, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- strategies

# Cell texts that exercise every parser: spellings kqcalc accepts, near misses, separators, quotes, formulas,
# control characters, non-BMP and full-width characters.
INTERESTING = [
    "", " ", "是", "否", "Y", "n", "√", "×", "maybe", "2020-07-01", "2020/7/1", "2020年7月1日", "2021-02-29",
    "44000", "0", "-1", "1,000", "3,5", "¥1,234.50", "US$5", "1e9", "NaN", "inf", "100000000000000000000000",
    "0.0000001", "B2C", "b2b", "USD", "EUR", "502", "美元", "XYZ", F1, F2, F1.lower(), "9133060", "合计", "Total",
    "=1+1", "+SUM(A1)", "@cmd", "-5", "\t", "a,b", 'say "hi"', "line\nbreak", "cr\rret", "\x00", "\ufeff",
    "１２３", "𠀀", "1A", "10b", "national", "区", "major", "学院",
]
cell_text = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=12))


# Plausible cells of each kind (some valid, some near misses), so that generated rows reach the clauses.
PLAUSIBLE = {
    T.FIRM_ID: [F1, F2, F1.lower(), f" {F2} ", "91330603MA2KQ0709X", "91330603MA2KQ0703R"],
    T.TEXT: ["甲公司", "x", "偷税", "=HYPERLINK()"],
    T.KEY: ["amazon.com", "Amazon.com ", "S1", "s1", "阿里巴巴国际站", "D1", "W1", "P1"],
    T.BOOL: ["是", "否", "Y", "n", "1", "0", "TRUE"],
    T.DATE: ["2020-07-01", "2021-06-30", "2020/8/1", "44100", "2019-01-01", "2021年1月1日", "2021-07-01"],
    T.MONEY: ["0", "1", "30000", "3,000,000", "5000000.005", "100000000", "US$30,000"],
    T.QUANTITY: ["0", "3", "24", "300.5", "2.5"],
    T.COUNT: ["0", "1", "15", "20", "30", "100", "800"],
    T.CURRENCY: ["USD", "CNY", "EUR", "142", "", "JPY"],
    T.MODEL: ["B2C", "B2B", "b2c"],
    T.PROGRAM_KIND: ["major", "学院", "专业"],
    T.ITEM: ["1A", "2", "3a", "8", "9A", "10B"],
    T.LEVEL: ["national", "区", "city"],
    T.YEAR: ["2019", "2020", "2021年"],
    T.RATE: ["1", "0.15", "1.1", "0"],
}


def cell_for(column: T.Column) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(PLAUSIBLE[column.kind]), st.sampled_from(PLAUSIBLE[column.kind]), cell_text)


@st.composite
def header_and_rows(draw: st.DrawFn, name: str) -> tuple[list[str], list[list[str]]]:
    """A random header and random cells, or (mostly) every required column of the table and some optional
    ones in some spelling and order, plus extra columns, with plausible cells below (rows reach the clauses)."""
    table = TABLES[name]
    if draw(st.integers(0, 3)) == 0:
        spellings = [s for c in table.columns for s in (c.name, *c.aliases)]
        header = draw(st.lists(st.one_of(st.sampled_from(spellings), st.text(max_size=8)), max_size=10))
        return header, draw(st.lists(st.lists(cell_text, max_size=len(header)), max_size=12))
    columns = draw(st.permutations(list(table.columns)))
    columns = [c for c in columns if c.required or draw(st.booleans())]
    header = [draw(st.sampled_from([c.name, *c.aliases])) for c in columns]
    extra = draw(st.lists(st.sampled_from(["note", "备注", "x"]), max_size=2, unique=True))
    rows = draw(st.lists(st.tuples(*[cell_for(c) for c in columns], *[cell_text for _ in extra]).map(list),
                         max_size=12))
    return header + extra, rows


@st.composite
def csv_table(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    """(table name, the file's rows: title rows, the header, data rows)."""
    name = draw(st.sampled_from(FUZZED_TABLES))
    titles = draw(st.lists(st.lists(cell_text, min_size=1, max_size=3), max_size=2))
    header, rows = draw(header_and_rows(name))
    return name, [*titles, header, *rows]


def csv_bytes(rows: list[list[str]], encoding: str, sep: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


workbook_value = st.one_of(
    cell_text,
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["=1/0", "=A2*10", '=IF(TRUE,"是","否")', "=SUM(G2:G9)", "=#REF!"]),
)


# --------------------------------------------------------------------------- the tests


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx", ".parquet"]),
       table=st.sampled_from(["firms", "transactions", "交易", "fx_rates"]))
def test_random_bytes_in_any_input_file(data: bytes, suffix: str, table: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = folder_with_firms(Path(tmp))
        (folder / f"{table}{suffix}").write_bytes(data)
        validate(folder)


@FUZZ
@given(data=st.binary(min_size=1, max_size=600), prefix=st.sampled_from([
    b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbffirm_id,firm_name\n", b"\xff\xfe",
    b"PAR1",
]))
def test_random_bytes_behind_a_known_signature(data: bytes, prefix: bytes) -> None:
    """Bytes that start like a zip, an OLE file, a BOM CSV, a UTF-16 file or Parquet, then go astray."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = folder_with_firms(Path(tmp))
        for suffix in (".xlsx", ".csv", ".parquet"):
            (folder / f"transactions{suffix}").write_bytes(prefix + data)
            validate(folder)
            (folder / f"transactions{suffix}").unlink()


@FUZZ
@given(table=csv_table(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
       sep=st.sampled_from([",", ",", "\t", ";"]))
def test_random_csv_headers_and_cells(table: tuple[str, list[list[str]]], encoding: str, sep: str) -> None:
    name, rows = table
    with tempfile.TemporaryDirectory() as tmp:
        folder = folder_with_firms(Path(tmp))
        (folder / f"{name}.csv").write_bytes(csv_bytes(rows, encoding, sep))
        compute(Path(tmp) / "out", folder)


@SMALL
@given(tables=st.lists(csv_table(), min_size=1, max_size=3))
def test_random_csv_tables_together(tables: list[tuple[str, list[list[str]]]]) -> None:
    """Several fuzzed tables at once, in one folder and split over a second one."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = folder_with_firms(Path(tmp))
        second = Path(tmp) / "more"
        second.mkdir()
        for i, (name, rows) in enumerate(tables):
            target = folder if i % 2 == 0 else second
            path = target / f"{name}.csv"
            if path.exists():
                path = target / f"{TABLES[name].alias}.csv"
            path.write_bytes(csv_bytes(rows, "utf-8", ","))
        compute(Path(tmp) / "out", folder, second)


@st.composite
def workbook_sheets(draw: st.DrawFn) -> list[tuple[str, list[list[object]], list[str]]]:
    sheets = []
    names = draw(st.lists(st.sampled_from([*FUZZED_TABLES, "企业名录", "交易", "说明", "Sheet"]), min_size=1,
                          max_size=3, unique=True))
    for name in names:
        table = name if name in TABLES else draw(st.sampled_from(FUZZED_TABLES))
        text_header, text_rows = draw(header_and_rows(table))
        header: list[object] = list(text_header)
        rows: list[list[object]] = [header]
        rows += draw(st.lists(st.lists(workbook_value, max_size=len(header) + 2), max_size=4))
        rows += [[draw(st.one_of(st.just(v), workbook_value)) for v in row] for row in text_rows]
        if draw(st.booleans()):
            rows.insert(0, [draw(cell_text)])  # a title row
        merges = draw(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 4), st.integers(0, 3),
                                         st.integers(0, 2)), max_size=3))
        ranges = [f"{openpyxl.utils.get_column_letter(c)}{r}:{openpyxl.utils.get_column_letter(c + w)}{r + h}"
                  for r, c, h, w in merges]
        sheets.append((name, rows, ranges))
    return sheets


def write_workbook(path: Path, sheets: list[tuple[str, list[list[object]], list[str]]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows, ranges in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([_excel_safe(v) for v in row])
        for ref in ranges:
            try:
                ws.merge_cells(ref)
            except ValueError:
                pass
    wb.save(path)


def _excel_safe(value: object) -> object:
    if isinstance(value, str):
        # openpyxl refuses control characters; Excel cannot hold them either
        return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)[:200]
    return value


@FUZZ
@given(sheets=workbook_sheets(), with_firms_csv=st.booleans())
def test_random_workbook_cells_headers_formulas_and_merges(sheets: list, with_firms_csv: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = folder_with_firms(Path(tmp)) if with_firms_csv else Path(tmp) / "in"
        folder.mkdir(exist_ok=True)
        write_workbook(folder / "data.xlsx", sheets)
        compute(Path(tmp) / "out", folder)


def _valid_workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "firms"
    ws.append(["firm_id", "firm_name", "in_zone", "independent_accounting", "independent_tax"])
    ws.append([F1, "甲公司", "是", "是", "是"])
    ws.append([F2, "乙公司", "=1+1", "是", "是"])
    tx = wb.create_sheet("transactions")
    tx.append(["firm_id", "platform", "model", "traded_on", "amount", "currency"])
    for i in range(30):
        tx.append([F1 if i % 2 else F2, "amazon.com", "B2C", dt.date(2020, 8, 1 + i % 28), 1000 * i, "USD"])
    tx.merge_cells("F3:F4")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


VALID_WORKBOOK = _valid_workbook()


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 40), cut=st.one_of(st.none(), st.integers(0, 8000)))
def test_damaged_workbook_bytes(seed: int, flips: int, cut: int | None) -> None:
    rng = random.Random(seed)
    data = bytearray(VALID_WORKBOOK)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if cut is not None:
        data = data[:cut]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.xlsx"
        path.write_bytes(bytes(data))
        validate(path)


def _sheet_xml(cells: list[tuple[int, int, str, str]], dimension: str | None) -> bytes:
    by_row: dict[int, list[str]] = {}
    for row, col, kind, body in cells:
        ref = f"{openpyxl.utils.get_column_letter(col)}{row}"
        by_row.setdefault(row, []).append(f'<c r="{ref}"{kind}>{body}</c>')
    rows = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(by_row.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


# Cells inside a small table, and now and then a stray one far away (far below a narrow table means calamine
# reads a million rows: a few seconds, so such cells are kept rare).
xml_place = st.one_of(
    st.tuples(st.integers(1, 12), st.integers(1, 8)),
    st.tuples(st.integers(1, 12), st.integers(1, 8)),
    st.sampled_from([(1_048_576, 16_384), (5, 16_384), (1_048_576, 2000), (5000, 3), (70, 1100), (3, 60)]),
)
xml_cell = st.tuples(
    xml_place,
    st.sampled_from(["", ' t="str"', ' t="e"', ' t="b"', ' t="inlineStr"', ' t="n"', ' t="d"']),
    st.sampled_from(["<v>1</v>", "<v>abc</v>", "<f>1+1</f>", "<f>A1</f><v>3</v>", "<v>#N/A</v>",
                     "<is><t>合计</t></is>", "<is><t>firm_id</t></is>", "<v></v>", "", "<f/>",
                     "<v>2020-07-01T00:00:00</v>", "<v>1e308</v>", "<v>-1e308</v>"]),
)


@FUZZ
@given(cells=st.lists(xml_cell, max_size=25), dimension=st.one_of(
    st.none(), st.sampled_from(["A1", "A1:H12", "A1:XFD1048576", "B2:A1", "ZZZZ9", "A0:B0", "garbage"])))
def test_hand_written_sheet_xml(cells: list[tuple[tuple[int, int], str, str]], dimension: str | None) -> None:
    """Sheet XML as other tools write it: odd types, formulas with and without values, far cells, bad ranges."""
    header = [(1, j + 1, ' t="inlineStr"', f"<is><t>{name}</t></is>")
              for j, name in enumerate(["firm_id", "platform", "model", "traded_on", "amount"])]
    cells = [(r, c, kind, body) for (r, c), kind, body in cells]
    with tempfile.TemporaryDirectory() as tmp:
        folder = folder_with_firms(Path(tmp))
        src = io.BytesIO(VALID_WORKBOOK)
        # keep the cells unique by reference, as a sheet must
        unique = {(r, c): (r, c, k, b) for r, c, k, b in [*header, *cells]}
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(folder / "transactions.xlsx", "w",
                                                          zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename == "xl/worksheets/sheet2.xml":
                    data = _sheet_xml(list(unique.values()), dimension)
                zout.writestr(info, data)
        validate(folder)


@SMALL
@given(frame=st.lists(st.tuples(cell_text, st.one_of(st.none(), st.floats(allow_nan=True)),
                                st.one_of(st.none(), st.dates()), st.one_of(st.none(), st.booleans())),
                      max_size=10),
       names=st.lists(st.sampled_from(["firm_id", "platform", "model", "traded_on", "amount", "金额", "x"]),
                      min_size=4, max_size=4))
def test_random_parquet_columns(frame: list[tuple], names: list[str]) -> None:
    """Parquet of any column types and names (strings, floats with NaN, dates, booleans, duplicated names)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = folder_with_firms(Path(tmp))
        labels = [f"{n}" if names.index(n) == i else f"{n} " for i, n in enumerate(names)]
        columns = list(zip(*frame, strict=True)) if frame else [[], [], [], []]
        df = pl.DataFrame({label: pl.Series(list(col), strict=False) for label, col in zip(labels, columns,
                                                                                            strict=True)})
        df.write_parquet(folder / "transactions.parquet")
        compute(Path(tmp) / "out", folder)


def test_a_few_fuzzed_inputs_through_a_real_process(tmp_path: Path) -> None:
    """The in-process runs above, checked end to end once: the installed entry point prints no traceback."""
    import subprocess
    import sys

    rng = random.Random(6)
    folder = folder_with_firms(tmp_path)
    (folder / "transactions.csv").write_bytes(bytes(rng.randrange(256) for _ in range(2000)))
    (folder / "exports_9610.xlsx").write_bytes(VALID_WORKBOOK[:3000])
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    for args in (["validate", str(folder)], ["compute", str(folder), "--out", str(tmp_path / "out")]):
        done = subprocess.run([sys.executable, "-m", "kqcalc", *args], capture_output=True, text=True, env=env,
                              encoding="utf-8", errors="replace", timeout=120)
        check_outcome(done.returncode, done.stdout, done.stderr, quiet=False)
        assert done.returncode == 1
