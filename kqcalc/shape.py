"""Shape checks on a parsed policy document (TOML): each failure is a PolicyError naming the file and the dotted key.

Shared by the general policy checks (policy/check.py) and the clause modules' own checks of their items' data
(items/c01: the mainstream platforms, items/c09: the Belt-and-Road countries). A leaf module, so that a clause
module can use it without importing the policy package, which reads the clauses' declarations.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kqcalc.errors import PolicyError


def fail(source: str, key: str, problem: str, **args: object) -> PolicyError:
    """The policy file's `key` fails a check: `problem` names the message (messages.CODES["policy_invalid/…"])."""
    return PolicyError(f"policy_invalid/{problem}", file=source, key=key, **args)


def need(table: Any, key: str, path: str, source: str) -> Any:
    """The value at `path` (dotted, `key` its last part); missing → PolicyError naming it."""
    if not isinstance(table, dict) or key not in table:
        raise fail(source, path, "missing")
    return table[key]


def need_table(table: Any, key: str, path: str, source: str) -> dict[str, Any]:
    value = need(table, key, path, source)
    if not isinstance(value, dict):
        raise fail(source, path, "not_table", value=repr(value))
    return value


def need_text(table: Any, key: str, path: str, source: str) -> str:
    value = need(table, key, path, source)
    if not isinstance(value, str) or not value.strip():
        raise fail(source, path, "not_text", value=repr(value))
    return value


def need_list(table: Any, key: str, path: str, source: str, *, non_empty: bool = False) -> list[Any]:
    value = need(table, key, path, source)
    if not isinstance(value, list):
        raise fail(source, path, "not_list", value=repr(value))
    if non_empty and not value:
        raise fail(source, path, "empty")
    return value


def need_date(table: dict[str, Any], key: str, path: str, source: str) -> date:
    value = need(table, key, path, source)
    # TOML datetimes are `date` subclasses: a validity bound is a plain day.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise fail(source, path, "not_date", value=repr(value))
    return value
