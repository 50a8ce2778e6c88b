"""Running a study's jobs: each one an ordinary ``rlgrid train`` in a worker process of its own,
a few at a time, and stopping them all cleanly on Ctrl+C or SIGTERM.

:func:`execute` runs jobs through any ``submit`` function: :func:`run_local` here, or a
:class:`rlgrid.studies.ray_backend.RayRunner`."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgrid import runs
from rlgrid.studies.spec import Job, Study

INTERRUPTED = 130
"""The exit code of a run (and of the study) stopped by Ctrl+C or SIGTERM."""


@dataclass
class Outcome:
    """How one job's worker ended: its exit code and, when it failed, the last line it wrote."""

    job: Job
    code: int
    error: str | None = None

    @property
    def state(self) -> str:
        """``done``, ``interrupted`` or ``failed``."""
        return {0: "done", INTERRUPTED: "interrupted"}.get(self.code, "failed")


def worker(args: list[str]) -> list[str]:
    """The command line of a worker running ``rlgrid ARGS``.

    Workers start in isolated mode (``-I``): the current folder is not on their ``sys.path`` and
    ``PYTHON*`` variables are ignored, so a ``numpy.py`` or an ``rlgrid`` folder where the study
    runs is never imported instead of the real one (rlgrid comes from site-packages, an editable
    install included)."""
    return [sys.executable, "-Im", "rlgrid", *args]


def resume_args(run: Path) -> list[str]:
    return ["train", "--resume", str(run), "--threads", "1"]


def command_for(study: Study, job: Job, runs_dir: Path) -> list[str]:
    """The rlgrid command for ``job``: resume its run where one exists, else train it anew."""
    if (runs_dir / job.name / runs.MANIFEST).exists():
        return worker(resume_args(runs_dir / job.name))
    return worker([*job.train_args(study.spec), "--runs-dir", str(runs_dir), "--name", job.name])


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


def run_local(study: Study, job: Job) -> Outcome:
    """Run ``job`` in a local worker process and wait for it."""
    # Each run in a session of its own: Ctrl+C in the terminal reaches the study alone, which
    # passes exactly one SIGINT on (a run that got the terminal's and the study's would take the
    # second as "stop at once" and keep only its newest checkpoint).
    process = subprocess.Popen(
        command_for(study, job, study.runs_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    with _running_lock:
        _running.add(process)
    try:
        _, stderr = process.communicate()
    finally:
        with _running_lock:
            _running.discard(process)
    code = process.returncode
    return Outcome(job, code, None if code == 0 else last_line(stderr))


def interrupt_running() -> None:
    """Ask every running local run to stop: each saves itself as interrupted."""
    with _running_lock:
        for process in _running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def execute(
    study: Study,
    jobs: list[Job],
    workers: int,
    submit: Callable[[Job], Outcome],
    on_done: Callable[[Outcome], None],
) -> bool:
    """Run ``jobs`` with ``workers`` at a time, recording each failure (or its end) in the study
    file as it comes; False when Ctrl+C or SIGTERM stopped the study (runs still going are
    interrupted and saved by their own processes)."""
    lock = threading.Lock()

    def record(outcome: Outcome) -> None:
        with lock:
            if outcome.code == 0:
                study.failures.pop(outcome.job.name, None)
            elif outcome.code != INTERRUPTED:
                study.failures[outcome.job.name] = outcome.error or f"exit {outcome.code}"
            study.save()
        on_done(outcome)

    executor = ThreadPoolExecutor(max_workers=workers)
    futures: set[Future] = {executor.submit(submit, job) for job in jobs}
    previous = {
        sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        while futures:
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                record(future.result())
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        interrupt_running()
        executor.shutdown(wait=True, cancel_futures=True)
        for future in futures:
            if future.done() and not future.cancelled():
                record(future.result())
        return False
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    executor.shutdown(wait=True)
    return True
