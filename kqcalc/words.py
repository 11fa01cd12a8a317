"""Every general word for people, in Chinese (default) and English: statuses, reasons, units, the phrases of a
rule and of a line's facts, and the words of each command's output (report.xlsx, explain, diff, whatif, the
console, the run log, the template, policy show, the CLI's own lines).

One module for the words, so that a translation or a new wording is made in one place. Words about one clause
(its rule text, its threshold conditions, its facts) are in that clause's module, at its end
(kqcalc/items/cNN_*.py, "words" block); the issue codes' messages are in kqcalc/messages.py (the registry).
Codes stay stable in every output (awards.csv, results.json); only these labels change with `--lang`.
A code with no label here is shown as the code itself, so a new reason never disappears from a report.
A leaf (no import of kqcalc, no Polars): the clause modules and `explain` import it.
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


def percent(share: object) -> str:
    """0.40 → '40%', 0.055 → '5.5%'."""
    from decimal import Decimal

    return number(Decimal(str(share)) * 100) + "%"


# Chinese clause numbers → their figure (explain and policy show in English: "9. …").
CLAUSE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


# --- one line in words (kqcalc/report/describe.py; the clauses' rule texts and facts) -----------------------------

DESCRIBE = {
    "zh": {
        "rows_of": "{file} 中 {n} 行", "row_of": "{file} 第 {row} 行", "none": "无", "no_cap": "无上限",
        "cap": "上限 {cap} 元", "reached": "门槛 {value} {unit}，已达",
        "tier_reached": "已达第 {tier} 档 ≥ {value} {unit}",
        "first_tier": "未达第 1 档 {value} {unit}，还差 {distance} {unit}",
        "next": "下一档 {value} {unit}，还差 {distance} {unit}",
        "next_threshold": "门槛 {value} {unit}，还差 {distance} {unit}", "top": "已达最高档",
        "first_row": "{where}：{what}", "more_rows": "……另有 {n} 行", "what_sep": "，",
        "measure_is": "{value} {unit}", "sep": "；", "with_measure": "{measure}（{text}）", "label": "{label} {text}",
    },
    "en": {
        "rows_of": "{n} row(s) of {file}", "row_of": "{file} row {row}", "none": "none", "no_cap": "no cap",
        "cap": "cap {cap} RMB", "reached": "threshold {value} {unit}, reached",
        "tier_reached": "tier {tier} reached, ≥ {value} {unit}",
        "first_tier": "below tier 1, {value} {unit}: {distance} {unit} to go",
        "next": "next tier {value} {unit}, {distance} {unit} to go",
        "next_threshold": "threshold {value} {unit}, {distance} {unit} to go", "top": "highest tier reached",
        "first_row": "{where}: {what}", "more_rows": "… and {n} more row(s)", "what_sep": ", ",
        "measure_is": "{value} {unit}", "sep": "; ", "with_measure": "{measure} ({text})", "label": "{label} {text}",
    },
}

# The phrases a clause's rule text is made of (its own words — what is counted, the rate's unit — are in the clause).
RULE = {
    "zh": {"amount": "{amount} 元", "once": "（一次性）", "then": "{condition} → {amount}", "cap": "，上限 {cap} 元",
           "rate": "{rate} {per} × {measure}{cap}", "share": "{base} × {share}{cap}",
           "tier": "第 {tier} 档（{floor}）→ {amount} 元", "no_tier": "未达任何一档（第 1 档：{floor} → {amount} 元）"},
    "en": {"amount": "RMB {amount}", "once": " (once)", "then": "{condition} → {amount}", "cap": ", cap RMB {cap}",
           "rate": "{rate} {per} × {measure}{cap}", "share": "{base} × {share}{cap}",
           "tier": "tier {tier} ({floor}) → RMB {amount}",
           "no_tier": "no tier reached (tier 1: {floor} → RMB {amount})"},
}

# The general words of a line's facts (the clause's own sentences are in the clause).
FACTS = {
    "zh": {"counted": "计入", "not_counted": "不计入：{why}", "none": "无", "unknown": "不详", "list_sep": "、"},
    "en": {"counted": "counted", "not_counted": "not counted: {why}", "none": "none", "unknown": "unknown",
           "list_sep": ", "},
}


def rule(lang: str, key: str, **kw: object) -> str:
    """A phrase of a rule text: rule("zh", "cap", cap="1,500,000") → '，上限 1,500,000 元'."""
    return RULE[lang][key].format(**kw)


def once(amount: object, lang: str) -> str:
    """A fixed sum paid once: '10,000 元（一次性）', 'RMB 10,000 (once)'."""
    return rule(lang, "amount", amount=number(amount)) + RULE[lang]["once"]


def cap(amount: object, lang: str) -> str:
    """The cap after a formula: '，上限 1,500,000 元', ', cap RMB 1,500,000'."""
    return rule(lang, "cap", cap=number(amount))


def tiered(tier: int, floor: str, amount: object, lang: str) -> str:
    """The tier reached and its floor, or tier 1's when none is: '第 2 档（≥ 5,000,000 美元）→ 100,000 元'."""
    return rule(lang, "tier" if tier else "no_tier", tier=tier, floor=floor, amount=number(amount))


def row_of(file: object, row: object, lang: str) -> str:
    """'transactions.csv 第 2 行', 'transactions.csv row 2'."""
    return DESCRIBE[lang]["row_of"].format(file=file, row=row)


def counted(entry: dict, lang: str) -> str:
    """'计入', or '不计入：<reasons>' for an entry of a clause's facts with `counted` and `why_not`."""
    f = FACTS[lang]
    if entry.get("counted"):
        return f["counted"]
    return f["not_counted"].format(why=reasons(entry.get("why_not", []), lang))
