"""Normalisation of text keys and firm ids (SPEC §2 "Matching and identity")."""

from __future__ import annotations

import unicodedata


def norm_key(value: str) -> str:
    """NFKC, trimmed, case-folded: how text keys and names are compared."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def norm_header(value: str) -> str:
    """Headers and table names match like keys, and inner runs of spaces do not matter."""
    return " ".join(norm_key(value).split())


def norm_firm_id(value: str) -> str:
    """NFKC, every space removed, upper case."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()
