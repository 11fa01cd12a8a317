"""Sample input data: a hand-checked district-year, and as many random rows as a benchmark needs.

`generate()` writes the input tables of SPEC §3 for the Keqiao 2020–21 year
(period 2020-07-01 .. 2021-06-30) in two layers:

1. **The curated core** (always written, identical for every seed): 80
   registered firms and one unregistered one, each with a role in a
   scenario in which every item 1A … 10B is paid at least once and every
   general rule bites at least once (not in the zone, not independent for
   tax, a logistics firm with B2C sales, 一事一议, a negative record in the
   period, near-misses, prior awards, other-level awards, adjustments,
   currency conversion, Belt-and-Road and other warehouses). Totals are
   round numbers split over many realistic rows (daily aggregated orders,
   one 9610 declaration or waybill a row) so that every award can be checked
   by hand: `sample_data/expected/EXPECTED.md` does that arithmetic and
   `sample_data/expected/expected_awards.csv` lists every award line the engine must
   produce for the core.
2. **The scale layer** (only when asked): `firms` above 80 adds random firms
   (with one B2C store each, and a B2B store for about one in five);
   `transactions`, `declarations` and `logistics` above the core's row
   counts add random rows to those tables. Everything is vectorised Polars
   driven by a counter-based SplitMix64 generator keyed by `seed` (no
   per-row Python), so the benchmark's 20,000 firms and 1,000,000 rows in
   each big table take a few seconds as CSV or Parquet, and the same
   arguments give the same bytes. Scale rows belong to the scale firms and
   their stores (so the core firms' awards are unchanged); when there are no
   scale firms (or stores) they go to the core's.

Counts are totals, core included; a count below the core's size gives the
core alone (the core is never cut: its expected awards depend on all of it).

Formats: `xlsx` writes one workbook `keqiao-2020-21.xlsx` with a sheet per
table (Chinese sheet names and headers for `lang="zh"`, English for "en");
numbers are number cells, dates date cells, booleans 是/否 (yes/no in
English). A sheet holds at most `sheet_rows` data rows (default and maximum
1,048,575, Excel's limit): the rows beyond go, in order, to further
workbooks `keqiao-2020-21-2.xlsx`, `-3` …, which hold only the tables that
still have rows; the engine reads several workbooks as the union of their
rows, so nothing is dropped. `csv` and `parquet` write one file per table
named by its English name (`transactions.csv` …) with English headers;
CSV is UTF-8 without BOM, booleans 是/否 (yes/no for "en"); Parquet keeps
types (Date, Boolean, Decimal, Int64).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl

from kqcalc.errors import UsageError
from kqcalc.tables import (
    BOOL,
    COUNT,
    DATE,
    LEVEL,
    MONEY,
    PROGRAM_KIND,
    QUANTITY,
    RATE,
    TABLES,
    YEAR,
    Column,
)
from kqcalc.text import CREDIT_CODE_ALPHABET, CREDIT_CODE_WEIGHTS, credit_code_check_char

PERIOD_START = date(2020, 7, 1)
PERIOD_END = date(2021, 6, 30)
BEFORE = (date(2020, 4, 1), date(2020, 6, 30))  # rows dated before the period (excluded by rule)
AFTER = (date(2021, 7, 1), date(2021, 8, 31))  # rows dated after the period (excluded by rule)
WORKBOOK_STEM = "keqiao-2020-21"
EXCEL_MAX_ROWS = 1_048_575  # data rows under the header
FORMATS = ("xlsx", "csv", "parquet")
LANGS = ("zh", "en")

# ---------------------------------------------------------------------------
# Unified Social Credit Codes (GB 32100-2015) and organisation codes (GB 11714)

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
KEQIAO = "330603"  # 柯桥区
YUECHENG = "330602"  # 越城区 (outside the zone)


def org_check(org8: str) -> str:
    """The check character of a GB 11714 organisation code (positions 9–17 of a USCC)."""
    total = sum(int(ch, 36) * w for ch, w in zip(org8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_uscc(kind: str, region: str, org8: str) -> str:
    """kind: registration authority and type ("91" company, "12" public institution, "52" private non-profit)."""
    body = kind + region + org8 + org_check(org8)
    return body + credit_code_check_char(body)


# ---------------------------------------------------------------------------
# The curated core: firms


@dataclass(frozen=True)
class CoreFirm:
    key: str  # scenario key used in EXPECTED.md, e.g. "F01"
    name: str
    kind: str = "91"
    region: str = KEQIAO
    org: str = "new"  # style of organisation code: new (MA2B…), old (8 digits), inst (4…), mj (MJ…)
    in_zone: bool = True
    accounting: bool = True
    tax: bool = True
    logistics: bool = False
    case_by_case: bool = False
    registered: bool = True  # False: missing from the firms table

    @property
    def firm_id(self) -> str:
        return _firm_ids()[self.key]


_F = CoreFirm
CORE_FIRMS: tuple[CoreFirm, ...] = (
    # Sellers: items 1A, 1B, 2, 3A
    _F("F01", "绍兴柯桥锦绣纺织品有限公司", org="old"),
    _F("F02", "绍兴柯桥恒丰家纺有限公司", org="old"),
    _F("F03", "绍兴柯桥织语电子商务有限公司"),
    _F("F04", "绍兴柯桥云裳服饰有限公司"),
    _F("F05", "绍兴柯桥布艺坊贸易有限公司"),
    _F("F06", "浙江柯美进出口有限公司", org="old"),
    _F("F07", "绍兴柯桥华纺布业有限公司", org="old"),
    _F("F08", "绍兴柯桥瑞纶化纤有限公司"),
    _F("F09", "绍兴柯桥欧雅窗饰有限公司"),
    _F("F10", "浙江轻纺城锦润进出口有限公司", org="old"),
    _F("F11", "绍兴柯桥天成纺织科技有限公司", org="old"),
    _F("F12", "绍兴柯桥丝韵家居用品有限公司"),
    _F("F13", "绍兴柯桥驰远针织有限公司"),
    _F("F14", "绍兴柯桥蓝印印染有限公司", org="old"),
    _F("F15", "绍兴柯桥汇通面料有限公司"),
    _F("F16", "绍兴柯桥宏达服装辅料有限公司", org="old"),
    # Logistics: item 3B
    _F("L1", "绍兴柯桥速达国际物流有限公司", logistics=True),
    _F("L2", "绍兴柯桥环宇供应链管理有限公司", logistics=True),
    # Hosting service providers: item 4
    _F("H1", "绍兴柯桥优托电子商务服务有限公司"),
    _F("H2", "绍兴柯桥跨海网络科技有限公司"),
    _F("H3", "绍兴柯桥全球购企业服务有限公司"),
    # Training institutions: item 5
    _F("T1", "绍兴市柯桥区跨境电商职业培训学校", kind="52", org="mj"),
    _F("T2", "绍兴市越城区博通职业技能培训学校", kind="52", region=YUECHENG, org="mj", in_zone=False, tax=False),
    # Platforms: item 6
    _F("P1", "浙江轻纺云链网络科技有限公司"),
    _F("P2", "绍兴柯桥布联天下电子商务有限公司"),
    _F("P3", "绍兴柯桥纺城易购网络科技有限公司"),
    _F("P4", "浙江全球纺织网络服务有限公司", org="old"),
    # Import O2O stores: item 7
    _F("O1", "绍兴柯桥环球优品进口商品有限公司"),
    _F("O2", "绍兴柯桥海淘汇商贸有限公司"),
    _F("O3", "绍兴柯桥悦购进口商品体验中心有限公司"),
    _F("O4", "浙江柯桥保税优选商贸有限公司"),
    # Park operators: item 8
    _F("K1", "绍兴柯桥跨境电商产业园运营管理有限公司"),
    _F("K2", "绍兴柯桥数字纺城产业园管理有限公司"),
    _F("K3", "绍兴柯桥创客电商园管理有限公司"),
    _F("K4", "绍兴跨境电商创新产业园开发有限公司", region=YUECHENG, in_zone=False),
    # Overseas warehouses: items 9A, 9B, 9C
    _F("W1", "浙江柯桥海外仓储服务有限公司"),
    _F("W2", "绍兴柯桥欧联供应链有限公司"),
    _F("W3", "绍兴柯桥北联国际贸易有限公司", org="old"),
    _F("W4", "绍兴柯桥东盟跨境贸易有限公司"),
    _F("W5", "绍兴柯桥德纺进出口有限公司", org="old"),
    # Universities: items 10A, 10B
    _F("U1", "浙江柯桥纺织职业技术学院", kind="12", org="inst", tax=False),
    _F("U2", "绍兴柯桥商贸职业学院", kind="52", org="mj"),
    _F("U3", "绍兴越州商务职业学院", kind="12", region=YUECHENG, org="inst", in_zone=False),
    # Ineligible (and one eligible control)
    _F("X1", "绍兴越城佳纺贸易有限公司", region=YUECHENG, in_zone=False),
    _F("X2", "浙江鑫源纺织集团有限公司柯桥分公司", tax=False),
    _F("X4", "浙江纺都跨境电商集团有限公司", org="old", case_by_case=True),
    _F("X5", "绍兴柯桥金梭纺织品有限公司", org="old"),
    _F("X6", "绍兴柯桥银河家纺有限公司", org="old"),
    # Everyday firms
    _F("E01", "绍兴柯桥雅琪纺织品有限公司"),
    _F("E02", "绍兴柯桥永盛布业有限公司", org="old"),
    _F("E03", "绍兴柯桥百川服饰有限公司"),
    _F("E04", "绍兴柯桥凌云家纺有限公司"),
    _F("E05", "绍兴柯桥博远进出口有限公司", org="old"),
    _F("E06", "绍兴柯桥国泰面料有限公司", org="old"),
    _F("E07", "绍兴柯桥丽华纺织品有限公司"),
    _F("E08", "绍兴柯桥诚信窗帘布艺有限公司"),
    _F("E09", "绍兴柯桥新纪元针纺有限公司"),
    _F("E10", "绍兴柯桥海纳纺织品有限公司"),
    _F("E11", "浙江柯桥华美服饰集团有限公司", org="old"),
    _F("E12", "绍兴柯桥润丰印染有限公司", org="old"),
    _F("E13", "绍兴柯桥星辰电子商务有限公司"),
    _F("E14", "绍兴柯桥鼎盛化纤有限公司", org="old"),
    _F("E15", "绍兴柯桥锦程进出口有限公司"),
    _F("E16", "绍兴柯桥鸿运家居用品有限公司"),
    _F("E17", "绍兴柯桥春晓纺织品有限公司"),
    _F("E18", "绍兴柯桥捷运跨境物流有限公司", logistics=True),
    _F("E19", "绍兴柯桥晨光布业有限公司", org="old"),
    _F("E20", "绍兴柯桥金桥进出口有限公司"),
    _F("E21", "绍兴柯桥众诚纺织品有限公司"),
    _F("E22", "浙江柯桥恒远纺织集团有限公司", org="old"),
    _F("E23", "绍兴柯桥欧丽家纺有限公司"),
    _F("E24", "绍兴柯桥盛世纺织品有限公司"),
    # Registered, no data this year: no award lines
    _F("E25", "绍兴柯桥远航国际货运代理有限公司", logistics=True),
    _F("E26", "绍兴越城天丝贸易有限公司", region=YUECHENG, in_zone=False),
    _F("E27", "绍兴柯桥宏图纺织品有限公司", org="old"),
    _F("E28", "绍兴柯桥锦华布业有限公司"),
    _F("E29", "绍兴柯桥美琪服饰有限公司"),
    _F("E30", "绍兴柯桥兴隆面料有限公司", org="old"),
    _F("E31", "绍兴柯桥嘉禾家纺有限公司"),
    _F("E32", "绍兴柯桥明远电子商务有限公司"),
    # In the data but not in the registry
    _F("X7", "绍兴柯桥新丝路贸易有限公司", registered=False),
)
CORE = {f.key: f for f in CORE_FIRMS}


@cache
def _firm_ids() -> dict[str, str]:
    ids: dict[str, str] = {}
    digits, letters = "0123456789", CREDIT_CODE_ALPHABET
    for f in CORE_FIRMS:
        rng = random.Random(f"kqcalc-uscc:{f.key}")
        if f.org == "new":
            org8 = "MA2B" + "".join(rng.choice(letters) for _ in range(4))
        elif f.org == "old":
            org8 = rng.choice("567") + "".join(rng.choice(digits) for _ in range(7))
        elif f.org == "inst":
            org8 = "4" + "".join(rng.choice(digits) for _ in range(7))
        else:
            org8 = "MJ" + "".join(rng.choice(digits) for _ in range(6))
        ids[f.key] = make_uscc(f.kind, f.region, org8)
    assert len(set(ids.values())) == len(ids), "core firm ids collide"
    return ids


def core_firm_ids() -> dict[str, str]:
    """Scenario key (F01, L1, …) → firm_id, for EXPECTED.md and the tests."""
    return dict(_firm_ids())


# ---------------------------------------------------------------------------
# The curated core: activity (amounts as exact decimals, split over many rows)


@dataclass(frozen=True)
class _Store:
    firm: str
    handle: str
    platform: str
    model: str
    opened: date


@dataclass(frozen=True)
class _Tx:
    """A block of transaction rows: `amount` (in `currency`) and `orders` split over `rows` rows."""

    firm: str
    store: str  # a _Store handle, or "web:<platform>:<model>" for rows with a blank store_id
    amount: str
    orders: int
    rows: int
    start: date = PERIOD_START
    end: date = PERIOD_END
    currency: str | None = "USD"


@dataclass(frozen=True)
class _Decl:
    firm: str
    amount: str
    rows: int
    via: bool = True
    start: date = PERIOD_START
    end: date = PERIOD_END
    currency: str = "USD"


@dataclass(frozen=True)
class _Parcels:
    firm: str
    kg: str
    rows: int
    deposited: bool = True
    start: date = PERIOD_START
    end: date = PERIOD_END


D = date
STORES: tuple[_Store, ...] = (
    _Store("F01", "amz", "Amazon", "B2C", D(2018, 3, 12)),
    _Store("F01", "ebay", "eBay", "B2C", D(2019, 6, 1)),
    _Store("F02", "ali", "AliExpress", "B2C", D(2019, 9, 20)),
    _Store("F03", "ali", "AliExpress", "B2C", D(2020, 9, 15)),
    _Store("F03", "b2b", "阿里巴巴国际站", "B2B", D(2020, 8, 1)),
    _Store("F04", "shopee", "Shopee", "B2C", D(2020, 10, 10)),
    _Store("F04", "lazada", "Lazada", "B2C", D(2021, 3, 1)),
    _Store("F05", "ebay", "eBay", "B2C", D(2020, 7, 1)),
    _Store("F06", "amz", "Amazon", "B2C", D(2017, 5, 8)),
    _Store("F06", "wish", "Wish", "B2C", D(2020, 8, 20)),
    _Store("F07", "mic", "中国制造网", "B2B", D(2019, 5, 10)),
    _Store("F07", "ec21", "ec21.com", "B2B", D(2020, 11, 2)),
    _Store("F08", "mic", "中国制造网", "B2B", D(2021, 1, 5)),
    _Store("F09", "amz", "Amazon", "B2C", D(2018, 4, 2)),
    _Store("F09", "amzde", "Amazon", "B2C", D(2019, 2, 18)),
    _Store("F10", "amz", "Amazon", "B2C", D(2016, 9, 1)),
    _Store("F10", "walmart", "Walmart", "B2C", D(2019, 7, 15)),
    _Store("F11", "amz", "Amazon", "B2C", D(2015, 11, 20)),
    _Store("F11", "ali", "AliExpress", "B2C", D(2017, 3, 6)),
    _Store("F11", "ebay", "eBay", "B2C", D(2018, 1, 9)),
    _Store("F12", "ali", "AliExpress", "B2C", D(2020, 11, 11)),
    _Store("L2", "amz", "Amazon", "B2C", D(2019, 4, 1)),
    _Store("X1", "amz", "Amazon", "B2C", D(2018, 6, 6)),
    _Store("X2", "amz", "Amazon", "B2C", D(2018, 8, 8)),
    _Store("X4", "amz", "Amazon", "B2C", D(2016, 3, 3)),
    _Store("X4", "ali", "AliExpress", "B2C", D(2020, 9, 1)),
    _Store("X5", "ebay", "eBay", "B2C", D(2017, 10, 10)),
    _Store("X6", "amz", "Amazon", "B2C", D(2018, 12, 1)),
    _Store("X7", "ali", "AliExpress", "B2C", D(2019, 1, 15)),
    _Store("E01", "amz", "Amazon", "B2C", D(2019, 3, 1)),
    _Store("E01", "ebay", "eBay", "B2C", D(2019, 8, 1)),
    _Store("E02", "amz", "Amazon", "B2C", D(2017, 7, 7)),
    _Store("E03", "ali", "AliExpress", "B2C", D(2019, 11, 11)),
    _Store("E04", "wish", "Wish", "B2C", D(2018, 5, 20)),
    _Store("E04", "amz", "Amazon", "B2C", D(2021, 2, 1)),
    _Store("E05", "amz", "Amazon", "B2C", D(2016, 1, 18)),
    _Store("E06", "b2b", "阿里巴巴国际站", "B2B", D(2018, 2, 26)),
    _Store("E07", "ebay", "eBay", "B2C", D(2019, 4, 22)),
    _Store("E07", "shopee", "Shopee", "B2C", D(2021, 6, 30)),
    _Store("E08", "amz", "Amazon", "B2C", D(2018, 10, 9)),
    _Store("E10", "ali", "AliExpress", "B2C", D(2017, 6, 16)),
    _Store("E11", "amz", "Amazon", "B2C", D(2015, 5, 5)),
    _Store("E12", "wish", "Wish", "B2C", D(2019, 12, 2)),
    _Store("E13", "amz", "Amazon", "B2C", D(2020, 12, 1)),
    _Store("E13", "dh", "DHgate.com", "B2B", D(2021, 4, 8)),
    _Store("E14", "gs", "环球资源", "B2B", D(2020, 7, 20)),
    _Store("E15", "amz", "Amazon", "B2C", D(2017, 9, 12)),
    _Store("E16", "ebay", "eBay", "B2C", D(2019, 10, 8)),
    _Store("E17", "ali", "AliExpress", "B2C", D(2018, 3, 30)),
    _Store("E19", "ebay", "eBay", "B2C", D(2019, 6, 18)),
    _Store("E21", "amz", "Amazon", "B2C", D(2018, 11, 26)),
    _Store("E22", "amz", "Amazon", "B2C", D(2016, 6, 6)),
    _Store("E23", "amz", "Amazon", "B2C", D(2020, 8, 8)),
)

TRANSACTIONS: tuple[_Tx, ...] = (
    _Tx("F01", "amz", "3600000.00", 62000, 200),
    _Tx("F01", "ebay", "1600000.00", 27500, 120),
    _Tx("F01", "amz", "410000.00", 7000, 30, *BEFORE),
    _Tx("F01", "amz", "95000.00", 1600, 15, *AFTER),
    _Tx("F02", "ali", "2999000.00", 48000, 220),
    _Tx("F02", "ali", "20000.00", 300, 6, *AFTER),
    _Tx("F03", "ali", "30000.00", 100, 64),
    _Tx("F03", "ali", "2500.00", 8, 5, *AFTER),
    _Tx("F03", "b2b", "180000.00", 45, 30),
    _Tx("F04", "shopee", "26500.00", 99, 70),
    _Tx("F04", "shopee", "1480.00", 6, 4, *AFTER),
    _Tx("F04", "lazada", "18500.00", 60, 40),
    _Tx("F05", "ebay", "29950.00", 180, 110),
    _Tx("F06", "amz", "3052000.00", 51000, 200),
    _Tx("F06", "wish", "48000.00", 260, 90),
    _Tx("F07", "mic", "300000.00", 60, 40),
    _Tx("F07", "ec21", "120000.00", 18, 12),
    _Tx("F08", "mic", "95000.00", 20, 15),
    _Tx("F09", "amz", "1000000.00", 19000, 150),
    _Tx("F09", "amzde", "2000000.00", 36000, 150, currency="EUR"),
    _Tx("F09", "web:Shopify:B2C", "4000000.00", 9500, 100, currency="CNY"),
    _Tx("F10", "amz", "8345678.90", 140000, 300),
    _Tx("F10", "walmart", "4000000.00", 65000, 200),
    _Tx("F11", "amz", "18000000.00", 300000, 365),
    _Tx("F11", "ali", "9000000.00", 210000, 300),
    _Tx("F11", "ebay", "4000000.00", 70000, 200),
    _Tx("F12", "ali", "85000.00", 150, 100),
    _Tx("L2", "amz", "3200000.00", 52000, 150),
    _Tx("X1", "amz", "3500000.00", 60000, 150),
    _Tx("X2", "amz", "6000000.00", 98000, 200),
    _Tx("X4", "amz", "10880000.00", 170000, 250),
    _Tx("X4", "ali", "120000.00", 400, 120),
    _Tx("X5", "ebay", "4200000.00", 70000, 150),
    _Tx("X6", "amz", "3300000.00", 55000, 150),
    _Tx("X7", "ali", "3050000.00", 50000, 120),
    _Tx("E01", "amz", "2000000.00", 35000, 120),
    _Tx("E01", "ebay", "1050000.00", 18000, 80),
    _Tx("E02", "amz", "7800000.00", 130000, 250),
    _Tx("E03", "ali", "1250000.00", 22000, 100, currency=None),
    _Tx("E04", "wish", "627000.00", 11000, 80),
    _Tx("E04", "amz", "13000.00", 130, 60),
    _Tx("E05", "amz", "10000000.00", 160000, 250),
    _Tx("E06", "b2b", "1800000.00", 300, 100),
    _Tx("E07", "ebay", "420000.00", 7600, 80),
    _Tx("E07", "shopee", "96.50", 3, 2),
    _Tx("E08", "amz", "3000000.00", 50000, 150),
    _Tx("E10", "ali", "4400000.00", 75000, 150),
    _Tx("E11", "amz", "18600000.00", 310000, 300),
    _Tx("E12", "wish", "2150000.00", 36000, 120),
    _Tx("E13", "amz", "96000.00", 240, 120),
    _Tx("E13", "dh", "35000.00", 12, 10),
    _Tx("E14", "gs", "260000.00", 40, 30),
    _Tx("E15", "amz", "5600000.00", 95000, 200),
    _Tx("E16", "ebay", "860000.00", 15000, 90, currency=None),
    _Tx("E17", "ali", "3450000.00", 58000, 150),
    _Tx("E19", "ebay", "380000.00", 6500, 60, *BEFORE),
    _Tx("E21", "amz", "3980000.00", 66000, 150),
    _Tx("E22", "amz", "26500000.00", 420000, 320),
    _Tx("E23", "amz", "26000.00", 160, 100, currency="EUR"),
)

DECLARATIONS: tuple[_Decl, ...] = (
    _Decl("F11", "800000.00", 400),
    _Decl("F13", "250007.50", 700),
    _Decl("F13", "40000.00", 100, via=False),
    _Decl("F13", "12000.00", 30, start=BEFORE[0], end=BEFORE[1]),
    _Decl("F14", "2000000.00", 300, currency="CNY"),
    _Decl("F15", "80000.00", 120, via=False),
    _Decl("F16", "1500000.00", 500),
    _Decl("X2", "600000.00", 200),
    _Decl("E09", "86420.00", 150),
    _Decl("E10", "2200000.00", 400),
    _Decl("E12", "350000.00", 150),
    _Decl("E15", "900000.00", 300),
    _Decl("E20", "50000.00", 30, start=AFTER[0], end=AFTER[1]),
    _Decl("E24", "1000000.00", 350),
    _Decl("E24", "500000.00", 150, via=False),
)

PARCELS: tuple[_Parcels, ...] = (
    _Parcels("L1", "12345.600", 1100),
    _Parcels("L1", "2100.000", 250, deposited=False),
    _Parcels("L1", "800.000", 60, start=BEFORE[0], end=BEFORE[1]),
    _Parcels("L2", "5000.000", 400),
    _Parcels("E18", "2468.200", 200),
    _Parcels("E18", "300.000", 30, deposited=False),
    _Parcels("F01", "860.500", 60),
)
WAYBILL_PREFIX = {"L1": "SD", "L2": "HY", "E18": "JY", "F01": "JX"}

# Rows that appear twice, identical: merged by the engine with a warning, never summed twice.
DUPLICATED_DECLARATION = ("F13", 17)  # the 18th via-platform declaration of F13
DUPLICATED_WAYBILL = ("L1", 42)

FX_RATES = (("EUR", "1.2"), ("CNY", "0.15"))

NEGATIVE_RECORDS = (
    ("X5", "偷税", D(2020, 12, 8), "柯桥区税务局行政处罚决定书（少缴增值税），2020年12月8日"),
    ("X6", "劳资纠纷", D(2019, 11, 20), "拖欠工资引发劳资纠纷，已调解（发生在本期之前）"),
    ("E02", "违章建设", D(2021, 7, 20), "厂区违章搭建，已责令拆除（发生在本期之后）"),
)

# (provider, clients, B2C total, clients with a B2C amount, B2B total, clients with a B2B amount, fees total (RMB))
HOSTING = (
    ("H1", 24, "3600000.00", 24, "2400000.00", 8, "860000.00"),
    ("H2", 19, "5000000.00", 19, "1200000.00", 5, "400000.00"),
    ("H3", 30, "1000000.00", 20, "12000000.00", 30, "2400000.00"),
)

# (institution, session_id, started_on, days, class_hours, trainees, recognized)
TRAININGS = (
    ("T1", "KQPX-2020-06", D(2020, 6, 15), "3", None, 50, True),
    ("T1", "KQPX-2020-11", D(2020, 8, 10), "3", None, 40, True),
    ("T1", "KQPX-2020-15", D(2020, 10, 12), None, "30", 20, True),
    ("T1", "KQPX-2020-19", D(2020, 12, 7), "5", "24", 25, True),
    ("T1", "KQPX-2021-02", D(2021, 1, 18), "2", "16", 30, True),
    ("T1", "KQPX-2021-05", D(2021, 3, 15), "4", None, 14, True),
    ("T1", "KQPX-2021-08", D(2021, 5, 10), "3", None, 35, False),
    ("T2", "BT-KJ-2001", D(2020, 7, 20), "5", None, 60, True),
    ("T2", "BT-KJ-2002", D(2020, 8, 24), "4", None, 55, True),
    ("T2", "BT-KJ-2003", D(2020, 9, 21), "3", None, 80, True),
    ("T2", "BT-KJ-2004", D(2020, 10, 26), "5", None, 48, True),
    ("T2", "BT-KJ-2005", D(2020, 11, 23), "4", None, 66, True),
    ("T2", "BT-KJ-2006", D(2020, 12, 21), None, "40", 72, True),
    ("T2", "BT-KJ-2101", D(2021, 3, 22), "5", None, 50, True),
    ("T2", "BT-KJ-2102", D(2021, 4, 19), "4", None, 45, True),
    ("T2", "BT-KJ-2103", D(2021, 5, 17), "5", None, 70, True),
    ("T2", "BT-KJ-2104", D(2021, 6, 21), "3", None, 90, True),
)

PLATFORMS = (("P1", "45000000.00"), ("P2", "28500000.00"), ("P4", "120000000.00"))
# (platform, [(joined from, joined to, amounts …)])
ONBOARDING = (
    ("P1", D(2020, 7, 1), D(2021, 6, 30),
     ("100000.00", "156000.00", "230500.00", "318000.00", "420000.00", "512300.00", "640000.00", "785000.00",
      "960000.00", "1200000.00", "1450000.00", "2080000.00", "99500.00", "60000.00", "85000.00")),
    ("P1", D(2020, 5, 6), D(2020, 6, 30), ("300000.00", "450000.00")),
    ("P2", D(2020, 7, 1), D(2021, 6, 30),
     ("120000.00", "188000.00", "260000.00", "390000.00", "505000.00", "730000.00", "45000.00")),
    ("P3", D(2020, 7, 1), D(2021, 6, 30), ("150000.00", "210000.00", "330000.00", "480000.00")),
    ("P4", D(2020, 7, 1), D(2021, 6, 30),
     tuple(f"{100000 + 23000 * i}.00" for i in range(55)) + ("38000.00", "52000.00", "67000.00", "81000.00",
                                                               "96000.00")),
)

# (firm, store_id, area_m2, lease_start, lease_end, recognized)
O2O_STORES = (
    ("O1", "KQO2O-0101", "500", D(2020, 1, 1), D(2022, 12, 31), True),
    ("O2", "KQO2O-0201", "299", D(2020, 3, 1), D(2023, 2, 28), True),
    ("O3", "KQO2O-0301", "350", D(2020, 11, 15), D(2023, 11, 14), True),
    ("O4", "KQO2O-0401", "400", D(2019, 9, 1), D(2022, 8, 31), True),
    ("O4", "KQO2O-0402", "450", D(2020, 7, 1), D(2021, 12, 31), True),
    ("O4", "KQO2O-0403", "600", D(2020, 10, 1), D(2023, 9, 30), False),
)

# (operator, park name, active firms, online total RMB, recognized)
PARKS = (
    ("K1", "柯桥跨境电商产业园", 45, "450000000.00", True),
    ("K2", "数字纺城跨境电商园", 65, "380000000.00", True),
    ("K3", "柯桥创客电商园", 18, "250000000.00", True),
    ("K4", "绍兴跨境电商创新产业园", 62, "650000000.00", True),
)

# (firm, warehouse_id, country, provincial_pilot_new, municipal_standard, operating_since,
#  lease, equipment, system cost (RMB, None = blank), newly_built)
WAREHOUSES = (
    ("W1", "HWC-MY-KUL-01", "马来西亚", True, False, D(2020, 9, 1), "380000.00", "120000.00", None, True),
    ("W1", "HWC-US-LAX-01", "US", True, False, D(2020, 10, 15), "560000.00", "210000.00", "80000.00", True),
    ("W2", "HWC-PL-WAW-01", "PL", False, True, D(2019, 6, 30), "600000.00", "350000.00", "150000.00", False),
    ("W3", "HWC-RU-MOW-01", "俄罗斯", False, True, D(2020, 6, 30), "900000.00", "400000.00", "200000.00", True),
    ("W4", "HWC-VN-SGN-01", "VN", True, True, D(2020, 7, 1), "300000.00", None, None, True),
    ("W5", "HWC-DE-FRA-01", "德国", False, True, D(2017, 3, 1), "320000.00", "130000.00", "50000.00", False),
)

# (university, program_id, kind, approved_on, in_admission_plan, enrollment)
PROGRAMS = (
    ("U1", "ZY-KQ-2020-01", "major", D(2020, 9, 1), True, 45),
    ("U1", "XY-KQ-2020-01", "college", D(2020, 11, 20), None, 1200),
    ("U2", "ZY-SM-2020-02", "major", D(2020, 8, 15), True, 28),
    ("U2", "ZY-SM-2021-03", "major", D(2021, 4, 1), False, 60),
    ("U2", "XY-SM-2021-01", "college", D(2021, 5, 20), None, 760),
    ("U3", "ZY-YZ-2020-01", "major", D(2020, 12, 1), True, 40),
)

# (firm, item, ref, year, amount)
PRIOR_AWARDS = (
    ("F06", "1A", "", 2019, "10000.00"),
    ("F08", "1B", "", 2020, "10000.00"),  # this year's payment recorded early: ignored with a warning
    ("K1", "8", "", 2019, "500000.00"),
    ("K2", "8", "", 2019, "500000.00"),
    ("W5", "9B", "HWC-DE-FRA-01", 2019, "200000.00"),
)

# (firm, item, ref, level, amount, note)
OTHER_AWARDS = (
    ("F10", "2", "", "provincial", "50000.00", "省级跨境电商出口奖励"),
    ("F12", "1A", "", "city", "10000.00", "市级跨境电商新开店铺奖励"),
    ("P4", "6", "", "provincial", "300000.00", "省级跨境电商平台招引奖励"),
    ("W1", "9A", "HWC-MY-KUL-01", "provincial", "200000.00", "省级公共海外仓试点扶持资金"),
    ("U1", "10A", "ZY-KQ-2020-01", "provincial", "100000.00", "省级新专业建设补助"),
)

# (firm, item, ref, award, reason)
ADJUSTMENTS = (
    ("F16", "3A", "", "40000.00", "部分9610清单涉及退运，按核实出口额核减"),
    ("W4", "9A", "HWC-VN-SGN-01", "150000.00", "实际租赁面积小于申报面积，酌情核减"),
)

# ---------------------------------------------------------------------------
# Building the core tables

_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_SCALES = {"weight_kg": 3, "area_m2": 2, "days": 1, "class_hours": 1, "usd_per_unit": 6}


def _dtype(col: Column) -> pl.DataType:
    if col.kind == BOOL:
        return pl.Boolean()
    if col.kind == DATE:
        return pl.Date()
    if col.kind in (COUNT, YEAR):
        return pl.Int64()
    if col.kind in (MONEY, QUANTITY, RATE):
        return pl.Decimal(18, _SCALES.get(col.name, 2))
    return pl.String()


def _schema(table: str) -> dict[str, pl.DataType]:
    return {c.name: _dtype(c) for c in TABLES[table].columns}


def _frame(table: str, rows: list[tuple]) -> pl.DataFrame:
    schema = _schema(table)
    cleaned = []
    for row in rows:
        cleaned.append(tuple(
            None if v == "" else Decimal(v) if isinstance(v, str) and isinstance(schema[k], pl.Decimal) else v
            for k, v in zip(schema, row, strict=True)))
    return pl.DataFrame(cleaned, schema=schema, orient="row")


def _split(total: int, weights: list[int]) -> list[int]:
    """len(weights) positive integers summing to `total`, roughly proportional to the weights (exact)."""
    n = len(weights)
    if total < n:
        raise ValueError(f"cannot split {total} into {n} positive parts")
    extra, w_sum = total - n, sum(weights)
    parts = [extra * w // w_sum for w in weights]
    rest = extra - sum(parts)
    by_remainder = sorted(range(n), key=lambda i: (-(extra * weights[i] % w_sum), i))
    for i in by_remainder[:rest]:
        parts[i] += 1
    return [p + 1 for p in parts]


def _dates(rng: random.Random, n: int, start: date, end: date) -> list[date]:
    span = (end - start).days + 1
    offsets = rng.sample(range(span), n) if n <= span else [rng.randrange(span) for _ in range(n)]
    return [start + timedelta(days=d) for d in sorted(offsets)]


def _units(text: str, places: int) -> int:
    """An exact decimal string as an integer number of 10^-places units."""
    value = Decimal(text).scaleb(places)
    assert value == value.to_integral_value(), text
    return int(value)


def _store_id(rng: random.Random, platform: str) -> str:
    p = platform.lower()
    if p == "amazon":
        return "A" + "".join(rng.choice(_UPPER) for _ in range(13))
    if p in ("aliexpress", "shopee", "lazada", "walmart"):
        return str(rng.randrange(100_000_000, 999_999_999))
    if p == "wish":
        return "".join(rng.choice("0123456789abcdef") for _ in range(24))
    if p == "ebay":
        return "kq" + "".join(rng.choice(_LOWER) for _ in range(6)) + str(rng.randrange(10, 99))
    return "kq" + "".join(rng.choice(_LOWER) for _ in range(8))


@cache
def _store_ids() -> dict[tuple[str, str], str]:
    ids = {}
    for s in STORES:
        ids[(s.firm, s.handle)] = _store_id(random.Random(f"kqcalc-store:{s.firm}:{s.handle}"), s.platform)
    assert len({(s.platform, ids[(s.firm, s.handle)]) for s in STORES}) == len(STORES)
    return ids


_PLACES = {"绍兴": "330602", "绍兴柯桥": "330603", "绍兴上虞": "330604", "诸暨": "330681", "嵊州": "330683",
           "杭州": "330102", "义乌": "330782", "宁波": "330212", "温州": "330302", "湖州": "330502"}


def _names(rng: random.Random, n: int, taken: set[str]) -> list[tuple[str, str]]:
    """Plausible client firms (name unique within `taken`, region code of its place)."""
    syllables = "华锦源盛泰丰鑫宏达隆昌瑞祥和美嘉诚信雅新天海宇恒永富汇通博远凯航晨星月明佳誉创领尚品"
    trades = ("纺织品", "家纺", "布业", "服饰", "针织", "面料", "窗饰", "进出口", "贸易", "电子商务", "鞋业", "箱包",
              "家居用品", "工艺品", "袜业", "户外用品")
    names = []
    while len(names) < n:
        place = rng.choice(sorted(_PLACES))
        name = place + "".join(rng.sample(syllables, 2)) + rng.choice(trades) + "有限公司"
        if name not in taken:
            taken.add(name)
            names.append((name, _PLACES[place]))
    return names


def _client_id(rng: random.Random, region: str) -> str:
    return make_uscc("91", region, "MA2" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(5)))


@cache
def _core_tables() -> dict[str, pl.DataFrame]:
    fid = _firm_ids()
    firms = [(fid[f.key], f.name, f.in_zone, f.accounting, f.tax, f.logistics, f.case_by_case)
             for f in CORE_FIRMS if f.registered]
    t: dict[str, pl.DataFrame] = {"firms": _frame("firms", firms)}
    t["negative_records"] = _frame("negative_records", [(fid[k], c, d, n) for k, c, d, n in NEGATIVE_RECORDS])

    store_ids = _store_ids()
    stores = {(s.firm, s.handle): s for s in STORES}
    t["stores"] = _frame("stores", [(fid[s.firm], s.platform, store_ids[(s.firm, s.handle)], s.model, s.opened)
                                    for s in STORES])

    tx_rows = []
    for n, b in enumerate(TRANSACTIONS):
        rng = random.Random(f"kqcalc-tx:{n}:{b.firm}:{b.store}")
        if b.store.startswith("web:"):
            _, platform, model = b.store.split(":")
            store_id, start = None, b.start
        else:
            s = stores[(b.firm, b.store)]
            platform, model, store_id = s.platform, s.model, store_ids[(b.firm, b.store)]
            start = max(b.start, s.opened)
        orders = [1] * b.rows if b.orders == b.rows else _split(b.orders, [rng.randint(1, 100) for _ in range(b.rows)])
        cents = _split(_units(b.amount, 2), [o * rng.randint(70, 130) for o in orders])
        for day, o, c in zip(_dates(rng, b.rows, start, b.end), orders, cents, strict=True):
            tx_rows.append((fid[b.firm], platform, store_id, model, day, o, Decimal(c).scaleb(-2), b.currency))
    t["transactions"] = _frame("transactions", tx_rows).sort("traded_on", maintain_order=True)

    decl_rows = []
    for n, b in enumerate(DECLARATIONS):
        rng = random.Random(f"kqcalc-9610:{n}:{b.firm}")
        cents = _split(_units(b.amount, 2), [rng.randint(10, 200) for _ in range(b.rows)])
        for i, (day, c) in enumerate(zip(_dates(rng, b.rows, b.start, b.end), cents, strict=True)):
            row = [fid[b.firm], day, Decimal(c).scaleb(-2), b.currency, b.via]
            decl_rows.append(row)
            if (b.firm, i) == DUPLICATED_DECLARATION and b.via and b.start == PERIOD_START:
                decl_rows.append(row)  # the same list object: numbered once below, so the copy is identical
    decl_rows.sort(key=lambda r: r[1])
    numbered: dict[int, str] = {}
    exports = []
    for row in decl_rows:
        if id(row) not in numbered:
            numbered[id(row)] = f"2932{row[1].year}I{len(numbered) + 1:09d}"
        exports.append((numbered[id(row)], *row))
    t["exports_9610"] = _frame("exports_9610", exports)

    parcel_rows = []
    for n, b in enumerate(PARCELS):
        rng = random.Random(f"kqcalc-parcels:{n}:{b.firm}")
        grams = _split(_units(b.kg, 3), [rng.randint(5, 300) for _ in range(b.rows)])
        for i, (day, g) in enumerate(zip(_dates(rng, b.rows, b.start, b.end), grams, strict=True)):
            row = [fid[b.firm], day, Decimal(g).scaleb(-3), b.deposited]
            parcel_rows.append(row)
            if (b.firm, i) == DUPLICATED_WAYBILL and b.deposited and b.start == PERIOD_START:
                parcel_rows.append(row)
    parcel_rows.sort(key=lambda r: r[1])
    waybills: dict[int, str] = {}
    counters: dict[str, int] = {}
    logistics = []
    for row in parcel_rows:
        if id(row) not in waybills:
            key = next(k for k, v in fid.items() if v == row[0])
            counters[key] = counters.get(key, 0) + 1
            waybills[id(row)] = f"{WAYBILL_PREFIX[key]}{row[1]:%y%m%d}{counters[key]:07d}"
        logistics.append((row[0], waybills[id(row)], row[1], row[2], row[3]))
    t["logistics"] = _frame("logistics", logistics)

    taken = {f.name for f in CORE_FIRMS}
    hosting = []
    for provider, clients, b2c, n_b2c, b2b, n_b2b, fees in HOSTING:
        rng = random.Random(f"kqcalc-hosting:{provider}")
        names = _names(rng, clients, taken)
        b2c_parts = _split(_units(b2c, 2), [rng.randint(20, 100) for _ in range(n_b2c)]) + [None] * (clients - n_b2c)
        b2b_parts = [None] * (clients - n_b2b) + _split(_units(b2b, 2), [rng.randint(20, 100) for _ in range(n_b2b)])
        fee_parts = _split(_units(fees, -2), [rng.randint(20, 100) for _ in range(clients)])  # whole hundreds
        for (name, region), c, b, f in zip(names, b2c_parts, b2b_parts, fee_parts, strict=True):
            client_id = _client_id(rng, region) if rng.random() < 0.7 else None
            hosting.append((fid[provider], name, client_id, None if c is None else Decimal(c).scaleb(-2),
                            None if b is None else Decimal(b).scaleb(-2), Decimal(f).scaleb(2)))
    t["hosting_services"] = _frame("hosting_services", hosting)

    t["trainings"] = _frame("trainings", [(fid[k], *rest) for k, *rest in TRAININGS])
    t["platforms"] = _frame("platforms", [(fid[k], amount) for k, amount in PLATFORMS])

    onboarding = []
    for n, (platform, start, end, amounts) in enumerate(ONBOARDING):
        rng = random.Random(f"kqcalc-onboarding:{n}:{platform}")
        names = _names(rng, len(amounts), taken)
        days = _dates(rng, len(amounts), start, end)
        rng.shuffle(days)  # joining dates are not in the order of the amounts
        for (name, region), day, amount in zip(names, days, amounts, strict=True):
            client_id = _client_id(rng, region) if rng.random() < 0.75 else None
            onboarding.append((fid[platform], name, client_id, day, amount))
    platform_order = {fid[p]: i for i, (p, *_) in enumerate(ONBOARDING)}
    onboarding.sort(key=lambda r: (platform_order[r[0]], r[3]))
    t["platform_onboarding"] = _frame("platform_onboarding", onboarding)

    t["o2o_stores"] = _frame("o2o_stores", [(fid[k], *rest) for k, *rest in O2O_STORES])
    t["parks"] = _frame("parks", [(fid[k], *rest) for k, *rest in PARKS])
    t["warehouses"] = _frame("warehouses", [(fid[k], *rest) for k, *rest in WAREHOUSES])
    t["university_programs"] = _frame("university_programs", [(fid[k], *rest) for k, *rest in PROGRAMS])
    t["prior_awards"] = _frame("prior_awards", [(fid[k], *rest) for k, *rest in PRIOR_AWARDS])
    t["other_awards"] = _frame("other_awards", [(fid[k], *rest) for k, *rest in OTHER_AWARDS])
    t["adjustments"] = _frame("adjustments", [(fid[k], *rest) for k, *rest in ADJUSTMENTS])
    t["fx_rates"] = _frame("fx_rates", list(FX_RATES))
    return {name: t[name] for name in TABLES}


# ---------------------------------------------------------------------------
# The scale layer: vectorised, counter-based random rows

_U64 = pl.UInt64
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _splitmix(x: int) -> int:
    x = (x + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _lit(v: int) -> pl.Expr:
    return pl.lit(v, dtype=_U64)


def _rand(seed: int, stream: str) -> pl.Expr:
    """A uniform u64 per row of a frame with a UInt64 column "i": SplitMix64 of (i, seed, stream)."""
    stream_key = int.from_bytes(hashlib.blake2b(stream.encode(), digest_size=8).digest(), "little")
    key = _splitmix(_splitmix(seed & _MASK) ^ stream_key)
    z = pl.col("i") * _lit(_GOLDEN) + _lit(key)
    z = (z ^ (z // _lit(1 << 30))) * _lit(0xBF58476D1CE4E5B9)
    z = (z ^ (z // _lit(1 << 27))) * _lit(0x94D049BB133111EB)
    return z ^ (z // _lit(1 << 31))


def _uniform(seed: int, stream: str) -> pl.Expr:
    """A uniform float in [0, 1) per row."""
    return (_rand(seed, stream) // _lit(1 << 11)).cast(pl.Float64) / float(1 << 53)


def _below(seed: int, stream: str, k: int) -> pl.Expr:
    return (_rand(seed, stream) % _lit(k)).cast(pl.Int64)


def _pick(idx: pl.Expr, words: tuple[str, ...]) -> pl.Expr:
    return idx.replace_strict(dict(enumerate(words)), return_dtype=pl.String)


def _rows(n: int) -> pl.DataFrame:
    return pl.DataFrame({"i": pl.int_range(0, n, dtype=_U64, eager=True)})


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _date_expr(seed: int, stream: str) -> pl.Expr:
    """95 % inside the period, 2.5 % in the two months before, 2.5 % in the two months after."""
    u = _uniform(seed, stream + "o")
    days = _below(seed, stream, 365)
    return (
        pl.when(u < 0.025).then(_day(date(2020, 5, 1)) + days % 61)
        .when(u < 0.05).then(_day(AFTER[0]) + days % 62)
        .otherwise(_day(PERIOD_START) + days)
    ).cast(pl.Int32).cast(pl.Date)


def _money(cents: pl.Expr, places: int = 2) -> pl.Expr:
    return (cents.cast(pl.Decimal(38, places)) / 10**places).cast(pl.Decimal(18, places))


_SYLLABLES = tuple("华锦源盛泰丰鑫宏达隆昌瑞祥和美嘉诚信雅新天海宇恒永富汇通博远凯航晨星月明佳誉创领尚品")
_TRADES = ("纺织品", "家纺", "布业", "服饰", "针织", "面料", "窗饰", "进出口", "贸易", "电子商务", "印染", "化纤",
           "家居用品", "工艺品", "服装辅料")
_B2C_PLATFORMS = ("Amazon", "AliExpress", "eBay", "Wish", "Shopee", "Lazada", "Walmart")
_B2B_PLATFORMS = ("阿里巴巴国际站", "中国制造网", "环球资源", "敦煌网", "ec21.com")
LOGISTICS_EVERY = 50  # one scale firm in 50 is a logistics firm


def _scale_firms(n: int, seed: int) -> pl.DataFrame:
    """n random firms with unique, valid USCCs 91330603 3xxxxxxx c c (the core never uses an org code 3…)."""
    if n == 0:
        return pl.DataFrame(schema=_schema("firms"))
    if n > 10_000_000:
        raise UsageError("option_too_large", option="--firms", most="10,000,000")
    off = _splitmix(seed & _MASK) % 10_000_000
    body = ((pl.col("i").cast(pl.Int64) + off) % 10_000_000 * 7_654_321 + 1_234_567) % 10_000_000
    digits = [pl.lit(3, dtype=pl.Int64)] + [(body // 10 ** (6 - k)) % 10 for k in range(7)]
    org_c = 11 - pl.sum_horizontal([d * w for d, w in zip(digits, ORG_WEIGHTS, strict=True)]) % 11
    org_value = pl.when(org_c == 10).then(29).when(org_c == 11).then(0).otherwise(org_c)  # X is 29 in a USCC
    prefix = sum(CREDIT_CODE_ALPHABET.index(ch) * w
                 for ch, w in zip("91" + KEQIAO, CREDIT_CODE_WEIGHTS[:8], strict=True))
    total = prefix + pl.sum_horizontal([d * w for d, w in zip(digits, CREDIT_CODE_WEIGHTS[8:16], strict=True)]) \
        + org_value * CREDIT_CODE_WEIGHTS[16]
    check = (31 - total % 31) % 31
    logistics = (pl.col("i") % LOGISTICS_EVERY) == 0
    trade = pl.when(logistics).then(_pick(_below(seed, "f-lt", 2), ("国际物流", "供应链管理"))) \
        .otherwise(_pick(_below(seed, "f-t", len(_TRADES)), _TRADES))
    return _rows(n).select(
        firm_id=pl.concat_str(
            pl.lit("913306033"), body.cast(pl.String).str.zfill(7),
            _pick(org_value.cast(pl.Int64), CREDIT_CODE_ALPHABET), _pick(check.cast(pl.Int64), CREDIT_CODE_ALPHABET),
        ),
        firm_name=pl.concat_str(
            _pick(_below(seed, "f-p", 3), ("绍兴柯桥", "绍兴柯桥", "浙江")),
            _pick(_below(seed, "f-s1", len(_SYLLABLES)), _SYLLABLES),
            _pick(_below(seed, "f-s2", len(_SYLLABLES)), _SYLLABLES),
            trade, pl.lit("有限公司"),
        ),
        in_zone=_uniform(seed, "f-z") >= 0.06,
        independent_accounting=_uniform(seed, "f-a") >= 0.03,
        independent_tax=_uniform(seed, "f-x") >= 0.04,
        is_logistics=logistics,
        case_by_case=_uniform(seed, "f-c") < 0.002,
    )


def _scale_stores(firms: pl.DataFrame, seed: int) -> pl.DataFrame:
    """One B2C store per non-logistics scale firm, and a B2B store for about one in five."""
    traders = firms.filter(~pl.col("is_logistics")).select("firm_id").with_row_index("i")
    traders = traders.with_columns(pl.col("i").cast(_U64))
    opened = (
        pl.when(_uniform(seed, "s-new") < 0.3)
        .then(_day(PERIOD_START) + _below(seed, "s-d", 365))
        .otherwise(_day(date(2014, 1, 1)) + _below(seed, "s-d", _day(PERIOD_START) - _day(date(2014, 1, 1))))
    ).cast(pl.Int32).cast(pl.Date)
    b2c = traders.select(
        "firm_id", platform=_pick(_below(seed, "s-p", len(_B2C_PLATFORMS)), _B2C_PLATFORMS),
        store_id=pl.concat_str(pl.lit("KS"), pl.col("i").cast(pl.String).str.zfill(7), pl.lit("C")),
        model=pl.lit("B2C"), opened_on=opened,
    )
    b2b = traders.filter(_uniform(seed, "s-b2b") < 0.2).select(
        "firm_id", platform=_pick(_below(seed, "s-bp", len(_B2B_PLATFORMS)), _B2B_PLATFORMS),
        store_id=pl.concat_str(pl.lit("KS"), pl.col("i").cast(pl.String).str.zfill(7), pl.lit("B")),
        model=pl.lit("B2B"), opened_on=opened,
    )
    return pl.concat([b2c, b2b]).sort("store_id").cast(_schema("stores"))


def _skewed(seed: int, stream: str, n: int, power: float) -> pl.Expr:
    """An index in [0, n) where low indexes are much more frequent (a few big firms, many small ones)."""
    return (_uniform(seed, stream).pow(power) * n).floor().cast(pl.Int64).clip(0, n - 1)


def _scale_transactions(n: int, outlets: pl.DataFrame, seed: int) -> pl.DataFrame:
    orders = pl.when(_uniform(seed, "t-agg") < 0.8).then(1).otherwise(2 + _below(seed, "t-o", 99))
    unit = 200 + (_uniform(seed, "t-p").pow(2) * 29800).floor().cast(pl.Int64)  # USD 2 … 300 an order
    cur = _uniform(seed, "t-c")
    cents = pl.col("orders") * unit
    rows = _rows(n).lazy().with_columns(outlet=_skewed(seed, "t-f", outlets.height, 3.0), orders=orders.cast(pl.Int64))
    rows = rows.with_columns(
        traded_on=_date_expr(seed, "t-d"),
        currency=pl.when(cur < 0.94).then(pl.lit("USD")).when(cur < 0.98).then(pl.lit("EUR")).otherwise(pl.lit("CNY")),
        cents=pl.when(cur < 0.94).then(cents).when(cur < 0.98).then(cents * 85 // 100).otherwise(cents * 7),
        blank_store=_uniform(seed, "t-b") < 0.02,
    )
    out = outlets.with_row_index("outlet").with_columns(pl.col("outlet").cast(pl.Int64))
    rows = rows.join(out.lazy(), on="outlet", how="left", maintain_order="left")
    return rows.select(
        "firm_id", "platform",
        store_id=pl.when(pl.col("blank_store")).then(None).otherwise(pl.col("store_id")),
        model="model", traded_on="traded_on", orders="orders", amount=_money(pl.col("cents")), currency="currency",
    ).cast(_schema("transactions")).collect()


def _by_index(ids: pl.Series, column: str) -> pl.DataFrame:
    return pl.DataFrame({"firm": pl.int_range(0, ids.len(), dtype=pl.Int64, eager=True), column: ids})


def _scale_declarations(n: int, firm_ids: pl.Series, seed: int) -> pl.DataFrame:
    cur = _uniform(seed, "d-c")
    cents = 500 + (_uniform(seed, "d-a").pow(3) * 199500).floor().cast(pl.Int64)  # USD 5 … 2,000
    rows = _rows(n).lazy().with_columns(
        firm=_skewed(seed, "d-f", firm_ids.len(), 2.0),
        declared_on=_date_expr(seed, "d-d"),
        currency=pl.when(cur < 0.88).then(pl.lit("USD")).when(cur < 0.98).then(pl.lit("CNY")).otherwise(pl.lit("EUR")),
        cents=pl.when(cur < 0.88).then(cents).when(cur < 0.98).then(cents * 7).otherwise(cents * 85 // 100),
        via_platform=_uniform(seed, "d-v") < 0.85,
    ).sort("declared_on", maintain_order=True).with_row_index("seq", offset=100_000_000)
    rows = rows.join(_by_index(firm_ids, "firm_id").lazy(), on="firm", how="left", maintain_order="left")
    return rows.select(
        declaration_no=pl.concat_str(pl.lit("2932"), pl.col("declared_on").dt.year().cast(pl.String), pl.lit("I"),
                                     pl.col("seq").cast(pl.String).str.zfill(9)),
        firm_id="firm_id", declared_on="declared_on", amount=_money(pl.col("cents")), currency="currency",
        via_platform="via_platform",
    ).cast(_schema("exports_9610")).collect()


def _scale_logistics(n: int, firm_ids: pl.Series, seed: int) -> pl.DataFrame:
    grams = 100 + (_uniform(seed, "l-w").pow(2) * 29900).floor().cast(pl.Int64)  # 0.1 … 30 kg
    rows = _rows(n).lazy().with_columns(
        firm=_below(seed, "l-f", firm_ids.len()),
        shipped_on=_date_expr(seed, "l-d"),
        grams=grams,
        deposited=_uniform(seed, "l-x") < 0.9,
    ).sort("shipped_on", maintain_order=True).with_row_index("seq")
    rows = rows.join(_by_index(firm_ids, "logistics_firm_id").lazy(), on="firm", how="left", maintain_order="left")
    return rows.select(
        "logistics_firm_id",
        waybill_no=pl.concat_str(pl.lit("KQ"), pl.col("seq").cast(pl.String).str.zfill(12)),
        shipped_on="shipped_on", weight_kg=_money(pl.col("grams"), 3), deposited="deposited",
    ).cast(_schema("logistics")).collect()


def _build(seed: int, firms: int, transactions: int | None, declarations: int | None,
           logistics: int | None) -> dict[str, pl.DataFrame]:
    core = _core_tables()
    tables = dict(core)
    extra_firms = _scale_firms(max(0, firms - core["firms"].height), seed)
    pool, outlets = core["firms"], core["stores"]
    if extra_firms.height:
        tables["firms"] = pl.concat([core["firms"], extra_firms])
        scale_stores = _scale_stores(extra_firms, seed)
        tables["stores"] = pl.concat([core["stores"], scale_stores])
        pool = extra_firms
        outlets = scale_stores if scale_stores.height else outlets
    outlets = outlets.select("firm_id", "platform", "store_id", "model")
    traders = pool.filter(~pl.col("is_logistics"))["firm_id"]
    carriers = pool.filter(pl.col("is_logistics"))["firm_id"]
    traders = traders if traders.len() else pool["firm_id"]
    carriers = carriers if carriers.len() else pool["firm_id"]

    def more(name: str, wanted: int | None) -> int:
        return max(0, (wanted or 0) - core[name].height)

    if n := more("transactions", transactions):
        extra = _scale_transactions(n, outlets, seed)
        tables["transactions"] = pl.concat([core["transactions"], extra]).sort("traded_on", maintain_order=True)
    if n := more("exports_9610", declarations):
        extra = _scale_declarations(n, traders, seed)
        tables["exports_9610"] = pl.concat([core["exports_9610"], extra]).sort("declared_on", maintain_order=True)
    if n := more("logistics", logistics):
        extra = _scale_logistics(n, carriers, seed)
        tables["logistics"] = pl.concat([core["logistics"], extra]).sort("shipped_on", maintain_order=True)
    return tables


# ---------------------------------------------------------------------------
# Writing

_BOOL_WORDS = {"zh": ("是", "否"), "en": ("yes", "no")}
_ENUM_WORDS = {
    "zh": {"major": "专业", "college": "学院", "national": "国家", "provincial": "省", "city": "市", "district": "区"},
    "en": {},
}


def _localise(df: pl.DataFrame, table: str, lang: str, text_booleans: bool) -> pl.DataFrame:
    """Booleans as 是/否 (yes/no) text when asked; program kinds and award levels in the language."""
    yes, no = _BOOL_WORDS[lang]
    exprs = []
    for col in TABLES[table].columns:
        if col.kind == BOOL and text_booleans:
            exprs.append(pl.when(pl.col(col.name)).then(pl.lit(yes)).when(~pl.col(col.name)).then(pl.lit(no))
                         .otherwise(None).alias(col.name))
        elif col.kind in (PROGRAM_KIND, LEVEL) and _ENUM_WORDS[lang]:
            exprs.append(pl.col(col.name).replace(_ENUM_WORDS[lang]))
    return df.with_columns(exprs) if exprs else df


def _write_csv(tables: dict[str, pl.DataFrame], out: Path, lang: str) -> list[Path]:
    paths = []
    for name, df in tables.items():
        path = out / f"{name}.csv"
        _localise(df, name, lang, text_booleans=True).write_csv(path, date_format="%Y-%m-%d")
        paths.append(path)
    return paths


def _write_parquet(tables: dict[str, pl.DataFrame], out: Path, lang: str) -> list[Path]:
    paths = []
    for name, df in tables.items():
        path = out / f"{name}.parquet"
        _localise(df, name, lang, text_booleans=False).write_parquet(path, statistics=False)
        paths.append(path)
    return paths


_EXCEL_EPOCH = date(1899, 12, 30)
_CREATED = datetime(2021, 7, 1, 9, 0, 0)


def _width(col: Column, header: str) -> float:
    base = {DATE: 12, MONEY: 16, QUANTITY: 12, COUNT: 10, YEAR: 8, RATE: 12, BOOL: 8}.get(col.kind, 16)
    if col.name in ("firm_name", "client_name", "park_name", "reason", "note"):
        base = 40
    elif col.kind == "firm_id" or col.name in ("declaration_no", "waybill_no", "store_id", "client_id"):
        base = 22
    header_width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in header) + 2
    return max(base, header_width)


def _write_sheet(wb, table: str, df: pl.DataFrame, lang: str, formats: dict) -> None:  # noqa: ANN001
    t = TABLES[table]
    ws = wb.add_worksheet(t.alias if lang == "zh" else t.name)
    headers = [c.alias if lang == "zh" else c.name for c in t.columns]
    for j, (col, header) in enumerate(zip(t.columns, headers, strict=True)):
        ws.set_column(j, j, _width(col, header))
    ws.freeze_panes(1, 0)
    for j, header in enumerate(headers):
        ws.write_string(0, j, header, formats["header"])
    df = _localise(df, table, lang, text_booleans=True)
    writers = []
    for col in t.columns:
        s = df[col.name]
        if col.kind == DATE:
            values = df.select((pl.col(col.name) - pl.lit(_EXCEL_EPOCH)).dt.total_days()).to_series().to_list()
            writers.append((values, ws.write_number, formats["date"]))
        elif col.kind in (MONEY, QUANTITY, RATE):
            fmt = formats["money"] if col.kind == MONEY else None
            writers.append((s.cast(pl.Float64).to_list(), ws.write_number, fmt))
        elif col.kind in (COUNT, YEAR):
            writers.append((s.to_list(), ws.write_number, None))
        else:
            writers.append((s.to_list(), ws.write_string, None))
    for i in range(df.height):
        row = i + 1
        for j, (values, write, fmt) in enumerate(writers):
            v = values[i]
            if v is not None and v != "":
                if fmt is None:
                    write(row, j, v)
                else:
                    write(row, j, v, fmt)


def _write_xlsx(tables: dict[str, pl.DataFrame], out: Path, lang: str, sheet_rows: int | None) -> list[Path]:
    import xlsxwriter

    cap = min(sheet_rows or EXCEL_MAX_ROWS, EXCEL_MAX_ROWS)
    if cap < 1:
        raise UsageError("option_too_small", option="--sheet-rows", least=1)
    parts = max(1, *(-(-df.height // cap) for df in tables.values()))
    paths = []
    for part in range(parts):
        path = out / (f"{WORKBOOK_STEM}.xlsx" if part == 0 else f"{WORKBOOK_STEM}-{part + 1}.xlsx")
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"title": "柯桥区跨境电商政策兑现 2020–21 样例数据" if lang == "zh" else
                           "Keqiao cross-border e-commerce subsidies 2020–21: sample input",
                           "author": "kqcalc sample", "created": _CREATED})
        formats = {
            "header": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "money": wb.add_format({"num_format": "#,##0.00"}),
        }
        for name, df in tables.items():
            chunk = df.slice(part * cap, cap)
            if part == 0 or chunk.height:
                _write_sheet(wb, name, chunk, lang, formats)
        wb.close()
        paths.append(path)
    return paths


def generate(out: Path, *, seed: int = 2020, firms: int = 80, transactions: int | None = None,
             declarations: int | None = None, logistics: int | None = None, fmt: str = "xlsx", lang: str = "zh",
             sheet_rows: int | None = None) -> list[Path]:
    """Write the sample district-year into folder `out`; return the files written (see the module docstring)."""
    if fmt not in FORMATS:
        raise UsageError("option_choice", option="--format", choices=", ".join(FORMATS), value=repr(fmt))
    if lang not in LANGS:
        raise UsageError("option_choice", option="--lang", choices="zh, en", value=repr(lang))
    for label, value in (("firms", firms), ("transactions", transactions), ("declarations", declarations),
                         ("logistics", logistics)):
        if value is not None and value < 0:
            raise UsageError("option_too_small", option=f"--{label}", least=0)
    tables = _build(seed, firms, transactions, declarations, logistics)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return _write_csv(tables, out, lang)
    if fmt == "parquet":
        return _write_parquet(tables, out, lang)
    return _write_xlsx(tables, out, lang, sheet_rows)
