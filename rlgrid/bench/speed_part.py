"""``rlgrid bench --only speed`` as tables: training throughput per algorithm and batch width,
alone and side by side (:mod:`.speed`); two whole trainings of a preset side by side against
each alone; and a preset trained until solved at each batch width (time to solve, not steps to
solve: why a preset's ``n_envs`` is what it is)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlgrid.bench import PAIR_PRESET, SPEED_ALGOS, SPEED_WIDTHS, WIDTH_PRESET, solving, speed
from rlgrid.bench.section import Section
from rlgrid.bench.solving import SolveSummary
from rlgrid.bench.speed import SPEED_GRID
from rlgrid.bench.targets import speed_targets

PAIR_COLUMNS = ["measure", "alone", "side by side", "side by side / alone"]
WIDTH_COLUMNS = ["n_envs", "solved", "steps", "train s", "process s"]


@dataclass
class SpeedSetup:
    """What the speed part measures: the throughput table's algorithms and widths and each
    measure's timed seconds; the preset trained side by side, and the preset trained at each
    width (either None: that table is left out)."""

    algos: list[str] = field(default_factory=lambda: list(SPEED_ALGOS))
    widths: list[int] = field(default_factory=lambda: list(SPEED_WIDTHS))
    seconds: float = 2.5
    pair_preset: Path | None = Path(PAIR_PRESET)
    width_preset: Path | None = Path(WIDTH_PRESET)


@dataclass(frozen=True)
class SpeedPart:
    sections: list[Section]
    targets: list[list[str]]
    data: dict[str, Any]


def measure(
    setup: SpeedSetup, repeats: int, seeds: int, timeout: float, tell: Callable[[str], None]
) -> SpeedPart:
    """The three tables (throughput with ``repeats`` repeats; the presets with ``seeds`` seeds)
    and their targets; ``data`` records the seconds each table took to measure."""
    began = time.perf_counter()
    found = speed.measure_throughput(
        setup.algos, setup.widths, repeats, setup.seconds, timeout, tell
    )
    sections = [speed.throughput_section(found, repeats, SPEED_GRID)]
    data: dict[str, Any] = {"throughput": [setup.__dict__ for setup in found]}
    took = {"throughput": time.perf_counter() - began}
    alone = side = None
    if setup.pair_preset is not None:
        began = time.perf_counter()
        alone, side = side_by_side(setup.pair_preset, seeds, timeout, tell)
        sections.append(pair_section(setup.pair_preset, seeds, alone, side))
        data["side_by_side"] = {"preset": str(setup.pair_preset), "alone": alone.data(),
                                "side_by_side": side.data()}  # fmt: skip
        took["side_by_side"] = time.perf_counter() - began
    if setup.width_preset is not None:
        began = time.perf_counter()
        own = preset_width(setup.width_preset)
        widths = sorted({*setup.widths, own})
        summaries = time_widths(setup.width_preset, widths, seeds, timeout, tell)
        sections.append(width_section(setup.width_preset, seeds, summaries, own))
        data["widths"] = {"preset": str(setup.width_preset), "own": own,
                          "runs": [summary.data() for summary in summaries]}  # fmt: skip
        took["widths"] = time.perf_counter() - began
    data["seconds"] = took
    return SpeedPart(sections, speed_targets(found, alone, side), data)


def side_by_side(
    preset: Path, seeds: int, timeout: float, tell: Callable[[str], None]
) -> tuple[SolveSummary, SolveSummary]:
    """``preset`` trained alone with each seed, and twice at once with the same seed (the same
    work each), interleaved seed by seed."""
    alone = SolveSummary(f"{preset.name} alone")
    side = SolveSummary(f"{preset.name} side by side")
    for seed in range(seeds):
        tell(f"{preset.name}, seed {seed}, alone")
        alone.results.append(solving.preset_solve(preset, seed, timeout))
        tell(f"{preset.name}, seed {seed}, two side by side")
        side.results += solving.preset_pair(preset, seed, timeout)
    return alone, side


def pair_section(preset: Path, seeds: int, alone: SolveSummary, side: SolveSummary) -> Section:
    """Medians of every run alone and side by side (the steps of those solved)."""

    def median(summary: SolveSummary, key: str) -> float:
        return statistics.median(getattr(r, key) for r in summary.results)

    rows = [["runs solved", f"{len(alone.solved())}/{len(alone.results)}",
             f"{len(side.solved())}/{len(side.results)}", ""]]  # fmt: skip
    steps = [[r.solved_at for r in s.solved()] for s in (alone, side)]
    if all(steps):
        rows.append(["steps to solve (median)", *(f"{statistics.median(s):,.0f}" for s in steps),
                     ""])  # fmt: skip
    for key, name in (("train_seconds", "training s"), ("process_seconds", "whole process s")):
        mine, theirs = median(alone, key), median(side, key)
        rows.append([f"{name} (median)", f"{mine:.2f}", f"{theirs:.2f}", f"{theirs / mine:.2f}x"])
    which = "seed 0" if seeds == 1 else f"seeds 0-{seeds - 1}"
    title = (
        f"two trainings side by side: {preset} (rlgrid train, whole processes), {which} alone, "
        "then twice at once with the same seed (the same work each)"
    )
    return Section(title, PAIR_COLUMNS, rows)


def preset_width(preset: Path) -> int:
    """The batch width ``preset`` trains with (its ``n_envs``, or the default it gets)."""
    from rlgrid.config import build_config

    return int(build_config(preset, {}, {}).params.n_envs)


def time_widths(
    preset: Path, widths: list[int], seeds: int, timeout: float, tell: Callable[[str], None]
) -> list[SolveSummary]:
    """``preset`` trained as a whole process with ``--n-envs N`` for each width (nothing else
    changed), seeds 0 to ``seeds`` - 1, interleaved seed by seed."""
    summaries = {width: SolveSummary(f"n_envs {width}") for width in widths}
    for seed in range(seeds):
        for width, summary in summaries.items():
            tell(f"{preset.name} with n_envs {width}, seed {seed}")
            extra = ["--n-envs", str(width)]
            summary.results.append(solving.preset_solve(preset, seed, timeout, extra))
    return list(summaries.values())


def width_section(preset: Path, seeds: int, summaries: list[SolveSummary], own: int) -> Section:
    """One row a width, the preset's own marked."""
    rows = []
    for summary in summaries:
        row = list(summary.row().values())
        width = int(row[0].removeprefix("n_envs "))
        row[0] = f"{width:,}" + (" (the preset's)" if width == own else "")
        rows.append(row)
    title = (
        f"batch width: {preset} trained until solved with --n-envs N (median, min-max over "
        f"{seeds} seeds): time to solve, not steps to solve"
    )
    return Section(title, WIDTH_COLUMNS, rows)
