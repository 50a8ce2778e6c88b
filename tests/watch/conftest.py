import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from tests.conftest import REPO


@pytest.fixture(scope="session")
def qtable_run(tmp_path_factory):
    """A q-table run of the 4x5 preset (its greedy policy is perfect)."""
    base = tmp_path_factory.mktemp("render")
    preset = str(REPO / "configs" / "qtable_4x5.toml")
    result = CliRunner().invoke(
        app, ["train", "--config", preset, "--runs-dir", str(base), "--name", "q"]
    )
    assert result.exit_code == 0, result.output
    return base / "q"


def render(*args):
    """``rlgrid render ARGS`` in this process."""
    return CliRunner().invoke(app, ["render", *map(str, args)])
