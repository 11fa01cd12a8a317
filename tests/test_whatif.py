"""`kqcalc whatif` (SPEC §4 "What-if"): the budget impact of a policy change on the same data.

- tests/whatif_cases/<sentence>/: input/*.csv, expected.toml (the arguments, the totals of both sides, the
  firms that gain/lose/stay, the `changes` and every row of whatif.csv) and case.md with the hand working from
  the policy text. Each is run through the command line and checked to the fen.
- The reform side equals `compute --policy REFORM` and the base side `compute`, line for line (every column of
  awards.csv), on the sample district-year, for reforms drawn by hypothesis and written both as `--set` and as
  an edited policy file.
- The JSON document's shape, --set's grammar and exit codes, whatif.csv / whatif.xlsx conventions.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kqcalc.items.c01_new_stores import mainstream_platforms
from kqcalc.output import awards_csv, summary_csv
from kqcalc.policy import load_policy
from kqcalc.policy.overrides import policy_with_overrides
from kqcalc.record import build_record, manifest
from kqcalc.run import compute, parse_period
from kqcalc.whatif import run_whatif, to_document

HERE = Path(__file__).parent
CASES_DIR = HERE / "whatif_cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if (p / "input").is_dir())
SAMPLE = str(HERE.parent / "sample_data")
ITEMS = ["1A", "1B", "2", "3A", "3B", "4", "5", "6", "7", "8", "9A", "9B", "9C", "10A", "10B"]
CSV_HEADER = ["firm_id", "firm_name", "item", "ref", "base_rmb", "reform_rmb", "change_rmb", "base_status",
              "reform_status"]
MONEY = re.compile(r"-?\d+\.\d\d")
POLICY_TEXT = (HERE.parent / "kqcalc" / "policy" / "keqiao-2020.toml").read_text(encoding="utf-8")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kqcalc", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    assert b"\r" not in raw, "\\n line ends"
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


# --------------------------------------------------------------------------- hand-worked cases


def _expected_side(side: dict) -> dict:
    return {"total_rmb": side["total_rmb"], "by_item": {i: side["by_item"].get(i, "0.00") for i in ITEMS},
            "by_funding": side["by_funding"]}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hand_worked_case(case: Path, tmp_path: Path) -> None:
    expect = tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    result = run(["whatif", str(case / "input"), *expect["args"], "--json", "--out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    for side in ("base", "reform"):
        got = dict(doc[side])
        policy = got.pop("policy")
        assert got == _expected_side(expect[side]), side
        if "policy" in expect[side]:
            assert policy == expect[side]["policy"]
    assert doc["firms"] == expect["firms"]
    keys = ["firm_id", "item", "ref", "base_rmb", "reform_rmb", "change_rmb"]
    assert doc["changes"] == [dict(zip(keys, row, strict=True)) for row in expect["lines"]["changes"]]
    rows = read_csv(out / "whatif.csv")
    assert rows[0] == CSV_HEADER
    assert [",".join(r) for r in rows[1:]] == expect["lines"]["csv"]


# --------------------------------------------------------------------------- same as compute, line for line


def _edit(text: str, section: str, key: str, value: str) -> str:
    """The policy file's text with `key = …` of `[section]` (its first occurrence after the header) replaced."""
    start = text.index(f"[{section}]\n")
    match = re.compile(rf"^{re.escape(key)} = (\[.*?^\]|.*?)$", re.M | re.S).search(text, start)
    assert match, (section, key)
    return text[:match.start()] + f"{key} = {value}" + text[match.end():]


def _tiers_toml(tiers: list[tuple[str, str]]) -> str:
    return "[" + ", ".join(f'{{min_b2c_usd = "{m}", amount_rmb = "{a}"}}' for m, a in tiers) + "]"


