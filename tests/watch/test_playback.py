import io

import numpy as np
import pytest
from PIL import Image

from rlgrid.envs import rendering
from rlgrid.envs.warehouse import WarehouseEnv
from rlgrid.errors import InvalidValueError
from rlgrid.families.gymnasium import make_env
from rlgrid.watch import playback
from tests.watch.conftest import render


def test_gif_has_a_frame_per_step_with_robot_and_target(qtable_run, tmp_path):
    gif = tmp_path / "agent.gif"
    result = render(qtable_run, "--record", gif, "--episodes", "2", "--fps", "5")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("recorded ") and result.stdout.rstrip().endswith(str(gif))
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


def test_ansi_shows_the_episodes_as_text(qtable_run):
    result = render(qtable_run, "--ansi", "--episodes", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("R _ _ _ _\n")
    assert "episode 1/1  step 0  action -" in result.stdout
    assert result.stdout.rstrip().endswith("success: yes")


def test_human_window_on_the_dummy_driver():
    result = render("--human", "--episodes", "1", "--fps", "1000", "--grid", "3x3")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_other_envs_record_through_their_own_rgb_array(tmp_path):
    gif = tmp_path / "cartpole.gif"
    result = render("--env", "CartPole-v1", "--record", gif, "--episodes", "1", "--seed", "3")
    assert result.exit_code == 0, result.output
    with Image.open(gif) as image:
        assert image.size[0] == 600 and image.size[1] > 400
        assert image.n_frames >= 9
    result = render("--env", "CartPole-v1", "--ansi")
    assert result.exit_code == 2
    expected = "error: --ansi draws the warehouse or the tangram only; use --human or --record"
    assert expected in result.stderr


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


def test_player_names_actions_and_counts_moments():
    env = WarehouseEnv(3, 3, max_steps=4)
    player = playback.EpisodePlayer(env, lambda obs: 2, 2, seed=0, action_name=lambda a: f"A{a}")
    moments = list(player.moments())
    # always RIGHT keeps the robot in row 0, where classic targets never are: each episode is
    # its reset and 4 steps up to the time limit
    assert len(moments) == 2 * (1 + 4)
    assert [(m.episode, m.step, m.success) for m in moments if m.done] == [
        (1, 4, False),
        (2, 4, False),
    ]
    assert moments[1].status(player.action_name).startswith("episode 1/2  step 1  action A2")


def test_watch_ansi_writes_every_moment_to_the_stream():
    env = WarehouseEnv(2, 3, max_steps=3)
    player = playback.EpisodePlayer(env, None, 2, seed=1)
    stream = io.StringIO()
    shown = playback.watch_ansi(player, fps=1000, stream=stream)
    assert shown == stream.getvalue().count("episode ") >= 4
    assert stream.getvalue().startswith("R _ _\n")


def test_text_needs_an_env_shown_as_a_grid():
    env = make_env("CartPole-v1", render_mode="rgb_array")
    player = playback.EpisodePlayer(env, None, 1, seed=0)
    assert playback.grid_state(env) is None
    moment = next(player.moments())
    with pytest.raises(InvalidValueError, match="cannot be drawn as text"):
        player.text(moment)
    assert player.frame(moment).shape[1] == 600


def test_record_refuses_other_suffixes(tmp_path):
    player = playback.EpisodePlayer(WarehouseEnv(2, 2), None, 1, seed=0)
    with pytest.raises(InvalidValueError) as error:
        playback.record(player, tmp_path / "a.jpg", fps=4)
    worded = error.value.worded(lambda key: f"<{key}>")
    assert worded == "<record> writes .gif or .mp4 files, not 'a.jpg'"
    assert not (tmp_path / "a.jpg").exists()


def test_a_narrow_frame_breaks_its_status_line_and_keeps_one_size():
    from rlgrid.envs.rendering import add_status_line

    frame = np.zeros((40, 120, 3), dtype=np.uint8)
    wide = add_status_line(np.zeros((40, 1000, 3), dtype=np.uint8), "episode 1/1  step 5")
    short = add_status_line(frame, "episode 1/1  step 5", widest="episode 1/1  step 5  a  b  c")
    long = add_status_line(frame, "episode 1/1  step 5  a  b  c")
    assert short.shape == long.shape
    assert long.shape[0] - 40 > wide.shape[0] - 40  # more than one line under a narrow frame
    assert long.shape[0] % 2 == 0 and long.shape[1] % 2 == 0
