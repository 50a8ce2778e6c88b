"""One training-throughput measure as its own whole process, for ``rlgrid bench --only speed``:
SB3 trains on rlgrid's batched warehouse (or, as the reference, A2C on one seed env) with one
torch thread, warms up, then times whole training iterations (a rollout and its training) for
about ``--seconds``, and prints one JSON line: the steps, the seconds and their rate.

    python -m rlgrid.bench.speed_worker a2c --n-envs 64 --seconds 2.5
    python -m rlgrid.bench.speed_worker seed-env

With ``--wait`` it prints ``ready`` once warm and starts timing when a line arrives on stdin, so
that workers started side by side time the same seconds. Timing whole iterations keeps the work
honest (no rollout collected without its training); an iteration ends where the next rollout
starts. DQN explores at its final rate throughout (as most of a training does: its exploration
schedule falls within the first tenth); PPO's rollout is capped at ``--rollout-cap`` steps
(``n_steps`` cut to fit; the gradient steps per env step stay those of its settings) so that an
iteration takes seconds, not minutes, at wide batches.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from inspect import signature
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback

from rlgrid import threads
from rlgrid.bench.speed import ROLLOUT_CAP, SEED_ENV
from rlgrid.envs.grid import parse_grid

WARM_SECONDS = 0.5
"""Least seconds of training before the timing starts (and at least one whole iteration)."""
ENDLESS = 10**12
"""The budget given to ``learn``: the callback stops the training, never the budget."""


class Timer(BaseCallback):
    """Warms up (a whole iteration, :data:`WARM_SECONDS`, past DQN's ``learning_starts``), waits
    for the go where asked, then times whole iterations until ``seconds`` have passed."""

    def __init__(self, seconds: float, wait: bool, learning_starts: int) -> None:
        super().__init__()
        self.seconds, self.wait, self.learning_starts = seconds, wait, learning_starts
        self.began = time.perf_counter()
        self.rollouts = 0
        self.start: tuple[float, int] | None = None
        self.result: tuple[int, float] | None = None

    def _on_rollout_start(self) -> None:
        now, steps = time.perf_counter(), self.model.num_timesteps
        self.rollouts += 1
        if self.start is None:
            warm = self.rollouts > 1 and now - self.began >= WARM_SECONDS
            if warm and steps > self.learning_starts:
                if self.wait:
                    print("ready", flush=True)
                    sys.stdin.readline()
                self.start = (time.perf_counter(), self.model.num_timesteps)
        elif self.result is None and now - self.start[0] >= self.seconds:
            self.result = (steps - self.start[1], now - self.start[0])

    def _on_step(self) -> bool:
        return self.result is None


def _n_steps(params: Any) -> int:
    """The rollout length the settings give: their own ``n_steps``, else SB3's default."""
    given = (params.model_extra or {}).get("n_steps")
    if given is not None:
        return int(given)
    return signature(params.algorithm_class()).parameters["n_steps"].default


def build(algo: str, n_envs: int, grid: str, rollout_cap: int) -> tuple[Any, dict[str, Any]]:
    """The SB3 model to time and its settings that set its speed."""
    if algo == SEED_ENV:
        from stable_baselines3 import A2C

        from rlgrid.bench.seed_reference import make_seed_env
        from rlgrid.envs.warehouse import default_max_steps

        rows, cols = parse_grid(grid)
        model = A2C("MlpPolicy", make_seed_env(rows, cols, default_max_steps(rows, cols)),
                    device="cpu")  # fmt: skip
        return model, {"n_steps": model.n_steps}

    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.config import build_config
    from rlgrid.training.states import training_envs

    settings: dict[str, Any] = {"algo": algo, "env.grid": grid, "env.targets": "anywhere",
                                "env.random_start": True, "timesteps": 1,
                                f"{algo}.n_envs": n_envs}  # fmt: skip
    config = build_config(None, settings, {})
    if algo == "ppo" and n_envs * _n_steps(config.params) > rollout_cap:
        settings["ppo.n_steps"] = max(1, rollout_cap // n_envs)
        config = build_config(None, settings, {})
    model = SB3Agent(config, training_envs(config)).model
    if algo == "dqn":
        final = model.exploration_final_eps
        model.exploration_schedule = lambda progress_remaining: final
        return model, {
            "train_freq": model.train_freq.frequency,
            "train_freq_unit": model.train_freq.unit.value,
            "gradient_steps": model.gradient_steps,
            "batch_size": model.batch_size,
            "learning_starts": model.learning_starts,
            "exploration": final,
        }
    found = {"n_steps": model.n_steps}
    if algo == "ppo":
        found.update(batch_size=model.batch_size, n_epochs=model.n_epochs)
    return model, found


def measure(
    algo: str, n_envs: int, grid: str, seconds: float, wait: bool, rollout_cap: int
) -> dict[str, Any]:
    """Build, warm up and time one setup with one torch thread; the record printed."""
    threads.apply(1)  # torch is loaded (by SB3): it gets one thread at once
    model, params = build(algo, n_envs, grid, rollout_cap)
    timer = Timer(seconds, wait, int(getattr(model, "learning_starts", 0)))
    model.learn(ENDLESS, callback=timer)
    if timer.result is None:
        raise RuntimeError(f"{algo} x{n_envs}: training stopped before it was timed")
    steps, elapsed = timer.result
    return {"algo": algo, "n_envs": model.n_envs, "grid": grid, "steps": steps,
            "seconds": elapsed, "rate": steps / elapsed, "params": params}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rlgrid.bench.speed_worker")
    parser.add_argument("algo", help=f"a2c, ppo, dqn, or {SEED_ENV} (the reference)")
    parser.add_argument("--n-envs", type=int, default=1)
    parser.add_argument("--grid", default="16x16")
    parser.add_argument("--seconds", type=float, default=2.5)
    parser.add_argument("--rollout-cap", type=int, default=ROLLOUT_CAP)
    parser.add_argument("--wait", action="store_true", help="print ready, then wait for a line")
    args = parser.parse_args(argv)
    found = measure(args.algo, args.n_envs, args.grid, args.seconds, args.wait, args.rollout_cap)
    print(json.dumps(found), flush=True)


if __name__ == "__main__":
    main()
