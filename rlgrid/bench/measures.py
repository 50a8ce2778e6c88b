"""Throughput: random-action steps per second of the seed env, rlgrid's env and the batched env,
and SB3 A2C's training steps per second on the seed env and on rlgrid's batched env, each against
the seed env measured in the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rlgrid.envs.grid import GridSize
from rlgrid.envs.warehouse import default_max_steps

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

    from rlgrid.bench.seed_reference import make_seed_env
    from rlgrid.envs.batched import BatchedWarehouse
    from rlgrid.envs.layout import Layout
    from rlgrid.envs.registration import WAREHOUSE_ID

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
        core = BatchedWarehouse(n, layout, False, default_max_steps(rows, cols))
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

    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.bench.seed_reference import make_seed_env
    from rlgrid.config import build_config
    from rlgrid.training.states import training_envs

    rows, cols = grid

    def seed_rate() -> float:
        env = make_seed_env(rows, cols, default_max_steps(rows, cols))
        model = A2C("MlpPolicy", env, device="cpu")
        start = time.perf_counter()
        model.learn(steps)
        return steps / (time.perf_counter() - start)

    def batched_rate() -> float:
        config = build_config(None, {"algo": "a2c", "env.grid": str(grid), "timesteps": 1}, {})
        model = SB3Agent(config, training_envs(config)).model
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
