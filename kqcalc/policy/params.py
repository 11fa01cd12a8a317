"""Every parameter of a policy in words: (item or 通用/general, key as in the file, its meaning, value in words).

Read by `kqcalc policy show` (kqcalc/policy_show.py) and by report.xlsx's parameters sheet, which both sit above
the policy; it only lays out what `kqcalc.policy` loaded and checked. A key with no label (a renewed policy may
carry new ones) is shown as the key itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc import words as L
from kqcalc.items import ITEMS

# Keys shown in the clause-text table rather than as parameters.
_TEXT_KEYS = ("clause", "title_zh", "title_en", "clause_title_zh", "clause_title_en", "text_zh", "text_en")

_LABELS = L.POLICY


PARAM_LABELS = L.PARAMS


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
        sep = L.PUNCT[lang]["sep"]
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
