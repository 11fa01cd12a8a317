"""One registry of codes (kqcalc/messages.py, SPEC §4 "Language"): every code kqcalc emits is there with a
Chinese and an English template using the same placeholders; messages follow --lang, codes never do."""

from __future__ import annotations

import ast
import csv
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from kqcalc import tables as T
from kqcalc.clean import parse_cells
from kqcalc.errors import InputError, UsageError
from kqcalc.issues import issue, sorted_issues
from kqcalc.messages import CODES, ERROR, STOP, WARNING, placeholders

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for p in (ROOT / "kqcalc").rglob("*.py") if p.name != "messages.py")
CODE_SHAPE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+(/[a-z_]+)?$")  # code, or code/form
# call name -> (position of the code among the arguments, prefix the callee puts before it)
MAKERS = {"issue": (4, ""), "warn": (4, ""), "Issue": (4, ""),
          "_fail": (2, "policy_invalid/"), "fail": (2, "policy_invalid/"),
          **{name: (0, "") for name in ("InputError", "PolicyError", "UsageError", "LockedError", "KqcalcError")}}
# (calls whose code is not a literal, e.g. the cell parser's codes in a frame, are covered by the parser test)


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and CODE_SHAPE.match(n.value)}


def _words(node: ast.AST) -> set[str]:
    """Single-word literals too ("missing", "empty"): the forms a prefix completes."""
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and re.fullmatch(r"[a-z][a-z_]*", n.value)}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def codes_in_source() -> dict[str, set[str]]:
    """Codes each module passes where an issue or a stop is made: literal arguments of issue/warn/Issue/…Error
    calls, the literals a variable passed there is assigned from (`code = "a" if … else "b"`, `problem = ("…",
    …)`, `for code, … in (("…", …), …)`), the literals `code` is compared with, the keys of a `detail` dict, and
    the error codes clean.py's cell parser yields (pl.lit / _when_null); in read/rows.py, the keys of its
    `_NOTE_ARGUMENT` dict (the argument each cell-note code takes)."""
    found: dict[str, set[str]] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        codes: set[str] = set()
        for fn in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            names: set[str] = set()
            for call in [n for n in ast.walk(fn) if isinstance(n, ast.Call) and _name(n.func) in MAKERS]:
                at, prefix = MAKERS[_name(call.func)]  # e.g. issue(table, file, row, column, code)
                if len(call.args) <= at or isinstance(call.args[at], ast.Starred):
                    continue
                arg = call.args[at]
                if isinstance(arg, ast.Constant | ast.IfExp):
                    codes |= {prefix + c for c in _strings(arg) | _words(arg)} if prefix else _strings(arg)
                target = arg.value if isinstance(arg, ast.Subscript) else arg
                if isinstance(target, ast.Name):
                    names.add(target.id)
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if any(isinstance(t, ast.Name) and t.id in names for t in targets) and node.value is not None:
                        codes |= {s for s in _strings(node.value)}
                elif isinstance(node, ast.For) and isinstance(node.target, ast.Tuple) and any(
                        isinstance(t, ast.Name) and t.id == "code" for t in node.target.elts):
                    codes |= _strings(node.iter)
                elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "code":
                    codes |= {s for c in node.comparators for s in _strings(c)}
        for node in ast.walk(tree):
            named_detail = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "_NOTE_ARGUMENT" for t in node.targets)
            if path.name == "rows.py" and named_detail and isinstance(node.value, ast.Dict):
                codes |= {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
            if path.name == "clean.py" and isinstance(node, ast.Call) and _name(node.func) in ("lit", "_when_null"):
                codes |= _strings(node)
        if codes:
            found[path.relative_to(ROOT).as_posix()] = codes
    return found


def test_the_source_scan_finds_the_codes_of_each_kind_of_site() -> None:
    """The scan itself works: it sees codes made in each way (so an empty result cannot pass the next test)."""
    found = codes_in_source()
    read = set().union(*(codes for module, codes in found.items() if module.startswith("kqcalc/read/")))
    assert {"total_row", "unknown_sheet", "merged_cell", "formula_without_value", "path_not_found",
            "missing_columns"} <= read
    assert {"missing_value", "bad_number", "duplicate_conflict", "unknown_firm", "no_fx_rate"} <= found[
        "kqcalc/clean.py"]
    assert {"adjustment_without_line", "adjustment_above_amount"} <= found["kqcalc/rules.py"]
    assert {"period_not_a_year", "period_malformed"} <= found["kqcalc/run.py"]
    assert {"policy_invalid/dates_reversed", "policy_invalid/tiers_overlap"} <= found["kqcalc/policy/check.py"]
    assert {"policy_invalid/missing", "policy_invalid/not_list"} <= found["kqcalc/shape.py"]
    assert {"policy_invalid/spelling_twice"} <= found["kqcalc/items/c01_new_stores.py"]
    assert {"policy_invalid/listed_twice"} <= found["kqcalc/items/c09_warehouses.py"]


def test_every_code_kqcalc_makes_is_in_the_registry() -> None:
    missing = {module: sorted(codes - set(CODES)) for module, codes in codes_in_source().items()
               if codes - set(CODES)}
    assert not missing, f"codes used but not in kqcalc/messages.py: {missing}"


def test_every_cell_error_the_parser_can_give_is_in_the_registry() -> None:
    """Each column of each table, fed text it cannot read and a blank: the codes it reports are registered."""
    seen = set()
    for table in T.TABLES.values():
        for column in table.columns:
            for text in ("@@ not a value @@", "-5", "1.5", None):
                error = parse_cells(pl.DataFrame({column.name: [text]}, schema={column.name: pl.String}),
                                    [column])[column.name].error
                seen |= {e for e in error.to_list() if e is not None}
    assert {"bad_date", "bad_number", "bad_firm_id", "bad_model", "bad_level", "missing_value"} <= seen
    assert seen <= set(CODES), sorted(seen - set(CODES))


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_code_has_both_languages_with_the_same_placeholders(code: str) -> None:
    entry = CODES[code]
    assert entry.severity in (ERROR, WARNING, STOP)
    assert entry.zh.strip() and entry.en.strip()
    assert re.search(r"[\u4e00-\u9fff]", entry.zh), "the zh template is in Chinese"
    assert placeholders(entry.zh) == placeholders(entry.en)
    assert bool(entry.hint_zh) == bool(entry.hint_en)


def test_readme_lists_every_issue_code_with_its_zh_and_en_meaning() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What kqcalc does with bad data", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z0-9_]+)` \|.*$", section, re.M)}
    issue_codes = {c.split("/")[0] for c, e in CODES.items() if e.severity != STOP}
    assert sorted(issue_codes - set(rows)) == []
    for code in issue_codes:
        cells = rows[code].split(" | ")
        assert re.search(r"[\u4e00-\u9fff]", cells[1]) and re.search(r"[a-z]{3}", cells[2]), rows[code]


