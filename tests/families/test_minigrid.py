"""Minigrid end to end: plain ids, observations an MLP reads, success on every episode end, one
definition of solved, and check-env, train, eval, render and compare on a Minigrid id."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.errors import RlgridError
from rlgrid.evaluation import EvalResult, EvalSettings
from rlgrid.families import family_for
from rlgrid.families import gymnasium as gymnasium_family
from rlgrid.families.minigrid import MinigridFamily, MinigridSettings

pytest.importorskip("minigrid", reason="the minigrid extra is not installed")

runner = CliRunner()
EMPTY = "MiniGrid-Empty-5x5-v0"


def test_plain_minigrid_ids_belong_to_the_minigrid_family():
    assert isinstance(family_for(EMPTY), MinigridFamily)
    assert isinstance(family_for(f"minigrid:{EMPTY}"), MinigridFamily)
    assert not isinstance(family_for("CartPole-v1"), MinigridFamily)
    assert gymnasium_family.resolve_env_id(EMPTY) == EMPTY


def test_a_missing_plugin_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(gymnasium_family.PLUGINS, "NoSuchPlugin-", "no_such_plugin_pkg")
    with pytest.raises(RlgridError) as caught:
        gymnasium_family.resolve_env_id("NoSuchPlugin-Room-v0")
    assert "comes with the no_such_plugin_pkg package, which is not installed" in str(caught.value)
    assert "pip install" in str(caught.value)


@pytest.mark.parametrize(("obs", "shape"), [("image", (147,)), ("full", (75,)), ("flat", (2835,))])
def test_observations_are_one_vector_an_mlp_reads(obs, shape):
    env = MinigridFamily().make(MinigridSettings(id=EMPTY, obs=obs))
    first, _ = env.reset(seed=0)
    assert env.observation_space.shape == shape
    assert first.shape == shape and env.observation_space.contains(first)
    env.close()


def test_raw_keeps_minigrids_own_dict():
    env = MinigridFamily().make(MinigridSettings(id=EMPTY, obs="raw"))
    assert isinstance(env.observation_space, gym.spaces.Dict)
    assert set(env.observation_space.spaces) == {"image", "direction", "mission"}


def test_every_episode_end_says_whether_it_succeeded():
    env = MinigridFamily().make(MinigridSettings(id=EMPTY, max_steps=4))
    env.reset(seed=0)
    infos = [env.step(0)[4] for _ in range(4)]  # turning left on the spot never succeeds
    assert [info["is_success"] for info in infos] == [False] * 4
    env.close()
    env = MinigridFamily().make(MinigridSettings(id=EMPTY))
    env.reset(seed=0)
    # Empty-5x5: the agent starts at (1, 1) facing right; the goal is at (3, 3)
    for action in (2, 2, 1, 2, 2):
        _, reward, terminated, _, info = env.step(action)
    assert terminated and info["is_success"] and reward > 0
    env.close()


def test_max_steps_is_minigrids_own_limit():
    assert MinigridFamily().resolved(MinigridSettings(id=EMPTY)).max_steps == 100
    env = MinigridFamily().make(MinigridSettings(id=EMPTY, max_steps=9))
    assert env.unwrapped.max_steps == 9


def result(success: float, mean_return: float) -> EvalResult:
    return EvalResult(100, success, 6.0, None, None, mean_return, None)


def test_solved_is_every_episode_reaching_the_goal():
    family, settings = MinigridFamily(), MinigridSettings(id=EMPTY)
    assert family.judge(settings, result(1.0, 0.9), EvalSettings()).solved
    assert not family.judge(settings, result(0.99, 0.9), EvalSettings()).solved
    strict = EvalSettings(reward_threshold=0.95)
    assert not family.judge(settings, result(1.0, 0.9), strict).solved
    better = family.judge(settings, result(1.0, 0.95), EvalSettings()).score
    assert better > family.judge(settings, result(1.0, 0.9), EvalSettings()).score


def test_action_names_are_minigrids():
    assert MinigridFamily().action_name(2) == "forward"
    assert MinigridFamily().action_name(5) == "toggle"


def test_q_table_is_refused_naming_only_algorithms_that_fit(tmp_path):
    done = runner.invoke(app, ["train", "--env", EMPTY, "--runs-dir", str(tmp_path)])
    assert done.exit_code == 1
    line = done.output.strip()
    assert line.startswith("error: q-table needs a small discrete observation space")
    assert line.endswith("algorithms that fit: a2c, dqn, ppo")
    raw = runner.invoke(
        app, ["train", "--env", EMPTY, "--obs", "raw", "--algo", "ppo", "--runs-dir", str(tmp_path)]
    )
    assert raw.exit_code == 1
    assert "no algorithm here fits it" in raw.output
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_ppo_solves_the_empty_room_and_every_command_works_on_it(tmp_path):
    runs = tmp_path / "runs"
    # an evaluation every 2,048 steps (solved at about 6,000) of 10 episodes: an unsolved
    # evaluation plays every episode to the time limit of 100 steps
    preset = tmp_path / "empty.toml"
    preset.write_text(
        f'algo = "ppo"\ntimesteps = 30000\nuntil_solved = true\n[env]\nid = "{EMPTY}"\n'
        "[ppo]\nn_envs = 8\nn_steps = 128\nbatch_size = 64\nlearning_rate = 0.00025\n"
        "ent_coef = 0.0\n[eval]\nfreq = 2048\nepisodes = 10\n"
    )
    args = ["train", "--config", str(preset), "--runs-dir", str(runs), "--name", "empty"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    run = runs / "empty"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["solved_at"] is not None
    evaluated = runner.invoke(app, ["eval", str(run), "--episodes", "50", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    evaluation = json.loads(evaluated.output)
    assert evaluation["success_rate"] == 1.0
    assert evaluation["mean_length"] <= 6.0  # the shortest way to the goal is 4 steps
    gif = tmp_path / "agent.gif"
    recorded = runner.invoke(app, ["render", str(run), "--record", str(gif), "--episodes", "1"])
    assert recorded.exit_code == 0, recorded.output
    from PIL import Image

    with Image.open(gif) as image:
        assert image.n_frames >= 5
        assert image.size[0] % 2 == 0 and image.size[1] % 2 == 0
        assert np.asarray(image.convert("RGB")).std() > 0
    checked = runner.invoke(app, ["check-env", "--env", EMPTY, "--json"])
    assert "Traceback" not in checked.output
