"""A rich progress bar for training, drawn on stderr and throttled to a few updates a second.

The line is made to fit the terminal: the percentage, the time spent and the time left always
show whole; the bar shrinks (down to :data:`MIN_BAR` cells) and the statistics after them are
left out one by one, least useful first, where the terminal is too narrow for them. Rich's own
columns would instead cut the percentage and the time left to an ellipsis at 80 to 100 columns.
"""

from __future__ import annotations

import math
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from rlgrid.cli.output import console

TITLE = "training"
MAX_BAR = 40
MIN_BAR = 10


def clock(seconds: float | None) -> str:
    """``H:MM:SS``, as rich writes times; ``-:--:--`` where not known yet."""
    if seconds is None or not math.isfinite(seconds):
        return "-:--:--"
    whole = max(round(seconds), 0)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def statistics(rate: float, stats: dict[str, float]) -> list[tuple[str, bool]]:
    """The statistics the line can show, most useful first, each with whether it is one of the
    last 100 episodes' (the success rate where known, the return, the length) rather than the
    throughput."""
    success, known = stats["success"], stats["length"] == stats["length"]  # nan: unknown
    parts = [(f"success {100 * success:.0f}%", True)] if success == success else []
    parts.append((f"{rate:,.0f} steps/s", False))
    if known:
        parts += [(f"return {stats['return']:.2f}", True), (f"len {stats['length']:.1f}", True)]
    return parts


def _tail(parts: list[tuple[str, bool]]) -> str:
    """The episode statistics followed by ``(last 100)``, then the throughput."""
    recent = [text for text, episodic in parts if episodic]
    words = ["  ".join(recent) + " (last 100)"] if recent else []
    return "  ".join(words + [text for text, episodic in parts if not episodic])


def fit(width: int, head: str, parts: list[tuple[str, bool]]) -> tuple[int, str]:
    """The bar's width and the text after it for a terminal ``width`` columns wide: ``head``
    (the percentage and times) always, then as many of ``parts`` (most useful first) as fit
    beside a bar of at least :data:`MIN_BAR` cells."""
    fixed = len(TITLE) + 2  # the title, a space, the bar, a space
    line = head
    for count in range(1, len(parts) + 1):
        longer = f"{head}  {_tail(parts[:count])}"
        if fixed + MIN_BAR + len(longer) > width:
            break
        line = longer
    return max(MIN_BAR, min(MAX_BAR, width - fixed - len(line))), line


class RichReporter:
    """Training progress on stderr (or on ``out``), one line that fits the terminal."""

    def __init__(self, out: Console | None = None) -> None:
        self.bar = BarColumn(bar_width=MAX_BAR)
        self.progress = Progress(
            TextColumn(f"[bold]{TITLE}[/]"),
            self.bar,
            TextColumn("{task.fields[line]}", markup=False),
            console=out or console(stderr=True),
            transient=True,
            auto_refresh=False,  # redrawn by update(): no thread writing to a pipe that broke
        )
        self.task = None
        self.started = 0.0
        self.total = 0
        self.first = 0
        self.first_steps = 0

    def start(self, total: int, unit: str, done: int) -> None:
        self.total, self.first = total, done
        self.first_steps = done if unit == "steps" else 0
        self.progress.start()
        self.task = self.progress.add_task("train", total=total, completed=done, line="")
        self.started = time.perf_counter()

    def update(self, done: int, stats: dict[str, float]) -> None:
        if self.task is None:
            return
        spent = max(time.perf_counter() - self.started, 1e-9)
        rate = (stats["timesteps"] - self.first_steps) / spent  # this session's
        pace = (done - self.first) / spent  # of the budget's unit, this session
        left = (self.total - done) / pace if pace > 0 else None
        percent = 100 * min(done / self.total, 1.0) if self.total else 0.0
        head = f"{percent:3.0f}% {clock(spent)} eta {clock(left)}"
        width, line = fit(self.progress.console.width, head, statistics(rate, stats))
        self.bar.bar_width = width
        self.progress.update(self.task, completed=done, line=line)
        self.progress.refresh()

    def stop(self) -> None:
        self.progress.stop()

    def note(self, text: str) -> None:
        self.progress.console.print(text, soft_wrap=True, highlight=False)
