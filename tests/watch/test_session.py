import os
import subprocess
import sys

import pytest
from PIL import Image

from rlgrid.cli.wording import flag
from rlgrid.errors import InvalidValueError
from rlgrid.families import FAMILIES, family_for
from rlgrid.watch import Mode, Request, watch
from rlgrid.watch.session import NEEDS
from tests.conftest import REPO, run_python
from tests.watch.conftest import render


@pytest.mark.parametrize("mode", [["--human"], ["--play"]])
def test_no_display_gives_one_line(mode):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "rlgrid", "render", *mode],
        capture_output=True,
        text=True,
        env={**environment, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == [lines[-1]] and lines[0].startswith("error: no display")
    assert "--record" in lines[0]
    assert ("--ansi" in lines[0]) == (mode == ["--human"])


def test_render_needs_exactly_one_mode(qtable_run):
    for args in ([], ["--human", "--ansi"]):
        result = render(qtable_run, *args)
        assert result.exit_code == 2
        assert "choose one of --human" in result.stderr
    assert "(got --human, --ansi)" in result.stderr


def test_watch_returns_what_it_recorded(tmp_path):
    gif = tmp_path / "deep" / "random.gif"
    done = watch(Request(Mode.record, floor={"grid": "3x3"}, episodes=1, output=gif))
    assert done.mode is Mode.record and done.output == gif
    with Image.open(gif) as image:
        assert image.n_frames == done.shown > 1


def test_policy_map_text_is_returned_not_printed(qtable_run, capsys):
    done = watch(Request(Mode.policy_map, run=qtable_run, target="2,1"))
    assert capsys.readouterr().out == ""
    assert done.picture_size is None and done.output is None
    assert done.map_text.splitlines()[2].split()[1] == "T"
    assert done.map_text.splitlines()[-1].startswith("target (2, 1): ")
    assert render(qtable_run, "--policy-map", "-", "--target", "2,1").stdout == done.map_text


def test_keyboard_play_takes_no_run(qtable_run):
    with pytest.raises(InvalidValueError) as error:
        watch(Request(Mode.play, run=qtable_run))
    assert error.value.worded(flag) == "--play drives the robot by hand: drop RUN"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (Mode.ansi, "--ansi draws the warehouse or the tangram only; use --human or --record"),
        (Mode.play, "--play works on the warehouse only"),
    ],
)
def test_modes_a_family_cannot_do_are_refused_by_name(mode, message):
    with pytest.raises(InvalidValueError) as error:
        watch(Request(mode, env_id="CartPole-v1"))
    assert error.value.worded(flag) == message


def test_capabilities_are_family_data():
    warehouse, other = family_for("rlgrid/Warehouse-v0"), family_for("CartPole-v1")
    for need in NEEDS.values():
        assert getattr(warehouse, need) is True
        assert getattr(other, need) is False
    assert [family.name for family in FAMILIES if family.playable] == ["warehouse"]
    assert warehouse.action_name(3) == "UP" and other.action_name(3) == "3"


def test_output_that_cannot_be_written_is_refused_before_any_work(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(InvalidValueError) as error:
        watch(Request(Mode.record, output=tmp_path))
    assert error.value.worded(flag) == f"--record {tmp_path} is a folder: give a file name in it"
    with pytest.raises(InvalidValueError) as error:
        watch(Request(Mode.record, output=tmp_path / "file" / "a.gif"))
    assert error.value.worded(flag).endswith("is a file, not a folder")


def test_a_run_brings_its_own_env(qtable_run):
    with pytest.raises(InvalidValueError) as error:
        watch(Request(Mode.ansi, run=qtable_run, env_id="CartPole-v1"))
    assert error.value.worded(flag) == "a run brings its own env: drop --env"


def test_watch_imports_neither_typer_nor_rich():
    out = run_python(
        "import sys\n"
        "import rlgrid.watch, rlgrid.watch.keyboard, rlgrid.watch.playback, "
        "rlgrid.watch.policymap\n"
        "print([m for m in ('typer', 'rich', 'click') if m in sys.modules])"
    )
    assert out.strip() == "[]"
    sources = (REPO / "rlgrid" / "watch").glob("*.py")
    assert not [path.name for path in sources
                if "import typer" in (text := path.read_text()) or "rich" in text
                or "print(" in text]  # fmt: skip
