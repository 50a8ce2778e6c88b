"""The tangram's measures for ``rlgrid bench --only tangram``: the exact solver's time to count
every assembly of a silhouette, and greedy success of agents on the same episodes.

The solver is timed cold, as ``rlgrid check-env`` times it: every silhouette gets a fresh
:class:`Solver` (an empty memo) on a fresh 8x8 :class:`Canvas` (its placement tables built
again), and the two are timed apart, so the table says what the solver itself takes and what a
fresh canvas adds. The agents are played by :func:`rlgrid.training.assess.evaluate_run`, the code
``rlgrid eval RUN --oracle --random --env-kwargs silhouettes=... silhouette_seed=...`` runs: the
same episodes for each agent, episode k on silhouette k of the set.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgrid import threads
from rlgrid.envs.registration import TANGRAM_ID
from rlgrid.envs.tangram.pieces import COUNTS
from rlgrid.envs.tangram.placements import Canvas
from rlgrid.envs.tangram.silhouettes import GENERATED_SIZE, Silhouette, classic, generated
from rlgrid.envs.tangram.solver import Solver, labelled
from rlgrid.evaluation import EvalResult

SILHOUETTE_SEED = 1000
"""``silhouette_seed`` of the generated silhouettes measured: a set the presets never train on.
The solver's N are the first N of the agents' set (the i-th generated from seed [1000, i])."""
EPISODE_SEED = 0
"""Seed of the first evaluation episode (the random agent's seed too, as in ``rlgrid eval``)."""
SQUARE_REPEATS = 20
"""Cold solves of the square, for its median."""


@dataclass
class SolverTiming:
    """A solver's cold runs over some silhouettes: for each, the seconds a fresh 8x8 canvas took
    to build, the seconds a fresh solver took to count every assembly, and that count (pieces of
    a kind alike)."""

    label: str
    canvas_seconds: list[float]
    count_seconds: list[float]
    counts: list[int]

    def total_seconds(self) -> list[float]:
        """Canvas and count together: ``Solver(Canvas(8, 8)).count(...)`` from nothing."""
        return [a + b for a, b in zip(self.canvas_seconds, self.count_seconds, strict=True)]


def time_solver(label: str, silhouettes: list[Silhouette]) -> SolverTiming:
    """Count every assembly of each silhouette with a fresh canvas and a fresh solver."""
    timing = SolverTiming(label, [], [], [])
    for silhouette in silhouettes:
        start = time.perf_counter()
        canvas = Canvas(GENERATED_SIZE, GENERATED_SIZE)
        _ = canvas.covering  # the solver's table, built lazily: part of a fresh canvas
        built = time.perf_counter()
        count = Solver(canvas).count(canvas.mask(silhouette.triangles), COUNTS)
        timing.count_seconds.append(time.perf_counter() - built)
        timing.canvas_seconds.append(built - start)
        timing.counts.append(count)
    return timing


def solver_timings(silhouettes: int) -> list[SolverTiming]:
    """The first ``silhouettes`` generated silhouettes of the measured set, then the square
    :data:`SQUARE_REPEATS` times (each cold)."""
    figures = generated(silhouettes, SILHOUETTE_SEED, GENERATED_SIZE, GENERATED_SIZE)
    return [
        time_solver(f"{silhouettes} generated (silhouette seed {SILHOUETTE_SEED})", figures),
        time_solver(f"square (x{SQUARE_REPEATS})", [classic("square")] * SQUARE_REPEATS),
    ]


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` of the sorted values (nearest rank: one that was measured)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def solver_row(timing: SolverTiming) -> list[str]:
    """Milliseconds (median, p90, max of counting; median with a fresh canvas) and the counts."""
    ms = [1000 * s for s in timing.count_seconds]
    counts = timing.counts
    spread = (min(counts), statistics.median_low(counts), max(counts))
    return [
        timing.label,
        f"{statistics.median(ms):.2f}",
        f"{percentile(ms, 0.9):.2f}",
        f"{max(ms):.2f}",
        f"{1000 * statistics.median(timing.total_seconds()):.2f}",
        " / ".join(str(n) for n in spread),
        " / ".join(str(labelled(n, COUNTS)) for n in spread),
    ]


SOLVER_COLUMNS = [
    "silhouettes",
    "count ms median",
    "p90",
    "max",
    "+ fresh canvas, median",
    "assemblies min / median / max",
    "every piece its own",
]


@dataclass(frozen=True)
class Played:
    """One agent's greedy episodes on one set of silhouettes."""

    agent: str
    silhouettes: str
    result: EvalResult

    def row(self) -> list[str]:
        result = self.result
        rate = result.success_rate or 0.0
        wins = round(rate * result.episodes)
        return [
            self.agent,
            self.silhouettes,
            f"{wins}/{result.episodes} ({100 * rate:.1f}%)",
            f"{result.mean_length:.2f}",
        ]

    def data(self) -> dict[str, Any]:
        return {"agent": self.agent, "silhouettes": self.silhouettes, **self.result.to_dict()}


AGENT_COLUMNS = ["agent", "silhouettes", "greedy success", "steps (mean)"]


def play(silhouettes: str, episodes: int, run: Path | None = None) -> list[Played]:
    """The oracle and the random masked agent (and ``run``'s agent first, where given) on
    ``episodes`` episodes of ``silhouettes`` (``random:N`` with :data:`SILHOUETTE_SEED`)."""
    from rlgrid.training.assess import evaluate_run

    kwargs = {"silhouettes": silhouettes, "silhouette_seed": SILHOUETTE_SEED}
    env: dict[str, Any] = {"env.kwargs": kwargs}
    if run is None:
        env["env.id"] = TANGRAM_ID
    else:
        threads.apply(None)  # the run's policy may load torch: one thread on a shared machine
    report = evaluate_run(run, {}, False, episodes, EPISODE_SEED, None, True, env=env, random=True)
    what = (
        "the square"
        if silhouettes == "square"
        else f"{episodes} generated ({silhouettes}, silhouette seed {SILHOUETTE_SEED})"
    )
    played = [Played("oracle (solver)", what, report.oracle)]
    played.append(Played("random masked", what, report.random))
    if report.agent is not None:
        played.insert(0, Played(f"run {run}", what, report.agent))
    return played
