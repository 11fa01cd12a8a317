"""Every general word for people, in Chinese (default) and English: statuses, reasons, units, the phrases of a
rule and of a line's facts, and the words of each command's output (report.xlsx, explain, diff, whatif, the
console, the run log, the template, policy show, the CLI's own lines).

One module for the words, so that a translation or a new wording is made in one place. Words about one clause
(its rule text, its threshold conditions, its facts) are in that clause's module, at its end
(kqcalc/items/cNN_*.py, "words" block); the issue codes' messages are in kqcalc/messages.py (the registry).
The template's instructions per cell kind, table and column (with example values) stay in kqcalc/template.py,
beside the input contract they document.
Codes stay stable in every output (awards.csv, results.json); only these labels change with `--lang`.
A code with no label here is shown as the code itself, so a new reason never disappears from a report.
A leaf (no import of kqcalc, no Polars): the clause modules and `explain` import it.
"""

from __future__ import annotations

import unicodedata

LANGS = ("zh", "en")

# Punctuation and the currency, wherever a list or an amount is written out.
PUNCT = {"zh": {"sep": "；", "rmb": "元", "rmb_after": "（元）"},
         "en": {"sep": "; ", "rmb": "RMB", "rmb_after": " (RMB)"}}


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
    return PUNCT[lang]["sep"].join(reason(c, lang) for c in items)


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


# --- the CLI's own lines (kqcalc/cli.py) -----------------------------------------------------------------------------

CLI = {
    "zh": {
        "strict": "输入中有 {n} 个错误；--strict：未写出任何文件。",
        "checked": "校验完成：{files} 个文件，读取 {rows} 行；{errors} 个错误，{warnings} 个警告。",
        "waiting": "输出文件夹 {folder} 正被另一次 kqcalc 运行使用（{holder}）；最多等待 {wait:g} 秒……",
        "interrupted_waiting": "已中断（Ctrl-C）：仍在等待输出文件夹 {folder} 的锁，未写出任何文件。",
        "interrupted_kept": "已中断（Ctrl-C）：未写出新的结果；{folder} 仍是上一次运行 {run} 的结果，完整未动。",
        "interrupted_empty": "已中断（Ctrl-C）：未写出任何结果；{folder} 中还没有完成的运行。",
        "interrupted_switched": "已中断（Ctrl-C）：新的运行 {run} 已完整写入并切换为 {folder} 的当前结果。",
        "interrupted": "已中断（Ctrl-C）：未写出任何文件。",
        "no_run": "无",
        "not_xlsx": "{path}：模板必须是 .xlsx 文件（例如 输入模板.xlsx）",
        "exists": "{path} 已存在；加 --force 覆盖它，或换一个文件名",
        "not_empty": "{path} 不是空文件夹；样例数据只写入新的或空的文件夹",
        "not_a_folder": "{path} 不是文件夹",
        "cannot_write": "无法写入 {path}：{reason}",
    },
    "en": {
        "strict": "{n} error(s) in the input; --strict: nothing written.",
        "checked": "Checked {files} file(s), {rows} rows read: {errors} error(s), {warnings} warning(s).",
        "waiting": "The output folder {folder} is in use by another kqcalc run ({holder}); waiting up to {wait:g} s …",
        "interrupted_waiting": "Interrupted (Ctrl-C) while waiting for the lock of {folder}: nothing was written.",
        "interrupted_kept": "Interrupted (Ctrl-C): no new results were written; {folder} still holds the previous "
                            "run {run}, untouched.",
        "interrupted_empty": "Interrupted (Ctrl-C): no results were written; {folder} holds no finished run yet.",
        "interrupted_switched": "Interrupted (Ctrl-C): the new run {run} had already been written whole and is "
                                "the current run of {folder}.",
        "interrupted": "Interrupted (Ctrl-C): nothing was written.",
        "no_run": "none",
        "not_xlsx": "{path}: the template must be an .xlsx file (e.g. input-template.xlsx)",
        "exists": "{path} already exists; add --force to overwrite it, or choose another name",
        "not_empty": "{path} is not an empty folder; the sample is written only into a new or empty folder",
        "not_a_folder": "{path} is not a folder",
        "cannot_write": "cannot write {path}: {reason}",
    },
}