# ---------------------------------------------------------------------------------------- rendering, by hand


def test_a_cell_error_reads_in_chinese_by_default_and_in_english_on_request() -> None:
    bad = issue("transactions", "in/交易.csv", 5, "交易日期", "bad_date", value="'2020-02-30'", outcome="quarantined")
    assert bad.severity == "error"
    assert bad.message() == ("不是日期：请写年、月、日（2020-07-01、2020/7/1、2020年7月1日或 Excel 日期），"
                             "其后可带不含时区的时刻（2021/6/30 18:30）（'2020-02-30'）；该行未使用（隔离）")
    assert bad.message("en") == ("not a date: write the year, month and day (2020-07-01, 2020/7/1, 2020年7月1日 or "
                                 "an Excel date), optionally followed by a time of day without a time zone "
                                 "(2021/6/30 18:30) ('2020-02-30'); row quarantined")
    soft = issue("negative_records", "n.csv", 3, "发生日期", "bad_date", value="'去年'", outcome="record_applies")
    assert soft.message("zh").endswith("（'去年'）；该记录仍然有效（企业仍不符合条件）")
    assert soft.message("en").endswith(" ('去年'); the record still applies (it disqualifies the firm)")


def test_warnings_render_their_arguments_and_counts_in_each_language() -> None:
    unknown = issue("stores", "a.xlsx:店铺", 30, "统一社会信用代码", "unknown_firm", firm_id="91330603MA2BJNJT55", n=1)
    assert unknown.severity == "warning"
    assert unknown.message() == "91330603MA2BJNJT55 不在企业名录中（本文件 1 行）；其明细不符合条件"
    assert unknown.message("en") == ("91330603MA2BJNJT55 is not in the firms table (1 row(s) in this file); its "
                                     "lines are ineligible")
    total = issue("transactions", "t.csv", 12, "", "total_row", label="'合计'")  # the row comes from the issue
    assert total.message("zh") == "第 12 行（'合计'）是合计行，未使用（合计会重新计算，绝不重复相加）"
    merged = issue("firms", "a.xlsx:企业名录", 0, "", "merged_cells", ranges="A1:E1, C3:C4", more=3)
    assert merged.message("en").startswith("merged cells A1:E1, C3:C4 and 3 more: only the top-left cell")
    assert merged.message("zh").startswith("合并单元格 A1:E1, C3:C4等，另有 3 处：合并区域只有左上角单元格存有值")
    none_more = issue("firms", "a.xlsx:企业名录", 0, "", "merged_cells", ranges="C3:C4", more=0)
    assert none_more.message("en").startswith("merged cells C3:C4: only")


