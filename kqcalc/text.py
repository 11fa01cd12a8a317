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


# GB 32100-2015 Unified Social Credit Code: 18 characters of this alphabet, the last a check over the first 17.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(body: str) -> str:
    """The 18th (check) character of a credit code whose first 17 characters are `body`."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(body, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]
