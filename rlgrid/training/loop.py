"""The loop around an agent's training: progress, metrics as episodes finish, stop requests
(a first Ctrl+C saves, a second ends at once), the final save, evaluation and learning curve,
and the manifest's status through all of it."""

from __future__ import annotations

import contextlib
import errno
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rlgrid import runs
from rlgrid.algos.base import Agent, Hooks
from rlgrid.config import TrainConfig
from rlgrid.errors import setting
from rlgrid.evaluation import EvalResult, Judgement
from rlgrid.evaluation.giving_up import GivenUp, given_up_when
from rlgrid.interrupts import StopRequests, say
from rlgrid.plots import CurvePlotter
from rlgrid.runs import RunError
from rlgrid.training import assess
from rlgrid.training.states import saved_states


class Reporter(Protocol):
    """Live progress: ``start`` once, ``update`` as episodes finish, ``stop`` at the end;
    ``note`` prints a line (where a resumed run goes on from, warnings)."""

    def start(self, total: int, unit: str, done: int) -> None: ...
    def update(self, done: int, stats: dict[str, float]) -> None: ...
    def stop(self) -> None: ...
    def note(self, text: str) -> None: ...


@dataclass(frozen=True)
class Outcome:
    run: Path
    status: str
    episodes: int
    timesteps: int
    seconds: float
    evaluation: EvalResult | None
    signal: str | None = None
    solved_at: dict | None = None
    solved: bool | None = None
    """Whether the final evaluation finds the task solved, as the env's family judges it."""


def quietly(write: Any, *args: Any) -> None:
    """Progress and messages never stop training or saving: an output that went away (a closed
    terminal, ``| tee`` killed by the same Ctrl+C) is given up."""
    with contextlib.suppress(OSError, ValueError):
        write(*args)


def train(
    run: Path,
    config: TrainConfig,
    agent: Agent,
    manifest: dict[str, Any],
    metrics: runs.MetricsLog,
    reporter: Reporter,
    plotter: CurvePlotter,
    stop: StopRequests,
) -> Outcome:
    unit, total = config.budget.unit, config.budget.total
    seconds_before = float(manifest.get("seconds", 0.0))
    began = time.perf_counter()
    clock = {"report": 0.0, "flush": 0.0}
    written = [0]  # agent.rows already in metrics.csv

    def flush() -> None:
        rows = agent.rows.records(written[0])
        metrics.append(rows)
        written[0] += len(rows)
        clock["flush"] = time.perf_counter()

    def persist() -> None:
        flush()
        metrics.sync()

    fair_after = int(getattr(config.params, "n_envs", 1)) * (config.time_limit() or 0)
    """Every env side by side has played a whole episode (to the time limit) by this step."""

    def report(episodes: int, timesteps: int) -> None:
        now = time.perf_counter()
        if now - clock["report"] < 0.1:
            return
        clock["report"] = now
        if now - clock["flush"] > 1.0:
            flush()
        stats = {**agent.rows.recent(fair_after=fair_after), "timesteps": timesteps}
        quietly(reporter.update, episodes if unit == "episodes" else timesteps, stats)

    def force(signal_name: str) -> None:
        """A second Ctrl+C: the run stays as its newest saved state left it."""
        if manifest.get("status") == "completed":
            return  # saved and evaluated already: nothing to go on from
        states = [state for state in saved_states(run, config) if state[1] is not None]
        path, counters = states[0] if states else (None, {})
        runs.update_manifest(
            run,
            manifest,
            status="interrupted",
            signal=signal_name,
            forced=True,
            episodes=counters.get("episodes", 0),
            timesteps=counters.get("timesteps", 0),
        )
        where = f"{path.relative_to(run)}" if path else "its start (nothing saved yet)"
        say(
            f"stopped at once by a second {signal_name}; the run goes on from {where}.\n"
            f"resume with: rlgrid train --resume {run}"
        )

    quietly(reporter.start, total, unit, agent.episodes if unit == "episodes" else agent.timesteps)
    stop.on_force = force
    try:
        hooks = Hooks(
            should_stop=lambda: stop.requested is not None,
            report=report,
            persist=persist,
            judge=lambda live: _periodic_judge(config, live, stop),
        )
        spent = agent.learn(run, hooks)
        quietly(reporter.stop)
        persist()
        seconds = seconds_before + time.perf_counter() - began
        counters: dict[str, Any] = {
            "episodes": agent.episodes,
            "timesteps": agent.timesteps,
            "seconds": round(seconds, 3),
        }
        if agent.solved_at is not None:
            counters["solved_at"] = agent.solved_at
        agent.save(run)
        if not spent and agent.solved_at is None:
            runs.update_manifest(
                run, manifest, status="interrupted", signal=stop.requested, **counters
            )
            outcome = Outcome(
                run, "interrupted", **counters, evaluation=None, signal=stop.requested
            )
        else:
            judgement = assess.judge(config, agent)
            result = judgement.result
            runs.write_json(
                run / runs.EVALUATION,
                {
                    "all_targets": assess.every_target(config),
                    "seed": config.eval.seed,
                    "greedy": True,
                    "solved": judgement.solved,
                    "result": result.to_dict(),
                },
            )
            runs.update_manifest(run, manifest, status="completed", **counters)
            outcome = Outcome(
                run, "completed", **counters, evaluation=result, solved=judgement.solved
            )
        _draw_curve(run, config, metrics.rows + agent.rows.records(), plotter, reporter)
        return outcome
    except BaseException as error:
        quietly(reporter.stop)
        problem = _disk_problem(error, run)
        # The disk that failed the run may fail this write too; resuming needs neither.
        with contextlib.suppress(OSError):
            runs.update_manifest(
                run,
                manifest,
                status="failed",
                error=str(problem or f"{type(error).__name__}: {error}"),
            )
        if problem is not None:
            raise problem from None
        raise
    finally:
        stop.on_force = None
        with contextlib.suppress(OSError):
            metrics.close()