def test_an_unknown_language_falls_back_to_chinese_and_the_code_never_changes() -> None:
    dup = issue("exports_9610", "e.csv", 4, "", "duplicate_merged", first="e.csv:3", key="清单编号=X1")
    assert dup.message("ZH") == dup.message("zh") == "与 e.csv:3 相同（清单编号=X1）；已合并为一行"
    assert dup.message("EN") == "identical to e.csv:3 (清单编号=X1); merged into it"
    assert dup.code == "duplicate_merged"


def test_issues_sort_and_deduplicate_by_place_and_code_not_by_words() -> None:
    a = issue("t", "f.csv", 2, "x", "bad_number", value="'a'", outcome="quarantined")
    b = issue("t", "f.csv", 2, "x", "bad_number", value="'a'", outcome="quarantined")
    c = issue("t", "f.csv", 1, "y", "missing_value", value="''", outcome="quarantined")
    assert sorted_issues([a, b, c]) == [c, a]
    assert hash(a) == hash(b)


def test_an_unregistered_code_is_refused_at_once() -> None:
    with pytest.raises(KeyError):
        issue("t", "f.csv", 2, "x", "no_such_code")
    with pytest.raises(KeyError):
        InputError("no_such_stop")


def test_a_stop_renders_in_both_languages_and_str_is_english() -> None:
    exc = InputError("missing_columns/one", table="firms", file="in/firms.csv", columns="in_zone (园区注册)",
                     found="firm_id, firm_name")
    assert exc.message() == "firms（in/firms.csv）：缺少必需的列 in_zone (园区注册)；找到的表头：firm_id, firm_name"
    assert str(exc) == exc.message("en") == ("firms (in/firms.csv): required column in_zone (园区注册) not found; "
                                             "headers found: firm_id, firm_name")
    usage = UsageError("period_reversed", text="'2021-01-01:2020-01-01'")
    assert usage.exit_code == 2 and usage.message("zh") == "--period '2021-01-01:2020-01-01'：开始日期晚于结束日期"


# ---------------------------------------------------------------------------------------- through the CLI

GOOD = "91330603MA2B0A0A0W"  # check character worked out in tests/test_clean.py
FIRMS = f"firm_id,firm_name,in_zone,independent_accounting,independent_tax\n{GOOD},甲公司,是,是,是\n"
# Row 3 has a date that does not exist (an error); row 4 a firm not in firms (a warning; its check character
# 6 is right: weights 1,3,9,27,… over 91330603MA2B0A0A3, as tests/test_clean.py works out for 0W).
TRANSACTIONS = f"""firm_id,platform,store_id,model,traded_on,orders,amount,currency
{GOOD},amazon,,B2C,2020-07-01,1,5000000,USD
{GOOD},amazon,,B2C,2021-02-30,1,100,USD
91330603MA2B0A0A36,amazon,,B2C,2021-01-01,1,100,USD
"""


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kqcalc", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _issues(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_bytes().decode("utf-8-sig").splitlines()))


