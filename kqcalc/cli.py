"""Command line: parse arguments, call the library, render. No computation here.

Heavy libraries (Polars, openpyxl) are imported inside the commands so that `kqcalc --help` stays fast.

Conventions (SPEC §4): `-h` is `--help` everywhere; `kqcalc` alone prints the help and exits 0; `--version`;
choices (`--lang`, `--formats`, `--format`) are matched case-insensitively and a wrong one exits 2 naming the
valid values; a usage error is one `Error:` line when stderr is not a terminal (a cron log), Typer's box on a
terminal; help shows plain metavars (`INPUT...`, `--out DIR`; no `<bool>` on a flag) and an example per
command. The words of the lines this module prints itself are in kqcalc/words.py (CLI).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import MethodType
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from kqcalc import words as L
from kqcalc.errors import KqcalcError
from kqcalc.messages import lang_of, message

# Typer vendors Click in recent versions: take its exception base class from Typer itself.
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

WORDS = L.CLI
LANGS = ("zh", "en")
FORMATS = ("csv", "xlsx")
SAMPLE_FORMATS = ("xlsx", "csv", "parquet")


def _words(lang: str) -> dict[str, str]:
    return WORDS["en" if lang == "en" else "zh"]


# --- help and usage conventions --------------------------------------------------------------------------------


def _no_type(ctx: Any) -> None:  # noqa: ARG001 - replaces Typer's `<list[str]>` type column of an argument
    return None


def _usage_pieces(self: Any, ctx: Any) -> list[str]:
    """`[OPTIONS] INPUT...` rather than Typer's `[OPTIONS] {inputs}...`."""
    pieces = [self.options_metavar] if self.options_metavar else []
    for param in self.get_params(ctx):
        if param.param_type_name == "argument":
            name = param.metavar or param.name.upper()
            pieces.append(name if param.required else f"[{name}]")
    return pieces


def _honest_params(params: list[Any]) -> list[Any]:
    """ARGUMENT names in capitals and no type column for arguments; no `<bool>` for flags."""
    for param in params:
        if param.param_type_name == "argument":
            if param.metavar is None:
                param.metavar = param.name.upper() + ("..." if param.nargs != 1 else "")
            param.display_type_rich = _no_type
        elif getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


def _honest(command: Any) -> Any:
    """Plain metavars in a command's help (_honest_params), for its help option and usage line too."""
    if getattr(command, "_kq_honest", False):
        return command
    command._kq_honest = True
    _honest_params(command.params)
    get_help_option = command.get_help_option

    def help_option(ctx: Any) -> Any:
        option = get_help_option(ctx)
        if option is not None:
            _honest_params([option])
        return option

    command.get_help_option = help_option
    if not isinstance(command, TyperGroup):  # a group's usage ends in COMMAND [ARGS]... and has no arguments
        command.collect_usage_pieces = MethodType(_usage_pieces, command)
    return command


def _usage_error_line(exc: Any) -> str:
    """A Click usage error as one line: the message, then where the help is."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and getattr(exc, "exit_code", 2) == 2:
        message += f"; try '{ctx.command_path} --help'"
    return f"Error: {message}"


class KqGroup(TyperGroup):
    """Typer's group with kqcalc's conventions (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _honest(self)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        return _honest(command) if command is not None else None

    def get_params(self, ctx: Any) -> list[Any]:
        return _honest_params(super().get_params(ctx))  # with the completion options Typer adds late

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except ClickException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `kqcalc` alone: the help, exit 0
                help_text = exc.format_message()  # empty when Rich has printed the help already
                if help_text.strip():
                    print(help_text)
                sys.exit(0)
            if sys.stderr.isatty():
                try:
                    from typer import rich_utils

                    rich_utils.rich_format_error(exc)
                except Exception:  # noqa: BLE001 - fall back to Click's own rendering
                    exc.show()
            else:
                print(_usage_error_line(exc), file=sys.stderr)
            sys.exit(exc.exit_code)
        except typer.Abort:
            print("Aborted.", file=sys.stderr)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _check_lang(value: str | None) -> str | None:
    if value is None:
        return value
    lang = value.strip().lower()
    if lang not in LANGS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(LANGS)}")
    return lang


