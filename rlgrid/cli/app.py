"""The rlgrid command line: wires the commands together and is the single error boundary.

Domain errors (:class:`rlgrid.errors.RlgridError`) and usage errors each print one red line on
stderr; exit codes are 1 for domain errors, 2 for usage errors, 130 for Ctrl+C. Set
``RLGRID_DEBUG=1`` to see tracebacks instead.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rlgrid import __version__
from rlgrid.cli import bench, check_env, compare, eval, render, train
from rlgrid.errors import RlgridError

DEBUG_VARIABLE = "RLGRID_DEBUG"


def _debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def _error_line(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True, highlight=False).print(f"[red]error: {escape(message)}[/]")


class RlgridGroup(TyperGroup):
    """Runs a command and turns every way it can fail into one line and an exit code."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        extra["standalone_mode"] = False
        try:
            code = super().main(args, prog_name, **extra)
        except typer.TyperException as error:  # usage errors: bad option values, unknown commands
            if _debugging():
                raise
            ctx = getattr(error, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            _error_line(error.format_message() + hint)
            code = error.exit_code
        except (typer.Abort, KeyboardInterrupt):
            _error_line("interrupted")
            code = 130
        except RlgridError as error:
            if _debugging():
                raise
            _error_line(str(error))
            code = error.exit_code
        except Exception as error:
            if _debugging():
                raise
            _error_line(
                f"internal error: {type(error).__name__}: {error} "
                f"(set {DEBUG_VARIABLE}=1 to see the traceback, and please report it)"
            )
            code = 1
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=RlgridGroup,
    name="rlgrid",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"rlgrid {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Reinforcement learning on grid worlds: build, check, train and watch agents.

    Example: rlgrid check-env --grid 6x6

    Set RLGRID_DEBUG=1 to see a traceback instead of a one-line error.
    """
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


app.command("check-env")(check_env.check_env)
app.command("train")(train.train)
app.command("eval")(eval.eval_run)
app.command("render")(render.render)
app.command("compare")(compare.compare)
app.command("bench")(bench.bench)


def main() -> None:
    """The console script. It ends the process without the interpreter's teardown: with torch
    loaded that teardown takes 0.5 to 0.8 s here, for nothing. Output is flushed and atexit
    handlers run first; every file rlgrid writes is already complete (fsync, rename)."""
    try:
        app(prog_name="rlgrid")
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)