@st.composite
def reforms(draw: st.DrawFn) -> tuple[list[str], str]:
    """A reform as --set texts and as the edited policy file's text (independently written)."""
    sets: list[str] = []
    text = POLICY_TEXT
    changes = draw(st.sets(st.sampled_from(["3A", "3A_cap", "3B", "2", "2_one", "4", "5", "7", "9B", "mode", "6"]),
                           min_size=1, max_size=4))
    if "2" in changes:  # a new tier list replaces the first tier "2_one" would edit in the file's text
        changes.discard("2_one")
    rate = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.2"), places=3)
    for change in sorted(changes):
        if change == "3A":
            v = draw(rate)
            sets.append(f"items.3A.rmb_per_usd={v}")
            text = _edit(text, "items.3A", "rmb_per_usd", f'"{v}"')
        elif change == "3A_cap":
            v = draw(st.integers(1, 3_000_000))
            sets.append(f"items.3A.cap_rmb={v}")
            text = _edit(text, "items.3A", "cap_rmb", str(v))
        elif change == "3B":
            v = draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("9"), places=2))
            sets.append(f"items.3B.rmb_per_kg={v}")
            text = _edit(text, "items.3B", "rmb_per_kg", f'"{v}"')
        elif change == "2":
            mins = sorted(draw(st.sets(st.integers(1_000_000, 40_000_000), min_size=1, max_size=6)))
            amounts = sorted(draw(st.sets(st.integers(10_000, 400_000), min_size=len(mins), max_size=len(mins))))
            tiers = list(zip(map(str, mins), map(str, amounts), strict=True))
            sets.append("items.2.tiers=" + _tiers_toml(tiers))
            text = _edit(text, "items.2", "tiers", _tiers_toml(tiers))
        elif change == "2_one":
            v = draw(st.integers(1, 99_999))
            sets.append(f"items.2.tiers.0.amount_rmb={v}")
            text = text.replace('{ min_b2c_usd = "3000000", amount_rmb = "50000" }',
                                f'{{ min_b2c_usd = "3000000", amount_rmb = "{v}" }}')
        elif change == "4":
            v = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.2"), places=2))
            sets.append(f'items.4.fee_share="{v}"')
            text = _edit(text, "items.4", "fee_share", f'"{v}"')
        elif change == "5":
            v = draw(st.integers(10, 400))
            sets.append(f"items.5.rmb_per_trainee_day={v}")
            text = _edit(text, "items.5", "rmb_per_trainee_day", str(v))
        elif change == "7":
            v = draw(st.integers(50, 900))
            sets.append(f"items.7.rmb_per_m2_year={v}")
            text = _edit(text, "items.7", "rmb_per_m2_year", str(v))
        elif change == "9B":
            v = draw(st.decimals(min_value=Decimal("0.05"), max_value=Decimal("1"), places=2))
            sets.append(f"items.9B.cost_share={v}")
            text = _edit(text, "items.9B", "cost_share", f'"{v}"')
        elif change == "6":
            v = draw(st.integers(1_000_000, 60_000_000))
            sets.append(f"items.6.min_platform_usd={v}")
            text = _edit(text, "items.6", "min_platform_usd", f'"{v}"')
        elif change == "mode":
            sets.append("policy.highest_only_mode=exclusive")
            text = _edit(text, "policy", "highest_only_mode", '"exclusive"')
    return sets, text


BASE = load_policy(None)
BASE_RESULT = compute([SAMPLE], BASE, parse_period(None, BASE))


