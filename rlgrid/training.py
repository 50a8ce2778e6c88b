"""Training runs: from a resolved config to a finished, interrupted or failed run folder.

Everything that can be checked is checked before the run folder exists: the env id, that the
algorithm fits the env's spaces, that the model fits in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from rlgrid import runs
from rlgrid.algos.qtable import QTableAgent
from rlgrid.config import TrainConfig, build_config
from rlgrid.envs.factory import is_warehouse, make_env
from rlgrid.evaluation import EvalResult, evaluate
from rlgrid.interrupts import StopRequests
from rlgrid.plots import learning_curve
from rlgrid.runs import RunError


class Reporter(Protocol):
    """Live progress: ``start`` once, ``update`` as episodes finish, ``stop`` at the end."""

    def start(self, total: int, unit: str, done: int) -> None: ...
    def update(self, done: int, stats: dict[str, float]) -> None: ...
    def stop(self) -> None: ...


@dataclass(frozen=True)
class Outcome:
    run: Path
    status: str
    episodes: int
    timesteps: int
    seconds: float
    evaluation: EvalResult | None
    signal: str | None = None


def _make(config: TrainConfig) -> Callable[[], gym.Env]:
    return lambda: make_env(config.env.id, config.env.kwargs())


def default_name(config: TrainConfig) -> str:
    """``<algo>_<timesteps>``, or ``<algo>_<episodes>ep`` for an episode budget."""
    return f"{config.algo}_{config.budget_label()}"


def start(
    config: TrainConfig, runs_dir: Path, name: str | None, command: list[str], reporter: Reporter
) -> Outcome:
    env = _make(config)()
    agent = QTableAgent(config.q_table, env, config.env.id)
    run_name = default_name(config) if name is None else name
    run = runs.create_run(runs_dir, run_name, numbered=name is None)
    import tomli_w

    runs.write_atomic(run / runs.CONFIG, tomli_w.dumps(config.to_toml_dict()))
    manifest = runs.new_manifest(command, config.seed, config.algo)
    runs.write_json(run / runs.MANIFEST, manifest)
    return _train(run, config, env, agent, manifest, [], reporter)


def load_run_config(run: Path) -> TrainConfig:
    return build_config(run / runs.CONFIG, {}, {})


def resume(path: Path, command: list[str], reporter: Reporter) -> Outcome:
    run, _ = runs.find_run(path)
    config = load_run_config(run)
    manifest = runs.read_json(run / runs.MANIFEST)
    if manifest.get("status") == "completed":
        raise RunError(
            f"{run} has already completed its {config.budget_label()} budget; "
            "start a new run to train more"
        )
    env = _make(config)()
    agent = QTableAgent.load(config.q_table, env, config.env.id, run)
    previous = runs.read_metrics(run)[: agent.progress.episodes]
    manifest["history"].append({"command": command, "started": time.strftime("%Y-%m-%dT%H:%M:%S")})
    runs.update_manifest(run, manifest, status="running")
    return _train(run, config, env, agent, manifest, previous, reporter)


def _train(
    run: Path,
    config: TrainConfig,
    env: gym.Env,
    agent: QTableAgent,
    manifest: dict[str, Any],
    previous: list[tuple],
    reporter: Reporter,
) -> Outcome:
    budget = {"episodes": config.episodes, "timesteps": config.timesteps}
    unit = "episodes" if config.episodes is not None else "timesteps"
    total = int(config.episodes or config.timesteps or 0)
    lanes = agent.lanes(env, _make(config))
    seconds_before = float(manifest.get("seconds", 0.0))
    began = time.perf_counter()

    last_report = [0.0]

    def report(progress: Any) -> None:
        now = time.perf_counter()
        if now - last_report[0] < 0.1:
            return
        last_report[0] = now
        rows = agent.rows
        recent = slice(-100, None)
        stats = {
            "length": float(np.mean(rows.length[recent])) if rows.length else 0.0,
            "success": float(np.mean(rows.success[recent])) if rows.success else 0.0,
            "timesteps": progress.timesteps,
        }
        reporter.update(progress.episodes if unit == "episodes" else progress.timesteps, stats)

    reporter.start(total, unit, agent.progress.episodes if unit == "episodes" else 0)
    try:
        spent, signal_name = _learn(agent, lanes, config.seed, budget, report)
        reporter.stop()
        seconds = seconds_before + time.perf_counter() - began
        _save(run, config, agent, previous)
        counters = {
            "episodes": agent.progress.episodes,
            "timesteps": agent.progress.timesteps,
            "seconds": round(seconds, 3),
        }
        if not spent:
            runs.update_manifest(
                run, manifest, status="interrupted", signal=signal_name, **counters
            )
            return Outcome(run, "interrupted", **counters, evaluation=None, signal=signal_name)
        result = final_evaluation(config, agent)
        runs.write_json(run / runs.EVALUATION, result)
        runs.update_manifest(run, manifest, status="completed", **counters)
        return Outcome(run, "completed", **counters, evaluation=EvalResult(**result["result"]))
    except BaseException as error:
        reporter.stop()
        runs.update_manifest(
            run, manifest, status="failed", error=f"{type(error).__name__}: {error}"
        )
        raise


def _learn(
    agent: QTableAgent, lanes: Any, seed: int, budget: dict, report: Callable
) -> tuple[bool, str | None]:
    """Train until the budget is spent or a stop is requested (Ctrl+C, SIGTERM)."""
    try:
        with StopRequests() as stop:
            spent = agent.learn(
                lanes, seed, budget, should_stop=lambda: stop.requested is not None, report=report
            )
            return spent, stop.requested
    except KeyboardInterrupt:  # a second Ctrl+C: stop now, the table is saved as it is
        return False, "SIGINT"


def final_evaluation(config: TrainConfig, agent: QTableAgent) -> dict[str, Any]:
    env = _make(config)()
    exhaustive = is_warehouse(config.env.id) and not config.env.resolved().random_start
    result = evaluate(env, agent.act, config.eval.episodes, config.eval.seed, exhaustive)
    return {
        "all_targets": exhaustive,
        "seed": config.eval.seed,
        "greedy": True,
        "result": result.to_dict(),
    }


def _save(run: Path, config: TrainConfig, agent: QTableAgent, previous: list[tuple]) -> None:
    agent.save(run)
    rows = previous + agent.rows.as_tuples()
    runs.write_metrics(run, rows)
    if rows:
        columns = list(zip(*rows, strict=True))
        optimal = np.array(columns[6]) if min(columns[6]) >= 0 else None
        learning_curve(
            run / runs.CURVE,
            f"{run.name}: {config.algo} on {config.env.id} {config.env.resolved().grid or ''}",
            np.array(columns[2]),
            np.array(columns[4], dtype=bool),
            optimal,
        )


def open_run(path: Path) -> tuple[Path, TrainConfig, QTableAgent]:
    """Load a run's config and its model (the run's, or the model file ``path`` names)."""
    run, model = runs.find_run(path)
    config = load_run_config(run)
    env = _make(config)()
    agent = QTableAgent.load(config.q_table, env, config.env.id, run, model)
    return run, config, agent
