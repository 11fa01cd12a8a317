"""`kqcalc policy show`: the policy in force, for people — every parameter and every clause text.

The report never decides: this module only prints what `kqcalc.policy` loaded and checked. Each parameter is
shown by its meaning in the language asked for (Chinese by default: `min_store_orders` → 单店订单数门槛（笔）,
`district` → 区级财政), its value as written in the policy file (plain numbers, no separators) and the key
the file spells it with, which is what `--policy FILE` edits and `whatif --set` addresses. A key with no label
here (a renewed policy may carry new ones) is shown as the key itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc import words as L
from kqcalc.items import ITEMS

# Keys shown in the clause-text table rather than as parameters.
_TEXT_KEYS = ("clause", "title_zh", "title_en", "clause_title_zh", "clause_title_en", "text_zh", "text_en")

_LABELS = {
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
PARAM_LABELS = {
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


def param_label(key: str, lang: str) -> str:
    """'min_store_orders' → '单店订单数门槛（笔）'; 'tiers[1]' → '档位 2'; an unknown key → itself."""
    base, _, index = key.partition("[")
    label = PARAM_LABELS[lang].get(base)
    if label is None:
        return key
    if index and base == "tiers":
        return f"{label} {int(index.rstrip(']')) + 1}"
    return label


def _value(key: str, value: Any, lang: str) -> str:
    """A value as written in the policy file, its codes in words: funding, unit, a tier's keys."""
    if key == "funding":
        return L.funding(str(value), lang)
    if key == "unit":
        return L.unit(str(value), lang)
    if isinstance(value, dict):
        sep = "；" if lang == "zh" else "; "
        return sep.join(f"{param_label(k, lang)} = {_plain(v)}" for k, v in value.items())
    return _plain(value)


def _plain(value: Any) -> str:
    """Numbers as written in a policy file: plain decimals, no exponent, no separators."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k} = {_plain(v)}" for k, v in value.items())
    return str(value)


def _parameter_rows(policy: Any, lang: str) -> list[tuple[str, str, str]]:
    """(item or 通用/general, key as in the file, value in words) for every parameter."""
    return [(code, key, value) for code, key, _, value in parameter_rows(policy, lang)]


def parameter_rows(policy: Any, lang: str) -> list[tuple[str, str, str, str]]:
    """(item or 通用/general, key as in the file, its meaning, value in words) for every parameter."""
    labels = _LABELS[lang]
    rows: list[tuple[str, str, str, str]] = []
    for code in ITEMS:
        for key, value in policy.items[code].items():
            if key in _TEXT_KEYS:
                continue
            if key in ("countries", "other_countries"):
                names = ", ".join(f"{c['code'].upper()} {c.get(lang) or c.get('zh', '')}" for c in value)
                rows.append((code, key, param_label(key, lang), f"{len(value)} {labels['countries']}: {names}"))
            elif key == "mainstream_platforms":
                for i, platform in enumerate(value):
                    aliases = ", ".join(platform.get("aliases", []))
                    shown = f"{platform['name']} ({aliases})" if aliases else platform["name"]
                    rows.append((code, f"{key}[{i}]", param_label(key, lang), shown))
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                rows += [(code, f"{key}[{i}]", param_label(f"{key}[{i}]", lang), _value(key, entry, lang))
                         for i, entry in enumerate(value)]
            else:
                rows.append((code, key, param_label(key, lang), _value(key, value, lang)))
    for key, value in policy.general.items():
        if key != "texts":
            rows.append((labels["general"], key, param_label(key, lang), _value(key, value, lang)))
    return rows


def _clause_heading(policy: Any, code: str, lang: str) -> str:
    clause = str(policy.items[code].get("clause", ""))
    heading = policy.clause_title(code, lang)
    if lang == "en":
        number = L.CLAUSE_NUMBERS.get(clause, clause)
        return f"{number}. {heading}. " if heading else f"{number}. "
    return f"{clause}、{heading}。" if heading else f"{clause}、"


def render_policy(policy: Any, console: Any, lang: str = "zh") -> None:
    """Print the policy in force on a Rich console: its identity, every parameter, every clause text."""
    from rich.table import Table
    from rich.text import Text

    lang = "en" if lang == "en" else "zh"
    labels = _LABELS[lang]
    meta = policy.meta

    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column(overflow="fold")
    title = meta.get(f"title_{lang}") or meta.get("title_zh", "")
    for label, value in (
        (labels["id"], policy.id),
        (labels["document"], meta.get("document", "")),
        (labels["title"], title),
        (labels["window"], f"{policy.valid_from.isoformat()}{labels['to']}{policy.valid_to.isoformat()}"),
        (labels["mode"], labels.get(policy.highest_only_mode, policy.highest_only_mode)),
        (labels["source"], policy.source),
        (labels["sha256"], policy.sha256),
    ):
        if value:
            head.add_row(Text(label), Text(str(value)))
    console.print(head)

    params = Table(title=labels["params"], title_justify="left", show_lines=False)
    params.add_column(labels["item"], no_wrap=True)
    params.add_column(labels["meaning"], overflow="fold", max_width=36)
    params.add_column(labels["value"], overflow="fold")
    params.add_column(labels["file_key"], no_wrap=True, style="dim")
    for code, key, meaning, value in parameter_rows(policy, lang):
        params.add_row(Text(code), Text(meaning), Text(value), Text(key))
    console.print(params)

    texts = Table(title=labels["texts"], title_justify="left", show_lines=True)
    texts.add_column(labels["item"], no_wrap=True)
    texts.add_column(labels["name"], overflow="fold", max_width=40)
    texts.add_column(labels["text"], overflow="fold")
    for code in ITEMS:
        text = _clause_heading(policy, code, lang) + policy.clause_text(code, lang)
        texts.add_row(Text(code), Text(policy.title(code, lang)), Text(text))
    console.print(texts)

    if policy.general_texts:
        general = Table(title=labels["general_texts"], title_justify="left", show_lines=True)
        general.add_column(labels["key"], no_wrap=True)
        general.add_column(labels["text"], overflow="fold")
        for key in policy.general_texts:
            general.add_row(Text(key), Text(policy.general_text(key, lang)))
        console.print(general)
