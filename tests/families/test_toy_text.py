"""gymnasium's toy-text envs: value iteration on their own tables gives the known optima, the
numpy lanes play exactly the env's episodes, the family claims toy-text ids by their entry point,
judges against the optimum within the evaluation's noise, and its q-table defaults learn it."""

from __future__ import annotations

import json
import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.registration import EnvSpec
from typer.testing import CliRunner

import rlgrid.families
from rlgrid.cli.app import app
from rlgrid.config import build_config
from rlgrid.envs.batched import GymnasiumLanes
from rlgrid.envs.table_lanes import TableLanes, play
from rlgrid.envs.value_iteration import (
    best_stationary,
    model_of,
    optimum,
    policy_return,
)
from rlgrid.errors import InvalidValueError
from rlgrid.evaluation import EvalResult, EvalSettings
from rlgrid.families import EvalPlan, family_for
from rlgrid.families.gymnasium import GymnasiumFamily, GymnasiumSettings
from rlgrid.families.toy_text import STANDARD_ERRORS, TableEnvs, ToyTextFamily, time_limit

LEFT, DOWN, RIGHT, UP = range(4)


@pytest.fixture
def toy_text(monkeypatch) -> ToyTextFamily:
    """The family plugged in before the gymnasium fallback (where it is not registered yet)."""
    families = rlgrid.families.FAMILIES
    found = [family for family in families if isinstance(family, ToyTextFamily)]
    if found:
        return found[0]
    family = ToyTextFamily()
    at = next(i for i, f in enumerate(families) if type(f) is GymnasiumFamily)
    monkeypatch.setattr(rlgrid.families, "FAMILIES", (*families[:at], family, *families[at:]))
    return family


def model_and_limit(env_id: str, **kwargs):
    env = gym.make(env_id, **kwargs)
    return model_of(env), time_limit(env)


# --- value iteration ---------------------------------------------------------------------------


def test_frozen_lake_optimum_within_its_time_limit():
    model, limit = model_and_limit("FrozenLake-v1")
    assert limit == 100
    best = optimum(model, limit)
    assert best.mean == pytest.approx(0.744190, abs=1e-6)
    assert best.std == pytest.approx(math.sqrt(best.mean * (1 - best.mean)))  # success or not
    # a policy of the state alone cannot watch the clock: a little lower
    assert best_stationary(model, limit).mean == pytest.approx(0.740165, abs=1e-6)
    assert optimum(model, None).mean == pytest.approx(0.823529, abs=1e-6)  # no time limit


def test_non_slippery_frozen_lake_is_always_won():
    model, limit = model_and_limit("FrozenLake-v1", is_slippery=False)
    assert model.deterministic
    assert optimum(model, limit).mean == 1.0
    stationary = best_stationary(model, limit)
    assert (stationary.mean, stationary.std) == (1.0, 0.0)
    assert policy_return(model, np.full(16, LEFT), limit).mean == 0.0  # never leaves the start
    path = np.full(16, DOWN)  # down, down, right, down, right, right: holes at 5, 7, 11, 12
    path[[8, 9, 14]] = RIGHT
    assert policy_return(model, path, limit).mean == 1.0


def test_cliff_walking_takes_the_13_step_edge():
    model, _ = model_and_limit("CliffWalking-v1")
    assert optimum(model, None).mean == -13.0
    assert optimum(model, 1000).mean == -13.0
    assert best_stationary(model, 1000).std == 0.0


def test_taxi_optimum_over_its_random_starts():
    model, limit = model_and_limit(max(name for name in gym.registry if name.startswith("Taxi-v")))
    assert limit == 200
    assert model.deterministic and model.start.max() < 1  # deterministic moves, random starts
    best = optimum(model, limit)
    assert round(best.mean, 2) == 7.93
    assert best.std > 2  # starts near and far: an evaluation needs many episodes
    assert best_stationary(model, limit).mean == pytest.approx(best.mean)


def test_envs_without_a_table_have_no_model():
    assert model_of(gym.make("Blackjack-v1")) is None
    assert model_of(gym.make("CartPole-v1")) is None


# --- the numpy lanes ---------------------------------------------------------------------------


LANE_CASES = [
    ("FrozenLake-v1", {}),
    ("CliffWalkingSlippery-v1", {"max_episode_steps": 30}),
    ("Taxi-v4", {"is_rainy": True, "max_episode_steps": 40}),
]


