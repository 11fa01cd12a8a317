"""Clause 一 — items 1A (new B2C store) and 1B (new B2B store on a mainstream platform).

一、支持企业开展跨境电商业务。对当年新开且跨境B2C同一平台单店在线交易总量首次达100笔且企业交易额达到3万美元的企业、
对当年在同一主流平台新开跨境B2B店铺的企业，分别一次性给予1万元扶持。

1A: a B2C store opened in the period whose own orders in the period reach the order threshold, and the firm's
B2C amount in the period reaches the amount threshold → a fixed sum once per firm.
1B: a B2B store opened in the period on a mainstream B2B platform → a fixed sum once per firm. 1A and 1B stack.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.compact import first_rows_json
from kqcalc.issues import Issue, issue
from kqcalc.items._common import (
    TRANSACTION_ROWS,
    TRANSACTION_TOTALS,
    b2c_frame,
    transaction_totals,
)
from kqcalc.lazy import pl
from kqcalc.lines import (
    Context,
    LeftOut,
    exact,
    json_fields,
    json_object,
    json_text,
    kept,
    present,
    tier_detail_fields,
)
from kqcalc.shape import fail, need_list, need_text
from kqcalc.text import norm_key

ITEMS = ("1A", "1B")

# The policy numbers each item reads (items.<code>.<key> of the policy file), with their types: the policy's
# checks come from these (policy/check.py), and counts are whole numbers.
PARAMS: dict[str, dict[str, type]] = {
    "1A": {"min_store_orders": int, "min_b2c_usd": Decimal, "amount_rmb": Decimal},
    "1B": {"amount_rmb": Decimal},
}

# The rows the clause reads, per table, and those it leaves out (the manifest's excluded-by-rule counts and
# explain's reasons come from the same declaration): stores opened outside the period; the transactions as
# items/_common.py declares them for items 1A and 2.
ROWS: dict[str, tuple[LeftOut, ...]] = {
    "stores": (LeftOut("outside_period", lambda period: ~period.contains("opened_on")),),
    "transactions": TRANSACTION_ROWS,
}


def mainstream_platforms(policy: Any) -> dict[str, str]:
    """Normalised spelling (name or alias) → canonical platform name, for item 1B."""
    names: dict[str, str] = {}
    for p in policy.items["1B"].get("mainstream_platforms", []):
        for spelling in [p["name"], *p.get("aliases", [])]:
            names[norm_key(spelling)] = p["name"]
    return names


def ambiguous_platforms(policy: Any) -> frozenset[str]:
    """Normalised spellings that name no mainstream platform without doubt (item 1B fails closed on them)."""
    return frozenset(norm_key(s) for s in policy.items["1B"].get("ambiguous_platforms", []))


def check_policy_items(items: dict[str, Any], source: str) -> None:
    """The policy file's platform lists of item 1B: names and aliases are text, no spelling names two platforms,
    and no ambiguous spelling is also a platform's."""
    item = items["1B"]
    path = "items.1B.mainstream_platforms"
    owner: dict[str, str] = {}
    for i, platform in enumerate(need_list(item, "mainstream_platforms", path, source, non_empty=True)):
        name = need_text(platform, "name", f"{path}[{i}].name", source)
        aliases = platform.get("aliases", [])
        if not isinstance(aliases, list):
            raise fail(source, f"{path}[{i}].aliases", "not_strings", value=repr(aliases))
        for j, spelling in enumerate(aliases):
            if not isinstance(spelling, str) or not spelling.strip():
                raise fail(source, f"{path}[{i}].aliases[{j}]", "not_text", value=repr(spelling))
        for spelling in [name, *aliases]:
            other = owner.setdefault(norm_key(spelling), name)
            if other != name:
                raise fail(source, f"{path}[{i}]", "spelling_twice", spelling=repr(spelling), other=repr(other))
    ambiguous = "items.1B.ambiguous_platforms"
    for j, spelling in enumerate(need_list(item, "ambiguous_platforms", ambiguous, source)):
        if not isinstance(spelling, str) or not spelling.strip():
            raise fail(source, f"{ambiguous}[{j}]", "not_text", value=repr(spelling))
        if norm_key(spelling) in owner:
            raise fail(source, f"{ambiguous}[{j}]", "ambiguous_and_platform", spelling=repr(spelling),
                       platform=repr(owner[norm_key(spelling)]), platforms=path)


def queries(ctx: Context) -> dict[str, pl.LazyFrame]:
    return {TRANSACTION_TOTALS: transaction_totals(ctx)}


def _new_stores(ctx: Context, model: str) -> pl.DataFrame:
    stores = kept(ctx.tables["stores"], ROWS["stores"], ctx.period)
    return stores.filter(pl.col("model") == model)


