"""Command line: parse arguments, call the library, render. No computation here.

Heavy libraries (Polars, openpyxl) are imported inside the commands so that `kqcalc --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from kqcalc.errors import KqcalcError

app = typer.Typer(
    name="kqcalc",
    help="Keqiao cross-border e-commerce subsidies (绍柯政办发〔2020〕33号): compute, explain, validate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="The policy in force: parameters and clause texts.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")

DEFAULT_OUT_ROOT = Path("kqcalc-out")

Inputs = Annotated[list[str], typer.Argument(help="Workbooks (.xlsx), table files (.csv/.parquet) or folders.")]
PolicyOpt = Annotated[str | None, typer.Option("--policy", help="Built-in policy id or a policy TOML file.")]
PeriodOpt = Annotated[str | None, typer.Option("--period", help="START:END, ISO dates, both inclusive.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on failure.")]
LangOpt = Annotated[str, typer.Option("--lang", help="zh or en.")]


def _stderr():  # noqa: ANN202 - Rich is imported lazily
    from rich.console import Console

    return Console(stderr=True, highlight=False, no_color=bool(os.environ.get("NO_COLOR")) or None)


def _fail(exc: BaseException, debug: bool) -> typer.Exit:
    """One clean line and the exception's exit code; a traceback only with --debug."""
    if debug:
        import traceback

        traceback.print_exception(exc)
    code = getattr(exc, "exit_code", 1)
    message = str(exc) if isinstance(exc, KqcalcError) else f"unexpected error: {type(exc).__name__}: {exc}"
    print(f"Error: {message}", file=sys.stderr)
    return typer.Exit(code)


def _run(debug: bool, fn, *args, **kwargs):  # noqa: ANN001, ANN202
    try:
        return fn(*args, **kwargs)
    except typer.Exit:
        raise
    except KqcalcError as exc:
        raise _fail(exc, debug) from None
    except Exception as exc:  # noqa: BLE001 - the user gets one line; --debug shows the rest
        raise _fail(exc, debug) from None


def _compute(inputs: list[str], policy_spec: str | None, period_text: str | None, out: Path | None,
             formats: str, lang: str, strict: bool, quiet: bool, write: bool, keep: int | None = None) -> int:
    from kqcalc.policy import load_policy
    from kqcalc.report.console import print_summary, progress_for
    from kqcalc.run import compute, parse_period

    policy = load_policy(policy_spec)
    period = parse_period(period_text, policy)
    console = _stderr()
    folder = out or DEFAULT_OUT_ROOT / f"{policy.id}_{period.label}"
    wanted = {f.strip() for f in formats.split(",") if f.strip()}
    run_folder = None
    with progress_for(console, quiet, lang) as progress:  # drawn only on a terminal, never with --quiet
        result = compute(inputs, policy, period, progress=progress)
        if write and not (strict and result.errors):
            from kqcalc.store import write_run

            progress("writing")
            run_folder = write_run(result, folder, xlsx="xlsx" in wanted, lang=lang, keep=keep)
    errors = result.errors
    if not quiet or errors:
        for issue in result.issues if not quiet else [i for i in result.issues if i.severity == "error"]:
            where = ":".join(str(p) for p in (issue.file, issue.row or "", issue.column) if p != "")
            console.print(f"{issue.severity}: {issue.code}: {where}: {issue.message}", markup=False,
                          soft_wrap=True)
    if strict and errors:
        console.print(f"{errors} error(s) in the input; --strict: nothing written.", markup=False)
        return 3
    if write and not quiet:
        print_summary(console, result, folder, run_folder, lang=lang, xlsx="xlsx" in wanted,
                      elapsed=progress.elapsed)
    return 3 if errors else 0


def _compute_locked(inputs: list[str], policy_spec: str | None, period_text: str | None, out: Path | None,
                    *args, wait: float, keep: int) -> int:  # noqa: ANN002
    """compute, holding the output folder's lock for the whole run: a second run waits or exits 1 (SPEC §5)."""
    from kqcalc.policy import load_policy
    from kqcalc.run import parse_period
    from kqcalc.store import output_lock

    policy = load_policy(policy_spec)
    folder = out or DEFAULT_OUT_ROOT / f"{policy.id}_{parse_period(period_text, policy).label}"
    with output_lock(folder, wait):
        return _compute(inputs, policy_spec, period_text, folder, *args, keep=keep)


@app.command()
def compute(
    inputs: Inputs,
    policy: PolicyOpt = None,
    period: PeriodOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    formats: Annotated[str, typer.Option("--formats", help="csv,xlsx (csv skips report.xlsx).")] = "csv,xlsx",
    lang: LangOpt = "zh",
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 before writing anything if rows are bad.")] = False,
    quiet: QuietOpt = False,
    wait: Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for another run on the same output "
                                        "folder to finish (default: exit 1 at once).")] = 0,
    keep: Annotated[int, typer.Option("--keep", min=1, help="Runs kept under OUT/runs/ (oldest removed).")] = 10,
    debug: DebugOpt = False,
) -> None:
    """Read, validate and compute every award line; write awards.csv, summary.csv, issues.csv, manifest.json."""
    code = _run(debug, _compute_locked, inputs, policy, period, out, formats, lang, strict, quiet, True,
                wait=wait, keep=keep)
    raise typer.Exit(code)


