"""The run folder's guarantees: one writer, a closed world, metrics that survive a crash, and
resuming from the newest intact saved state."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from rlgrid import runs
from rlgrid.cli.app import app
from tests.conftest import REPO


def train(tmp_path, *args):
    return CliRunner().invoke(app, ["train", *args, "--runs-dir", str(tmp_path / "runs")])


def is_held(run):
    """Whether a living process holds ``run``'s lock now (what a second writer would meet)."""
    import fcntl

    try:
        fd = os.open(run / runs.LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def rows(n, start=0):
    return [(i, 10 * (i + 1), 10, 1.0, True, None, 5, 1.0) for i in range(start, start + n)]


def test_metrics_log_appends_and_keeps_only_what_the_saved_state_counts(tmp_path):
    log = runs.MetricsLog(tmp_path, keep=0)
    log.append(rows(5))
    log.sync()
    log.close()
    assert len(runs.read_metrics(tmp_path)) == 5
    with (tmp_path / runs.METRICS).open("a") as stream:
        stream.write("5,60,10,1.0,Tr")  # half a row: the process died while writing it
    assert len(runs.read_metrics(tmp_path)) == 5
    log = runs.MetricsLog(tmp_path, keep=3)  # resuming from a state that had seen 3 episodes
    assert [row[0] for row in log.rows] == [0, 1, 2]
    log.append(rows(2, start=3))
    log.close()
    assert [row[0] for row in runs.read_metrics(tmp_path)] == [0, 1, 2, 3, 4]


def test_metrics_log_refuses_a_file_with_fewer_episodes_than_the_state(tmp_path):
    runs.MetricsLog(tmp_path, keep=0).close()
    with pytest.raises(runs.RunError, match="holds 0 episodes in order, but the run's saved"):
        runs.MetricsLog(tmp_path, keep=4)


def test_a_metrics_field_over_the_csv_limit_is_one_line(tmp_path):
    (tmp_path / runs.METRICS).write_text(
        ",".join(runs.METRIC_COLUMNS) + "\n" + "x" * 200_000 + "\n"
    )
    with pytest.raises(runs.RunError, match="is not a metrics file rlgrid wrote: field larger"):
        runs.read_metrics(tmp_path)


def test_a_second_writer_is_refused_and_told_who_holds_the_run(tmp_path):
    holder = runs.RunLock(tmp_path, ["rlgrid", "train", "--resume", "x"])
    assert is_held(tmp_path)
    code = (
        "import sys; from pathlib import Path; from rlgrid import runs\n"
        f"runs.RunLock(Path({str(tmp_path)!r}), ['second'])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1
    assert f"process {os.getpid()}" in done.stderr
    assert "rlgrid train --resume x" in done.stderr
    holder.release()
    assert not is_held(tmp_path)
    runs.RunLock(tmp_path, ["third"]).release()  # free again once the holder is gone


def test_the_lock_is_dropped_when_its_process_is_killed(tmp_path):
    code = (
        "import time; from pathlib import Path; from rlgrid import runs\n"
        f"lock = runs.RunLock(Path({str(tmp_path)!r}), ['doomed']); print('locked', flush=True)\n"
        "time.sleep(600)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert process.stdout.readline().strip() == "locked"
    assert is_held(tmp_path)
    process.kill()
    process.wait()
    assert not is_held(tmp_path)


def test_links_inside_a_run_are_refused(tmp_path):
    run = tmp_path / "run"
    (run / "inner").mkdir(parents=True)
    runs.check_closed(run)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (run / "inner" / "checkpoints").symlink_to(elsewhere)
    with pytest.raises(runs.RunError, match="checkpoints is a symbolic link"):
        runs.check_closed(run)


def test_clean_up_touches_only_rlgrids_own_names(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    names = ["a2c_0000001000.zip", "a2c_0000002000.zip", "a2c_0000003000.zip",
             "a2c_final.zip", "a2c_1000.zip", "notes.txt", ".model.zip.ab12cd_3.tmp",
             ".keep.tmp", "my.tmp"]  # fmt: skip
    for name in names:
        (folder / name).write_text("x")
    runs.prune_checkpoints(tmp_path, "a2c", ".zip", keep=1)
    assert runs.clean_temp_files(folder) == [".model.zip.ab12cd_3.tmp"]
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(set(names) - {"a2c_0000001000.zip", "a2c_0000002000.zip",
                                        ".model.zip.ab12cd_3.tmp"})  # fmt: skip


def test_training_refuses_a_checkpoints_link_and_deletes_nothing_outside(tmp_path):
    first = train(tmp_path, "--algo", "q-table", "--grid", "4x4", "--episodes", "300",
                  "--name", "r")  # fmt: skip
    assert first.exit_code == 0, first.output
    run = tmp_path / "runs" / "r"
    outside = tmp_path / "mine"
    outside.mkdir()
    precious = outside / "q-table_0000000001.npz"
    precious.write_text("the user's file")
    (run / "checkpoints").symlink_to(outside)
    (run / "manifest.json").write_text(
        (run / "manifest.json").read_text().replace('"completed"', '"interrupted"')
    )
    result = CliRunner().invoke(app, ["train", "--resume", str(run)])
    assert result.exit_code == 1
    assert "checkpoints is a symbolic link" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert precious.read_text() == "the user's file"
    assert CliRunner().invoke(app, ["eval", str(run)]).exit_code == 1


def test_resume_goes_on_from_the_newest_intact_checkpoint(tmp_path):
    # q-table, checkpoints every 2000 episodes; then the model file and the newest checkpoint are
    # lost or broken, as after kill -9 during a write
    args = ["--algo", "q-table", "--grid", "5x5", "--episodes", "8000", "--save-freq", "2000",
            "--name", "r"]  # fmt: skip
    assert train(tmp_path, *args).exit_code == 0
    run = tmp_path / "runs" / "r"
    newest, middle, _ = sorted((run / "checkpoints").iterdir(), reverse=True)
    (run / "model.npz").unlink()
    newest.write_bytes(newest.read_bytes()[:100])  # a torn file
    (run / "checkpoints" / ".q-table_0000009999.npz.x1y2z3ab.tmp").write_bytes(b"half")
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["status"] = "running"  # as a killed process leaves it
    (run / "manifest.json").write_text(json.dumps(manifest))

    evaluated = CliRunner().invoke(app, ["eval", str(run), "--json"])
    assert evaluated.exit_code == 0, evaluated.output  # the newest intact state is evaluated
    resumed = CliRunner().invoke(app, ["train", "--resume", str(run)])
    assert resumed.exit_code == 0, resumed.output
    step = int(middle.stem.split("_")[1])
    assert f"from checkpoints/{middle.name}" in resumed.stderr
    assert f"skipped checkpoints/{newest.name} carries no training state" in resumed.stderr
    assert "the process that trained it died" in resumed.stderr
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["episodes"] == 8000
    metrics = runs.read_metrics(run)
    assert [row[0] for row in metrics] == list(range(8000))
    assert not list((run / "checkpoints").glob("*.tmp"))
    assert step > 0


def test_a_training_that_diverges_stops_and_keeps_its_last_good_checkpoint(tmp_path, monkeypatch):
    import torch

    from rlgrid.algos import sb3

    real = sb3._RunCallback._on_step

    def poisoned(self):  # the weights turn to nan after the checkpoint at step 2000
        if self.num_timesteps >= 3000:
            with torch.no_grad():
                next(self.model.policy.parameters()).fill_(float("nan"))
        return real(self)

    monkeypatch.setattr(sb3._RunCallback, "_on_step", poisoned)
    args = ["--algo", "a2c", "--grid", "4x4", "--timesteps", "20000", "--save-freq", "2000",
            "--n-envs", "8", "--name", "r"]  # fmt: skip
    result = train(tmp_path, *args)
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "training diverged at step" in message
    assert "became nan or inf" in message and "a2c_0000002000.zip" in message
    run = tmp_path / "runs" / "r"
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["a2c_0000002000.zip"]
    assert not (run / "model.zip").exists()
    assert json.loads((run / "manifest.json").read_text())["status"] == "failed"
    evaluated = CliRunner().invoke(app, ["eval", str(run), "--json"])
    assert evaluated.exit_code == 0, evaluated.output  # the good checkpoint is still there


@pytest.mark.slow
def test_dqn_checkpoints_carry_their_replay_buffer(tmp_path):
    from rlgrid.algos.sb3 import SB3Agent
    from rlgrid.training import load_run_config, make_config_env

    args = ["--algo", "dqn", "--grid", "4x4", "--timesteps", "3000", "--save-freq", "1000",
            "--n-envs", "1", "--hp", "learning_starts=100", "--name", "r"]  # fmt: skip
    assert train(tmp_path, *args).exit_code == 0
    run = tmp_path / "runs" / "r"
    config = load_run_config(run)
    path = run / "checkpoints" / "dqn_0000002000.zip"
    agent = SB3Agent.load(config, make_config_env(config), run, path, resume=True)
    assert agent.timesteps == 2000
    buffer = agent.model.replay_buffer
    assert buffer.pos == 1999  # SB3 stores a step after the callback that saved the checkpoint
    assert np.abs(buffer.observations[:1999]).sum() > 0
    assert not buffer.observations[1999:].any()
