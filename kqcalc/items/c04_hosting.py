"""Clause 四 — item 4 (third-party hosting service providers).

四、支持跨境电商服务企业发展。对提供跨境电商第三方托管服务的企业，其实际服务企业达到20家，且其服务企业跨境B2C年在线
总交易额达到300万美元及以上或跨境B2B年在线总交易额达到1000万美元及以上的，按照服务费的5%给予补助，最高不超过10万元。

Distinct clients reach the minimum and (the clients' summed B2C or summed B2B reaches its threshold) → a share of
the summed service fees, capped. Client identity: client_id, else the normalised name (clean.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc import lines as L
from kqcalc import words as W
from kqcalc.compact import first_rows_json
from kqcalc.lazy import pl
from kqcalc.lines import (
    Context,
    LeftOut,
    check_sums,
    checked_sum,
    exact,
    held_frame,
    json_fields,
    json_text,
    present,
    sources_json,
    tier_detail_fields,
)

ITEMS = ("4",)

# The policy numbers read (items.<code>.<key>), with their types (checked by policy/check.py).
PARAMS: dict[str, dict[str, type]] = {
    "4": {"min_clients": int, "min_clients_b2c_usd": Decimal, "min_clients_b2b_usd": Decimal, "fee_share": Decimal,
          "cap_rmb": Decimal},
}

# The rows read: every hosting service row counts (none is left out by rule).
ROWS: dict[str, tuple[LeftOut, ...]] = {"hosting_services": ()}


def frame_lines(ctx: Context, got: dict[str, Any]) -> pl.DataFrame:
    """One line per provider: its clients' fees times the fee share (exact: lines.held_frame), when it has the
    clients and their B2C or B2B amount reaches the floor (x ≥ t ⟺ F ≥ t: lines.py)."""
    rows = ctx.tables["hosting_services"]
    if rows.height == 0:
        return pl.DataFrame(schema=L.GROSS_SCHEMA)
    totals = rows.group_by("provider_id").agg(
        pl.col("client").n_unique().alias("clients"),
        *checked_sum(pl.col("client_b2c_usd"), None, "b2c"),
        *checked_sum(pl.col("client_b2b_usd"), None, "b2b"),
        *checked_sum(pl.col("service_fee_rmb"), None, "amount"),
    ).sort("provider_id")
    for column in ("b2c", "b2b"):
        check_sums(totals, column, "provider_id", "4")
    min_clients = ctx.param("4", "min_clients")
    min_b2c = exact(ctx.param("4", "min_clients_b2c_usd"))
    min_b2b = exact(ctx.param("4", "min_clients_b2b_usd"))
    value = L.VALUE  # made when first used
    fees = held_frame(totals.with_columns(pl.lit("RMB").alias("currency")), "provider_id", {"RMB": Decimal(1)},
                      {"gross": exact(ctx.param("4", "fee_share"))}, "4")
    reasons = present(pl.concat_list(
        pl.when(pl.col("clients") < min_clients).then(pl.lit("below_client_threshold")),
        pl.when((pl.col("b2c") < min_b2c) & (pl.col("b2b") < min_b2b)).then(pl.lit("below_threshold"))))

    def tiers(column: str, floor: Decimal, unit: str) -> pl.Expr:
        return json_fields(tier_detail_fields(column, [floor], unit))

    detail = json_fields({
        "clients": tiers("_clients", Decimal(min_clients), "clients"), "clients_b2c_usd": tiers("b2c", min_b2c, "USD"),
        "clients_b2b_usd": tiers("b2b", min_b2b, "USD"),
        "fee_share": json_text(pl.lit(str(ctx.param("4", "fee_share")))),
        "sources": pl.col("sources").fill_null("{}"), "first_rows": pl.col("first_rows").fill_null("{}")})
    counted = rows.lazy().with_columns(pl.lit(1).alias("_n"))
    return totals.lazy().drop("amount").join(fees.lazy(), on="provider_id").join(
        sources_json(counted, "provider_id", "_n"), on="provider_id", how="left").join(
        first_rows_json(rows, "provider_id", value="service_fee_rmb", currency="RMB"), on="provider_id", how="left",
    ).with_columns(
        pl.col("clients").cast(value).alias("_clients"), pl.col("b2c", "b2b").cast(value),
        pl.lit(False).alias("_clients_inexact"), pl.lit(False).alias("b2c_inexact"), pl.lit(False).alias("b2b_inexact"),
        reasons.alias("reasons"),
    ).sort("provider_id").select(
        pl.col("provider_id").alias("firm_id"), pl.lit("4").alias("item"), pl.lit("").alias("ref"), "measure",
        "measure_inexact", pl.lit("RMB").alias("unit"),
        pl.when(pl.col("reasons").list.len() == 0).then(pl.col("gross")).otherwise(pl.lit(0).cast(value))
        .alias("gross"),
        ((pl.col("reasons").list.len() == 0) & pl.col("gross_inexact")).alias("gross_inexact"),
        pl.lit(exact(ctx.param("4", "cap_rmb"))).cast(value).alias("cap"), "reasons", detail.alias("detail"),
    ).collect()


# --- words: rule text and facts for report.xlsx and explain ---

CONDITIONS = {
    "zh": {("4", "clients"): "实际服务企业数", ("4", "clients_b2c_usd"): "服务企业B2C年交易额",
           ("4", "clients_b2b_usd"): "服务企业B2B年交易额"},
    "en": {("4", "clients"): "clients served", ("4", "clients_b2c_usd"): "clients' B2C amount",
           ("4", "clients_b2b_usd"): "clients' B2B amount"},
}


def rule_text(record: dict, p: dict, lang: str) -> str:
    """'服务费 × 40%，上限 500,000 元'."""
    return W.rule(lang, "share", base="服务费" if lang == "zh" else "service fees", share=W.percent(p["fee_share"]),
                  cap=W.cap(p["cap_rmb"], lang))


def facts(record: dict, lang: str) -> list[tuple[str, list[str]]]:
    return []
