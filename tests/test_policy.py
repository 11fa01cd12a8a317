"""The policy file: the shipped keqiao-2020 holds SPEC §2's numbers, and a bad file stops with the key named."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from rich.console import Console

from kqcalc.errors import PolicyError
from kqcalc.items import ITEMS
from kqcalc.items.c01_new_stores import ambiguous_platforms, mainstream_platforms
from kqcalc.items.c09_warehouses import countries as belt_and_road_countries
from kqcalc.policy import load_policy
from kqcalc.policy.check import REQUIRED_NUMBERS, REQUIRED_TEXTS
from kqcalc.policy_show import render_policy

SHIPPED = resources.files("kqcalc.policy").joinpath("keqiao-2020.toml").read_text(encoding="utf-8")
D = Decimal


@pytest.fixture(scope="module")
def policy():
    return load_policy()


# --- the shipped policy ---------------------------------------------------------------------------


def test_the_shipped_policy_is_the_default_and_is_identified_by_its_bytes(policy):
    assert policy.id == "keqiao-2020"
    assert policy.meta["document"] == "绍柯政办发〔2020〕33号"
    assert policy.sha256 == hashlib.sha256(SHIPPED.encode("utf-8")).hexdigest()
    assert load_policy("keqiao-2020").sha256 == policy.sha256


def test_validity_window_mode_and_funding_are_those_of_spec_section_2(policy):
    assert (policy.valid_from, policy.valid_to) == (date(2020, 7, 1), date(2021, 6, 30))
    assert policy.highest_only_mode == "top_up"
    city = {"8", "9A", "9B", "9C", "10A", "10B"}
    assert {code: policy.funding(code) for code in ITEMS} == {
        code: "city" if code in city else "district" for code in ITEMS
    }


def test_item_numbers_are_those_of_spec_section_2(policy):
    p = policy.param
    # 1A: a store's own 100 orders and the firm's USD 30,000 → 10,000; 1B → 10,000.
    assert (p("1A", "min_store_orders"), p("1A", "min_b2c_usd"), p("1A", "amount_rmb")) == (100, D(30000), D(10000))
    assert p("1B", "amount_rmb") == D(10000)
    # 2: 3M / 5M / 10M / 30M USD → 50k / 100k / 150k / 200k.
    assert [(t["min_b2c_usd"], t["amount_rmb"]) for t in p("2", "tiers")] == [
        (D(3_000_000), D(50_000)), (D(5_000_000), D(100_000)), (D(10_000_000), D(150_000)), (D(30_000_000), D(200_000)),
    ]
    # 3A: 0.03 RMB per USD, cap 1,500,000; 3B: 3 RMB per kg, cap 1,000,000.
    assert (p("3A", "rmb_per_usd"), p("3A", "cap_rmb")) == (D("0.03"), D(1_500_000))
    assert (p("3B", "rmb_per_kg"), p("3B", "cap_rmb")) == (D(3), D(1_000_000))
    # 4: 20 clients and (B2C ≥ 3M or B2B ≥ 10M USD) → 5 % of fees, cap 100,000.
    assert (p("4", "min_clients"), p("4", "min_clients_b2c_usd"), p("4", "min_clients_b2b_usd")) == (
        20, D(3_000_000), D(10_000_000))
    assert (p("4", "fee_share"), p("4", "cap_rmb")) == (D("0.05"), D(100_000))
    # 5: ≥ 3 days or ≥ 24 class hours, ≥ 15 trainees, 100 RMB per trainee-day (8 class hours), cap 240,000.
    assert (p("5", "min_days"), p("5", "min_class_hours"), p("5", "class_hours_per_day")) == (D(3), D(24), D(8))
    assert (p("5", "min_trainees"), p("5", "rmb_per_trainee_day"), p("5", "cap_rmb")) == (15, D(100), D(240_000))
    # 6: platform ≥ USD 30M, client ≥ USD 100,000 → 20,000 a client, cap 1,000,000.
    assert (p("6", "min_platform_usd"), p("6", "min_client_usd")) == (D(30_000_000), D(100_000))
    assert (p("6", "rmb_per_client"), p("6", "cap_rmb")) == (D(20_000), D(1_000_000))
    # 7: ≥ 300 m², 300 RMB per m²·year, cap 200,000.
    assert (p("7", "min_area_m2"), p("7", "rmb_per_m2_year"), p("7", "cap_rmb")) == (D(300), D(300), D(200_000))
    # 8: 20/40/60 firms and RMB 200M/400M/600M → 500k / 1M / 1.5M.
    assert [(t["min_active_firms"], t["min_online_rmb"], t["amount_rmb"]) for t in p("8", "tiers")] == [
        (20, D(200_000_000), D(500_000)), (40, D(400_000_000), D(1_000_000)), (60, D(600_000_000), D(1_500_000)),
    ]
    # 9A: 200,000; 9B: 40 % of cost, cap 500,000, operating one year or more; 9C: +100,000.
    assert p("9A", "amount_rmb") == D(200_000)
    assert (p("9B", "cost_share"), p("9B", "cap_rmb"), p("9B", "min_operating_years")) == (D("0.4"), D(500_000), 1)
    assert p("9C", "amount_rmb") == D(100_000)
    # 10A: enrolment ≥ 30 → 300,000; 10B: ≥ 800 students → 800,000.
    assert (p("10A", "min_enrollment"), p("10A", "amount_rmb")) == (30, D(300_000))
    assert (p("10B", "min_students"), p("10B", "amount_rmb")) == (800, D(800_000))


def test_money_and_rates_are_exact_decimals_and_counts_are_whole_numbers(policy):
    assert isinstance(policy.param("3A", "rmb_per_usd"), Decimal)
    assert isinstance(policy.param("2", "tiers")[0]["amount_rmb"], Decimal)
    assert type(policy.param("1A", "min_store_orders")) is int
    assert type(policy.param("8", "tiers")[0]["min_active_firms"]) is int


def test_general_lists_are_those_of_spec_section_2(policy):
    assert policy.items_in("registry_exempt_items") == {"5", "8"}
    assert policy.items_in("in_zone_only_items") == {"10A", "10B"}
    assert policy.items_in("logistics_only_items") == {"3B"}
    assert policy.items_in("one_time_items") == {"1A", "1B", "9A", "9B", "9C", "10A", "10B"}
    assert policy.items_in("top_up_one_time_items") == {"8"}
    assert policy.items_in("highest_only_exempt_items") == {"9A", "9B", "9C"}
    assert len(policy.general["negative_categories"]) == 13


def test_mainstream_b2b_platforms_are_found_by_name_or_alias(policy):
    platforms = mainstream_platforms(policy)
    assert set(platforms.values()) == {"alibaba.com", "made-in-china.com", "globalsources.com", "dhgate.com"}
    assert platforms["阿里巴巴国际站"] == "alibaba.com"
    assert platforms["中国制造网"] == "made-in-china.com"
    assert platforms["环球资源"] == "globalsources.com"
    assert platforms["敦煌网"] == "dhgate.com"


def test_bare_alibaba_and_1688_are_ambiguous_not_aliases(policy):
    # SPEC §2: a bare 阿里巴巴, alibaba or 1688 also names the domestic 1688.com site.
    assert ambiguous_platforms(policy) == {"阿里巴巴", "alibaba", "1688"}
    assert not ambiguous_platforms(policy) & set(mainstream_platforms(policy))
    assert mainstream_platforms(policy)["alibaba.com"] == "alibaba.com"


def test_the_belt_and_road_list_holds_the_138_countries_of_january_2020(policy):
    countries = belt_and_road_countries(policy)
    assert len(countries) == 138
    assert countries["KR"] == ("韩国", "South Korea")
    assert countries["RU"][0] == "俄罗斯"
    assert countries["IT"][0] == "意大利"
    assert "US" not in countries and "JP" not in countries and "IN" not in countries
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in countries)


def test_every_item_cites_its_clause_in_chinese_and_english_with_a_title_and_a_unit(policy):
    for code in ITEMS:
        assert policy.clause_text(code, "zh"), code
        assert policy.clause_text(code, "en"), code
        assert policy.title(code, "zh") and policy.title(code, "en"), code
        assert policy.unit(code), code
        assert "\n" not in policy.clause_text(code, "zh") and "  " not in policy.clause_text(code, "zh"), code
    assert "0.03" in policy.clause_text("3A") and "9610" in policy.clause_text("3A")
    assert "公斤" in policy.clause_text("3B") and "3元" in policy.clause_text("3B")
    assert policy.clause_text("1A") == policy.clause_text("1B")
    assert "100笔" in policy.clause_text("1A") and "主流平台" in policy.clause_text("1A")
    assert "20万元" in policy.clause_text("9A")
    assert "40%" in policy.clause_text("9B")
    assert "一带一路" in policy.clause_text("9C")
    assert "30人" in policy.clause_text("10A") and "800人" in policy.clause_text("10B")
    assert "100元/人·天" in policy.clause_text("5")
    assert "RMB 0.03 per USD 1" in policy.clause_text("3A", "en")
    assert policy.clause_title("3A") == "支持跨境电商9610业务发展"
    units = {code: policy.unit(code) for code in ITEMS}
    assert units["1A"] == units["2"] == units["3A"] == "USD"
    assert (units["3B"], units["5"], units["6"], units["7"], units["8"]) == ("kg", "person-days", "clients", "m²·years",
                                                                              "tier")
    assert units["9A"] == units["9C"] == "warehouse" and units["10A"] == units["10B"] == "students"


def test_the_general_rules_are_cited_too(policy):
    texts = policy.general_texts
    assert {"case_by_case", "highest_only", "eligible_firm", "negative_records", "validity"} <= set(texts)
    assert "一事一议" in policy.general_text("case_by_case")
    assert "从高不重复" in policy.general_text("highest_only")
    assert "不包括物流企业" in policy.general_text("eligible_firm")
    assert "信访问题" in policy.general_text("negative_records")
    assert "2020年7月1日" in policy.general_text("validity")
    assert "highest amount only" in policy.general_text("highest_only", "en")


# --- bad files ------------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str, name: str = "bad.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _replace(old: str, new: str, text: str = SHIPPED) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _without_key(item: str, key: str) -> str:
    """The shipped file with the line `key = …` of [items.<item>] removed."""
    lines = SHIPPED.split("\n")
    start = lines.index(f"[items.{item}]")
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("["):
            break
        if lines[i].startswith(f"{key} = "):
            # A multi-line value (tiers, countries) runs to its closing bracket.
            end = i
            if lines[i].rstrip().endswith("["):
                end = lines.index("]", i)
            return "\n".join(lines[:i] + lines[end + 1:])
    raise AssertionError(f"{key} not in [items.{item}]")


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(_write(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("item", "key"),
    [(item, key) for item, keys in REQUIRED_NUMBERS.items() for key in keys]
    + [(item, key) for item in ("1A", "8", "10B") for key in (*REQUIRED_TEXTS, "funding")]
    + [("2", "tiers"), ("8", "tiers"), ("9C", "countries")],
)
def test_a_missing_key_is_named(tmp_path, item, key):
    assert f"items.{item}.{key} is missing" in _error(tmp_path, _without_key(item, key))


def test_a_missing_mainstream_platform_list_is_named(tmp_path):
    text = SHIPPED.split("[[items.1B.mainstream_platforms]]")
    text = text[0] + "[items.2]" + text[-1].split("[items.2]", 1)[1]
    assert "items.1B.mainstream_platforms is missing" in _error(tmp_path, text)


def test_a_missing_ambiguous_platform_list_is_named(tmp_path):
    assert "items.1B.ambiguous_platforms is missing" in _error(tmp_path, _without_key("1B", "ambiguous_platforms"))


def test_a_spelling_both_ambiguous_and_an_alias_is_refused(tmp_path):
    text = _replace('aliases = ["alibaba.com", "阿里巴巴国际站"]',
                    'aliases = ["alibaba.com", "阿里巴巴国际站", "Alibaba"]')
    message = _error(tmp_path, text)
    assert "items.1B.ambiguous_platforms[1]" in message and "'alibaba'" in message and "alibaba.com" in message


def test_an_ambiguous_platform_must_be_a_non_empty_string(tmp_path):
    text = _replace('ambiguous_platforms = ["阿里巴巴", "alibaba", "1688"]', 'ambiguous_platforms = ["阿里巴巴", 1688]')
    assert "items.1B.ambiguous_platforms[1] must be a non-empty string" in _error(tmp_path, text)


def test_a_missing_tier_threshold_is_named(tmp_path):
    text = _replace('{ min_active_firms = 40, min_online_rmb = "400000000", amount_rmb = "1000000" }',
                    '{ min_active_firms = 40, amount_rmb = "1000000" }')
    assert "items.8.tiers[1].min_online_rmb is missing" in _error(tmp_path, text)


def test_a_missing_item_or_table_is_named(tmp_path):
    assert "items.9A is missing" in _error(tmp_path, _replace("[items.9A]", "[items.9X]"))
    assert "policy.valid_to is missing" in _error(tmp_path, _replace("valid_to = 2021-06-30\n", ""))
    assert "policy.highest_only_mode is missing" in _error(tmp_path, _replace('highest_only_mode = "top_up"\n', ""))
    text = _replace('one_time_items = ["1A", "1B", "9A", "9B", "9C", "10A", "10B"]\n', "")
    assert "general.one_time_items is missing" in _error(tmp_path, text)


def test_descending_tiers_are_refused_naming_the_key(tmp_path):
    first = '{ min_b2c_usd = "3000000", amount_rmb = "50000" },'
    second = '{ min_b2c_usd = "5000000", amount_rmb = "100000" },'
    text = _replace(f"{first}\n  {second}", f"{second}\n  {first}")
    assert "items.2.tiers[1].min_b2c_usd" in _error(tmp_path, text)


def test_overlapping_tiers_are_refused_naming_the_key(tmp_path):
    text = _replace('{ min_b2c_usd = "5000000", amount_rmb = "100000" }',
                    '{ min_b2c_usd = "3000000", amount_rmb = "100000" }')
    message = _error(tmp_path, text)
    assert "items.2.tiers[1].min_b2c_usd" in message and "overlap" in message


def test_a_tier_amount_that_does_not_rise_is_refused_naming_the_key(tmp_path):
    text = _replace('min_online_rmb = "600000000", amount_rmb = "1500000"',
                    'min_online_rmb = "600000000", amount_rmb = "1000000"')
    assert "items.8.tiers[2].amount_rmb" in _error(tmp_path, text)
    text = _replace("{ min_active_firms = 40,", "{ min_active_firms = 20,")
    assert "items.8.tiers[1].min_active_firms" in _error(tmp_path, text)


def test_a_zero_cap_or_amount_is_refused_naming_the_key(tmp_path):
    assert "items.3A.cap_rmb must be positive" in _error(tmp_path, _replace('cap_rmb = "1500000"', 'cap_rmb = "0"'))
    text = _replace('min_enrollment = 30\namount_rmb = "300000"', 'min_enrollment = 30\namount_rmb = "0"')
    assert "items.10A.amount_rmb must be positive" in _error(tmp_path, text)
    text = _replace('{ min_b2c_usd = "3000000", amount_rmb = "50000" }',
                    '{ min_b2c_usd = "3000000", amount_rmb = "0" }')
    assert "items.2.tiers[0].amount_rmb must be positive" in _error(tmp_path, text)


def test_a_negative_number_is_refused_naming_the_key(tmp_path):
    assert "items.7.min_area_m2" in _error(tmp_path, _replace('min_area_m2 = "300"', 'min_area_m2 = "-300"'))
    assert "items.4.min_clients" in _error(tmp_path, _replace("min_clients = 20", "min_clients = -20"))


def test_a_share_above_one_is_refused_naming_the_key(tmp_path):
    assert "items.9B.cost_share" in _error(tmp_path, _replace('cost_share = "0.40"', 'cost_share = "40"'))


def test_a_number_that_is_not_exact_or_not_a_number_is_refused_naming_the_key(tmp_path):
    assert "items.3A.rmb_per_usd" in _error(tmp_path, _replace('rmb_per_usd = "0.03"', "rmb_per_usd = 0.03"))
    assert "items.3A.rmb_per_usd" in _error(tmp_path, _replace('rmb_per_usd = "0.03"', 'rmb_per_usd = "three"'))
    text = _replace("min_store_orders = 100", 'min_store_orders = "100"')
    assert "items.1A.min_store_orders" in _error(tmp_path, text)


def test_a_bad_mode_is_refused_naming_the_key(tmp_path):
    message = _error(tmp_path, _replace('highest_only_mode = "top_up"', 'highest_only_mode = "highest"'))
    assert "policy.highest_only_mode" in message and "top_up" in message and "exclusive" in message


def test_the_exclusive_mode_is_accepted(tmp_path):
    text = _replace('highest_only_mode = "top_up"', 'highest_only_mode = "exclusive"')
    assert load_policy(_write(tmp_path, text)).highest_only_mode == "exclusive"


def test_a_bad_funding_source_is_refused_naming_the_key(tmp_path):
    text = _replace('[items.9A]\nclause = "九"\nfunding = "city"', '[items.9A]\nclause = "九"\nfunding = "province"')
    message = _error(tmp_path, text)
    assert "items.9A.funding" in message and "district" in message and "city" in message


def test_a_validity_window_that_ends_before_it_starts_is_refused(tmp_path):
    assert "policy.valid_from" in _error(tmp_path, _replace("valid_to = 2021-06-30", "valid_to = 2020-06-30"))
    assert "policy.valid_to" in _error(tmp_path, _replace("valid_to = 2021-06-30", 'valid_to = "2021-06-30"'))
    text = _replace("valid_from = 2020-07-01", "valid_from = 2020-07-01T00:00:00")
    assert "policy.valid_from" in _error(tmp_path, text)


def test_a_general_list_naming_something_else_than_an_item_is_refused(tmp_path):
    text = _replace('registry_exempt_items = ["5", "8"]', 'registry_exempt_items = ["5", "08"]')
    assert "general.registry_exempt_items[1]" in _error(tmp_path, text)
    text = _replace('logistics_only_items = ["3B"]', 'logistics_only_items = ["3B", "3B"]')
    assert "general.logistics_only_items[1]" in _error(tmp_path, text)
    text = _replace("[general]\n", '[general]\nextra_items = ["11"]\n')
    assert "general.extra_items[0]" in _error(tmp_path, text)


def test_bad_country_codes_are_refused_naming_the_key(tmp_path):
    text = _replace('{ code = "MN", zh = "蒙古", en = "Mongolia" }', '{ code = "MNG", zh = "蒙古", en = "Mongolia" }')
    assert "items.9C.countries[1].code" in _error(tmp_path, text)
    text = _replace('{ code = "MN", zh = "蒙古", en = "Mongolia" }', '{ code = "kr", zh = "蒙古", en = "Mongolia" }')
    message = _error(tmp_path, text)
    assert "items.9C.countries[1].code" in message and "twice" in message


def test_a_missing_clause_text_is_named(tmp_path):
    text = _replace('text_zh = "对新建在“一带一路”国家或地区的公共海外仓，补助额度再增加10万元。"', 'text_zh = ""')
    assert "items.9C.text_zh" in _error(tmp_path, text)


def test_unknown_top_level_keys_and_item_keys_are_allowed(tmp_path):
    text = "note = \"renewed by the bureau\"\n[extra]\nanything = 1\n" + _replace(
        '[items.3A]\n', '[items.3A]\nremark = "see annex"\n')
    assert load_policy(_write(tmp_path, text)).param("3A", "remark") == "see annex"


def test_invalid_toml_is_one_line_naming_the_file(tmp_path):
    path = _write(tmp_path, SHIPPED + "\n[items.3A\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert "not valid TOML" in message and path in message and "\n" not in message


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes(SHIPPED.encode("gb18030"))
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    assert "UTF-8" in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_file_is_one_line_naming_it(tmp_path):
    path = str(tmp_path / "nowhere.toml")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert path in str(caught.value) and "not found" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(PolicyError, match="keqiao-2099"):
        load_policy("keqiao-2099")


def test_a_copy_of_the_shipped_file_loads_from_a_path(tmp_path, policy):
    copy = load_policy(_write(tmp_path, SHIPPED, "keqiao-2020-copy.toml"))
    assert copy.sha256 == policy.sha256 and copy.items == policy.items


# --- policy show ----------------------------------------------------------------------------------


def _render(policy, lang: str) -> str:
    console = Console(record=True, width=200)
    render_policy(policy, console, lang=lang)
    return console.export_text()


def test_policy_show_prints_identity_every_parameter_and_the_clause_texts(policy):
    out = _render(policy, "zh")
    for expected in ("keqiao-2020", "绍柯政办发〔2020〕33号", "2020-07-01", "2021-06-30", "top_up", policy.sha256,
                     "0.03", "1500000", "1000000", "240000", "30000000", "600000000", "1500000", "0.40", "800000",
                     "min_b2c_usd", "cap_rmb", "rmb_per_trainee_day", "alibaba.com", "敦煌网", "138", "KR 韩国",
                     "每1美元给予0.03元奖励", "九、支持建设跨境电商海外仓", "从高不重复", "新开店铺（B2C）"):
        assert expected in out, expected
    for code in ITEMS:
        assert re.search(rf"^│ {code} ", out, re.MULTILINE), code


def test_policy_show_in_english(policy):
    out = _render(policy, "en")
    for expected in ("Parameters in force", "Clause texts", "RMB 0.03 per USD 1", "KR South Korea", "New B2C store",
                     "0.03", "1500000", policy.sha256):
        assert expected in out, expected
