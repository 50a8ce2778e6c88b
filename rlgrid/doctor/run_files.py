"""A run's files as the doctor's trends read them, without training or loading a model: its
episodes (``metrics.csv``), periodic evaluations (``evaluations.csv``), SB3's training statistics
(``train_stats.csv``), whether it is solved (``eval.json``, else its last evaluation) and
whether it spent its budget (``manifest.json``). Each file may be missing: a run in progress
has no ``eval.json``, a q-table run no evaluations nor statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rlgrid import runs
from rlgrid.algos.sb3.storage import EVALUATIONS, read_evaluations
from rlgrid.algos.sb3.train_stats import read_train_stats
from rlgrid.runs import EpisodeRow

FLAT = 0.03
"""A change of success under 3 points (or two standard errors, where more) is no change."""
MIN_EPISODES = 10
"""A window of training with fewer episodes says nothing about a trend."""


@dataclass(frozen=True)
class RunFiles:
    """What a run's files tell (see the module)."""

    path: Path
    rows: list[EpisodeRow]
    evaluations: list[tuple]
    """(timesteps, success_rate, optimality_ratio, mean_return, solved) of each evaluation."""
    stats: list[dict[str, float]]
    solved: bool | None
    """Whether the run is solved; None where neither a final nor a periodic evaluation says."""
    spent: bool
    """Whether training ran to its end (status ``completed``): the budget ran out, or solved."""

    @property
    def steps(self) -> int:
        return self.rows[-1].timesteps if self.rows else 0

    def window(
        self, start: float, end: float, rows: list[EpisodeRow] | None = None
    ) -> list[EpisodeRow]:
        """The episodes (of ``rows``, all by default) that ended between ``start`` and ``end``
        (fractions) of the steps."""
        low, high = start * self.steps, end * self.steps
        return [row for row in (self.rows if rows is None else rows) if low < row.timesteps <= high]

    def success_now(self) -> float | None:
        """Success at the end: in the last 10% of the steps' episodes (where there are enough
        and the env says), else at the last periodic evaluation; None where nothing says."""
        last = self.window(0.9, 1.0)
        rate = success(last) if len(last) >= MIN_EPISODES else None
        if rate is None and self.evaluations:
            rate = self.evaluations[-1][1]
        return rate


def read_run(run: Path) -> RunFiles:
    """The files of ``run`` that the trends read; a file rlgrid did not write is one line."""
    evaluations = read_evaluations(run / EVALUATIONS)
    solved = evaluations[-1][4] if evaluations else None
    if (run / runs.EVALUATION).exists():
        final = runs.read_json(run / runs.EVALUATION).get("solved")
        solved = final if isinstance(final, bool) else solved
    status = runs.read_manifest(run)["status"] if (run / runs.MANIFEST).exists() else None
    rows, stats = runs.read_metrics(run), read_train_stats(run)
    return RunFiles(run, rows, evaluations, stats, solved, status == "completed")


def success(rows: list[EpisodeRow]) -> float | None:
    """The share of ``rows`` that succeeded; None where the env never says."""
    known = [row.success for row in rows if row.success is not None]
    return float(np.mean(known)) if known else None


def margin(p: float, n: int, q: float, m: int) -> float:
    """The least difference between success rates ``p`` (of ``n`` episodes) and ``q`` (of
    ``m``) that is not noise: :data:`FLAT`, or two standard errors where more."""
    return max(FLAT, 2 * math.sqrt(p * (1 - p) / max(n, 1) + q * (1 - q) / max(m, 1)))
