"""The scripts in benchmarks/ run (tiny sizes): a benchmark nobody can run measures nothing."""

import subprocess
import sys

from tests.conftest import REPO


def run_script(*args):
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=REPO, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_qtable_speed_script():
    out = run_script("benchmarks/qtable_speed.py", "--grid", "4x5", "--episodes", "300",
                     "--repeats", "1")  # fmt: skip
    assert "seed run_q, 300 episodes" in out
    assert "rlgrid q-table" in out and "12/12" in out


def test_startup_script():
    out = run_script("benchmarks/startup.py", "--repeats", "1")
    assert "rlgrid --help" in out and "x python floor" in out
