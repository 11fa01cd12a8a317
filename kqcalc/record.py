"""The run record: what one run decided, built once from the computed result with the run's time passed in.

A typed record (msgspec Structs): the run's header — tool and version, policy, period, inputs with their row
accounting, counts and totals — and its lines, each with its output texts formatted once (measure, gross,
capped and award to the fen, reason codes). Every file of a run is written from it: awards.csv and summary.csv
(kqcalc.output), manifest.json (`manifest`), results.json (`results_json_parts`) and report.xlsx's summary and
manifest sheets. `load_run` reads a stored run back for `explain` and `diff`: no module reads back a file that
another module wrote in the same run.

Totals by item, by funding and per firm are computed in one place, `totals` (Sums), for summary.csv,
manifest.json, report.xlsx, the console, `whatif` and `diff`.

results.json (results_version 2) is the record without its clock (the run time is manifest.json's), so the
same inputs give the same bytes::

    {"results_version": 2, "header": {…}, "firms": [{"firm_id", "firm_name", "rank", "lines": [line, …]}, …],
     "registry": {firm_id: entry, …}}

firms in rank order, each with its lines in the order of awards.csv; the registry holds every registered firm
(kqcalc.run.registry_record). `explain` decodes the firms with their lines left undecoded (msgspec.Raw) and
decodes only the chosen firm's lines and registry entry. A results.json of the previous format
(results_version 1, kqcalc before the run record) is not read: run `kqcalc compute` again.

Imports stay light (no Polars): explain loads this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from kqcalc.errors import InputError
from kqcalc.items import ITEMS

if TYPE_CHECKING:
    import polars as pl

    from kqcalc.issues import Issue
    from kqcalc.lines import Period

RESULTS_VERSION = 2
FUNDING = ("district", "city")
SUMS = ("total", *FUNDING, *ITEMS)  # the order of a firm's sums (summary.csv's money columns)
ZERO = Decimal("0.00")


# --- totals: the one place -----------------------------------------------------------------------------------------


@dataclass
class Sums:
    """Awards summed: in all, by item (every item, in clause order), by funding, and per firm."""

    total: Decimal = ZERO
    by_item: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(ITEMS, ZERO))
    by_funding: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(FUNDING, ZERO))
    by_firm: dict[str, list[Decimal]] = field(default_factory=dict)  # firm -> sums in SUMS order, first seen first

    def texts(self) -> Totals:
        return Totals(f"{self.total:.2f}", {k: f"{v:.2f}" for k, v in self.by_item.items()},
                      {k: f"{v:.2f}" for k, v in self.by_funding.items()})


def totals(awards: Iterable[tuple[str, str, str, Decimal]]) -> Sums:
    """The sums of (firm_id, item, funding, award) rows; every firm with a row gets its sums (0.00 when it has
    no award)."""
    sums = Sums()
    at = {name: i for i, name in enumerate(SUMS)}
    by_firm, by_item, by_funding = sums.by_firm, sums.by_item, sums.by_funding
    total = ZERO
    for firm_id, item, funding, award in awards:
        mine = by_firm.get(firm_id)
        if mine is None:
            mine = by_firm[firm_id] = [ZERO] * len(SUMS)
        if award:  # awards are never negative: a zero award changes no sum (and names no funding)
            total += award
            by_item[item] = by_item.get(item, ZERO) + award
            by_funding[funding] = by_funding.get(funding, ZERO) + award
            mine[0] += award
            mine[at[funding]] += award
            mine[at[item]] += award
    sums.total = total
    return sums


def frame_totals(lines: pl.DataFrame) -> Sums:
    """The sums of a run's final lines frame (kqcalc.rules.FINAL_SCHEMA)."""
    return totals(lines.select("firm_id", "item", "funding", "award").iter_rows())


# --- the record ----------------------------------------------------------------------------------------------------


class DeductionRecord(msgspec.Struct):
    rule: str  # eligibility | one_time | highest_only | adjustment
    amount_rmb: str
    reason: str
    detail: str = ""


