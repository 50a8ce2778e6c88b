"""The rlgrid command line: wires the commands together and is the single error boundary.

Domain errors (:class:`rlgrid.errors.RlgridError`) and usage errors each print one red line on
stderr; exit codes are 1 for domain errors, 2 for usage errors, 130 for Ctrl+C. Set
``RLGRID_DEBUG=1`` to see tracebacks instead.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import signal
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rlgrid import __version__
from rlgrid.cli import bench, check_env, compare, doctor, eval, render, train
from rlgrid.cli.command import expand_many, remember
from rlgrid.cli.wording import flag
from rlgrid.errors import RlgridError
from rlgrid.interrupts import STOP_SIGNALS, exit_interrupted

DEBUG_VARIABLE = "RLGRID_DEBUG"


def _debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def _error_line(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)
    console.print(f"[red]error: {escape(message)}[/]")


_VERBS = {"ENOSPC": "write", "EDQUOT": "write", "EFBIG": "write", "EROFS": "write",
          "EACCES": "access", "EPERM": "access"}  # fmt: skip
_ENVIRONMENT_ERRNOS = {getattr(errno, name): verb for name, verb in _VERBS.items()
                       if hasattr(errno, name)}  # fmt: skip
"""Errors of the machine rather than of rlgrid (a full disk, a read-only file system, missing
permissions): one line each, exit 1, wherever they happen."""


def _environment_problem(error: OSError) -> str:
    """``cannot write runs/x/model.zip: No space left on device`` (the rename's target, where
    there is one)."""
    verb = _ENVIRONMENT_ERRNOS[error.errno]
    name = error.filename2 if error.filename2 is not None else error.filename
    what = os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else "a file"
    return f"cannot {verb} {what}: {error.strerror or os.strerror(error.errno)}"


class RlgridGroup(TyperGroup):
    """Runs a command and turns every way it can fail into one line and an exit code: rlgrid's
    own errors, usage errors, and a full disk, read-only file system or missing permission
    (``cannot write FILE: REASON``); anything else is an internal error."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        extra["standalone_mode"] = False
        args = sys.argv[1:] if args is None else list(args)
        remember(prog_name or "rlgrid", args)
        try:
            code = super().main(expand_many(args), prog_name, **extra)
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
            _error_line(error.worded(flag))
            code = error.exit_code
        except Exception as error:
            if _debugging():
                raise
            if isinstance(error, OSError) and error.errno in _ENVIRONMENT_ERRNOS:
                _error_line(_environment_problem(error))
            else:
                first = (str(error).strip().splitlines() or [""])[0]  # one line, whatever it says
                _error_line(
                    f"internal error: {type(error).__name__}: {first} "
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


COMMANDS = (
    ("check-env", check_env.check_env, "Check an environment: gymnasium, SB3 and rlgrid checks."),
    ("train", train.train, "Train an agent; a run folder appears under runs/."),
    ("eval", eval.eval_run, "Play a trained agent greedily against the oracle and a random agent."),
    ("render", render.render, "Watch an agent (or a random one): window, terminal, GIF or MP4."),
    ("compare", compare.compare, "Run a study: algorithms, rewards and settings over seeds."),
    ("bench", bench.bench, "Measure env speed, training speed and time to solve."),
    ("doctor", doctor.doctor, "Why an agent does not learn, and what will fix it."),
)  # fmt: skip
"""Each command with its line in ``rlgrid --help`` (its docstring's first paragraph wraps badly
there)."""
for _name, _command, _line in COMMANDS:
    app.command(_name, short_help=_line)(_command)


def _standard_streams() -> None:
    """Put /dev/null on a closed stdin, stdout or stderr (``rlgrid train 2>&-``): otherwise the
    next file rlgrid opens gets that descriptor, and whatever a library writes to stderr would
    land in it."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def main() -> None:
    """The console script. Until a command handles stops itself (training saves its run), Ctrl+C
    or SIGTERM ends the process at once with one line and exit 130.

    It ends the process without the interpreter's teardown: with torch loaded that teardown
    takes 0.5 to 0.8 s here, for nothing. Output is flushed and atexit handlers run first; every
    file rlgrid writes is already complete (fsync, rename)."""
    _standard_streams()
    for sig in STOP_SIGNALS:
        signal.signal(sig, exit_interrupted)
    try:
        app(prog_name="rlgrid")
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)