# --- kqcalc explain (kqcalc/explain.py) ------------------------------------------------------------------------------

EXPLAIN = {
    "zh": {
        "header": "{name}（{firm_id}）　第 {rank} 名　"
                  "奖励合计 {total} 元（区级财政 {district} 元，市级财政 {city} 元）",
        "run": "运行 {folder}　政策 {policy}　考核期 {start} 至 {end}　运行时间 {run_time}",
        "clause": "条款（{clause}、{clause_title}）：{text}", "measure": "计量值 {measure} {unit}，来自 {sources}",
        "rule": "适用规则：{rule}", "gross": "计算额 {gross} 元；{cap} → {capped} 元",
        "deductions": "扣减", "no_deductions": "扣减：无", "deduction": "{rule}：−{amount} 元（{reason}{detail}）",
        "award": "奖励 {award} 元　状态：{status}　资金来源：{funding}", "why": "原因：{reasons}",
        "policy_note": "注意：条款文本取自政策 {source}，与本次运行所用政策文件（SHA-256 {sha}）不同",
        "no_policy": "（找不到本次运行所用的政策文件，无法显示条款原文）", "no_name": "（不在企业名录中）",
        "several": "{n} 家企业与 {query!r} 相符，请给出统一社会信用代码或更完整的名称：",
        "none": "运行 {folder} 中没有与 {query!r} 相符的企业（共 {n} 家）。"
                "请给出18位统一社会信用代码或企业名称的一部分。",
        "unknown_time": "不详",
        "registered_header": "{name}（{firm_id}）　已在企业名录中登记　本次运行无奖励行",
        "no_lines": "本次运行中该企业没有奖励行（不是查无此企业）。",
        "no_rows": "原因：除企业名录外，本次输入的各表中都没有该企业的数据行（未申报任何项目）。",
        "rows_no_line": "原因：它在各表中的数据行都没有形成奖励行，见下方“各表数据行”。",
        "registry": "企业名录：{facts}（{where}）", "yes": "是", "no": "否", "fact_sep": "；",
        "data_error": "企业名录：该企业的多行登记信息相互矛盾（已隔离，见 issues.csv），本次各项均不符合资格",
        "negative": "负面记录（考核期内或日期不详，取消本期全部奖励资格）",
        "negative_record": "{category}，{date}，{where}", "no_date": "日期不详", "no_category": "类别不详",
        "rows": "各表数据行（被隔离的错误行不在其中，见 issues.csv）",
        "table_rows": "{table}：{n} 行（{parts}）", "row_part": "{label} {n} 行", "part_sep": "，",
        "matches_no_lines": "本次无奖励行",
    },
    "en": {
        "header": "{name} ({firm_id})   rank {rank}   total RMB {total} (district {district}, city {city})",
        "run": "run {folder}   policy {policy}   period {start} to {end}   run time {run_time}",
        "clause": "Clause ({clause}. {clause_title}): {text}", "measure": "measure {measure} {unit}, from {sources}",
        "rule": "rule applied: {rule}", "gross": "gross RMB {gross}; {cap} → RMB {capped}",
        "deductions": "deductions", "no_deductions": "deductions: none",
        "deduction": "{rule}: −RMB {amount} ({reason}{detail})",
        "award": "award RMB {award}   status: {status}   funding: {funding}", "why": "reasons: {reasons}",
        "policy_note": "note: clause texts come from policy {source}, not the exact policy file of this run "
                       "(SHA-256 {sha})",
        "no_policy": "(the policy file of this run was not found: no clause texts)", "no_name": "(not in firms)",
        "several": "{n} firms match {query!r}; give the credit code or more of the name:",
        "none": "no firm matches {query!r} in run {folder} ({n} firms). Give the 18-character credit code or part "
                "of the firm's name.",
        "unknown_time": "unknown",
        "registered_header": "{name} ({firm_id})   registered in firms   no lines in this run",
        "no_lines": "The firm has no award line in this run (it is registered: this is not an unknown firm). ",
        "no_rows": "Why: apart from firms, no input table of this run has a row of this firm (it applied for "
                   "nothing).",
        "rows_no_line": "Why: none of its rows in the other tables made an award line; see \"rows by table\" "
                        "below.",
        "registry": "firms: {facts} ({where})", "yes": "yes", "no": "no", "fact_sep": "; ",
        "data_error": "firms: the firm's registry rows conflict (quarantined, see issues.csv): ineligible for "
                      "every item in this run",
        "negative": "negative records (dated in the period or undatable: no award in this period)",
        "negative_record": "{category}, {date}, {where}", "no_date": "date unknown", "no_category": "category unknown",
        "rows": "rows by table (quarantined rows are not included: see issues.csv)",
        "table_rows": "{table}: {n} row(s) ({parts})", "row_part": "{label} {n}", "part_sep": ", ",
        "matches_no_lines": "no lines",
    },
}