class LineRecord(msgspec.Struct):
    """One final line with its texts: exact values as strings, money to the fen (gross_exact: 10 places)."""

    firm_id: str
    firm_name: str
    item: str
    ref: str
    measure: str
    unit: str
    gross_rmb: str
    gross_exact: str
    cap_rmb: str | None
    capped_rmb: str
    after_rules_rmb: str
    award_rmb: str
    funding: str
    status: str
    reason: str  # the reason codes, ";"-separated (awards.csv's reason)
    not_met_reasons: list[str]
    rule_reasons: list[str]
    deductions: list[DeductionRecord]
    # thresholds, tiers, sources (for explain and the report): a JSON object as the lines frame holds it (keys
    # sorted), written into results.json as it is and decoded only where it is read (`detail_of`)
    detail: msgspec.Raw


def detail_of(line: LineRecord) -> dict[str, Any]:
    """A line's detail, decoded."""
    return msgspec.json.decode(line.detail)


def record_dict(line: LineRecord) -> dict[str, Any]:
    """A line record as plain data (describe.py, explain --json), its detail decoded."""
    return msgspec.to_builtins(msgspec.structs.replace(line, detail=detail_of(line)))


class PolicyRef(msgspec.Struct):
    id: str
    sha256: str
    source: str
    highest_only_mode: str


class PeriodRef(msgspec.Struct):
    start: str  # ISO dates, both inclusive
    end: str


class FileEntry(msgspec.Struct):
    """One input (a file, or a workbook's sheet) and its rows: read = used + excluded + merged + quarantined."""

    file: str
    table: str
    sha256: str
    content_sha256: str  # what `diff` compares: a sheet's cells as read, else the file's bytes
    rows_read: int
    rows_used: int
    rows_excluded: int
    rows_merged: int
    rows_quarantined: int


class Totals(msgspec.Struct):
    total_rmb: str
    by_item: dict[str, str]
    by_funding: dict[str, str]


class Header(msgspec.Struct):
    """What the run was: manifest.json is this header with the run's time and id."""

    version: str
    policy: PolicyRef
    period: PeriodRef
    inputs: list[str]
    files: list[FileEntry]
    lines: int
    firms: int
    errors: int
    warnings: int
    totals: Totals
    tool: str = "kqcalc"


@dataclass
class RunRecord:
    """One run as its files hold it. `run_time`: the local time the run started (ISO 8601 with its offset),
    passed in by whoever writes the run; None for a record not written as a run."""

    header: Header
    run_time: str | None
    lines: list[LineRecord]  # in the order of awards.csv: by rank, firm, item, ref
    names: dict[str, str]  # firm -> name, for every firm with a line
    ranks: dict[str, int]
    registry: dict[str, Any]  # every registered firm (kqcalc.run.registry_record)
    sums: Sums
    issues: list[Issue] = field(default_factory=list)


class Computed(Protocol):
    """What a record is built from: a computed run (kqcalc.run.RunResult, which sits above this module)."""

    policy: Any
    period: Period
    lines: pl.DataFrame  # the final lines (kqcalc.rules.FINAL_SCHEMA), in the order of awards.csv
    names: dict[str, str]
    ranks: dict[str, int]
    issues: list[Issue]
    files: list[dict]
    inputs: list[str]
    registry: dict

    @property
    def errors(self) -> int: ...


def line_records(lines: pl.DataFrame, names: dict[str, str]) -> list[LineRecord]:
    """The records of a final lines frame (kqcalc.rules.FINAL_SCHEMA), their texts formatted by Polars (exact
    values plain, money to the fen) and written as one JSON array that msgspec reads into LineRecords."""
    import polars as pl

    from kqcalc.lines import fen_expr, plain_expr

    def fen(column: str, alias: str) -> pl.Expr:
        return fen_expr(column).cast(pl.String).alias(alias)

    deduction = pl.element()
    record = pl.struct(
        "firm_id", pl.col("firm_id").replace_strict(names, default="", return_dtype=pl.String).alias("firm_name"),
        "item", "ref", plain_expr("measure").alias("measure"), "unit", fen("gross", "gross_rmb"),
        plain_expr("gross", 10).alias("gross_exact"), fen("cap", "cap_rmb"), fen("capped", "capped_rmb"),
        fen("after_rules", "after_rules_rmb"), pl.col("award").cast(pl.String).alias("award_rmb"), "funding",
        "status", "reason", pl.col("reasons").alias("not_met_reasons"), "rule_reasons",
        pl.col("deductions").list.eval(pl.struct(
            deduction.struct.field("rule"), deduction.struct.field("amount").cast(pl.String).alias("amount_rmb"),
            deduction.struct.field("reason"), deduction.struct.field("detail"))),
    ).struct.json_encode()
    # the detail is a JSON object already: spliced in as it is (and kept undecoded: LineRecord.detail)
    line = pl.concat_str(record.str.strip_suffix("}"), pl.lit(',"detail":'), "detail", pl.lit("}"))
    decoder = msgspec.json.Decoder(list[LineRecord])
    out: list[LineRecord] = []
    for part in lines.iter_slices(LINES_AT_A_TIME):  # a slice's text at a time, not the whole run's
        out += decoder.decode(b"[" + part.select(line.str.join(",")).item().encode() + b"]")
    return out


