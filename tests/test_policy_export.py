"""`kqcalc policy export FILE.toml` and the words of `kqcalc policy show` (SPEC §4).

The export is the policy file's own text, so the copy read back with `--policy` is the same policy: the same
SHA-256 and, on the demo district-year, byte-identical awards.csv and summary.csv.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from kqcalc.cli import app
from kqcalc.policy import load_policy
from kqcalc.policy_show import render_policy

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "kqcalc" / "policy" / "keqiao-2020.toml"
SAMPLE = ROOT / "sample_data"


def kq(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


def test_export_writes_the_built_in_policy_file_byte_for_byte_comments_included(tmp_path):
    target = tmp_path / "my-policy.toml"
    result = kq("policy", "export", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"政策 keqiao-2020 已写入 {target}；修改时请同时修改其中 [policy] 的 id，"
                             f"之后用 --policy {target} 使用\n")
    assert target.read_bytes() == SHIPPED.read_bytes()
    assert "# Keqiao district policy 绍柯政办发〔2020〕33号 as data" in target.read_text(encoding="utf-8")


def test_the_exported_file_given_back_with_policy_gives_identical_results(tmp_path):
    target = tmp_path / "copy.toml"
    assert kq("policy", "export", str(target)).exit_code == 0
    assert load_policy(str(target)).sha256 == load_policy().sha256
    outs = {}
    for name, extra in (("built-in", []), ("exported", ["--policy", str(target)])):
        outs[name] = tmp_path / name
        result = kq("compute", str(SAMPLE), "--out", str(outs[name]), "--formats", "csv", "-q", *extra)
        assert result.exit_code == 0, result.output
    for file in ("awards.csv", "summary.csv", "issues.csv"):
        assert (outs["built-in"] / file).read_bytes() == (outs["exported"] / file).read_bytes(), file


def test_export_of_a_policy_file_copies_that_files_text(tmp_path):
    reform = tmp_path / "reform.toml"
    text = SHIPPED.read_text(encoding="utf-8").replace('id = "keqiao-2020"', 'id = "keqiao-2021-draft"', 1)
    reform.write_text("# 2021 draft: 3A at 0.02\n" + text.replace('rmb_per_usd = "0.03"', 'rmb_per_usd = "0.02"'),
                      encoding="utf-8")
    target = tmp_path / "out.toml"
    result = kq("policy", "export", str(target), "--policy", str(reform), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Policy keqiao-2021-draft written to {target}; ")
    assert target.read_bytes() == reform.read_bytes()


def test_an_existing_file_is_kept_unless_force_is_given(tmp_path):
    target = tmp_path / "mine.toml"
    target.write_text("# my own notes\n", encoding="utf-8")
    refused = kq("policy", "export", str(target))
    assert refused.exit_code == 1
    assert refused.stderr == f"Error: {target} 已存在：如要覆盖请加 --force\n"  # zh by default
    refused_en = kq("policy", "export", str(target), "--lang", "en")
    assert refused_en.stderr == f"Error: {target} already exists: pass --force to overwrite it\n"
    assert target.read_text(encoding="utf-8") == "# my own notes\n"
    forced = kq("policy", "export", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes() == SHIPPED.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]  # no temporary file left beside it


def test_a_name_not_ending_in_toml_is_a_usage_error_and_writes_nothing(tmp_path):
    target = tmp_path / "policy.txt"
    result = kq("policy", "export", str(target), "--lang", "en")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {target}: a policy file must be named *.toml (e.g. policy.toml)\n"
    assert not target.exists()


def test_an_unwritable_path_is_one_line_and_exit_1(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "policy.toml"  # a folder that is a file: not writable whoever runs the test
    result = kq("policy", "export", str(target), "--lang", "en")
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot write {target}: Not a directory\n"
    assert "Traceback" not in result.output


def test_a_bad_policy_file_is_not_exported(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy]\nid = 'x'\n", encoding="utf-8")
    target = tmp_path / "copy.toml"
    result = kq("policy", "export", str(target), "--policy", str(bad), "--lang", "en")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: policy file {bad}: ") and result.stderr.count("\n") == 1
    assert not target.exists()


# --- policy show: parameters by their meaning, values in words, the key as in the file ---------------------------


def shown(lang: str) -> list[list[str]]:
    console = Console(record=True, width=240)
    render_policy(load_policy(), console, lang=lang)
    return [[cell.strip() for cell in line.strip("│ ").split("│")] for line in console.export_text().splitlines()
            if line.startswith("│")]


def test_policy_show_names_each_parameter_in_chinese_with_its_value_and_its_key():
    rows = shown("zh")
    assert ["1A", "单店订单数门槛（笔）", "100", "min_store_orders"] in rows
    assert ["1A", "资金来源", "区级财政", "funding"] in rows
    assert ["8", "资金来源", "市级财政", "funding"] in rows
    assert ["3A", "每美元奖励（元）", "0.03", "rmb_per_usd"] in rows
    assert ["5", "计量单位", "人·天", "unit"] in rows
    assert ["2", "档位 2", "企业B2C交易额门槛（美元） = 5000000；奖励金额（元） = 100000", "tiers[1]"] in rows
    assert ["通用", "一次性奖励项目", "1A, 1B, 9A, 9B, 9C, 10A, 10B", "one_time_items"] in rows


def test_policy_show_in_english_on_request():
    rows = shown("en")
    assert ["1A", "orders of one store, at least", "100", "min_store_orders"] in rows
    assert ["1A", "funding", "district", "funding"] in rows
    assert ["2", "tier 2", "firm's B2C amount, at least (USD) = 5000000; award (RMB) = 100000", "tiers[1]"] in rows


def test_every_parameter_of_the_shipped_policy_has_a_chinese_meaning():
    keys = {re.sub(r"\[\d+\]$", "", row[3]) for row in shown("zh") if len(row) == 4 and row[3]}
    labelled = {row[1] for row in shown("zh") if len(row) == 4}
    assert "min_store_orders" in keys and not keys & labelled  # no key is shown as its own meaning
