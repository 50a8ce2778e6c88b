import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import rlgrid
from rlgrid.cli.app import RlgridGroup, app
from rlgrid.errors import RlgridError
from tests.conftest import HEAVY_CHECK, run_python

COMMANDS = ["check-env", "train", "eval", "render", "compare", "bench"]


def test_help_lists_the_commands_with_an_example():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout
    assert "Example: rlgrid" in result.stdout
    assert "RLGRID_DEBUG" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert f"Example: rlgrid {command}" in result.stdout


def test_no_arguments_prints_help():
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 0
    assert "Usage: rlgrid" in result.stdout


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"rlgrid {rlgrid.__version__}"


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(app, ["chek-env"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: No such command 'chek-env'. Did you mean 'check-env'? (see 'rlgrid --help')"
    ]


@pytest.mark.slow
def test_help_imports_neither_torch_nor_pygame():
    code = "import sys\nsys.argv = ['rlgrid', '--help']\nfrom rlgrid.cli.app import app\n"
    assert run_python(code + HEAVY_CHECK).strip().splitlines()[-1] == "heavy: []"


@pytest.mark.slow
def test_console_script_and_module_both_run(run_rlgrid):
    script = Path(sys.executable).with_name("rlgrid")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"rlgrid {rlgrid.__version__}"
    done = run_rlgrid("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"rlgrid {rlgrid.__version__}"


def boundary_app():
    """An app with the same error boundary and commands that fail on purpose."""
    test_app = typer.Typer(cls=RlgridGroup)

    @test_app.command()
    def domain() -> None:
        raise RlgridError("the run folder runs/x has no model")

    @test_app.command()
    def bug() -> None:
        raise KeyError("oops")

    @test_app.command()
    def interrupt() -> None:
        raise KeyboardInterrupt

    return test_app


def test_domain_error_is_one_red_line_and_exit_1():
    result = CliRunner().invoke(boundary_app(), ["domain"])
    assert result.exit_code == 1
    assert result.stderr == "error: the run folder runs/x has no model\n"


def test_unexpected_error_is_one_line_with_a_hint():
    result = CliRunner().invoke(boundary_app(), ["bug"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "internal error: KeyError" in lines[0] and "RLGRID_DEBUG=1" in lines[0]


def test_debug_variable_shows_the_traceback():
    result = CliRunner(env={"RLGRID_DEBUG": "1"}).invoke(boundary_app(), ["domain"])
    assert result.exit_code == 1
    assert isinstance(result.exception, RlgridError)


@pytest.mark.slow
def test_debug_traceback_in_a_real_process(run_rlgrid):
    done = run_rlgrid("check-env", "--env", "CartPol-v1", env={"RLGRID_DEBUG": "1"})
    assert done.returncode != 0
    assert "Traceback (most recent call last)" in done.stderr
    quiet = run_rlgrid("check-env", "--env", "CartPol-v1")
    assert "Traceback" not in quiet.stderr
    assert len(quiet.stderr.strip().splitlines()) == 1


def test_keyboard_interrupt_exits_130():
    result = CliRunner().invoke(boundary_app(), ["interrupt"])
    assert result.exit_code == 130
