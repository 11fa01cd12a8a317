"""Checks on a policy file, so that a bad file stops the run before any number is used.

Two passes. `check_policy_document` runs on the parsed TOML: every table, list and key the
engine reads is present and of the right shape. `check_policy` runs on the loaded `Policy`
(numbers already exact `Decimal`/`int`): signs, tier order, the validity window, the mode.
Every failure is a `PolicyError` whose one-line message names the file and the dotted key,
and says what a good value looks like. Unknown keys are allowed (a renewed policy may carry
notes or new data the engine does not read yet).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kqcalc.errors import PolicyError
from kqcalc.tables import ITEMS
from kqcalc.text import norm_key

MODES = ("top_up", "exclusive")
FUNDING = ("district", "city")

# The numbers each item's computation reads (SPEC §2), besides tiers and lists below.
REQUIRED_NUMBERS: dict[str, tuple[str, ...]] = {
    "1A": ("min_store_orders", "min_b2c_usd", "amount_rmb"),
    "1B": ("amount_rmb",),
    "2": (),
    "3A": ("rmb_per_usd", "cap_rmb"),
    "3B": ("rmb_per_kg", "cap_rmb"),
    "4": ("min_clients", "min_clients_b2c_usd", "min_clients_b2b_usd", "fee_share", "cap_rmb"),
    "5": ("min_days", "min_class_hours", "class_hours_per_day", "min_trainees", "rmb_per_trainee_day", "cap_rmb"),
    "6": ("min_platform_usd", "min_client_usd", "rmb_per_client", "cap_rmb"),
    "7": ("min_area_m2", "rmb_per_m2_year", "cap_rmb"),
    "8": (),
    "9A": ("amount_rmb",),
    "9B": ("cost_share", "cap_rmb", "min_operating_years"),
    "9C": ("amount_rmb",),
    "10A": ("min_enrollment", "amount_rmb"),
    "10B": ("min_students", "amount_rmb"),
}

# Tiered items: the keys of each tier, every one strictly rising from tier to tier.
TIER_KEYS: dict[str, tuple[str, ...]] = {
    "2": ("min_b2c_usd", "amount_rmb"),
    "8": ("min_active_firms", "min_online_rmb", "amount_rmb"),
}

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

_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")


def _fail(source: str, key: str, problem: str, **args: object) -> PolicyError:
    """The policy file's `key` fails a check: `problem` names the message (messages.CODES["policy_invalid/…"])."""
    return PolicyError(f"policy_invalid/{problem}", file=source, key=key, **args)


def _need(table: Any, key: str, path: str, source: str) -> Any:
    """The value at `path` (dotted, `key` its last part); missing → PolicyError naming it."""
    if not isinstance(table, dict) or key not in table:
        raise _fail(source, path, "missing")
    return table[key]


def _need_table(table: Any, key: str, path: str, source: str) -> dict[str, Any]:
    value = _need(table, key, path, source)
    if not isinstance(value, dict):
        raise _fail(source, path, "not_table", value=repr(value))
    return value


def _need_text(table: Any, key: str, path: str, source: str) -> str:
    value = _need(table, key, path, source)
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, path, "not_text", value=repr(value))
    return value


def _need_list(table: Any, key: str, path: str, source: str, *, non_empty: bool = False) -> list[Any]:
    value = _need(table, key, path, source)
    if not isinstance(value, list):
        raise _fail(source, path, "not_list", value=repr(value))
    if non_empty and not value:
        raise _fail(source, path, "empty")
    return value


def _need_date(table: dict[str, Any], key: str, path: str, source: str) -> date:
    value = _need(table, key, path, source)
    # TOML datetimes are `date` subclasses: a validity bound is a plain day.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _fail(source, path, "not_date", value=repr(value))
    return value


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
    _check_platforms(items["1B"], source)
    _check_countries(items["9C"], source)


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


def _check_platforms(item: dict[str, Any], source: str) -> None:
    path = "items.1B.mainstream_platforms"
    owner: dict[str, str] = {}
    for i, platform in enumerate(_need_list(item, "mainstream_platforms", path, source, non_empty=True)):
        name = _need_text(platform, "name", f"{path}[{i}].name", source)
        aliases = platform.get("aliases", [])
        if not isinstance(aliases, list):
            raise _fail(source, f"{path}[{i}].aliases", "not_strings", value=repr(aliases))
        for j, spelling in enumerate(aliases):
            if not isinstance(spelling, str) or not spelling.strip():
                raise _fail(source, f"{path}[{i}].aliases[{j}]", "not_text", value=repr(spelling))
        for spelling in [name, *aliases]:
            other = owner.setdefault(norm_key(spelling), name)
            if other != name:
                raise _fail(source, f"{path}[{i}]", "spelling_twice", spelling=repr(spelling), other=repr(other))
    ambiguous = "items.1B.ambiguous_platforms"
    for j, spelling in enumerate(_need_list(item, "ambiguous_platforms", ambiguous, source)):
        if not isinstance(spelling, str) or not spelling.strip():
            raise _fail(source, f"{ambiguous}[{j}]", "not_text", value=repr(spelling))
        if norm_key(spelling) in owner:
            raise _fail(source, f"{ambiguous}[{j}]", "ambiguous_and_platform", spelling=repr(spelling),
                        platform=repr(owner[norm_key(spelling)]), platforms=path)


def _check_countries(item: dict[str, Any], source: str) -> None:
    path = "items.9C.countries"
    seen: dict[str, int] = {}
    for i, country in enumerate(_need_list(item, "countries", path, source, non_empty=True)):
        code = _need(country, "code", f"{path}[{i}].code", source)
        if not isinstance(code, str) or not _COUNTRY_CODE.fullmatch(code):
            raise _fail(source, f"{path}[{i}].code", "not_country_code", value=repr(code))
        if code.upper() in seen:
            raise _fail(source, f"{path}[{i}].code", "listed_twice", value=repr(code),
                        other=f"{path}[{seen[code.upper()]}]")
        seen[code.upper()] = i
        _need_text(country, "zh", f"{path}[{i}].zh", source)
        if not isinstance(country.get("en", ""), str):
            raise _fail(source, f"{path}[{i}].en", "not_string", value=repr(country["en"]))


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
