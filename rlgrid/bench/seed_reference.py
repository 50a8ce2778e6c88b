"""BENCHMARK CODE: the seed tutorial's warehouse env and trainers, re-typed as a baseline.

rlgrid itself never uses this module: nothing in rlgrid trains, evaluates or renders with it.
``rlgrid bench`` (:mod:`rlgrid.bench`) and ``benchmarks/qtable_speed.py`` measure rlgrid against
it in the same run. The env keeps the seed's behaviour on purpose, defects included: int64
observations, targets never in row 0 or column 0, Python's global ``random`` reseeded on every
reset, no time limit of its own (the A2C reference adds gymnasium's TimeLimit of rlgrid's default
length, as the issue's measurement did). Its pygame window, opened in the seed's constructor even
when not rendering, is left out: it costs start-up, not steps.

What counts as solved is not decided here: the warehouse family judges the reference's
evaluations exactly as it judges rlgrid's (:meth:`WarehouseFamily.judge`).

    python -m rlgrid.bench.seed_reference a2c --grid 10x10 --seed 0 --budget 200000
"""

from __future__ import annotations

import argparse
import json
import random
import time
import warnings
from enum import Enum
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlgrid.envs.warehouse import default_max_steps

SEED_ID = "rlgrid-reference/SeedWarehouse-v0"


class RobotAction(Enum):
    LEFT = 0
    DOWN = 1
    RIGHT = 2
    UP = 3


class SeedWarehouseRobot:
    def __init__(self, grid_rows: int, grid_cols: int) -> None:
        self.grid_rows, self.grid_cols = grid_rows, grid_cols
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        self.robot_pos = [0, 0]
        random.seed(seed)
        self.target_pos = [
            random.randint(1, self.grid_rows - 1),
            random.randint(1, self.grid_cols - 1),
        ]

    def perform_action(self, robot_action: RobotAction) -> bool:
        if robot_action == RobotAction.LEFT:
            if self.robot_pos[1] > 0:
                self.robot_pos[1] -= 1
        elif robot_action == RobotAction.RIGHT:
            if self.robot_pos[1] < self.grid_cols - 1:
                self.robot_pos[1] += 1
        elif robot_action == RobotAction.UP:
            if self.robot_pos[0] > 0:
                self.robot_pos[0] -= 1
        elif robot_action == RobotAction.DOWN and self.robot_pos[0] < self.grid_rows - 1:
            self.robot_pos[0] += 1
        return self.robot_pos == self.target_pos


