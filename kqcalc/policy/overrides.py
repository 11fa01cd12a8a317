"""`kqcalc whatif --set KEY=VALUE`: a reform written as changes to a policy file's keys.

KEY addresses the policy file's keys with dots, list entries by their index from 0 (`items.3A.rmb_per_usd`,
`items.2.tiers.0.amount_rmb`; `tiers[0]` is accepted too, as the policy checks write it). VALUE is a TOML value:
a number, a quoted string, a date, a list or an inline table (`items.2.tiers.4={min_b2c_usd="50000000",
amount_rmb=250000}`); a value that is not TOML (`exclusive`) is taken as the text it is. Numbers stay exact:
a decimal is kept as its digits (`0.02` is the string "0.02", as the policy file writes it) and the loader makes
it a Decimal.

The key must exist in the base policy (a typo is an error, not a new key the engine never reads), except one
entry past the end of a list, which appends. The changed document then goes through exactly the checks and
conversions of a policy file (`kqcalc.policy.policy_from_document`), so a bad value stops the run (exit 1) with
the message a bad file would give, naming the key. A malformed KEY=VALUE is a usage error (exit 2).
"""

from __future__ import annotations

import copy
import hashlib
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from kqcalc.errors import PolicyError, UsageError
from kqcalc.policy import Policy, policy_from_document, read_policy_document

_PART = re.compile(r"[^.\[\]\s=]+")
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Override:
    text: str  # KEY=VALUE as given
    path: tuple[str, ...]
    value: Any


def parse_override(text: str) -> Override:
    """KEY=VALUE → the key's parts and the value (TOML, else the text itself). Malformed → UsageError."""
    key, eq, raw = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise UsageError("set_malformed", text=repr(text))
    parts = tuple(_INDEX.sub(r".\1", key).split("."))
    if not all(_PART.fullmatch(part) for part in parts):
        raise UsageError("set_bad_key", text=repr(text), key=repr(key))
    return Override(text, parts, _value(raw.strip()))


def _value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}", parse_float=str)["v"]
    except tomllib.TOMLDecodeError:
        return raw  # bare text (policy.highest_only_mode=exclusive); the policy checks judge it


def _kind(value: Any) -> str:
    return "a table" if isinstance(value, dict) else "a list" if isinstance(value, list) else "a single value"


def _same_shape(old: Any, override: Override, where: str, source: str) -> Any:
    """A table stays a table, a list a list, a single value a single value (the checks judge the value itself)."""
    if _kind(old) != _kind(override.value):
        raise PolicyError("set_kind", file=source, text=override.text, key=where, kind=_kind(old),
                          value=repr(override.value))
    return override.value


def _apply(doc: dict[str, Any], override: Override, source: str) -> None:
    node: Any = doc
    for depth, part in enumerate(override.path):
        last = depth == len(override.path) - 1
        where = ".".join(override.path[: depth + 1])
        if isinstance(node, dict):
            if part not in node:
                known = ", ".join(sorted(k for k in node if isinstance(k, str))[:20])
                raise PolicyError("set_unknown_key", file=source, text=override.text, key=where, keys=known or "—")
            if last:
                node[part] = _same_shape(node[part], override, where, source)
            else:
                node = node[part]
        elif isinstance(node, list):
            if not part.isdigit():
                raise PolicyError("set_not_index", file=source, text=override.text, key=where,
                                  parent=".".join(override.path[:depth]))
            index = int(part)
            if index > len(node) or (index == len(node) and not last):
                raise PolicyError("set_index_range", file=source, text=override.text, key=where, n=len(node),
                                  last=len(node) - 1)
            if last:
                if index == len(node):
                    node.append(override.value)
                else:
                    node[index] = _same_shape(node[index], override, where, source)
            else:
                node = node[index]
        else:
            raise PolicyError("set_not_container", file=source, text=override.text, key=where,
                              parent=".".join(override.path[:depth]))


def policy_with_overrides(base_spec: str | None, texts: list[str]) -> Policy:
    """The base policy with every KEY=VALUE applied in order, checked as a policy file."""
    overrides = [parse_override(t) for t in texts]
    base_source, data, doc = read_policy_document(base_spec)
    changed = copy.deepcopy(doc)
    source = f"{base_source} with --set " + " --set ".join(o.text for o in overrides)
    for override in overrides:
        _apply(changed, override, f"policy {base_source}")
    digest = hashlib.sha256(data + "".join(f"\n--set {o.text}" for o in overrides).encode("utf-8")).hexdigest()
    return policy_from_document(changed, source, digest)


__all__ = ["Override", "parse_override", "policy_with_overrides"]
