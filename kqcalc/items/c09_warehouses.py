"""Clause 九 — items 9A (new provincial pilot), 9B (municipal-standard warehouse) and 9C (Belt and Road top-up).

九、支持建设跨境电商海外仓。对新列入省级跨境电商公共海外仓建设试点名单的企业，除省级扶持资金外，一次性给予不超过20万元
资金扶持；对经认定达到市级公共海外仓建设标准、运营一年以上的，按建设成本（场地租赁、设备采购、系统开发）的40%一次性给予
建设（运营）主体补助，最高不超过50万元；对新建在"一带一路"国家或地区的公共海外仓，补助额度再增加10万元。

Three lines per warehouse (ref = warehouse_id):
9A: newly listed in the provincial pilot list → a fixed sum once per warehouse.
9B: meets the municipal standard and has operated one year or more at the end of the period
    (operating_since + 1 year ≤ period end; 29 February + 1 year = 28 February) → a share of lease + equipment +
    system cost (blank costs are 0), capped, once per warehouse.
9C: newly built in a Belt-and-Road country → a fixed top-up, but only when this warehouse's 9A or 9B line is
    paid in this run (declared in REQUIRES_PAID; rules.py checks it after eligibility and one-time checks).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.issues import Issue, issue
from kqcalc.lazy import pl
from kqcalc.lines import Context, LeftOut, exact, present
from kqcalc.shape import fail, need, need_list, need_text
from kqcalc.text import norm_key

ITEMS = ("9A", "9B", "9C")

# The policy numbers each item reads (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {
    "9A": {"amount_rmb": Decimal},
    "9B": {"cost_share": Decimal, "cap_rmb": Decimal, "min_operating_years": int},
    "9C": {"amount_rmb": Decimal},
}

# The rows read: every warehouse row counts (none is left out by rule; each gives a line of each item).
ROWS: dict[str, tuple[LeftOut, ...]] = {"warehouses": ()}

# A dependency the general rules honour (rules.py): a 9C line is paid only when the 9A or 9B line of the same
# firm and warehouse (ref) is paid in this run; otherwise its gross becomes 0 with the reason given here.
REQUIRES_PAID: dict[str, tuple[tuple[str, ...], str]] = {"9C": (("9A", "9B"), "no_paid_9a_9b")}

_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")


def countries(policy: Any) -> dict[str, tuple[str, str]]:
    """Belt-and-Road countries: ISO alpha-2 code → (Chinese name, English name)."""
    return {c["code"].upper(): (c.get("zh", ""), c.get("en", "")) for c in policy.items["9C"].get("countries", [])}


def other_countries(policy: Any) -> dict[str, tuple[str, str]]:
    """Countries not on the Belt-and-Road list that are still recognised (no misspelling warning)."""
    return {c["code"].upper(): (c.get("zh", ""), c.get("en", ""))
            for c in policy.items["9C"].get("other_countries", [])}


def check_policy_items(items: dict[str, Any], source: str) -> None:
    """The policy file's Belt-and-Road list of item 9C: ISO alpha-2 codes, each once, with a Chinese name."""
    path = "items.9C.countries"
    seen: dict[str, int] = {}
    for i, country in enumerate(need_list(items["9C"], "countries", path, source, non_empty=True)):
        code = need(country, "code", f"{path}[{i}].code", source)
        if not isinstance(code, str) or not _COUNTRY_CODE.fullmatch(code):
            raise fail(source, f"{path}[{i}].code", "not_country_code", value=repr(code))
        if code.upper() in seen:
            raise fail(source, f"{path}[{i}].code", "listed_twice", value=repr(code),
                       other=f"{path}[{seen[code.upper()]}]")
        seen[code.upper()] = i
        need_text(country, "zh", f"{path}[{i}].zh", source)
        if not isinstance(country.get("en", ""), str):
            raise fail(source, f"{path}[{i}].en", "not_string", value=repr(country["en"]))