REGISTRY_FACTS = {
    "zh": {"in_zone": "园区注册", "independent_accounting": "独立核算", "independent_tax": "独立纳税",
           "is_logistics": "物流企业", "case_by_case": "一事一议"},
    "en": {"in_zone": "in zone", "independent_accounting": "independent accounting",
           "independent_tax": "independent tax", "is_logistics": "logistics firm", "case_by_case": "case by case"},
}

# Why rows of a firm were left out (kqcalc.run.firm_rows), in the order they are shown; "used" first.
ROW_REASONS = {
    "zh": {"used": "计入", "outside_period": "日期在考核期外", "lease_outside_period": "租期与考核期不重叠",
           "not_via_platform": "未通过轻纺城平台申报", "not_deposited": "数据未在平台沉淀",
           "model_b2b": "B2B模式（只计入新开店铺订单数，不计入企业B2C交易额）",
           "used_negative": "考核期内或日期不详（取消资格）"},
    "en": {"used": "used", "outside_period": "dated outside the period",
           "lease_outside_period": "lease does not overlap the period",
           "not_via_platform": "not declared through the 轻纺城 platform",
           "not_deposited": "data not deposited on the platform",
           "model_b2b": "model B2B (count toward a new store's orders only, not toward the firm's B2C amount)",
           "used_negative": "dated in the period or undatable (disqualifying)"},
}


# --- kqcalc diff (kqcalc/diff.py) ------------------------------------------------------------------------------------

DIFF = {
    "zh": {
        "before": "之前", "after": "之后", "run": "运行", "time_unknown": "时间不详", "policy": "政策",
        "period": "考核期", "to": " 至 ", "sep": "；", "open": "（", "close": "）", "colon": "：",
        "policy_changed": "两次运行所用政策不同（编号或 SHA-256）。", "period_changed": "两次运行的考核期不同。",
        "lines": "奖励金额或状态有变化的行：{n}（金额或状态变化 {changed}，新增 {appeared}，消失 {disappeared}）",
        "firm_id": "统一社会信用代码", "firm_name": "企业名称", "item": "项目", "ref": "关联编号", "change": "变化",
        "difference": "差额", "status": "状态", "totals": "合计（元）：", "district": "区级财政", "city": "市级财政",
        "total": "合计", "inputs": "内容有变化的输入（文件或工作表）：{n}", "file": "输入",
        "changed": "变化", "appeared": "新增", "disappeared": "消失",
    },
    "en": {
        "before": "Before", "after": "After", "run": "run", "time_unknown": "time unknown", "policy": "policy",
        "period": "period", "to": "..", "sep": "; ", "open": " (", "close": ")", "colon": ": ",
        "policy_changed": "The policy differs between the two runs (id or SHA-256).",
        "period_changed": "The period differs between the two runs.",
        "lines": "Lines whose award or status changed: {n} ({changed} changed, {appeared} appeared, "
                 "{disappeared} disappeared)",
        "firm_id": "firm_id", "firm_name": "firm_name", "item": "item", "ref": "ref", "change": "change",
        "difference": "difference", "status": "status", "totals": "Totals (RMB):", "district": "district",
        "city": "city", "total": "total", "inputs": "Inputs whose content changed (files or sheets): {n}",
        "file": "input", "changed": "changed", "appeared": "appeared", "disappeared": "disappeared",
    },
}


