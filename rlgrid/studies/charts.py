"""A study's charts: its learning curves (``learning_curves.png``: a panel per floor and varied
settings, a line per algorithm and reward) and its time to solve (``time_to_solve.png``: a bar
per combination). Drawn with matplotlib's object API, no pyplot state."""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rlgrid import runs
from rlgrid.plots import moving_average
from rlgrid.studies.spec import ENV, OWN_REWARD, Combination, Setting, Study

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from rlgrid.studies.results import RunResult

PANEL = (6.0, 2.8)
"""Width and height of a panel of learning curves, in inches, when panels go abreast (a single
column of them is 7.5 wide)."""


@dataclass(frozen=True)
class Curve:
    """A run's learning curve as the study's chart draws it: the 100-episode moving average of
    its success (``success`` True), or of its env's own return where success is not known,
    against the step each episode ended at; from the first step at which the average is fair
    (:func:`rlgrid.runs.fair_start`) to the step the run stopped at (``end``: the last value
    held until there), so that a run stopped by ``until_solved`` ends where it stopped."""

    steps: np.ndarray
    values: np.ndarray
    success: bool
    end: int
    stopped: bool
    """Whether ``until_solved`` stopped the run (at ``end``) before its budget."""


def run_curve(run: Path) -> Curve | None:
    """``run``'s :class:`Curve`; None before any episode ended (or where its metrics
    contradict themselves: the longest episode always ends at a fair step)."""
    rows = runs.read_metrics(run) if (run / runs.METRICS).exists() else []
    if not rows:
        return None
    steps = np.array([row.timesteps for row in rows], dtype=np.int64)
    known = all(row.success is not None for row in rows)
    values = moving_average(np.array([float(row.success) if known else row.ret for row in rows]))
    manifest = runs.read_json(run / runs.MANIFEST) if (run / runs.MANIFEST).exists() else {}
    end = max(int(manifest.get("timesteps", 0)), int(steps[-1]))
    # At each step, the average after every episode that ended there; from the fair start on.
    kept = np.append(steps[1:] != steps[:-1], True) & (steps >= runs.fair_start(rows))
    if not kept.any():
        return None
    steps, values = steps[kept], values[kept]
    if steps[-1] < end:  # the last episode's average holds until the run stopped
        steps, values = np.append(steps, end), np.append(values, values[-1])
    return Curve(steps, values, known, end, manifest.get("solved_at") is not None)


def sampled(curve: Curve, points: np.ndarray) -> np.ndarray:
    """``curve`` at ``points``: NaN before its first point and after its end."""
    return np.interp(points, curve.steps, curve.values, left=np.nan, right=np.nan)


def line_label(combination: Combination) -> str:
    """A line's label in a panel: ``ppo, area`` (the env's own reward goes unsaid)."""
    if combination.reward == OWN_REWARD:
        return combination.algo
    return f"{combination.algo}, {combination.reward}"


def panel_title(grid: str, settings: tuple[Setting, ...]) -> str:
    """``rlgrid/Tangram-v0, curriculum=true``: the floor (or env) and the varied values."""
    words = [grid.removeprefix(ENV), *(f"{key}={value}" for key, value in settings)]
    return ", ".join(words)


