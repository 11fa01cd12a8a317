"""From text cells to typed tables (SPEC §3, §1 principles 4–5).

Every cell is parsed by the rules of its column's kind. A row with a cell
that cannot be read, a blank required cell or a negative quantity is
quarantined: it contributes nothing and is listed in issues.csv with the row
number the user sees. Keyed tables then merge identical duplicates and
quarantine conflicting ones. Nothing here knows about items or awards.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from kqcalc import tables as T
from kqcalc.compact import BIG_TABLES, ROWS, compact_query, merge_compact
from kqcalc.issues import Issue, issue
from kqcalc.items import ITEMS
from kqcalc.lines import Period
from kqcalc.read import RawTable, ReadResult, SourceColumn, cell_text, chunks, column_text, realize
from kqcalc.text import CREDIT_CODE_ALPHABET, CREDIT_CODE_WEIGHTS, credit_code_check_char, norm_key

# Numbers are exact as written (SPEC §3): a cell is read digit for digit into a decimal of this many places, and a
# cell with more decimals than that is an error (too_many_decimals), never cut. Amounts keep 18 integer digits,
# rates 8. Amounts are converted to USD only after they are summed per currency (lines.Context.usd), with Python
# decimals, so `amount × rate` keeps every digit of both.
MONEY_SCALE = 20  # decimals of amounts, weights, areas
RATE_SCALE = 30  # decimals of exchange rates
MONEY = pl.Decimal(38, MONEY_SCALE)
RATE = pl.Decimal(38, RATE_SCALE)

TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "1.0", "√", "✓", "✔", "对")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "0.0", "×", "✗", "✘", "x")
BOOL_WORDS = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}

# Chinese customs currency codes and names (SPEC §3).
CURRENCY_WORDS = {
    "502": "USD", "美元": "USD",
    "142": "CNY", "人民币": "CNY", "RMB": "CNY",
    "300": "EUR", "欧元": "EUR",
    "303": "GBP", "英镑": "GBP",
    "116": "JPY", "日元": "JPY",
}
MODEL_WORDS = {"B2C": "B2C", "B2B": "B2B"}
PROGRAM_KIND_WORDS = {"major": "major", "专业": "major", "专业(方向)": "major", "college": "college",
                      "学院": "college", "分院": "college", "学院(分院)": "college"}
LEVEL_WORDS = {"national": "national", "国家": "national", "国家级": "national",
               "provincial": "provincial", "省": "provincial", "省级": "provincial",
               "city": "city", "市": "city", "市级": "city",
               "district": "district", "区": "district", "区级": "district"}

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d")
# A date in any of those spellings may be followed, after spaces or a "T", by a time of day: H:MM, H:MM:SS or
# H:MM:SS.fff from 0:00 to 23:59:59.999… (SPEC §3). The cell is the calendar day it falls on; the time is checked
# (2020/7/1 25:00 is not a date) and then dropped. No time zone is accepted: with one the day would be doubtful.
TIME_OF_DAY = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
DATE_THEN_TIME = rf"^(.+?)(?:\s+|T){TIME_OF_DAY}$"
EXCEL_EPOCH = pl.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug ignored before March 1900)
# An Excel serial is five digits (10000 = 1927-05-18 … 99999 = 2173-10-14), with a fraction for the time of day
# (44377.75 = 2021-06-30 18:00). A shorter number is a year or a year.month (2020, 2020.7), never a date.
SERIAL = r"^([0-9]{5})(?:\.([0-9]{1,30}))?$"
# Excel and calamine show a serial rounded to the millisecond, so a fraction within half a millisecond of
# midnight is the next day: fraction >= 1 - 1/(2 × 86,400,000) = 0.999999994212962962…; compared as text, exactly,
# on fractions padded to 30 digits (the threshold is not a finite decimal, so >= is > its first 30 digits).
NEXT_DAY_FRACTION = "999999994212962962962962962962"
FIRST_DAY = pl.date(1900, 1, 1)  # Excel has no earlier date: a workbook cell holding only a time reads as 1899-12-31
FIRM_ID_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]*)?$|^-?\.[0-9]+$"
EXPONENT_PATTERN = r"^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]{1,3}$"  # 1.5E+06, as a CSV may write a number


def credit_code_check_ok(firm_id: str) -> bool:
    """GB 32100-2015: the 18th character is a check over the first 17."""
    return credit_code_check_char(firm_id[:17]) == firm_id[17]


@dataclass
class FileCount:
    """Row accounting of one input file or sheet (SPEC §1 principle 4)."""

    table: str
    read: int = 0
    excluded: int = 0
    merged: int = 0
    quarantined: int = 0

    @property
    def used(self) -> int:
        return self.read - self.excluded - self.merged - self.quarantined


@dataclass
class Cleaned:
    """Typed tables (every contract table present, empty when absent) and what was found on the way.

    Each frame has the contract's columns typed, "<col>__key" (normalised) for
    KEY columns, "_file" and "_row" for tracing, and for transactions and
    exports_9610 "amount_usd" (exact, converted with fx_rates).
    """

    tables: dict[str, pl.DataFrame]
    present: set[str]
    issues: list[Issue]
    counts: dict[str, FileCount]
    headers: dict[str, dict[str, str]]  # file -> contract column -> header as written
    conflicting_firms: set[str] = field(default_factory=set)
    fx: dict[str, Decimal] = field(default_factory=dict)
    # table -> (its height then, firm column -> rows per (file, firm): "_file", <col>, "_row" (first), "len"),
    # counted once after de-duplication for the check-character warnings and reused while the table is unchanged.
    firm_index: dict[str, tuple[int, dict[str, pl.DataFrame]]] = field(default_factory=dict)


# --- cell parsing -----------------------------------------------------------------------------------------


def _text(col: str) -> pl.Expr:
    """NFKC, trimmed, blank → null."""
    e = pl.col(col).cast(pl.String).str.normalize("NFKC").str.strip_chars()
    return pl.when(e == "").then(None).otherwise(e)


def _words(raw: pl.Expr, words: dict[str, object], dtype: pl.DataType, fold: bool = True) -> pl.Expr:
    key = raw.str.to_lowercase() if fold else raw.str.to_uppercase()
    mapping = {(k.lower() if fold else k.upper()): v for k, v in words.items()}
    return key.replace_strict(list(mapping), list(mapping.values()), default=None, return_dtype=dtype)


def _date(raw: pl.Expr) -> pl.Expr:
    """The calendar day of a date cell (SPEC §3): a date spelling, optionally followed by a time of day, or an
    Excel serial with or without a time fraction; null when it is none of those."""
    day_text = pl.coalesce(raw.str.extract(DATE_THEN_TIME, 1), raw)  # the date before a time of day
    candidates = [day_text.str.to_date(f, strict=False) for f in DATE_FORMATS]
    serial = raw.str.extract_groups(SERIAL)  # never with a written time: "44013 10:00" is not a date
    fraction = serial.struct.field("2").str.pad_end(30, "0")
    days = serial.struct.field("1").cast(pl.Int64) + (fraction > NEXT_DAY_FRACTION).fill_null(False).cast(pl.Int64)
    day = pl.coalesce([*candidates, EXCEL_EPOCH + pl.duration(days=days)])
    return pl.when(day >= FIRST_DAY).then(day)


def _number_text(raw: pl.Expr) -> pl.Expr:
    """Strip a leading ¥ / $ / US$ and thousands separators; what is left must be a plain decimal.

    Commas must group thousands ("1,234,567.5"): "3,5" or "1,00" is doubtful (a decimal comma?) and stays
    unreadable rather than becoming 35 or 100 (SPEC §1 principle 5)."""
    text = raw.str.replace(r"^(?i:US\$|\$|¥|￥)\s*", "").str.replace_all(r"\s", "")
    grouped = text.str.contains(r"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
    plain = pl.when(~text.str.contains(",") | grouped).then(text.str.replace_all(",", ""))
    # A number in exponent form is written out, exactly (Python decimals, for those cells only: they are rare).
    return plain.map_batches(_exponent_free, return_dtype=pl.String, is_elementwise=True)


def _exponent_free(texts: pl.Series) -> pl.Series:
    """"1.5E+06" -> "1500000", "4.3E-5" -> "0.000043": the same number without an exponent (other text as it is)."""
    scientific = texts.str.contains(EXPONENT_PATTERN).fill_null(False)
    if not scientific.any():
        return texts
    written = [format(Decimal(text), "f") for text in texts.filter(scientific)]
    return texts.clone().scatter(scientific.arg_true(), written)


def _decimals(text: pl.Expr) -> pl.Expr:
    """How many decimals a plain number has, trailing zeros not counted."""
    return text.str.extract(r"\.([0-9]*?)0*$", 1).str.len_chars().fill_null(0)


_NOT_WHOLE = -(2**63)  # Int64 minimum: marks a count that is not a whole number


@dataclass(frozen=True)
class _Parsed:
    """How one kind of cell is read: the typed value, and the error code of a present cell given that value."""

    value: pl.Expr
    bad: Callable[[pl.Expr], pl.Expr]  # (value column) -> error code or null


def _when_null(code: str) -> Callable[[pl.Expr], pl.Expr]:
    return lambda value: pl.when(pl.col("text").is_not_null() & value.is_null()).then(pl.lit(code))


def _parse(col: T.Column, raw: pl.Expr, plain_numbers: bool = False) -> _Parsed:
    """The typed value of a column and the error code for a cell that is present but wrong.

    plain_numbers: the caller knows every cell is digits, '.' and '-' only, so no stripping is needed.
    """
    kind = col.kind
    present = raw.is_not_null()
    if kind == T.FIRM_ID:
        value = raw.str.replace_all(r"\s", "").str.to_uppercase()
        return _Parsed(pl.when(value.str.contains(FIRM_ID_PATTERN)).then(value), _when_null("bad_firm_id"))
    if kind in (T.TEXT, T.KEY):
        return _Parsed(raw, lambda value: pl.lit(None, pl.String))
    if kind == T.BOOL:
        return _Parsed(_words(raw, BOOL_WORDS, pl.Boolean), _when_null("bad_boolean"))
    if kind == T.DATE:
        return _Parsed(_date(raw), _when_null("bad_date"))
    if kind in (T.MONEY, T.QUANTITY, T.RATE, T.COUNT, T.YEAR):
        text = raw.str.replace(r"年$", "") if kind == T.YEAR else raw
        text = text if plain_numbers else _number_text(text)
        dtype = RATE if kind == T.RATE else MONEY
        fits = text.str.contains(NUMBER_PATTERN) & (_decimals(text) <= (dtype.scale or 0))
        number = pl.when(fits).then(text.str.to_decimal(scale=dtype.scale or 0))
        number = number.cast(dtype)
        too_long = text.str.contains(NUMBER_PATTERN) & (_decimals(text) > (dtype.scale or 0))
        if kind in (T.COUNT, T.YEAR):
            whole = number == number.cast(pl.Int64, strict=False).cast(MONEY)
            value = pl.when(whole).then(number.cast(pl.Int64, strict=False))
            # A number that is not whole is kept as a sentinel so that its error can be told apart (not -1:
            # a negative count is a negative_value).
            value = pl.when(number.is_not_null() & ~whole).then(pl.lit(_NOT_WHOLE, pl.Int64)).otherwise(value)
            low, high = (1900, 2100) if kind == T.YEAR else (0, None)

            def bad_whole(v: pl.Expr) -> pl.Expr:
                chain = pl.when(present & v.is_null()).then(pl.lit("bad_number")).when(v == _NOT_WHOLE).then(
                    pl.lit("not_whole_number")).when(v < 0).then(pl.lit("negative_value"))
                if kind == T.YEAR:
                    chain = chain.when(~v.is_between(low, high)).then(pl.lit("bad_year"))
                return chain

            return _Parsed(value, bad_whole)

        def bad_decimal(v: pl.Expr) -> pl.Expr:
            chain = pl.when(present & too_long.fill_null(False)).then(pl.lit("too_many_decimals")).when(
                present & v.is_null()).then(pl.lit("bad_number")).when(v < 0).then(pl.lit("negative_value"))
            return chain.when(v <= 0).then(pl.lit("bad_rate")) if kind == T.RATE else chain

        return _Parsed(number, bad_decimal)
    if kind == T.CURRENCY:
        upper = raw.str.to_uppercase()
        named = upper.replace_strict(list(CURRENCY_WORDS), list(CURRENCY_WORDS.values()), default=None,
                                     return_dtype=pl.String)
        value = pl.coalesce([named, pl.when(upper.str.contains(r"^[A-Z]{3}$")).then(upper)])
        return _Parsed(value, _when_null("bad_currency"))
    words = {T.MODEL: MODEL_WORDS, T.PROGRAM_KIND: PROGRAM_KIND_WORDS, T.LEVEL: LEVEL_WORDS,
             T.ITEM: {c: c for c in ITEMS}}[kind]
    value = _words(raw, words, pl.String, fold=kind not in (T.MODEL, T.ITEM))
    return _Parsed(value, _when_null(f"bad_{kind}"))


# Errors in these columns are reported but do not quarantine the row: a negative record whose date cannot be
# read, or whose category is blank (an unknown category applies too), still disqualifies the firm (SPEC §1
# principle 5, fail closed).
# The same holds for an earlier or other-level award whose amount (or year) cannot be read: it still takes
# the whole line (rules.py treats the unknown amount as unlimited), so doubt never pays an award twice.
SOFT_COLUMNS = {"negative_records": ("occurred_on", "category"), "prior_awards": ("year", "amount_rmb"),
                "other_awards": ("amount_rmb",)}
SOFT_OUTCOME = {"negative_records": "record_applies", "prior_awards": "award_applies",
                "other_awards": "award_applies"}  # keys of messages.OUTCOMES


LOW_CARDINALITY = 0.2  # parse distinct values once when they are fewer than this share of the rows


def parse_column(raw: pl.Series, col: T.Column) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(typed value, error code, text as read) of one column.

    Dates, ids, flags and codes repeat a lot: their distinct values are parsed once and joined back, which
    makes a million-row column cost little more than one hash join.
    """
    frame = raw.rename("raw").to_frame()
    distinct = frame.unique(maintain_order=False)
    low = distinct.height <= max(1000, LOW_CARDINALITY * frame.height)
    work = distinct if low else frame
    text = pl.col("raw").cast(pl.String)
    if work["raw"].str.contains(r"[^\x00-\x7F]").any():  # NFKC only where it can change something
        text = text.str.normalize("NFKC")
    text = text.str.strip_chars()
    text = pl.when(text == "").then(None).otherwise(text)
    if col.default is not None:
        text = text.fill_null(pl.lit(col.default))
    work = work.with_columns(text.alias("text"))
    numeric = col.kind in (T.MONEY, T.QUANTITY, T.RATE, T.COUNT, T.YEAR)
    plain_numbers = numeric and not work["text"].str.contains(r"[^0-9.\-]").any()
    parsed = _parse(col, pl.col("text"), plain_numbers)
    work = work.with_columns(parsed.value.alias("value"))
    error = parsed.bad(pl.col("value"))
    if col.required:
        error = pl.when(pl.col("text").is_null()).then(pl.lit("missing_value")).otherwise(error)
    work = work.with_columns(error.cast(pl.String).alias("error"))
    work = work.with_columns(pl.when(pl.col("error").is_null()).then(pl.col("value")).alias("value"))
    if low:
        work = frame.join(work, on="raw", how="left", nulls_equal=True, maintain_order="left")
    return work["value"].rename(col.name), work["error"], work["text"]


