"""The words: each clause declares its rule text, threshold labels and facts for every item it produces
(kqcalc/items/cNN_*.py, the words block), and the general words are in one module (kqcalc/words.py).

Expected texts are worked out by hand from the built-in policy (kqcalc/policy/keqiao-2020.toml).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kqcalc import words as W
from kqcalc.items import CLAUSES, ITEMS
from kqcalc.policy import load_policy
from kqcalc.report import describe

ROOT = Path(__file__).resolve().parents[1]
POLICY = load_policy()


def _record(item: str, measure: str = "0", unit: str = "", **detail: object) -> dict:
    return {"item": item, "measure": measure, "unit": unit, "detail": detail}


@pytest.mark.parametrize("clause", CLAUSES, ids=lambda c: c.__name__.rsplit(".", 1)[-1])
def test_every_clause_declares_words_for_each_item_it_produces(clause) -> None:
    assert callable(clause.rule_text) and callable(clause.facts)
    assert set(clause.CONDITIONS) == set(W.LANGS)
    assert set(clause.CONDITIONS["zh"]) == set(clause.CONDITIONS["en"])  # a label in each language
    # a clause labels only its own items' conditions
    assert {item for item, _ in clause.CONDITIONS["zh"]} <= set(clause.ITEMS)
    for item in clause.ITEMS:
        for lang in W.LANGS:
            text = clause.rule_text(_record(item, unit="USD"), POLICY.items[item], lang)
            assert isinstance(text, str) and text, (item, lang)
            assert isinstance(describe.facts(_record(item), lang), list)  # describe guards a detail's shape


def test_describe_finds_a_clause_for_every_item() -> None:
    for item in ITEMS:
        assert describe.rule_text(_record(item, unit="USD"), POLICY, "zh"), item


def test_rule_texts_carry_the_policys_numbers() -> None:
    # 3A: 0.03 RMB per USD, cap 1,500,000 (clause 三)
    assert describe.rule_text(_record("3A", unit="USD"), POLICY, "zh") == "0.03 元/美元 × 美元，上限 1,500,000 元"
    assert describe.rule_text(_record("3A", unit="USD"), POLICY, "en") == "0.03 RMB per USD × USD, cap RMB 1,500,000"
    # 1A: 100 orders and USD 30,000 → RMB 10,000 once
    assert describe.rule_text(_record("1A"), POLICY, "zh") == (
        "新开B2C店铺单店订单 ≥ 100 笔且企业B2C交易额 ≥ 30,000 美元 → 10,000 元（一次性）")
    # 9B: 40 % of the costs, cap 500,000, once
    assert describe.rule_text(_record("9B", unit="RMB"), POLICY, "zh") == "建设成本 × 40%，上限 500,000 元（一次性）"
    assert describe.rule_text(_record("9B", unit="RMB"), POLICY, "en") == (
        "construction cost × 40%, cap RMB 500,000 (once)")
    # 2: tier 2 is USD 5,000,000 → RMB 100,000; below tier 1 the text names tier 1
    assert describe.rule_text(_record("2", tier=2), POLICY, "zh") == "第 2 档（≥ 5,000,000 美元）→ 100,000 元"
    assert describe.rule_text(_record("2", tier=0), POLICY, "en") == (
        "no tier reached (tier 1: ≥ USD 3,000,000 → RMB 50,000)")
    # 8: the tier is the line's measure; tier 1 is 20 firms and RMB 200,000,000 → RMB 500,000
    assert describe.rule_text(_record("8", measure="1", unit="tier"), POLICY, "zh") == (
        "第 1 档（有实绩企业 ≥ 20 家且年在线交易总额 ≥ 200,000,000 元）→ 500,000 元")
    # 10B: a fixed RMB 800,000 once
    assert describe.rule_text(_record("10B"), POLICY, "en") == "RMB 800,000 (once)"


def test_rule_key_tells_apart_what_the_rule_text_reads() -> None:
    """report.xlsx writes a rule text once per key: the key must differ where the text does (the tier)."""
    assert describe.rule_key(_record("2", tier=1)) != describe.rule_key(_record("2", tier=2))
    assert describe.rule_key(_record("8", measure="1")) != describe.rule_key(_record("8", measure="2"))
    assert describe.rule_key(_record("3A", measure="1")) == describe.rule_key(_record("3A", measure="2"))


def test_facts_and_conditions_from_the_clause() -> None:
    assert describe.facts(_record("9C", country="MY", belt_and_road=True), "zh") == [
        ("国家 MY：在“一带一路”名单内", [])]
    assert describe.facts(_record("9C", country="US", belt_and_road=False), "en") == [
        ("country US: not on the Belt and Road list", [])]
    # 1A's best store has 95 of the 100 orders: a condition 5 orders short, labelled by clause 一
    record = _record("1A", store="S1", store_orders=95, min_store_orders=100)
    (cond,) = [c for c in describe.conditions(record) if c["key"] == "store_orders"]
    assert (cond["measure"], cond["next"], cond["distance"]) == ("95", "100", "5")
    assert describe.condition_line("1A", cond, "zh") == "新开B2C店铺单店订单数 95 笔（门槛 100 笔，还差 5 笔）"
    # a detail of another shape shows no facts rather than failing
    assert describe.facts(_record("3A", rows_in_period=1), "zh") == []


def test_the_near_miss_items_are_those_with_thresholds() -> None:
    """Clauses 一 (1A), 二, 四, 六, 八 and 十 have thresholds or tiers; 1B, 3, 5, 7 and 9 do not."""
    assert describe.THRESHOLD_ITEMS == {"1A", "2", "4", "6", "8", "10A", "10B"}


def test_general_words_are_in_one_module() -> None:
    """No zh/en dictionary outside kqcalc/words.py but the clause modules' own words and the issue-code registry
    (kqcalc/messages.py); the sample generator's input vocabulary is a tool's (sample.py)."""
    allowed = {"kqcalc/words.py", "kqcalc/messages.py", "kqcalc/sample.py", "kqcalc/tools/sample.py"}
    found = []
    for path in sorted((ROOT / "kqcalc").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in allowed or name.startswith("kqcalc/items/c"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and {"zh", "en"} <= {
                    k.value for k in node.keys if isinstance(k, ast.Constant)}:
                found.append(f"{name}:{node.lineno}")
    assert found == []
