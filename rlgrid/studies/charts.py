"""A study's charts: its learning curves (``learning_curves.png``: a panel per floor and varied
settings, a line per algorithm and reward) and its time to solve (``time_to_solve.png``: a bar
per combination). Drawn with matplotlib's object API, no pyplot state."""

from __future__ import annotations

import io
import math
import textwrap
import warnings
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


def _curve(run: Path, points: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """A run's success rate (100-episode moving average) against timesteps, sampled at
    ``points``, and True; its raw return and False where success is not known; None before any
    episode ended."""
    rows = runs.read_metrics(run) if (run / runs.METRICS).exists() else []
    if not rows:
        return None
    steps = np.array([row[1] for row in rows], dtype=np.float64)
    known = all(row[4] is not None for row in rows)
    values = np.array([float(row[4]) if known else row[3] for row in rows])
    return np.interp(points, steps, moving_average(values), left=np.nan), known


def _last_step(run: Path) -> int | None:
    manifest = run / runs.MANIFEST
    return int(runs.read_json(manifest).get("timesteps", 0)) if manifest.exists() else None


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
        last = [_last_step(study.runs_dir / job.name) for job in jobs]
        points = np.linspace(0, max([s for s in last if s] or [1]), 200)
        success = True
        for combination in mine:
            found = [_curve(study.runs_dir / job.name, points) for job in jobs
                     if job.combination == combination]  # fmt: skip
            drawn = [curve for curve in found if curve is not None]
            if not drawn:
                continue
            success = success and all(known for _, known in drawn)
            curves = [values for values, _ in drawn]
            style = _style(study, combination)
            _draw_band(axes, points, np.vstack(curves), line_label(combination), style)
        measure = "success" if success else "return"
        title = f"{panel_title(grid, settings)}: {measure} (100-episode mean)"
        axes.set_title(textwrap.fill(title, 90 if across == 1 else 70), fontsize=9)
        axes.set_xlabel("timesteps", fontsize=8)
        axes.tick_params(labelsize=7)
        if success:
            axes.set_ylim(-0.05, 1.05)
        axes.grid(alpha=0.3)
        if axes.lines:
            axes.legend(fontsize=7, loc="best", title="median, range over seeds",
                        title_fontsize=7)  # fmt: skip
        else:
            axes.text(0.5, 0.5, "no finished runs", ha="center", transform=axes.transAxes)
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
