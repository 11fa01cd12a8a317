"""From text cells to typed tables (SPEC §3, §1 principles 4–5).

Every cell is read by the one grammar of its column's kind (parse_cells: the
native cast, then the full grammar for the cells it refuses). A row with a cell
that cannot be read, a blank required cell or a negative quantity is
quarantined: it contributes nothing and is listed in issues.csv with the row
number the user sees. Keyed tables then merge identical duplicates and
quarantine conflicting ones. Nothing here knows about items or awards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

import polars as pl

from kqcalc import tables as T
from kqcalc.compact import BIG_TABLES, ROWS, compact_query, merge_compact
from kqcalc.issues import Issue, issue
from kqcalc.items import ITEMS
from kqcalc.lines import Period
from kqcalc.read import RawTable, ReadResult, cell_text, chunks, column_text, load
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
    # input file or sheet -> (SHA-256 of its file, SHA-256 of its content as read: a sheet's cells, else the file)
    digests: dict[str, tuple[str, str]] = field(default_factory=dict)


# --- cell parsing -----------------------------------------------------------------------------------------


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

# The plainest spellings, which the native casts take as they are (NFKC, trimming and the other spellings cannot
# change them): printable ASCII and CJK unified ideographs without a space at either end; a plain decimal; digits.
_PLAIN_TEXT = "^[!-~\u4e00-\u9fff](?:[ -~\u4e00-\u9fff]*[!-~\u4e00-\u9fff])?$"
_PLAIN_DECIMAL = r"^[0-9]+(\.[0-9]+)?$"
_PLAIN_WHOLE = r"^[0-9]{1,15}$"
_PLAIN_TIME = r"^.{10} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"  # after the 10 characters of an ISO date
_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)
_NUMBERS = (T.MONEY, T.QUANTITY, T.RATE, T.COUNT, T.YEAR)
_DTYPES = {T.BOOL: pl.Boolean, T.DATE: pl.Date, T.MONEY: MONEY, T.QUANTITY: MONEY, T.RATE: RATE, T.COUNT: pl.Int64,
           T.YEAR: pl.Int64}  # the typed value of the other kinds is text


@dataclass(frozen=True)
class _Kind:
    """How the cells of one column are read (see parse_cells).

    cast, taken: the native cast of a stored cell (the column `cell`, as stored) and where it is the cell's value,
        read without error (None: this stored type has no native cast; its cells are read from their text);
    value: the full grammar's value of a cell's text (the column "text": NFKC, trimmed, blank → default or null);
    bad: (value) -> the error code of a present cell, or null.
    """

    cast: pl.Expr | None
    taken: pl.Expr | None
    value: pl.Expr
    bad: Callable[[pl.Expr], pl.Expr]


def _when_null(code: str) -> Callable[[pl.Expr], pl.Expr]:
    return lambda value: pl.when(pl.col("text").is_not_null() & value.is_null()).then(pl.lit(code))


def _plain_words(cell: pl.Expr, words: dict[str, object], fold: bool, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """The native cast of a word column: a cell written as one of the words' normalised spellings is that word."""
    import unicodedata

    def norm(w: str) -> str:
        text = unicodedata.normalize("NFKC", w).strip()
        return text.lower() if fold else text.upper()

    mapping = {(k.lower() if fold else k.upper()): v for k, v in words.items()}
    plain = {k: v for k, v in mapping.items() if norm(k) == k}
    value = cell.replace_strict(list(plain), list(plain.values()), default=None, return_dtype=dtype)
    return value, value.is_not_null()


