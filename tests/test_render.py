import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.envs import rendering
from tests.conftest import REPO


@pytest.fixture(scope="module")
def qtable_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("render")
    preset = str(REPO / "configs" / "qtable_4x5.toml")
    result = CliRunner().invoke(
        app, ["train", "--config", preset, "--runs-dir", str(base), "--name", "q"]
    )
    assert result.exit_code == 0
    return base / "q"


def render(*args):
    return CliRunner().invoke(app, ["render", *map(str, args)])


def test_gif_has_a_frame_per_step_with_robot_and_target(qtable_run, tmp_path):
    gif = tmp_path / "agent.gif"
    result = render(qtable_run, "--record", gif, "--episodes", "2", "--fps", "5")
    assert result.exit_code == 0, result.output
    frames = int(result.stdout.split("recorded ")[1].split()[0])
    with Image.open(gif) as image:
        assert image.n_frames == frames
        # two episodes of a perfect agent: one frame per reset, one per step
        assert 2 + 2 <= frames <= 2 + 2 * 7
        width, height = image.size
        assert width == 5 * 64 and 4 * 64 < height < 4 * 64 + 60
        assert image.info["duration"] == 200
        first = np.array(image.convert("RGB"))
    assert np.abs(first[32, 32].astype(int) - rendering.ROBOT).max() <= 8  # robot at (0, 0)
    target_pixels = np.abs(first[: 4 * 64].astype(int) - rendering.TARGET).max(axis=-1) <= 8
    assert target_pixels.sum() > 500  # the package is drawn somewhere in the grid


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
    with Image.open(picture) as image:
        assert image.size == (430, 350)
    assert render(qtable_run, "--policy-map", tmp_path / "map.jpg").exit_code == 2
    assert render(qtable_run, "--policy-map", "-", "--target", "9,9").exit_code == 2


def test_policy_map_of_a_deep_agent(tmp_path):
    args = ["train", "--algo", "a2c", "--grid", "5x5", "--until-solved", "--runs-dir",
            str(tmp_path), "--name", "a"]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    result = render(tmp_path / "a", "--policy-map", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "target (4, 4): 100.0% of cells on a shortest path"


def test_ansi_shows_the_episodes_as_text(qtable_run):
    result = render(qtable_run, "--ansi", "--episodes", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("R _ _ _ _\n")
    assert "episode 1/1  step 0  action -" in result.stdout
    assert result.stdout.rstrip().endswith("success: yes")


def test_human_window_on_the_dummy_driver():
    result = render("--human", "--episodes", "1", "--fps", "1000", "--grid", "3x3")
    assert result.exit_code == 0, result.output


def test_other_envs_record_through_their_own_rgb_array(tmp_path):
    gif = tmp_path / "cartpole.gif"
    result = render("--env", "CartPole-v1", "--record", gif, "--episodes", "1", "--seed", "3")
    assert result.exit_code == 0, result.output
    with Image.open(gif) as image:
        assert image.size[0] == 600 and image.size[1] > 400
        assert image.n_frames >= 9
    assert render("--env", "CartPole-v1", "--ansi").exit_code == 2


def test_keyboard_play_moves_the_robot():
    import pygame

    from rlgrid.envs.warehouse import WarehouseEnv
    from rlgrid.keyboard import play

    pygame.display.init()
    pygame.display.set_mode((10, 10))
    for key in (pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_DOWN, pygame.K_a, pygame.K_ESCAPE):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
    env = WarehouseEnv(5, 5)
    assert play(env, fps=1000) == [2, 2, 1]
    assert env.robot == (1, 2)
    assert env.steps == 3


def test_keyboard_reset_key_starts_a_new_episode():
    import pygame

    from rlgrid.envs.warehouse import WarehouseEnv
    from rlgrid.keyboard import play

    pygame.display.init()
    pygame.display.set_mode((10, 10))
    for key in (pygame.K_DOWN, pygame.K_r, pygame.K_ESCAPE):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
    env = WarehouseEnv(5, 5)
    assert play(env, fps=1000) == [1]
    assert env.robot == (0, 0) and env.steps == 0


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


def test_mp4_needs_the_video_extra(qtable_run, tmp_path):
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        result = render(qtable_run, "--record", tmp_path / "a.mp4", "--episodes", "1")
        assert result.exit_code == 1
        assert "pip install 'rlgrid[video]'" in result.stderr
    else:
        result = render(qtable_run, "--record", tmp_path / "a.mp4", "--episodes", "1")
        assert result.exit_code == 0
        assert (tmp_path / "a.mp4").stat().st_size > 1000


def test_render_needs_exactly_one_mode(qtable_run):
    for args in ([], ["--human", "--ansi"]):
        result = render(qtable_run, *args)
        assert result.exit_code == 2
        assert "choose one of --human" in result.stderr