# --- the fast lane: cells already written the usual way -------------------------------------------------------
#
# Most cells of a big table are already in their plainest spelling (an ISO date, a plain decimal, an upper-case
# credit code, ASCII text without edge spaces). For those, NFKC, trimming and the alternative spellings cannot
# change anything, so one cheap expression gives exactly the value parse_column would. parse_frame reads every
# column of a table that way in one parallel select; blank cells take the value parse_column gives a blank
# cell, and only the other cells (usually none) go through parse_column.

_PLAIN_TEXT = "^[!-~\u4e00-\u9fff](?:[ -~\u4e00-\u9fff]*[!-~\u4e00-\u9fff])?$"
_PLAIN_DECIMAL = r"^[0-9]+(\.[0-9]+)?$"
_PLAIN_WHOLE = r"^[0-9]{1,15}$"
_PLAIN_TIME = r"^.{10} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"  # after the 10 characters of an ISO date


def _canonical_words(words: dict[str, object], fold: bool) -> dict[str, object]:
    """The spellings that normalising (NFKC, trim, case) leaves as they are: a cell equal to one is that word."""
    import unicodedata

    def norm(w: str) -> str:
        text = unicodedata.normalize("NFKC", w).strip()
        return text.lower() if fold else text.upper()

    mapping = {(k.lower() if fold else k.upper()): v for k, v in words.items()}
    return {k: v for k, v in mapping.items() if norm(k) == k}


