"""`kqcalc explain FIRM` (SPEC §4): one firm's lines as the stored run decided them, as a tree and as JSON.

The district, worked out by hand from SPEC §2:

* A (绍兴甲纺织有限公司): B2C 1,000,000 + 2,000,000 = 3,000,000 USD in 2 rows → item 2 reaches tier 1
  (≥ 3,000,000 USD) → 50,000.00; the next tier is 5,000,000 USD, 2,000,000 USD away; no cap.
  One 9610 declaration of 1,000,000 USD through the platform → 3A gross 0.03 × 1,000,000 = 30,000.00 (cap
  1,500,000); the city already awarded 10,000 for 3A → 从高不重复 (top_up) pays 30,000 − 10,000 = 20,000.00,
  status topped_up. Total 70,000.00, all district-funded.
* B (柯桥乙贸易有限公司): B2C 5,200,000 USD → item 2 tier 2 = 100,000.00. Rank 1; A is rank 2.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from firm_codes import credit_code
from rich.console import Console
from typer.testing import CliRunner

from kqcalc.cli import app
from kqcalc.explain import explain, render_tree

CLAUSE_2 = ("对整年度跨境电商B2C在线交易额达到300万、500万、1000万、3000万美元的企业，"
            "分别给予不超过5万、10万、15万、20万元奖励。")
CLAUSE_3A = "对通过轻纺城跨境电商出口通关服务平台以9610方式出口的企业，每1美元给予0.03元奖励，单个企业不超过150万元。"


A, B = credit_code(11), credit_code(12)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])


def district(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "firms.csv", ["firm_id", "firm_name", "in_zone", "independent_accounting", "independent_tax"],
              [[A, "绍兴甲纺织有限公司", "是", "是", "是"], [B, "柯桥乙贸易有限公司", "是", "是", "是"]])
    write_csv(folder / "transactions.csv", ["firm_id", "platform", "model", "traded_on", "amount"], [
        [A, "amazon", "B2C", "2020-08-01", "1000000"],
        [A, "amazon", "B2C", "2021-03-15", "2000000"],
        [B, "ebay", "B2C", "2020-10-01", "5200000"],
    ])
    write_csv(folder / "exports_9610.csv", ["declaration_no", "firm_id", "declared_on", "amount", "via_platform"],
              [["D0001", A, "2020-09-09", "1000000", "是"]])
    write_csv(folder / "other_awards.csv", ["firm_id", "item", "ref", "level", "amount_rmb"],
              [[A, "3A", "", "市", "10000"]])
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the inputs folder, the output folder) of one compute."""
    tmp = tmp_path_factory.mktemp("explain")
    inputs = district(tmp / "in")
    out = tmp / "out"
    result = CliRunner().invoke(app, ["compute", str(inputs), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return inputs, out


def manifest(out: Path) -> dict:
    return json.loads((out / "current" / "manifest.json").read_text(encoding="utf-8"))


# The rows each measure came from, as in the district's CSVs (header = row 1).
TX_ROWS = [{"row": 2, "date": "2020-08-01", "value": "1000000", "currency": "USD"},
           {"row": 3, "date": "2021-03-15", "value": "2000000", "currency": "USD"}]
EX_ROWS = [{"row": 2, "date": "2020-09-09", "value": "1000000", "currency": "USD"}]


def expected_json(inputs: Path, out: Path) -> dict:
    tx, ex = f"{inputs}/transactions.csv", f"{inputs}/exports_9610.csv"
    m = manifest(out)
    tiers = ["3000000", "5000000", "10000000", "30000000"]
    return {
        "run": {"folder": str((out / "current").resolve()), "run_time": m["run_time"], "policy": "keqiao-2020",
                "policy_sha256": m["policy"]["sha256"], "period": {"start": "2020-07-01", "end": "2021-06-30"},
                "note": None},
        "firm": {"firm_id": A, "firm_name": "绍兴甲纺织有限公司", "rank": 2, "total_rmb": "70000.00",
                 "district_rmb": "70000.00", "city_rmb": "0.00", "registered": True, "has_lines": True},
        "registry": {
            "facts": {"in_zone": True, "independent_accounting": True, "independent_tax": True,
                      "is_logistics": False, "case_by_case": False},
            "source": {"file": f"{inputs}/firms.csv", "row": 2}, "data_error": False,
            "text": ("企业名录：园区注册 是；独立核算 是；独立纳税 是；物流企业 否；一事一议 否"
                     f"（{inputs}/firms.csv 第 2 行）"),
            "negative_records": [],
            "rows": [
                {"table": "transactions", "rows": {"used": 2}, "text": "交易：2 行（计入 2 行）"},
                {"table": "exports_9610", "rows": {"used": 1}, "text": "9610出口清单：1 行（计入 1 行）"},
                {"table": "other_awards", "rows": {"used": 1}, "text": "其他层级奖励：1 行（计入 1 行）"},
            ],
            "no_lines": None,
        },
        "lines": [
            {
                "item": "2", "ref": "", "title": "B2C交易额奖励", "clause": "二",
                "clause_title": "支持跨境电商零售做大做强", "clause_text": CLAUSE_2,
                "measure": "3000000", "unit": "USD", "sources": [{"file": tx, "rows": 2, "first_rows": TX_ROWS}],
                "first_rows_text": [f"{tx} 第 2 行：2020-08-01，1,000,000 美元",
                                    f"{tx} 第 3 行：2021-03-15，2,000,000 美元"],
                "rule": "第 1 档（≥ 3,000,000 美元）→ 50,000 元",
                "conditions": [{
                    "condition": "企业B2C交易额", "key": "", "measure": "3000000", "unit": "USD",
                    "thresholds": tiers, "tier": 1, "reached": "3000000", "next": "5000000", "distance": "2000000",
                    "text": ("3,000,000 美元（已达第 1 档 ≥ 3,000,000 美元；下一档 5,000,000 美元，"
                             "还差 2,000,000 美元）"),
                }],
                "facts": [],
                "gross_rmb": "50000.00", "cap_rmb": None, "capped_rmb": "50000.00", "deductions": [],
                "award_rmb": "50000.00", "funding": "district", "funding_text": "区级财政",
                "status": "awarded", "status_text": "予以奖励", "reasons": [], "reason_text": "",
                "detail": {"measure": "3000000", "unit": "USD", "thresholds": tiers, "tier": 1, "reached": "3000000",
                           "next": "5000000",
                           "distance": "2000000", "sources": {tx: 2}, "first_rows": {tx: TX_ROWS}},
            },
            {
                "item": "3A", "ref": "", "title": "9610出口奖励", "clause": "三",
                "clause_title": "支持跨境电商9610业务发展", "clause_text": CLAUSE_3A,
                "measure": "1000000", "unit": "USD", "sources": [{"file": ex, "rows": 1, "first_rows": EX_ROWS}],
                "first_rows_text": [f"{ex} 第 2 行：2020-09-09，1,000,000 美元"],
                "rule": "0.03 元/美元 × 美元，上限 1,500,000 元",
                "conditions": [],
                "facts": [{"text": "考核期内 1 行，计入 1 行", "items": []}],
                "gross_rmb": "30000.00", "cap_rmb": "1500000.00", "capped_rmb": "30000.00",
                "deductions": [{"rule": "highest_only", "rule_text": "从高不重复", "amount_rmb": "10000.00",
                                "reason": "other_level_award", "reason_text": "已获其他层级同项奖励",
                                "detail": "10000 under other policies"}],
                "award_rmb": "20000.00", "funding": "district", "funding_text": "区级财政",
                "status": "topped_up", "status_text": "从高不重复（补足差额）",
                "reasons": ["other_level_award"], "reason_text": "已获其他层级同项奖励",
                "detail": {"rate": "0.03", "rows_in_period": 1, "rows_counted": 1, "sources": {ex: 1},
                           "first_rows": {ex: EX_ROWS}},
            },
        ],
    }


def expected_tree(inputs: Path, out: Path) -> str:
    m = manifest(out)
    folder = (out / "current").resolve()
    return f"""\
绍兴甲纺织有限公司（{A}）　第 2 名　奖励合计 70,000.00 元（区级财政 70,000.00 元，市级财政 0.00 元）
运行 {folder}　政策 keqiao-2020　考核期 2020-07-01 至 2021-06-30　运行时间 {m["run_time"]}
├── 企业名录：园区注册 是；独立核算 是；独立纳税 是；物流企业 否；一事一议 否（{inputs}/firms.csv 第 2 行）
├── 各表数据行（被隔离的错误行不在其中，见 issues.csv）
│   ├── 交易：2 行（计入 2 行）
│   ├── 9610出口清单：1 行（计入 1 行）
│   └── 其他层级奖励：1 行（计入 1 行）
├── 2 B2C交易额奖励 — 50,000.00 元  予以奖励  区级财政
│   ├── 条款（二、支持跨境电商零售做大做强）：{CLAUSE_2}
│   ├── 计量值 3,000,000 美元，来自 {inputs}/transactions.csv 中 2 行
│   │   ├── {inputs}/transactions.csv 第 2 行：2020-08-01，1,000,000 美元
│   │   └── {inputs}/transactions.csv 第 3 行：2021-03-15，2,000,000 美元
│   ├── 企业B2C交易额 3,000,000 美元（已达第 1 档 ≥ 3,000,000 美元；下一档 5,000,000 美元，还差 2,000,000 美元）
│   ├── 适用规则：第 1 档（≥ 3,000,000 美元）→ 50,000 元
│   ├── 计算额 50,000.00 元；无上限 → 50,000.00 元
│   ├── 扣减：无
│   └── 奖励 50,000.00 元　状态：予以奖励　资金来源：区级财政
└── 3A 9610出口奖励 — 20,000.00 元  从高不重复（补足差额）  区级财政
    ├── 条款（三、支持跨境电商9610业务发展）：{CLAUSE_3A}
    ├── 计量值 1,000,000 美元，来自 {inputs}/exports_9610.csv 中 1 行
    │   └── {inputs}/exports_9610.csv 第 2 行：2020-09-09，1,000,000 美元
    ├── 考核期内 1 行，计入 1 行
    ├── 适用规则：0.03 元/美元 × 美元，上限 1,500,000 元
    ├── 计算额 30,000.00 元；上限 1,500,000.00 元 → 30,000.00 元
    ├── 扣减
    │   └── 从高不重复：−10,000.00 元（已获其他层级同项奖励）
    ├── 原因：已获其他层级同项奖励
    └── 奖励 20,000.00 元　状态：从高不重复（补足差额）　资金来源：区级财政
"""


def render(doc: dict, lang: str = "zh") -> str:
    console = Console(record=True, width=400, file=io.StringIO())
    console.print(render_tree(doc, lang))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def test_explain_shows_clause_measure_sources_thresholds_cap_deductions_award_and_funding(run):
    inputs, out = run
    doc = explain(A, run=out)
    assert render(doc) == expected_tree(inputs, out)


def test_explain_json_has_the_same_content(run):
    inputs, out = run
    result = CliRunner().invoke(app, ["explain", A, "--run", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected_json(inputs, out)


def test_the_cli_prints_the_tree(run):
    inputs, out = run
    result = CliRunner().invoke(app, ["explain", "甲纺织", "--run", str(out)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "\n".join(line.rstrip() for line in result.output.splitlines()) + "\n" == expected_tree(inputs, out)


def test_english_with_lang_en(run):
    _, out = run
    text = render(explain(A, run=out, lang="en"), "en")
    assert "├── 2 B2C turnover award — 50,000.00 RMB  awarded  district" in text
    assert ("│   ├── firm's B2C amount 3,000,000 USD (tier 1 reached, ≥ 3,000,000 USD; next tier 5,000,000 USD, "
            "2,000,000 USD to go)") in text
    assert ("    │   └── highest only: −RMB 10,000.00 (award for the same item under another policy; "
            "10000 under other policies)") in text
    assert "Enterprises exporting under the 9610 mode" in text


def test_a_credit_code_matches_after_normalisation_before_any_name(run):
    _, out = run
    spaced = " ".join(A[i:i + 6] for i in range(0, 18, 6)).lower()
    assert explain(spaced, run=out)["firm"]["firm_id"] == A


def test_several_matches_are_listed_and_exit_1(run):
    _, out = run
    result = CliRunner().invoke(app, ["explain", "有限公司", "--run", str(out)])
    assert result.exit_code == 1
    assert "2 家企业与 '有限公司' 相符" in result.output
    assert f"{B}  柯桥乙贸易有限公司  (#1)" in result.output and f"{A}  绍兴甲纺织有限公司  (#2)" in result.output


def test_no_match_exits_1_with_a_hint(run):
    _, out = run
    result = CliRunner().invoke(app, ["explain", "不存在", "--run", str(out)])
    assert result.exit_code == 1
    assert "没有与 '不存在' 相符的企业（共 2 家）" in result.output and "统一社会信用代码" in result.output


def test_without_run_the_latest_run_under_kqcalc_out_is_read(tmp_path, monkeypatch):
    inputs = district(tmp_path / "in")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for name in ("older", "newer"):
        assert runner.invoke(app, ["compute", str(inputs), "--out", f"kqcalc-out/{name}", "--quiet"]).exit_code == 0
    older = (tmp_path / "kqcalc-out" / "older" / "current" / "manifest.json").resolve()
    doc = json.loads(older.read_text(encoding="utf-8"))
    older.write_text(json.dumps(doc | {"run_time": "2021-01-01T00:00:00+00:00"}), encoding="utf-8")
    result = runner.invoke(app, ["explain", A, "--json"])
    assert result.exit_code == 0, result.output
    assert "/kqcalc-out/newer/runs/" in json.loads(result.output)["run"]["folder"]


def test_without_any_run_explain_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["explain", A])
    assert result.exit_code == 1 and "kqcalc compute" in result.output


def test_explain_does_not_import_polars(run):
    _, out = run
    code = ("import sys\nfrom kqcalc.cli import app\n"
            f"try:\n    app(['explain', {A!r}, '--run', {str(out)!r}, '--json'])\n"
            "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
            "assert 'polars' not in sys.modules, 'explain imported polars'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_the_lazy_reader_of_results_json_agrees_with_a_full_read(tmp_path):
    from kqcalc.record import load_run

    inputs = district(tmp_path / "in")
    odd = credit_code(13)
    with (inputs / "firms.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow([odd, '=HYPERLINK("http://x","y") \\ 丙', "是", "是", "是"])
    with (inputs / "transactions.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow([odd, "amazon", "B2C", "2020-08-01", "100"])
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["compute", str(inputs), "--out", str(out), "--quiet"]).exit_code == 0
    folder = (out / "current").resolve()
    full, lazy = load_run(folder), load_run(folder, lazy=True)
    assert lazy.names == full.names == {r.firm_id: r.firm_name for r in full.lines}
    assert lazy.names[odd] == '=HYPERLINK("http://x","y") \\ 丙'
    for firm in (A, B, odd):
        assert lazy.lines_of(firm) == full.lines_of(firm) == [r for r in full.lines if r.firm_id == firm]
    assert lazy.header == full.header and lazy.ranks == full.ranks
    assert explain("HYPERLINK", run=out)["firm"]["firm_name"] == '=HYPERLINK("http://x","y") \\ 丙'

