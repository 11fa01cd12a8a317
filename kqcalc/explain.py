"""`kqcalc explain FIRM`: every line of one firm, as the stored run decided it (SPEC §4).

Reads `results.json` of a run folder (default: the most recent run under ./kqcalc-out/) with
kqcalc.record.load_run, decoding only the chosen firm's lines and registry entry, so it shows exactly what that
run decided and never recomputes. For each line: the clause text, the measure and the input rows it
came from, the threshold or tier reached and the next one with the distance, the cap, each deduction with its
reason, the final award and the funding source — as a Rich tree, or as JSON with the same content.

Imports stay light (no Polars): explain on a stored run of a district-year must answer well under a second.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from kqcalc import words as L
from kqcalc.errors import InputError, KqcalcError
from kqcalc.record import Header, StoredRun, load_run, record_dict, totals
from kqcalc.report import describe
from kqcalc.text import norm_firm_id, norm_key

DEFAULT_ROOT = Path("kqcalc-out")


class FirmNotFound(KqcalcError):
    """No firm, or several firms, match what the user typed (exit 1). `code`: no_match or several_matches;
    `matches`: the firms that match (for --json)."""

    def __init__(self, message: str, code: str = "no_match", matches: list[dict[str, Any]] | None = None) -> None:
        Exception.__init__(self, message)  # already in the run's language (WORDS), not a registry code
        self.code = code
        self.values: dict[str, str] = {}
        self.text = message
        self.matches = matches or []

    def message(self, lang: str = "zh") -> str:
        return self.text


WORDS = L.EXPLAIN
REGISTRY_FACTS = L.REGISTRY_FACTS
ROW_REASONS = L.ROW_REASONS


# --- the run ------------------------------------------------------------------------------------------------------


def find_run(run: Path | None, root: Path = DEFAULT_ROOT) -> Path:
    """The run folder to read: `--run DIR` (an output folder or one of its runs), else the latest under `root`."""
    from kqcalc.store import latest_run, resolve_run

    if run is not None:
        return resolve_run(Path(run))
    found = latest_run(root)
    if found is None:
        raise InputError("no_run_found", root=root)
    return found


def load_run_policy(header: Header) -> tuple[Any | None, str | None]:
    """The policy of the run, for its clause texts: (policy, note). The note says when the file is not the same."""
    from kqcalc.policy import load_policy

    wanted = header.policy.sha256
    source = header.policy.source
    candidates = [source.removesuffix(" (built in)")] if source else []
    candidates.append(header.policy.id or None)
    fallback = None
    for spec in candidates:
        try:
            policy = load_policy(spec)
        except KqcalcError:
            continue
        if policy.sha256 == wanted:
            return policy, None
        fallback = fallback or policy
    if fallback is not None:
        return fallback, "policy_note"
    return None, "no_policy"


# --- matching -----------------------------------------------------------------------------------------------------


def firms_of(names: dict[str, str], ranks: dict[str, int]) -> dict[str, str]:
    """firm_id → name, in rank order; firms without lines (no rank) after them, by firm_id."""
    last = len(ranks) + 1
    return dict(sorted(names.items(), key=lambda kv: (ranks.get(kv[0], last), kv[0])))


def match_firms(names: dict[str, str], query: str) -> list[str]:
    """A normalised credit code matching exactly first; else every firm whose name contains the query."""
    code = norm_firm_id(query)
    if code in names:
        return [code]
    needle = norm_key(query)
    if not needle:
        return []
    return [firm for firm, name in names.items() if needle in norm_key(name)]


# --- the explanation ----------------------------------------------------------------------------------------------


def _money(value: Any) -> str:
    return f"{Decimal(str(value)):.2f}"


def line_explanation(record: dict[str, Any], policy: Any | None, lang: str) -> dict[str, Any]:
    """One line, in the words of the report: what explain prints and what --json gives."""
    item = record["item"]
    entry = policy.items.get(item, {}) if policy is not None else {}
    conditions = [
        {"condition": describe.condition_label(item, c["key"], lang), "key": c["key"], "measure": c["measure"],
         "unit": c["unit"], "thresholds": c["thresholds"], "tier": c["tier"], "reached": c["reached"],
         "next": c["next"], "distance": c["distance"], "text": describe.condition_text(c, lang)}
        for c in describe.conditions(record)
    ]
    deductions = [
        {"rule": d["rule"], "rule_text": L.deduction(d["rule"], lang), "amount_rmb": d["amount_rmb"],
         "reason": d["reason"], "reason_text": L.reason(d["reason"], lang), "detail": d.get("detail", "")}
        for d in record.get("deductions", [])
    ]
    codes = [c for c in (record.get("reason") or "").split(";") if c]
    return {
        "item": item,
        "ref": record.get("ref", ""),
        "title": policy.title(item, lang) if policy is not None else item,
        "clause": str(entry.get("clause", "")),
        "clause_title": policy.clause_title(item, lang) if policy is not None else "",
        "clause_text": policy.clause_text(item, lang) if policy is not None else "",
        "measure": record["measure"],
        "unit": record["unit"],
        "sources": [{"file": f, "rows": n, "first_rows": describe.first_rows(record).get(f, [])}
                    if row is None else {"file": f, "row": row} for f, n, row in describe.sources(record)],
        "first_rows_text": describe.first_rows_text(record, lang),
        "rule": describe.rule_text(record, policy, lang) if policy is not None else "",
        "conditions": conditions,
        "facts": [{"text": text, "items": subs} for text, subs in describe.facts(record, lang)],
        "gross_rmb": record["gross_rmb"],
        "cap_rmb": record.get("cap_rmb"),
        "capped_rmb": record["capped_rmb"],
        "deductions": deductions,
        "award_rmb": record["award_rmb"],
        "funding": record["funding"],
        "funding_text": L.funding(record["funding"], lang),
        "status": record["status"],
        "status_text": L.status(record["status"], lang),
        "reasons": codes,
        "reason_text": L.reasons(codes, lang),
        "detail": record.get("detail", {}),
    }


def registry_explanation(entry: dict[str, Any] | None, has_lines: bool, lang: str) -> dict[str, Any] | None:
    """What the run's registry (results.json "registry", kqcalc.run.registry_record) says about one firm: its
    企业名录 facts and row, the negative records that disqualify it, its rows in the other tables used or left
    out by rule, and — for a registered firm without lines — why it has none. None: the firm is not registered
    (or the run predates the registry)."""
    if entry is None:
        return None
    w = WORDS[lang]
    where = describe.WORDS[lang]["row_of"]
    if entry.get("data_error") and "source" not in entry:
        facts_text = w["data_error"]
    else:
        yes_no = {flag: entry.get(flag) for flag in REGISTRY_FACTS[lang]}
        facts_text = w["registry"].format(
            facts=w["fact_sep"].join(f"{label} {w['yes'] if yes_no[flag] else w['no']}"
                                     for flag, label in REGISTRY_FACTS[lang].items()),
            where=where.format(file=entry["source"]["file"], row=entry["source"]["row"]))
    negative = [r | {"text": w["negative_record"].format(
        category=r.get("category") or w["no_category"], date=r.get("occurred_on") or w["no_date"],
        where=where.format(file=r["file"], row=r["row"]))} for r in entry.get("negative_records", [])]
    rows = []
    for table in sorted(entry.get("rows", {}), key=_table_order):
        counts = entry["rows"][table]
        labels = ROW_REASONS[lang] | ({"used": ROW_REASONS[lang]["used_negative"]} if table == "negative_records"
                                      else {})
        parts = w["part_sep"].join(w["row_part"].format(label=labels.get(why, why), n=counts[why])
                                   for why in sorted(counts, key=_reason_order))
        rows.append({"table": table, "rows": counts,
                     "text": w["table_rows"].format(table=_table_label(table, lang), n=sum(counts.values()),
                                                    parts=parts)})
    out: dict[str, Any] = {
        "facts": {flag: entry.get(flag) for flag in REGISTRY_FACTS["en"]}, "source": entry.get("source"),
        "data_error": bool(entry.get("data_error")), "text": facts_text,
        "negative_records": negative, "rows": rows, "no_lines": None,
    }
    if not has_lines:
        out["no_lines"] = {"reason": "no_rows" if not rows else "rows_no_line",
                           "text": w["no_lines"] + (w["no_rows"] if not rows else w["rows_no_line"])}
    return out


def _table_order(table: str) -> int:
    from kqcalc.tables import TABLES

    return list(TABLES).index(table) if table in TABLES else len(TABLES)


def _reason_order(why: str) -> int:
    order = list(ROW_REASONS["en"])
    return order.index(why) if why in order else len(order)


def _table_label(table: str, lang: str) -> str:
    from kqcalc.tables import TABLES

    return TABLES[table].alias if lang == "zh" and table in TABLES else table


def explain_firm(stored: StoredRun, firm_id: str, lang: str = "zh") -> dict[str, Any]:
    """Everything explain shows about one firm of a stored run: its lines in results.json and its entry in the
    run's registry (none when it is not in 企业名录)."""
    lang = L.lang_of(lang)
    header = stored.header
    policy, note = load_run_policy(header)
    lines = stored.lines_of(firm_id)
    registered = stored.registry_entry(firm_id)
    sums = totals((r.firm_id, r.item, r.funding, Decimal(r.award_rmb)) for r in lines)
    records = [record_dict(r) for r in lines]  # the stored record as plain data (describe.py, --json)
    run_policy = {"id": header.policy.id, "sha256": header.policy.sha256}
    return {
        "run": {"folder": str(stored.folder), "run_time": stored.run_time, "policy": header.policy.id,
                "policy_sha256": header.policy.sha256,
                "period": {"start": header.period.start, "end": header.period.end},
                "note": _note(note, lang, policy, run_policy)},
        "firm": {"firm_id": firm_id,
                 "firm_name": stored.names[firm_id] if lines else (registered or {}).get("name", ""),
                 "rank": stored.ranks.get(firm_id),
                 "total_rmb": _money(sums.total), "district_rmb": _money(sums.by_funding["district"]),
                 "city_rmb": _money(sums.by_funding["city"]), "registered": registered is not None,
                 "has_lines": bool(records)},
        "registry": registry_explanation(registered, bool(records), lang),
        "lines": [_with_negative_records(line_explanation(r, policy, lang), registered) for r in records],
    }


