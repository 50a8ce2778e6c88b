"""Wrappers named in a config: text parsed, names resolved from gymnasium, minigrid and rlgrid,
kwargs checked against the constructor, applied in order; external modules only when asked."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rlgrid.envs import wrappers
from rlgrid.envs.success import SuccessFromReward
from rlgrid.errors import InvalidValueError
from rlgrid.families.base import WrapperSpec


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("FlattenObservation", {"name": "FlattenObservation", "kwargs": {}}),
        ("TimeLimit:max_episode_steps=5", {"name": "TimeLimit", "kwargs": {"max_episode_steps": 5}}),  # noqa: E501
        ("X:a=[1,2],b=true,c=word", {"name": "X", "kwargs": {"a": [1, 2], "b": True, "c": "word"}}),
        ("pkg.mod.Scale: factor = 0.5", {"name": "pkg.mod.Scale", "kwargs": {"factor": 0.5}}),
    ],
)  # fmt: skip
def test_wrapper_text_parses_to_a_name_and_toml_kwargs(text, parsed):
    assert wrappers.parse_wrapper(text) == parsed


@pytest.mark.parametrize("text", ["", ":a=1", "TimeLimit:50", "Bad-Name", "X:a=[1,"])
def test_malformed_wrapper_text_is_one_line(text):
    with pytest.raises(InvalidValueError) as caught:
        wrappers.parse_wrapper(text)
    assert "\n" not in str(caught.value)


def test_names_resolve_from_gymnasium_minigrid_and_rlgrid():
    assert wrappers.resolve("TimeLimit") is gym.wrappers.TimeLimit
    assert (
        wrappers.resolve("gymnasium.wrappers.FlattenObservation") is gym.wrappers.FlattenObservation
    )
    assert wrappers.resolve("SuccessFromReward") is SuccessFromReward
    minigrid = pytest.importorskip("minigrid.wrappers", reason="the minigrid extra is absent")
    assert wrappers.resolve("ImgObsWrapper") is minigrid.ImgObsWrapper
    assert wrappers.resolve("minigrid.wrappers.FlatObsWrapper") is minigrid.FlatObsWrapper


def test_an_unknown_name_suggests_close_ones():
    with pytest.raises(InvalidValueError, match="did you mean NormalizeObservation"):
        wrappers.resolve("NormalizeObs")


def test_only_names_outside_gymnasium_minigrid_and_rlgrid_are_external():
    assert wrappers.is_external("mypkg.wrappers.Scale")
    assert wrappers.external_module("mypkg.wrappers.Scale") == "mypkg.wrappers"
    for name in ("TimeLimit", "gymnasium.wrappers.TimeLimit", "minigrid.wrappers.X", "rlgrid.a.B"):
        assert not wrappers.is_external(name)


def test_kwargs_are_checked_against_the_constructor():
    with pytest.raises(ValueError, match="did you mean 'max_episode_steps'"):
        WrapperSpec.model_validate("TimeLimit:max_steps=5")
    spec = WrapperSpec.model_validate("TimeLimit:max_episode_steps=5")
    assert spec.kwargs == {"max_episode_steps": 5}


def test_an_external_wrapper_is_not_imported_when_validated(tmp_path, monkeypatch):
    module = tmp_path / "marker_wrappers.py"
    marker = tmp_path / "imported"
    module.write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = WrapperSpec.model_validate("marker_wrappers.Anything:x=1")
    assert spec.name == "marker_wrappers.Anything"
    assert not marker.exists()


def test_wrappers_apply_in_order_innermost_first():
    specs = [WrapperSpec.model_validate(text) for text in
             ("TimeLimit:max_episode_steps=3", "FlattenObservation")]  # fmt: skip
    env = wrappers.apply(gym.make("FrozenLake-v1"), specs)
    assert isinstance(env, gym.wrappers.FlattenObservation)
    assert isinstance(env.env, gym.wrappers.TimeLimit)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (16,) and obs[0] == 1.0
    steps = 0
    truncated = terminated = False
    while not (terminated or truncated):
        _, _, terminated, truncated, _ = env.step(0)  # LEFT from the start: stays, never ends
        steps += 1
    assert (steps, truncated) == (3, True)


def test_a_wrapper_that_cannot_wrap_the_env_is_one_line():
    spec = WrapperSpec.model_validate("FlattenObservation")
    env = wrappers.apply(gym.make("CartPole-v1"), [spec])
    with pytest.raises(InvalidValueError, match="cannot wrap this env, which observes Box"):
        wrappers.apply(env, [WrapperSpec.model_validate("DtypeObservation:dtype=3")])


class _GoalEnv(gym.Env):
    observation_space = gym.spaces.Discrete(2)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return 0, {}

    def step(self, action):
        return 1, float(action), bool(action), False, {}


def test_success_from_reward_marks_every_step():
    env = SuccessFromReward(_GoalEnv())
    env.reset(seed=0)
    assert env.step(0)[4]["is_success"] is False
    assert env.step(1)[4]["is_success"] is True
    assert np.isclose(env.step(1)[1], 1.0)


def test_required_arguments_kinds_and_repeated_keys_are_checked():
    with pytest.raises(ValueError, match="wrapper TimeLimit needs max_episode_steps"):
        WrapperSpec.model_validate("TimeLimit")
    with pytest.raises(ValueError, match="given twice"):
        WrapperSpec.model_validate("TimeLimit:max_episode_steps=5,max_episode_steps=6")
    with pytest.raises(ValueError, match="gamma must be a number like its default"):
        WrapperSpec.model_validate("NormalizeReward:gamma=high")


def test_success_at_goal_knows_the_goal_from_the_envs_table():
    from rlgrid.envs.success import SuccessAtGoal

    cliff = SuccessAtGoal(gym.make("CliffWalking-v1"))
    assert cliff.goal == -1
    cliff.reset(seed=0)
    for action in [0] + [1] * 11:  # up, then right along the top of the cliff
        _, _, terminated, _, info = cliff.step(action)
        assert info["is_success"] is False and not terminated
    _, reward, terminated, _, info = cliff.step(2)  # down onto the goal
    assert terminated and reward == -1 and info["is_success"] is True
    lake = SuccessAtGoal(gym.make("FrozenLake-v1", is_slippery=False))
    lake.reset(seed=0)
    lake.step(2)  # right
    _, reward, terminated, _, info = lake.step(1)  # down into the hole at (1, 1)
    assert terminated and reward == 0 and info["is_success"] is False