def _fast(col: T.Column, raw: pl.Expr) -> tuple[pl.Expr, pl.Expr] | None:
    """(value, read) for the plainest spelling of a cell of this column; `read` is false where the cell needs
    parse_column. None when the column has no fast lane."""
    kind = col.kind
    if kind == T.FIRM_ID:
        return raw, raw.str.contains(FIRM_ID_PATTERN)
    if kind in (T.TEXT, T.KEY):
        # Printable ASCII and CJK unified ideographs (NFKC leaves both alone, case folding changes no ideograph)
        # with no space at either end: Chinese platform, store and firm names are read here too.
        return raw, raw.str.contains(_PLAIN_TEXT)
    if kind == T.DATE:
        # An ISO date, or an ISO date and a time of day as calamine writes a workbook's date and datetime cells
        # ("2020-09-06 00:00:00", "2021-06-30 18:30:00"): parse_column reads that as its date too (DATE_THEN_TIME).
        value = raw.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        length = raw.str.len_bytes()
        plain = (length == 10) | (length == 19) & raw.str.contains(_PLAIN_TIME)
        return value, value.is_not_null() & plain & (value >= FIRST_DAY)
    if kind in (T.MONEY, T.QUANTITY, T.RATE):
        dtype = RATE if kind == T.RATE else MONEY
        plain = raw.str.contains(_PLAIN_DECIMAL) & (raw.str.len_bytes() <= 38)
        plain = plain & (_decimals(raw) <= (dtype.scale or 0))
        value = pl.when(plain).then(raw.str.to_decimal(scale=dtype.scale or 0)).cast(dtype)
        read = value.is_not_null() & (value > 0 if kind == T.RATE else pl.lit(True))
        return value, read
    if kind == T.COUNT:
        whole = raw.str.contains(_PLAIN_WHOLE)
        value = pl.when(whole).then(raw.cast(pl.Int64, strict=False))
        return value, value.is_not_null()
    if kind == T.YEAR:
        return None
    if kind == T.CURRENCY:
        codes = {k: v for k, v in CURRENCY_WORDS.items() if k.isascii() and k.isalpha() and k.isupper()}
        code = raw.str.contains(r"^[A-Z]{3}$")
        return pl.when(code).then(raw.replace(codes)), code.fill_null(False)
    words: dict[str, object] | None = {T.BOOL: BOOL_WORDS, T.MODEL: MODEL_WORDS, T.PROGRAM_KIND: PROGRAM_KIND_WORDS,
                                       T.LEVEL: LEVEL_WORDS, T.ITEM: {c: c for c in ITEMS}}.get(kind)
    if words is None:
        return None
    canonical = _canonical_words(words, fold=kind not in (T.MODEL, T.ITEM))
    dtype = pl.Boolean if kind == T.BOOL else pl.String
    value = raw.replace_strict(list(canonical), list(canonical.values()), default=None, return_dtype=dtype)
    return value, value.is_not_null()


