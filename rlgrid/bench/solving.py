"""Time to solve: each training is a whole process (``rlgrid train`` and the seed reference run
as subprocesses), so start-up counts as a user would feel it. What counts as solved is never
decided here: rlgrid's runs say it in their folders (judged by the env's family), the reference
says it on its last line (judged by the same family)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlgrid import runs
from rlgrid.envs.grid import GridSize

REFERENCE_MODULE = "rlgrid.bench.seed_reference"


@dataclass
class SolveResult:
    label: str
    seed: int
    solved_at: int | None
    train_seconds: float
    process_seconds: float
    episodes: int | None = None
    """Episodes trained until solved, where the run's folder says (the presets)."""


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

    def data(self) -> dict[str, Any]:
        """The summary as ``bench.json`` records it: its label and every run."""
        return {"label": self.label, "runs": [r.__dict__ for r in self.results]}


def finished_run(run: Path) -> tuple[int | None, float]:
    """A finished run's steps to solve and training seconds, as its folder records them: the
    manifest's ``solved_at`` where until_solved stopped it, else all its steps where its final
    evaluation was judged solved (eval.json's ``solved``), else None."""
    manifest = runs.read_json(run / runs.MANIFEST)
    solved_at = manifest.get("solved_at")
    if solved_at is not None:
        steps = solved_at["timesteps"]
    elif runs.read_json(run / runs.EVALUATION)["solved"]:
        steps = manifest["timesteps"]
    else:
        steps = None
    return steps, manifest["seconds"]


def _run(command: list[str], timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip
    return done, time.perf_counter() - start


def _failed(label: str, done: subprocess.CompletedProcess) -> RuntimeError:
    return RuntimeError(f"{label}: {done.stderr.strip().splitlines()[-1:]}")


def rlgrid_solve(algo: str, grid: GridSize, reward: str, seed: int, budget: int,
                 timeout: float) -> SolveResult:  # fmt: skip
    """``rlgrid train --until-solved`` as a whole process: the classic placement on 10x10 and
    smaller, targets anywhere with random starts above (as the presets)."""
    label = f"rlgrid {algo} {grid} {reward}"
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "rlgrid", "train", "--algo", algo, "--grid", str(grid),
                   "--timesteps", str(budget), "--seed", str(seed), "--until-solved",
                   "--runs-dir", folder, "--name", "bench"]  # fmt: skip
        if reward != "default":
            command += ["--reward", reward]
        if max(grid) > 10:
            command += ["--targets", "anywhere", "--random-start"]
        done, seconds = _run(command, timeout)
        if done.returncode != 0:
            raise _failed(label, done)
        steps, train_seconds = finished_run(Path(folder) / "bench")
    return SolveResult(label, seed, steps, train_seconds, seconds)


def preset_solve(preset: Path, seed: int, timeout: float, extra: Sequence[str] = ()) -> SolveResult:
    """``rlgrid train --config PRESET`` (with ``extra`` options) as a whole process. Solved:
    stopped by until_solved, or a final evaluation judged solved (the q-table presets, which
    train their whole budget)."""
    with tempfile.TemporaryDirectory() as folder:
        done, seconds = _run(_preset_command(preset, seed, Path(folder), extra), timeout)
        return _preset_result(preset, seed, Path(folder), done, seconds)


def preset_pair(
    preset: Path, seed: int, timeout: float, extra: Sequence[str] = ()
) -> list[SolveResult]:
    """The same ``rlgrid train --config PRESET --seed SEED`` twice, both processes started at
    once (each timed from its own start to its own end): two trainings side by side, the same
    work each."""
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        folders = [Path(first), Path(second)]
        commands = [_preset_command(preset, seed, folder, extra) for folder in folders]
        with ThreadPoolExecutor(max_workers=2) as pool:
            finished = list(pool.map(lambda command: _run(command, timeout), commands))
        return [
            _preset_result(preset, seed, folder, done, seconds)
            for folder, (done, seconds) in zip(folders, finished, strict=True)
        ]


def _preset_command(preset: Path, seed: int, folder: Path, extra: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "rlgrid", "train", "--config", str(preset), "--seed",
            str(seed), "--runs-dir", str(folder), "--name", "bench", *extra]  # fmt: skip


def _preset_result(
    preset: Path, seed: int, folder: Path, done: subprocess.CompletedProcess, seconds: float
) -> SolveResult:
    """A preset's finished process read from its run folder."""
    label = f"preset {preset.name}"
    if done.returncode != 0:
        raise _failed(label, done)
    steps, train_seconds = finished_run(folder / "bench")
    manifest = runs.read_json(folder / "bench" / runs.MANIFEST)
    episodes = manifest.get("episodes") if steps is not None else None
    return SolveResult(label, seed, steps, train_seconds, seconds, episodes)


def time_presets(
    presets: list[Path], seeds: int, timeout: float, tell: Callable[[str], None]
) -> list[SolveSummary]:
    """Each preset trained as a whole process with seeds 0 to ``seeds`` - 1, one summary a
    preset; ``tell`` hears which run starts."""
    summaries = []
    for preset in presets:
        summary = SolveSummary(f"preset {preset.name}")
        for seed in range(seeds):
            tell(f"{summary.label}, seed {seed}")
            summary.results.append(preset_solve(preset, seed, timeout))
        summaries.append(summary)
    return summaries


def reference_solve(grid: GridSize, seed: int, budget: int, timeout: float) -> SolveResult:
    """SB3 A2C with default settings on the seed env (:mod:`rlgrid.bench.seed_reference`) as a
    whole process, judged every 2,000 steps as rlgrid's until_solved judges."""
    command = [sys.executable, "-m", REFERENCE_MODULE, "a2c", "--grid", str(grid),
               "--seed", str(seed), "--budget", str(budget)]  # fmt: skip
    done, seconds = _run(command, timeout)
    if done.returncode != 0:
        raise _failed("reference", done)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return SolveResult(
        f"reference: SB3 A2C defaults, seed env + time limit, {grid}",
        seed,
        result["solved_at"],
        result["train_seconds"],
        seconds,
    )
