import numpy as np
import pytest
from typer.testing import CliRunner

from rlgrid import bench
from rlgrid.cli.app import app
from rlgrid.envs.layout import GridSize
from rlgrid.reference import seed_targets_solved


def test_env_throughput_measures_every_env():
    measures = bench.env_throughput(GridSize(5, 5), repeats=2, seconds=0.02)
    names = [m.name for m in measures]
    assert names[0].startswith("seed env") and names[1].startswith("rlgrid env")
    assert names[2:] == [f"rlgrid batched env, N={n}" for n in bench.BATCH_SIZES]
    assert all(len(m.values) == 2 and min(m.values) > 0 for m in measures)


def toward(obs):
    """The oracle on the seed env's observations: close the row gap, then the column gap."""
    obs = np.asarray(obs)
    dr, dc = obs[:, 2] - obs[:, 0], obs[:, 3] - obs[:, 1]
    return np.where(dr > 0, 1, np.where(dr < 0, 3, np.where(dc > 0, 2, 0)))


def test_reference_judge_of_solved():
    assert seed_targets_solved(toward, 6, 7)
    assert not seed_targets_solved(lambda obs: np.zeros(len(obs), dtype=int), 6, 7)
    assert not seed_targets_solved(detour, 6, 7)  # reaches every target, the long way round
    assert seed_targets_solved(detour, 6, 7, max_ratio=10.0)


def detour(obs):
    """Down to the last row, right to the target's column, then up: always arrives, late."""
    r, c, tr, tc = np.asarray(obs).T
    return np.where(c < tc, np.where(r < 5, 1, 2), np.where(r > tr, 3, np.where(r < tr, 1, 0)))


def test_time_to_solve_counts_unsolved_runs_honestly():
    summary = bench.SolveSummary("x")
    summary.results = [
        bench.SolveResult("x", 0, 2000, 0.2, 3.0),
        bench.SolveResult("x", 1, None, 9.0, 12.0),
        bench.SolveResult("x", 2, 4000, 0.4, 3.4),
    ]
    row = summary.row()
    assert row["solved"] == "2/3"
    assert row["steps"] == "3,000"
    assert summary.medians() == (0.30000000000000004, 3.2)
    summary.results[2] = bench.SolveResult("x", 2, None, 9.0, 12.0)
    assert summary.medians() == (None, None)  # most seeds did not solve: no median time


@pytest.mark.slow
def test_rlgrid_solve_runs_a_whole_process():
    result = bench.rlgrid_solve("a2c", GridSize(4, 4), "default", 0, 20000, 300)
    assert result.solved_at is not None and result.solved_at <= 20000
    assert result.process_seconds > result.train_seconds > 0


def test_bench_rejects_unknown_parts():
    result = CliRunner().invoke(app, ["bench", "--only", "everything"])
    assert result.exit_code == 2
    assert "choose env, solve or presets" in result.stderr
