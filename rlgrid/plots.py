"""Learning-curve pictures (matplotlib, drawn off screen)."""

from __future__ import annotations

import contextlib
import io
import signal
import sys
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
    fair_from: int = 0,
) -> None:
    """Steps per episode with a 100-episode moving average (and the shortest path's, when
    known) above the success rate's moving average (or the return's, for envs that report no
    success); written atomically as PNG. The averages start at episode ``fair_from``: before
    it, envs stepped side by side have finished only their short episodes (the successes), and
    an average would show a false start (:func:`rlgrid.runs.fair_start`)."""
    from matplotlib.figure import Figure

    episodes = np.arange(1, len(length) + 1)
    fair_from = min(fair_from, len(length) - 1)
    later = episodes[fair_from:]
    figure = Figure(figsize=(8, 5.5))
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.4]})
    top.plot(episodes, length, color="#9db8d9", linewidth=0.6, label="steps per episode")
    top.plot(
        later,
        moving_average(length[fair_from:]),
        color="#1f4e99",
        linewidth=2,
        label="100-ep mean",
    )
    if optimal is not None:
        top.plot(
            later,
            moving_average(optimal[fair_from:]),
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
        bottom.plot(later, moving_average(success[fair_from:].astype(np.float64)), color="#2a8a3e")
        bottom.set_ylim(-0.05, 1.05)
        bottom.set_ylabel("success\n(100-ep mean)")
    elif returns is not None:
        bottom.plot(later, moving_average(returns[fair_from:]), color="#2a8a3e")
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