def test_compute_writes_issue_messages_in_the_runs_language_with_the_same_codes_and_rows(tmp_path: Path) -> None:
    data = tmp_path / "in"
    data.mkdir()
    (data / "firms.csv").write_text(FIRMS, encoding="utf-8")
    (data / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    zh = _run(["compute", "in", "--out", "zh"], tmp_path)
    en = _run(["compute", "in", "--out", "en", "--lang", "en"], tmp_path)
    assert zh.returncode == en.returncode == 3, zh.stderr + en.stderr
    zh_rows, en_rows = _issues(tmp_path / "zh" / "issues.csv"), _issues(tmp_path / "en" / "issues.csv")
    assert [r[:6] for r in zh_rows] == [r[:6] for r in en_rows] == [
        ["table", "file", "row", "column", "severity", "code"],
        ["transactions", "in/transactions.csv", "3", "traded_on", "error", "bad_date"],
        ["transactions", "in/transactions.csv", "4", "firm_id", "warning", "unknown_firm"],
    ]
    assert [r[6] for r in zh_rows[1:]] == [
        "不是日期：请写年、月、日（2020-07-01、2020/7/1、2020年7月1日或 Excel 日期），其后可带不含时区的时刻"
        "（2021/6/30 18:30）（'2021-02-30'）；该行未使用（隔离）",
        "91330603MA2B0A0A36 不在企业名录中（本文件 1 行）；其明细不符合条件",
    ]
    assert [r[6] for r in en_rows[1:]] == [
        "not a date: write the year, month and day (2020-07-01, 2020/7/1, 2020年7月1日 or an Excel date), optionally "
        "followed by a time of day without a time zone (2021/6/30 18:30) ('2021-02-30'); row quarantined",
        "91330603MA2B0A0A36 is not in the firms table (1 row(s) in this file); its lines are ineligible",
    ]
    # the report's issues sheet: the same messages, under its own header row
    from openpyxl import load_workbook

    for folder, sheet, rows in (("zh", "数据问题", zh_rows), ("en", "Issues", en_rows)):
        cells = list(load_workbook(tmp_path / folder / "report.xlsx", read_only=True)[sheet].values)
        messages = [row[6] for row in cells if row and row[5] in ("bad_date", "unknown_firm")]
        assert messages == [r[6] for r in rows[1:]], (folder, cells)
    assert "error: bad_date: in/transactions.csv:3:traded_on: 不是日期" in zh.stderr + zh.stdout
    assert "error: bad_date: in/transactions.csv:3:traded_on: not a date" in en.stderr + en.stdout


def test_an_error_line_follows_lang_and_defaults_to_chinese(tmp_path: Path) -> None:
    zh = _run(["compute", "nowhere", "--out", "o"], tmp_path)
    en = _run(["compute", "nowhere", "--out", "o", "--lang", "en"], tmp_path)
    assert (zh.returncode, zh.stderr) == (1, "Error: 路径 nowhere 不存在\n")
    assert (en.returncode, en.stderr) == (1, "Error: path nowhere does not exist\n")
    period = _run(["validate", "nowhere", "--period", "2021-01-01", "--lang", "en"], tmp_path)
    assert period.returncode == 2
    assert period.stderr == ("Error: --period '2021-01-01': expected START:END as ISO dates, e.g. "
                             "2020-07-01:2021-06-30\n")


def test_a_policy_check_names_the_key_in_both_languages(tmp_path: Path) -> None:
    from importlib import resources

    from kqcalc.errors import PolicyError
    from kqcalc.policy import load_policy

    text = resources.files("kqcalc.policy").joinpath("keqiao-2020.toml").read_text(encoding="utf-8")
    path = tmp_path / "p.toml"
    path.write_text(text.replace('highest_only_mode = "top_up"', 'highest_only_mode = "highest"'), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    assert caught.value.message("zh") == (f"政策文件 {path}：policy.highest_only_mode 必须是 top_up, exclusive 之一，"
                                          "而不是 'highest'")
    assert caught.value.message("en") == (f"policy file {path}: policy.highest_only_mode must be one of top_up, "
                                          "exclusive, got 'highest'")


def test_strict_says_nothing_was_written_in_the_runs_language(tmp_path: Path) -> None:
    data = tmp_path / "in"
    data.mkdir()
    (data / "firms.csv").write_text(FIRMS, encoding="utf-8")
    (data / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    zh = _run(["compute", "in", "--out", "o", "--strict"], tmp_path)
    assert zh.returncode == 3 and "输入中有 1 个错误；--strict：未写出任何文件。" in zh.stderr
    en = _run(["compute", "in", "--out", "o", "--strict", "--lang", "en"], tmp_path)
    assert en.returncode == 3 and "1 error(s) in the input; --strict: nothing written." in en.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("issues.csv"))