def _with_negative_records(line: dict[str, Any], registered: dict[str, Any] | None) -> dict[str, Any]:
    """An eligibility deduction for a negative record names the records (category, date, file, row)."""
    records = (registered or {}).get("negative_records") or []
    for d in line["deductions"]:
        if d["rule"] == "eligibility" and records and "negative_record" in (d.get("detail") or d["reason"]).split(";"):
            d["negative_records"] = records
    return line


def _note(note: str | None, lang: str, policy: Any | None, run_policy: dict[str, Any]) -> str | None:
    if note is None:
        return None
    return WORDS[lang][note].format(source=getattr(policy, "source", ""), sha=run_policy.get("sha256", ""))


# --- rendering ----------------------------------------------------------------------------------------------------


def render_tree(doc: dict[str, Any], lang: str = "zh") -> Any:
    """The explanation as a Rich tree: the firm at the root, one branch per line, one twig per fact."""
    from rich.text import Text
    from rich.tree import Tree

    lang = L.lang_of(lang)
    w = WORDS[lang]
    firm, run = doc["firm"], doc["run"]
    if firm.get("has_lines", True):
        head = Text(w["header"].format(
            name=firm["firm_name"] or w["no_name"], firm_id=firm["firm_id"], rank=firm["rank"],
            total=L.money(firm["total_rmb"]), district=L.money(firm["district_rmb"]),
            city=L.money(firm["city_rmb"])), style="bold")
    else:
        head = Text(w["registered_header"].format(name=firm["firm_name"], firm_id=firm["firm_id"]), style="bold")
    head.append("\n")
    head.append(w["run"].format(folder=run["folder"], policy=run["policy"], start=run["period"].get("start"),
                                end=run["period"].get("end"), run_time=run["run_time"] or w["unknown_time"]),
                style="dim")
    if run.get("note"):
        head.append("\n" + run["note"], style="yellow")
    tree = Tree(head, guide_style="dim")
    registry = doc.get("registry")
    if registry is not None:
        if registry["no_lines"]:
            tree.add(Text(registry["no_lines"]["text"], style="bold"))
        tree.add(Text(registry["text"]))
        if registry["negative_records"]:
            twig = tree.add(Text(w["negative"], style="yellow"))
            for record in registry["negative_records"]:
                twig.add(Text(record["text"]))
        if registry["rows"]:
            twig = tree.add(Text(w["rows"]))
            for table in registry["rows"]:
                twig.add(Text(table["text"]))
    for line in doc["lines"]:
        ref = f" [{line['ref']}]" if line["ref"] else ""
        title = Text(f"{line['item']} {line['title']}{ref} — ", style="bold")
        title.append(f"{L.money(line['award_rmb'])} {L.PUNCT[lang]['rmb']}",
                     style="bold green" if Decimal(line["award_rmb"]) > 0 else "bold")
        title.append(f"  {line['status_text']}  {line['funding_text']}")
        branch = tree.add(title)
        if line["clause_text"]:
            clause = line["clause"] if lang == "zh" else L.CLAUSE_NUMBERS.get(line["clause"], line["clause"])
            branch.add(Text(w["clause"].format(clause=clause, clause_title=line["clause_title"],
                                               text=line["clause_text"]), style="italic"))
        sources = describe.sources_text({"detail": line["detail"]}, lang)
        measure = branch.add(Text(w["measure"].format(measure=L.number(line["measure"]),
                                                      unit=L.unit(line["unit"], lang), sources=sources)))
        for text in line.get("first_rows_text", []):
            measure.add(Text(text))
        for cond in line["conditions"]:
            branch.add(Text(describe.WORDS[lang]["label"].format(label=cond["condition"], text=cond["text"])))
        for fact in line["facts"]:
            twig = branch.add(Text(fact["text"]))
            for sub in fact["items"]:
                twig.add(Text(sub))
        if line["rule"]:
            branch.add(Text(w["rule"].format(rule=line["rule"])))
        cap = describe.cap_text({"cap_rmb": line["cap_rmb"]}, lang)
        branch.add(Text(w["gross"].format(gross=L.money(line["gross_rmb"]), cap=cap,
                                          capped=L.money(line["capped_rmb"]))))
        if line["deductions"]:
            twig = branch.add(Text(w["deductions"]))
            for d in line["deductions"]:
                detail = _deduction_detail(d, lang)
                leaf = twig.add(Text(w["deduction"].format(rule=d["rule_text"], amount=L.money(d["amount_rmb"]),
                                                           reason=d["reason_text"], detail=detail)))
                for record in d.get("negative_records", []):
                    leaf.add(Text(WORDS[lang]["negative_record"].format(
                        category=record.get("category") or w["no_category"],
                        date=record.get("occurred_on") or w["no_date"],
                        where=describe.WORDS[lang]["row_of"].format(file=record["file"], row=record["row"]))))
        else:
            branch.add(Text(w["no_deductions"]))
        if line["reasons"]:
            branch.add(Text(w["why"].format(reasons=line["reason_text"])))
        branch.add(Text(w["award"].format(award=L.money(line["award_rmb"]), status=line["status_text"],
                                          funding=line["funding_text"]), style="bold"))
    return tree