# --- kqcalc whatif (kqcalc/whatif.py) --------------------------------------------------------------------------------

WHATIF = {
    "zh": {
        "title": "政策变动测算（what-if）", "base": "基准", "reform": "调整后", "change": "差额",
        "policy": "政策", "period": "考核期", "by_item": "按项目合计（元）", "by_funding": "按资金来源合计（元）",
        "item": "项目", "name": "名称", "funding": "资金来源", "all": "合计",
        "firms": "企业：{gain} 家增加，{lose} 家减少，{same} 家不变",
        "lines": "变动的奖励行：{n} 行（共 {total} 行）",
        "top": "变动最大的企业（前 {n} 名）", "firm_id": "统一社会信用代码", "firm_name": "企业名称",
        "none": "（无变动）",
        "errors": "有 {errors} 个错误（见上）：两种政策都只按有效的行计算，被隔离的行和被拒绝的调整不计入；"
                  "逐条见 kqcalc validate。",
        "written": "已写入 {folder}/（whatif.csv、whatif.xlsx）",
    },
    "en": {
        "title": "What-if: the budget impact of a policy change", "base": "Base", "reform": "Reform",
        "change": "Change", "policy": "Policy", "period": "Period", "by_item": "Totals by item (RMB)",
        "by_funding": "Totals by funding (RMB)", "item": "Item", "name": "Name", "funding": "Funding",
        "all": "Total", "firms": "Firms: {gain} gain, {lose} lose, {same} stay the same",
        "lines": "Lines whose award changes: {n} (of {total})",
        "top": "Largest changes by firm (top {n})", "firm_id": "Credit code", "firm_name": "Firm",
        "none": "(no change)",
        "errors": "{errors} error(s) (above): both policies are computed on the clean rows only (quarantined rows "
                  "and rejected adjustments count for nothing); kqcalc validate lists them.",
        "written": "Written to {folder}/ (whatif.csv, whatif.xlsx)",
    },
}


# --- whatif.xlsx (kqcalc/report/whatif_xlsx.py) ----------------------------------------------------------------------

WHATIF_SHEETS = {"zh": {"summary": "测算汇总", "lines": "逐行对比", "firms": "按企业对比"},
          "en": {"summary": "Summary", "lines": "Lines", "firms": "By firm"}}

WHATIF_HEADERS = {
    "zh": {
        "title": "政策变动测算（what-if）：同一数据下基准政策与调整后政策的奖励对比",
        "subtitle": "基准：{base}（考核期 {bstart} 至 {bend}）　调整后：{reform}（考核期 {rstart} 至 {rend}）　"
                    "企业 {gain} 家增加、{lose} 家减少、{same} 家不变",
        "item": "项目", "name": "项目名称", "funding": "资金来源", "base": "基准（元）", "reform": "调整后（元）",
        "change": "差额（元）", "all": "合计", "firm_id": "统一社会信用代码", "firm_name": "企业名称",
        "ref": "关联编号", "base_status": "基准状态", "reform_status": "调整后状态", "absent": "（无此行）",
        "chart": "各项目奖励金额：基准与调整后（元）", "base_series": "基准", "reform_series": "调整后",
    },
    "en": {
        "title": "What-if: awards under the base and the reformed policy, on the same data",
        "subtitle": "Base: {base} (period {bstart} to {bend})   Reform: {reform} (period {rstart} to {rend})   "
                    "firms: {gain} gain, {lose} lose, {same} stay the same",
        "item": "Item", "name": "Item name", "funding": "Funding", "base": "Base (RMB)", "reform": "Reform (RMB)",
        "change": "Change (RMB)", "all": "Total", "firm_id": "Credit code", "firm_name": "Firm", "ref": "Ref",
        "base_status": "Base status", "reform_status": "Reform status", "absent": "(no such line)",
        "chart": "Awards by item, base beside reform (RMB)", "base_series": "Base", "reform_series": "Reform",
    },
}


# --- report.xlsx (kqcalc/report/xlsx.py) -----------------------------------------------------------------------------