_DTYPES = {T.BOOL: pl.Boolean, T.DATE: pl.Date, T.MONEY: MONEY, T.QUANTITY: MONEY, T.RATE: RATE, T.COUNT: pl.Int64,
           T.YEAR: pl.Int64}  # the typed value of the other kinds is text


@functools.cache
def _blank_cell(kind: str, required: bool, default: str | None) -> tuple[Any, str | None, str | None]:
    """(value, error, text) parse_column gives a blank cell of a column of this kind (the same for every column
    alike)."""
    if default is None:
        return None, "missing_value" if required else None, None
    value, error, text = parse_column(pl.Series("blank", [None], pl.String), T.Column("blank", (), kind, required,
                                                                                      default))
    return value[0], error[0], text[0]


ParsedColumn = tuple[pl.Series, pl.Series, pl.Series, pl.Series | None]  # value, error, text, key

_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)


def _fast_typed(col: T.Column, cell: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr] | None:
    """The fast lane of a cell stored with a type (a Parquet column): a date, a flag, a whole number or a
    decimal of at most the contract's scale is the value its text would parse to; None: read its text."""
    kind = col.kind
    if kind == T.DATE and dtype == pl.Date:
        return cell, cell >= FIRST_DAY  # an earlier date is read from its text, as a bad_date
    if kind == T.BOOL and dtype == pl.Boolean:
        return cell, cell.is_not_null()
    if kind == T.COUNT and dtype in _INTEGERS:
        return cell.cast(pl.Int64), cell >= 0
    if kind == T.YEAR and dtype in _INTEGERS:
        return cell.cast(pl.Int64), cell.is_between(1900, 2100)
    if kind in (T.MONEY, T.QUANTITY, T.RATE):
        target = RATE if kind == T.RATE else MONEY
        exact = dtype in _INTEGERS or isinstance(dtype, pl.Decimal) and (dtype.scale or 0) <= (target.scale or 0)
        if exact:
            value = cell.cast(target, strict=False)
            return value, value > 0 if kind == T.RATE else value >= 0
    return None


def _column_exprs(c: T.Column, cell: pl.Expr, dtype: pl.DataType = pl.String, text: pl.Expr | None = None,
                  blanks: bool = True, cells: bool = True) -> list[pl.Expr]:
    """The fast lane of one column as expressions: the value (c.name), "__read_" (read here), "__key_" (KEY
    columns), "__error_"/"__text_" (of blank cells, when they have any) and, with `cells`, "__cell_" (the text
    of the cells left to parse_column; without it _finish takes them from the raw frame). `cell` is the stored
    value (None for a blank), `text` its cell text (default: the cell); `blanks`: whether the column may hold
    blank cells. The value and key of a cell left to parse_column are whatever the expressions give: _finish
    overwrites them (so the usual, fully read text column is passed through without a copy)."""
    text = cell if text is None else text
    target = _DTYPES.get(c.kind, pl.String)
    typed = _fast_typed(c, cell, dtype) if dtype != pl.String else None
    # The text of a cell the typed lane leaves is made later, for those few cells only (read.cell_text).
    unread = cell if typed is not None else text
    fast = typed or _fast(c, text)
    value, read = fast if fast is not None else (pl.lit(None, target), pl.lit(False))
    read = read.fill_null(False)
    value = value.cast(target)
    key = text.str.to_lowercase() if c.kind == T.KEY else None
    error = blank_texts = None
    if blanks:  # blank cells read as a blank cell does
        blank_value, blank_error, blank_text = _blank_cell(c.kind, c.required, c.default)
        value = pl.when(cell.is_null()).then(pl.lit(blank_value, target)).otherwise(value)
        if key is not None:
            key = pl.when(cell.is_null()).then(pl.lit(blank_value, pl.String).str.to_lowercase()).otherwise(key)
        read = read | cell.is_null()
        if blank_error is not None:
            error = pl.when(cell.is_null()).then(pl.lit(blank_error, pl.String))
            if blank_text is not None:
                blank_texts = pl.when(cell.is_null()).then(pl.lit(blank_text, pl.String))
    exprs = [value.alias(c.name), read.alias(f"__read_{c.name}")]
    exprs += [pl.when(~read).then(unread).alias(f"__cell_{c.name}")] if cells else []
    exprs += [] if key is None else [key.alias(f"__key_{c.name}")]
    exprs += [] if error is None else [error.alias(f"__error_{c.name}")]
    exprs += [] if blank_texts is None else [blank_texts.alias(f"__text_{c.name}")]
    return exprs


def _finish(fast: pl.DataFrame, table: T.Table, raw: pl.DataFrame | None = None) -> dict[str, ParsedColumn]:
    """The parsed columns from the fast lane's outputs: parse_column reads the cells it left (usually none),
    taken from "__cell_" or, when given, from the raw frame."""
    n = fast.height
    read_counts = fast.select(pl.col(f"__read_{c.name}").sum() for c in table.columns).row(0) if n else ()
    present = set(fast.columns)
    none = pl.repeat(None, n, dtype=pl.String, eager=True)  # shared by the columns without errors (never changed)
    out: dict[str, ParsedColumn] = {}
    for i, c in enumerate(table.columns):
        value = fast.get_column(c.name)
        key = fast.get_column(f"__key_{c.name}") if c.kind == T.KEY else None
        error = fast.get_column(f"__error_{c.name}") if f"__error_{c.name}" in present else none
        text = fast.get_column(f"__text_{c.name}") if f"__text_{c.name}" in present else none
        if n and read_counts[i] < n:  # cells the fast lane cannot read (rare): parse_column reads them
            where = (~fast.get_column(f"__read_{c.name}")).arg_true()
            cells = raw.get_column(c.name) if raw is not None else cell_text(fast.get_column(f"__cell_{c.name}"))
            v, e, t = parse_column(cells.gather(where), c)
            value = value.scatter(where, v)
            error = error.clone().scatter(where, e)
            text = text.clone().scatter(where, t)
            if key is not None:
                key = key.scatter(where, _key_map(v))
        out[c.name] = (value.rename(c.name), error.rename("error"), text.rename("text"),
                       None if key is None else key.rename(f"{c.name}__key"))
    return out


def parse_frame(raw: pl.DataFrame, table: T.Table) -> dict[str, ParsedColumn]:
    """parse_column of every column of `table` in `raw`: column -> (typed value, error code, text as read, key).

    The same values and errors as parse_column column by column, computed in one select (see the fast lane).
    The text is only meaningful where there is an error (messages quote it). `key` is _key_map of the value for
    KEY columns (None for the others).
    """
    exprs = [e for c in table.columns
             for e in _column_exprs(c, pl.col(c.name), blanks=raw.get_column(c.name).has_nulls(), cells=False)]
    return _finish(raw.lazy().select(exprs).collect(), table, raw)


