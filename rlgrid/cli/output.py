"""Consoles that survive their reader going away."""

from __future__ import annotations

from typing import Any

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich's default points stdout at /dev/null and raises SystemExit(1): in the middle of
        # training that would end the process before the run is saved. Going quiet is enough.
        self.quiet = True


def console(stderr: bool = False, **options: Any) -> Console:
    """A rich console on stdout (or stderr) that goes quiet when its pipe breaks (``| tee``
    killed by the same Ctrl+C, ``| head``) instead of ending the process."""
    return _Console(stderr=stderr, **options)