REPORT_SHEETS = {
    "zh": {"summary": "汇总", "chart": "项目金额图", "lines": "分企业明细", "not_paid": "未获奖励",
           "near_miss": "接近门槛", "issues": "数据问题", "parameters": "政策参数", "manifest": "运行信息"},
    "en": {"summary": "Summary", "chart": "Chart", "lines": "Lines by firm", "not_paid": "Not paid",
           "near_miss": "Near misses", "issues": "Issues", "parameters": "Parameters", "manifest": "Manifest"},
}

REPORT_HEADERS = {
    "zh": {
        "title": "柯桥区跨境电商政策奖励汇总", "rank": "排名", "firm_id": "统一社会信用代码", "firm_name": "企业名称",
        "total": "奖励合计（元）", "district": "区级财政（元）", "city": "市级财政（元）", "sum_row": "合计",
        "item": "项目", "item_title": "项目名称", "ref": "关联编号", "measure": "计量值", "unit": "单位",
        "rule": "适用规则", "gross": "计算额（元）", "cap": "上限（元）", "capped": "封顶后（元）",
        "award": "奖励金额（元）", "funding": "资金来源", "status": "状态", "reason": "原因代码",
        "reason_text": "原因说明", "gap": "距门槛", "condition": "条件", "current": "当前值", "next": "下一门槛",
        "distance": "差距", "share": "差距占比", "table": "表", "file": "文件", "row": "行号", "column": "列",
        "severity": "级别", "code": "代码", "message": "说明", "kind": "类别", "key": "参数", "value": "值",
        "param": "参数", "text": "条文", "file_key": "政策文件中的键", "name": "名称", "clause_title": "条款标题",
        "policy": "政策",
        "general": "通用规则", "sources": "数据来源",
        "text_zh": "条款原文", "text_en": "英文译文", "minus_eligibility": "资格扣减（元）",
        "minus_one_time": "一次性扣减（元）", "minus_highest_only": "从高不重复扣减（元）",
        "minus_adjustment": "人工调整扣减（元）",
        "subtitle": "政策 {policy}（{doc}）　考核期 {start} 至 {end}　{firms} 家企业　奖励合计 {total} 元"
                    "（区级 {district} 元，市级 {city} 元）",
        "note": "排名按奖励合计从高到低；合计相同的企业按统一社会信用代码先后排列，名次依次递增、不并列；"
                "合计为 0 的企业排在最后，同样排名。",
        "chart_note": "按项目金额图见表格右侧；打印时见“项目金额图”表（单独一页）。",
        "chart": "各项目奖励金额（元）", "no_rows": "（无）",
        "m_tool": "工具", "m_version": "版本", "m_policy": "政策编号", "m_sha": "政策文件 SHA-256",
        "m_source": "政策来源", "m_mode": "从高不重复方式", "m_period": "考核期",
        "m_run_time": "运行时间（含时区偏移）",
        "m_inputs": "输入", "m_lines": "奖励行数", "m_firms": "企业数", "m_errors": "错误数", "m_warnings": "警告数",
        "m_total": "奖励合计（元）", "m_files": "输入文件", "sha": "SHA-256", "rows_read": "读取行数",
        "rows_used": "使用", "rows_excluded": "按规则排除", "rows_merged": "重复合并", "rows_quarantined": "隔离",
        "to": " 至 ",
    },
    "en": {
        "title": "Keqiao cross-border e-commerce awards — summary", "rank": "Rank", "firm_id": "Credit code",
        "firm_name": "Firm", "total": "Total (RMB)", "district": "District (RMB)", "city": "City (RMB)",
        "sum_row": "Total", "item": "Item", "item_title": "Item name", "ref": "Ref", "measure": "Measure",
        "unit": "Unit", "rule": "Rule applied", "gross": "Gross (RMB)", "cap": "Cap (RMB)",
        "capped": "After cap (RMB)", "award": "Award (RMB)", "funding": "Funding", "status": "Status",
        "reason": "Reason codes", "reason_text": "Reason", "gap": "Distance to threshold", "condition": "Condition",
        "current": "Current", "next": "Next threshold", "distance": "Distance", "share": "Distance / threshold",
        "table": "Table", "file": "File", "row": "Row", "column": "Column", "severity": "Severity", "code": "Code",
        "message": "Message", "kind": "Kind", "key": "Key", "value": "Value", "param": "parameter",
        "file_key": "Key in the policy file",
        "text": "text", "name": "name", "clause_title": "clause title", "policy": "policy", "general": "general",
        "sources": "Sources", "text_zh": "clause text (zh)", "text_en": "clause text (en)",
        "minus_eligibility": "Eligibility deduction (RMB)", "minus_one_time": "One-time deduction (RMB)",
        "minus_highest_only": "Highest-only deduction (RMB)", "minus_adjustment": "Adjustment deduction (RMB)",
        "subtitle": "Policy {policy} ({doc})   period {start} to {end}   {firms} firms   total RMB {total} "
                    "(district {district}, city {city})",
        "note": "Ranked by total, highest first; firms with equal totals are ordered by credit code and get "
                "consecutive ranks (no shared ranks); firms with no award come last and are ranked too.",
        "chart_note": "Chart of totals by item: right of the table; printed on the sheet 'Chart' (a page of its own).",
        "chart": "Awards by item (RMB)", "no_rows": "(none)",
        "m_tool": "Tool", "m_version": "Version", "m_policy": "Policy id", "m_sha": "Policy file SHA-256",
        "m_source": "Policy source", "m_mode": "Highest-only mode", "m_period": "Period",
        "m_run_time": "Run time (with its UTC offset)", "m_inputs": "Inputs", "m_lines": "Lines", "m_firms": "Firms",
        "m_errors": "Errors", "m_warnings": "Warnings", "m_total": "Total (RMB)", "m_files": "Input files",
        "sha": "SHA-256", "rows_read": "Rows read", "rows_used": "Used", "rows_excluded": "Excluded by rule",
        "rows_merged": "Merged", "rows_quarantined": "Quarantined", "to": " to ",
    },
}


