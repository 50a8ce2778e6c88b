import os
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path

import numpy as np
import pytest

# Headless pygame for every test, in this process and in the subprocesses it starts.
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
os.environ.pop("RLGRID_DEBUG", None)
# One torch thread, here (CliRunner trains in this process) and in every subprocess: tests run
# beside other work, where torch's spinning threads slow a training many times over. Set before
# torch is imported, which reads it then; rlgrid.threads takes it as the user's request.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Test folders (tmp_path) on tmpfs where there is one and no TMPDIR says otherwise: rlgrid writes
# every file atomically with fsync, which waits for this machine's disk (2 to 7 ms a file, more
# while other work writes to it; about 900 in the fast set's own process) and not for tmpfs.
if "TMPDIR" not in os.environ and os.access("/dev/shm", os.W_OK | os.X_OK):
    os.environ["TMPDIR"] = tempfile.tempdir = "/dev/shm"

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Load matplotlib once, before any test trains. Every training forks a helper that draws
    its learning curve (``rlgrid.plots.CurvePlotter``) and imports matplotlib first unless the
    process it was forked from has it: loaded here, each of the suite's many in-process trainings
    waits for a drawing only, about half the time of a tiny training (measured: 0.57 CPU-seconds
    in the helper without, 0.24 with)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: F401  (what the helper imports)


@pytest.fixture
def run_rlgrid(tmp_path):
    """Run ``python -m rlgrid ARGS`` as a real subprocess in a temporary folder."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "rlgrid", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
            stdin=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )

    return run


def run_python(code: str) -> str:
    """Run ``code`` in a fresh Python process at the repository root; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


HEAVY_CHECK = (
    "try:\n    app(prog_name='rlgrid')\n"
    "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
    "print('heavy:', [m for m in ('torch', 'pygame', 'stable_baselines3', 'matplotlib')"
    " if m in sys.modules])"
)
"""Appended to code that sets sys.argv and imports app: prints the heavy modules it loaded."""


def interrupt_training(
    args: list[str], ready, deadline: float = 600.0, sig: int | None = None
) -> tuple[int, str]:
    """Start ``python -m rlgrid ARGS`` in its own session, as a shell starts a job; once
    ``ready()`` is true send SIGINT (or ``sig``) to its whole process group, as Ctrl+C in a
    terminal does; return the exit code and stderr.

    The test fails, with the process's stderr, when the process ends before ``ready()`` or
    ``ready()`` is still false after ``deadline`` seconds (generous: a busy machine is slow), and
    when the process does not end within ``deadline`` seconds of the signal. Output goes to files,
    never to pipes nobody reads, which would block the process once full."""
    import signal
    import tempfile
    import time

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:

        def stderr() -> str:
            err.seek(0)
            return err.read().decode(errors="replace")

        process = subprocess.Popen(
            [sys.executable, "-m", "rlgrid", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            start_new_session=True,
        )
        try:
            end = time.monotonic() + deadline
            while not ready():
                if process.poll() is not None:
                    pytest.fail(
                        f"rlgrid {' '.join(args)} ended (exit code {process.returncode}) before "
                        f"it was ready to be interrupted; stderr:\n{stderr()}"
                    )
                if time.monotonic() > end:
                    pytest.fail(
                        f"rlgrid {' '.join(args)} was not ready to be interrupted after "
                        f"{deadline:.0f} s; stderr:\n{stderr()}"
                    )
                time.sleep(0.05)
            os.killpg(process.pid, signal.SIGINT if sig is None else sig)
            try:
                process.wait(timeout=deadline)
            except subprocess.TimeoutExpired:
                pytest.fail(
                    f"rlgrid {' '.join(args)} still ran {deadline:.0f} s after the signal; "
                    f"stderr:\n{stderr()}"
                )
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        return process.returncode, stderr()


def brute_force_distances(free, source):
    rows, cols = free.shape
    dist = np.full(free.shape, -1)
    dist[source] = 0
    queue = deque([source])
    while queue:
        r, c = queue.popleft()
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if 0 <= nr < rows and 0 <= nc < cols and free[nr, nc] and dist[nr, nc] < 0:
                dist[nr, nc] = dist[r, c] + 1
                queue.append((nr, nc))
    return dist


class CreatesAFile:
    """Unpickling this creates a file: what a malicious model would do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))
