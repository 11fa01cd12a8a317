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
from kqcalc.tables import ITEMS
from kqcalc.text import norm_key

DEFAULT_POLICY = "keqiao-2020"
MODES = ("top_up", "exclusive")
FUNDING = ("district", "city")

# Keys whose values are money or rates: read as exact decimals.
_INTEGER_KEYS = {"min_store_orders", "min_clients", "min_trainees", "min_active_firms", "min_enrollment",
                 "min_students", "min_operating_years"}


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PolicyError(f"policy key {where}: expected a number written as a string or integer, got {value!r}")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise PolicyError(f"policy key {where}: {value!r} is not a number") from None
    if not result.is_finite():
        raise PolicyError(f"policy key {where}: {value!r} is not a finite number")
    return result


def _convert(value: Any, where: str, key: str) -> Any:
    """Numbers become Decimal (or int for counts); lists and tables are converted recursively."""
    if isinstance(value, dict):
        return {k: _convert(v, f"{where}.{k}", k) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v, f"{where}[{i}]", key) for i, v in enumerate(value)]
    if key in _INTEGER_KEYS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PolicyError(f"policy key {where}: expected a whole number, got {value!r}")
        return value
    if key.endswith(("_rmb", "_usd", "_m2")) or key.startswith(("min_", "rmb_per", "cost_share", "fee_share")) \
            or key in {"class_hours_per_day"}:
        return _decimal(value, where)
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
            raise PolicyError(f"policy key items.{item}.{key} is missing") from None

    def funding(self, item: str) -> str:
        return str(self.items[item]["funding"])

    def clause_text(self, item: str, lang: str = "zh") -> str:
        return str(self.items[item].get(f"text_{lang}", ""))

    def items_in(self, list_name: str) -> frozenset[str]:
        return frozenset(self.general.get(list_name, []))

    @property
    def countries(self) -> dict[str, tuple[str, str]]:
        """Belt-and-Road countries: ISO alpha-2 code → (Chinese name, English name)."""
        return {c["code"].upper(): (c.get("zh", ""), c.get("en", "")) for c in self.items["9C"].get("countries", [])}

    @property
    def mainstream_platforms(self) -> dict[str, str]:
        """Normalised spelling (name or alias) → canonical platform name, for item 1B."""
        names: dict[str, str] = {}
        for p in self.items["1B"].get("mainstream_platforms", []):
            for spelling in [p["name"], *p.get("aliases", [])]:
                names[norm_key(spelling)] = p["name"]
        return names


def _locate(spec: str | None) -> tuple[str, bytes]:
    spec = spec or DEFAULT_POLICY
    builtin = resources.files("kqcalc.policy").joinpath(f"{spec}.toml")
    if "/" not in spec and not spec.endswith(".toml") and builtin.is_file():
        return f"{spec} (built in)", builtin.read_bytes()
    path = Path(spec)
    if not path.is_file():
        raise PolicyError(f"policy {spec!r} not found: give a built-in policy id ({DEFAULT_POLICY}) or a TOML file path")
    try:
        return str(path), path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"policy file {path}: cannot be read ({exc.strerror})") from None


def load_policy(spec: str | None = None) -> Policy:
    """Load and check a policy: a built-in id or a TOML file path. A bad file raises PolicyError naming the key."""
    source, data = _locate(spec)
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"policy file {source}: not valid TOML ({exc})") from None
    from kqcalc.policy.check import check_policy_document

    check_policy_document(doc, source)
    head = doc["policy"]
    items = {code: _convert(doc["items"][code], f"items.{code}", "") for code in ITEMS}
    policy = Policy(
        id=str(head["id"]),
        sha256=hashlib.sha256(data).hexdigest(),
        source=source,
        valid_from=head["valid_from"],
        valid_to=head["valid_to"],
        highest_only_mode=head["highest_only_mode"],
        general=doc["general"],
        items=items,
        meta=head,
    )
    from kqcalc.policy.check import check_policy

    check_policy(policy)
    return policy
