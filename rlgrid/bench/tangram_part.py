"""The tangram part of ``rlgrid bench`` (``--only tangram``): the solver's times, the agents'
success on the same episodes, and the square's presets timed as whole training processes, as
tables, target rows and the ``tangram`` entry of ``bench.json``."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlgrid.bench import solving, tangram
from rlgrid.bench.section import Section
from rlgrid.bench.solving import SolveSummary
from rlgrid.bench.targets import tangram_targets


@dataclass(frozen=True)
class TangramSetup:
    """What the tangram part measures: the presets to time, how many generated silhouettes the
    solver counts, how many episodes the agents play (generated silhouettes, then the square),
    and a trained run to play beside them (None: none)."""

    presets: list[Path] = field(default_factory=list)
    silhouettes: int = 200
    episodes: int = 500
    square_episodes: int = 5000
    run: Path | None = None


@dataclass(frozen=True)
class TangramPart:
    sections: list[Section]
    targets: list[list[str]]
    data: dict[str, Any]


PRESET_COLUMNS = ["preset", "solved", "steps", "episodes", "train s", "process s"]


def measure(
    setup: TangramSetup, seeds: int, timeout: float, tell: Callable[[str], None]
) -> TangramPart:
    """Time the solver, play the agents, time the presets (``seeds`` seeds each)."""
    tell("timing the tangram solver")
    timings = tangram.solver_timings(setup.silhouettes)
    tell(f"playing {setup.episodes} generated silhouettes")
    generated = tangram.play(f"random:{setup.episodes}", setup.episodes, setup.run)
    tell(f"playing {setup.square_episodes} episodes of the square")
    square = tangram.play("square", setup.square_episodes)
    summaries = solving.time_presets(setup.presets, seeds, timeout, tell)

    mine = generated[0].result if setup.run is not None else None
    first = timings[0]
    targets = tangram_targets(
        statistics.median(first.count_seconds),
        statistics.median(first.total_seconds()),
        summaries,
        None if mine is None else (mine.success_rate or 0.0, mine.episodes),
    )
    sections = [
        Section(
            "tangram solver: every assembly counted, cold (fresh solver and fresh 8x8 canvas each)",
            tangram.SOLVER_COLUMNS,
            [tangram.solver_row(timing) for timing in timings],
        ),
        Section(
            f"tangram agents, greedy, on the same episodes (seed {tangram.EPISODE_SEED}; "
            "episode k on silhouette k)",
            tangram.AGENT_COLUMNS,
            [played.row() for played in generated + square],
        ),
    ]
    if summaries:
        sections.append(
            Section(
                f"tangram square presets as whole processes (median, min-max over {seeds} seeds)",
                PRESET_COLUMNS,
                [preset_row(summary) for summary in summaries],
            )
        )
    data = {
        "solver": [timing.__dict__ for timing in timings],
        "agents": [played.data() for played in generated + square],
        "presets": [summary.data() for summary in summaries],
        "run": None if setup.run is None else str(setup.run),
    }
    return TangramPart(sections, targets, data)


def preset_row(summary: SolveSummary) -> list[str]:
    """A preset's row: the time-to-solve row with the median episodes trained after its steps."""
    row = list(summary.row().values())
    episodes = [r.episodes for r in summary.solved() if r.episodes is not None]
    if episodes:
        row.insert(3, f"{statistics.median(episodes):,.0f}")
    else:
        row.insert(3, "-" if summary.solved() else "not solved")
    row[0] = row[0].removeprefix("preset ")
    return row
