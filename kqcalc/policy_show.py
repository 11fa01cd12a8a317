"""`kqcalc policy show`: the policy in force, for people — every parameter and every clause text.

The report never decides: this module only prints what `kqcalc.policy` loaded and checked.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc.tables import ITEMS

_CLAUSE_NUMBER = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

# Keys shown in the clause-text table rather than as parameters.
_TEXT_KEYS = ("clause", "title_zh", "title_en", "clause_title_zh", "clause_title_en", "text_zh", "text_en")

_LABELS = {
    "zh": {
        "id": "政策编号", "document": "文号", "title": "名称", "window": "有效期", "mode": "从高不重复方式",
        "source": "来源", "sha256": "SHA-256", "params": "现行参数", "item": "项目", "key": "参数", "value": "值",
        "texts": "条款原文", "name": "名称", "text": "条文", "general": "通用", "general_texts": "通用规则原文",
        "countries": "个国家", "to": " 至 ",
        "top_up": "top_up（补足差额：本政策金额减去其他层级奖励）",
        "exclusive": "exclusive（已获其他层级奖励即不再给予）",
    },
    "en": {
        "id": "Policy id", "document": "Document", "title": "Title", "window": "Valid", "mode": "Highest-only mode",
        "source": "Source", "sha256": "SHA-256", "params": "Parameters in force", "item": "item", "key": "key",
        "value": "value", "texts": "Clause texts", "name": "name", "text": "text", "general": "general",
        "general_texts": "General rules", "countries": "countries", "to": " to ",
        "top_up": "top_up (pays own award minus other-level awards)",
        "exclusive": "exclusive (nothing when another level paid)",
    },
}


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
    labels = _LABELS[lang]
    rows: list[tuple[str, str, str]] = []
    for code in ITEMS:
        for key, value in policy.items[code].items():
            if key in _TEXT_KEYS:
                continue
            if key == "countries":
                names = ", ".join(f"{c['code'].upper()} {c.get(lang) or c.get('zh', '')}" for c in value)
                rows.append((code, key, f"{len(value)} {labels['countries']}: {names}"))
            elif key == "mainstream_platforms":
                for i, platform in enumerate(value):
                    aliases = ", ".join(platform.get("aliases", []))
                    shown = f"{platform['name']} ({aliases})" if aliases else platform["name"]
                    rows.append((code, f"{key}[{i}]", shown))
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                rows += [(code, f"{key}[{i}]", _plain(entry)) for i, entry in enumerate(value)]
            else:
                rows.append((code, key, _plain(value)))
    for key, value in policy.general.items():
        if key != "texts":
            rows.append((labels["general"], key, _plain(value)))
    return rows


def _clause_heading(policy: Any, code: str, lang: str) -> str:
    clause = str(policy.items[code].get("clause", ""))
    heading = policy.clause_title(code, lang)
    if lang == "en":
        number = _CLAUSE_NUMBER.get(clause, clause)
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
    params.add_column(labels["key"], no_wrap=True)
    params.add_column(labels["value"], overflow="fold")
    for code, key, value in _parameter_rows(policy, lang):
        params.add_row(Text(code), Text(key), Text(value))
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
