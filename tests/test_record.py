"""kqcalc.record: the run record written once and read back; the totals, worked out by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from kqcalc import record as R
from kqcalc.cli import app
from kqcalc.errors import InputError
from kqcalc.output import summary_csv
from kqcalc.record import (
    DeductionRecord,
    FileEntry,
    Header,
    LineRecord,
    PeriodRef,
    PolicyRef,
    RunRecord,
    build_record,
    load_run,
    manifest,
    manifest_json,
    results_json,
    results_json_parts,
    totals,
)

A = "91330603MA2B0A0A0W"
B = "91330603MA2B0A0A10"


def line(firm: str, item: str, award: str, funding: str, status: str = "awarded", ref: str = "") -> LineRecord:
    return LineRecord(firm, f"firm {firm[-2:]}", item, ref, "12.5", "RMB", award, award + "00000000", None, award,
                      award, award, funding, status, "", [], [],
                      [DeductionRecord("one_time", "0.00", "already_paid", "paid in 2019")],
                      msgspec.Raw('{"tier":1,"中":"文"}'.encode()))


# Three lines worked out by hand: firm A 50,000.00 (item 2) + 1,234.56 (item 3A), district; firm B 200,000.00
# (item 9A, warehouse W1), city.
LINES = [line(A, "2", "50000.00", "district"), line(A, "3A", "1234.56", "district"),
         line(B, "9A", "200000.00", "city", ref="W1")]


def sums_of(lines: list[LineRecord]) -> R.Sums:
    return totals((ln.firm_id, ln.item, ln.funding, Decimal(ln.award_rmb)) for ln in lines)


def test_totals_by_item_by_funding_and_per_firm_worked_out_by_hand():
    sums = sums_of(LINES)
    assert sums.total == Decimal("251234.56")
    assert sums.by_funding == {"district": Decimal("51234.56"), "city": Decimal("200000.00")}
    assert sums.by_item == {"1A": 0, "1B": 0, "2": Decimal("50000.00"), "3A": Decimal("1234.56"), "3B": 0, "4": 0,
                            "5": 0, "6": 0, "7": 0, "8": 0, "9A": Decimal("200000.00"), "9B": 0, "9C": 0, "10A": 0,
                            "10B": 0}
    #                    total                district             city                 1A 1B 2 …
    assert sums.by_firm[A] == [Decimal("51234.56"), Decimal("51234.56"), 0, 0, 0, Decimal("50000.00"),
                               Decimal("1234.56"), *[0] * 11]
    assert sums.by_firm[B] == [Decimal("200000.00"), 0, Decimal("200000.00"), *[0] * 10, Decimal("200000.00"),
                               0, 0, 0, 0]
    assert sums.texts() == R.Totals("251234.56", {k: f"{v:.2f}" for k, v in sums.by_item.items()},
                                    {"district": "51234.56", "city": "200000.00"})


def test_a_firm_whose_only_line_pays_nothing_has_sums_of_zero():
    sums = sums_of([line(A, "1A", "0.00", "", status="not_met")])
    assert sums.total == 0 and list(sums.by_firm) == [A] and set(sums.by_firm[A]) == {0}
    assert sums.by_funding == {"district": 0, "city": 0}


def hand_record(lines: list[LineRecord] = LINES) -> RunRecord:
    sums = sums_of(lines)
    header = Header("0.1.0", PolicyRef("keqiao-2020", "p" * 64, "keqiao-2020 (built in)", "top_up"),
                    PeriodRef("2020-07-01", "2021-06-30"), ["in"],
                    [FileEntry("in/firms.csv", "firms", "a" * 64, "a" * 64, 3, 2, 0, 1, 0)], len(lines), 2, 0, 1,
                    sums.texts())
    registry = {A: {"name": "firm 0W", "negative_records": [], "rows": {"transactions": {"used": 2}}},
                B: {"name": "firm 10", "data_error": False}}
    return RunRecord(header, "2021-01-06T02:00:00+08:00", list(lines), {A: "firm 0W", B: "firm 10"}, {B: 1, A: 2},
                     registry, sums)


def write(record: RunRecord, folder: Path, run_id: str = "20210106T020000+0800") -> Path:
    folder.mkdir(parents=True)
    (folder / "results.json").write_bytes(results_json(record))
    (folder / "manifest.json").write_bytes(manifest_json(record, run_id))
    return folder


def test_summary_csv_of_the_three_lines_as_worked_out_by_hand():
    rec = hand_record([LINES[2], LINES[0], LINES[1]])  # by rank: B first
    text = summary_csv(rec)[3:].decode("utf-8")
    zeros = ",".join(["0.00"] * 10)  # 1A … 8
    assert text.splitlines() == [
        "rank,firm_id,firm_name,total_rmb,district_rmb,city_rmb,1A,1B,2,3A,3B,4,5,6,7,8,9A,9B,9C,10A,10B",
        f"1,{B},firm 10,200000.00,0.00,200000.00,{zeros},200000.00,0.00,0.00,0.00,0.00",
        f"2,{A},firm 0W,51234.56,51234.56,0.00,0.00,0.00,50000.00,1234.56,{','.join(['0.00'] * 11)}",
    ]


@pytest.mark.parametrize("lazy", [False, True])
def test_a_record_written_and_read_back_equals_the_original(tmp_path: Path, lazy: bool):
    rec = hand_record([LINES[2], LINES[0], LINES[1]])
    stored = load_run(write(rec, tmp_path / "run"), lazy=lazy)
    assert stored.header == rec.header
    assert stored.run_time == rec.run_time and stored.run_id == "20210106T020000+0800"
    assert stored.lines == rec.lines
    assert stored.lines_of(A) == [LINES[0], LINES[1]] and stored.lines_of("nobody") == []
    assert stored.names == rec.names and stored.ranks == rec.ranks
    assert stored.registry == rec.registry and stored.registry_entry(B) == rec.registry[B]
    assert stored.sums() == rec.sums


def test_results_json_holds_no_clock_and_manifest_json_is_the_header_with_the_time_and_id(tmp_path: Path):
    rec = hand_record([LINES[2], LINES[0], LINES[1]])
    other = hand_record([LINES[2], LINES[0], LINES[1]])
    other.run_time = "2021-01-07T02:00:00+08:00"
    assert results_json(rec) == results_json(other)
    doc = manifest(rec, "20210106T020000+0800")
    assert list(doc) == ["tool", "version", "policy", "period", "inputs", "files", "lines", "firms", "errors",
                         "warnings", "totals", "run_time", "run_id"]
    assert doc["run_time"] == "2021-01-06T02:00:00+08:00"
    assert doc["totals"] == {"total_rmb": "251234.56", "by_item": rec.header.totals.by_item,
                             "by_funding": {"district": "51234.56", "city": "200000.00"}}


def test_results_json_written_a_few_firms_at_a_time_is_one_json_document(monkeypatch: pytest.MonkeyPatch):
    rec = hand_record([LINES[2], LINES[0], LINES[1]])
    whole = results_json(rec)
    monkeypatch.setattr(R, "FIRMS_AT_A_TIME", 1)
    parts = list(results_json_parts(rec))
    assert len(parts) == 4 and b"".join(parts) == whole  # head, one piece per firm, registry
    doc = json.loads(whole)
    assert [(f["firm_id"], f["rank"], len(f["lines"])) for f in doc["firms"]] == [(B, 1, 1), (A, 2, 2)]


def test_a_results_json_of_the_previous_format_asks_for_a_new_run(tmp_path: Path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps({"results_version": 1, "lines": []}), encoding="utf-8")
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_run(folder)
    assert caught.value.code == "run_old_format"
    result = CliRunner().invoke(app, ["diff", str(folder), str(folder), "--lang", "en"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr == (f"Error: {folder}/results.json was written by an older kqcalc (results_version 1) and "
                             "cannot be read; rerun `kqcalc compute`\n")


def test_the_record_of_a_computed_run_reads_back_whole(tmp_path: Path):
    from kqcalc.policy import load_policy
    from kqcalc.run import compute, parse_period

    policy = load_policy(None)
    result = compute([str(Path(__file__).parent.parent / "sample_data")], policy, parse_period(None, policy))
    rec = build_record(result, "2021-01-06T02:00:00+08:00")
    assert [(r.firm_id, r.item, r.ref, r.award_rmb) for r in rec.lines] == [
        (firm_id, item, ref, f"{award:.2f}")
        for firm_id, item, ref, award in result.lines.select("firm_id", "item", "ref", "award").iter_rows()]
    stored = load_run(write(rec, tmp_path / "run"))
    assert stored.lines == rec.lines and stored.header == rec.header and stored.registry == rec.registry
    assert stored.sums() == rec.sums
