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


def _fail(source: str, key: str, problem: str) -> PolicyError:
    return PolicyError(f"policy file {source}: {key} {problem}")


def _need(table: Any, key: str, path: str, source: str) -> Any:
    """The value at `path` (dotted, `key` its last part); missing → PolicyError naming it."""
    if not isinstance(table, dict) or key not in table:
        raise _fail(source, path, "is missing")
    return table[key]


def _need_table(table: Any, key: str, path: str, source: str) -> dict[str, Any]:
    value = _need(table, key, path, source)
    if not isinstance(value, dict):
        raise _fail(source, path, f"must be a table ([{path}]), got {value!r}")
    return value


def _need_text(table: Any, key: str, path: str, source: str) -> str:
    value = _need(table, key, path, source)
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, path, f"must be a non-empty string, got {value!r}")
    return value


def _need_list(table: Any, key: str, path: str, source: str, *, non_empty: bool = False) -> list[Any]:
    value = _need(table, key, path, source)
    if not isinstance(value, list):
        raise _fail(source, path, f"must be a list, got {value!r}")
    if non_empty and not value:
        raise _fail(source, path, "must not be empty")
    return value


def _need_date(table: dict[str, Any], key: str, path: str, source: str) -> date:
    value = _need(table, key, path, source)
    # TOML datetimes are `date` subclasses: a validity bound is a plain day.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _fail(source, path, f"must be a date written YYYY-MM-DD (no quotes, no time), got {value!r}")
    return value


def check_policy_document(doc: dict[str, Any], source: str) -> None:
    """Shape of the parsed TOML: every table, key and list the engine reads is present and well formed."""
    head = _need_table(doc, "policy", "[policy]", source)
    _need_text(head, "id", "policy.id", source)
    valid_from = _need_date(head, "valid_from", "policy.valid_from", source)
    valid_to = _need_date(head, "valid_to", "policy.valid_to", source)
    if valid_from > valid_to:
        raise _fail(source, "policy.valid_from", f"({valid_from}) is after policy.valid_to ({valid_to})")
    mode = _need(head, "highest_only_mode", "policy.highest_only_mode", source)
    if mode not in MODES:
        raise _fail(source, "policy.highest_only_mode", f"must be one of {', '.join(MODES)}, got {mode!r}")

    _check_general(_need_table(doc, "general", "[general]", source), source)

    items = _need_table(doc, "items", "[items]", source)
    for code in ITEMS:
        item = _need_table(items, code, f"items.{code}", source)
        for key in REQUIRED_TEXTS:
            _need_text(item, key, f"items.{code}.{key}", source)
        funding = _need(item, "funding", f"items.{code}.funding", source)
        if funding not in FUNDING:
            raise _fail(source, f"items.{code}.funding", f"must be one of {', '.join(FUNDING)}, got {funding!r}")
        for key in REQUIRED_NUMBERS[code]:
            _need(item, key, f"items.{code}.{key}", source)
        if code in TIER_KEYS:
            tiers = _need_list(item, "tiers", f"items.{code}.tiers", source, non_empty=True)
            for i, tier in enumerate(tiers):
                if not isinstance(tier, dict):
                    raise _fail(source, f"items.{code}.tiers[{i}]", f"must be an inline table, got {tier!r}")
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
                raise _fail(source, f"general.{key}[{i}]", f"= {code!r} is not an item code ({', '.join(ITEMS)})")
            if code in seen:
                raise _fail(source, f"general.{key}[{i}]", f"lists item {code} twice")
            seen.add(code)
    for i, category in enumerate(_need_list(general, "negative_categories", "general.negative_categories", source)):
        if not isinstance(category, str) or not category.strip():
            raise _fail(source, f"general.negative_categories[{i}]", f"must be a non-empty string, got {category!r}")
    texts = general.get("texts", [])
    if not isinstance(texts, list):
        raise _fail(source, "general.texts", "must be a list of tables ([[general.texts]])")
    keys: set[str] = set()
    for i, text in enumerate(texts):
        key = _need_text(text, "key", f"general.texts[{i}].key", source)
        _need_text(text, "text_zh", f"general.texts[{i}].text_zh", source)
        if key in keys:
            raise _fail(source, f"general.texts[{i}].key", f"{key!r} is used twice")
        keys.add(key)


def _check_platforms(item: dict[str, Any], source: str) -> None:
    path = "items.1B.mainstream_platforms"
    owner: dict[str, str] = {}
    for i, platform in enumerate(_need_list(item, "mainstream_platforms", path, source, non_empty=True)):
        name = _need_text(platform, "name", f"{path}[{i}].name", source)
        aliases = platform.get("aliases", [])
        if not isinstance(aliases, list):
            raise _fail(source, f"{path}[{i}].aliases", f"must be a list of strings, got {aliases!r}")
        for j, spelling in enumerate(aliases):
            if not isinstance(spelling, str) or not spelling.strip():
                raise _fail(source, f"{path}[{i}].aliases[{j}]", f"must be a non-empty string, got {spelling!r}")
        for spelling in [name, *aliases]:
            other = owner.setdefault(norm_key(spelling), name)
            if other != name:
                raise _fail(source, f"{path}[{i}]", f"spelling {spelling!r} also names platform {other!r}")
    ambiguous = "items.1B.ambiguous_platforms"
    for j, spelling in enumerate(_need_list(item, "ambiguous_platforms", ambiguous, source)):
        if not isinstance(spelling, str) or not spelling.strip():
            raise _fail(source, f"{ambiguous}[{j}]", f"must be a non-empty string, got {spelling!r}")
        if norm_key(spelling) in owner:
            raise _fail(source, f"{ambiguous}[{j}]", f"{spelling!r} is also a spelling of platform "
                        f"{owner[norm_key(spelling)]!r} in {path}: a spelling either names one platform without "
                        "doubt or is ambiguous, not both")


def _check_countries(item: dict[str, Any], source: str) -> None:
    path = "items.9C.countries"
    seen: dict[str, int] = {}
    for i, country in enumerate(_need_list(item, "countries", path, source, non_empty=True)):
        code = _need(country, "code", f"{path}[{i}].code", source)
        if not isinstance(code, str) or not _COUNTRY_CODE.fullmatch(code):
            raise _fail(source, f"{path}[{i}].code", f"must be a two-letter ISO 3166 code such as \"KR\", got {code!r}")
        if code.upper() in seen:
            raise _fail(source, f"{path}[{i}].code", f"{code!r} is listed twice (also {path}[{seen[code.upper()]}])")
        seen[code.upper()] = i
        _need_text(country, "zh", f"{path}[{i}].zh", source)
        if not isinstance(country.get("en", ""), str):
            raise _fail(source, f"{path}[{i}].en", f"must be a string, got {country['en']!r}")


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
                raise _fail(source, path, f"= {number} must not be negative")
            if _must_be_positive(key) and number == 0:
                raise _fail(source, path, "must be positive (greater than 0)")
            if key.endswith("_share") and number > 1:
                raise _fail(source, path, f"= {number} is a share: write it between 0 and 1 (e.g. \"0.05\" for 5 %)")
    for code, keys in TIER_KEYS.items():
        tiers = policy.items[code]["tiers"]
        for i in range(1, len(tiers)):
            for key in keys:
                low, high = tiers[i - 1][key], tiers[i][key]
                if not high > low:
                    raise _fail(
                        source,
                        f"items.{code}.tiers[{i}].{key}",
                        f"= {high} is not above tiers[{i - 1}].{key} = {low}: list tiers lowest first, each "
                        f"threshold and amount strictly higher than the one before, so no two tiers overlap",
                    )
