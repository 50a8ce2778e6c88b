"""A rich progress bar for training, drawn on stderr and throttled to a few updates a second."""

from __future__ import annotations

import time

from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rlgrid.cli.output import console


class RichReporter:
    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("[bold]training[/]"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[unit]}"),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console(stderr=True),
            transient=True,
            auto_refresh=False,  # redrawn by update(): no thread writing to a pipe that broke
        )
        self.task = None
        self.started = 0.0

    def start(self, total: int, unit: str, done: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=total, completed=done, unit=unit, stats=""
        )
        self.started = time.perf_counter()

    def update(self, done: int, stats: dict[str, float]) -> None:
        if self.task is None:
            return
        now = time.perf_counter()
        rate = stats["timesteps"] / max(now - self.started, 1e-9)
        success = stats["success"]
        text = (
            f"{rate:,.0f} steps/s  len {stats['length']:.1f}  return {stats['return']:.2f}"
            + ("" if success != success else f"  success {100 * success:.0f}%")  # nan: unknown
            + " (last 100)"
        )
        self.progress.update(self.task, completed=done, stats=text)
        self.progress.refresh()

    def stop(self) -> None:
        self.progress.stop()

    def note(self, text: str) -> None:
        self.progress.console.print(text, soft_wrap=True, highlight=False)