def _kind(col: T.Column, dtype: pl.DataType, cell: pl.Expr) -> _Kind:
    """The grammar of one kind of cell (SPEC §3): the native cast of `cell` stored as `dtype`, and the full grammar
    of a cell's text, side by side."""
    kind = col.kind
    raw = pl.col("text")
    text = dtype == pl.String
    cast = taken = None
    if kind == T.FIRM_ID:
        if text:
            cast, taken = cell, cell.str.contains(FIRM_ID_PATTERN)
        value = raw.str.replace_all(r"\s", "").str.to_uppercase()
        return _Kind(cast, taken, pl.when(value.str.contains(FIRM_ID_PATTERN)).then(value), _when_null("bad_firm_id"))
    if kind in (T.TEXT, T.KEY):
        if text:
            cast, taken = cell, cell.str.contains(_PLAIN_TEXT)
        return _Kind(cast, taken, raw, lambda value: pl.lit(None, pl.String))
    if kind == T.BOOL:
        if dtype == pl.Boolean:
            cast, taken = cell, pl.lit(True)
        elif text:
            cast, taken = _plain_words(cell, BOOL_WORDS, True, pl.Boolean)
        return _Kind(cast, taken, _words(raw, BOOL_WORDS, pl.Boolean), _when_null("bad_boolean"))
    if kind == T.DATE:
        if dtype == pl.Date:
            cast, taken = cell, cell >= FIRST_DAY  # an earlier date is read from its text, as a bad_date
        elif text:
            # An ISO date, or one followed by a time of day as calamine writes a workbook's date and datetime cells
            # ("2020-09-06 00:00:00", "2021-06-30 18:30:00").
            cast = cell.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
            length = cell.str.len_bytes()
            taken = ((length == 10) | (length == 19) & cell.str.contains(_PLAIN_TIME)) & (cast >= FIRST_DAY)
        return _Kind(cast, taken, _date(raw), _when_null("bad_date"))
    if kind in _NUMBERS:
        return _number(col, dtype, cell)
    if kind == T.CURRENCY:
        if text:
            codes = {k: v for k, v in CURRENCY_WORDS.items() if k.isascii() and k.isalpha() and k.isupper()}
            taken = cell.str.contains(r"^[A-Z]{3}$")
            cast = pl.when(taken).then(cell.replace(codes))
        upper = raw.str.to_uppercase()
        named = upper.replace_strict(list(CURRENCY_WORDS), list(CURRENCY_WORDS.values()), default=None,
                                     return_dtype=pl.String)
        value = pl.coalesce([named, pl.when(upper.str.contains(r"^[A-Z]{3}$")).then(upper)])
        return _Kind(cast, taken, value, _when_null("bad_currency"))
    words = {T.MODEL: MODEL_WORDS, T.PROGRAM_KIND: PROGRAM_KIND_WORDS, T.LEVEL: LEVEL_WORDS,
             T.ITEM: {c: c for c in ITEMS}}[kind]
    fold = kind not in (T.MODEL, T.ITEM)
    if text:
        cast, taken = _plain_words(cell, words, fold, pl.String)
    return _Kind(cast, taken, _words(raw, words, pl.String, fold=fold), _when_null(f"bad_{kind}"))


def _number(col: T.Column, dtype: pl.DataType, cell: pl.Expr) -> _Kind:
    """Amounts, quantities, rates, counts and years: exact as written, never cut (SPEC §3)."""
    kind = col.kind
    whole = kind in (T.COUNT, T.YEAR)
    target = RATE if kind == T.RATE else MONEY
    scale = target.scale or 0
    low, high = (1900, 2100) if kind == T.YEAR else (0, None)

    def in_range(v: pl.Expr) -> pl.Expr:
        if kind == T.YEAR:
            return v.is_between(low, high)
        return v > 0 if kind == T.RATE else v >= 0

    cast = taken = None
    if dtype in _INTEGERS:
        cast = cell.cast(pl.Int64) if whole else cell.cast(target, strict=False)
        taken = in_range(cast)
    elif isinstance(dtype, pl.Decimal) and not whole and (dtype.scale or 0) <= scale:
        cast = cell.cast(target, strict=False)
        taken = in_range(cast)
    elif dtype == pl.String:  # digits, maybe a point and digits: never negative, so only a rate or year is checked
        if whole:
            cast = pl.when(cell.str.contains(_PLAIN_WHOLE)).then(cell.cast(pl.Int64, strict=False))
        else:
            # at most `scale` characters after the point (a longer cell, rare, is the full grammar's to judge)
            plain = cell.str.contains(_PLAIN_DECIMAL) & (cell.str.len_bytes() <= scale + 1)
            cast = pl.when(plain).then(cell.str.to_decimal(scale=scale)).cast(target)
        taken = in_range(cast) if kind in (T.RATE, T.YEAR) else cast.is_not_null()

    raw = pl.col("text")
    present = raw.is_not_null()
    written = _number_text(raw.str.replace(r"年$", "") if kind == T.YEAR else raw)
    number_like = written.str.contains(NUMBER_PATTERN)
    fits = number_like & (_decimals(written) <= scale)
    number = pl.when(fits).then(written.str.to_decimal(scale=scale)).cast(target)
    too_long = number_like & (_decimals(written) > scale)
    if whole:
        exact = number == number.cast(pl.Int64, strict=False).cast(MONEY)
        value = pl.when(exact).then(number.cast(pl.Int64, strict=False))
        # A number that is not whole is kept as a sentinel so that its error can be told apart (not -1: a negative
        # count is a negative_value).
        value = pl.when(number.is_not_null() & ~exact).then(pl.lit(_NOT_WHOLE, pl.Int64)).otherwise(value)

        def bad_whole(v: pl.Expr) -> pl.Expr:
            chain = pl.when(present & v.is_null()).then(pl.lit("bad_number")).when(v == _NOT_WHOLE).then(
                pl.lit("not_whole_number")).when(v < 0).then(pl.lit("negative_value"))
            return chain.when(~v.is_between(low, high)).then(pl.lit("bad_year")) if kind == T.YEAR else chain

        return _Kind(cast, taken, value, bad_whole)

    def bad_decimal(v: pl.Expr) -> pl.Expr:
        chain = pl.when(present & too_long.fill_null(False)).then(pl.lit("too_many_decimals")).when(
            present & v.is_null()).then(pl.lit("bad_number")).when(v < 0).then(pl.lit("negative_value"))
        return chain.when(v <= 0).then(pl.lit("bad_rate")) if kind == T.RATE else chain

    return _Kind(cast, taken, number, bad_decimal)


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


