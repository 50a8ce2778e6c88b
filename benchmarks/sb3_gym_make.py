"""Steps stable-baselines3 needs on rlgrid's warehouse made with ``gym.make`` alone (no rlgrid
training code): with and without rlgrid's ``obs`` encodings and ``reward`` shaping.

    python benchmarks/sb3_gym_make.py [--algo a2c] [--grid 10x10] [--seeds 5]
        [--cases coords:sparse,offset:sparse,coords:potential,offset:potential]
        [--task classic|anywhere] [--every 1024] [--budget 200000]

Each case trains SB3's algorithm with its default hyperparameters on 8 envs
(``make_vec_env("rlgrid/Warehouse-v0", env_kwargs=...)``) and, every ``--every`` steps, plays the
greedy policy once from every start and target pair of the task (classic: every target from
(0, 0); anywhere: every pair) on the unshaped env. Solved is every pair reaching its target; the
table gives, per case, the median step that happened and the range over seeds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np
import torch
from rich.console import Console
from rich.table import Table
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

import rlgrid  # noqa: F401  (registers rlgrid/Warehouse-v0)

ALGOS = {"a2c": A2C, "ppo": PPO}


def every_pair(rows: int, cols: int, task: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    if task == "anywhere":
        return [(start, target) for start in cells for target in cells if start != target]
    return [((0, 0), (r, c)) for r in range(1, rows) for c in range(1, cols)]


def all_reached(model, kwargs: dict, pairs: list) -> bool:
    """Whether the greedy policy reaches the target from every pair (all played side by side)."""
    envs = [gym.make("rlgrid/Warehouse-v0", **kwargs) for _ in pairs]
    obs = np.stack([env.reset(seed=0, options={"start": s, "target": t})[0]
                    for env, (s, t) in zip(envs, pairs, strict=True)])  # fmt: skip
    done = np.zeros(len(envs), dtype=bool)
    reached = np.zeros(len(envs), dtype=bool)
    while not done.all():
        actions, _ = model.predict(obs, deterministic=True)
        for i in np.flatnonzero(~done):
            obs[i], _, terminated, truncated, info = envs[i].step(int(actions[i]))
            if terminated or truncated:
                done[i], reached[i] = True, bool(info["is_success"])
    return bool(reached.all())


class UntilSolved(BaseCallback):
    """Judges the policy after each update, at most every ``every`` steps; stops once solved."""

    def __init__(self, every: int, kwargs: dict, pairs: list) -> None:
        super().__init__()
        self.every, self.kwargs, self.pairs = every, kwargs, pairs
        self.next, self.solved_at = every, None

    def _on_rollout_start(self) -> None:
        if self.num_timesteps >= self.next and self.solved_at is None:
            self.next = self.num_timesteps + self.every
            if all_reached(self.model, self.kwargs, self.pairs):
                self.solved_at = self.num_timesteps

    def _on_step(self) -> bool:
        return self.solved_at is None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--algo", choices=list(ALGOS), default="a2c")
    parser.add_argument("--grid", default="10x10")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cases", default="coords:sparse,offset:sparse,coords:potential,"
                        "offset:potential")  # fmt: skip
    parser.add_argument("--task", choices=["classic", "anywhere"], default="classic")
    parser.add_argument("--every", type=int, default=1024)
    parser.add_argument("--budget", type=int, default=200_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows, cols = (int(side) for side in args.grid.lower().split("x"))
    pairs = every_pair(rows, cols, args.task)
    table = Table(title=f"SB3 {args.algo.upper()} on gym.make('rlgrid/Warehouse-v0'), "
                  f"{args.grid}, {args.task}, {args.seeds} seeds, 8 envs")  # fmt: skip
    for column in ("obs", "reward", "steps to solve (median)", "range", "solved", "seconds"):
        table.add_column(column)
    for case in args.cases.split(","):
        obs, reward = case.split(":")
        kwargs = {"rows": rows, "cols": cols, "obs": obs}
        if args.task == "anywhere":
            kwargs.update(targets="anywhere", random_start=True)
        solved, seconds = [], []
        for seed in range(args.seeds):
            envs = make_vec_env("rlgrid/Warehouse-v0", n_envs=8, seed=seed,
                                env_kwargs={**kwargs, "reward": reward})  # fmt: skip
            model = ALGOS[args.algo]("MlpPolicy", envs, seed=seed, device="cpu")
            callback = UntilSolved(args.every, kwargs, pairs)
            start = time.perf_counter()
            model.learn(args.budget, callback=callback)
            seconds.append(time.perf_counter() - start)
            if callback.solved_at is not None:
                solved.append(callback.solved_at)
        median = f"{statistics.median(solved):,.0f}" if solved else "not solved"
        spread = f"{min(solved):,}-{max(solved):,}" if solved else "-"
        table.add_row(obs, reward, median, spread, f"{len(solved)}/{args.seeds}",
                      f"{statistics.median(seconds):.1f}")  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    main()