def _disk_problem(error: BaseException, run: Path) -> RunError | None:
    """A full disk (or quota) while training: one line that says where, and that the run resumes
    from its newest checkpoint once there is space."""
    if not isinstance(error, OSError) or error.errno not in (errno.ENOSPC, errno.EDQUOT):
        return None
    where = error.filename or run
    return RunError(
        f"cannot write {where}: {error.strerror}; the run is kept as of its newest checkpoint: "
        f"free some space, then {setting('resume')} {run}"
    )


def _draw_curve(
    run: Path,
    config: TrainConfig,
    rows: list[runs.EpisodeRow],
    plotter: CurvePlotter,
    reporter: Reporter,
) -> None:
    """The learning curve, drawn after the run is saved; a failure to draw it is a warning."""
    if not rows:
        return
    shortest = [row.shortest_path_length for row in rows]
    successes = [row.success for row in rows]
    optimal = np.array(shortest) if min(shortest) >= 0 else None
    success = np.array([bool(s) for s in successes]) if None not in successes else None
    start = runs.fair_start(rows)
    fair = next((index for index, row in enumerate(rows) if row.timesteps >= start), 0)
    try:
        plotter.draw(
            path=run / runs.CURVE,
            title=f"{run.name}: {config.algo} on {config.env.id} {config.env.label()}".rstrip(),
            length=np.array([row.length for row in rows]),
            success=success,
            optimal=optimal,
            returns=np.array([row.ret for row in rows]) if success is None else None,
            fair_from=fair,
        )
    except (OSError, RuntimeError) as error:
        quietly(reporter.note, f"warning: the learning curve was not drawn: {error}")


def _periodic_judge(config: TrainConfig, agent: Any, stop: StopRequests) -> Judgement | None:
    """A periodic evaluation, given up (None) as soon as a stop is requested: training then
    saves at once instead of after every episode of a policy that loops has run its time
    limit."""
    with given_up_when(lambda: stop.requested is not None):
        try:
            return assess.periodic_judge(config, agent)
        except GivenUp:
            return None