# --- the console summary and progress (kqcalc/report/console.py) -----------------------------------------------------

CONSOLE = {
    "zh": {
        "reading": "读取输入", "cleaning": "清洗与校验", "items": "逐条计算", "rules": "适用通用规则",
        "writing": "写出结果与报表", "top": "奖励最多的企业（前 {n} 名，共 {firms} 家）", "rank": "排名",
        "firm_id": "统一社会信用代码", "firm_name": "企业名称", "total": "奖励合计（元）", "by_item": "按项目合计",
        "item": "项目", "name": "名称", "paid": "获奖行数", "amount": "金额（元）", "funding": "资金来源",
        "all": "合计", "issues": "数据问题：{errors} 个错误，{warnings} 个警告（见 issues.csv）",
        "written": "结果已写入 {folder}/（report.xlsx、awards.csv、summary.csv、issues.csv、manifest.json）",
        "run": "本次运行：{run}", "no_xlsx": "（--formats csv：未写 report.xlsx）",
        "lines": "共 {lines} 行，{firms} 家企业", "elapsed": "用时 {seconds:.1f} 秒",
    },
    "en": {
        "reading": "reading inputs", "cleaning": "cleaning and checking", "items": "computing clauses",
        "rules": "applying the general rules", "writing": "writing results and report",
        "top": "Top firms ({n} of {firms})", "rank": "Rank", "firm_id": "Credit code", "firm_name": "Firm",
        "total": "Total (RMB)", "by_item": "Totals by item", "item": "Item", "name": "Name", "paid": "Lines paid",
        "amount": "Amount (RMB)", "funding": "Funding", "all": "Total",
        "issues": "Issues: {errors} error(s), {warnings} warning(s) (see issues.csv)",
        "written": "Written to {folder}/ (report.xlsx, awards.csv, summary.csv, issues.csv, manifest.json)",
        "run": "This run: {run}", "no_xlsx": "(--formats csv: no report.xlsx)",
        "lines": "{lines} lines, {firms} firms", "elapsed": "{seconds:.1f} s",
    },
}


# --- issue lines of the run log (kqcalc/report/log.py) ---------------------------------------------------------------