def _same_run(a, b) -> None:  # noqa: ANN001
    assert awards_csv(build_record(a, None)) == awards_csv(build_record(b, None))
    assert summary_csv(build_record(a, None)) == summary_csv(build_record(b, None))
    assert a.issues == b.issues
    assert a.files == b.files
    assert a.period == b.period
    assert a.registry == b.registry


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
@given(reform=reforms())
def test_reform_side_is_compute_with_the_reform_and_base_side_is_compute(reform: tuple[list[str], str],
                                                                         tmp_path_factory: pytest.TempPathFactory
                                                                         ) -> None:
    sets, text = reform
    path = tmp_path_factory.mktemp("reform") / "reform.toml"
    path.write_text(text, encoding="utf-8")
    from_file = load_policy(str(path))
    from_sets = policy_with_overrides(None, sets)
    assert from_sets.items == from_file.items and from_sets.highest_only_mode == from_file.highest_only_mode
    w = run_whatif([SAMPLE], BASE, from_sets, None, "base", "reform")
    _same_run(w.base.result, BASE_RESULT)
    _same_run(w.reform.result, compute([SAMPLE], from_file, parse_period(None, from_file)))
    # and the whatif document agrees with the two separate runs' own totals
    doc = to_document(w)
    assert doc["base"]["by_item"] == manifest(build_record(BASE_RESULT, None))["totals"]["by_item"]


def test_a_reform_with_another_validity_window_equals_compute_with_it(tmp_path: Path) -> None:
    """Cleaning depends on the period: a reform that moves the window is cleaned for its own period."""
    text = _edit(_edit(POLICY_TEXT, "policy", "valid_from", "2020-10-01"), "policy", "valid_to", "2021-09-30")
    (tmp_path / "reform.toml").write_text(text, encoding="utf-8")
    reform = load_policy(str(tmp_path / "reform.toml"))
    w = run_whatif([SAMPLE], BASE, reform, None, "base", "reform")
    assert w.reform.result.period != w.base.result.period
    _same_run(w.base.result, BASE_RESULT)
    _same_run(w.reform.result, compute([SAMPLE], reform, parse_period(None, reform)))
    # an explicit --period applies to both sides, as `compute --period` would
    w = run_whatif([SAMPLE], BASE, reform, "2020-07-01:2021-06-30", "base", "reform")
    _same_run(w.reform.result, compute([SAMPLE], reform, parse_period("2020-07-01:2021-06-30", reform)))


def test_whatif_csv_matches_two_compute_runs_through_the_command_line(tmp_path: Path) -> None:
    reform = tmp_path / "reform.toml"
    reform.write_text(_edit(POLICY_TEXT, "items.3A", "rmb_per_usd", '"0.02"'), encoding="utf-8")
    for name, extra in (("base", []), ("reform", ["--policy", str(reform)])):
        done = run(["compute", SAMPLE, "--out", str(tmp_path / name), "--formats", "csv", *extra], tmp_path)
        assert done.returncode in (0, 3), done.stderr
    done = run(["whatif", SAMPLE, "--policy", str(reform), "--out", str(tmp_path / "w")], tmp_path)
    assert done.returncode in (0, 3), done.stderr

    def awards(name: str) -> dict[tuple[str, str, str], tuple[str, str]]:
        rows = read_csv(tmp_path / name / "awards.csv")
        return {(r[0], r[2], r[3]): (r[8], r[10]) for r in rows[1:]}

    base, after = awards("base"), awards("reform")
    rows = read_csv(tmp_path / "w" / "whatif.csv")[1:]
    assert {(r[0], r[2], r[3]) for r in rows} == set(base) | set(after)
    for r in rows:
        key = (r[0], r[2], r[3])
        assert (r[4], r[7]) == base.get(key, ("0.00", ""))
        assert (r[5], r[8]) == after.get(key, ("0.00", ""))
        assert Decimal(r[6]) == Decimal(r[5]) - Decimal(r[4])


# --------------------------------------------------------------------------- the JSON document