def _realize(piece: RawTable, table: T.Table) -> tuple[pl.DataFrame, list[Issue]]:
    """The fast lane's outputs of a lazily read piece (read.realize streams it once), with "_file" and "_row"."""
    def build(found: dict[str, SourceColumn]) -> list[pl.Expr]:
        exprs = []
        for c in table.columns:
            source = found.get(c.name)
            if source is None:  # a column the file lacks: every cell blank, as _combine makes it
                exprs += _column_exprs(c, pl.lit(None, pl.String))
            else:
                exprs += _column_exprs(c, source.cell, source.dtype, source.text)
        return exprs

    frame, warnings = realize(piece, build)
    return frame.with_columns(_file=_file_column(piece), _row=pl.col("_row").cast(pl.Int64)), warnings


def _cells_alike(frames: list[pl.DataFrame]) -> list[pl.DataFrame]:
    """The fast lane's outputs of several pieces, made to concatenate: a "__cell_" column (the cells left to
    parse_column, kept as stored) whose type differs between pieces (a Parquet date column in one file, a datetime
    or text column in another) becomes their cell text in every piece, as _finish would make it."""
    if len(frames) < 2:
        return frames
    mixed = [n for n in frames[0].columns if n.startswith("__cell_") and len({f.schema[n] for f in frames}) > 1]
    if not mixed:
        return frames
    return [f.with_columns(cell_text(f.get_column(n)).alias(n) for n in mixed) for f in frames]


def _file_column(piece: RawTable) -> pl.Expr:
    """"_file": the input path (and sheet) of every row, categorical (its text is stored once, not per row: a
    district's three big tables would otherwise hold 140 MB of copies of three file names)."""
    return pl.lit(piece.file, pl.String).cast(pl.Categorical)


def _combine(pieces: list[RawTable], table: T.Table) -> pl.DataFrame:
    frames = []
    for piece in pieces:
        frame = piece.frame.with_columns(_file=_file_column(piece), _row=pl.col("_row").cast(pl.Int64))
        missing = [c.name for c in table.columns if c.name not in frame.columns]
        frame = frame.with_columns([pl.lit(None, pl.String).alias(m) for m in missing])
        frames.append(frame.select([*table.column_names, "_file", "_row"]).cast(
            {c: pl.String for c in table.column_names}))
    if not frames:
        return pl.DataFrame(schema={**{c: pl.String for c in table.column_names}, "_file": pl.Categorical,
                                    "_row": pl.Int64})
    return pl.concat(frames, how="vertical")


def _key_map(series: pl.Series) -> pl.Series:
    """Case-folded keys (SPEC §2). For ASCII text that is lower case; the rest is folded by Python, once per
    distinct value (Unicode case folding is not in Polars)."""
    lowered = series.str.to_lowercase()
    # ASCII and CJK unified ideographs fold like Polars lowers them; anything else is folded by Python.
    special = series.filter(series.str.contains(r"[^\x00-\x7F\u4E00-\u9FFF]")).unique().to_list()
    if not special:
        return lowered
    folded = series.replace_strict(special, [norm_key(u) for u in special], default=None, return_dtype=pl.String)
    return folded.fill_null(lowered)


def credit_codes_ok(ids: pl.Series) -> pl.Series:
    """GB 32100-2015 check character of many well-formed codes at once (see credit_code_check_ok)."""
    values = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
    total = pl.sum_horizontal(
        pl.col("id").str.slice(i, 1).replace_strict(values, return_dtype=pl.Int64) * weight
        for i, weight in enumerate(CREDIT_CODE_WEIGHTS)
    )
    expected = ((31 - total % 31) % 31).replace_strict(dict(enumerate(CREDIT_CODE_ALPHABET)), return_dtype=pl.String)
    return ids.rename("id").to_frame().select((expected == pl.col("id").str.slice(17, 1)).alias("ok"))["ok"]


