"""Evaluations are given up once a stop is requested: Ctrl+C during a periodic evaluation of a
policy that never ends its episodes before their time limit saves the run at once, not after the
evaluation."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from rlgrid.config import build_config
from rlgrid.evaluation import giving_up
from rlgrid.evaluation.episodes import play_episode
from rlgrid.families.base import EvalPlan
from tests.conftest import interrupt_training


def test_check_raises_only_inside_a_block_whose_condition_holds():
    giving_up.check()  # no block: nothing to give up
    with giving_up.given_up_when(lambda: False):
        giving_up.check()
        with pytest.raises(giving_up.GivenUp), giving_up.given_up_when(lambda: True):
            giving_up.check()
        giving_up.check()  # the inner block is over


def test_an_endless_greedy_episode_is_given_up():
    config = build_config(None, {"algo": "q-table", "env.grid": "4x5", "env.max_steps": 10**6}, {})
    env = config.family.make(config.env)
    stay = lambda obs: 3  # noqa: E731  up, against the top wall from the start (0, 0)
    with pytest.raises(giving_up.GivenUp), giving_up.given_up_when(lambda: True):
        play_episode(env, stay, seed=0)


def test_the_warehouse_batched_evaluation_is_given_up():
    config = build_config(None, {"algo": "q-table", "env.grid": "4x5", "env.max_steps": 10**6}, {})
    family, plan = config.family, EvalPlan(episodes=4, seed=0, all_targets=False)

    class Stay:
        def act(self, obs):
            return 3

        def act_batch(self, obs):
            return np.full(len(obs), 3)

    with pytest.raises(giving_up.GivenUp), giving_up.given_up_when(lambda: True):
        family.evaluate(config.env, Stay(), plan)


MOUNTAIN_CAR = """
algo = "a2c"
timesteps = 100000
until_solved = true

[env]
id = "MountainCar-v0"
max_steps = 10000000

[eval]
freq = 500
episodes = 5
"""


@pytest.mark.slow
def test_ctrl_c_during_a_periodic_evaluation_saves_at_once(tmp_path):
    # An untrained policy never drives the car up the hill: each of the evaluation's episodes
    # runs its time limit of 10^7 steps, hours in all; the stop must not wait for them. (On the
    # warehouse a greedy policy's loops end its episodes at once; MountainCar's states never
    # repeat exactly.)
    config = tmp_path / "car.toml"
    config.write_text(MOUNTAIN_CAR)
    runs = tmp_path / "runs"
    args = ["train", "--config", str(config), "--runs-dir", str(runs), "--name", "car"]
    started = time.monotonic()
    manifest = runs / "car" / "manifest.json"
    code, stderr = interrupt_training(
        args, lambda: manifest.exists() and time.monotonic() - started > 8, deadline=120
    )
    assert code == 130, stderr
    assert "resume with: rlgrid train --resume" in stderr
    saved = json.loads(manifest.read_text())
    assert saved["status"] == "interrupted"
    assert saved["timesteps"] <= 1000  # stopped in its first evaluation (after 500 steps)