def belt_and_road(ctx: Context, country: str) -> tuple[bool, bool]:
    """(on the list, a recognisable spelling). The list matches by ISO alpha-2 code or Chinese name only
    (SPEC §2); English names and the policy's other countries only spare the value a misspelling warning."""
    listed = countries(ctx.policy)
    code = country.strip().upper()
    if code in listed or norm_key(country) in {norm_key(zh) for zh, _ in listed.values()}:
        return True, True
    known = listed | other_countries(ctx.policy)
    names = {norm_key(name) for pair in known.values() for name in pair}
    return False, code in known or norm_key(country) in names or (len(code) == 2 and code.isascii() and code.isalpha())


def _bool(column: str) -> pl.Expr:
    return pl.when(pl.col(column)).then(pl.lit("true")).otherwise(pl.lit("false"))


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """Three lines per warehouse (9A, 9B, 9C; ref = warehouse_id), sorted by firm and warehouse. 9B's cost is the
    sum of its three costs and its gross cost share × that sum, exactly (lines.held_frame); 9C's country is looked
    up once per distinct spelling (belt_and_road)."""
    rows = ctx.tables["warehouses"]
    if rows.height == 0:
        return pl.DataFrame(schema=L.GROSS_SCHEMA)
    value = L.VALUE
    zero, one = pl.lit(0).cast(value), pl.lit(1).cast(value)
    years = ctx.param("9B", "min_operating_years")
    end = ctx.period.end
    houses = rows.sort("firm_id", "warehouse_id__key", maintain_order=True).with_columns(
        pl.int_range(pl.len()).alias("_n"), pl.col("_file").cast(pl.String),
        pl.col("operating_since").dt.offset_by(f"{years}y").alias("one_year_on"))  # 29 February → 28 February
    costs = ("lease_cost_rmb", "equipment_cost_rmb", "system_cost_rmb")
    amounts = pl.concat([houses.select(pl.col("_n").cast(pl.String), pl.lit(c).alias("currency"),
                                       pl.col(c).fill_null(0).cast(value).alias("amount")) for c in costs])
    cost = L.held_frame(amounts.with_columns(pl.col("amount").cast(pl.Float64).alias("amount_check")), "_n",
                        dict.fromkeys(costs, Decimal(1)), {"gross": exact(ctx.param("9B", "cost_share"))}, "9B")
    spellings = houses.get_column("country").drop_nulls().unique().to_list()
    looked_up = pl.DataFrame([(c, *belt_and_road(ctx, c)) for c in spellings],
                             schema={"country": pl.String, "belt_and_road": pl.Boolean,
                                     "country_recognised": pl.Boolean}, orient="row")
    houses = houses.join(looked_up, on="country", how="left", maintain_order="left").join(
        cost.with_columns(pl.col("_n").cast(pl.Int64)), on="_n", how="left", maintain_order="left")
    source = pl.struct(pl.col("_file").alias("file"), pl.col("_row").alias("row")).struct.json_encode()
    common = [pl.col("_n"), "firm_id", pl.col("warehouse_id").alias("ref")]

    def gross_if_met(amount: pl.Expr) -> pl.Expr:
        return pl.when(pl.col("reasons").list.len() == 0).then(amount).otherwise(zero).cast(value)

    pilot = houses.select(*common, pl.lit("9A").alias("item"), one.alias("measure"), pl.lit("warehouse").alias("unit"),
                          present(pl.concat_list(pl.when(~pl.col("provincial_pilot_new")).then(
                              pl.lit("not_newly_listed")))).alias("reasons"),
                          L.json_fields({"source": source}).alias("detail"),
                          pl.lit(None, value).alias("cap")).with_columns(
        gross_if_met(pl.lit(exact(ctx.param("9A", "amount_rmb")))).alias("gross"))
    since, anniversary = pl.col("operating_since"), pl.col("one_year_on")
    standard = houses.select(
        *common, pl.lit("9B").alias("item"), "measure", "measure_inexact", pl.lit("RMB").alias("unit"),
        present(pl.concat_list(
            pl.when(~pl.col("municipal_standard")).then(pl.lit("not_municipal_standard")),
            pl.when(since.is_null()).then(pl.lit("operating_since_unknown")),
            pl.when(anniversary > end).then(pl.lit("operating_less_than_a_year")),
            pl.when((pl.col("measure") == 0) & ~pl.col("measure_inexact")).then(pl.lit("no_cost")))).alias("reasons"),
        L.json_fields({"source": source, "cost_share": L.json_text(pl.lit(str(ctx.param("9B", "cost_share")))),
                       "operating_since": L.json_text(since.dt.to_string("%Y-%m-%d")).fill_null("null"),
                       "one_year_on": L.json_text(anniversary.dt.to_string("%Y-%m-%d")).fill_null("null"),
                       "period_end": L.json_text(pl.lit(end.isoformat()))}).alias("detail"),
        pl.lit(exact(ctx.param("9B", "cap_rmb"))).cast(value).alias("cap"), "gross", "gross_inexact").with_columns(
        gross_if_met(pl.col("gross")).alias("gross"), (pl.col("gross_inexact") & (pl.col("reasons").list.len() == 0)))
    top_up = houses.select(*common, pl.lit("9C").alias("item"), one.alias("measure"), pl.lit("warehouse").alias("unit"),
                           present(pl.concat_list(
                               pl.when(~pl.col("newly_built")).then(pl.lit("not_newly_built")),
                               pl.when(~pl.col("belt_and_road")).then(pl.lit("not_belt_and_road")))).alias("reasons"),
                           L.json_fields({"source": source, "country": L.json_text(pl.col("country")).fill_null("null"),
                                          "belt_and_road": _bool("belt_and_road"),
                                          "country_recognised": _bool("country_recognised")}).alias("detail"),
                           pl.lit(None, value).alias("cap")).with_columns(
        gross_if_met(pl.lit(exact(ctx.param("9C", "amount_rmb")))).alias("gross"))
    lines = pl.concat([pilot, standard, top_up], how="diagonal_relaxed").sort("_n", "item")
    return lines.select(
        "firm_id", "item", "ref", "measure", pl.col("measure_inexact").fill_null(False), "unit", "gross",
        pl.col("gross_inexact").fill_null(False), "cap", "reasons", "detail").cast(L.GROSS_SCHEMA)


