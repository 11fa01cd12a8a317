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
             formats: str, lang: str, strict: bool, quiet: bool, write: bool) -> int:
    from kqcalc.policy import load_policy
    from kqcalc.run import compute, parse_period

    policy = load_policy(policy_spec)
    period = parse_period(period_text, policy)
    result = compute(inputs, policy, period)
    console = _stderr()
    errors = result.errors
    if not quiet or errors:
        for issue in result.issues if not quiet else [i for i in result.issues if i.severity == "error"]:
            where = ":".join(str(p) for p in (issue.file, issue.row or "", issue.column) if p != "")
            console.print(f"{issue.severity}: {issue.code}: {where}: {issue.message}", markup=False,
                          soft_wrap=True)
    if strict and errors:
        console.print(f"{errors} error(s) in the input; --strict: nothing written.", markup=False)
        return 3
    if write:
        from kqcalc.store import write_run

        folder = out or DEFAULT_OUT_ROOT / f"{policy.id}_{period.label}"
        wanted = {f.strip() for f in formats.split(",") if f.strip()}
        write_run(result, folder, xlsx="xlsx" in wanted, lang=lang)
        if not quiet:
            totals = result.totals_by_funding()
            console.print(
                f"{len(result.lines)} lines, {len(result.ranks)} firms, total "
                f"{sum(totals.values()):,.2f} RMB (district {totals['district']:,.2f}, city {totals['city']:,.2f}); "
                f"{errors} error(s), {len(result.issues) - errors} warning(s). Written to {folder}/",
                markup=False, soft_wrap=True)
    return 3 if errors else 0


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
    debug: DebugOpt = False,
) -> None:
    """Read, validate and compute every award line; write awards.csv, summary.csv, issues.csv, manifest.json."""
    code = _run(debug, _compute, inputs, policy, period, out, formats, lang, strict, quiet, True)
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


@policy_app.command("show")
def policy_show(policy: PolicyOpt = None, lang: LangOpt = "zh", debug: DebugOpt = False) -> None:
    """Every parameter and clause text in force."""
    from rich.console import Console

    from kqcalc.policy import load_policy
    from kqcalc.policy_show import render_policy

    loaded = _run(debug, load_policy, policy)
    render_policy(loaded, Console(highlight=False), lang=lang)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
