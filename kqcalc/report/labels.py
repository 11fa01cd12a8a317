"""Words for people: column headers, statuses, reason codes, units — in Chinese (default) and English.

Codes stay stable in every output (awards.csv, results.json); only these labels change with `--lang`.
A code with no label here is shown as the code itself, so a new reason never disappears from a report.
Light on purpose (no Polars): `explain` imports it.
"""

from __future__ import annotations

import unicodedata

LANGS = ("zh", "en")


def lang_of(value: str | None) -> str:
    return "en" if (value or "").strip().lower().startswith("en") else "zh"


STATUS = {
    "zh": {
        "awarded": "予以奖励", "not_met": "未达条件", "ineligible": "不符合资格", "already_awarded": "已兑现过",
        "superseded": "从高不重复（不再给予）", "topped_up": "从高不重复（补足差额）", "adjusted": "人工调整",
    },
    "en": {
        "awarded": "awarded", "not_met": "conditions not met", "ineligible": "ineligible",
        "already_awarded": "already awarded", "superseded": "superseded (other-level award)",
        "topped_up": "topped up (other-level award deducted)", "adjusted": "adjusted by hand",
    },
}

FUNDING = {
    "zh": {"district": "区级财政", "city": "市级财政"},
    "en": {"district": "district", "city": "city"},
}

# Deduction rules (rules.py Deduction.rule), in rule order.
DEDUCTION_RULES = ("eligibility", "one_time", "highest_only", "adjustment")
DEDUCTION = {
    "zh": {"eligibility": "资格不符", "one_time": "已兑现（一次性）", "highest_only": "从高不重复",
           "adjustment": "人工调整"},
    "en": {"eligibility": "eligibility", "one_time": "one-time (already paid)", "highest_only": "highest only",
           "adjustment": "adjustment"},
}

REASON = {
    "zh": {
        "below_threshold": "未达到金额或数量门槛",
        "below_order_threshold": "单店订单数未达门槛",
        "not_mainstream_platform": "不是主流B2B平台",
        "not_via_platform": "未通过轻纺城出口通关服务平台申报",
        "not_deposited": "数据未在平台沉淀",
        "below_client_threshold": "服务企业数未达门槛",
        "not_recognized": "未经认定",
        "too_short": "培训天数和课时均不足",
        "too_few_trainees": "每班人数不足",
        "platform_amount_unknown": "平台年交易额未知（无平台企业记录）",
        "no_qualifying_clients": "无符合条件的新增入驻企业",
        "below_area": "营业面积不足",
        "no_lease_in_period": "考核期内无租赁天数",
        "not_newly_listed": "未新列入省级试点名单",
        "not_municipal_standard": "未达到市级标准",
        "operating_since_unknown": "运营起始日不详",
        "operating_less_than_a_year": "运营不满一年",
        "no_cost": "无建设成本",
        "not_newly_built": "非新建",
        "not_belt_and_road": "不在“一带一路”国家或地区",
        "not_in_admission_plan": "未纳入统一招生计划",
        "no_paid_9a_9b": "该海外仓的9A、9B均未获奖励",
        "data_error": "企业名录记录相互矛盾",
        "not_in_firms": "不在企业名录中",
        "not_in_zone": "未在园区注册",
        "not_independent_accounting": "非独立核算",
        "not_independent_tax": "非独立纳税",
        "not_logistics_firm": "不是物流企业",
        "logistics_firm": "物流企业（除3B外不享受）",
        "case_by_case": "一事一议企业",
        "negative_record": "有负面记录",
        "prior_award": "往年已兑现",
        "other_level_award": "已获其他层级同项奖励",
        "adjusted": "人工调整",
    },
    "en": {
        "below_threshold": "below the amount or count threshold",
        "below_order_threshold": "store orders below the threshold",
        "not_mainstream_platform": "not a mainstream B2B platform",
        "not_via_platform": "not declared through the 轻纺城 platform",
        "not_deposited": "data not deposited on the platform",
        "below_client_threshold": "too few clients",
        "not_recognized": "not recognized",
        "too_short": "too few days and class hours",
        "too_few_trainees": "too few trainees",
        "platform_amount_unknown": "platform's annual amount unknown (no platforms row)",
        "no_qualifying_clients": "no qualifying new clients",
        "below_area": "area below the minimum",
        "no_lease_in_period": "no lease days in the period",
        "not_newly_listed": "not newly listed as a provincial pilot",
        "not_municipal_standard": "does not meet the municipal standard",
        "operating_since_unknown": "operating start date unknown",
        "operating_less_than_a_year": "operating less than a year",
        "no_cost": "no construction cost",
        "not_newly_built": "not newly built",
        "not_belt_and_road": "not in a Belt and Road country",
        "not_in_admission_plan": "not in the unified admission plan",
        "no_paid_9a_9b": "neither 9A nor 9B of this warehouse is paid",
        "data_error": "conflicting rows in the firms table",
        "not_in_firms": "not in the firms table",
        "not_in_zone": "not registered in the zone",
        "not_independent_accounting": "no independent accounting",
        "not_independent_tax": "no independent tax filing",
        "not_logistics_firm": "not a logistics firm",
        "logistics_firm": "logistics firm (3B only)",
        "case_by_case": "case-by-case firm",
        "negative_record": "negative record",
        "prior_award": "already paid in an earlier period",
        "other_level_award": "award for the same item under another policy",
        "adjusted": "adjusted by hand",
    },
}

UNIT = {
    "zh": {"USD": "美元", "RMB": "元", "kg": "公斤", "person-days": "人·天", "clients": "家", "m2-years": "平方米·年",
           "m²·years": "平方米·年", "tier": "档", "warehouse": "个", "students": "人", "stores": "个店铺",
           "store": "个店铺", "firms": "家", "orders": "笔"},
    "en": {"m2-years": "m²·years", "person-days": "person-days"},
}

SEVERITY = {"zh": {"error": "错误", "warning": "警告"}, "en": {"error": "error", "warning": "warning"}}


def status(code: str, lang: str) -> str:
    return STATUS[lang].get(code, code)


def funding(code: str, lang: str) -> str:
    return FUNDING[lang].get(code, code)


def unit(code: str, lang: str) -> str:
    return UNIT[lang].get(code, code)


def reason(code: str, lang: str) -> str:
    return REASON[lang].get(code, code)


def reasons(codes: str | list[str], lang: str) -> str:
    """'below_threshold;not_in_zone' → '未达到金额或数量门槛；未在园区注册'."""
    items = [c for c in (codes.split(";") if isinstance(codes, str) else codes) if c]
    return ("；" if lang == "zh" else "; ").join(reason(c, lang) for c in items)


def deduction(rule: str, lang: str) -> str:
    return DEDUCTION[lang].get(rule, rule)


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet or terminal: CJK and other wide characters count as 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def money(value: object) -> str:
    """'1234567.5' → '1,234,567.50' (for text; cells carry numbers with a number format)."""
    from decimal import Decimal

    return f"{Decimal(str(value)):,.2f}"


def number(value: object) -> str:
    """A plain decimal with thousands separators, its own places kept: '3000000' → '3,000,000'."""
    from decimal import Decimal

    d = Decimal(str(value))
    text = f"{d:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
