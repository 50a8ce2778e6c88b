"""Learning-curve pictures (matplotlib, drawn off screen)."""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from rlgrid.interrupts import STOP_SIGNALS
from rlgrid.runs import write_atomic

WINDOW = 100


def moving_average(values: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Mean of each value and the up to ``window - 1`` before it."""
    sums = np.cumsum(np.insert(np.asarray(values, dtype=np.float64), 0, 0.0))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    return (sums[ends] - sums[starts]) / (ends - starts)


def learning_curve(
    path: Path,
    title: str,
    length: np.ndarray,
    success: np.ndarray | None,
    optimal: np.ndarray | None = None,
    returns: np.ndarray | None = None,
) -> None:
    """Steps per episode with a 100-episode moving average (and the shortest path's, when
    known) above the success rate's moving average (or the return's, for envs that report no
    success); written atomically as PNG."""
    from matplotlib.figure import Figure

    episodes = np.arange(1, len(length) + 1)
    figure = Figure(figsize=(8, 5.5))
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.4]})
    top.plot(episodes, length, color="#9db8d9", linewidth=0.6, label="steps per episode")
    top.plot(episodes, moving_average(length), color="#1f4e99", linewidth=2, label="100-ep mean")
    if optimal is not None:
        top.plot(
            episodes,
            moving_average(optimal),
            color="#d98c1f",
            linestyle="--",
            linewidth=1.5,
            label="shortest path, 100-ep mean",
        )
    top.set_ylabel("steps")
    top.set_title(title)
    top.legend(loc="upper right", fontsize=8)
    top.grid(alpha=0.3)
    if success is not None:
        bottom.plot(episodes, moving_average(success.astype(np.float64)), color="#2a8a3e")
        bottom.set_ylim(-0.05, 1.05)
        bottom.set_ylabel("success\n(100-ep mean)")
    elif returns is not None:
        bottom.plot(episodes, moving_average(returns), color="#2a8a3e")
        bottom.set_ylabel("return\n(100-ep mean)")
    bottom.set_xlabel("episode")
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_atomic(path, buffer.getvalue())


class CurvePlotter:
    """Draws learning curves in a helper process forked before training starts, so importing
    matplotlib (about half a second) happens on another core while torch loads and the agent
    trains. Where fork is not the platform's way (macOS, Windows) it draws in this process."""

    def __init__(self) -> None:
        self._connection = None
        self._process = None
        if sys.platform.startswith("linux"):
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._connection, child = context.Pipe()
            self._process = context.Process(
                target=_serve, args=(child, self._connection), daemon=True
            )
            self._process.start()
            child.close()  # the helper's end is the helper's: its death is then seen here

    def draw(self, **curve: Any) -> None:
        """``learning_curve(**curve)``, in the helper when there is one; errors come back here.
        A helper that is gone (killed by someone) is replaced by drawing here."""
        if self._connection is not None:
            try:
                self._connection.send(curve)
                error = self._connection.recv()
            except (OSError, EOFError):
                self._connection = None
            else:
                if error is not None:
                    raise RuntimeError(f"drawing the learning curve failed: {error}")
                return
        learning_curve(**curve)

    def __enter__(self) -> CurvePlotter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.send(None)
            self._connection = None
        if self._process is not None:
            self._process.join(timeout=10)
            self._process = None


def _serve(connection: Any, parent_end: Any) -> None:
    # The helper is the parent's: Ctrl+C and SIGTERM to the process group are the parent's to
    # handle (it saves the run, then ends the helper). It ends when the parent goes, however:
    # closing its copy of the parent's end lets it see the parent's death as end of file.
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    parent_end.close()
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: F401  (imported now, while the parent trains)

    try:
        while (curve := connection.recv()) is not None:
            try:
                learning_curve(**curve)
                connection.send(None)
            except Exception as error:  # reported by the parent, which has the error boundary
                connection.send(f"{type(error).__name__}: {error}")
    except (OSError, EOFError):
        pass  # the parent is gone


def _curve(run: Path, points: np.ndarray) -> np.ndarray | None:
    """A run's success rate (100-episode moving average; the raw return where success is not
    known) against timesteps, sampled at ``points``."""
    from rlgrid.runs import METRICS, read_metrics

    rows = read_metrics(run) if (run / METRICS).exists() else []
    if not rows:
        return None
    steps = np.array([row[1] for row in rows], dtype=np.float64)
    known = all(row[4] is not None for row in rows)
    values = np.array([float(row[4]) if known else row[3] for row in rows])
    return np.interp(points, steps, moving_average(values), left=np.nan)


def study_curves(study: Any, path: Path) -> None:
    """One panel per grid; per algorithm and reward the median learning curve over seeds with a
    min-max band."""
    from matplotlib.figure import Figure

    grids = study.spec.grids
    figure = Figure(figsize=(7.5, 2.8 * len(grids)))
    axes_list = figure.subplots(len(grids), 1, squeeze=False)[:, 0]
    for axes, grid in zip(axes_list, grids, strict=True):
        jobs = [job for job in study.spec.jobs() if job.grid == grid]
        last = [_last_step(study.runs_dir / job.name) for job in jobs]
        top = max([s for s in last if s] or [1])
        points = np.linspace(0, top, 200)
        for algo in study.spec.algos:
            for reward in study.spec.rewards:
                curves = [
                    _curve(study.runs_dir / job.name, points)
                    for job in jobs
                    if job.algo == algo and job.reward == reward
                ]
                curves = [c for c in curves if c is not None]
                if not curves:
                    continue
                stack = np.vstack(curves)
                with warnings.catch_warnings():  # all-nan columns before any episode ended
                    warnings.simplefilter("ignore", RuntimeWarning)
                    median = np.nanmedian(stack, axis=0)
                    low, high = np.nanmin(stack, axis=0), np.nanmax(stack, axis=0)
                (line,) = axes.plot(points, median, label=f"{algo}, {reward}")
                axes.fill_between(points, low, high, color=line.get_color(), alpha=0.2)
        axes.set_title(f"{grid}: success (100-episode mean), median and range over seeds",
                       fontsize=9)  # fmt: skip
        axes.set_xlabel("timesteps")
        axes.set_ylim(-0.05, 1.05)
        axes.grid(alpha=0.3)
        if axes.lines:
            axes.legend(fontsize=7, loc="lower right")
        else:
            axes.text(0.5, 0.5, "no finished runs", ha="center", transform=axes.transAxes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_atomic(path, buffer.getvalue())


def _last_step(run: Path) -> int | None:
    from rlgrid.runs import MANIFEST, read_json

    manifest = run / MANIFEST
    return int(read_json(manifest).get("timesteps", 0)) if manifest.exists() else None


def time_to_solve_chart(study: Any, results: list[Any], path: Path) -> None:
    """Median training seconds to solve per combination; unsolved combinations say so."""
    from matplotlib.figure import Figure

    labels, medians, notes = [], [], []
    for algo, grid, reward in study.spec.combinations():
        mine = [r for r in results if r.job.combination == (algo, grid, reward)]
        solved = [r.solved_seconds for r in mine if r.solved_seconds is not None]
        labels.append(f"{algo} {grid} {reward}")
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
    axes.set_title("time to solve", fontsize=10)
    axes.grid(alpha=0.3, axis="x")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_atomic(path, buffer.getvalue())
