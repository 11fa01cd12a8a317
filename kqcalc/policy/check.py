"""Checks on a policy file, so that a bad file stops the run before any number is used.

Two passes. `check_policy_document` runs on the parsed TOML: every table, list and key the
engine reads is present and of the right shape. `check_policy` runs on the loaded `Policy`
(numbers already exact `Decimal`/`int`): signs, tier order, the validity window, the mode.
Every failure is a `PolicyError` whose one-line message names the file and the dotted key,
and says what a good value looks like. Unknown keys are allowed (a renewed policy may carry
notes or new data the engine does not read yet).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kqcalc.items import CLAUSES, ITEMS, PARAMS, TIERS
from kqcalc.shape import fail as _fail
from kqcalc.shape import need as _need
from kqcalc.shape import need_date as _need_date
from kqcalc.shape import need_list as _need_list
from kqcalc.shape import need_table as _need_table
from kqcalc.shape import need_text as _need_text

MODES = ("top_up", "exclusive")
FUNDING = ("district", "city")

# The numbers each item's computation reads, besides tiers and lists: declared by its clause module (PARAMS).
REQUIRED_NUMBERS: dict[str, tuple[str, ...]] = {code: tuple(PARAMS.get(code, {})) for code in ITEMS}

# Tiered items: the keys of each tier, every one strictly rising from tier to tier (the clause's TIERS).
TIER_KEYS: dict[str, tuple[str, ...]] = {code: tuple(keys) for code, keys in TIERS.items()}

# Text every item carries: reports and `explain` cite the clause.
REQUIRED_TEXTS = ("clause", "text_zh", "unit")

# Lists of item codes in [general] the rules read (they may be empty, but must be there).
GENERAL_ITEM_LISTS = (
    "registry_exempt_items",
    "in_zone_only_items",
    "logistics_only_items",
    "one_time_items",
    "top_up_one_time_items",
    "highest_only_exempt_items",
)

def check_policy_document(doc: dict[str, Any], source: str) -> None:
    """Shape of the parsed TOML: every table, key and list the engine reads is present and well formed."""
    head = _need_table(doc, "policy", "[policy]", source)
    _need_text(head, "id", "policy.id", source)
    valid_from = _need_date(head, "valid_from", "policy.valid_from", source)
    valid_to = _need_date(head, "valid_to", "policy.valid_to", source)
    if valid_from > valid_to:
        raise _fail(source, "policy.valid_from", "dates_reversed", start=valid_from, end=valid_to)
    mode = _need(head, "highest_only_mode", "policy.highest_only_mode", source)
    if mode not in MODES:
        raise _fail(source, "policy.highest_only_mode", "choice", choices=", ".join(MODES), value=repr(mode))

    _check_general(_need_table(doc, "general", "[general]", source), source)

    items = _need_table(doc, "items", "[items]", source)
    for code in ITEMS:
        item = _need_table(items, code, f"items.{code}", source)
        for key in REQUIRED_TEXTS:
            _need_text(item, key, f"items.{code}.{key}", source)
        funding = _need(item, "funding", f"items.{code}.funding", source)
        if funding not in FUNDING:
            raise _fail(source, f"items.{code}.funding", "choice", choices=", ".join(FUNDING), value=repr(funding))
        for key in REQUIRED_NUMBERS[code]:
            _need(item, key, f"items.{code}.{key}", source)
        if code in TIER_KEYS:
            tiers = _need_list(item, "tiers", f"items.{code}.tiers", source, non_empty=True)
            for i, tier in enumerate(tiers):
                if not isinstance(tier, dict):
                    raise _fail(source, f"items.{code}.tiers[{i}]", "not_inline_table", value=repr(tier))
                for key in TIER_KEYS[code]:
                    _need(tier, key, f"items.{code}.tiers[{i}].{key}", source)
    for clause in CLAUSES:  # a clause's checks of its own items' data (platform names, country lists …)
        if hasattr(clause, "check_policy_items"):
            clause.check_policy_items(items, source)


def _check_general(general: dict[str, Any], source: str) -> None:
    for key in sorted(set(GENERAL_ITEM_LISTS) | {k for k in general if k.endswith("_items")}):
        codes = _need_list(general, key, f"general.{key}", source)
        seen: set[str] = set()
        for i, code in enumerate(codes):
            if code not in ITEMS:
                raise _fail(source, f"general.{key}[{i}]", "not_item", value=repr(code), items=", ".join(ITEMS))
            if code in seen:
                raise _fail(source, f"general.{key}[{i}]", "item_twice", item=code)
            seen.add(code)
    for i, category in enumerate(_need_list(general, "negative_categories", "general.negative_categories", source)):
        if not isinstance(category, str) or not category.strip():
            raise _fail(source, f"general.negative_categories[{i}]", "not_text", value=repr(category))
    texts = general.get("texts", [])
    if not isinstance(texts, list):
        raise _fail(source, "general.texts", "not_tables")
    keys: set[str] = set()
    for i, text in enumerate(texts):
        key = _need_text(text, "key", f"general.texts[{i}].key", source)
        _need_text(text, "text_zh", f"general.texts[{i}].text_zh", source)
        if key in keys:
            raise _fail(source, f"general.texts[{i}].key", "used_twice", value=repr(key))
        keys.add(key)


def _numbers(value: Any, path: str) -> list[tuple[str, str, Decimal | int]]:
    """Every number under `value`: (dotted path, key, number)."""
    found: list[tuple[str, str, Decimal | int]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, (dict, list)):
                found += _numbers(inner, f"{path}.{key}")
            elif isinstance(inner, (Decimal, int)) and not isinstance(inner, bool):
                found.append((f"{path}.{key}", key, inner))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _numbers(inner, f"{path}[{i}]")
    return found


def _must_be_positive(key: str) -> bool:
    """Caps, amounts, rates and the class-hours divisor: zero would silently pay nothing or divide by zero."""
    return key.startswith(("cap_", "amount_", "rmb_per_")) or key.endswith("_share") or key == "class_hours_per_day"


def check_policy(policy: Any) -> None:
    """Values of the loaded policy: signs, shares, tiers strictly ascending."""
    source = policy.source
    for code in ITEMS:
        for path, key, number in _numbers(policy.items[code], f"items.{code}"):
            if number < 0:
                raise _fail(source, path, "negative", value=number)
            if _must_be_positive(key) and number == 0:
                raise _fail(source, path, "not_positive")
            if key.endswith("_share") and number > 1:
                raise _fail(source, path, "share", value=number)
    for code, keys in TIER_KEYS.items():
        tiers = policy.items[code]["tiers"]
        for i in range(1, len(tiers)):
            for key in keys:
                low, high = tiers[i - 1][key], tiers[i][key]
                if not high > low:
                    raise _fail(source, f"items.{code}.tiers[{i}].{key}", "tiers_overlap", high=high, low=low,
                                below=f"tiers[{i - 1}].{key}")