def _lines_1a(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """One line per firm with a new B2C store: paid when its best store has the orders and the firm's B2C amount
    reaches the threshold (x ≥ t ⟺ F ≥ t: lines.py)."""
    stores = _new_stores(ctx, "B2C")
    if stores.height == 0:
        return pl.DataFrame(schema=L.GROSS_SCHEMA)
    # A transaction counts toward a store by (platform, store_id); its own firm_id is not compared.
    orders = (
        got[TRANSACTION_TOTALS].lazy()
        .filter(pl.col("store_id__key").fill_null("") != "")
        .group_by("platform__key", "store_id__key")
        .agg(pl.col("orders").sum().alias("store_orders"))
    )
    best = (
        stores.lazy()
        .join(orders, on=["platform__key", "store_id__key"], how="left")
        .with_columns(pl.col("store_orders").fill_null(0))
        .sort(["store_orders", "platform__key", "store_id__key"], descending=[True, False, False])
        .group_by("firm_id", maintain_order=True)
        .agg(pl.col("store_orders").first(), pl.col("store_id").first(), pl.len().alias("stores"))
    )
    min_orders = ctx.param("1A", "min_store_orders")
    min_usd = exact(ctx.param("1A", "min_b2c_usd"))
    value = L.VALUE  # made when first used
    reasons = present(pl.concat_list(
        pl.when(pl.col("store_orders") < min_orders).then(pl.lit("below_order_threshold")),
        pl.when(pl.col("measure") < min_usd).then(pl.lit("below_threshold"))))
    detail = json_fields({
        **tier_detail_fields("measure", [min_usd], "USD"), "store": json_text(pl.col("store_id")),
        "store_orders": pl.col("store_orders").cast(pl.String), "min_store_orders": pl.lit(str(min_orders)),
        "new_b2c_stores": pl.col("stores").cast(pl.String), "sources": pl.col("sources"),
        "first_rows": pl.col("first_rows")})
    return best.join(b2c_frame(ctx, got).lazy(), on="firm_id", how="left").with_columns(
        pl.col("measure").fill_null(pl.lit(0).cast(value)), pl.col("measure_inexact").fill_null(False),
        pl.col("sources", "first_rows").fill_null("{}"),  # a firm without B2C amount: 0
    ).with_columns(reasons.alias("reasons")).sort("firm_id").select(
        "firm_id", pl.lit("1A").alias("item"), pl.lit("").alias("ref"), "measure", "measure_inexact",
        pl.lit("USD").alias("unit"),
        pl.when(pl.col("reasons").list.len() == 0).then(pl.lit(exact(ctx.param("1A", "amount_rmb"))))
        .otherwise(pl.lit(0)).cast(value).alias("gross"),
        pl.lit(False).alias("gross_inexact"), pl.lit(None, value).alias("cap"), "reasons", detail.alias("detail"),
    ).collect()


def _lines_1b(ctx: Context) -> pl.DataFrame:
    """One line per firm with a new B2B store: paid once when a store is on a mainstream platform. A platform
    written so that it names no mainstream platform without doubt (阿里巴巴 may be 1688.com): the store does not
    count (fail closed), and `warnings` below warns (ambiguous_platform) for each such store."""
    stores = _new_stores(ctx, "B2B")
    if stores.height == 0:
        return pl.DataFrame(schema=L.GROSS_SCHEMA)
    mainstream = mainstream_platforms(ctx.policy)
    ambiguous = ambiguous_platforms(ctx.policy)
    spellings = stores.get_column("platform").unique().to_list()
    keyed = stores.lazy().with_columns(pl.col("platform").replace_strict(
        {p: norm_key(p) for p in spellings}, return_dtype=pl.String).alias("_norm")).with_columns(
        pl.col("_norm").replace_strict(mainstream, default=None, return_dtype=pl.String).alias("_canonical"),
        pl.col("_norm").is_in(sorted(ambiguous)).alias("_ambiguous"))
    doubtful = pl.struct(pl.col("_file").alias("file"), "platform", pl.col("_row").alias("row"), "store_id")
    per_firm = keyed.sort("_file", "_row").group_by("firm_id").agg(
        pl.len().alias("n"), pl.col("_canonical").drop_nulls().unique().sort().alias("platforms"),
        pl.col("_canonical").is_not_null().sum().alias("qualifying"),
        pl.concat_str("platform", pl.lit("/"), "store_id").sort().alias("stores"),
        doubtful.filter(pl.col("_ambiguous")).alias("doubtful"))
    files = keyed.group_by("firm_id", "_file").agg(pl.len().cast(pl.String).alias("n"))
    value = L.VALUE  # made when first used
    detail = json_fields({
        "new_b2b_stores": pl.col("n").cast(pl.String), "mainstream_platforms": json_text(pl.col("platforms")),
        "stores": json_text(pl.col("stores")), "sources": pl.col("sources"),
        "first_rows": pl.col("first_rows").fill_null("{}"),
        "ambiguous_platforms": pl.when(pl.col("doubtful").list.len() > 0).then(json_text(pl.col("doubtful")))})
    met = pl.col("qualifying") > 0
    return per_firm.join(json_object(files, "firm_id", "_file", pl.col("n"), "sources"), on="firm_id").join(
        first_rows_json(stores, "firm_id", date="opened_on"), on="firm_id", how="left").sort("firm_id").select(
        "firm_id", pl.lit("1B").alias("item"), pl.lit("").alias("ref"), pl.col("qualifying").cast(value)
        .alias("measure"), pl.lit(False).alias("measure_inexact"), pl.lit("stores").alias("unit"),
        pl.when(met).then(pl.lit(exact(ctx.param("1B", "amount_rmb")))).otherwise(pl.lit(0)).cast(value)
        .alias("gross"), pl.lit(False).alias("gross_inexact"), pl.lit(None, value).alias("cap"),
        pl.when(met).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(pl.lit(["not_mainstream_platform"]))
        .alias("reasons"), detail.alias("detail"),
    ).collect()


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    return pl.concat([_lines_1a(ctx, got), _lines_1b(ctx)])


def warnings(ctx: Context, lines: pl.DataFrame) -> list[Issue]:
    """One warning per new B2B store whose platform is an ambiguous spelling (SPEC §2, item 1B): the store does not
    count, and staff are told which full names would."""
    full_names = ", ".join(
        "/".join([p["name"], *[a for a in p.get("aliases", []) if not a.isascii()][:1]])
        for p in ctx.policy.items["1B"].get("mainstream_platforms", []))
    out = []
    for detail in lines.filter(pl.col("item") == "1B").get_column("detail"):
        for store in json.loads(detail).get("ambiguous_platforms", []):
            out.append(issue("stores", store["file"], store["row"], ctx.header(store["file"], "platform"),
                             "ambiguous_platform", platform=repr(store["platform"]), store=repr(store["store_id"]),
                             full_names=full_names))
    return out


# --- words: rule text and facts for report.xlsx and explain ---
# (report/describe.py reads CONDITIONS, rule_text and facts of every clause, and more_conditions where declared)

# Threshold conditions: (item, key of the line's detail holding the tier detail, "" for the line's own) → label.
CONDITIONS = {
    "zh": {("1A", ""): "企业B2C交易额", ("1A", "store_orders"): "新开B2C店铺单店订单数"},
    "en": {("1A", ""): "firm's B2C amount", ("1A", "store_orders"): "orders of the best new B2C store"},
}

FACTS = {
    "zh": {"1A": "新开B2C店铺 {new_b2c_stores} 家；订单最多的店铺 {store}：{store_orders} 笔",
           "1B": "新开B2B店铺 {new_b2b_stores} 家：{stores}；其中主流平台：{platforms}"},
    "en": {"1A": "{new_b2c_stores} new B2C store(s); the one with most orders, {store}: {store_orders} orders",
           "1B": "{new_b2b_stores} new B2B store(s): {stores}; on mainstream platforms: {platforms}"},
}


def more_conditions(record: dict) -> list[tuple[str, dict, str]]:
    """1A's other threshold, the orders of the best new store, as a condition shaped like a tier detail."""
    detail = record.get("detail") or {}
    if record["item"] != "1A" or "store_orders" not in detail or "min_store_orders" not in detail:
        return []
    orders, floor = Decimal(str(detail["store_orders"])), Decimal(str(detail["min_store_orders"]))
    synthetic: dict[str, Any] = {"unit": "orders", "thresholds": [str(floor)], "tier": int(orders >= floor)}
    if orders >= floor:
        synthetic["reached"] = str(floor)
    else:
        synthetic |= {"next": str(floor), "distance": str(floor - orders)}
    return [("store_orders", synthetic, str(orders))]


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'新开B2C店铺单店订单 ≥ 100 笔且企业B2C交易额 ≥ 30,000 美元 → 10,000 元（一次性）'."""
    zh = lang == "zh"
    if record["item"] == "1A":
        orders, usd = p["min_store_orders"], W.number(p["min_b2c_usd"])
        condition = (f"新开B2C店铺单店订单 ≥ {orders} 笔且企业B2C交易额 ≥ {usd} 美元" if zh else
                     f"new B2C store with ≥ {orders} orders and firm B2C amount ≥ USD {usd}")
    else:
        condition = "主流平台新开B2B店铺" if zh else "new B2B store on a mainstream platform"
    return W.rule(lang, "then", condition=condition, amount=W.once(p["amount_rmb"], lang))


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    """1A: the new B2C stores and the best one's orders; 1B: the new B2B stores and the mainstream platforms."""
    d, f, w = record.get("detail") or {}, FACTS[lang], W.FACTS[lang]
    if record["item"] == "1A":
        return [(f["1A"].format(**d), [])] if "store" in d else []
    return [(f["1B"].format(new_b2b_stores=d.get("new_b2b_stores", 0), stores=w["list_sep"].join(d.get("stores", [])),
                            platforms=w["list_sep"].join(d.get("mainstream_platforms", [])) or w["none"]), [])]
