"""Q-learning on an env with action masks: it explores, acts and bootstraps among the allowed
actions only."""

import json

import gymnasium as gym
import numpy as np
from typer.testing import CliRunner

from rlgrid.algos.base import EpisodeRows
from rlgrid.algos.qtable.learner import (
    Progress,
    behaviour_actions,
    best_allowed,
    greedy_actions,
    train,
)
from rlgrid.algos.qtable.params import QTableParams
from rlgrid.algos.tabular import tabular_space
from rlgrid.cli.app import app
from rlgrid.envs.batched import GymnasiumLanes
from rlgrid.training import open_run
from tests.masked_env import FORWARD, GOAL, MASKED_ID, N_ACTIONS, PLAIN_ID

MASKED = f"tests.masked_env:{MASKED_ID}"


def allowed_table() -> np.ndarray:
    """Per cell of the corridor, its allowed actions (none at the goal)."""
    env = gym.make(MASKED_ID).unwrapped
    rows = []
    for cell in range(GOAL + 1):
        env.position = cell
        rows.append(env.allowed())
    return np.array(rows)


def learn(env_id, q, episodes=200, **params):
    lanes = GymnasiumLanes(4, lambda: gym.make(env_id))
    train(
        q,
        QTableParams(n_envs=4, **params),
        tabular_space(gym.spaces.Discrete(GOAL + 1)),
        lanes,
        seed=0,
        episodes=episodes,
        timesteps=None,
        progress=Progress(),
        rows=EpisodeRows(),
        should_stop=lambda: False,
        report=lambda episodes, steps: None,
    )
    return sum(env.unwrapped.masked_taken for env in lanes.envs)


def test_exploration_never_takes_a_masked_action():
    q = np.zeros((GOAL + 1, N_ACTIONS))
    assert learn(MASKED_ID, q, epsilon_start=1.0, epsilon_end=1.0) == 0
    assert not q[~allowed_table()].any()  # masked actions are never tried, so never updated
    assert q[allowed_table()].any()
    # the same exploration without masks ends most episodes on a masked action
    assert learn(PLAIN_ID, np.zeros((GOAL + 1, N_ACTIONS)), epsilon_start=1.0) > 100


def test_greedy_choice_and_bootstrap_ignore_the_values_of_masked_actions():
    allowed = allowed_table()
    q = np.where(allowed, 0.0, 100.0)  # masked actions look far better than any allowed one
    assert learn(MASKED_ID, q, epsilon_start=0.0, epsilon_end=0.0) == 0
    # the targets bootstrapped from allowed actions only: no value grew past the goal's reward
    assert q[allowed].max() <= 1.0
    assert np.argmax(np.where(allowed, q, -np.inf)[:GOAL], axis=1).tolist() == list(FORWARD)


def test_mask_helpers():
    values = np.array([[5.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    masks = np.array([[False, True, True], [False, False, False]])
    assert greedy_actions(values).tolist() == [0, 0]
    assert greedy_actions(values, masks).tolist() == [2, 0]
    assert best_allowed(values, masks).tolist() == [2.0, 0.0]
    rng = np.random.default_rng(0)
    one_allowed = np.array([[False, True, False]] * 50)
    explore = np.arange(50) % 2 == 0
    picked = behaviour_actions(np.tile(values[:1], (50, 1)), one_allowed, explore, rng)
    assert set(picked.tolist()) == {1}
    every = np.ones((400, 3), dtype=bool)
    picked = behaviour_actions(np.zeros((400, 3)), every, np.ones(400, bool), rng)
    assert np.bincount(picked, minlength=3).min() > 100  # uniform among the allowed


def test_q_table_learns_the_masked_corridor_and_acts_among_allowed_actions(tmp_path):
    runs = tmp_path / "runs"
    args = ["train", "--runs-dir", str(runs), "--algo", "q-table", "--env", MASKED,
            "--episodes", "200", "--n-envs", "8", "--name", "q"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    found = json.loads((runs / "q" / "eval.json").read_text())
    assert found["solved"] and found["result"]["success_rate"] == 1.0
    _, _, agent = open_run(runs / "q", trust_env_module=True)
    allowed = allowed_table()
    agent.q[:GOAL, 0] = 100.0  # a masked action with the best value: taken only without masks
    assert [agent.act(cell) for cell in range(GOAL)] == [0, 0, 0]
    assert [agent.act(cell, allowed[cell]) for cell in range(GOAL)] == list(FORWARD)
    batch = agent.act_batch(np.arange(GOAL), allowed[:GOAL])
    assert batch.tolist() == list(FORWARD)
