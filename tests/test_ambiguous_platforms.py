"""Item 1B fails closed on ambiguous platform spellings (SPEC §2, "Matching and identity"): one warning per store.

The awards are proved by tests/cases/item_1b_pays_only_on_unambiguous_mainstream_platform_spellings; here, that
each doubtful store gets exactly one warning that names its file, row and column and says what to write.
"""

from __future__ import annotations

from pathlib import Path

from kqcalc.policy import load_policy
from kqcalc.run import compute, parse_period

CASE = Path(__file__).parent / "cases" / "item_1b_pays_only_on_unambiguous_mainstream_platform_spellings" / "input"


def test_each_store_on_an_ambiguous_platform_gets_one_warning_saying_what_to_write() -> None:
    policy = load_policy()
    result = compute([str(CASE)], policy, parse_period(None, policy))
    warnings = [i for i in result.issues if i.code == "ambiguous_platform"]
    stores = str(CASE / "stores.csv")
    # stores.csv rows (header = row 1): 2 阿里巴巴, 3 " Alibaba ", 4 1688, 8 阿里巴巴 (beside a made-in-china store),
    # 10 １６８８; not row 9's 1688.com, which is not doubtful, only not a mainstream platform.
    assert [(i.table, i.file, i.row, i.column, i.severity) for i in warnings] == [
        ("stores", stores, row, "platform", "warning") for row in (2, 3, 4, 8, 10)]
    assert "'阿里巴巴'" in warnings[0].message("en") and "'B1-B2B'" in warnings[0].message("en")
    for warning in warnings:
        assert "does not count for item 1B" in warning.message("en")
        assert "alibaba.com/阿里巴巴国际站" in warning.message("en")  # the full name to write


def test_a_b2c_store_or_a_store_opened_outside_the_period_gets_no_warning(tmp_path: Path) -> None:
    # Only the stores item 1B looks at (B2B, opened in the period) can be doubtful for it.
    firm = "91330603MA2KTB001T"
    (tmp_path / "firms.csv").write_text(
        "firm_id,firm_name,in_zone,independent_accounting,independent_tax\n"
        f"{firm},Bravo,yes,yes,yes\n", encoding="utf-8")
    (tmp_path / "stores.csv").write_text(
        "firm_id,platform,store_id,model,opened_on\n"
        f"{firm},阿里巴巴,S1,B2C,2020-10-01\n"
        f"{firm},alibaba,S2,B2B,2020-06-30\n", encoding="utf-8")
    policy = load_policy()
    result = compute([str(tmp_path)], policy, parse_period(None, policy))
    assert [i for i in result.issues if i.code == "ambiguous_platform"] == []