LOG = {
    "zh": {
        "more": "… 另有 {n} 条 {code}；全部见 issues.csv",
        "more_unwritten": "… 另有 {n} 条 {code}（未写出 issues.csv；kqcalc compute 会全部列出）",
        "warnings": "警告 {n} 条：{counts}",
    },
    "en": {
        "more": "… and {n} more {code}; all in issues.csv",
        "more_unwritten": "… and {n} more {code} (no issues.csv was written; kqcalc compute lists them all)",
        "warnings": "{n} warning(s): {counts}",
    },
}


# --- kqcalc policy show and report.xlsx's parameters (kqcalc/policy_show.py) -----------------------------------------

POLICY = {
    "zh": {
        "id": "政策编号", "document": "文号", "title": "名称", "window": "有效期", "mode": "从高不重复方式",
        "source": "来源", "sha256": "SHA-256", "params": "现行参数", "item": "项目", "key": "参数", "value": "值",
        "meaning": "参数", "file_key": "政策文件中的键",
        "texts": "条款原文", "name": "名称", "text": "条文", "general": "通用", "general_texts": "通用规则原文",
        "countries": "个国家", "to": " 至 ",
        "top_up": "top_up（补足差额：本政策金额减去其他层级奖励）",
        "exclusive": "exclusive（已获其他层级奖励即不再给予）",
    },
    "en": {
        "id": "Policy id", "document": "Document", "title": "Title", "window": "Valid", "mode": "Highest-only mode",
        "source": "Source", "sha256": "SHA-256", "params": "Parameters in force", "item": "item", "key": "key",
        "meaning": "parameter", "file_key": "key in the policy file",
        "value": "value", "texts": "Clause texts", "name": "name", "text": "text", "general": "general",
        "general_texts": "General rules", "countries": "countries", "to": " to ",
        "top_up": "top_up (pays own award minus other-level awards)",
        "exclusive": "exclusive (nothing when another level paid)",
    },
}

# What each key of an item or of [general] means (the unit of its value in brackets).
PARAMS = {
    "zh": {
        "funding": "资金来源", "unit": "计量单位", "amount_rmb": "奖励金额（元）", "cap_rmb": "上限（元）",
        "min_store_orders": "单店订单数门槛（笔）", "min_b2c_usd": "企业B2C交易额门槛（美元）",
        "mainstream_platforms": "主流B2B平台（名称及别名）", "tiers": "档位",
        "ambiguous_platforms": "含义不明的平台写法（不计为主流平台，给出警告）",
        "rmb_per_usd": "每美元奖励（元）", "rmb_per_kg": "每公斤补助（元）",
        "min_clients": "实际服务企业数门槛（家）", "min_clients_b2c_usd": "服务企业B2C年交易额合计门槛（美元）",
        "min_clients_b2b_usd": "服务企业B2B年交易额合计门槛（美元）", "fee_share": "服务费补助比例",
        "min_days": "每期培训天数下限（天）", "min_class_hours": "每期培训课时下限（课时）",
        "class_hours_per_day": "每天折合课时", "min_trainees": "每班人数下限（人）",
        "rmb_per_trainee_day": "扶持标准（元/人·天）", "min_platform_usd": "平台年交易额门槛（美元）",
        "min_client_usd": "新增企业年交易额门槛（美元）", "rmb_per_client": "每家新增企业奖励（元）",
        "min_area_m2": "营业面积下限（平方米）", "rmb_per_m2_year": "补助标准（元/平方米·年）",
        "min_active_firms": "活跃企业数门槛（家）", "min_online_rmb": "网上交易总额门槛（元）",
        "cost_share": "建设成本补助比例", "min_operating_years": "运营年限下限（年）",
        "countries": "“一带一路”国家", "other_countries": "可识别的其他国家或地区（不在名单内）",
        "min_enrollment": "年招生人数下限（人）", "min_students": "在校学生数下限（人）",
        "registry_exempt_items": "不作企业资格检查的项目（仍须在企业名录中）",
        "in_zone_only_items": "只需园区注册的项目", "logistics_only_items": "只奖励物流企业的项目",
        "one_time_items": "一次性奖励项目", "top_up_one_time_items": "升档补足差额的一次性项目",
        "highest_only_exempt_items": "不适用从高不重复的项目", "negative_categories": "负面记录类别",
    },
    "en": {
        "funding": "funding", "unit": "unit of the measure", "amount_rmb": "award (RMB)", "cap_rmb": "cap (RMB)",
        "min_store_orders": "orders of one store, at least", "min_b2c_usd": "firm's B2C amount, at least (USD)",
        "mainstream_platforms": "mainstream B2B platform (name, aliases)", "tiers": "tier",
        "ambiguous_platforms": "ambiguous platform spellings (never mainstream; warned about)",
        "rmb_per_usd": "RMB per USD", "rmb_per_kg": "RMB per kg", "min_clients": "clients, at least",
        "min_clients_b2c_usd": "clients' summed B2C, at least (USD)",
        "min_clients_b2b_usd": "clients' summed B2B, at least (USD)", "fee_share": "share of service fees",
        "min_days": "days a session, at least", "min_class_hours": "class hours a session, at least",
        "class_hours_per_day": "class hours a day", "min_trainees": "trainees a class, at least",
        "rmb_per_trainee_day": "RMB per trainee-day", "min_platform_usd": "platform's annual amount, at least (USD)",
        "min_client_usd": "new client's annual amount, at least (USD)", "rmb_per_client": "RMB per new client",
        "min_area_m2": "store area, at least (m²)", "rmb_per_m2_year": "RMB per m² and year",
        "min_active_firms": "active firms, at least", "min_online_rmb": "online total, at least (RMB)",
        "cost_share": "share of the costs", "min_operating_years": "years operating, at least",
        "countries": "Belt-and-Road countries", "other_countries": "other countries recognised (not on the list)",
        "min_enrollment": "enrolment a year, at least", "min_students": "students, at least",
        "registry_exempt_items": "items without the registry test (still in firms)",
        "in_zone_only_items": "items needing only zone registration",
        "logistics_only_items": "items for logistics firms only", "one_time_items": "one-time items",
        "top_up_one_time_items": "one-time items topped up by tier",
        "highest_only_exempt_items": "items exempt from highest-only",
        "negative_categories": "negative-record categories",
    },
}


