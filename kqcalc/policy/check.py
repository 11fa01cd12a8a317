"""Checks on a policy file: every key present, tiers ascending, caps positive."""

from __future__ import annotations

from datetime import date
from typing import Any

from kqcalc.errors import PolicyError
from kqcalc.tables import ITEMS


def _need(table: dict[str, Any], key: str, where: str) -> Any:
    if not isinstance(table, dict) or key not in table:
        raise PolicyError(f"policy file {where}: missing key {key}")
    return table[key]


def check_policy_document(doc: dict[str, Any], source: str) -> None:
    head = _need(doc, "policy", source)
    for key in ("id", "valid_from", "valid_to", "highest_only_mode"):
        _need(head, key, f"{source}: [policy]")
    if not isinstance(head["valid_from"], date) or not isinstance(head["valid_to"], date):
        raise PolicyError(f"policy file {source}: policy.valid_from and policy.valid_to must be dates (YYYY-MM-DD)")
    _need(doc, "general", source)
    items = _need(doc, "items", source)
    for code in ITEMS:
        _need(items, code, f"{source}: [items]")
        for key in ("clause", "funding"):
            _need(items[code], key, f"{source}: items.{code}")


def check_policy(policy: Any) -> None:
    from kqcalc.policy import FUNDING, MODES

    where = policy.source
    if policy.valid_from > policy.valid_to:
        raise PolicyError(f"policy file {where}: policy.valid_from is after policy.valid_to")
    if policy.highest_only_mode not in MODES:
        raise PolicyError(f"policy file {where}: policy.highest_only_mode must be one of {', '.join(MODES)}")
    for code in ITEMS:
        if policy.funding(code) not in FUNDING:
            raise PolicyError(f"policy file {where}: items.{code}.funding must be one of {', '.join(FUNDING)}")
        for key, value in policy.items[code].items():
            if key.startswith("cap_") and not value > 0:
                raise PolicyError(f"policy file {where}: items.{code}.{key} must be positive")