@pytest.mark.parametrize(("env_id", "kwargs"), LANE_CASES)
def test_lanes_play_exactly_the_envs_episodes(env_id, kwargs):
    def make():
        return gym.make(env_id, **kwargs)

    model, limit = model_and_limit(env_id, **kwargs)
    envs, table = GymnasiumLanes(4, make), TableLanes(model, 4, limit)
    assert (envs.reset(7) == table.reset(7)).all()
    rng = np.random.default_rng(0)
    ended = 0
    for step in range(400):
        actions = rng.integers(model.n_actions, size=4)
        if step == 200:  # resuming goes on with the same draws (each lane starts a new episode)
            saved, saved_envs = table.rng_states(), envs.rng_states()
            table, envs = TableLanes(model, 4, limit), GymnasiumLanes(4, make)
            assert (envs.restore(saved_envs) == table.restore(json.loads(json.dumps(saved)))).all()
        mine, theirs = table.step(actions), envs.step(actions)
        for field in ("obs", "final_obs", "reward", "terminated", "truncated"):
            assert (getattr(mine, field) == getattr(theirs, field)).all(), (step, field)
        ended += int((mine.terminated | mine.truncated).sum())
    assert ended > 10


def test_evaluation_episode_k_is_the_envs_episode_after_reset_seed_plus_k():
    model, limit = model_and_limit("FrozenLake-v1")
    policy = best_stationary(model, limit).policy
    lengths, returns, _ = play(model, lambda states: policy[states], 30, 100, limit)
    env = gym.make("FrozenLake-v1")
    for k in range(30):
        state, _ = env.reset(seed=100 + k)
        total, length, done = 0.0, 0, False
        while not done:
            state, reward, terminated, truncated, _ = env.step(int(policy[state]))
            total, length, done = total + reward, length + 1, terminated or truncated
        assert (lengths[k], returns[k]) == (length, total)


# --- the family --------------------------------------------------------------------------------


def test_the_family_claims_toy_text_ids_by_their_entry_point(toy_text, monkeypatch):
    taxi = max(name for name in gym.registry if name.startswith("Taxi-v"))
    for env_id in ("FrozenLake-v1", "FrozenLake8x8-v1", "CliffWalking-v1", "Blackjack-v1",
                   "gymnasium:FrozenLake-v1", taxi):  # fmt: skip
        assert toy_text.claims(env_id), env_id
        assert family_for(env_id) is toy_text
    for env_id in ("CartPole-v1", "rlgrid/Warehouse-v0", "FrozenLake", "NoSuchEnv-v0"):
        assert not toy_text.claims(env_id), env_id
    later = EnvSpec("FrozenLake-v9", "gymnasium.envs.toy_text.frozen_lake:FrozenLakeEnv")
    monkeypatch.setitem(gym.registry, "FrozenLake-v9", later)
    assert toy_text.claims("FrozenLake-v9")  # a new version needs no change


def test_the_optimum_follows_the_settings_kwargs(toy_text):
    slippery = toy_text.optimum(GymnasiumSettings(id="FrozenLake-v1"))
    plain = toy_text.optimum(GymnasiumSettings(id="FrozenLake-v1", kwargs={"is_slippery": False}))
    big = toy_text.optimum(GymnasiumSettings(id="FrozenLake-v1", kwargs={"map_name": "8x8"}))
    assert slippery.best.mean == pytest.approx(0.744190, abs=1e-6)
    assert plain.best.mean == 1.0
    assert big.best.mean == pytest.approx(0.640719, abs=1e-6)  # 8x8 in FrozenLake-v1's 100 steps
    assert big.model.n_states == 64 and big.horizon == 100


def test_no_optimum_where_the_table_may_not_tell_the_whole_story(toy_text):
    assert toy_text.optimum(GymnasiumSettings(id="Blackjack-v1")) is None
    fickle = GymnasiumSettings(id="Taxi-v4", kwargs={"fickle_passenger": True})
    assert toy_text.optimum(fickle) is None
    with pytest.raises(InvalidValueError, match="needs a reward threshold for Blackjack-v1"):
        toy_text.check_judgeable(GymnasiumSettings(id="Blackjack-v1"), EvalSettings())
    toy_text.check_judgeable(GymnasiumSettings(id="FrozenLake-v1"), EvalSettings())  # no error


