"""No ``--help`` shows a type for a flag: a flag takes no value, yet typer's rich help wrote
``<bool>`` beside every one (``--until-solved``, ``--json``, ``--help`` itself)."""

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app

COMMANDS = [[]] + [[info.name] for info in app.registered_commands]


def test_every_command_is_checked():
    assert {"train", "eval", "render", "compare", "bench", "check-env"} <= {
        name for command in COMMANDS for name in command
    }


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "rlgrid")
def test_no_help_shows_bool(command):
    done = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
    assert done.exit_code == 0, done.output
    assert "--help" in done.stdout
    assert "<bool>" not in done.stdout
    assert "BOOLEAN" not in done.stdout


def test_options_that_take_a_value_still_show_it():
    done = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "100"})
    assert "--episodes" in done.stdout
    assert "N" in done.stdout.split("--episodes", 1)[1].split("\n", 1)[0]
