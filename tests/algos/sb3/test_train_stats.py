"""train_stats.csv: SB3's train/ statistics recorded in the run folder, thinned, kept on
resume, read back with a torn last line left out."""

import math

import pytest
from typer.testing import CliRunner

from rlgrid.algos.base import Hooks
from rlgrid.algos.sb3.train_stats import (
    ROW_STEPS,
    ROW_UPDATES,
    TRAIN_STATS,
    TrainStatsLog,
    read_train_stats,
)
from rlgrid.cli.app import app
from rlgrid.runs import RunError
from tests.masked_env import MASKED_ID

NEVER = Hooks(should_stop=lambda: False, report=lambda episodes, steps: None)

RUNS = {
    "a2c": (["--grid", "4x5"], ("entropy_loss", "policy_loss", "value_loss")),
    "ppo": (["--grid", "4x5", "--hp", "n_steps=64"], ("entropy_loss", "approx_kl", "value_loss")),
    "dqn": (["--grid", "4x5", "--n-envs", "1", "--hp", "learning_starts=100"], ("loss",)),
    "maskable-ppo": (
        ["--env", f"tests.masked_env:{MASKED_ID}", "--hp", "n_steps=64"],
        ("entropy_loss", "clip_fraction", "value_loss"),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("algo", list(RUNS))
def test_a_run_records_finite_rows_whose_steps_increase(tmp_path, algo):
    flags, keys = RUNS[algo]
    args = ["train", "--runs-dir", str(tmp_path), "--name", "r", "--algo", algo, *flags]
    result = CliRunner().invoke(app, [*args, "--timesteps", "4000"])
    assert result.exit_code == 0, result.output
    rows = read_train_stats(tmp_path / "r")
    assert len(rows) >= 3
    steps = [row["timesteps"] for row in rows]
    updates = [row["n_updates"] for row in rows]
    assert steps == sorted(set(steps)) and updates == sorted(set(updates))
    assert steps[-1] <= 4000
    for row in rows:
        assert {"learning_rate", *keys} <= row.keys()
        # explained variance is nan where every return of a rollout is the same
        assert all(math.isfinite(v) for k, v in row.items() if k != "explained_variance")
    gaps = zip(steps[1:-1], steps[:-2], updates[1:-1], updates[:-2], strict=True)
    assert all(s - s0 >= ROW_STEPS or u - u0 >= ROW_UPDATES for s, s0, u, u0 in gaps)


@pytest.mark.slow
def test_a_resumed_run_keeps_the_rows_of_the_state_it_resumes_from(tmp_path):
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.config import build_config
    from rlgrid.training.states import training_envs

    config = build_config(None, {"algo": "a2c", "env.grid": "4x5", "timesteps": 5000}, {})
    first = SB3Agent(config, training_envs(config))
    stop = Hooks(should_stop=lambda: first.timesteps >= 2500, report=lambda e, t: None)
    assert not first.learn(tmp_path, stop)
    first.save(tmp_path)
    before = read_train_stats(tmp_path)
    assert before[-1]["n_updates"] <= first.model._n_updates
    # rows of updates the saved state does not count, as a process that died would leave them
    with (tmp_path / TRAIN_STATS).open("a") as stream:
        stream.write(f"{first.timesteps + 80},{first.model._n_updates + 1},{',' * 5}\n")

    resumed = SB3Agent.load(config, training_envs(config), tmp_path, resume=True)
    assert resumed.learn(tmp_path, NEVER)
    after = read_train_stats(tmp_path)
    assert after[: len(before)] == before
    assert len(after) > len(before)
    steps = [row["timesteps"] for row in after]
    assert steps == sorted(set(steps))


def test_rows_are_thinned_and_the_last_updates_written_at_close(tmp_path):
    log = TrainStatsLog(tmp_path, "dqn", 0, 0)
    for updates in range(1, 501):  # dqn: an update every 4 steps
        log.record(100 + 4 * updates, updates, {"train/loss": 0.5, "train/learning_rate": 1e-4})
    log.close()
    rows = read_train_stats(tmp_path)
    assert [row["n_updates"] for row in rows] == [100, 200, 300, 400, 500]
    assert rows[0] == {"timesteps": 500, "n_updates": 100, "loss": 0.5, "learning_rate": 1e-4}

    log = TrainStatsLog(tmp_path, "dqn", 2100, 520)
    log.record(2120, 521, {"train/loss": 0.25})  # not enough for a row until closed
    assert len(read_train_stats(tmp_path)) == 5
    log.record(2120, 521, {"train/loss": 9.0})  # no new update: nothing new
    log.close()
    assert read_train_stats(tmp_path)[-1] == {"timesteps": 2120, "n_updates": 521, "loss": 0.25}


def test_opening_keeps_only_the_rows_the_state_counts(tmp_path):
    log = TrainStatsLog(tmp_path, "a2c", 0, 0)
    for updates in range(1, 5):
        log.record(1000 * updates, updates, {"train/value_loss": float(updates)})
    log.close()
    TrainStatsLog(tmp_path, "a2c", 2500, 2).close()
    assert [row["n_updates"] for row in read_train_stats(tmp_path)] == [1, 2]
    assert (tmp_path / TRAIN_STATS).read_text().splitlines()[0] == (
        "timesteps,n_updates,learning_rate,entropy_loss,policy_loss,value_loss,"
        "explained_variance,std"
    )


def test_non_finite_values_are_kept_and_a_torn_last_line_left_out(tmp_path):
    log = TrainStatsLog(tmp_path, "ppo", 0, 0)
    nan, inf = float("nan"), float("inf")
    log.record(2048, 10, {"train/value_loss": inf, "train/entropy_loss": nan, "rollout/x": 1.0})
    log.close()
    with (tmp_path / TRAIN_STATS).open("a") as stream:
        stream.write("4096,20,0.0003,-1.3")  # a crash in the middle of a line
    (row,) = read_train_stats(tmp_path)
    assert row["value_loss"] == inf and math.isnan(row["entropy_loss"])
    assert set(row) == {"timesteps", "n_updates", "value_loss", "entropy_loss"}


NOT_OURS = ["steps,updates\n1,2\n", "timesteps,n_updates,loss\n1,2\n", "timesteps,n_updates\nx,1\n"]


@pytest.mark.parametrize("text", NOT_OURS)
def test_a_file_rlgrid_did_not_write_is_one_line_naming_it(tmp_path, text):
    (tmp_path / TRAIN_STATS).write_text(text)
    with pytest.raises(RunError, match=r"train_stats\.csv is not a training statistics file"):
        read_train_stats(tmp_path)
    assert read_train_stats(tmp_path / "none") == []


def test_a_named_pipe_is_refused_not_read(tmp_path):
    import os

    os.mkfifo(tmp_path / TRAIN_STATS)
    with pytest.raises(RunError, match="is a named pipe"):
        read_train_stats(tmp_path)
