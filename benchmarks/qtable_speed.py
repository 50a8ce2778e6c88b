"""Tabular Q-learning to "every target by a shortest path": the seed tutorial's loop against
rlgrid's q-table, measured in one run. Medians of repeated trainings, in this process.

    python benchmarks/qtable_speed.py [--grid 10x10] [--repeats 3]

The reference is the seed's env logic and its ``run_q`` training loop re-typed here (its pygame
window, opened in the env's constructor even when not rendering, is left out: it costs start-up,
not steps). It has no time limit, reseeds Python's ``random`` on every reset and takes the first of
equal values, as the seed does. rlgrid trains with ``configs/qtable_<grid>.toml`` when it exists,
else with the seed's hyperparameters and 64 episodes side by side.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import warnings
from enum import Enum
from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from rich.console import Console
from rich.table import Table

from rlgrid.algos.qtable import QTableAgent
from rlgrid.config import build_config
from rlgrid.envs.factory import make_env
from rlgrid.envs.layout import parse_grid

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


# --- the reference: the seed's env and loop ----------------------------------------------------
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

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.warehouse_robot.reset(seed=seed)
        obs = np.concatenate((self.warehouse_robot.robot_pos, self.warehouse_robot.target_pos))
        return obs, {}

    def step(self, action):
        target_reached = self.warehouse_robot.perform_action(RobotAction(action))
        reward, terminated = (1, True) if target_reached else (0, False)
        obs = np.concatenate((self.warehouse_robot.robot_pos, self.warehouse_robot.target_pos))
        return obs, reward, terminated, False, {}


SEED_ID = "benchmark/SeedWarehouse-v0"
if SEED_ID not in gym.registry:
    gym.register(id=SEED_ID, entry_point=SeedWarehouseEnv)


def seed_run_q(rows: int, cols: int, episodes: int) -> tuple[np.ndarray, int]:
    """The seed's ``run_q`` training branch; returns its table and the steps it took."""
    # the seed's int64 observations make gymnasium's checker warn; that is the seed's defect
    warnings.filterwarnings("ignore", message=".*(int32|observation space).*")
    env = gym.make(SEED_ID, grid_rows=rows, grid_cols=cols)
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


# --- judging: does the greedy policy walk every target's shortest path? -----------------------
def optimal_targets(q: np.ndarray, rows: int, cols: int) -> tuple[int, int]:
    moves = [(0, -1), (1, 0), (0, 1), (-1, 0)]
    good = 0
    targets = [(r, c) for r in range(1, rows) for c in range(1, cols)]
    for tr, tc in targets:
        r = c = steps = 0
        while (r, c) != (tr, tc) and steps <= rows + cols:
            dr, dc = moves[int(np.argmax(q[r, c, tr, tc]))]
            r, c = min(max(r + dr, 0), rows - 1), min(max(c + dc, 0), cols - 1)
            steps += 1
        good += (r, c) == (tr, tc) and steps == tr + tc
    return good, len(targets)


def rlgrid_config(grid: str):
    preset = CONFIGS / f"qtable_{grid}.toml"
    if preset.exists():
        return build_config(preset, {}, {}), preset.name
    flags = {"algo": "q-table", "env.grid": grid}
    return build_config(None, flags, {}), "seed hyperparameters"


def rlgrid_train(config, seed: int) -> tuple[np.ndarray, int, float]:
    env = make_env(config.env.id, config.env.kwargs())
    agent = QTableAgent(config.q_table, env, config.env.id)
    lanes = agent.lanes(env, lambda: make_env(config.env.id, config.env.kwargs()))
    budget = {"episodes": config.episodes, "timesteps": config.timesteps}
    start = time.perf_counter()
    agent.learn(lanes, seed, budget, should_stop=lambda: False, report=lambda progress: None)
    seconds = time.perf_counter() - start
    rows, cols = env.unwrapped.layout.size
    return agent.q.reshape(rows, cols, rows, cols, 4), agent.progress.timesteps, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", default="10x10")
    parser.add_argument("--episodes", type=int, default=10_000, help="the seed loop's episodes")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows, cols = parse_grid(args.grid)
    config, source = rlgrid_config(str(parse_grid(args.grid)))

    results = {}
    seed_runs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        q, steps = seed_run_q(rows, cols, args.episodes)
        seed_runs.append((time.perf_counter() - start, steps, optimal_targets(q, rows, cols)))
    results[f"seed run_q, {args.episodes} episodes"] = seed_runs
    ours = []
    for repeat in range(args.repeats):
        q, steps, seconds = rlgrid_train(config, seed=repeat)
        ours.append((seconds, steps, optimal_targets(q, rows, cols)))
    results[f"rlgrid q-table ({source}, {config.budget_label()})"] = ours

    reference = statistics.median(t for t, _, _ in seed_runs)
    table = Table(title=f"q-table on {rows}x{cols}: training until every target is optimal")
    for column in ("trainer", "median s", "runs (s)", "steps/s", "optimal targets", "speed-up"):
        table.add_column(column, justify="left" if column == "trainer" else "right")
    for name, runs in results.items():
        median = statistics.median(t for t, _, _ in runs)
        rate = statistics.median(s / t for t, s, _ in runs)
        optimal = ", ".join(f"{g}/{n}" for _, _, (g, n) in runs)
        spread = ", ".join(f"{t:.2f}" for t, _, _ in runs)
        table.add_row(
            name, f"{median:.3f}", spread, f"{rate:,.0f}", optimal, f"{reference / median:.1f}x"
        )
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