def study_curves(study: Study, path: Path) -> None:
    """One panel per floor and combination of varied settings; in each, per algorithm and reward
    the median learning curve over seeds with a min-max band. Panels go two or three abreast
    when there are more than two."""
    from matplotlib.figure import Figure

    panels = [(grid, s) for grid in study.spec.grids for s in study.spec.settings()]
    across = 1 if len(panels) <= 2 else 2 if len(panels) <= 8 else 3
    down = math.ceil(len(panels) / across)
    width = 7.5 if across == 1 else PANEL[0] * across
    figure = Figure(figsize=(width, PANEL[1] * down))
    axes_grid = figure.subplots(down, across, squeeze=False).flatten()
    for axes, (grid, settings) in zip(axes_grid, panels, strict=False):
        mine = [c for c in study.spec.combinations() if (c.grid, c.settings) == (grid, settings)]
        jobs = [job for job in study.spec.jobs() if job.combination in mine]
        curves = {job: run_curve(study.runs_dir / job.name) for job in jobs}
        drawn = [curve for curve in curves.values() if curve is not None]
        bounds = [curve.end for curve in drawn] + [curve.steps[0] for curve in drawn]
        points = np.unique(np.concatenate([np.linspace(0, max(bounds or [1]), 200), bounds]))
        success = all(curve.success for curve in drawn)
        stops = False
        for combination in mine:
            found = [curves[job] for job in jobs if job.combination == combination]
            found = [curve for curve in found if curve is not None]
            if not found:
                continue
            style = _style(study, combination)
            stack = np.vstack([sampled(curve, points) for curve in found])
            _draw_band(axes, points, stack, line_label(combination), style)
            for curve in found:
                if curve.stopped:  # a dot where until_solved stopped the run
                    axes.plot(curve.end, curve.values[-1], "o", markersize=3, color=style["color"])
                    stops = True
        measure = "success" if success else "return"
        title = f"{panel_title(grid, settings)}: {measure} (100-episode mean)"
        axes.set_title(textwrap.fill(title, 90 if across == 1 else 70), fontsize=9)
        axes.set_xlabel("timesteps", fontsize=8)
        axes.set_xlim(left=0)  # where a curve starts later than 0, the chart shows it
        axes.tick_params(labelsize=7)
        if success:
            axes.set_ylim(-0.05, 1.05)
        axes.grid(alpha=0.3)
        if axes.lines:
            key = "median, range over seeds" + ("; dot: stopped, solved" if stops else "")
            axes.legend(fontsize=7, loc="best", title=key, title_fontsize=7)
        else:
            axes.text(0.5, 0.5, "no run has a curve yet", ha="center", transform=axes.transAxes)
    for axes in axes_grid[len(panels) :]:
        axes.set_visible(False)
    _save(figure, path)


LINE_STYLES = ("-", "--", ":", "-.")


def _style(study: Study, combination: Combination) -> dict[str, str]:
    """A colour per algorithm and reward and a line style per reward, the same in every panel,
    so that curves that coincide stay visible (dashed over solid)."""
    pairs = [(algo, reward) for algo in study.spec.algos for reward in study.spec.rewards]
    colour = pairs.index((combination.algo, combination.reward))
    reward = study.spec.rewards.index(combination.reward)
    return {"color": f"C{colour % 10}", "linestyle": LINE_STYLES[reward % len(LINE_STYLES)]}


def _draw_band(
    axes: Axes, points: np.ndarray, stack: np.ndarray, label: str, style: dict[str, str]
) -> None:
    """The median of ``stack``'s rows and their min-max band."""
    with warnings.catch_warnings():  # all-nan columns before any episode ended
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(stack, axis=0)
        low, high = np.nanmin(stack, axis=0), np.nanmax(stack, axis=0)
    axes.plot(points, median, label=label, linewidth=1.5, **style)
    axes.fill_between(points, low, high, color=style["color"], alpha=0.15)


def bar_label(combination: Combination) -> str:
    """A bar's label: the algorithm, floor, reward and varied values."""
    words = [combination.algo, combination.grid.removeprefix(ENV)]
    if combination.reward != OWN_REWARD:
        words.append(combination.reward)
    words += [f"{key}={value}" for key, value in combination.settings]
    return " ".join(words)


def time_to_solve_chart(study: Study, results: list[RunResult], path: Path) -> None:
    """Median training seconds to solve per combination; unsolved combinations say so."""
    from matplotlib.figure import Figure

    labels, medians, notes = [], [], []
    for combination in study.spec.combinations():
        mine = [r for r in results if r.job.combination == combination]
        solved = [r.solved_seconds for r in mine if r.solved_seconds is not None]
        labels.append(bar_label(combination))
        medians.append(float(np.median(solved)) if solved else 0.0)
        notes.append(f"{len(solved)}/{len(mine)} solved" if solved else "not solved")
    figure = Figure(figsize=(7.5, 0.45 * len(labels) + 1.2))
    axes = figure.subplots()
    positions = np.arange(len(labels))
    axes.barh(positions, medians, color="#1f4e99")
    for y, (value, note) in enumerate(zip(medians, notes, strict=True)):
        axes.text(value, y, f"  {note}", va="center", fontsize=7)
    axes.set_xlim(0, max([*medians, 1e-3]) * 1.3)  # room for the notes after the bars
    axes.set_yticks(positions, labels, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("median training seconds to solve")
    if not any(medians):
        axes.set_xticks([])  # no scale to read: nothing was solved
    axes.set_title("time to solve", fontsize=10)
    axes.grid(alpha=0.3, axis="x")
    _save(figure, path)


def _save(figure: Figure, path: Path) -> None:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    runs.write_atomic(path, buffer.getvalue())
