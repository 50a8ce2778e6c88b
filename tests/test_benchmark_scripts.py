"""The scripts in benchmarks/ run (tiny sizes): a benchmark nobody can run measures nothing."""

import subprocess
import sys

import pytest

from tests.conftest import REPO


def run_script(*args):
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=REPO, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow  # a process that trains, beside the seed's loop
def test_qtable_speed_script():
    out = run_script("benchmarks/qtable_speed.py", "--grid", "4x5", "--episodes", "300",
                     "--repeats", "1")  # fmt: skip
    assert "seed run_q, 300 episodes" in out
    assert "rlgrid q-table" in out and "12/12" in out


@pytest.mark.slow
def test_startup_script():
    out = run_script("benchmarks/startup.py", "--repeats", "1")
    assert "rlgrid --help" in out and "x python floor" in out


@pytest.mark.slow
def test_threads_script():
    # one training beside the script's burner (each training is a process that loads torch)
    out = run_script("benchmarks/threads.py", "--quick", "--cases", "a2c 6x6 preset",
                     "--conditions", "burner", "--policies", "auto")  # fmt: skip
    assert "a2c 6x6 preset" in out and "x best" in out
    assert "auto: busy: worst" in out


@pytest.mark.slow
def test_chaos_script(tmp_path):
    out = run_script("benchmarks/chaos.py", "--trials", "1", "--backends", "q-table",
                     "--no-disk-full", "--out", str(tmp_path))  # fmt: skip
    assert "q-table #0: ok" in out
    table = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert table["overall"][1] == "1" and table["overall"][8] == "0"  # one trial, none lost


@pytest.mark.slow  # a process that trains
def test_toy_text_script():
    out = run_script("benchmarks/toy_text.py", "--cases", "FrozenLake-v1:is_slippery=false",
                     "--seeds", "1", "--episodes", "2000", "--eval-episodes", "100")  # fmt: skip
    row = next(line for line in out.splitlines() if line.startswith("│ FrozenLake-v1:is_slip"))
    assert "1.0000 ± 0.0000" in row and "1/1" in row and "2,000" in row  # solved, exactly


@pytest.mark.slow  # a process that loads torch: about 3 CPU-seconds, half a second of training
def test_sb3_gym_make_script():
    out = run_script("benchmarks/sb3_gym_make.py", "--grid", "4x5", "--seeds", "1",
                     "--cases", "offset:potential", "--budget", "20000")  # fmt: skip
    row = next(line for line in out.splitlines() if line.startswith("│ offset"))
    assert "1/1" in row  # A2C solves the 4x5 warehouse through gym.make's obs and reward