def warnings(ctx: Context, lines: pl.DataFrame) -> list[Issue]:
    """One warning per warehouse whose country is neither on the list nor a recognisable spelling (a misspelling
    would cost the 9C top-up silently)."""
    out = []
    for text in lines.filter(pl.col("item") == "9C").get_column("detail"):
        detail = json.loads(text)
        if not detail.get("country_recognised", True) and not detail["belt_and_road"]:
            src = detail["source"]
            out.append(issue("warehouses", src["file"], src["row"], ctx.header(src["file"], "country"),
                             "unknown_country", country=repr(detail["country"])))
    return out


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS: dict[str, dict[tuple[str, str], str]] = {"zh": {}, "en": {}}

FACTS = {
    "zh": {"9B": "运营起始日 {operating_since}，满一年之日 {one_year_on}，考核期末 {period_end}",
           "9C": "国家 {country}：{on_list}", "on_list": "在“一带一路”名单内", "off_list": "不在“一带一路”名单内"},
    "en": {"9B": "operating since {operating_since}, one year on {one_year_on}, period end {period_end}",
           "9C": "country {country}: {on_list}", "on_list": "on the Belt and Road list",
           "off_list": "not on the Belt and Road list"},
}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """9A, 9C: '200,000 元（一次性）'; 9B: '建设成本 × 40%，上限 500,000 元（一次性）'."""
    if record["item"] != "9B":
        return W.once(p["amount_rmb"], lang)
    return W.rule(lang, "share", base="建设成本" if lang == "zh" else "construction cost",
                  share=W.percent(p["cost_share"]), cap=W.cap(p["cap_rmb"], lang)) + W.RULE[lang]["once"]


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """9B: the start of operation and its first anniversary against the period's end; 9C: the country."""
    item, d, f = record["item"], record.get("detail") or {}, FACTS[lang]
    if item == "9B":
        unknown = W.FACTS[lang]["unknown"]
        return [(f["9B"].format(operating_since=d.get("operating_since") or unknown,
                                one_year_on=d.get("one_year_on") or unknown, period_end=d.get("period_end")), [])]
    if item == "9C":
        return [(f["9C"].format(country=d.get("country", ""),
                                on_list=f["on_list"] if d.get("belt_and_road") else f["off_list"]), [])]
    return []