LINES_AT_A_TIME = 5_000


def build_record(result: Computed, run_time: str | None) -> RunRecord:
    """The record of a computed run, its texts formatted once."""
    from kqcalc import __version__

    names = result.names
    lines = line_records(result.lines, names)
    sums = frame_totals(result.lines)
    policy, period = result.policy, result.period
    header = Header(
        version=__version__,
        policy=PolicyRef(policy.id, policy.sha256, policy.source, policy.highest_only_mode),
        period=PeriodRef(period.start.isoformat(), period.end.isoformat()),
        inputs=list(result.inputs), files=msgspec.convert(result.files, list[FileEntry]),
        lines=len(lines), firms=len(result.ranks), errors=result.errors, warnings=len(result.issues) - result.errors,
        totals=sums.texts())
    return RunRecord(header, run_time, lines, dict(names), dict(result.ranks), result.registry, sums,
                     list(result.issues))


# --- writing ------------------------------------------------------------------------------------------------------

_MANIFEST_ORDER = ("tool", "version", "policy", "period", "inputs", "files", "lines", "firms", "errors", "warnings",
                   "totals")


def manifest(record: RunRecord, run_id: str | None = None) -> dict[str, Any]:
    """manifest.json: the header, the run's time and (when written as a run folder) its id."""
    header = msgspec.to_builtins(record.header)
    doc = {key: header[key] for key in _MANIFEST_ORDER}
    doc["run_time"] = record.run_time
    if run_id is not None:
        doc["run_id"] = run_id
    return doc