def _deduction_detail(d: dict[str, Any], lang: str) -> str:
    """What follows a deduction's reason: every eligibility reason, the adjustment's own reason (the bureau's
    words); the rules' English notes (amounts already paid or awarded elsewhere) in English only."""
    text = d.get("detail") or ""
    if not text or text == d["reason"]:
        return ""
    sep = L.PUNCT[lang]["sep"]
    if d["rule"] == "eligibility":
        rest = [c for c in text.split(";") if c and c != d["reason"]]
        return sep + L.reasons(rest, lang) if rest else ""
    if d["rule"] == "adjustment" or lang == "en":
        return sep + text
    return ""


def explain(query: str, run: Path | None = None, lang: str = "zh", root: Path = DEFAULT_ROOT) -> dict[str, Any]:
    """Find the run and the firm; raise FirmNotFound (exit 1) listing the matches when not exactly one."""
    lang = L.lang_of(lang)
    folder = find_run(run, root)
    stored = load_run(folder, lazy=True)
    ranks = stored.ranks
    code = norm_firm_id(query)
    if code in stored.names or stored.registry_entry(code) is not None:  # a credit code: no names needed
        return explain_firm(stored, code, lang)
    registry = stored.registry
    # Every firm of the run: those with lines, and every registered firm (with or without lines).
    names = firms_of({firm: entry.get("name", "") for firm, entry in registry.items()} | stored.names, ranks)
    matches = match_firms(names, query)
    if len(matches) != 1:
        if not matches:
            raise FirmNotFound(WORDS[lang]["none"].format(query=query, folder=folder, n=len(names)),
                               code="no_match")
        listing = "\n".join(f"  {firm}  {names[firm] or WORDS[lang]['no_name']}  "
                            f"({'#' + str(ranks[firm]) if firm in ranks else WORDS[lang]['matches_no_lines']})"
                            for firm in matches)
        raise FirmNotFound(WORDS[lang]["several"].format(n=len(matches), query=query) + "\n" + listing,
                           code="several_matches", matches=[{"firm_id": f, "firm_name": names[f],
                                                             "rank": ranks.get(f)} for f in matches])
    return explain_firm(stored, matches[0], lang)


def json_error(exc: BaseException) -> tuple[str, int]:
    """An error of `explain --json` as one JSON document and its exit code: {"error": message, "code": a stable
    slug (no_match, several_matches, input_error, usage_error, unexpected_error), "exit_code": n}, plus
    "matches" (firm_id, firm_name, rank) when several firms match."""
    exit_code = getattr(exc, "exit_code", 1) if isinstance(exc, KqcalcError) else 1
    if isinstance(exc, FirmNotFound):
        doc: dict[str, Any] = {"error": str(exc), "code": exc.code, "exit_code": exit_code}
        if exc.code == "several_matches":
            doc["matches"] = exc.matches
    elif isinstance(exc, KqcalcError):
        doc = {"error": str(exc), "code": "usage_error" if exit_code == 2 else "input_error", "exit_code": exit_code}
    else:
        doc = {"error": f"unexpected error: {type(exc).__name__}: {exc}", "code": "unexpected_error",
               "exit_code": exit_code}
    return to_json(doc), exit_code


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