class Cells(NamedTuple):
    """One column read: the typed value, the error code (null where the cell is fine), the cell's text (what an
    error message quotes; only meaningful where there is an error), and for KEY columns the key (the value case-
    folded, SPEC §2; None for other kinds)."""

    value: pl.Series
    error: pl.Series
    text: pl.Series
    key: pl.Series | None


def parse_cells(frame: pl.DataFrame, columns: list[T.Column]) -> dict[str, Cells]:
    """The one cell grammar (SPEC §3): each column of `frame` named by `columns` read by the rules of its kind.

    A column holds cell text (String, null for a blank cell) or, from a Parquet file, cells stored with a type.
    Every column is first read by its kind's native cast, all in one select: a cell already in its plainest
    spelling (a plain decimal, an ISO date, an upper-case credit code, a typed Parquet date or decimal of at most
    the contract's scale) is its value as it is. A blank cell is what a blank cell reads as. The cells the cast
    refuses (usually none) are read from their text by the full grammar (NFKC, trimming, other spellings, the
    error codes), once per distinct text when they repeat.
    """
    for c in columns:  # a stored type without a native cast (a datetime, a float …) is read from its text
        dtype = frame.schema[c.name]
        if dtype != pl.String and _kind(c, dtype, pl.col(c.name)).cast is None:
            frame = frame.with_columns(cell_text(frame.get_column(c.name)))
    kinds = {c.name: _kind(c, frame.schema[c.name], pl.col(c.name)) for c in columns}
    blanks = {c.name: _blank(c) for c in columns}
    exprs = []
    for c in columns:
        kind, cell, target = kinds[c.name], pl.col(c.name), _DTYPES.get(c.kind, pl.String)
        blank_value, blank_error, blank_text = blanks[c.name]
        blank = cell.is_null()
        taken = pl.lit(False) if kind.taken is None else kind.taken.fill_null(False)
        cast = pl.when(blank).then(pl.lit(None, target)) if kind.cast is None else kind.cast.cast(target)
        # (A column without blank cells gets no branch for them: a text column its cast reads whole then passes
        # through as it is, not copied.)
        if frame.get_column(c.name).has_nulls():
            cast = pl.when(blank).then(pl.lit(blank_value, target)).otherwise(cast)
        exprs.append(cast.alias(c.name))
        exprs.append((blank | taken).alias(f"__taken_{c.name}"))
        if c.kind == T.KEY:
            blank_key = None if blank_value is None else _key_map(pl.Series([blank_value], dtype=pl.String))[0]
            exprs.append(pl.when(blank).then(pl.lit(blank_key, pl.String)).otherwise(cell.str.to_lowercase())
                         .alias(f"__key_{c.name}"))
        if blank_error is not None:
            exprs.append(pl.when(blank).then(pl.lit(blank_error, pl.String)).alias(f"__error_{c.name}"))
            exprs.append(pl.when(blank).then(pl.lit(blank_text, pl.String)).alias(f"__text_{c.name}"))
    read = frame.lazy().select(exprs).collect()
    n = read.height
    none = pl.repeat(None, n, dtype=pl.String, eager=True)  # shared by the columns without errors (never changed)
    taken_counts = read.select(pl.col(f"__taken_{c.name}").sum() for c in columns).row(0) if n else ()
    out: dict[str, Cells] = {}
    for i, c in enumerate(columns):
        value = read.get_column(c.name)
        key = read.get_column(f"__key_{c.name}") if c.kind == T.KEY else None
        error = read.get_column(f"__error_{c.name}") if f"__error_{c.name}" in read.columns else none
        text = read.get_column(f"__text_{c.name}") if f"__text_{c.name}" in read.columns else none
        if n and taken_counts[i] < n:  # the cells the native cast refused: the full grammar reads their text
            where = (~read.get_column(f"__taken_{c.name}")).arg_true()
            v, e, t = _full(cell_text(frame.get_column(c.name).gather(where)), c, kinds[c.name])
            value = value.scatter(where, v)
            error = error.clone().scatter(where, e)
            text = text.clone().scatter(where, t)
            if key is not None:
                key = key.scatter(where, _key_map(v))
        out[c.name] = Cells(value.rename(c.name), error.rename("error"), text.rename("text"),
                            None if key is None else key.rename(f"{c.name}__key"))
    return out