def evaluation(mean_return: float, episodes: int = 1000) -> EvalResult:
    return EvalResult(episodes, None, 10.0, None, None, mean_return, None)


def test_solved_is_the_optimum_less_the_evaluations_noise(toy_text):
    lake = GymnasiumSettings(id="FrozenLake-v1")
    known = toy_text.optimum(lake)
    noise = STANDARD_ERRORS * known.stationary.std / math.sqrt(1000)
    assert 0.04 < noise < 0.045
    line = known.stationary.mean - noise
    judge = toy_text.judge
    assert judge(lake, evaluation(line + 1e-6), EvalSettings()).solved
    assert not judge(lake, evaluation(line - 1e-3), EvalSettings()).solved
    assert not judge(lake, evaluation(0.2), EvalSettings()).solved  # the seed's 1000 episodes
    assert judge(lake, evaluation(0.5, episodes=10), EvalSettings()).solved  # 10 tell little
    assert not judge(lake, evaluation(float("nan")), EvalSettings()).solved
    threshold = EvalSettings(reward_threshold=0.8)  # the user's threshold decides
    assert not judge(lake, evaluation(0.79), threshold).solved
    cliff = GymnasiumSettings(id="CliffWalking-v1")  # deterministic: the optimum exactly
    assert judge(cliff, evaluation(-13.0), EvalSettings()).solved
    assert not judge(cliff, evaluation(-13.001), EvalSettings()).solved


def test_defaults_training_envs_and_evaluation(toy_text):
    config = build_config(None, {"algo": "q-table", "env.id": "FrozenLake-v1"}, {})
    assert config.family is toy_text
    assert (config.params.learning_rate, config.params.gamma) == (0.05, 0.99)
    assert config.eval.episodes == 1000
    assert build_config(None, {"algo": "a2c", "env.id": "FrozenLake-v1"}, {}).a2c is None
    envs = toy_text.training_envs(config.env, config.reward_setup())
    assert isinstance(envs, TableEnvs) and isinstance(envs.lanes(3), TableLanes)
    wrapped = {
        "algo": "q-table",
        "env.id": "FrozenLake-v1",
        "env.wrappers": ["RecordEpisodeStatistics"],
    }
    plain = build_config(None, wrapped, {})
    assert not isinstance(toy_text.training_envs(plain.env, plain.reward_setup()), TableEnvs)

    known = toy_text.optimum(config.env)

    class Worst:
        def act_batch(self, states):
            return np.full(len(states), LEFT)  # slips up or down at most: never right

    plan = EvalPlan(episodes=1000, seed=5, all_targets=False)
    result = toy_text.evaluate(config.env, None, plan)  # the oracle: the best policy
    assert result.episodes == 1000
    assert result.success_rate == pytest.approx(result.mean_return)  # reward 1 at the goal only
    assert abs(result.mean_return - known.stationary.mean) < 0.04
    assert toy_text.judge(config.env, result, config.eval).solved
    stuck = toy_text.evaluate(config.env, Worst(), plan)
    assert stuck.mean_return == 0.0
    assert not toy_text.judge(config.env, stuck, config.eval).solved
    assert toy_text.plan_words(config.env, plan) == "1000 episodes, seeds 5-1004"


def test_q_table_learns_the_non_slippery_lake_until_solved(toy_text, tmp_path):
    preset = tmp_path / "lake.toml"
    preset.write_text(
        'algo = "q-table"\n[env]\nid = "FrozenLake-v1"\nkwargs = {is_slippery = false}\n'
        "[eval]\nfreq = 5000\n"
    )
    args = ["train", "--config", str(preset), "--episodes", "20000", "--until-solved",
            "--runs-dir", str(tmp_path / "runs"), "--name", "lake"]  # fmt: skip
    trained = CliRunner().invoke(app, args)
    assert trained.exit_code == 0, trained.output
    run = tmp_path / "runs" / "lake"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["solved_at"] is not None and manifest["episodes"] < 20000
    saved = json.loads((run / "eval.json").read_text())
    assert saved["solved"] is True
    assert saved["result"]["mean_return"] == 1.0
    assert saved["result"]["mean_length"] == 6.0  # the shortest path, in all 1000 episodes