def test_json_document_has_exactly_the_spec_shape(tmp_path: Path) -> None:
    done = run(["whatif", SAMPLE, "--set", "items.3A.rmb_per_usd=0.02", "--set", "items.2.tiers.0.amount_rmb=60000",
                "--json"], tmp_path)
    assert done.returncode in (0, 3), done.stderr
    doc = json.loads(done.stdout)
    assert list(doc) == ["base", "reform", "firms", "changes"]
    for side in ("base", "reform"):
        assert list(doc[side]) == ["policy", "total_rmb", "by_item", "by_funding"]
        assert list(doc[side]["by_item"]) == ITEMS
        assert list(doc[side]["by_funding"]) == ["district", "city"]
        values = [doc[side]["total_rmb"], *doc[side]["by_item"].values(), *doc[side]["by_funding"].values()]
        assert all(isinstance(v, str) and MONEY.fullmatch(v) for v in values)
        assert Decimal(doc[side]["total_rmb"]) == sum(map(Decimal, doc[side]["by_item"].values()))
        assert Decimal(doc[side]["total_rmb"]) == sum(map(Decimal, doc[side]["by_funding"].values()))
    assert doc["base"]["policy"] == "keqiao-2020"
    assert doc["reform"]["policy"] == \
        "keqiao-2020 --set items.3A.rmb_per_usd=0.02 --set items.2.tiers.0.amount_rmb=60000"
    assert set(doc["firms"]) == {"gain", "lose", "same"} and all(isinstance(n, int) for n in doc["firms"].values())
    assert doc["changes"], "both changes move some award of the sample"
    order = []
    for c in doc["changes"]:
        assert list(c) == ["firm_id", "item", "ref", "base_rmb", "reform_rmb", "change_rmb"]
        assert Decimal(c["change_rmb"]) == Decimal(c["reform_rmb"]) - Decimal(c["base_rmb"]) != 0
        order.append((-abs(Decimal(c["change_rmb"])), c["firm_id"], ITEMS.index(c["item"]), c["ref"]))
    assert order == sorted(order)
    # only items 2 and 3A can move, and the changes add up to the difference of the totals
    assert {c["item"] for c in doc["changes"]} <= {"2", "3A"}
    for item in ("2", "3A"):
        moved = sum(Decimal(c["change_rmb"]) for c in doc["changes"] if c["item"] == item)
        assert moved == Decimal(doc["reform"]["by_item"][item]) - Decimal(doc["base"]["by_item"][item])


# --------------------------------------------------------------------------- --set grammar and exit codes

CASE_3A = CASES_DIR / "a_lower_3a_rate_pays_less_and_a_firm_falls_under_the_cap" / "input"