# --- the blank input workbook (kqcalc/template.py) -------------------------------------------------------------------

TEMPLATE_INSTRUCTIONS = {"zh": "填表说明", "en": "Instructions"}  # the guide sheet

TEMPLATE = {
    "zh": {
        "title": "kqcalc 输入模板：填表说明",
        "intro": [
            "本工作簿由 kqcalc template 生成。每个工作表是一张数据表，第 1 行是表头，请从第 2 行起每行填写一条记录。",
            "请勿修改表头、勿在表头上方加标题、勿在表格下方加“合计”行；不需要的表留空即可（也可删除该工作表）。",
            "只有“企业名录”是必填表；橙色表头为必填列，蓝色表头为选填列。把鼠标停在表头上可看到该列的说明。",
            "下表的“示例”一列只是填写示例，不会被计算；请勿把示例抄到数据表中。本说明页不会被读取"
            "（计算时会提示一次“unknown_sheet”，可忽略）。",
            "填好后运行：kqcalc compute 本文件.xlsx --out 输出文件夹",
        ],
        "columns": ["工作表", "列名（表头）", "英文列名", "必填", "填写格式 / 可选值", "说明", "示例（仅供参考）"],
        "required": "必填", "optional": "选填", "default": "空白时为 {value}",
    },
    "en": {
        "title": "kqcalc input template: instructions",
        "intro": [
            "Written by kqcalc template. Each sheet is one table: row 1 is the header; fill one record a row from "
            "row 2.",
            "Do not change the headers, add titles above them or total rows below; leave the tables you do not need "
            "empty (or delete their sheets).",
            "Only 'firms' is required. Orange headers are required columns, blue ones optional; hover over a header "
            "to see what the column holds.",
            "The 'Example' column below only shows how to fill a cell; examples are never computed — do not copy "
            "them into the tables. This sheet is not read (compute warns once, 'unknown_sheet').",
            "When filled in, run: kqcalc compute THIS_FILE.xlsx --out OUTPUT_FOLDER",
        ],
        "columns": ["Sheet", "Header", "Contract name", "Required", "Format / values", "What it holds",
                    "Example (not data)"],
        "required": "required", "optional": "optional", "default": "blank means {value}",
    },
}