class _Cleaner:
    def __init__(self, read: ReadResult, period_start_year: int) -> None:
        self.read = read
        self.issues: list[Issue] = list(read.issues)
        self.counts: dict[str, FileCount] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.conflicting_firms: set[str] = set()
        self.period_start_year = period_start_year
        self.release_raw = False
        self.firm_index: dict[str, tuple[int, dict[str, pl.DataFrame]]] = {}

    def header(self, file: str, column: str) -> str:
        return self.headers.get(file, {}).get(column, column)

    def issue(self, table: str, file: str, row: int, column: str, code: str, /, **args: object) -> None:
        self.issues.append(issue(table, file, row, self.header(file, column) if column else "", code, **args))

    def quarantine(self, table: str, frame: pl.DataFrame, bad: pl.Series) -> pl.DataFrame:
        if not bad.any():  # the usual case: keep the frame as it is
            return frame
        dropped = frame.filter(bad)
        for file, n in dropped.group_by("_file").len().iter_rows():
            self.counts[file].quarantined += n
        return frame.filter(~bad)

    def parse_table(self, table: T.Table, pieces: list[RawTable]) -> pl.DataFrame:
        if any(piece.source is not None for piece in pieces):  # read lazily: typed as it streams in
            fast = []
            for piece in pieces:
                if piece.source is not None:
                    frame, warnings = _realize(piece, table)
                    self.issues += warnings
                else:
                    frame = _combine([piece], table)
                    frame = frame.lazy().select(*[e for c in table.columns for e in _column_exprs(c, pl.col(c.name))],
                                                "_file", "_row").collect()
                fast.append(frame)
            fast_frame = pl.concat(_cells_alike(fast), how="vertical")
            raw = fast_frame.select("_file", "_row")
            parsed = _finish(fast_frame, table)
            del fast, fast_frame
        else:
            raw = _combine(pieces, table)
            parsed = parse_frame(raw, table)
        for piece in pieces:
            self.counts.setdefault(piece.file, FileCount(table.name))
            self.counts[piece.file].read += piece.rows_read
            self.counts[piece.file].excluded += piece.rows_excluded
            self.headers[piece.file] = dict(piece.headers)
            if self.release_raw:
                piece.frame = piece.frame.clear()
        columns = {}
        keys = {}
        for c in table.columns:
            value, error, text, key = parsed[c.name]
            columns[c.name] = value
            columns[f"__err_{c.name}"] = error
            columns[f"__raw_{c.name}"] = text
            if key is not None:
                keys[f"{c.name}__key"] = key
        columns.update(keys)
        typed = raw.select("_file", "_row").with_columns(**columns)
        err_cols = [f"__err_{c.name}" for c in table.columns]
        soft = SOFT_COLUMNS.get(table.name, ())
        row_bad = pl.any_horizontal([pl.col(f"__err_{c.name}").is_not_null() for c in table.columns
                                     if c.name not in soft])
        if table.name == "trainings":
            # A session with neither days nor class hours cannot be measured (SPEC §3).
            no_length = pl.col("days").is_null() & pl.col("class_hours").is_null()
            typed = typed.with_columns(pl.when(no_length & pl.col("__err_days").is_null()).then(
                pl.lit("missing_duration")).otherwise(pl.col("__err_days")).alias("__err_days"))
            row_bad = row_bad | no_length
        # Rows the reader flagged (a formula cell without a cached value) are quarantined too.
        flagged = {(p.file, row) for p in pieces for row in p.bad_rows}
        for piece in pieces:
            for row_issues in piece.bad_rows.values():
                self.issues.extend(row_issues)
        if flagged:
            flagged_frame = pl.DataFrame({"_file": [f for f, _ in flagged], "_row": [r for _, r in flagged],
                                          "__flagged": [True] * len(flagged)},
                                         schema_overrides={"_file": pl.Categorical, "_row": pl.Int64})
            typed = typed.join(flagged_frame, on=["_file", "_row"], how="left", maintain_order="left")
            row_bad = row_bad | pl.col("__flagged").fill_null(False)
        any_error = pl.any_horizontal([pl.col(e).is_not_null() for e in err_cols])
        typed = typed.with_columns(__bad=row_bad)
        bad_rows = typed.filter(pl.col("__bad") | any_error)
        if bad_rows.height:
            scales = {"money_scale": MONEY_SCALE, "rate_scale": RATE_SCALE}
            long = bad_rows.select(["_file", "_row", *err_cols, *[f"__raw_{c.name}" for c in table.columns]])
            for c in table.columns:
                for file, row, code, value in long.filter(pl.col(f"__err_{c.name}").is_not_null()).select(
                    "_file", "_row", f"__err_{c.name}", f"__raw_{c.name}"
                ).iter_rows():
                    outcome = SOFT_OUTCOME[table.name] if c.name in soft else "quarantined"
                    self.issue(table.name, file, row, c.name, code, value=repr(value if value is not None else ""),
                               outcome=outcome, **(scales if code == "too_many_decimals" else {}))
        typed = self.quarantine(table.name, typed, typed["__bad"])
        return typed.select([*table.column_names, "_file", "_row", *keys])  # keys: "<col>__key", folded

    # --- keys and duplicates ---------------------------------------------------------------------------------

    def client_identity(self, frame: pl.DataFrame, owner: str) -> pl.DataFrame:
        """client = client_id when given; a nameless-id row whose name matches an id row of the same owner
        is that client; otherwise the normalised name (SPEC §2 "Clients")."""
        frame = frame.with_columns(__name_key=_key_map(frame["client_name"]))
        named_ids = (
            frame.filter(pl.col("client_id__key").is_not_null())
            .group_by(owner, "__name_key")
            .agg(pl.col("client_id__key").unique().sort().alias("__ids"))
            .filter(pl.col("__ids").list.len() == 1)
            .select(owner, "__name_key", pl.col("__ids").list.first().alias("__id_by_name"))
        )
        frame = frame.join(named_ids, on=[owner, "__name_key"], how="left", maintain_order="left")
        client = pl.coalesce(
            pl.concat_str([pl.lit("id:"), pl.col("client_id__key")]),
            pl.concat_str([pl.lit("id:"), pl.col("__id_by_name")]),
            pl.concat_str([pl.lit("name:"), pl.col("__name_key")]),
        )
        return frame.with_columns(client=client).drop("__name_key", "__id_by_name")

    def dedupe(self, table: T.Table, frame: pl.DataFrame) -> pl.DataFrame:
        if not table.key or frame.height == 0:
            return frame
        kinds = {c.name: c.kind for c in table.columns}
        key_cols = [f"{k}__key" if kinds.get(k) == T.KEY else k for k in table.key]  # "client" is derived
        value_cols = [f"{c.name}__key" if c.kind == T.KEY else c.name for c in table.columns]
        key = pl.col(key_cols[0]) if len(key_cols) == 1 else pl.struct(key_cols)
        # Rows whose key hashes collide are the only candidates; the usual case is none at all. (Sorting the
        # hashes finds the repeated ones faster than hashing them again.)
        hashes = frame.lazy().select(key.hash().alias("h")).collect().to_series()
        ordered = hashes.sort()
        repeated = ordered.filter(ordered == ordered.shift(1))
        if repeated.len() == 0:
            return frame
        candidates = hashes.is_in(repeated.implode()).arg_true()
        positions = candidates.filter(frame[candidates].select(key.is_duplicated()).to_series())
        if positions.len() == 0:
            return frame
        dup = frame[positions].with_columns(
            __pos=positions,
            __variants=pl.struct(value_cols).n_unique().over(key_cols),
            __first=pl.int_range(pl.len()).over(key_cols, order_by=["_file", "_row"]) == 0,
        ).sort("_file", "_row")
        self.report_duplicates(table, dup, key_cols)
        merged = dup.filter((pl.col("__variants") == 1) & ~pl.col("__first"))
        conflicting = dup.filter(pl.col("__variants") > 1)
        for file, n in merged.group_by("_file").len().iter_rows():
            self.counts[file].merged += n
        for file, n in conflicting.group_by("_file").len().iter_rows():
            self.counts[file].quarantined += n
        if table.name == "firms":
            self.conflicting_firms |= set(conflicting["firm_id"].to_list())
        dropped = pl.concat([merged.get_column("__pos"), conflicting.get_column("__pos")])
        return frame.filter(pl.repeat(True, frame.height, eager=True).scatter(dropped, False))

    def report_duplicates(self, table: T.Table, dup: pl.DataFrame, key_cols: list[str]) -> None:
        for _, group in dup.group_by(key_cols, maintain_order=True):
            places = [(f, r) for f, r in group.select("_file", "_row").iter_rows()]
            identical = group["__variants"][0] == 1
            first_file = places[0][0]
            key_text = ", ".join(
                f"{self.header(first_file, k)}={group[k][0]}" if k in table.column_names
                else f"{self.header(first_file, 'client_name')}/{self.header(first_file, 'client_id')}="
                f"{group['client_id'][0] or group['client_name'][0]}"
                for k in table.key
            )
            for i, (file, row) in enumerate(places):
                others = "; ".join(f"{f}:{r}" for j, (f, r) in enumerate(places) if j != i)
                if identical:
                    if i == 0:
                        continue
                    self.issue(table.name, file, row, "", "duplicate_merged", first=f"{places[0][0]}:{places[0][1]}",
                               key=key_text)
                else:
                    self.issue(table.name, file, row, "", "duplicate_conflict", key=key_text, others=others)

    # --- checks that need several tables ---------------------------------------------------------------------

    def check_codes(self, name: str, frame: pl.DataFrame, firm_cols: list[str]) -> None:
        """A wrong GB 32100 check character is a warning, once per file and code (the row is kept)."""
        index = firm_index(frame, firm_cols)
        self.firm_index[name] = (frame.height, index)
        self.check_code_index(name, index, firm_cols)

    def check_code_index(self, name: str, index: dict[str, pl.DataFrame], firm_cols: list[str]) -> None:
        for col in firm_cols:
            firsts = index[col]
            ids = firsts.get_column(col).unique()
            bad_ids = ids.filter(~credit_codes_ok(ids))
            if bad_ids.len() == 0:  # the usual case: look no further than the distinct codes
                continue
            wrong = firsts.filter(pl.col(col).is_in(bad_ids.implode())).sort("_file", "_row")
            for file, firm_id, row in wrong.select("_file", col, "_row").iter_rows():
                self.issue(name, file, row, col, "bad_check_char", firm_id=firm_id)

    # --- the big tables: clean and compact, a chunk at a time ---------------------------------------------------

    def big_table(self, table: T.Table, pieces: list[RawTable], rates: dict[str, Decimal],
                  period: Period) -> pl.DataFrame:
        """A big table clean and compact (kqcalc/compact.py), typed at most CHUNK_ROWS rows at a time, so that a
        province's tables read lazily (Parquet) never sit in memory row by row.

        The same checks, in the same order, as for any table: each chunk is parsed and its bad rows quarantined;
        rows whose key another row may share (repeated_keys: usually none) are set aside and de-duplicated
        together at the end; the firm index (check characters, unknown firms) is summed over the chunks;
        amounts are converted to USD; each chunk's compact rows are added to the table's.
        """
        firm_cols = FIRM_COLUMNS[table.name]
        indexes: list[dict[str, pl.DataFrame]] = []
        parts = _batches([part for piece in pieces for part in chunks(piece, CHUNK_ROWS)], CHUNK_ROWS)
        if len(parts) <= 1:  # one chunk (a district's table): de-duplicated as any table, no key pass needed
            frame = self.dedupe(table, self.parse_table(table, parts[0] if parts else []))
            compact = self.compact_part(table, frame, rates, period, None, indexes)
            self.check_code_index(table.name, merge_indexes(indexes, firm_cols), firm_cols)
            return compact
        repeated = self.repeated_keys(table, pieces)
        may_repeat = pl.col(f"{table.key[0]}__key").hash().is_in(repeated.implode()) if repeated is not None \
            else None
        compact: pl.DataFrame | None = None
        aside: list[pl.DataFrame] = []
        for chunk in parts:
            frame = self.parse_table(table, chunk)
            if may_repeat is not None and frame.height:
                candidate = frame.select(may_repeat).to_series()
                if candidate.any():
                    aside.append(frame.filter(candidate))
                    frame = frame.filter(~candidate)
            compact = self.compact_part(table, frame, rates, period, compact, indexes)
        if aside:
            compact = self.compact_part(table, self.dedupe(table, pl.concat(aside)), rates, period, compact,
                                        indexes)
        self.check_code_index(table.name, merge_indexes(indexes, firm_cols), firm_cols)
        assert compact is not None
        return compact

    def compact_part(self, table: T.Table, frame: pl.DataFrame, rates: dict[str, Decimal], period: Period,
                     so_far: pl.DataFrame | None, indexes: list[dict[str, pl.DataFrame]]) -> pl.DataFrame:
        """Clean rows of a big table (de-duplicated) → index them, convert them, add their compact rows."""
        indexes.append(firm_index(frame, FIRM_COLUMNS[table.name]))
        rows = frame.lazy()
        if table.name in CONVERTED_TABLES:  # summed per currency; the clauses convert the sums (Context.usd)
            rows = self.without_rate(table.name, frame, rates).lazy()
        part = compact_query(table.name, rows, period).collect()
        return part if so_far is None else merge_compact(table.name, [so_far, part])

    def repeated_keys(self, table: T.Table, pieces: list[RawTable]) -> pl.Series | None:
        """Hashes of the keys that two or more rows of a keyed big table may share (None: the table has no key).

        One pass over the key column of every piece: its key as the parser makes it — for ASCII text that is
        the trimmed text in lower case, computed here directly; the rare other cells go through parse_column
        like any cell. Blank and total rows and rows later quarantined are hashed too, so this can only find
        more candidates than there are duplicates, never fewer: dedupe decides on the rows set aside.
        """
        if not table.key:
            return None
        column = next(c for c in table.columns if c.name == table.key[0])
        assert len(table.key) == 1 and column.kind == T.KEY, "a big table's key is one key column"
        blank_value = _blank_cell(column.kind, column.required, column.default)[0]
        text = pl.col("__text").str.strip_chars()
        text = pl.when(text != "").then(text).otherwise(pl.lit(blank_value, pl.String))
        ascii_only = (text.str.len_bytes() == text.str.len_chars()).fill_null(True)
        queries = []
        for piece in pieces:
            texts = column_text(piece, column.name)
            queries.append(texts.filter(ascii_only).select(text.str.to_lowercase().hash().alias("h")))
            queries.append(texts.filter(~ascii_only).select(pl.col("__text")))
        done = pl.collect_all(queries) if queries else []
        hashes = [frame.to_series() for frame in done[0::2]]
        others = pl.concat([frame.to_series() for frame in done[1::2]]) if done else pl.Series([], dtype=pl.String)
        if others.len():
            hashes.append(_key_map(parse_column(others, column)[0]).hash())
        if not hashes:
            return pl.Series("h", [], dtype=pl.UInt64)
        ordered = pl.concat(hashes).sort()
        return ordered.filter(ordered == ordered.shift(1)).unique()

    def fx_rates(self, frame: pl.DataFrame) -> dict[str, Decimal]:
        rates: dict[str, Decimal] = {"USD": Decimal(1)}
        for currency, rate, file, row in frame.select("currency", "usd_per_unit", "_file", "_row").iter_rows():
            if currency == "USD" and rate != 1:
                self.issue("fx_rates", file, row, "usd_per_unit", "bad_usd_rate",
                           rate=format(Decimal(rate).normalize(), "f"))
                continue
            rates[currency] = Decimal(rate).normalize()
        return rates

    def convert(self, name: str, frame: pl.DataFrame, rates: dict[str, Decimal]) -> pl.DataFrame:
        """An amount in a currency with no rate is quarantined (the others are converted, summed per currency,
        by the clauses: lines.Context.usd)."""
        return self.without_rate(name, frame, rates)

    def without_rate(self, name: str, frame: pl.DataFrame, rates: dict[str, Decimal]) -> pl.DataFrame:
        """Rows in a currency with no rate quarantined (an error each); the usual case is none, seen in one pass."""
        no_rate = ~pl.col("currency").is_in(list(rates))
        if not frame.select(no_rate.any()).item():
            return frame
        for file, row, currency in frame.filter(no_rate).select("_file", "_row", "currency").iter_rows():
            self.issue(name, file, row, "currency", "no_fx_rate", currency=currency)
        return self.quarantine(name, frame, frame.select(no_rate.alias("x"))["x"])

    def prior_awards(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Payments recorded for this period or later are ignored: a rerun must not change (SPEC §2 rule 3)."""
        late = (pl.col("year") >= self.period_start_year).fill_null(False)  # an unreadable year counts
        for file, row, year in frame.filter(late).select("_file", "_row", "year").iter_rows():
            self.issue("prior_awards", file, row, "year", "prior_award_not_earlier", year=year,
                       start_year=self.period_start_year)
        for file, n in frame.filter(late).group_by("_file").len().iter_rows():
            self.counts[file].excluded += n
        return frame.filter(~late)


def _batches(parts: list[RawTable], rows: int) -> list[list[RawTable]]:
    """The chunks of a big table, typed one after another: consecutive pieces already in memory (a CSV file, a
    workbook's sheets) together while their rows add up to at most `rows`, so that a table split over a few
    sheets is one chunk, as in one file; a piece read lazily (a slice of a Parquet file) alone."""
    batches: list[list[RawTable]] = []
    size = 0  # rows of the last batch
    for part in parts:
        in_memory = part.source is None
        if in_memory and batches and batches[-1][-1].source is None and size + part.frame.height <= rows:
            batches[-1].append(part)
            size += part.frame.height
        else:
            batches.append([part])
            size = part.frame.height
    return batches


CONVERTED_TABLES = ("transactions", "exports_9610")  # amounts in any currency, converted to USD
CHUNK_ROWS = 1_000_000  # rows of a big table typed at a time (some 250 MB): see _Cleaner.big_table

FIRM_COLUMNS = {name: [c.name for c in t.columns if c.kind == T.FIRM_ID] for name, t in T.TABLES.items()}


def clean(read: ReadResult, period_start_year: int, release_raw: bool = False,
          period: Period | None = None) -> Cleaned:
    """Parse, validate and de-duplicate every table.

    release_raw: drop each raw (text) frame of `read` once its table is parsed, so that the text of a big input
    and its typed copy are not held together (the pieces keep their names, headers and counts).
    period: when given, the big tables are made compact (kqcalc/compact.py) as they are cleaned, a chunk at a
    time (_Cleaner.big_table); without it (tests) every table keeps its rows.
    """
    c = _Cleaner(read, period_start_year)
    c.release_raw = release_raw
    tables: dict[str, pl.DataFrame] = {}
    rates: dict[str, Decimal] = {}
    # The small tables first: the exchange rates are needed to convert the big ones.
    for name in sorted(T.TABLES, key=lambda n: n in BIG_TABLES):
        table = T.TABLES[name]
        if period is not None and name in BIG_TABLES:
            tables[name] = c.big_table(table, read.tables.get(name, []), rates, period)
            continue
        frame = c.parse_table(table, read.tables.get(name, []))
        if name in T.CLIENT_KEYED:
            owner = table.key[0]
            frame = c.client_identity(frame, owner)
        frame = c.dedupe(table, frame)
        c.check_codes(name, frame, FIRM_COLUMNS[name])
        if name == "fx_rates":
            rates = c.fx_rates(frame)
        if name in CONVERTED_TABLES:
            frame = c.convert(name, frame, rates)
        if name == "prior_awards":
            frame = c.prior_awards(frame)
        tables[name] = frame
    tables = {name: tables[name] for name in T.TABLES}  # the contract's order
    return Cleaned(
        tables=tables,
        present={name for name, pieces in read.tables.items() if pieces},
        issues=c.issues,
        counts=c.counts,
        headers=c.headers,
        conflicting_firms=c.conflicting_firms,
        firm_index=c.firm_index,
        fx=rates,
    )


def merge_indexes(indexes: list[dict[str, pl.DataFrame]], cols: list[str]) -> dict[str, pl.DataFrame]:
    """firm_index of the rows of several frames, from the firm_index of each."""
    if len(indexes) == 1:
        return indexes[0]
    queries = [pl.concat([index[col] for index in indexes]).lazy().group_by("_file", col).agg(
        pl.col("_row").min(), pl.col("len").sum()) for col in cols]
    return dict(zip(cols, pl.collect_all(queries), strict=True)) if queries else {}


def firm_index(frame: pl.DataFrame, cols: list[str]) -> dict[str, pl.DataFrame]:
    """Firm column -> one row per (file, firm): "_file", the firm, its first "_row" and "len" (rows)."""
    # Compact rows (kqcalc/compact.py) count the rows they stand for.
    rows = pl.col(ROWS).sum().alias("len") if ROWS in frame.columns else pl.len()
    queries = [frame.lazy().group_by("_file", col).agg(pl.col("_row").min(), rows) for col in cols]
    return dict(zip(cols, pl.collect_all(queries), strict=True)) if queries else {}


def unknown_firm_warnings(cleaned: Cleaned, known: set[str]) -> list[Issue]:
    """Firm ids in data tables that are not in `firms`: one warning per file and id, at its first row."""
    out: list[Issue] = []
    registered = pl.Series(sorted(known), dtype=pl.String).implode()  # once, not a list per column (200,000 ids)
    for name, cols in sorted(FIRM_COLUMNS.items()):
        if name == "firms":
            continue
        frame = cleaned.tables[name]
        height, index = cleaned.firm_index.get(name, (-1, {}))
        if height != frame.height:  # rows left the table after it was indexed (no fx rate, a later year …)
            index = firm_index(frame, cols)
        for col in cols:
            firsts = index[col].filter(~pl.col(col).is_in(registered))
            for file, firm_id, row, n in firsts.select("_file", col, "_row", "len").iter_rows():
                header = cleaned.headers.get(file, {}).get(col, col)
                out.append(issue(name, file, row, header, "unknown_firm", firm_id=firm_id, n=n))
    return out


def rows_by_file(frame: pl.DataFrame) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for file, n in frame.group_by("_file").len().iter_rows():
        counts[file] += n
    return dict(counts)
