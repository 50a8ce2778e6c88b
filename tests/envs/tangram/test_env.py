"""The tangram env: masks, endings, rewards, observations, seeding and the checkers."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlgrid  # noqa: F401  (registers the envs)
from rlgrid.envs.tangram.curriculum import Curriculum
from rlgrid.envs.tangram.env import TangramEnv
from rlgrid.envs.tangram.pieces import COUNTS, KINDS, SQUARE_SOLUTION
from rlgrid.envs.tangram.placements import GAP_ACTIONS, SHAPES
from rlgrid.errors import InvalidValueError


def fits_by_hand(env: TangramEnv, action: int) -> bool:
    """Whether ``action`` places a piece that fits, from triangles (no bitmasks, no tables)."""
    board, canvas = env.board, env.canvas
    free = {canvas.triangle(t) for t in range(canvas.size) if board.free >> t & 1}
    if env.actions.kind == "gap":
        if not free:
            return False
        gap = min(free, key=canvas.index)
        number, position = GAP_ACTIONS[action]
        dr, dc, side = SHAPES[number][1][position]
        if side != gap[2]:
            return False
        row, col = gap[0] - dr, gap[1] - dc
    else:
        number, cell = divmod(action, canvas.rows * canvas.cols)
        row, col = divmod(cell, canvas.cols)
    kind, shape = SHAPES[number]
    triangles = {(row + r, col + c, s) for r, c, s in shape}
    return board.counts[kind] > 0 and triangles <= free


@pytest.mark.parametrize("actions", ["gap", "anywhere"])
def test_masks_are_exactly_the_placements_that_fit(actions):
    env = TangramEnv(silhouettes="random:5", actions=actions)
    rng = np.random.default_rng(0)
    checked = 0
    for episode in range(3):
        env.reset(seed=episode)
        done = False
        while not done:
            mask = env.action_masks()
            expected = np.array([fits_by_hand(env, a) for a in range(env.action_space.n)])
            np.testing.assert_array_equal(mask, expected)
            checked += int(mask.sum())
            _, _, done, _, _ = env.step(int(rng.choice(np.flatnonzero(mask))))
    assert checked > 0


def test_the_oracle_fills_the_square_in_seven_steps_with_reward_one():
    env = TangramEnv()
    env.reset(seed=0)
    total, steps, done = 0.0, 0, False
    while not done:
        _, reward, done, truncated, info = env.step(env.oracle_action())
        total += reward
        steps += 1
        assert not truncated
    assert steps == 7 and total == 1.0
    assert info["is_success"] and info["raw_return"] == 1.0 and info["pieces_left"] == 0
    assert env.board.free == 0 and sum(env.board.counts) == 0


def test_a_disallowed_action_ends_the_episode_as_a_failure():
    env = TangramEnv()
    env.reset(seed=0)
    blocked = int(np.flatnonzero(~env.action_masks())[0])
    _, reward, terminated, _, info = env.step(blocked)
    assert terminated and reward == 0.0 and info["invalid"] and not info["is_success"]
    assert sum(env.board.counts) == sum(COUNTS)  # nothing was placed


def test_an_episode_ends_when_no_piece_fits_the_gap():
    env = TangramEnv()
    env.reset(seed=0)
    # a large triangle along the top edge, then the other one beside it so that a corner
    # region is left that only pieces already used could fill: play until stuck
    rng = np.random.default_rng(3)
    for _ in range(200):
        env.reset()
        done = False
        while not done:
            _, _, done, _, info = env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
        if not info["is_success"]:
            assert not env.action_masks().any() and env.board.free != 0
            assert "invalid" not in info and info["raw_return"] == 0.0
            return
    pytest.fail("random play always filled the square")


def test_area_reward_pays_each_piece_its_share_and_keeps_the_sparse_return():
    env = TangramEnv(reward="area")
    env.reset(seed=0)
    total, done = 0.0, False
    while not done:
        _, reward, done, _, info = env.step(env.oracle_action())
        total += reward
    assert total == pytest.approx(2.0)  # 1 for filling it, the shares add up to 1
    assert info["raw_return"] == 1.0


def test_preplaced_pieces_come_from_an_assembly_and_the_rest_fills_it():
    env = TangramEnv(preplaced=5)
    _, info = env.reset(seed=1)
    assert info["preplaced"] == 5 and sum(env.board.counts) == 2
    steps, done = 0, False
    while not done:
        _, _, done, _, info = env.step(env.oracle_action())
        steps += 1
    assert steps == 2 and info["is_success"]


def test_observations_are_seeded_and_match_their_spaces():
    for kwargs in ({}, {"obs": "canvas"}, {"obs": "state"}, {"actions": "anywhere"}):
        a, b = (
            TangramEnv(silhouettes="random:4", **kwargs),
            TangramEnv(silhouettes="random:4", **kwargs),
        )
        for seed in range(3):
            obs_a, _ = a.reset(seed=seed)
            obs_b, _ = b.reset(seed=seed)
            assert a.observation_space.contains(obs_a)
            np.testing.assert_array_equal(obs_a, obs_b)
            mask = a.action_masks()
            action = int(np.flatnonzero(mask)[0])
            np.testing.assert_array_equal(a.step(action)[0], b.step(action)[0])


def test_window_observation_has_the_same_size_on_every_canvas():
    small = TangramEnv()
    big = TangramEnv(silhouettes="random")
    assert small.observation_space.shape == big.observation_space.shape == (333,)
    assert small.action_space.n == big.action_space.n == 152
    assert TangramEnv(actions="anywhere").action_space.n == len(SHAPES) * 16


def test_state_observation_numbers_the_square_boards():
    env = TangramEnv(obs="state")
    assert 10 < env.observation_space.n < 10_000
    seen = set()
    for seed in range(30):
        obs, _ = env.reset(seed=seed)
        seen.add(int(obs))
    assert seen == {0}  # every episode starts on the empty square


def test_bad_settings_are_one_line_errors():
    with pytest.raises(InvalidValueError, match="actions"):
        TangramEnv(actions="everywhere")
    with pytest.raises(InvalidValueError, match="reward"):
        TangramEnv(reward="dense")
    with pytest.raises(InvalidValueError, match="preplaced"):
        TangramEnv(preplaced=7)
    with pytest.raises(InvalidValueError, match="canvas"):
        TangramEnv(canvas=3)
    with pytest.raises(InvalidValueError, match="random silhouettes"):
        TangramEnv(silhouettes="random", obs="state")


def test_gymnasium_and_sb3_checkers_pass():
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check

    for kwargs in ({}, {"actions": "anywhere"}, {"obs": "state"}, {"silhouettes": "random"}):
        env = gym.make("rlgrid/Tangram-v0", **kwargs)
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check(env.unwrapped, warn=False)


def test_curriculum_takes_pieces_away_as_the_agent_succeeds():
    env = Curriculum(TangramEnv(), promote=0.8, episodes=5)
    _, info = env.reset(seed=0)
    assert info["preplaced"] == 6
    levels = []
    for _ in range(40):  # the oracle always succeeds: one level fewer every 5 episodes
        done = False
        while not done:
            _, _, done, _, _ = env.step(env.unwrapped.oracle_action())
        _, info = env.reset()
        levels.append(info["preplaced"])
    assert levels[3] == 6 and levels[4] == 5 and levels[-1] == 0


def test_the_classic_assembly_is_one_the_solver_counts():
    env = TangramEnv()
    env.reset(seed=0)
    assert env.solver.count(env.board.target, COUNTS) == 8
    assert {KINDS[kind].name for kind, _ in SQUARE_SOLUTION} == {k.name for k in KINDS}


def test_solvable_shaping_charges_the_placement_that_makes_the_puzzle_impossible():
    env = TangramEnv(silhouettes="random:20", reward="solvable", gamma=0.9)
    rng = np.random.default_rng(1)
    charged = 0
    for episode in range(20):
        env.reset(seed=episode)
        done = False
        while not done:
            could = env.oracle_action() is not None
            _, reward, done, _, info = env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
            can = env.board.free == 0 or env.oracle_action() is not None
            sparse = 1.0 if info["is_success"] else 0.0
            assert reward == pytest.approx(sparse + 0.9 * can - could)
            charged += could and not can
    assert charged > 0
    env.reset(seed=0)
    total, done = 0.0, False
    while not done:  # the oracle's episode: 7 steps that keep it solvable, then filled
        _, reward, done, _, info = env.step(env.oracle_action())
        total += reward
    assert total == pytest.approx(1.0 + 7 * (0.9 - 1.0)) and info["raw_return"] == 1.0
