"""``rlgrid bench``: env throughput and time to solve, each against the seed's env measured in the
same run. Training runs are whole processes (``rlgrid train`` and the reference trainer run as
subprocesses), so start-up counts as a user would feel it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlgrid.envs.layout import GridSize

BATCH_SIZES = (1, 64, 1024, 16384)


@dataclass
class Measure:
    name: str
    values: list[float]
    unit: str
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values)


def _steps_per_second(step: Callable[[int], int], seconds: float) -> float:
    """Call ``step(k)`` (which takes ``k`` steps and returns how many it took) for ``seconds``."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += step(done)
    return done / (time.perf_counter() - start)


def env_throughput(grid: GridSize, repeats: int, seconds: float) -> list[Measure]:
    """Random-action steps per second: the seed env and rlgrid's env through gymnasium, and the
    batched env at several sizes, medians of ``repeats`` windows of ``seconds``."""
    import gymnasium as gym

    from rlgrid.envs.batched import BatchedWarehouse
    from rlgrid.envs.layout import Layout
    from rlgrid.envs.registration import WAREHOUSE_ID
    from rlgrid.reference import make_seed_env

    rows, cols = grid
    actions = np.random.default_rng(0).integers(4, size=4096)

    def single(env: gym.Env) -> Callable[[int], int]:
        env.reset(seed=0)

        def run(done: int) -> int:
            for action in actions[:1024]:
                _, _, terminated, truncated, _ = env.step(int(action))
                if terminated or truncated:
                    env.reset()
            return 1024

        return run

    measures = [
        Measure(
            "seed env via gymnasium (reference)",
            [_steps_per_second(single(make_seed_env(rows, cols)), seconds) for _ in range(repeats)],
            "steps/s",
        ),
        Measure(
            "rlgrid env via gymnasium",
            [
                _steps_per_second(single(gym.make(WAREHOUSE_ID, rows=rows, cols=cols)), seconds)
                for _ in range(repeats)
            ],
            "steps/s",
        ),
    ]
    layout = Layout.open_grid(rows, cols, "classic")
    for n in BATCH_SIZES:
        core = BatchedWarehouse(n, layout, False, 4 * (rows + cols))
        core.reset(seed=0)
        batch = np.random.default_rng(1).integers(4, size=(16, n))

        def run(done: int, core: BatchedWarehouse = core, batch: np.ndarray = batch) -> int:
            for k in range(16):
                core.step(batch[k])
            return 16 * core.n

        values = [_steps_per_second(run, seconds) for _ in range(repeats)]
        measures.append(Measure(f"rlgrid batched env, N={n}", values, "steps/s"))
    return measures


def sb3_throughput(grid: GridSize, steps: int, repeats: int) -> list[Measure]:
    """SB3 A2C training steps per second: one seed env, and rlgrid's batched env with 16 envs."""
    from stable_baselines3 import A2C

    from rlgrid.algos.sb3 import SB3Agent
    from rlgrid.config import build_config
    from rlgrid.reference import make_seed_env
    from rlgrid.training import make_config_env

    rows, cols = grid

    def seed_rate() -> float:
        model = A2C("MlpPolicy", make_seed_env(rows, cols, 4 * (rows + cols)), device="cpu")
        start = time.perf_counter()
        model.learn(steps)
        return steps / (time.perf_counter() - start)

    def batched_rate() -> float:
        config = build_config(None, {"algo": "a2c", "env.grid": str(grid), "timesteps": 1}, {})
        model = SB3Agent(config, make_config_env(config)).model
        start = time.perf_counter()
        model.learn(steps)
        return model.num_timesteps / (time.perf_counter() - start)

    return [
        Measure(
            "SB3 A2C, 1 seed env (reference)", [seed_rate() for _ in range(repeats)], "steps/s"
        ),
        Measure(
            "SB3 A2C, rlgrid batched env x16", [batched_rate() for _ in range(repeats)], "steps/s"
        ),
    ]


