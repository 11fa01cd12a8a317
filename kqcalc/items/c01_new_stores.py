"""Clause 一 — items 1A (new B2C store) and 1B (new B2B store on a mainstream platform).

一、支持企业开展跨境电商业务。对当年新开且跨境B2C同一平台单店在线交易总量首次达100笔且企业交易额达到3万美元的企业、
对当年在同一主流平台新开跨境B2B店铺的企业，分别一次性给予1万元扶持。

1A: a B2C store opened in the period whose own orders in the period reach the order threshold, and the firm's
B2C amount in the period reaches the amount threshold → a fixed sum once per firm.
1B: a B2B store opened in the period on a mainstream B2B platform → a fixed sum once per firm. 1A and 1B stack.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from kqcalc.compact import first_rows_of
from kqcalc.items._common import TRANSACTION_TOTALS, b2c_by_firm, b2c_first_rows, transaction_totals
from kqcalc.lines import Context, Line, exact, tier_detail
from kqcalc.text import norm_key


def queries(ctx: Context) -> dict[str, pl.LazyFrame]:
    return {TRANSACTION_TOTALS: transaction_totals(ctx)}


def _new_stores(ctx: Context, model: str) -> pl.DataFrame:
    stores = ctx.tables["stores"]
    return stores.filter((pl.col("model") == model) & ctx.period.contains("opened_on"))


def _lines_1a(ctx: Context, got: dict[str, Any]) -> list[Line]:
    stores = _new_stores(ctx, "B2C")
    if stores.height == 0:
        return []
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
        .sort("firm_id")
        .collect()
    )
    amounts, where = b2c_by_firm(ctx, got)
    first = b2c_first_rows(ctx, got)
    min_orders = ctx.param("1A", "min_store_orders")
    min_usd = exact(ctx.param("1A", "min_b2c_usd"))
    amount = exact(ctx.param("1A", "amount_rmb"))
    out = []
    for firm_id, store_orders, store_id, n_stores in best.iter_rows():
        usd = exact(amounts.get(firm_id))  # type: ignore[arg-type]
        reasons = []
        if store_orders < min_orders:
            reasons.append("below_order_threshold")
        if usd < min_usd:
            reasons.append("below_threshold")
        detail = tier_detail(usd, [min_usd], "USD")
        detail.update(store=store_id, store_orders=store_orders, min_store_orders=min_orders,
                      new_b2c_stores=n_stores, sources=where.get(firm_id, {}), first_rows=first.get(firm_id, {}))
        out.append(Line(firm_id, "1A", "", usd, "USD", Decimal(0) if reasons else amount,
                        reasons=reasons, detail=detail))
    return out


def _lines_1b(ctx: Context) -> list[Line]:
    stores = _new_stores(ctx, "B2B")
    if stores.height == 0:
        return []
    mainstream = ctx.policy.mainstream_platforms
    ambiguous = ctx.policy.ambiguous_platforms
    first = first_rows_of(stores, "firm_id", date="opened_on")
    amount = exact(ctx.param("1B", "amount_rmb"))
    by_firm: dict[str, list[tuple[str, str, str, int]]] = {}
    for firm_id, platform, store_id, file, row in stores.select("firm_id", "platform", "store_id", "_file",
                                                                "_row").iter_rows():
        by_firm.setdefault(firm_id, []).append((platform, store_id, file, row))
    out = []
    for firm_id in sorted(by_firm):
        group = by_firm[firm_id]
        names = [norm_key(p) for p, _, _, _ in group]
        platforms = sorted({mainstream.get(n, "") for n in names} - {""})
        qualifying = [n for n in names if n in mainstream]
        files: dict[str, int] = {}
        for _, _, file, _ in group:
            files[file] = files.get(file, 0) + 1
        detail: dict[str, Any] = {"new_b2b_stores": len(group), "mainstream_platforms": platforms,
                                  "stores": sorted(f"{p}/{s}" for p, s, _, _ in group),
                                  "sources": dict(sorted(files.items())), "first_rows": first.get(firm_id, {})}
        # A platform written so that it names no mainstream platform without doubt (阿里巴巴 may be 1688.com): the
        # store does not count (fail closed), and run.py warns (ambiguous_platform) for each such store.
        doubtful = [{"platform": p, "store_id": s, "file": f, "row": r} for p, s, f, r in group
                    if norm_key(p) in ambiguous]
        if doubtful:
            detail["ambiguous_platforms"] = sorted(doubtful, key=lambda d: (d["file"], d["row"]))
        reasons = [] if qualifying else ["not_mainstream_platform"]
        out.append(Line(firm_id, "1B", "", Decimal(len(qualifying)), "stores",
                        amount if qualifying else Decimal(0), reasons=reasons, detail=detail))
    return out


def lines(ctx: Context, got: dict[str, Any]) -> list[Line]:
    return _lines_1a(ctx, got) + _lines_1b(ctx)
