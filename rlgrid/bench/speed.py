"""Training throughput the way users train, for ``rlgrid bench --only speed``: each measure a
whole process (:mod:`.speed_worker`), alone and as two identical processes side by side, per
algorithm and batch width on rlgrid's batched warehouse, against SB3 A2C on one seed env
measured in the same run."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import IO, Any

from rlgrid.bench.section import Section
from rlgrid.envs.grid import GridSize

WORKER_MODULE = "rlgrid.bench.speed_worker"
SEED_ENV = "seed-env"
"""The reference setup's name: SB3 A2C with its defaults on one seed env."""
ROLLOUT_CAP = 8192
"""Most env steps in one PPO rollout (n_envs x n_steps) that a worker times: at rlgrid's
n_steps (SB3's 2,048) one rollout at 1,024 envs and its training would take many minutes."""
SPEED_GRID = GridSize(16, 16)
"""The warehouse measured: rlgrid's default deep config on 16x16, targets anywhere, random
starts (and the seed env of the same size)."""
THROUGHPUT_COLUMNS = ["algo", "n_envs", "alone steps/s", "vs seed env",
                      "side by side steps/s (each)", "side by side / alone",
                      "settings"]  # fmt: skip


@dataclass
class Throughput:
    """One setup's rates: alone (one a repeat) and side by side (each process of each pair)."""

    algo: str
    """a2c, ppo, dqn, or :data:`SEED_ENV` (the reference)."""
    n_envs: int
    alone: list[float] = field(default_factory=list)
    side: list[float] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    """The settings that set its speed, as the worker reported them."""

    @property
    def reference(self) -> bool:
        return self.algo == SEED_ENV


def worker_command(algo: str, n_envs: int, seconds: float, grid: GridSize) -> list[str]:
    return [sys.executable, "-m", WORKER_MODULE, algo, "--n-envs", str(n_envs), "--grid",
            str(grid), "--seconds", str(seconds), "--wait"]  # fmt: skip


def run_side_by_side(commands: list[list[str]], timeout: float) -> list[dict[str, Any]]:
    """Start every worker at once, let each warm up, start their timing together, and return
    their records. A worker that fails stops the others and raises with its last error line."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    with ExitStack() as stack:
        errors = [stack.enter_context(tempfile.TemporaryFile("w+")) for _ in commands]
        processes = [
            subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=error,
                text=True,
                env=environment,
            )
            for command, error in zip(commands, errors, strict=True)
        ]
        stack.callback(_stop, processes)
        for process, error in zip(processes, errors, strict=True):
            if process.stdout is None or process.stdout.readline().strip() != "ready":
                raise _failed(process, error, timeout)
        for process in processes:
            if process.stdin is not None:
                process.stdin.write("go\n")
                process.stdin.flush()
        records = []
        for process, error in zip(processes, errors, strict=True):
            out, _ = process.communicate(timeout=timeout)
            if process.returncode != 0 or not out.strip():
                raise _failed(process, error, timeout)
            records.append(json.loads(out.strip().splitlines()[-1]))
        return records


def _stop(processes: list[subprocess.Popen]) -> None:
    """Kill the workers still running (one failed, or the bench was interrupted)."""
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def _failed(process: subprocess.Popen, error: IO[str], timeout: float) -> RuntimeError:
    process.wait(timeout=timeout)
    error.seek(0)
    last = error.read().strip().splitlines()[-1:]
    return RuntimeError(f"speed worker {' '.join(process.args[3:6])} failed: {last}")


def measure_throughput(
    algos: list[str],
    widths: list[int],
    repeats: int,
    seconds: float,
    timeout: float,
    tell: Callable[[str], None],
    grid: GridSize = SPEED_GRID,
) -> list[Throughput]:
    """The reference (SB3 A2C on one seed env, alone), then each algorithm at each width alone
    and side by side; repeats interleaved (every setup once, then again), so that a machine
    that gets busier part way slows every setup alike."""
    found = [Throughput(SEED_ENV, 1)] + [Throughput(a, n) for a in algos for n in widths]
    for repeat in range(repeats):
        for setup in found:
            command = worker_command(setup.algo, setup.n_envs, seconds, grid)
            what = f"{setup.algo} x{setup.n_envs}, repeat {repeat + 1}/{repeats}"
            tell(f"training throughput: {what}, alone")
            [alone] = run_side_by_side([command], timeout)
            setup.alone.append(alone["rate"])
            setup.params = alone["params"]
            if not setup.reference:
                tell(f"training throughput: {what}, side by side")
                setup.side += [r["rate"] for r in run_side_by_side([command, command], timeout)]
    return found


def throughput_section(found: list[Throughput], repeats: int, grid: GridSize) -> Section:
    """Each setup's median rates, against the reference's alone."""
    seed_rate = statistics.median(found[0].alone)
    rows = []
    for setup in found:
        alone = statistics.median(setup.alone)
        if setup.reference:
            row = ["SB3 A2C, seed env (reference)", "1", f"{alone:,.0f}", "1.0x", "-", "-"]
        else:
            side = statistics.median(setup.side)
            row = [setup.algo, f"{setup.n_envs:,}", f"{alone:,.0f}", f"{alone / seed_rate:,.1f}x",
                   f"{side:,.0f}", f"{side / alone:.2f}x"]  # fmt: skip
        rows.append([*row, settings_text(setup.params)])
    title = (
        f"training throughput on the batched warehouse {grid} (anywhere, random start) and SB3 "
        f"A2C on one seed env {grid}: whole processes, one torch thread each, median of "
        f"{repeats}; side by side: two identical processes at once, each one's rate. dqn at "
        f"rlgrid's defaults (exploring at its final rate); ppo's rollout capped at "
        f"{ROLLOUT_CAP:,} steps"
    )
    return Section(title, THROUGHPUT_COLUMNS, rows)


SETTING_WORDS = {"n_steps": "n_steps", "batch_size": "batch", "n_epochs": "epochs",
                 "train_freq": "train_freq", "gradient_steps": "gradient_steps",
                 "exploration": "eps"}  # fmt: skip


def settings_text(params: dict[str, Any]) -> str:
    """The settings that set a setup's speed, in a few words (``n_steps 5``)."""
    return ", ".join(
        f"{SETTING_WORDS[key]} {value:,}"
        if isinstance(value, int)
        else f"{SETTING_WORDS[key]} {value}"
        for key, value in params.items()
        if key in SETTING_WORDS
    )


def best_width(found: list[Throughput], algo: str) -> Throughput | None:
    """``algo``'s fastest width alone (median), or None where it was not measured."""
    mine = [setup for setup in found if setup.algo == algo and setup.alone]
    return max(mine, key=lambda setup: statistics.median(setup.alone), default=None)
