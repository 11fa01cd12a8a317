"""`kqcalc policy show`: the policy in force, for people — every parameter and every clause text.

The report never decides: this module only prints what `kqcalc.policy` loaded and checked. Each parameter is
shown by its meaning in the language asked for (Chinese by default: `min_store_orders` → 单店订单数门槛（笔）,
`district` → 区级财政), its value as written in the policy file (plain numbers, no separators) and the key
the file spells it with, which is what `--policy FILE` edits and `whatif --set` addresses. A key with no label
here (a renewed policy may carry new ones) is shown as the key itself.
"""

from __future__ import annotations

from typing import Any

from kqcalc import words as L
from kqcalc.items import ITEMS
from kqcalc.policy.params import parameter_rows

_LABELS = L.POLICY


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