def manifest_json(record: RunRecord, run_id: str | None = None) -> bytes:
    return (json.dumps(manifest(record, run_id), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class FirmLines(msgspec.Struct):
    firm_id: str
    firm_name: str
    rank: int
    lines: list[LineRecord]


class StoredResults(msgspec.Struct):
    """results.json, decoded whole."""

    results_version: int
    header: Header
    firms: list[FirmLines]
    registry: dict[str, Any]


class _FirmIndex(msgspec.Struct):
    firm_id: str
    firm_name: str
    rank: int
    lines: msgspec.Raw


class _ResultsIndex(msgspec.Struct):
    """results.json with each firm's lines and each registry entry left undecoded (for explain)."""

    results_version: int
    header: Header
    firms: list[_FirmIndex]
    registry: dict[str, msgspec.Raw]


class _Version(msgspec.Struct):
    results_version: int = 1


FIRMS_AT_A_TIME = 2_000


def firm_groups(record: RunRecord) -> Iterator[FirmLines]:
    """The record's lines by firm, in rank order (a firm's lines are consecutive)."""
    lines = record.lines
    start = 0
    for end in range(1, len(lines) + 1):
        if end == len(lines) or lines[end].firm_id != lines[start].firm_id:
            firm = lines[start].firm_id
            yield FirmLines(firm, record.names.get(firm, ""), record.ranks[firm], lines[start:end])
            start = end


def results_json_parts(record: RunRecord) -> Iterator[bytes]:
    """results.json in consecutive pieces (FIRMS_AT_A_TIME firms each), never the whole text at once."""
    encoder = msgspec.json.Encoder(order="sorted")  # dict keys sorted (details, registry): explain shows them so
    yield b'{"results_version":%d,"header":%s,"firms":[' % (RESULTS_VERSION, encoder.encode(record.header))
    batch: list[FirmLines] = []
    first = True
    for group in firm_groups(record):
        batch.append(group)
        if len(batch) == FIRMS_AT_A_TIME:
            yield (b"" if first else b",") + encoder.encode(batch)[1:-1]
            batch, first = [], False
    if batch:
        yield (b"" if first else b",") + encoder.encode(batch)[1:-1]
    yield b'],"registry":' + encoder.encode(record.registry) + b"}\n"


def results_json(record: RunRecord) -> bytes:
    return b"".join(results_json_parts(record))


# --- reading a stored run ------------------------------------------------------------------------------------------


class StoredRun:
    """A stored run folder: its results.json (typed) and the clock of its manifest.json.

    `lazy`: decode the firms with their lines undecoded, and each firm's lines and registry entry when asked
    (explain: one firm of a district-year); otherwise everything at once (diff)."""

    def __init__(self, folder: Path, data: bytes, run_time: str | None, run_id: str, lazy: bool = False) -> None:
        self.folder = folder
        self.run_time = run_time
        self.run_id = run_id
        file = folder / "results.json"
        try:
            doc: Any = msgspec.json.decode(data, type=_ResultsIndex if lazy else StoredResults)
            version = doc.results_version
        except msgspec.ValidationError as exc:
            try:  # another format: say which, or what does not fit
                version = msgspec.json.decode(data, type=_Version).results_version
            except (msgspec.DecodeError, msgspec.ValidationError):
                version = RESULTS_VERSION
            if version == RESULTS_VERSION:
                raise InputError("run_file_unreadable", file=file, detail=exc) from None
        except msgspec.DecodeError as exc:
            raise InputError("run_file_unreadable", file=file, detail=exc) from None
        if version != RESULTS_VERSION:
            raise InputError("run_old_format", file=file, version=version)
        self.header: Header = doc.header
        self._firms = {f.firm_id: f for f in doc.firms}
        self._registry = doc.registry
        self._lazy = lazy
        self.names = {f.firm_id: f.firm_name for f in doc.firms}
        self.ranks = {f.firm_id: f.rank for f in doc.firms}

    def lines_of(self, firm_id: str) -> list[LineRecord]:
        firm = self._firms.get(firm_id)
        if firm is None:
            return []
        if self._lazy:
            return msgspec.json.decode(firm.lines, type=list[LineRecord])
        return firm.lines

    @property
    def lines(self) -> list[LineRecord]:
        """Every line, in the order of awards.csv."""
        return [line for firm in self._firms for line in self.lines_of(firm)]

    def registry_entry(self, firm_id: str) -> dict[str, Any] | None:
        entry = self._registry.get(firm_id)
        if entry is None or not self._lazy:
            return entry
        return msgspec.json.decode(entry)

    @property
    def registry(self) -> dict[str, Any]:
        """Every registered firm: firm_id -> its registry entry."""
        return {firm: self.registry_entry(firm) for firm in self._registry}

    def sums(self) -> Sums:
        return totals((r.firm_id, r.item, r.funding, Decimal(r.award_rmb)) for r in self.lines)


def load_run(folder: Path, lazy: bool = False) -> StoredRun:
    """The stored run in a run folder (kqcalc.store.resolve_run): results.json, and the run's time and id from
    manifest.json (a run folder without it is incomplete)."""
    folder = Path(folder)
    docs: dict[str, bytes] = {}
    for name in ("results.json", "manifest.json"):
        try:
            docs[name] = (folder / name).read_bytes()
        except FileNotFoundError:
            raise InputError("run_incomplete", folder=folder, name=name) from None
        except OSError as exc:
            raise InputError("run_file_unreadable", file=folder / name, detail=exc.strerror or exc) from None
    try:
        clock = msgspec.json.decode(docs["manifest.json"], type=_Clock)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InputError("run_file_unreadable", file=folder / "manifest.json", detail=exc) from None
    return StoredRun(folder, docs["results.json"], clock.run_time, clock.run_id or folder.name, lazy)


class _Clock(msgspec.Struct):
    run_time: str | None = None
    run_id: str | None = None


__all__ = [
    "DeductionRecord",
    "FileEntry",
    "Header",
    "LineRecord",
    "RunRecord",
    "StoredRun",
    "Sums",
    "Totals",
    "build_record",
    "detail_of",
    "frame_totals",
    "record_dict",
    "line_records",
    "load_run",
    "manifest",
    "manifest_json",
    "results_json",
    "results_json_parts",
    "totals",
]