def _blank(col: T.Column) -> tuple[Any, str | None, str | None]:
    """(value, error, text) of a blank cell of this column: its default read as a cell, or null (missing_value
    when the column is required)."""
    if col.default is None:
        return None, "missing_value" if col.required else None, None
    value, error, text = _full(pl.Series([None], dtype=pl.String), col, _kind(col, pl.String, pl.col("cell")))
    return value[0], error[0], text[0]


def _full(raw: pl.Series, col: T.Column, kind: _Kind) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(typed value, error code, text as read) of cell texts by the full grammar of their column's kind.

    Dates, ids, flags and codes repeat a lot: their distinct texts are read once and joined back.
    """
    frame = raw.rename("raw").to_frame()
    distinct = frame.unique(maintain_order=False)
    low = distinct.height <= max(1000, LOW_CARDINALITY * frame.height)
    work = distinct if low else frame
    text = pl.col("raw")
    if work["raw"].str.contains(r"[^\x00-\x7F]").any():  # NFKC only where it can change something
        text = text.str.normalize("NFKC")
    text = text.str.strip_chars()
    text = pl.when(text == "").then(None).otherwise(text)
    if col.default is not None:
        text = text.fill_null(pl.lit(col.default))
    work = work.with_columns(text.alias("text"))
    work = work.with_columns(kind.value.alias("value"))
    error = kind.bad(pl.col("value"))
    if col.required:
        error = pl.when(pl.col("text").is_null()).then(pl.lit("missing_value")).otherwise(error)
    work = work.with_columns(error.cast(pl.String).alias("error"))
    work = work.with_columns(pl.when(pl.col("error").is_null()).then(pl.col("value")).alias("value"))
    if low:
        work = frame.join(work, on="raw", how="left", nulls_equal=True, maintain_order="left")
    return work["value"], work["error"], work["text"]


def _file_column(piece: RawTable) -> pl.Expr:
    """"_file": the input path (and sheet) of every row, categorical (its text is stored once, not per row: a
    district's three big tables would otherwise hold 140 MB of copies of three file names)."""
    return pl.lit(piece.file, pl.String).cast(pl.Categorical)


def _frames(pieces: list[RawTable], table: T.Table) -> list[pl.DataFrame]:
    """The cells of a table's pieces, each frame with every contract column, "_file" and "_row": consecutive pieces
    read as text together; a piece read lazily (a Parquet file or slice, its cells as stored) alone."""
    frames: list[pl.DataFrame] = []
    texts: list[RawTable] = []
    for piece in pieces:
        if piece.source is None:
            texts.append(piece)
            continue
        if texts:
            frames.append(_combine(texts, table))
            texts = []
        frames.append(_complete(load(piece), piece, table))
    if texts or not frames:
        frames.append(_combine(texts, table))
    return frames


def _complete(frame: pl.DataFrame, piece: RawTable, table: T.Table) -> pl.DataFrame:
    """A piece's frame with "_file", "_row" and every contract column (a column the file lacks: every cell blank)."""
    frame = frame.with_columns(_file=_file_column(piece), _row=pl.col("_row").cast(pl.Int64))
    missing = [c.name for c in table.columns if c.name not in frame.columns]
    frame = frame.with_columns([pl.lit(None, pl.String).alias(m) for m in missing])
    return frame.select([*table.column_names, "_file", "_row"])


def _combine(pieces: list[RawTable], table: T.Table) -> pl.DataFrame:
    """Pieces read as text, as one frame (every contract column, "_file", "_row")."""
    frames = [_complete(piece.frame, piece, table).cast({c: pl.String for c in table.column_names})
              for piece in pieces]
    if not frames:
        return pl.DataFrame(schema={**{c: pl.String for c in table.column_names}, "_file": pl.Categorical,
                                    "_row": pl.Int64})
    return pl.concat(frames, how="vertical")


def _typed(table: T.Table, frame: pl.DataFrame) -> pl.DataFrame:
    """The cells of a table read (parse_cells): per column its value, "__err_<col>", "__raw_<col>" (the text an error
    quotes), "<col>__key" for KEY columns; and "_file", "_row"."""
    parsed = parse_cells(frame, list(table.columns))
    columns: dict[str, pl.Series] = {}
    keys: dict[str, pl.Series] = {}
    for c in table.columns:
        value, error, text, key = parsed[c.name]
        columns[c.name] = value
        columns[f"__err_{c.name}"] = error
        columns[f"__raw_{c.name}"] = text
        if key is not None:
            keys[f"{c.name}__key"] = key
    return frame.select("_file", "_row").with_columns(**columns, **keys)


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
        self.issues: list[Issue] = list(read.issues)
        self.counts: dict[str, FileCount] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.conflicting_firms: set[str] = set()
        self.period_start_year = period_start_year
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
        typed = pl.concat([_typed(table, frame) for frame in _frames(pieces, table)], how="vertical")
        for piece in pieces:
            self.counts.setdefault(piece.file, FileCount(table.name))
            self.counts[piece.file].read += piece.rows_read
            self.counts[piece.file].excluded += piece.rows_excluded
            self.headers[piece.file] = dict(piece.headers)
        keys = [f"{c.name}__key" for c in table.columns if c.kind == T.KEY]
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
        # (Each chunk is taken out of `parts` as it is typed: when the caller handed the pieces over, a chunk's text
        # is freed as soon as it is typed.)
        if len(parts) <= 1:  # one chunk (a district's table): de-duplicated as any table, no key pass needed
            del pieces
            frame = self.dedupe(table, self.parse_table(table, parts.pop() if parts else []))
            compact = self.compact_part(table, frame, rates, period, None, indexes)
            self.check_code_index(table.name, merge_indexes(indexes, firm_cols), firm_cols)
            return compact
        repeated = self.repeated_keys(table, pieces)
        may_repeat = pl.col(f"{table.key[0]}__key").hash().is_in(repeated.implode()) if repeated is not None \
            else None
        del pieces
        compact: pl.DataFrame | None = None
        aside: list[pl.DataFrame] = []
        parts.reverse()
        while parts:
            frame = self.parse_table(table, parts.pop())
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
        the trimmed text in lower case, computed here directly; the rare other cells go through parse_cells
        like any cell. Blank and total rows and rows later quarantined are hashed too, so this can only find
        more candidates than there are duplicates, never fewer: dedupe decides on the rows set aside.
        """
        if not table.key:
            return None
        column = next(c for c in table.columns if c.name == table.key[0])
        assert len(table.key) == 1 and column.kind == T.KEY, "a big table's key is one key column"
        blank_value = _blank(column)[0]
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
            hashes.append(parse_cells(others.rename(column.name).to_frame(), [column])[column.name].key.hash())
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


def clean(read: ReadResult, period_start_year: int, period: Period | None = None) -> Cleaned:
    """Parse, validate and de-duplicate every table.

    period: when given, the big tables are made compact (kqcalc/compact.py) as they are cleaned, a chunk at a
    time (_Cleaner.big_table); without it (tests) every table keeps its rows.

    `read` is never changed. clean works from its own view of the tables and lets `read` go at once, so when the
    caller hands it over and keeps no reference (run.compute), each table's text is freed once it is typed.
    """
    c = _Cleaner(read, period_start_year)
    pending = dict(read.tables)  # table -> pieces, each table's taken out as it is cleaned
    present = {name for name, pieces in pending.items() if pieces}
    digests = {p.file: (read.files.get(p.path, ""), read.sheets.get(p.file, read.files.get(p.path, "")))
               for pieces in pending.values() for p in pieces}
    del read
    tables: dict[str, pl.DataFrame] = {}
    rates: dict[str, Decimal] = {}
    # The small tables first: the exchange rates are needed to convert the big ones.
    for name in sorted(T.TABLES, key=lambda n: n in BIG_TABLES):
        table = T.TABLES[name]
        if period is not None and name in BIG_TABLES:
            tables[name] = c.big_table(table, pending.pop(name, []), rates, period)
            continue
        frame = c.parse_table(table, pending.pop(name, []))
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
        present=present,
        issues=c.issues,
        counts=c.counts,
        headers=c.headers,
        conflicting_firms=c.conflicting_firms,
        firm_index=c.firm_index,
        fx=rates,
        digests=digests,
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
