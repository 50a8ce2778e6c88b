import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.envs.grid import MAX_SIDE, GridSize, parse_grid
from rlgrid.errors import InvalidValueError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6x6", (6, 6)),
        ("4x5", (4, 5)),
        ("10X10", (10, 10)),
        (" 3 x 7 ", (3, 7)),
        ("1x2", (1, 2)),
        (f"{MAX_SIDE}x{MAX_SIDE}", (MAX_SIDE, MAX_SIDE)),
    ],
)
def test_good_grid_text(text, expected):
    grid = parse_grid(text)
    assert grid == GridSize(*expected)
    assert str(grid) == f"{expected[0]}x{expected[1]}"


BAD_GRIDS = {
    "abc": "expected ROWSxCOLS",
    "6x": "expected ROWSxCOLS",
    "6x6x6": "expected ROWSxCOLS",
    "": "expected ROWSxCOLS",
    "6 6": "expected ROWSxCOLS",
    "2.5x3": "expected ROWSxCOLS",
    "-3x4": "expected ROWSxCOLS",
    "0x5": "rows must be between 1 and",
    "5x0": "cols must be between 1 and",
    "1x1": "no room for both a start and a target",
    f"{MAX_SIDE + 1}x4": f"between 1 and {MAX_SIDE}",
}


@pytest.mark.parametrize(("text", "reason"), BAD_GRIDS.items())
def test_bad_grid_text_raises_clear_error(text, reason):
    with pytest.raises(InvalidValueError, match=reason):
        parse_grid(text)


@pytest.mark.parametrize("text", BAD_GRIDS)
def test_bad_grid_on_the_command_line_is_one_line_and_exit_2(text):
    result = CliRunner().invoke(app, ["check-env", "--grid", text])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: Invalid value for '--grid'")
    assert BAD_GRIDS[text] in lines[0]
    assert "Traceback" not in result.output


def test_bad_grid_in_a_real_process(run_rlgrid):
    done = run_rlgrid("check-env", "--grid", "6x")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: Invalid value for '--grid': invalid grid '6x': expected ROWSxCOLS such as 6x6 "
        f"or 4x5 (each side 1 to {MAX_SIDE}) (see 'rlgrid check-env --help')"
    ]
    assert done.stdout == ""