class SeedWarehouseEnv(gym.Env):
    metadata = {"render_modes": ["human"], "render_fps": 4}  # noqa: RUF012

    def __init__(self, grid_rows: int = 4, grid_cols: int = 5, render_mode: str | None = None):
        self.grid_rows, self.grid_cols = grid_rows, grid_cols
        self.warehouse_robot = SeedWarehouseRobot(grid_rows, grid_cols)
        self.action_space = spaces.Discrete(len(RobotAction))
        self.observation_space = spaces.Box(
            low=0,
            high=np.array([grid_rows - 1, grid_cols - 1, grid_rows - 1, grid_cols - 1]),
            shape=(4,),
            dtype=np.int32,
        )

    def reset(self, seed: int | None = None, options: Any = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.warehouse_robot.reset(seed=seed)
        obs = np.concatenate((self.warehouse_robot.robot_pos, self.warehouse_robot.target_pos))
        return obs, {}

    def step(self, action: Any) -> tuple[np.ndarray, int, bool, bool, dict]:
        target_reached = self.warehouse_robot.perform_action(RobotAction(action))
        reward, terminated = (1, True) if target_reached else (0, False)
        obs = np.concatenate((self.warehouse_robot.robot_pos, self.warehouse_robot.target_pos))
        return obs, reward, terminated, False, {}


if SEED_ID not in gym.registry:
    gym.register(id=SEED_ID, entry_point=SeedWarehouseEnv)


def make_seed_env(rows: int, cols: int, time_limit: int | None = None) -> gym.Env:
    """The seed env through ``gym.make``, as the seed used it (optionally with a TimeLimit)."""
    # its int64 observations make gymnasium's checker warn: that is the seed's defect
    warnings.filterwarnings("ignore", message=".*(int32|observation space).*")
    return gym.make(SEED_ID, grid_rows=rows, grid_cols=cols, max_episode_steps=time_limit)


def seed_run_q(rows: int, cols: int, episodes: int) -> tuple[np.ndarray, int]:
    """The seed's ``run_q`` training branch; returns its table and the steps it took."""
    env = make_seed_env(rows, cols)
    q = np.zeros((rows, cols, rows, cols, env.action_space.n))
    learning_rate_a, discount_factor_g, epsilon = 0.9, 0.9, 1
    total = 0
    for _ in range(episodes):
        state = env.reset()[0]
        terminated = False
        while not terminated:
            if random.random() < epsilon:
                action = env.action_space.sample()
            else:
                action = np.argmax(q[tuple(state)])
            new_state, reward, terminated, _, _ = env.step(action)
            index = (*tuple(state), action)
            q[index] = q[index] + learning_rate_a * (
                reward + discount_factor_g * np.max(q[tuple(new_state)]) - q[index]
            )
            state = new_state
            total += 1
        epsilon = max(epsilon - 1 / episodes, 0)
    env.close()
    return q, total


_MOVES = np.array([(0, -1), (1, 0), (0, 1), (-1, 0)])


def seed_targets_result(policy: Any, rows: int, cols: int) -> Any:
    """Play a greedy policy of [r, c, tr, tc] observations from (0, 0) to every seed-placement
    target once, all at once, within rlgrid's default time limit; summarised as rlgrid's own
    evaluations are (an :class:`rlgrid.evaluation.EvalResult`)."""
    from rlgrid.evaluation import summarise

    targets = np.array([(r, c) for r in range(1, rows) for c in range(1, cols)])
    robot = np.zeros_like(targets)
    lengths = np.zeros(len(targets), dtype=np.int64)
    active = np.ones(len(targets), dtype=bool)
    for step in range(1, default_max_steps(rows, cols) + 1):
        live = np.flatnonzero(active)
        if not live.size:
            break
        obs = np.concatenate([robot[live], targets[live]], axis=1)
        moves = _MOVES[np.asarray(policy(obs)).reshape(-1)]
        robot[live] = np.clip(robot[live] + moves, 0, [rows - 1, cols - 1])
        lengths[live] = step
        active[live[(robot[live] == targets[live]).all(axis=1)]] = False
    reached = ~active
    return summarise(
        lengths.tolist(),
        reached.astype(float).tolist(),  # the seed's reward: 1 on reaching the target
        reached.tolist(),
        targets.sum(axis=1).tolist(),  # shortest path from (0, 0) on an open grid
    )


def seed_targets_solved(policy: Any, rows: int, cols: int, max_ratio: float | None = None) -> bool:
    """Does a greedy policy solve the seed's task, as the warehouse family judges solved (every
    target reached, optimality ratio at most ``max_ratio``, default the ``[eval]`` default)?"""
    from rlgrid.envs.grid import GridSize
    from rlgrid.evaluation import EvalSettings
    from rlgrid.families.warehouse.family import WarehouseFamily
    from rlgrid.families.warehouse.settings import WarehouseSettings

    eval_settings = EvalSettings() if max_ratio is None else EvalSettings(max_ratio=max_ratio)
    result = seed_targets_result(policy, rows, cols)
    settings = WarehouseSettings(grid=GridSize(rows, cols))
    return WarehouseFamily().judge(settings, result, eval_settings).solved


def a2c_time_to_solve(rows: int, cols: int, seed: int, budget: int, every: int) -> dict:
    """SB3 A2C with default settings on the seed env with rlgrid's default time limit, evaluated
    every ``every`` steps as rlgrid's until_solved does."""
    from stable_baselines3 import A2C

    env = make_seed_env(rows, cols, default_max_steps(rows, cols))
    model = A2C("MlpPolicy", env, seed=seed, device="cpu")
    trained = 0.0
    while model.num_timesteps < budget:
        start = time.perf_counter()
        model.learn(every, reset_num_timesteps=False)
        trained += time.perf_counter() - start
        solved = seed_targets_solved(
            lambda obs: model.predict(obs, deterministic=True)[0], rows, cols
        )
        if solved:
            return {"solved_at": model.num_timesteps, "train_seconds": trained}
    return {"solved_at": None, "train_seconds": trained, "timesteps": model.num_timesteps}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Reference trainers on the seed's env.")
    parser.add_argument("algo", choices=["a2c"])
    parser.add_argument("--grid", default="10x10")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=int, default=200_000)
    parser.add_argument("--every", type=int, default=2000)
    args = parser.parse_args(argv)
    rows, cols = (int(part) for part in args.grid.lower().split("x"))
    print(json.dumps(a2c_time_to_solve(rows, cols, args.seed, args.budget, args.every)))


if __name__ == "__main__":
    main()