@dataclass
class SolveResult:
    label: str
    seed: int
    solved_at: int | None
    train_seconds: float
    process_seconds: float


@dataclass
class SolveSummary:
    label: str
    results: list[SolveResult] = field(default_factory=list)

    def solved(self) -> list[SolveResult]:
        return [r for r in self.results if r.solved_at is not None]

    def row(self) -> dict[str, Any]:
        solved = self.solved()

        def spread(values: list[float]) -> str:
            if not values:
                return "not solved"
            return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

        return {
            "combination": self.label,
            "solved": f"{len(solved)}/{len(self.results)}",
            "steps": (
                f"{statistics.median([r.solved_at for r in solved]):,.0f}"
                if solved
                else "not solved"
            ),
            "train s": spread([r.train_seconds for r in solved]),
            "process s": spread([r.process_seconds for r in solved]),
        }

    def medians(self) -> tuple[float | None, float | None]:
        solved = self.solved()
        if len(solved) * 2 <= len(self.results):  # most seeds must solve for a median time
            return None, None
        return (
            statistics.median(r.train_seconds for r in solved),
            statistics.median(r.process_seconds for r in solved),
        )


def _run(command: list[str], timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip
    return done, time.perf_counter() - start


def rlgrid_solve(algo: str, grid: GridSize, reward: str, seed: int, budget: int,
                 timeout: float, obs: str | None = None) -> SolveResult:  # fmt: skip
    """``rlgrid train --until-solved`` as a whole process: the classic placement on 10x10 and
    smaller, targets anywhere with random starts above (as the presets)."""
    label = f"rlgrid {algo} {grid} {reward}" + (f" {obs}" if obs else "")
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "rlgrid", "train", "--algo", algo, "--grid", str(grid),
                   "--timesteps", str(budget), "--seed", str(seed), "--until-solved",
                   "--runs-dir", folder, "--name", "bench"]  # fmt: skip
        if reward != "default":
            command += ["--reward", reward]
        if obs is not None:
            command += ["--obs", obs]
        if max(grid) > 10:
            command += ["--targets", "anywhere", "--random-start"]
        done, seconds = _run(command, timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{label}: {done.stderr.strip().splitlines()[-1:]}")
        manifest = json.loads((Path(folder) / "bench" / "manifest.json").read_text())
    solved = manifest.get("solved_at")
    return SolveResult(
        label, seed, solved["timesteps"] if solved else None, manifest["seconds"], seconds
    )


def preset_solve(preset: Path, seed: int, timeout: float) -> SolveResult:
    """``rlgrid train --config PRESET`` as a whole process. Solved: stopped by --until-solved, or
    a final evaluation that walked a shortest path in every episode (the q-table presets)."""
    label = f"preset {preset.name}"
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "rlgrid", "train", "--config", str(preset),
                   "--seed", str(seed), "--runs-dir", folder, "--name", "bench"]  # fmt: skip
        done, seconds = _run(command, timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{label}: {done.stderr.strip().splitlines()[-1:]}")
        run = Path(folder) / "bench"
        manifest = json.loads((run / "manifest.json").read_text())
        result = json.loads((run / "eval.json").read_text())["result"]
    solved = manifest.get("solved_at")
    steps = solved["timesteps"] if solved else None
    if steps is None and result["optimal_episodes"] == result["episodes"]:
        steps = manifest["timesteps"]
    return SolveResult(label, seed, steps, manifest["seconds"], seconds)


def reference_solve(grid: GridSize, seed: int, budget: int, timeout: float) -> SolveResult:
    command = [sys.executable, "-m", "rlgrid.reference", "a2c", "--grid", str(grid),
               "--seed", str(seed), "--budget", str(budget)]  # fmt: skip
    done, seconds = _run(command, timeout)
    if done.returncode != 0:
        raise RuntimeError(f"reference: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return SolveResult(
        f"reference: SB3 A2C defaults, seed env + time limit, {grid}",
        seed,
        result["solved_at"],
        result["train_seconds"],
        seconds,
    )
