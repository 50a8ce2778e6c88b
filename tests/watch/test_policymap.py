import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.envs.layout import Layout
from rlgrid.errors import InvalidValueError
from rlgrid.watch import policymap
from tests.watch.conftest import render


def test_known_qtable_gives_known_arrows(qtable_run, tmp_path):
    run = tmp_path / "known"
    run.mkdir()
    for path in qtable_run.iterdir():
        (run / path.name).write_bytes(path.read_bytes())
    q = np.zeros((4, 5, 4, 5, 4))
    q[..., 2] = 1.0  # RIGHT everywhere
    with (run / "model.npz").open("wb") as stream:
        np.savez(stream, q=q)
    result = render(run, "--policy-map", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "→ → → → →\n"
        "→ → → → →\n"
        "→ → → → →\n"
        "→ → → → T\n"
        "target (3, 4): 84.2% of cells on a shortest path\n"
    )
    result = render(run, "--policy-map", "-", "--target", "1,1")
    assert result.stdout.splitlines()[1] == "→ T → → →"


def test_policy_map_picture(qtable_run, tmp_path):
    picture = tmp_path / "map.png"
    result = render(qtable_run, "--policy-map", picture)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"policy map (430x350) written to {picture}"
    with Image.open(picture) as image:
        assert image.size == (430, 350)
    result = render(qtable_run, "--policy-map", tmp_path / "map.jpg")
    assert result.exit_code == 2
    assert "--policy-map writes a .png file (or - for text), not 'map.jpg'" in result.stderr
    result = render(qtable_run, "--policy-map", "-", "--target", "9,9")
    assert result.exit_code == 2
    assert "--target '9,9' is not a free cell of the 4x5 grid" in result.stderr


@pytest.mark.slow
def test_policy_map_of_a_deep_agent(tmp_path):
    args = ["train", "--algo", "a2c", "--grid", "5x5", "--until-solved", "--runs-dir",
            str(tmp_path), "--name", "a"]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    result = render(tmp_path / "a", "--policy-map", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "target (4, 4): 100.0% of cells on a shortest path"


def test_farthest_target_and_parsed_cells():
    layout = Layout.open_grid(3, 4, "classic")
    assert policymap.farthest_target(layout) == (2, 3)
    assert policymap.parse_cell("1,2", layout) == (1, 2)
    with pytest.raises(InvalidValueError) as error:
        policymap.parse_cell("1;2", layout)
    assert error.value.worded(lambda key: f"<{key}>") == (
        "<target> '1;2': expected ROW,COL such as 3,4"
    )