@pytest.mark.parametrize("args", [
    ["--set", "items.3A.rmb_per_usd"],  # no "="
    ["--set", "=0.02"],  # no key
    ["--set", "items..3A=1"],  # an empty part
    [],  # neither --policy nor --set
    ["--policy", "keqiao-2020", "--set", "items.3A.rmb_per_usd=0.02"],  # both
])
def test_a_malformed_reform_is_a_usage_error(args: list[str], tmp_path: Path) -> None:
    done = run(["whatif", str(CASE_3A), *args], tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Error: ") and "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(("setting", "named"), [
    ("items.3A.rate=0.02", "items.3A.rate"),  # not a key of the policy
    ("items.3A.rmb_per_usd=abc", "items.3A.rmb_per_usd"),  # not a number
    ("items.3A.rmb_per_usd=0", "items.3A.rmb_per_usd"),  # a rate must be positive
    ("items.3A.cap_rmb=-1", "items.3A.cap_rmb"),  # negative
    ("items.2.tiers.9.amount_rmb=1", "items.2.tiers.9"),  # past the end of the list
    ("items.2.tiers.1.amount_rmb=40000", "items.2.tiers[1].amount_rmb"),  # tiers must rise
    ("items.1A.min_store_orders=1.5", "items.1A.min_store_orders"),  # a count is a whole number
    ("policy.highest_only_mode=sometimes", "policy.highest_only_mode"),
    ("items.3A.rmb_per_usd.x=1", "items.3A.rmb_per_usd"),  # a value, not a table
])
def test_a_bad_key_or_value_stops_the_run_naming_it(setting: str, named: str, tmp_path: Path) -> None:
    done = run(["whatif", str(CASE_3A), "--set", setting], tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")
    assert named in done.stderr
    assert done.stdout == ""


def test_set_values_are_exact_and_address_lists() -> None:
    policy = policy_with_overrides(None, [
        "items.3A.rmb_per_usd=0.0215", "items.2.tiers[3].amount_rmb=250000",
        'items.1B.mainstream_platforms.3.aliases=["dhgate.com", "敦煌网"]', "general.one_time_items.7='2'"])
    assert policy.param("3A", "rmb_per_usd") == Decimal("0.0215")  # not the binary float 0.0215
    assert policy.param("2", "tiers")[3]["amount_rmb"] == Decimal("250000")
    assert "dhgate" not in mainstream_platforms(policy) and "敦煌网" in mainstream_platforms(policy)
    assert "2" in policy.items_in("one_time_items")
    assert policy.sha256 != BASE.sha256


def test_a_reform_file_that_fails_its_checks_stops_the_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(_edit(POLICY_TEXT, "items.3A", "cap_rmb", '"-5"'), encoding="utf-8")
    done = run(["whatif", str(CASE_3A), "--policy", str(bad)], tmp_path)
    assert done.returncode == 1 and "items.3A.cap_rmb" in done.stderr


def test_errors_in_the_inputs_exit_3_and_the_whatif_runs_on_the_clean_rows(tmp_path: Path) -> None:
    data = tmp_path / "in"
    data.mkdir()
    for f in CASE_3A.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    with (data / "exports_9610.csv").open("a", encoding="utf-8") as fh:
        fh.write("D-X1,91330603MA2KW0010Q,2020-13-45,5000000.00,USD,yes\n")  # unreadable date: quarantined
    done = run(["whatif", str(data), "--set", "items.3A.rmb_per_usd=0.02", "--json"], tmp_path)
    assert done.returncode == 3
    # the error's own line, in the registry's words (zh by default), as compute prints it
    [line] = [ln for ln in done.stderr.splitlines() if ln.startswith("error: bad_date:")]
    assert line.startswith("error: bad_date: ") and "exports_9610.csv:" in line and "2020-13-45" in line
    assert "<bound method" not in done.stderr
    doc = json.loads(done.stdout)  # the same totals as without the quarantined row (case a_lower_3a_rate_…)
    assert doc["base"]["total_rmb"] == "3030370.37" and doc["reform"]["total_rmb"] == "2720246.91"


# --------------------------------------------------------------------------- console and files


def test_console_is_plain_text_in_chinese_by_default_and_english_on_request(tmp_path: Path) -> None:
    zh = run(["whatif", str(CASE_3A), "--set", "items.3A.rmb_per_usd=0.02"], tmp_path)
    assert zh.returncode == 0, zh.stderr
    assert "按项目合计（元）" in zh.stdout and "企业：0 家增加，3 家减少，1 家不变" in zh.stdout
    assert "\x1b[" not in zh.stdout and "│" not in zh.stdout and "━" not in zh.stdout  # no colours, no boxes
    assert "  合计" in zh.stdout and "3,030,370.37  2,720,246.91  -310,123.46" in zh.stdout
    en = run(["whatif", str(CASE_3A), "--set", "items.3A.rmb_per_usd=0.02", "--lang", "en"], tmp_path)
    assert "Totals by item (RMB)" in en.stdout and "Firms: 0 gain, 3 lose, 1 stay the same" in en.stdout
    # the largest change by firm comes first
    firms = en.stdout[en.stdout.index("Largest changes by firm"):].splitlines()
    assert firms[2].split()[0] == "91330603MA2KW0020R" and firms[2].split()[-1] == "-300,000.00"


def test_outputs_follow_the_report_conventions_and_are_reproducible(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = tmp_path / "in"
    data.mkdir()
    for f in CASE_3A.iterdir():
        text = f.read_text(encoding="utf-8")
        (data / f.name).write_text(text.replace("Bravo Export", '"=HYPERLINK(""x"")"'), encoding="utf-8")
    args = ["whatif", str(data), "--set", "items.3A.rmb_per_usd=0.02"]
    assert run([*args, "--out", str(tmp_path / "a")], tmp_path).returncode == 0
    assert run([*args, "--out", str(tmp_path / "b"), "--lang", "en"], tmp_path).returncode == 0
    assert run([*args, "--out", str(tmp_path / "c")], tmp_path).returncode == 0
    for name in ("whatif.csv", "whatif.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name
    rows = read_csv(tmp_path / "a" / "whatif.csv")
    assert rows[1][:2] == ["91330603MA2KW0020R", "'=HYPERLINK(\"x\")"]

    book = load_workbook(tmp_path / "a" / "whatif.xlsx")
    assert book.sheetnames == ["测算汇总", "逐行对比", "按企业对比"]
    summary = book["测算汇总"]
    assert len(summary._charts) == 1
    chart = summary._charts[0]
    assert len(chart.series) == 2  # base beside reform
    header = [c.value for c in summary[4]][:6]
    assert header == ["项目", "项目名称", "资金来源", "基准（元）", "调整后（元）", "差额（元）"]
    row_3a = next(r for r in summary.iter_rows(min_row=5, max_row=19) if r[0].value == "3A")
    assert [c.value for c in row_3a[3:6]] == [3030370.37, 2720246.91, -310123.46]
    assert row_3a[3].number_format == '#,##0.00;-#,##0.00;"-"'
    lines = book["逐行对比"]
    name = lines["B2"]
    assert name.value == '=HYPERLINK("x")' and name.data_type == "s"  # text, never a formula
    assert [c.value for c in lines[2]][4:] == [1500000, 1200000, -300000, "予以奖励", "予以奖励"]
    en = load_workbook(tmp_path / "b" / "whatif.xlsx")
    assert en.sheetnames == ["Summary", "Lines", "By firm"]


@pytest.mark.parametrize("setting", ["items.3A.rmb_per_usd=[1, 2]", "items.2.tiers=3", "items.2.tiers.0=5"])
def test_set_keeps_the_shape_of_the_key(setting: str) -> None:
    from kqcalc.errors import PolicyError

    with pytest.raises(PolicyError, match=re.escape(setting.split("=")[0])):
        policy_with_overrides(None, [setting])


def test_base_is_any_policy_and_a_malformed_period_is_a_usage_error(tmp_path: Path) -> None:
    lower = tmp_path / "lower.toml"
    lower.write_text(_edit(POLICY_TEXT, "items.3A", "rmb_per_usd", '"0.02"'), encoding="utf-8")
    done = run(["whatif", str(CASE_3A), "--base", str(lower), "--policy", "keqiao-2020", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["base"]["total_rmb"], doc["reform"]["total_rmb"]) == ("2720246.91", "3030370.37")
    assert doc["firms"] == {"gain": 3, "lose": 0, "same": 1}
    # the two policies share the id keqiao-2020: each is named by its file
    assert (doc["base"]["policy"], doc["reform"]["policy"]) == (str(lower), "keqiao-2020 (built in)")
    done = run(["whatif", str(CASE_3A), "--set", "items.3A.rmb_per_usd=0.02", "--period", "2020-07-01"], tmp_path)
    assert done.returncode == 2 and "--period" in done.stderr


def test_set_errors_speak_the_runs_language(tmp_path: Path) -> None:
    zh = run(["whatif", str(CASE_3A), "--set", "items.3A.rate=0.02"], tmp_path)
    en = run(["whatif", str(CASE_3A), "--set", "items.3A.rate=0.02", "--lang", "en"], tmp_path)
    assert zh.returncode == en.returncode == 1
    assert "items.3A.rate 不是政策中的键" in zh.stderr
    assert "items.3A.rate is not a key of the policy" in en.stderr
