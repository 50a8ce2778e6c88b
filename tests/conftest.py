import os
import subprocess
import sys
from pathlib import Path

import pytest

# Headless pygame for every test, in this process and in the subprocesses it starts.
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
os.environ.pop("RLGRID_DEBUG", None)

REPO = Path(__file__).resolve().parent.parent


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


def interrupt_training(args: list[str], ready) -> tuple[int, str]:
    """Start ``python -m rlgrid ARGS``, send SIGINT once ``ready()`` is true, return its exit code
    and stderr."""
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "rlgrid", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    deadline = time.time() + 120
    while not ready() and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    return process.returncode, err
