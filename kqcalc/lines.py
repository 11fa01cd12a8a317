"""Award lines and the assessment period: the shapes the clause modules produce and the rules refine.

Money and measures are decimals computed with 60 significant digits from the
first multiplication to the last deduction, so that caps apply to exact values
and the one rounding (half away from zero, to the fen) happens at the very end.
Every formula of the policy is exact in decimals except item 7's division by the
days of the period; its quotient is carried to 60 digits, and since a value
N ÷ days that is not exactly on a half fen lies at least 1 ÷ (200 × days) away
from it, rounding that quotient gives the same fen as rounding the exact value.
"""

from __future__ import annotations

import decimal
import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from kqcalc.errors import InputError
from kqcalc.lazy import pl

FEN = Decimal("0.01")
PRECISION = 60  # significant digits: amounts up to 10^20 with 30 decimals stay exact


def exact_context() -> decimal._ContextManager:  # type: ignore[name-defined]
    """The arithmetic every money computation runs in (see the module docstring)."""
    return decimal.localcontext(decimal.Context(prec=PRECISION, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, column: str) -> pl.Expr:
        """Both ends inclusive."""
        return pl.col(column).is_between(self.start, self.end, closed="both")

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def is_one_year(self) -> bool:
        return add_years(self.start, 1) - timedelta(days=1) == self.end


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February (SPEC §2, item 9B)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def exact(value: Decimal | int | None) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def round_fen(value: Decimal) -> Decimal:
    """四舍五入 to 0.01: half away from zero (Python's ROUND_HALF_UP rounds halves away from zero)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


_ZERO = Decimal(0)
_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(0, 31)}


def plain(value: Decimal | int, places: int = 6) -> str:
    """A plain decimal (no exponent, no trailing zeros), rounded half away from zero to `places` decimals."""
    if type(value) is int:
        return str(value)
    if value == _ZERO:  # half of a run's lines (0 and -0 both print "0")
        return "0"
    number = value if type(value) is Decimal else Decimal(value)
    text = f"{number:f}"
    dot = text.find(".")
    if dot >= 0:
        if len(text) - dot - 1 > places:  # more decimals than wanted: round (rarely needed, so checked first)
            quantum = _QUANTUM.get(places) or Decimal(1).scaleb(-places)
            text = f"{number.quantize(quantum, rounding=ROUND_HALF_UP):f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def fen_text(value: Decimal) -> str:
    """money(round_fen(value)): the value rounded half away from zero to the fen, with two places."""
    if value == _ZERO and not value.is_signed():  # half of a run's lines
        return "0.00"
    return str(value.quantize(FEN, rounding=ROUND_HALF_UP))  # str() of a value with two places is that value


# --- the lines frame: one row per line (the one place its columns and dtypes are declared) -------------------------
#
# A frame holds an exact value x ≥ 0 (a measure, a gross, an amount after a rule) as two columns: F, x truncated to
# SCALE decimals (Decimal(38, 20): below 10^18), and the flag "<column>_inexact" (x > F). That is enough for every
# decision and output, exactly: every threshold, cap and award A has at most SCALE decimals, so no rounding
# boundary of ≤ SCALE decimals lies in (F, F + 10^-SCALE) — rounding x half away from zero to the fen (or to 6 or
# 10 decimals for display) equals rounding F; x > A ⟺ F > A or (F = A and inexact); x = A ⟺ F = A and exact;
# min(x, A) is (F, inexact) or (A, exact); x − A for A ≤ x is (F − A, inexact). `held` makes F and the flag, once.

SCALE = 20
LIMIT = Decimal(10) ** (38 - SCALE)  # the first value a frame's Decimal(38, SCALE) cannot hold
_WIDE = decimal.Context(prec=400)  # exact for every product and sum of amounts and rates (no value is rounded)
_STEP = Decimal(1).scaleb(-SCALE)


def _dtypes() -> dict[str, Any]:
    """The frame's dtypes, made on first use (they are Polars objects: importing this module must not import
    Polars, see kqcalc.lazy)."""
    value = pl.Decimal(38, SCALE)
    return {
        "VALUE": value,  # an exact value's F (with its "_inexact" flag)
        "FEN_VALUE": pl.Decimal(38, 2),  # money rounded to the fen
        # The gross lines the clauses produce (rules.py adds the general rules' columns: rules.FINAL_SCHEMA).
        "GROSS_SCHEMA": {
            "firm_id": pl.String, "item": pl.String, "ref": pl.String,
            "measure": value, "measure_inexact": pl.Boolean, "unit": pl.String,
            "gross": value, "gross_inexact": pl.Boolean,  # from the clause's formula, before the cap; 0 when not met
            "cap": value,  # null: no cap
            "reasons": pl.List(pl.String),  # why not met (item level)
            "detail": pl.String,  # thresholds, tiers, sources — for explain: a JSON object, keys sorted
        },
    }


VALUE: Any
FEN_VALUE: Any
GROSS_SCHEMA: dict[str, Any]


def __getattr__(name: str) -> Any:
    """VALUE, FEN_VALUE, GROSS_SCHEMA: made on first use (from outside, `from kqcalc.lines import VALUE`)."""
    if name in ("VALUE", "FEN_VALUE", "GROSS_SCHEMA"):
        made = globals().setdefault("_made", _dtypes())
        return made[name]
    raise AttributeError(name)


def held(value: Decimal | int, firm_id: str, item: str) -> tuple[Decimal, bool]:
    """(F, inexact) of an exact value ≥ 0 (see above). A value a frame cannot hold (≥ 10^18, or negative) stops
    the run naming the firm and item: never wrapped, never rounded silently."""
    value = Decimal(value)
    if not _ZERO <= value < LIMIT:
        raise InputError("line_value_not_held", firm_id=firm_id, item=item, value=f"{value:f}")
    truncated = value.quantize(_STEP, rounding=ROUND_DOWN, context=_WIDE)
    return truncated, truncated != value


def usd(amounts: dict[str, Decimal], fx: dict[str, Decimal]) -> Decimal:
    """The USD of amounts summed per currency (currency -> amount): each sum times its rate (fx: USD per unit),
    exactly (the rates keep every digit they were given, so the context's precision is raised for the products)."""
    total = _ZERO
    for currency, amount in amounts.items():
        total = _WIDE.add(total, _WIDE.multiply(Decimal(amount), fx[currency]))
    return total


def checked_sum(value: pl.Expr, check: pl.Expr | None, alias: str) -> list[pl.Expr]:
    """A decimal's sum per group and, beside it (alias + "_check"), the same sum in Float64: Polars 2.1 wraps a
    group's decimal sum past 38 digits silently, and `check_sums` finds it (a wrapped sum is off by about
    1.7 × 10^18 or more, a float sum by far less than 10^15). `check`: the column's own Float64 sums, if any."""
    return [value.sum().alias(alias),
            (check if check is not None else value.cast(pl.Float64)).sum().alias(f"{alias}_check")]


def check_sums(frame: pl.DataFrame, column: str, firm: str, item: str | None, *, table: str | None = None) -> None:
    """Stop on a sum that wrapped (see checked_sum): line_value_not_held naming the firm and item, or, for the
    sums of a table's own rows (`table`: kqcalc/compact.py), sum_not_held naming the table, firm and column."""
    wrong = frame.filter(((pl.col(column).cast(pl.Float64) - pl.col(f"{column}_check")).abs() > 1e15)
                         | (pl.col(column) < 0))
    if wrong.height:
        row = wrong.row(0, named=True)
        value = f"{row[f'{column}_check']:.0f}"
        if table is not None:
            raise InputError("sum_not_held", table=table, firm_id=row[firm], column=column, value=value)
        raise InputError("line_value_not_held", firm_id=row[firm], item=row["item"] if item is None else item,
                         value=value)


def held_frame(sums: pl.DataFrame, by: str, fx: dict[str, Decimal], factors: dict[str, Decimal],
               item: str, divisor: int | Decimal = 1) -> pl.DataFrame:
    """Per `by`: x = Σ amount × fx[currency] ÷ divisor, exactly (a quotient carried to 400 digits: its truncation
    and flag are those of the exact value), as (measure, measure_inexact), and each factor × x as
    (name, name_inexact) — from `sums`, the amounts (column "amount") summed per (by, "currency"). The one place
    a product of a sum and a rate is made: in Python decimals, once per recipient and currency (a product of a
    Decimal(38, 20) and a rate of 30 decimals does not fit a frame's decimal), then held (see `held`). The sums
    come with their Float64 check ("amount_check", checked_sum)."""
    check_sums(sums, "amount", by, item)
    names = ["measure", *factors]
    cols: dict[str, list[Any]] = {by: []}
    for name in names:
        cols[name], cols[f"{name}_inexact"] = [], []
    per_currency: dict[str, dict[str, Decimal]] = {}
    for who, currency, amount in sums.select(by, "currency", "amount").iter_rows():
        per_currency.setdefault(who, {})[currency] = amount
    for who, amounts in per_currency.items():
        x = usd(amounts, fx) if divisor == 1 else _WIDE.divide(usd(amounts, fx), divisor)
        cols[by].append(who)
        for name, value in (("measure", x), *((name, _WIDE.multiply(factor, x)) for name, factor in factors.items())):
            truncated, inexact = held(value, who, item)
            cols[name].append(f"{truncated:f}")
            cols[f"{name}_inexact"].append(inexact)
    value = __getattr__("VALUE")
    frame = pl.DataFrame(cols, schema={by: pl.String, **{c: pl.Boolean if c.endswith("_inexact") else pl.String
                                                          for c in cols if c != by}})
    return frame.with_columns(pl.col(names).cast(value))


def present(items: pl.Expr) -> pl.Expr:
    """A list column without its null elements (list.eval: list.drop_nulls is slow on lists of structs)."""
    return items.list.eval(pl.element().filter(pl.element().is_not_null()))


def json_text(text: pl.Expr) -> pl.Expr:
    """A column's values as JSON (a text quoted and escaped, a list of texts …), written by Polars; null stays
    null."""
    encoded = pl.struct(text.alias("s")).struct.json_encode().str.strip_prefix('{"s":').str.strip_suffix("}")
    return pl.when(text.is_not_null()).then(encoded)


def json_object(frame: pl.LazyFrame, by: str, key: str, value: pl.Expr, alias: str) -> pl.LazyFrame:
    """Per `by`: one JSON object {key: value, …} (value: JSON text per row), keys sorted: column `alias`."""
    return frame.sort(by, key).group_by(by, maintain_order=True).agg(
        pl.concat_str(pl.lit("{"), pl.format("{}:{}", json_text(pl.col(key)), value).str.join(","), pl.lit("}"))
        .alias(alias))


def sources_json(counted: pl.LazyFrame, by: str, count: str) -> pl.LazyFrame:
    """Per recipient, as JSON {file: rows}: the rows counted per (recipient, "_file") in
    column `count` (files with none left out): column "sources"."""
    rows = counted.group_by(by, "_file").agg(pl.col(count).sum()).filter(pl.col(count) > 0)
    return json_object(rows, by, "_file", pl.col(count).cast(pl.String), "sources")


def json_fields(fields: dict[str, pl.Expr]) -> pl.Expr:
    """A JSON object per row from JSON texts per key, written by Polars: keys sorted (as the run record writes
    every detail), a null value leaves its key out."""
    parts: list[pl.Expr] = []
    for i, key in enumerate(sorted(fields)):
        text = pl.concat_str(pl.lit(("" if i == 0 else ",") + f'"{key}":'), fields[key])
        parts.append(text.fill_null(""))
    body = pl.concat_str(parts).str.strip_prefix(",") if parts else pl.lit("")
    return pl.concat_str(pl.lit("{"), body, pl.lit("}"))


def tier_detail_fields(value: str, thresholds: list[Decimal], unit: str) -> dict[str, pl.Expr]:
    """The threshold or tier reached by the exact value in columns (value, value_inexact) and the next one with the
    distance to it (for explain and near-misses), as JSON texts per key (json_fields).
    x ≥ t ⟺ F ≥ t for a threshold t of at most SCALE decimals; the distance t − x shown to 6 decimals is t − F
    rounded, except when t − F lies on a half of the 6th decimal and x > F: then t − x lies just below it."""
    texts = [plain(t) for t in thresholds]
    measure, inexact = pl.col(value), pl.col(f"{value}_inexact")
    tier = pl.sum_horizontal([(measure >= t).cast(pl.Int64) for t in thresholds]) if thresholds else pl.lit(0)
    reached = pl.lit(None, pl.String)
    upcoming = pl.lit(None, pl.String)
    distance = pl.lit(None, pl.String)
    half = Decimal("0.0000005")
    for i in reversed(range(len(thresholds))):
        reached = pl.when(tier == i + 1).then(pl.lit(texts[i])).otherwise(reached)
        gap = pl.lit(thresholds[i]).cast(__getattr__("VALUE")) - measure
        below_half = inexact & (gap.round(6, mode="half_away_from_zero") - gap == half)
        shown = pl.when(below_half).then(plain_expr(gap - pl.lit(half).cast(__getattr__("VALUE"))))
        upcoming = pl.when(tier == i).then(pl.lit(texts[i])).otherwise(upcoming)
        distance = pl.when(tier == i).then(shown.otherwise(plain_expr(gap))).otherwise(distance)
    return {"measure": json_text(plain_expr(measure)), "unit": json_text(pl.lit(unit)),
            "thresholds": pl.lit("[" + ",".join(f'"{t}"' for t in texts) + "]"), "tier": tier.cast(pl.String),
            "reached": json_text(reached), "next": json_text(upcoming), "distance": json_text(distance)}


def plain_expr(column: str | pl.Expr, places: int = 6) -> pl.Expr:
    """`plain` of a VALUE column, written by Polars: rounded half away from zero to `places`, no trailing zeros."""
    col = pl.col(column) if isinstance(column, str) else column
    text = col.round(places, mode="half_away_from_zero").cast(pl.String)
    # only zeros after the point go (a decimal of scale 0 prints "1000", which must stay 1000)
    return text.str.replace(r"(\.\d*?)0+$", "${1}").str.strip_suffix(".")


def fen_expr(column: str | pl.Expr) -> pl.Expr:
    """A VALUE column rounded half away from zero to the fen (FEN_VALUE): the one rounding of money."""
    col = pl.col(column) if isinstance(column, str) else column
    return col.round(2, mode="half_away_from_zero").cast(__getattr__("FEN_VALUE"))


@dataclass
class Context:
    """What a clause module may look at: typed tables, the policy and the period."""

    tables: dict[str, pl.DataFrame]
    # A kqcalc.policy.Policy. Not imported: this module sits below the clauses, and the policy's checks read the
    # clauses' declarations (README, "Layers").
    policy: Any
    period: Period
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> column -> header as written
    fx: dict[str, Decimal] = field(default_factory=lambda: {"USD": Decimal(1)})  # USD per unit, exact

    def usd(self, amounts: dict[str, Decimal]) -> Decimal:
        return usd(amounts, self.fx)

    def header(self, file: str, column: str) -> str:
        return self.headers.get(file, {}).get(column, column)

    def param(self, item: str, key: str) -> Any:
        return self.policy.param(item, key)


@dataclass(frozen=True)
class LeftOut:
    """Rows of a table that a clause (or a general rule) leaves out, and why.

    A clause declares them per table (its module's `ROWS`): the clause reads the table through `kept`, the
    manifest counts those rows as excluded by rule (SPEC §1 p. 4), and explain names the reason — one selection,
    written once. `excluded=False`: the rows are used (by another line of the clause), and explain still says
    why they do not count toward the clause's main measure (B2B transactions: orders of a store, never the B2C
    amount)."""

    reason: str
    rows: Callable[[Period], pl.Expr]  # true on the rows left out for this reason
    excluded: bool = True


def left_out(rules: Sequence[LeftOut], period: Period, *, all_reasons: bool = False) -> pl.Expr:
    """True on the rows excluded by rule (or, with all_reasons, left out for any of the reasons)."""
    exprs = [r.rows(period) for r in rules if r.excluded or all_reasons]
    return functools.reduce(operator.or_, exprs) if exprs else pl.lit(False)


def kept(frame: pl.DataFrame | pl.LazyFrame, rules: Sequence[LeftOut], period: Period, *,
         all_reasons: bool = False) -> Any:
    """The rows of `frame` the rules keep (a frame of the same kind)."""
    return frame.filter(~left_out(rules, period, all_reasons=all_reasons))