@app.command()
def validate(inputs: Inputs, policy: PolicyOpt = None, period: PeriodOpt = None, quiet: QuietOpt = False,
             debug: DebugOpt = False) -> None:
    """Only the checks: print the issues; exit code as compute."""
    code = _run(debug, _compute, inputs, policy, period, None, "", "zh", False, quiet, False)
    raise typer.Exit(code)


@app.command()
def sample(
    out: Annotated[Path, typer.Argument(help="Folder to write the sample into.")],
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2020,
    firms: Annotated[int, typer.Option(help="Number of firms.")] = 80,
    transactions: Annotated[int | None, typer.Option(help="Transaction rows.")] = None,
    declarations: Annotated[int | None, typer.Option(help="9610 declaration rows.")] = None,
    logistics: Annotated[int | None, typer.Option(help="Logistics rows.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="xlsx, csv or parquet.")] = "xlsx",
    lang: LangOpt = "zh",
    sheet_rows: Annotated[int | None, typer.Option(help="Rows per sheet at most (xlsx).")] = None,
    debug: DebugOpt = False,
) -> None:
    """Generate a seeded sample district-year (the demo data, or a big one for the benchmark)."""
    from kqcalc.sample import generate

    paths = _run(debug, generate, out, seed=seed, firms=firms, transactions=transactions,
                 declarations=declarations, logistics=logistics, fmt=fmt, lang=lang, sheet_rows=sheet_rows)
    for path in paths:
        print(path)


@app.command()
def diff(
    run_a: Annotated[Path, typer.Argument(help="The earlier run: OUT (its current run) or OUT/runs/<id>; alone, "
                                          "an output folder whose previous and current runs are compared.")],
    run_b: Annotated[Path | None, typer.Argument(help="The later run, likewise.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    lang: LangOpt = "zh",
    debug: DebugOpt = False,
) -> None:
    """Lines whose award or status changed between two runs, the totals of both, and the inputs that changed."""
    from kqcalc.diff import diff_runs, render_json, render_text

    result = _run(debug, diff_runs, run_a, run_b)
    sys.stdout.write(render_json(result) if as_json else render_text(result, lang))


@app.command()
def explain(
    firm: Annotated[str, typer.Argument(help="Credit code (统一社会信用代码) or part of the firm's name.")],
    run: Annotated[Path | None, typer.Option("--run", help="Run folder (default: the latest under ./kqcalc-out/).")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="The same content as JSON.")] = False,
    lang: LangOpt = "zh",
    debug: DebugOpt = False,
) -> None:
    """Every line of one firm as the stored run decided it: clause, sources, thresholds, deductions, award."""
    from kqcalc.explain import explain as explain_firm
    from kqcalc.explain import render_tree, to_json

    if as_json:  # errors as JSON too, on stdout, with the same exit code
        from kqcalc.explain import json_error

        try:
            doc = explain_firm(firm, run, lang)
        except Exception as exc:  # noqa: BLE001 - one JSON document; --debug adds the traceback on stderr
            if debug:
                import traceback

                traceback.print_exception(exc)
            text, code = json_error(exc)
            sys.stdout.write(text)
            raise typer.Exit(code) from None
    else:
        doc = _run(debug, explain_firm, firm, run, lang)
    if as_json:
        sys.stdout.write(to_json(doc))
    else:
        from rich.console import Console

        Console(highlight=False, soft_wrap=False).print(render_tree(doc, lang))


@app.command()
def template(
    file: Annotated[Path, typer.Argument(help="The workbook to write (.xlsx).")],
    lang: LangOpt = "zh",
    debug: DebugOpt = False,
) -> None:
    """A blank input workbook: every table as a sheet with its headers, dropdowns and an instructions sheet."""
    from kqcalc.template import write_template

    _run(debug, write_template, file, lang)
    print(file)


@policy_app.command("show")
def policy_show(policy: PolicyOpt = None, lang: LangOpt = "zh", debug: DebugOpt = False) -> None:
    """Every parameter and clause text in force."""
    from rich.console import Console

    from kqcalc.policy import load_policy
    from kqcalc.policy_show import render_policy

    loaded = _run(debug, load_policy, policy)
    render_policy(loaded, Console(highlight=False), lang=lang)


@policy_app.command("export")
def policy_export(
    file: Annotated[Path, typer.Argument(help="The TOML file to write (FILE.toml).")],
    policy: PolicyOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    lang: LangOpt = "zh",
    debug: DebugOpt = False,
) -> None:
    """Write the policy in force as an editable TOML file (its own text, comments kept): the start of a new one."""
    from kqcalc.policy.export import export_policy

    exported = _run(debug, export_policy, file, policy, force)
    if lang == "en":
        print(f"Policy {exported.id} written to {file}; change its [policy] id when you edit it, "
              f"then use it with --policy {file}")
    else:
        print(f"政策 {exported.id} 已写入 {file}；修改时请同时修改其中 [policy] 的 id，之后用 --policy {file} 使用")


def main() -> None:
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - whatever escaped a command: one line, no locals (SPEC §7)
        if "--debug" in sys.argv:
            raise
        print(f"Error: unexpected error: {type(exc).__name__}: {exc} (run again with --debug for details)",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
