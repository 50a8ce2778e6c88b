"""Stopping the way users stop programs: Ctrl+C in a terminal (SIGINT to the whole process group),
``timeout``, systemd, Slurm and CI cancellation (SIGTERM to the group), once or twice."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def say(text: str) -> None:
    """Write a line to the first of stderr, stdout and the controlling terminal that takes it:
    with ``rlgrid ... 2>&1 | tee log`` and Ctrl+C, ``tee`` dies first, and the terminal is
    where the user still reads."""
    data = (text.rstrip("\n") + "\n").encode()
    for fd in (2, 1):
        try:
            os.write(fd, data)
            return
        except OSError:
            continue
    try:
        tty = os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY)
    except OSError:
        return
    try:
        os.write(tty, data)
    except OSError:
        pass
    finally:
        os.close(tty)


def exit_interrupted(signum: int, frame: FrameType | None = None) -> None:
    """A stop before anything is written (start-up, imports): one line and exit 130 at once.
    Raising KeyboardInterrupt there instead can land inside an extension module's import, which
    turns it into a misleading ImportError."""
    say(f"error: interrupted by {signal.Signals(signum).name}; nothing was written")
    os._exit(130)


class StopRequests:
    """While active and :attr:`armed`, SIGINT and SIGTERM set :attr:`requested` instead of
    killing the process; training checks it between steps (and before every optimizer step),
    saves, and returns. Until armed (while there is nothing to save: imports, building the env
    and model) a stop ends the process at once with one line and exit 130.

    A second signal forces the stop: ``on_force(name)`` runs (training sets it to mark the run
    interrupted as of its newest checkpoint) and the process ends with exit code 130 at once,
    wherever it was; nothing half-done is kept because every file is written atomically."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self.armed = False
        self.on_force: Callable[[str], None] | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.armed and self.requested is None:
            self.requested = name
            return
        if self.on_force is not None:
            for sig in STOP_SIGNALS:  # a third Ctrl+C must not cut the forced stop's record short
                signal.signal(sig, signal.SIG_IGN)
            try:
                self.on_force(name)
            finally:
                os._exit(130)
        exit_interrupted(signum)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, handler in self._previous.items():
            # After a stop the run is saved and the process is about to end with 130: a further
            # Ctrl+C must not cut off the line that says how to resume.
            signal.signal(sig, signal.SIG_IGN if self.requested else handler)  # type: ignore[arg-type]
        self._previous.clear()
