"""`kqcalc explain` for every registered firm (issue 13, "Auditors"): registry facts, negative records, the first
source rows, thresholds apart from measures, rows left out by rule, JSON errors, zh and en.

The district, worked out by hand from SPEC §2 (period 2020-07-01 .. 2021-06-30):

* A (绍兴甲纺织有限公司): five B2C transactions in the period, 600,000 + 700,000 + 800,000 + 900,000 + 1,000,000
  = 4,000,000 USD (transactions.csv rows 2–6) → item 2 tier 1 (≥ 3,000,000) = 50,000.00; next tier 5,000,000,
  1,000,000 away. explain shows rows 2, 3 and 4 and says 2 more. Its one negative record (侵权, 2019-05-01,
  negative_records.csv row 2) is dated before the period: it does not disqualify, and is a row left out.
* D (柯桥丁进出口有限公司): a B2C store S-D1 opened 2020-09-01 with one transaction of 120 orders and 3,200,000
  USD (row 7) → 1A: 120 ≥ 100 orders and 3,200,000 ≥ 30,000 USD → 10,000.00; item 2 tier 1 → 50,000.00. The
  1A condition reads 3,200,000 美元 with the 30,000 threshold beside it, never "已达 30,000 美元" alone.
* N (绍兴戊布业有限公司): 3,500,000 USD B2C (row 8) → item 2 gross 50,000.00, but a negative record 偷税 dated
  2020-12-08 (negative_records.csv row 3) → ineligible, award 0.
* E (柯桥己贸易有限公司): three 9610 declarations: 1,000 USD through the platform on 2020-08-08 (counted), 2,000
  USD not through the platform on 2020-08-09, 4,000 USD through the platform on 2021-07-01 (after the period)
  → 3A = 0.03 × 1,000 = 30.00; one in-period B2B transaction (row 9) does not count toward a B2C amount.
* R (绍兴庚纺织有限公司): registered (not in the zone), no row in any other table → no line; explain exits 0.
* S (绍兴辛丝绸有限公司): registered, two B2C transactions in 2019 (rows 10, 11) → both outside the period, no
  line; explain exits 0 and names them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from firm_codes import credit_code
from rich.console import Console
from typer.testing import CliRunner

from kqcalc.cli import app
from kqcalc.explain import explain, render_tree

A, D, N, E, R, S = (credit_code(n) for n in (21, 22, 23, 24, 25, 26))
NAMES = {A: "绍兴甲纺织有限公司", D: "柯桥丁进出口有限公司", N: "绍兴戊布业有限公司", E: "柯桥己贸易有限公司",
         R: "绍兴庚纺织有限公司", S: "绍兴辛丝绸有限公司"}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])


def district(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "firms.csv", ["firm_id", "firm_name", "in_zone", "independent_accounting", "independent_tax"],
              [[f, NAMES[f], "否" if f == R else "是", "是", "是"] for f in (A, D, N, E, R, S)])
    write_csv(folder / "transactions.csv",
              ["firm_id", "platform", "store_id", "model", "traded_on", "orders", "amount"], [
                  [A, "amazon", "", "B2C", "2020-07-01", "1", "600000"],  # row 2
                  [A, "amazon", "", "B2C", "2020-08-01", "1", "700000"],
                  [A, "amazon", "", "B2C", "2020-09-01", "1", "800000"],
                  [A, "amazon", "", "B2C", "2020-10-01", "1", "900000"],
                  [A, "amazon", "", "B2C", "2021-06-30", "1", "1000000"],  # row 6
                  [D, "amazon", "S-D1", "B2C", "2020-10-01", "120", "3200000"],  # row 7
                  [N, "ebay", "", "B2C", "2020-11-11", "1", "3500000"],  # row 8
                  [E, "alibaba.com", "", "B2B", "2020-09-09", "1", "5000"],  # row 9
                  [S, "amazon", "", "B2C", "2019-01-01", "1", "100"],  # row 10
                  [S, "amazon", "", "B2C", "2019-02-01", "1", "200"],  # row 11
              ])
    write_csv(folder / "stores.csv", ["firm_id", "platform", "store_id", "model", "opened_on"],
              [[D, "amazon", "S-D1", "B2C", "2020-09-01"]])
    write_csv(folder / "exports_9610.csv", ["declaration_no", "firm_id", "declared_on", "amount", "via_platform"], [
        ["E-1", E, "2020-08-08", "1000", "是"],
        ["E-2", E, "2020-08-09", "2000", "否"],
        ["E-3", E, "2021-07-01", "4000", "是"],
    ])
    write_csv(folder / "negative_records.csv", ["firm_id", "category", "occurred_on"],
              [[A, "侵权", "2019-05-01"], [N, "偷税", "2020-12-08"]])
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("explain_registry")
    inputs = district(tmp / "in")
    out = tmp / "out"
    result = CliRunner().invoke(app, ["compute", str(inputs), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return inputs, out


def render(doc: dict, lang: str = "zh") -> str:
    console = Console(record=True, width=400, file=io.StringIO())
    console.print(render_tree(doc, lang))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


# --- 1. registered firms without lines ------------------------------------------------------------------------


def test_results_json_carries_every_registered_firm_sorted(run):
    _, out = run
    doc = results(out)
    assert list(doc["registry"]) == sorted([A, D, N, E, R, S])
    assert {f["firm_id"] for f in doc["firms"]} == {A, D, N, E}  # R and S have no line
    assert doc["registry"][R]["in_zone"] is False and doc["registry"][R]["name"] == "绍兴庚纺织有限公司"


def test_a_registered_firm_without_rows_exits_0_and_says_it_is_registered(run):
    inputs, out = run
    result = CliRunner().invoke(app, ["explain", "庚纺织", "--run", str(out)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    text = "\n".join(line.rstrip() for line in result.output.splitlines())
    assert f"绍兴庚纺织有限公司（{R}）　已在企业名录中登记　本次运行无奖励行" in text
    assert ("├── 本次运行中该企业没有奖励行（不是查无此企业）。"
            "原因：除企业名录外，本次输入的各表中都没有该企业的数据行（未申报任何项目）。") in text
    assert (f"企业名录：园区注册 否；独立核算 是；独立纳税 是；物流企业 否；一事一议 否"
            f"（{inputs}/firms.csv 第 6 行）") in text
    assert "没有与" not in text  # not the words for a typo


def test_a_typo_still_exits_1_with_other_words(run):
    _, out = run
    result = CliRunner().invoke(app, ["explain", "不存在的企业", "--run", str(out)])
    assert result.exit_code == 1
    assert "没有与 '不存在的企业' 相符的企业（共 6 家）" in result.output


def test_a_registered_firm_whose_rows_are_all_outside_the_period_names_them(run):
    _, out = run
    doc = explain(S, run=out)
    assert doc["firm"] == {"firm_id": S, "firm_name": "绍兴辛丝绸有限公司", "rank": None, "total_rmb": "0.00",
                           "district_rmb": "0.00", "city_rmb": "0.00", "registered": True, "has_lines": False}
    assert doc["lines"] == []
    assert doc["registry"]["no_lines"]["reason"] == "rows_no_line"
    text = render(doc)
    assert "原因：它在各表中的数据行都没有形成奖励行，见下方“各表数据行”。" in text
    assert "    └── 交易：2 行（日期在考核期外 2 行）" in text


def test_english_for_a_registered_firm_without_lines(run):
    inputs, out = run
    text = render(explain(R, run=out, lang="en"), "en")
    assert f"绍兴庚纺织有限公司 ({R})   registered in firms   no lines in this run" in text
    assert ("The firm has no award line in this run (it is registered: this is not an unknown firm). Why: apart "
            "from firms, no input table of this run has a row of this firm (it applied for nothing).") in text
    assert (f"firms: in zone no; independent accounting yes; independent tax yes; logistics firm no; case by case no"
            f" ({inputs}/firms.csv row 6)") in text


# --- 2. the negative record that disqualified a firm ------------------------------------------------------------


def test_the_disqualifying_negative_record_is_named_with_category_date_file_and_row(run):
    inputs, out = run
    doc = explain(N, run=out)
    where = f"{inputs}/negative_records.csv"
    record = {"category": "偷税", "occurred_on": "2020-12-08", "file": where, "row": 3}
    assert [{k: r[k] for k in record} for r in doc["registry"]["negative_records"]] == [record]
    (line,) = doc["lines"]
    assert (line["item"], line["status"], line["gross_rmb"], line["award_rmb"]) == ("2", "ineligible", "50000.00",
                                                                                    "0.00")
    (deduction,) = line["deductions"]
    assert deduction["reason"] == "negative_record" and deduction["negative_records"] == [record]
    text = render(doc)
    assert "├── 负面记录（考核期内或日期不详，取消本期全部奖励资格）" in text
    assert f"│   └── 偷税，2020-12-08，{where} 第 3 行" in text
    assert "│   ├── 负面记录：1 行（考核期内或日期不详（取消资格） 1 行）" in text
    assert "    │   └── 资格不符：−50,000.00 元（有负面记录）\n" in text
    assert f"    │       └── 偷税，2020-12-08，{where} 第 3 行" in text


def test_a_negative_record_before_the_period_does_not_disqualify_and_is_a_row_left_out(run):
    _, out = run
    doc = explain(A, run=out)
    assert doc["registry"]["negative_records"] == []
    assert {"table": "negative_records", "rows": {"outside_period": 1},
            "text": "负面记录：1 行（日期在考核期外 1 行）"} in doc["registry"]["rows"]
    assert doc["firm"]["total_rmb"] == "50000.00"


# --- 3. the first source rows ---------------------------------------------------------------------------------------


def test_a_multi_row_measure_shows_its_first_three_rows_and_how_many_more(run):
    inputs, out = run
    tx = f"{inputs}/transactions.csv"
    (line,) = explain(A, run=out)["lines"]
    assert line["measure"] == "4000000"
    assert line["sources"] == [{"file": tx, "rows": 5, "first_rows": [
        {"row": 2, "date": "2020-07-01", "value": "600000", "currency": "USD"},
        {"row": 3, "date": "2020-08-01", "value": "700000", "currency": "USD"},
        {"row": 4, "date": "2020-09-01", "value": "800000", "currency": "USD"}]}]
    assert line["first_rows_text"] == [f"{tx} 第 2 行：2020-07-01，600,000 美元",
                                       f"{tx} 第 3 行：2020-08-01，700,000 美元",
                                       f"{tx} 第 4 行：2020-09-01，800,000 美元", "……另有 2 行"]
    text = render(explain(A, run=out))
    assert (f"    ├── 计量值 4,000,000 美元，来自 {tx} 中 5 行\n"
            f"    │   ├── {tx} 第 2 行：2020-07-01，600,000 美元\n") in text
    assert "    │   └── ……另有 2 行\n" in text


def test_first_rows_of_9610_declarations_are_those_counted(run):
    inputs, out = run
    (line,) = explain(E, run=out)["lines"]
    assert (line["item"], line["measure"], line["award_rmb"]) == ("3A", "1000", "30.00")
    assert line["first_rows_text"] == [f"{inputs}/exports_9610.csv 第 2 行：2020-08-08，1,000 美元"]


# --- 4. the measure and the threshold apart -------------------------------------------------------------------------


def test_a_threshold_reached_reads_as_the_firms_amount_with_the_threshold_beside_it(run):
    _, out = run
    doc = explain(D, run=out)
    line_1a = next(line for line in doc["lines"] if line["item"] == "1A")
    assert line_1a["award_rmb"] == "10000.00"
    texts = [c["text"] for c in line_1a["conditions"]]
    assert "3,200,000 美元（门槛 30,000 美元，已达）" in texts
    text = render(doc)
    assert "企业B2C交易额 3,200,000 美元（门槛 30,000 美元，已达）" in text
    assert "企业B2C交易额：已达 30,000 美元" not in text
    en = render(explain(D, run=out, lang="en"), "en")
    assert "firm's B2C amount 3,200,000 USD (threshold 30,000 USD, reached)" in en


# --- 5. why rows were left out ----------------------------------------------------------------------------------


def test_rows_left_out_are_counted_by_reason(run):
    inputs, out = run
    doc = explain(E, run=out)
    rows = {r["table"]: r for r in doc["registry"]["rows"]}
    assert rows["exports_9610"]["rows"] == {"used": 1, "outside_period": 1, "not_via_platform": 1}
    assert rows["exports_9610"]["text"] == ("9610出口清单：3 行（计入 1 行，日期在考核期外 1 行，"
                                            "未通过轻纺城平台申报 1 行）")
    assert rows["transactions"]["rows"] == {"model_b2b": 1}
    text = render(doc)
    assert "B2B模式（只计入新开店铺订单数，不计入企业B2C交易额） 1 行" in text
    # The same rows the manifest counts as excluded by rule in that file: 2 of 3.
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = [f for f in manifest["files"] if f["file"] == f"{inputs}/exports_9610.csv"]
    assert (entry["rows_read"], entry["rows_excluded"]) == (3, 2)


# --- 6. --json errors -----------------------------------------------------------------------------------------------


def test_json_no_match_is_a_json_error_with_exit_1(run):
    _, out = run
    result = CliRunner().invoke(app, ["explain", "不存在的企业", "--run", str(out), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["code"] == "no_match" and doc["exit_code"] == 1
    assert "没有与 '不存在的企业' 相符的企业（共 6 家）" in doc["error"]


def test_json_several_matches_lists_them(run):
    _, out = run
    result = CliRunner().invoke(app, ["explain", "纺织", "--run", str(out), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["code"] == "several_matches"
    assert doc["matches"] == [{"firm_id": A, "firm_name": "绍兴甲纺织有限公司", "rank": 2},
                              {"firm_id": R, "firm_name": "绍兴庚纺织有限公司", "rank": None}]


def test_json_bad_run_folder_is_a_json_error_with_exit_1(tmp_path):
    result = CliRunner().invoke(app, ["explain", A, "--run", str(tmp_path / "nowhere"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"error": f"{tmp_path / 'nowhere'}: no such run folder",
                                         "code": "input_error", "exit_code": 1}


def test_json_for_a_registered_firm_without_lines_exits_0(run):
    _, out = run
    result = CliRunner().invoke(app, ["explain", R, "--run", str(out), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["firm"]["registered"] is True and doc["firm"]["has_lines"] is False and doc["lines"] == []
    assert doc["registry"]["no_lines"]["reason"] == "no_rows"


# --- reproducible --------------------------------------------------------------------------------------------------


def test_results_json_with_the_registry_is_byte_identical_across_runs(run, tmp_path):
    inputs, out = run
    again = tmp_path / "again"
    assert CliRunner().invoke(app, ["compute", str(inputs), "--out", str(again), "--quiet"]).exit_code == 0
    assert (again / "results.json").read_bytes() == (out / "results.json").read_bytes()


def test_the_lazy_reader_decodes_one_registry_entry_as_a_full_read_does(run):
    from kqcalc.record import load_run

    _, out = run
    folder = (out / "current").resolve()
    full = load_run(folder)
    assert full.registry == json.loads((out / "results.json").read_text(encoding="utf-8"))["registry"]
    for firm in (A, D, N, E, R, S):
        assert load_run(folder, lazy=True).registry_entry(firm) == full.registry[firm]
        assert load_run(folder, lazy=True).lines_of(firm) == full.lines_of(firm)
    lazy = load_run(folder, lazy=True)
    assert lazy.registry_entry(credit_code(99)) is None and lazy.registry == full.registry
