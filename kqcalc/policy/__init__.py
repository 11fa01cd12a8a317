"""The policy in force: loading, checking and querying a policy TOML file.

`keqiao-2020` ships with the package; `--policy FILE` replaces it. Every
number the engine uses comes from here, never from a literal in code.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from kqcalc.errors import PolicyError
from kqcalc.items import ITEMS, PARAMS, TIERS
from kqcalc.policy.check import FUNDING, MODES, check_policy, check_policy_document

__all__ = ["DEFAULT_POLICY", "FUNDING", "MODES", "Policy", "PolicyError", "load_policy", "policy_source"]

DEFAULT_POLICY = "keqiao-2020"


def _types(code: str) -> dict[str, type]:
    """The types of the numbers the item's clause declares (PARAMS and TIERS of its module): counts are int."""
    return {**PARAMS.get(code, {}), **TIERS.get(code, {})}


def _decimal(value: Any, where: str, source: str) -> Decimal:
    # Floats are refused: 0.03 as a binary float is not 0.03, and money must be exact.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PolicyError("policy_not_a_number_string", file=source, key=where, value=repr(value))
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise PolicyError("policy_not_a_number", file=source, key=where, value=repr(value)) from None
    if not result.is_finite():
        raise PolicyError("policy_not_finite", file=source, key=where, value=repr(value))
    return result


def _convert(value: Any, where: str, key: str, source: str, types: dict[str, type]) -> Any:
    """Numbers become Decimal (or int for the keys declared as counts); lists and tables are converted recursively.
    A money, rate, share or threshold key the clause does not declare (a note, a key for later) is Decimal too."""
    if isinstance(value, dict):
        return {k: _convert(v, f"{where}.{k}", k, source, types) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v, f"{where}[{i}]", key, source, types) for i, v in enumerate(value)]
    if types.get(key) is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PolicyError("policy_not_whole", file=source, key=where, value=repr(value))
        return value
    if types.get(key) is Decimal or key.endswith(("_rmb", "_usd", "_m2")) \
            or key.startswith(("min_", "rmb_per", "cost_share", "fee_share")) or key in {"class_hours_per_day"}:
        return _decimal(value, where, source)
    return value


@dataclass(frozen=True)
class Policy:
    id: str
    sha256: str
    source: str
    valid_from: date
    valid_to: date
    highest_only_mode: str
    general: dict[str, Any]
    items: dict[str, dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    def param(self, item: str, key: str) -> Any:
        try:
            return self.items[item][key]
        except KeyError:
            raise PolicyError("policy_key_missing", key=f"items.{item}.{key}") from None

    def funding(self, item: str) -> str:
        return str(self.items[item]["funding"])

    def clause_text(self, item: str, lang: str = "zh") -> str:
        """The item's clause text in `lang` ("zh" or "en"); the Chinese text when there is no rendering."""
        entry = self.items[item]
        return str(entry.get(f"text_{lang}") or entry.get("text_zh", ""))

    def title(self, item: str, lang: str = "zh") -> str:
        """A short name of the item ("新开店铺（B2C）" / "New B2C store"); the item code when there is none."""
        entry = self.items[item]
        return str(entry.get(f"title_{lang}") or entry.get("title_zh") or item)

    def clause_title(self, item: str, lang: str = "zh") -> str:
        """The heading of the item's clause (三 → "支持跨境电商9610业务发展")."""
        entry = self.items[item]
        return str(entry.get(f"clause_title_{lang}") or entry.get("clause_title_zh", ""))

    def unit(self, item: str) -> str:
        """What the item's measure counts (awards.csv `unit`): USD, kg, person-days …"""
        return str(self.items[item]["unit"])

    @property
    def general_texts(self) -> dict[str, tuple[str, str]]:
        """The general rules' texts: key (case_by_case, highest_only, eligible_firm …) → (zh, en)."""
        return {t["key"]: (t["text_zh"], t.get("text_en") or t["text_zh"]) for t in self.general.get("texts", [])}

    def general_text(self, key: str, lang: str = "zh") -> str:
        zh, en = self.general_texts.get(key, ("", ""))
        return en if lang == "en" else zh

    def items_in(self, list_name: str) -> frozenset[str]:
        return frozenset(self.general.get(list_name, []))


def _locate(spec: str | None) -> tuple[str, bytes]:
    spec = spec or DEFAULT_POLICY
    builtin = resources.files("kqcalc.policy").joinpath(f"{spec}.toml")
    if "/" not in spec and not spec.endswith(".toml") and builtin.is_file():
        return f"{spec} (built in)", builtin.read_bytes()
    path = Path(spec)
    if not path.is_file():
        raise PolicyError("policy_not_found", spec=repr(spec), default=DEFAULT_POLICY)
    try:
        return str(path), path.read_bytes()
    except OSError as exc:
        raise PolicyError("policy_unreadable", file=path, detail=exc.strerror) from None


def policy_source(spec: str | None = None) -> tuple[str, bytes]:
    """(where it came from, the file's bytes) of a policy: a built-in id or a TOML file path (not checked)."""
    return _locate(spec)


def load_policy(spec: str | None = None) -> Policy:
    """Load and check a policy: a built-in id or a TOML file path. A bad file raises PolicyError naming the key."""
    source, data, doc = read_policy_document(spec)
    return policy_from_document(doc, source, hashlib.sha256(data).hexdigest())


def read_policy_document(spec: str | None = None) -> tuple[str, bytes, dict[str, Any]]:
    """(source, bytes, parsed TOML) of a built-in id or a TOML file path, before any check."""
    source, data = _locate(spec)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyError("policy_not_utf8", file=source, byte=f"0x{data[exc.start]:02x}", offset=exc.start) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        raise PolicyError("policy_not_toml", file=source, detail=message) from None
    return source, data, doc


def policy_from_document(doc: dict[str, Any], source: str, sha256: str) -> Policy:
    """The checked Policy of a parsed policy document (a file's, or one changed by `whatif --set`)."""
    check_policy_document(doc, source)
    head = doc["policy"]
    items = {code: _convert(doc["items"][code], f"items.{code}", "", source, _types(code)) for code in ITEMS}
    policy = Policy(
        id=str(head["id"]),
        sha256=sha256,
        source=source,
        valid_from=head["valid_from"],
        valid_to=head["valid_to"],
        highest_only_mode=head["highest_only_mode"],
        general=doc["general"],
        items=items,
        meta=head,
    )
    check_policy(policy)
    return policy
