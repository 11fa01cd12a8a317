"""The input contract of SPEC §3: every table, its columns, their aliases, types and keys.

This is the one place that knows what the bureau's spreadsheets look like.
Readers use it to find tables and headers; the cleaner uses it to type and
validate cells; the template writer uses it to lay out a blank workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

# Cell kinds: how a cell of the column is parsed (see clean.py).
FIRM_ID = "firm_id"  # Unified Social Credit Code, normalised (NFKC, no spaces, upper case)
TEXT = "text"  # free text, trimmed (names, notes, reasons)
KEY = "key"  # identifier text, compared after NFKC + trim + casefold
BOOL = "bool"  # 是/否, Y/N, yes/no, true/false, 1/0, √/×
DATE = "date"  # ISO, 2020/7/1, 2020年7月1日, Excel serial, datetime cell
MONEY = "money"  # non-negative decimal, thousands separators and ¥/$/US$ allowed
QUANTITY = "quantity"  # non-negative decimal (kg, m², days, class hours)
COUNT = "count"  # non-negative whole number
CURRENCY = "currency"  # ISO 4217 or Chinese customs code/name, blank = USD
MODEL = "model"  # B2C / B2B
PROGRAM_KIND = "program_kind"  # major / college (专业 / 学院)
ITEM = "item"  # one of the item codes the clauses declare (kqcalc.items.ITEMS)
LEVEL = "level"  # national / provincial / city / district (国家/省/市/区)
YEAR = "year"  # a calendar year
RATE = "rate"  # positive decimal (USD per unit of a currency)


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]  # Chinese (and any other accepted) spellings
    kind: str
    required: bool = False
    default: str | None = None  # used when the column is absent or the cell is blank

    @property
    def alias(self) -> str:
        return self.aliases[0] if self.aliases else self.name


@dataclass(frozen=True)
class Table:
    name: str
    alias: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # empty: no key, every row counts
    description: str = ""

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, kind: str, *aliases: str, required: bool = False, default: str | None = None) -> Column:
    return Column(name, tuple(aliases), kind, required, default)


# Columns shared by several tables carry the same alias everywhere (SPEC §3).
def firm_id(name: str = "firm_id", *aliases: str) -> Column:
    return _c(name, FIRM_ID, *(aliases or ("统一社会信用代码",)), required=True)


RECOGNIZED = _c("recognized", BOOL, "认定", required=True)
CURRENCY_COL = _c("currency", CURRENCY, "币种", default="USD")
CLIENT_NAME_HOSTING = _c("client_name", TEXT, "服务企业名称", required=True)
CLIENT_ID_HOSTING = _c("client_id", KEY, "服务企业代码")
ITEM_COL = _c("item", ITEM, "项目", required=True)
REF_COL = _c("ref", KEY, "关联编号", default="")
AMOUNT_RMB = _c("amount_rmb", MONEY, "金额元", required=True)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "firms",
            "企业名录",
            (
                firm_id(),
                _c("firm_name", TEXT, "企业名称", required=True),
                _c("in_zone", BOOL, "园区注册", required=True),
                _c("independent_accounting", BOOL, "独立核算", required=True),
                _c("independent_tax", BOOL, "独立纳税", required=True),
                _c("is_logistics", BOOL, "物流企业", default="否"),
                _c("case_by_case", BOOL, "一事一议", default="否"),
            ),
            key=("firm_id",),
            description="The firm registry: who is registered in the zone and keeps its own books and taxes.",
        ),
        Table(
            "negative_records",
            "负面记录",
            (
                firm_id(),
                _c("category", TEXT, "类别", required=True),
                _c("occurred_on", DATE, "发生日期", required=True),
                _c("note", TEXT, "说明"),
            ),
            description="Penalties and incidents that exclude a firm from the policy.",
        ),
        Table(
            "stores",
            "店铺",
            (
                firm_id(),
                _c("platform", KEY, "平台", required=True),
                _c("store_id", KEY, "店铺编号", required=True),
                _c("model", MODEL, "模式", required=True),
                _c("opened_on", DATE, "开店日期", required=True),
            ),
            key=("platform", "store_id"),
            description="Online stores and the date they opened.",
        ),
        Table(
            "transactions",
            "交易",
            (
                firm_id(),
                _c("platform", KEY, "平台", required=True),
                _c("store_id", KEY, "店铺编号", default=""),
                _c("model", MODEL, "模式", required=True),
                _c("traded_on", DATE, "交易日期", required=True),
                _c("orders", COUNT, "订单数", default="1"),
                _c("amount", MONEY, "金额", required=True),
                CURRENCY_COL,
            ),
            description="Cross-border online orders (one row per order, or aggregated with orders > 1).",
        ),
        Table(
            "exports_9610",
            "9610出口清单",
            (
                _c("declaration_no", KEY, "清单编号", required=True),
                firm_id(),
                _c("declared_on", DATE, "申报日期", required=True),
                _c("amount", MONEY, "金额", "总价", required=True),
                _c("currency", CURRENCY, "币种", "币制", default="USD"),
                _c("via_platform", BOOL, "通过轻纺城平台", required=True),
            ),
            key=("declaration_no",),
            description="9610 customs export declarations.",
        ),
        Table(
            "logistics",
            "物流数据",
            (
                firm_id("logistics_firm_id", "物流企业代码"),
                _c("waybill_no", KEY, "运单号", required=True),
                _c("shipped_on", DATE, "发运日期", required=True),
                _c("weight_kg", QUANTITY, "重量公斤", required=True),
                _c("deposited", BOOL, "平台沉淀", required=True),
            ),
            key=("waybill_no",),
            description="Parcels shipped by logistics firms, and whether their data is deposited on the platform.",
        ),
        Table(
            "hosting_services",
            "托管服务",
            (
                firm_id("provider_id", "服务商代码"),
                CLIENT_NAME_HOSTING,
                CLIENT_ID_HOSTING,
                _c("client_b2c_usd", MONEY, "B2C交易额美元", default="0"),
                _c("client_b2b_usd", MONEY, "B2B交易额美元", default="0"),
                _c("service_fee_rmb", MONEY, "服务费", required=True),
            ),
            key=("provider_id", "client"),
            description="Third-party hosting services: one row per provider and client.",
        ),
        Table(
            "trainings",
            "培训",
            (
                firm_id("institution_id", "培训机构代码"),
                _c("session_id", KEY, "期次编号", required=True),
                _c("started_on", DATE, "开班日期", required=True),
                _c("days", QUANTITY, "天数"),
                _c("class_hours", QUANTITY, "课时"),
                _c("trainees", COUNT, "人数", required=True),
                RECOGNIZED,
            ),
            key=("session_id",),
            description="Training sessions run by training institutions.",
        ),
        Table(
            "platforms",
            "平台企业",
            (
                firm_id("platform_id", "平台企业代码"),
                _c("annual_usd", MONEY, "年交易额美元", required=True),
            ),
            key=("platform_id",),
            description="Cross-border e-commerce platform firms and their annual amount.",
        ),
        Table(
            "platform_onboarding",
            "平台新增企业",
            (
                firm_id("platform_id", "平台企业代码"),
                _c("client_name", TEXT, "入驻企业名称", required=True),
                _c("client_id", KEY, "入驻企业代码"),
                _c("joined_on", DATE, "入驻日期", required=True),
                _c("client_annual_usd", MONEY, "入驻企业年交易额美元", required=True),
            ),
            key=("platform_id", "client"),
            description="Firms that started business on a platform.",
        ),
        Table(
            "o2o_stores",
            "O2O体验店",
            (
                firm_id(),
                _c("store_id", KEY, "门店编号", required=True),
                _c("area_m2", QUANTITY, "营业面积", required=True),
                _c("lease_start", DATE, "租赁起", required=True),
                _c("lease_end", DATE, "租赁止", required=True),
                RECOGNIZED,
            ),
            key=("firm_id", "store_id"),
            description="Import O2O experience stores.",
        ),
        Table(
            "parks",
            "产业园",
            (
                firm_id("park_id", "主办方代码"),
                _c("park_name", TEXT, "园区名称", required=True),
                _c("active_firms", COUNT, "有实绩企业数", required=True),
                _c("online_total_rmb", MONEY, "年在线交易总额元", required=True),
                RECOGNIZED,
            ),
            key=("park_id",),
            description="Cross-border e-commerce parks and their operators.",
        ),
        Table(
            "warehouses",
            "海外仓",
            (
                firm_id(),
                _c("warehouse_id", KEY, "海外仓编号", required=True),
                _c("country", TEXT, "国家", required=True),
                _c("provincial_pilot_new", BOOL, "新列入省级试点", default="否"),
                _c("municipal_standard", BOOL, "达到市级标准", default="否"),
                _c("operating_since", DATE, "运营起始日"),
                _c("lease_cost_rmb", MONEY, "场地租赁费", default="0"),
                _c("equipment_cost_rmb", MONEY, "设备采购费", default="0"),
                _c("system_cost_rmb", MONEY, "系统开发费", default="0"),
                _c("newly_built", BOOL, "新建", default="否"),
            ),
            key=("firm_id", "warehouse_id"),
            description="Public overseas warehouses.",
        ),
        Table(
            "university_programs",
            "高校专业学院",
            (
                firm_id("university_id", "高校代码"),
                _c("program_id", KEY, "专业学院编号", required=True),
                _c("kind", PROGRAM_KIND, "类型", required=True),
                _c("approved_on", DATE, "批准日期", required=True),
                _c("in_admission_plan", BOOL, "纳入统一招生计划", default="否"),
                _c("enrollment", COUNT, "人数", required=True),
            ),
            key=("university_id", "program_id"),
            description="New cross-border e-commerce majors and colleges of universities.",
        ),
        Table(
            "prior_awards",
            "往年已兑现",
            (firm_id(), ITEM_COL, REF_COL, _c("year", YEAR, "年度", required=True), AMOUNT_RMB),
            description="Awards paid under this district's policy in earlier periods.",
        ),
        Table(
            "other_awards",
            "其他层级奖励",
            (
                firm_id(),
                ITEM_COL,
                REF_COL,
                _c("level", LEVEL, "层级", required=True),
                AMOUNT_RMB,
                _c("note", TEXT, "说明"),
            ),
            description="Awards for the same item under other policies (national, provincial, city, district).",
        ),
        Table(
            "adjustments",
            "人工调整",
            (
                firm_id(),
                ITEM_COL,
                REF_COL,
                _c("award_rmb", MONEY, "核定金额", required=True),
                _c("reason", TEXT, "原因", required=True),
            ),
            key=("firm_id", "item", "ref"),
            description="Manual decisions that lower a line's award, with the reason.",
        ),
        Table(
            "fx_rates",
            "汇率",
            (
                _c("currency", CURRENCY, "币种", required=True),
                _c("usd_per_unit", RATE, "美元汇率", required=True),
            ),
            key=("currency",),
            description="Exchange rates for the period: USD per unit of each currency.",
        ),
    )
}

# Tables whose key includes the client identity (client_id, else normalised client_name).
CLIENT_KEYED = ("hosting_services", "platform_onboarding")