def _check_formats(value: str) -> str:
    """`csv` or `csv,xlsx` in any case and order (`xlsx` alone is csv,xlsx: the CSVs are always written)."""
    parts = [p.strip().lower() for p in value.split(",") if p.strip()]
    bad = [p for p in parts if p not in FORMATS]
    if bad or not parts:
        what = f"{value!r} is not" if value.strip() else "empty: give"
        raise typer.BadParameter(f"{what} csv or csv,xlsx (formats: {', '.join(FORMATS)})")
    return ",".join(f for f in FORMATS if f in parts or f == "csv")


def _check_sample_format(value: str) -> str:
    fmt = value.strip().lower()
    if fmt not in SAMPLE_FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(SAMPLE_FORMATS)}")
    return fmt


def _examples(*commands: str) -> str:
    """A command's help epilog: its examples, one a line."""
    return "Examples:\n\n" + "\n\n".join(f"  {c}" for c in commands)


def _show_version(value: bool) -> None:
    if value:
        from kqcalc import __version__

        print(f"kqcalc {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="kqcalc",
    cls=KqGroup,
    help="Keqiao cross-border e-commerce subsidies (绍柯政办发〔2020〕33号): compute, explain, validate.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
policy_app = typer.Typer(cls=KqGroup, help="The policy in force: parameters and clause texts.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                                                callback=_show_version, is_eager=True)] = False) -> None:
    """Keqiao cross-border e-commerce subsidies (绍柯政办发〔2020〕33号): compute, explain, validate."""


DEFAULT_OUT_ROOT = Path("kqcalc-out")

Inputs = Annotated[list[str], typer.Argument(metavar="INPUT...",
                                             help="Workbooks (.xlsx), table files (.csv/.parquet) or folders.")]
PolicyOpt = Annotated[str | None, typer.Option("--policy", metavar="ID|FILE", show_default="keqiao-2020",
                                               help="Built-in policy id or a policy TOML file.")]
PeriodOpt = Annotated[str | None, typer.Option("--period", metavar="START:END",
                                               show_default="the policy's window, 2020-07-01:2021-06-30",
                                               help="The assessment period: ISO dates, both inclusive.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="For cron: print nothing on a clean run; otherwise "
                                        "each error and one line counting the warnings, each line starting with "
                                        "the local time and the run id.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on failure.")]
LangOpt = Annotated[str, typer.Option("--lang", metavar="zh|en", callback=_check_lang,
                                      autocompletion=lambda: list(LANGS),
                                      help="Language of what people read: zh or en.")]


def _stderr():  # noqa: ANN202 - Rich is imported lazily
    from rich.console import Console

    return Console(stderr=True, highlight=False, no_color=bool(os.environ.get("NO_COLOR")) or None)


class Interrupted(KqcalcError):
    """Ctrl-C: the message says what state the output is in; exit 130 (as a shell reports SIGINT)."""

    exit_code = 130

    def __init__(self, text: str) -> None:
        Exception.__init__(self, text)  # already in the run's language (_words), not a registry code
        self.code, self.values, self.text = "interrupted", {}, text

    def message(self, lang: str = "zh") -> str:
        return self.text


def _lang() -> str:
    """The --lang of the command being run (zh when it has none), for its `Error:` line."""
    try:  # typer ≥ 0.20 carries its own copy of click
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - an older typer on plain click
        from click import get_current_context

    ctx = get_current_context(silent=True)
    lang = ctx.params.get("lang") if ctx is not None else None
    if lang is None:  # outside a command (main): as written on the command line
        argv = sys.argv[1:]
        lang = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--lang"), None)
        lang = lang or next((a.split("=", 1)[1] for a in argv if a.startswith("--lang=")), "zh")
    return lang_of(lang)


def _error_line(exc: BaseException, unexpected: str = "unexpected_error") -> str:
    """`Error: ` and the message from the registry, in the command's language."""
    if isinstance(exc, KqcalcError):
        return f"Error: {exc.message(_lang())}"
    return f"Error: {message(unexpected, _lang(), {'kind': type(exc).__name__, 'detail': str(exc)})}"


def _fail(exc: BaseException, debug: bool, stamp=None) -> typer.Exit:  # noqa: ANN001
    """One clean line and the exception's exit code; a traceback only with --debug. `stamp`: the --quiet prefix."""
    if debug:
        import traceback

        traceback.print_exception(exc)
    code = getattr(exc, "exit_code", 1)
    if isinstance(exc, Interrupted):
        line = str(exc)
    else:
        line = _error_line(exc)
    print(stamp(line) if stamp else line, file=sys.stderr)
    return typer.Exit(code)


def _run(debug: bool, fn, *args, stamp=None, lang: str = "zh", **kwargs):  # noqa: ANN001, ANN202
    try:
        return fn(*args, **kwargs)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        raise _fail(Interrupted(_words(lang)["interrupted"]), debug, stamp) from None
    except KqcalcError as exc:
        raise _fail(exc, debug, stamp) from None
    except Exception as exc:  # noqa: BLE001 - the user gets one line; --debug shows the rest
        raise _fail(exc, debug, stamp) from None


class RunLog:
    """Where a compute or validate run prints: stderr for problems, stdout for the summary; --quiet's prefix."""

    def __init__(self, quiet: bool, lang: str) -> None:
        from kqcalc.report.log import stamped
        from kqcalc.store import local_now, run_id_for

        self.quiet = quiet
        self.lang = lang
        self.started = local_now()
        self.run_id = run_id_for(self.started)
        self._stamped = stamped
        self._clock = local_now

    def stamp(self, line: str) -> str:
        """The line as --quiet prints it: the local time and the run id first."""
        return self._stamped(self.run_id, self._clock)(line)

    def problem(self, line: str) -> None:
        print(self.stamp(line) if self.quiet else line, file=sys.stderr, flush=True)

    def prefix(self):  # noqa: ANN201 - for _run: the --quiet prefix of an Error: line, or None
        return self.stamp if self.quiet else None


def _compute(inputs: list[str], policy_spec: str | None, period_text: str | None, out: Path | None,
             formats: str, lang: str, strict: bool, log: RunLog, write: bool, keep: int | None = None) -> int:
    from kqcalc.policy import load_policy
    from kqcalc.report.console import print_summary, progress_for
    from kqcalc.report.log import capped_lines, quiet_lines
    from kqcalc.run import compute, parse_period

    policy = load_policy(policy_spec)
    period = parse_period(period_text, policy)
    console = _stderr()
    folder = out or DEFAULT_OUT_ROOT / f"{policy.id}_{period.label}"
    wanted = set(formats.split(","))
    run_folder = None
    with progress_for(console, log.quiet, lang) as progress:  # drawn only on a terminal, never with --quiet
        result = compute(inputs, policy, period, progress=progress)
        if write and not (strict and result.errors):
            from kqcalc.store import write_run

            progress("writing")
            run_folder = write_run(result, folder, xlsx="xlsx" in wanted, lang=lang, keep=keep, started=log.started)
            log.run_id = run_folder.name
    errors = result.errors
    written = run_folder is not None
    render = quiet_lines if log.quiet else capped_lines
    for line in render(result.issues, lang=lang, written=written):
        log.problem(line)
    if strict and errors:
        log.problem(_words(lang)["strict"].format(n=errors))
        return 3
    if not log.quiet:
        if write:
            from rich.console import Console

            # The closing summary goes to stdout, so that `kqcalc compute … > 结果.txt` keeps it.
            stdout = Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")) or None)
            print_summary(stdout, result, folder, run_folder, lang=lang, xlsx="xlsx" in wanted,
                          elapsed=progress.elapsed)
        else:
            rows = sum(f.get("rows_read", 0) for f in result.files)
            print(_words(lang)["checked"].format(files=len(result.files), rows=f"{rows:,}", errors=errors,
                                                 warnings=len(result.issues) - errors))
    return 3 if errors else 0


def _current(folder: Path) -> str | None:
    try:
        return os.readlink(folder / "current").rpartition("/")[2]
    except OSError:
        return None


def _compute_locked(inputs: list[str], policy_spec: str | None, period_text: str | None, out: Path | None,
                    *args, log: RunLog, wait: float, keep: int) -> int:  # noqa: ANN002
    """compute, holding the output folder's lock for the whole run: a second run waits or exits 1 (SPEC §5).

    Ctrl-C (while waiting or running) ends the run with one line saying what the output folder holds, exit 130.
    """
    from kqcalc.policy import load_policy
    from kqcalc.run import parse_period
    from kqcalc.store import clean_stale, output_lock

    policy = load_policy(policy_spec)
    folder = out or DEFAULT_OUT_ROOT / f"{policy.id}_{parse_period(period_text, policy).label}"
    w = _words(log.lang)

    def waiting(holder: str) -> None:
        if not log.quiet:  # a cron log stays empty unless something is wrong
            log.problem(w["waiting"].format(folder=folder, holder=holder or "?", wait=wait))

    locked = False
    try:
        with output_lock(folder, wait, on_wait=waiting):
            locked = True
            before = _current(folder)
            try:
                return _compute(inputs, policy_spec, period_text, folder, *args, log=log, write=True, keep=keep)
            except KeyboardInterrupt:
                clean_stale(folder)  # the staging folder of this run, so nothing half-written stays
                after = _current(folder)
                if after != before:
                    raise Interrupted(w["interrupted_switched"].format(run=after, folder=folder)) from None
                if before is None:
                    raise Interrupted(w["interrupted_empty"].format(folder=folder)) from None
                raise Interrupted(w["interrupted_kept"].format(run=before, folder=folder)) from None
    except KeyboardInterrupt:
        if locked:
            raise
        raise Interrupted(w["interrupted_waiting"].format(folder=folder)) from None


@app.command(epilog=_examples("kqcalc compute 2020-21/", "kqcalc compute 企业名录.xlsx 交易.xlsx --out kqcalc-out/2020 "
                              "--formats csv --lang en", "kqcalc compute /data/2020-21/ --out /data/out --quiet "
                              "--wait 1800 >> /var/log/kqcalc.log 2>&1   (cron)"))
def compute(
    inputs: Inputs,
    policy: PolicyOpt = None,
    period: PeriodOpt = None,
    out: Annotated[Path | None, typer.Option("--out", metavar="DIR", show_default="./kqcalc-out/<policy>_<start>_<end>",
                                             help="Output folder.")] = None,
    formats: Annotated[str, typer.Option("--formats", metavar="csv[,xlsx]", callback=_check_formats,
                                         help="csv,xlsx, or csv alone to skip report.xlsx (the CSVs, manifest "
                                              "and stored results are always written).")] = "csv,xlsx",
    lang: LangOpt = "zh",
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 before writing anything if rows are bad.")] = False,
    quiet: QuietOpt = False,
    wait: Annotated[float, typer.Option("--wait", min=0, metavar="SECONDS",
                                        help="Seconds to wait for another run on the same output folder to finish "
                                             "(0: exit 1 at once).")] = 0,
    keep: Annotated[int, typer.Option("--keep", min=1, metavar="N",
                                      help="Runs kept under OUT/runs/ (oldest removed).")] = 10,
    debug: DebugOpt = False,
) -> None:
    """Read, validate and compute every award line; write awards.csv, summary.csv, issues.csv, manifest.json."""
    log = RunLog(quiet, lang)
    code = _run(debug, _compute_locked, inputs, policy, period, out, formats, lang, strict,
                log=log, wait=wait, keep=keep, stamp=log.prefix(), lang=lang)
    raise typer.Exit(code)


@app.command(epilog=_examples("kqcalc validate 2020-21/", "kqcalc validate 交易.xlsx --period 2020-07-01:2020-12-31"))
def validate(inputs: Inputs, policy: PolicyOpt = None, period: PeriodOpt = None, lang: LangOpt = "zh",
             quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Only the checks: print the issues and a summary line; exit code as compute (nothing is written)."""
    log = RunLog(quiet, lang)
    code = _run(debug, _compute, inputs, policy, period, None, "csv", lang, False, log=log, write=False,
                stamp=log.prefix(), lang=lang)
    raise typer.Exit(code)


def _writing(path: Path, lang: str, write):  # noqa: ANN001, ANN202
    """Call `write()`; an OSError (no such folder, no permission, disk full) becomes one clear line, exit 1.

    xlsxwriter wraps the OSError in its own FileCreateError: the OSError is then its argument.
    """
    try:
        return write()
    except Exception as exc:
        cause = exc if isinstance(exc, OSError) else next((a for a in exc.args if isinstance(a, OSError)), None)
        if cause is None:
            raise
        reason = cause.strerror or type(cause).__name__
        raise KqcalcError(_words(lang)["cannot_write"].format(path=cause.filename or path, reason=reason)) from None


def _sample(out: Path, lang: str, **kwargs):  # noqa: ANN003, ANN202
    from kqcalc.errors import InputError
    from kqcalc.tools.sample import generate

    w = _words(lang)
    if out.exists() and not out.is_dir():
        raise InputError(w["not_a_folder"].format(path=out))
    if out.is_dir() and any(out.iterdir()):
        raise InputError(w["not_empty"].format(path=out))
    return _writing(out, lang, lambda: generate(out, lang=lang, **kwargs))


@app.command(epilog=_examples("kqcalc sample demo-data/", "kqcalc sample big/ --firms 20000 --transactions 1000000 "
                              "--format parquet"))
def sample(
    out: Annotated[Path, typer.Argument(metavar="DIR", help="A new or empty folder to write the sample into.")],
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed.")] = 2020,
    firms: Annotated[int, typer.Option(metavar="N", help="Number of firms.")] = 80,
    transactions: Annotated[int | None, typer.Option(metavar="N", help="Transaction rows.")] = None,
    declarations: Annotated[int | None, typer.Option(metavar="N", help="9610 declaration rows.")] = None,
    logistics: Annotated[int | None, typer.Option(metavar="N", help="Logistics rows.")] = None,
    fmt: Annotated[str, typer.Option("--format", metavar="xlsx|csv|parquet", callback=_check_sample_format,
                                     autocompletion=lambda: list(SAMPLE_FORMATS),
                                     help="File format of the tables.")] = "xlsx",
    lang: LangOpt = "zh",
    sheet_rows: Annotated[int | None, typer.Option(metavar="N", help="Rows per sheet at most (xlsx).")] = None,
    debug: DebugOpt = False,
) -> None:
    """Generate a seeded sample district-year (the demo data, or a big one for the benchmark)."""
    paths = _run(debug, _sample, out, lang, seed=seed, firms=firms, transactions=transactions,
                 declarations=declarations, logistics=logistics, fmt=fmt, sheet_rows=sheet_rows, lang=lang)
    for path in paths:
        print(path)


@app.command(epilog=_examples("kqcalc diff kqcalc-out/2020", "kqcalc diff kqcalc-out/2020/runs/20210105T023000+0800 "
                              "kqcalc-out/2020 --json"))
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


@app.command(epilog=_examples("kqcalc explain 91330603MA2B0A0A0W",
                              "kqcalc explain 甲公司 --run kqcalc-out/2020 --json"))
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


def _template(file: Path, lang: str, force: bool) -> None:
    from kqcalc.errors import InputError, UsageError
    from kqcalc.template import write_template

    w = _words(lang)
    if file.suffix.lower() != ".xlsx":
        raise UsageError(w["not_xlsx"].format(path=file))
    if file.exists() and not force:
        raise InputError(w["exists"].format(path=file))
    _writing(file, lang, lambda: write_template(file, lang))


@app.command(epilog=_examples("kqcalc template 输入模板.xlsx", "kqcalc template input-template.xlsx --lang en --force"))
def template(
    file: Annotated[Path, typer.Argument(metavar="FILE.xlsx", help="The workbook to write (.xlsx).")],
    lang: LangOpt = "zh",
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    debug: DebugOpt = False,
) -> None:
    """A blank input workbook: every table as a sheet with its headers, dropdowns and an instructions sheet."""
    _run(debug, _template, file, lang, force, lang=lang)
    print(file)


def _whatif(inputs: list[str], reform_spec: str | None, sets: list[str], base_spec: str | None,
            period_text: str | None, out: Path | None, as_json: bool, lang: str) -> int:
    from kqcalc.errors import UsageError
    from kqcalc.policy import load_policy
    from kqcalc.policy.overrides import parse_override, policy_with_overrides
    from kqcalc.report.console import progress_for
    from kqcalc.whatif import issue_lines, policy_label, print_console, render_json, run_whatif, write_outputs

    if bool(reform_spec) == bool(sets):
        raise UsageError("whatif needs the reform: either --policy REFORM.toml or one or more --set KEY=VALUE "
                         "(not both)")
    for text in sets:
        parse_override(text)  # a malformed KEY=VALUE is a usage error before anything is read
    base = load_policy(base_spec)
    reform = policy_with_overrides(base_spec, sets) if sets else load_policy(reform_spec)
    base_label, reform_label = policy_label(base), policy_label(reform, sets)
    if reform_label == base_label and reform.sha256 != base.sha256:  # two files with one id: name the files
        base_label, reform_label = base.source, reform.source
    console = _stderr()
    with progress_for(console, False, lang) as progress:
        result = run_whatif(inputs, base, reform, period_text, base_label, reform_label, progress)
        written = write_outputs(result, out, lang) if out is not None else []
    for line in issue_lines(result, lang):
        console.print(line, markup=False, soft_wrap=True)
    if as_json:
        sys.stdout.write(render_json(result))
    else:
        print_console(result, lang)
    if written:
        console.print(L.WHATIF[L.lang_of(lang)]["written"].format(folder=out), markup=False, soft_wrap=True)
    return 3 if result.errors else 0


@app.command(epilog=_examples(
    "kqcalc whatif data/ --set items.3A.rmb_per_usd=0.02",
    "kqcalc whatif data/ --policy keqiao-2021.toml --period 2020-07-01:2021-06-30 --out whatif-2021",
    "kqcalc whatif data/ --set items.2.tiers.0.amount_rmb=60000 --json --lang en"))
def whatif(
    inputs: Inputs,
    reform: Annotated[str | None, typer.Option("--policy", help="The reform: a built-in policy id or a TOML file.")]
    = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE: the base with this key changed "
                                                   "(items.3A.rmb_per_usd=0.02, items.2.tiers.0.amount_rmb=60000); "
                                                   "repeatable.")] = None,
    base: Annotated[str | None, typer.Option("--base", help="The base policy (default: the one in force).")] = None,
    period: PeriodOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write whatif.csv and whatif.xlsx into this folder.")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as one JSON document.")] = False,
    lang: LangOpt = "zh",
    debug: DebugOpt = False,
) -> None:
    """The budget impact of a policy change on the same data: both policies computed as compute would."""
    code = _run(debug, _whatif, inputs, reform, sets or [], base, period, out, as_json, lang, lang=lang)
    raise typer.Exit(code)


@policy_app.command("show", epilog=_examples("kqcalc policy show", "kqcalc policy show --policy keqiao-2021.toml "
                                                                   "--lang en"))
def policy_show(policy: PolicyOpt = None, lang: LangOpt = "zh", debug: DebugOpt = False) -> None:
    """Every parameter and clause text in force."""
    from rich.console import Console

    from kqcalc.policy import load_policy
    from kqcalc.policy_show import render_policy

    loaded = _run(debug, load_policy, policy)
    render_policy(loaded, Console(highlight=False), lang=lang)


@policy_app.command("export", epilog=_examples("kqcalc policy export keqiao-2021.toml",
                                               "kqcalc policy export reform.toml --policy keqiao-2021.toml --force"))
def policy_export(
    file: Annotated[Path, typer.Argument(metavar="FILE.toml", help="The TOML file to write (FILE.toml).")],
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
        app(prog_name="kqcalc")  # not "python -m kqcalc" in usage lines
    except Exception as exc:  # noqa: BLE001 - whatever escaped a command: one line, no locals (SPEC §7)
        if "--debug" in sys.argv:
            raise
        print(_error_line(exc, "unexpected_error/escaped"), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
