"""CLI contract of `compute` (SPEC §4, §5): the outputs' columns, formats and order, and exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = "91330603MA2B0A0A0W"  # check character worked out in tests/test_clean.py
OTHER = "91330603MA2B0A0A1T"
ZERO = "91330603MA2B0A0A2Q"

FIRMS = f"""firm_id,firm_name,in_zone,independent_accounting,independent_tax
{GOOD},甲公司,是,是,是
{OTHER},=HYPERLINK("x"),是,是,是
{ZERO},丙公司,是,是,是
"""
# 甲: B2C 5,000,000 USD → item 2 tier 2 = 100,000. 乙: B2C 3,000,000 USD → tier 1 = 50,000.
# 丙: B2C 2,999,999.99 USD → not met, total 0: ranked last.
TRANSACTIONS = f"""firm_id,platform,store_id,model,traded_on,orders,amount,currency
{GOOD},amazon,,B2C,2020-07-01,1,"5,000,000",USD
{OTHER},amazon,,B2C,2021-06-30,1,3000000,
{ZERO},amazon,,B2C,2021-01-01,1,2999999.99,
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kqcalc", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture()
def case(tmp_path: Path) -> Path:
    data = tmp_path / "in"
    data.mkdir()
    (data / "firms.csv").write_text(FIRMS, encoding="utf-8")
    (data / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    return data


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    assert b"\r\n" not in raw, "\\n line ends"
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


def test_outputs_have_the_contract_columns_order_and_money_format(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(["compute", str(case), "--out", str(out), "--formats", "csv"], tmp_path)
    assert result.returncode == 0, result.stderr
    awards = read_csv(out / "awards.csv")
    assert awards[0] == ["firm_id", "firm_name", "item", "ref", "measure", "unit", "gross_rmb", "capped_rmb",
                         "award_rmb", "funding", "status", "reason"]
    assert awards[1:] == [
        [GOOD, "甲公司", "2", "", "5000000", "USD", "100000.00", "100000.00", "100000.00", "district", "awarded", ""],
        [OTHER, "'=HYPERLINK(\"x\")", "2", "", "3000000", "USD", "50000.00", "50000.00", "50000.00", "district",
         "awarded", ""],
        [ZERO, "丙公司", "2", "", "2999999.99", "USD", "0.00", "0.00", "0.00", "district", "not_met",
         "below_threshold"],
    ]
    summary = read_csv(out / "summary.csv")
    assert summary[0] == ["rank", "firm_id", "firm_name", "total_rmb", "district_rmb", "city_rmb", "1A", "1B", "2",
                          "3A", "3B", "4", "5", "6", "7", "8", "9A", "9B", "9C", "10A", "10B"]
    assert [row[:6] for row in summary[1:]] == [
        ["1", GOOD, "甲公司", "100000.00", "100000.00", "0.00"],
        ["2", OTHER, "'=HYPERLINK(\"x\")", "50000.00", "50000.00", "0.00"],
        ["3", ZERO, "丙公司", "0.00", "0.00", "0.00"],
    ]
    assert summary[1][8] == "100000.00" and summary[1][6] == "0.00"
    assert read_csv(out / "issues.csv")[0] == ["table", "file", "row", "column", "severity", "code", "message"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["policy"]["id"] == "keqiao-2020"
    assert manifest["period"] == {"start": "2020-07-01", "end": "2021-06-30"}
    assert manifest["totals"]["by_funding"] == {"district": "150000.00", "city": "0.00"}
    files = {Path(f["file"]).name: f for f in manifest["files"]}
    assert files["transactions.csv"]["rows_read"] == 3 and files["transactions.csv"]["rows_used"] == 3


def test_exit_3_when_rows_are_quarantined_and_strict_writes_nothing(case: Path, tmp_path: Path) -> None:
    with (case / "transactions.csv").open("a", encoding="utf-8") as f:
        f.write(f"{GOOD},amazon,,B2C,2020-07-02,1,-5,USD\n")
    out = tmp_path / "out"
    assert run(["compute", str(case), "--out", str(out), "--formats", "csv"], tmp_path).returncode == 3
    issues = read_csv(out / "issues.csv")
    assert [r[2:6] for r in issues[1:] if r[4] == "error"] == [["5", "amount", "error", "negative_value"]]
    strict_out = tmp_path / "strict"
    assert run(["compute", str(case), "--out", str(strict_out), "--strict"], tmp_path).returncode == 3
    assert not (strict_out / "awards.csv").exists()


@pytest.mark.parametrize(("args", "code"), [
    (["compute", "no-such-folder"], 1),
    (["compute", "IN", "--period", "2020-07-01..2021-06-30"], 2),
    (["compute", "IN", "--policy", "no-such-policy.toml"], 1),
    (["validate", "IN"], 0),
])
def test_exit_codes(case: Path, tmp_path: Path, args: list[str], code: int) -> None:
    args = [str(case) if a == "IN" else a for a in args]
    result = run([*args, "--out", str(tmp_path / "o")] if args[0] == "compute" else args, tmp_path)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr


def test_policy_show_prints_the_numbers(tmp_path: Path) -> None:
    result = run(["policy", "show"], tmp_path)
    assert result.returncode == 0
    assert "0.03" in result.stdout and "1500000" in result.stdout.replace(",", "")
