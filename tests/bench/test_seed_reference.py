import numpy as np

from rlgrid.bench.seed_reference import (
    make_seed_env,
    seed_run_q,
    seed_targets_result,
    seed_targets_solved,
)
from rlgrid.envs.warehouse import default_max_steps


def toward(obs):
    """The oracle on the seed env's observations: close the row gap, then the column gap."""
    obs = np.asarray(obs)
    dr, dc = obs[:, 2] - obs[:, 0], obs[:, 3] - obs[:, 1]
    return np.where(dr > 0, 1, np.where(dr < 0, 3, np.where(dc > 0, 2, 0)))


def stay_left(obs):
    return np.zeros(len(obs), dtype=int)


def detour(obs):
    """Down to the last row, right to the target's column, then up: always arrives, late."""
    r, c, tr, tc = np.asarray(obs).T
    return np.where(c < tc, np.where(r < 5, 1, 2), np.where(r > tr, 3, np.where(r < tr, 1, 0)))


def test_reference_judge_of_solved():
    assert seed_targets_solved(toward, 6, 7)
    assert not seed_targets_solved(stay_left, 6, 7)
    assert not seed_targets_solved(detour, 6, 7)  # reaches every target, the long way round
    assert seed_targets_solved(detour, 6, 7, max_ratio=10.0)


def test_reference_plays_every_seed_target_as_rlgrid_summarises():
    best = seed_targets_result(toward, 6, 7)
    assert best.episodes == 5 * 6  # targets never in row 0 or column 0
    assert best.success_rate == 1.0 and best.optimality_ratio == 1.0
    assert best.optimal_episodes == 30 and best.mean_return == 1.0
    stuck = seed_targets_result(stay_left, 6, 7)
    assert stuck.success_rate == 0.0 and stuck.mean_return == 0.0
    assert stuck.mean_length == default_max_steps(6, 7)  # rlgrid's default time limit
    late = seed_targets_result(detour, 6, 7)
    assert late.success_rate == 1.0 and 1.05 < late.optimality_ratio < 10.0


def test_seed_env_keeps_the_seeds_behaviour():
    env = make_seed_env(4, 5, time_limit=3)
    obs, _ = env.reset(seed=0)
    assert obs.dtype == np.int64 and list(obs[:2]) == [0, 0]  # the seed's int64 defect, kept
    assert obs[2] >= 1 and obs[3] >= 1
    truncated = False
    for _ in range(3):
        _, reward, terminated, truncated, _ = env.step(3)  # UP at the top wall: never arrives
        assert reward == 0 and not terminated
    assert truncated


def test_seed_run_q_counts_its_steps():
    q, steps = seed_run_q(3, 3, 50)
    assert q.shape == (3, 3, 3, 3, 4)
    assert steps >= 50 * 2  # every target is at least two steps from (0, 0)
    assert q.max() > 0
