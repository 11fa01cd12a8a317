"""`kqcalc explain FIRM`: every line of one firm, as the stored run decided it (SPEC §4).

Reads `results.json` of a run folder (default: the most recent run under ./kqcalc-out/), so it shows exactly
what that run decided and never recomputes. For each line: the clause text, the measure and the input rows it
came from, the threshold or tier reached and the next one with the distance, the cap, each deduction with its
reason, the final award and the funding source — as a Rich tree, or as JSON with the same content.

Imports stay light (no Polars): explain on a stored run of a district-year must answer well under a second.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from kqcalc.errors import InputError, KqcalcError
from kqcalc.report import describe
from kqcalc.report import labels as L
from kqcalc.text import norm_firm_id, norm_key

DEFAULT_ROOT = Path("kqcalc-out")


class FirmNotFound(KqcalcError):
    """No firm, or several firms, match what the user typed (exit 1)."""


WORDS = {
    "zh": {
        "header": "{name}（{firm_id}）　第 {rank} 名　"
                  "奖励合计 {total} 元（区级财政 {district} 元，市级财政 {city} 元）",
        "run": "运行 {folder}　政策 {policy}　考核期 {start} 至 {end}　运行时间 {run_time}",
        "clause": "条款（{clause}、{clause_title}）：{text}", "measure": "计量值 {measure} {unit}，来自 {sources}",
        "rule": "适用规则：{rule}", "gross": "计算额 {gross} 元；{cap} → {capped} 元",
        "deductions": "扣减", "no_deductions": "扣减：无", "deduction": "{rule}：−{amount} 元（{reason}{detail}）",
        "award": "奖励 {award} 元　状态：{status}　资金来源：{funding}", "why": "原因：{reasons}",
        "policy_note": "注意：条款文本取自政策 {source}，与本次运行所用政策文件（SHA-256 {sha}）不同",
        "no_policy": "（找不到本次运行所用的政策文件，无法显示条款原文）", "no_name": "（不在企业名录中）",
        "several": "{n} 家企业与 {query!r} 相符，请给出统一社会信用代码或更完整的名称：",
        "none": "运行 {folder} 中没有与 {query!r} 相符的企业（共 {n} 家）。"
                "请给出18位统一社会信用代码或企业名称的一部分。",
        "unknown_time": "不详",
    },
    "en": {
        "header": "{name} ({firm_id})   rank {rank}   total RMB {total} (district {district}, city {city})",
        "run": "run {folder}   policy {policy}   period {start} to {end}   run time {run_time}",
        "clause": "Clause ({clause}. {clause_title}): {text}", "measure": "measure {measure} {unit}, from {sources}",
        "rule": "rule applied: {rule}", "gross": "gross RMB {gross}; {cap} → RMB {capped}",
        "deductions": "deductions", "no_deductions": "deductions: none",
        "deduction": "{rule}: −RMB {amount} ({reason}{detail})",
        "award": "award RMB {award}   status: {status}   funding: {funding}", "why": "reasons: {reasons}",
        "policy_note": "note: clause texts come from policy {source}, not the exact policy file of this run "
                       "(SHA-256 {sha})",
        "no_policy": "(the policy file of this run was not found: no clause texts)", "no_name": "(not in firms)",
        "several": "{n} firms match {query!r}; give the credit code or more of the name:",
        "none": "no firm matches {query!r} in run {folder} ({n} firms). Give the 18-character credit code or part "
                "of the firm's name.",
        "unknown_time": "unknown",
    },
}
CLAUSE_NUMBERS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
                  "十": "10"}


# --- the run ------------------------------------------------------------------------------------------------------


def find_run(run: Path | None, root: Path = DEFAULT_ROOT) -> Path:
    """The run folder to read: `--run DIR` (an output folder or one of its runs), else the latest under `root`."""
    from kqcalc.store import latest_run, resolve_run

    if run is not None:
        return resolve_run(Path(run))
    found = latest_run(root)
    if found is None:
        raise InputError(f"no kqcalc run found under ./{root}/: run `kqcalc compute` first, or name a run folder "
                         "with --run DIR")
    return found


def load_run(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """results.json and manifest.json of a run folder."""
    try:
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder}/results.json cannot be read ({exc}); rerun `kqcalc compute`") from None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    return results, manifest


def load_run_policy(results: dict[str, Any], manifest: dict[str, Any]) -> tuple[Any | None, str | None]:
    """The policy of the run, for its clause texts: (policy, note). The note says when the file is not the same."""
    from kqcalc.policy import load_policy

    wanted = (results.get("policy") or {}).get("sha256", "")
    source = (manifest.get("policy") or {}).get("source", "")
    candidates = [source.removesuffix(" (built in)")] if source else []
    candidates.append((results.get("policy") or {}).get("id") or None)
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


def firms_of(results: dict[str, Any]) -> dict[str, str]:
    """firm_id → name, in rank order."""
    names: dict[str, str] = {}
    for line in results.get("lines", []):
        names.setdefault(line["firm_id"], line.get("firm_name") or "")
    ranks = results.get("ranks", {})
    return dict(sorted(names.items(), key=lambda kv: (ranks.get(kv[0], 0), kv[0])))


def match_firms(results: dict[str, Any], query: str) -> list[str]:
    """A normalised credit code matching exactly first; else every firm whose name contains the query."""
    names = firms_of(results)
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
        "sources": [{"file": f, "rows": n} if row is None else {"file": f, "row": row}
                    for f, n, row in describe.sources(record)],
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


def explain_firm(folder: Path, results: dict[str, Any], manifest: dict[str, Any], firm_id: str,
                 lang: str = "zh") -> dict[str, Any]:
    """Everything explain shows about one firm of a stored run."""
    lang = L.lang_of(lang)
    policy, note = load_run_policy(results, manifest)
    records = [r for r in results.get("lines", []) if r["firm_id"] == firm_id]
    totals = {"total": Decimal("0.00"), "district": Decimal("0.00"), "city": Decimal("0.00")}
    for r in records:
        award = Decimal(r["award_rmb"])
        totals["total"] += award
        totals[r["funding"]] = totals.get(r["funding"], Decimal("0.00")) + award
    period = results.get("period", {})
    run_policy = results.get("policy", {})
    return {
        "run": {"folder": str(folder), "run_time": manifest.get("run_time"), "policy": run_policy.get("id"),
                "policy_sha256": run_policy.get("sha256"), "period": period,
                "note": _note(note, lang, policy, run_policy)},
        "firm": {"firm_id": firm_id, "firm_name": records[0].get("firm_name", "") if records else "",
                 "rank": results.get("ranks", {}).get(firm_id),
                 "total_rmb": _money(totals["total"]), "district_rmb": _money(totals["district"]),
                 "city_rmb": _money(totals["city"])},
        "lines": [line_explanation(r, policy, lang) for r in records],
    }


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
    head = Text(w["header"].format(
        name=firm["firm_name"] or w["no_name"], firm_id=firm["firm_id"], rank=firm["rank"],
        total=L.money(firm["total_rmb"]), district=L.money(firm["district_rmb"]), city=L.money(firm["city_rmb"])),
        style="bold")
    head.append("\n")
    head.append(w["run"].format(folder=run["folder"], policy=run["policy"], start=run["period"].get("start"),
                                end=run["period"].get("end"), run_time=run["run_time"] or w["unknown_time"]),
                style="dim")
    if run.get("note"):
        head.append("\n" + run["note"], style="yellow")
    tree = Tree(head, guide_style="dim")
    for line in doc["lines"]:
        ref = f" [{line['ref']}]" if line["ref"] else ""
        title = Text(f"{line['item']} {line['title']}{ref} — ", style="bold")
        title.append(f"{L.money(line['award_rmb'])} {'元' if lang == 'zh' else 'RMB'}",
                     style="bold green" if Decimal(line["award_rmb"]) > 0 else "bold")
        title.append(f"  {line['status_text']}  {line['funding_text']}")
        branch = tree.add(title)
        if line["clause_text"]:
            clause = line["clause"] if lang == "zh" else CLAUSE_NUMBERS.get(line["clause"], line["clause"])
            branch.add(Text(w["clause"].format(clause=clause, clause_title=line["clause_title"],
                                               text=line["clause_text"]), style="italic"))
        sources = describe.sources_text({"detail": line["detail"]}, lang)
        branch.add(Text(w["measure"].format(measure=L.number(line["measure"]), unit=L.unit(line["unit"], lang),
                                            sources=sources)))
        for cond in line["conditions"]:
            branch.add(Text(f"{cond['condition']}{'：' if lang == 'zh' else ': '}{cond['text']}"))
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
                detail = f"; {d['detail']}" if d["detail"] and d["detail"] != d["reason"] else ""
                twig.add(Text(w["deduction"].format(rule=d["rule_text"], amount=L.money(d["amount_rmb"]),
                                                    reason=d["reason_text"], detail=detail)))
        else:
            branch.add(Text(w["no_deductions"]))
        if line["reasons"]:
            branch.add(Text(w["why"].format(reasons=line["reason_text"])))
        branch.add(Text(w["award"].format(award=L.money(line["award_rmb"]), status=line["status_text"],
                                          funding=line["funding_text"]), style="bold"))
    return tree


def explain(query: str, run: Path | None = None, lang: str = "zh", root: Path = DEFAULT_ROOT) -> dict[str, Any]:
    """Find the run and the firm; raise FirmNotFound (exit 1) listing the matches when not exactly one."""
    lang = L.lang_of(lang)
    folder = find_run(run, root)
    results, manifest = load_run(folder)
    matches = match_firms(results, query)
    if len(matches) != 1:
        names = firms_of(results)
        if not matches:
            raise FirmNotFound(WORDS[lang]["none"].format(query=query, folder=folder, n=len(names)))
        ranks = results.get("ranks", {})
        listing = "\n".join(f"  {firm}  {names[firm] or WORDS[lang]['no_name']}  (#{ranks.get(firm, '?')})"
                            for firm in matches)
        raise FirmNotFound(WORDS[lang]["several"].format(n=len(matches), query=query) + "\n" + listing)
    return explain_firm(folder, results, manifest, matches[0], lang)


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
