"""Tabular Q-learning to "every target by a shortest path": the seed tutorial's loop against
rlgrid's q-table, measured in one run. Medians of repeated trainings, in this process.

    python benchmarks/qtable_speed.py [--grid 10x10] [--repeats 3]

The reference is the seed's env logic and its ``run_q`` training loop, re-typed in
``rlgrid/bench/seed_reference.py`` (its pygame window, opened in the env's constructor even when
not rendering, is left out: it costs start-up, not steps). It has no time limit, reseeds Python's
``random`` on every reset and takes the first of equal values, as the seed does. rlgrid trains
with ``configs/qtable_<grid>.toml`` when it exists, else with the seed's hyperparameters and 64
episodes side by side.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from rlgrid.algos.base import Hooks
from rlgrid.algos.qtable.agent import QTableAgent
from rlgrid.bench.seed_reference import seed_run_q
from rlgrid.config import build_config
from rlgrid.envs.grid import parse_grid
from rlgrid.training.states import training_envs

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


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
    config = config.model_copy(update={"seed": seed})
    agent = QTableAgent(config, training_envs(config))
    start = time.perf_counter()
    agent.learn(Path("."), Hooks(should_stop=lambda: False, report=lambda episodes, steps: None))
    seconds = time.perf_counter() - start
    rows, cols = config.env.size
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
    results[f"rlgrid q-table ({source}, {config.budget.label()})"] = ours

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
