"""How many torch threads should a training use? Whole ``rlgrid train`` processes timed with
``--threads 1``, ``--threads 2`` and the automatic choice, on a quiet machine and beside other work.
Medians of repeated runs; ratios are to the best policy of the same case in the same run.

    python benchmarks/threads.py [--repeats 3] [--conditions quiet,burner,pair]
    python benchmarks/threads.py --quick      # a smoke run: tiny budgets, one repeat

Conditions: ``quiet`` (nothing else started), ``burner`` (a ``while True: pass`` process on one
core), ``pair`` (two identical trainings started together; each one's time is a sample).
``auto`` is what a training gets without ``--threads`` (one thread). A policy passes where its
median is within 10% of the best when quiet and within 1.3x of the best beside other work. The
machine's other work is shown (the load average before the quiet runs): a busy "quiet" is not
quiet.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
RLGRID = [sys.executable, "-m", "rlgrid"]

CASES = {
    "a2c 64x64 coords": ["--config", str(REPO / "configs/a2c_64x64_coords.toml")],
    "a2c 6x6 preset": ["--config", str(REPO / "configs/a2c_6x6.toml")],
}
TIMESTEPS = {"a2c 64x64 coords": 30_000, "a2c 6x6 preset": None}
QUICK_TIMESTEPS = {"a2c 64x64 coords": 500, "a2c 6x6 preset": 500}
POLICIES = {"1 thread": ["--threads", "1"], "2 threads": ["--threads", "2"], "auto": []}
QUIET_RATIO, BUSY_RATIO = 1.10, 1.30


def environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OMP_", "MKL_"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def command(case: str, policy: str, runs_dir: Path, timesteps: int | None) -> list[str]:
    args = [*RLGRID, "train", *CASES[case], "--runs-dir", str(runs_dir)]
    if timesteps is not None:
        args += ["--timesteps", str(timesteps)]
    return args + POLICIES[policy]


def chosen(runs_dir: Path) -> list[str]:
    """What the runs under ``runs_dir`` recorded as their thread choice."""
    found = []
    for manifest in sorted(runs_dir.glob("*/manifest.json")):
        threads = json.loads(manifest.read_text()).get("threads")
        if isinstance(threads, dict):
            found.append(f"{threads.get('torch')} ({threads.get('why')})")
    return found


def timed(commands: list[list[str]], env: dict[str, str], timeout: float) -> list[float]:
    """Start every command at once; each one's wall time (the timeout where it was stopped)."""
    start = time.perf_counter()
    processes = [
        subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
        for c in commands
    ]
    times = []
    for process in processes:
        left = max(timeout - (time.perf_counter() - start), 0.1)
        try:
            _, err = process.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            times.append(timeout)
            continue
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(commands[0])} failed:\n{err}")
        times.append(time.perf_counter() - start)
    return times


class Burner:
    """A process that keeps one core busy while it lives."""

    def __enter__(self) -> Burner:
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(1.0)  # running, and seen as running, before the training starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()


def measure(case, policy, condition, repeats_done, scratch, timesteps, timeout):
    runs_dir = scratch / f"{case}-{policy}-{condition}-{repeats_done}".replace(" ", "_")
    copies = 2 if condition == "pair" else 1
    commands = [command(case, policy, runs_dir / str(i), timesteps) for i in range(copies)]
    env = environment()
    if condition == "burner":
        with Burner():
            times = timed(commands, env, timeout)
    else:
        times = timed(commands, env, timeout)
    notes = [note for i in range(copies) for note in chosen(runs_dir / str(i))]
    shutil.rmtree(runs_dir, ignore_errors=True)
    return times, notes


def others_running() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--conditions", default="quiet,burner,pair")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run at most")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny budgets, 1 repeat")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    conditions = args.conditions.split(",")
    cases = args.cases.split(",")
    policies = args.policies.split(",")
    budgets = QUICK_TIMESTEPS if args.quick else TIMESTEPS
    console = Console(width=150)
    console.print(f"cores: {len(os.sched_getaffinity(0))}; before: {others_running()}")
    times: dict[tuple[str, str, str], list[float]] = {}
    notes: dict[tuple[str, str, str], list[str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for condition in conditions:
            if condition == "quiet":
                console.print(f"quiet runs start with {others_running()}")
            for repeat in range(repeats):  # round robin: drift in the machine's load hits all
                for case in cases:
                    for policy in policies:
                        key = (case, condition, policy)
                        got, seen = measure(
                            case, policy, condition, repeat, Path(scratch), budgets[case],
                            args.timeout,
                        )  # fmt: skip
                        times.setdefault(key, []).extend(got)
                        notes.setdefault(key, []).extend(seen)
    console.print(f"after: {others_running()}")
    table = Table(title=f"rlgrid train wall time, median of {repeats} (pair: of 2 x {repeats})")
    for column in ("case", "condition", "policy", "median s", "min s", "max s", "x best", "ok"):
        table.add_column(column, justify="left" if column in ("case", "condition") else "right")
    worst: dict[tuple[str, str], float] = {}
    for case in cases:
        for condition in conditions:
            medians = {p: statistics.median(times[(case, condition, p)]) for p in policies}
            best = min(medians.values())
            limit = QUIET_RATIO if condition == "quiet" else BUSY_RATIO
            for policy in policies:
                ratio = medians[policy] / best
                kind = "quiet" if condition == "quiet" else "busy"
                worst[(policy, kind)] = max(worst.get((policy, kind), 0.0), ratio)
                sample = times[(case, condition, policy)]
                table.add_row(
                    case, condition, policy, f"{medians[policy]:.1f}", f"{min(sample):.1f}",
                    f"{max(sample):.1f}", f"{ratio:.2f}", "yes" if ratio <= limit else "NO",
                )  # fmt: skip
    console.print(table)
    for policy in policies:
        parts = []
        for kind, limit in (("quiet", QUIET_RATIO), ("busy", BUSY_RATIO)):
            if (policy, kind) in worst:
                ratio = worst[(policy, kind)]
                verdict = "within" if ratio <= limit else "NOT within"
                parts.append(f"{kind}: worst {ratio:.2f}x of best, {verdict} {limit}x")
        console.print(f"{policy}: " + "; ".join(parts))
    for (case, condition, policy), seen in notes.items():
        if policy == "auto" and seen:
            console.print(f"auto chose, {case}, {condition}: {'; '.join(sorted(set(seen)))}")


if __name__ == "__main__":
    main()
