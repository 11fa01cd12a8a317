"""Valid Unified Social Credit Codes for test districts, worked by hand from GB 32100-2015 (independently of
kqcalc.text, so the tests do not take the check character from the code they test)."""

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(n: int) -> str:
    """An 18-character Unified Social Credit Code with a correct GB 32100-2015 check character."""
    body = f"91330603MA{n:07d}"
    total = sum(CODE_CHARS.index(ch) * w for ch, w in zip(body, CODE_WEIGHTS, strict=True))
    return body + CODE_CHARS[(31 - total % 31) % 31]
