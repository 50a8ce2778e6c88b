"""``latest`` names the newest run (as RL Zoo's experiment id 0 does): the README's chain
``rlgrid train ...`` then ``rlgrid eval latest`` evaluates the run just trained even when its
name was taken and it became ``NAME-2``."""

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.errors import InvalidValueError
from rlgrid.runs.folder import resolve_run


def made(runs_dir: Path, name: str, created: str | None, mtime: float = 1_000_000.0) -> Path:
    """A run folder with a config, its manifest created at ``created`` (none: no manifest)."""
    run = runs_dir / name
    run.mkdir(parents=True)
    (run / "config.toml").write_text('algo = "q-table"\n')
    if created is not None:
        (run / "manifest.json").write_text(json.dumps({"created": created, "status": "x"}))
    os.utime(run / "config.toml", (mtime, mtime))
    os.utime(run, (mtime, mtime))
    return run


def test_latest_is_the_run_created_last_by_its_manifest(tmp_path):
    made(tmp_path, "b_old", "2026-01-02T10:00:00+0000", mtime=3_000_000_000)
    newest = made(tmp_path, "a_new", "2026-01-02T12:00:00+0100")  # 11:00 UTC
    made(tmp_path, "c_older", "2026-01-01T23:00:00-0500")  # 04:00 UTC on the 2nd
    assert resolve_run(Path("latest"), tmp_path) == newest


def test_runs_made_in_the_same_second_go_by_when_their_config_was_written(tmp_path):
    made(tmp_path, "x", "2026-01-02T10:00:00+0000", mtime=2_000)
    second = made(tmp_path, "x-2", "2026-01-02T10:00:00+0000", mtime=2_001)
    assert resolve_run(Path("latest"), tmp_path) == second


def test_without_a_manifest_the_folder_time_decides(tmp_path):
    made(tmp_path, "old", None, mtime=1_000)
    newer = made(tmp_path, "new", None, mtime=2_000)
    (tmp_path / "not_a_run").mkdir()  # no config: not a run
    assert resolve_run(Path("latest"), tmp_path) == newer


def test_latest_prefix_picks_among_the_runs_so_named(tmp_path):
    a2c = made(tmp_path, "a2c_1000", "2026-01-02T10:00:00+0000")
    made(tmp_path, "ppo_1000", "2026-01-02T11:00:00+0000")
    assert resolve_run(Path("latest:a2c"), tmp_path) == a2c
    with pytest.raises(InvalidValueError, match=re.escape("holds no run named dqn... yet")):
        resolve_run(Path("latest:dqn"), tmp_path)


def test_a_path_that_exists_wins_and_other_names_pass_through(tmp_path, monkeypatch):
    made(tmp_path / "runs", "a", "2026-01-02T10:00:00+0000")
    monkeypatch.chdir(tmp_path)
    Path("latest").mkdir()  # a folder really called latest
    assert resolve_run(Path("latest"), Path("runs")) == Path("latest")
    assert resolve_run(Path("runs/a"), Path("runs")) == Path("runs/a")
    assert resolve_run(Path("nowhere"), Path("runs")) == Path("nowhere")  # find_run says why


def test_no_run_at_all_is_one_line(tmp_path):
    with pytest.raises(InvalidValueError, match=re.escape(f"{tmp_path / 'none'} holds no run yet")):
        resolve_run(Path("latest"), tmp_path / "none")


# --- on the command line -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_twice(tmp_path_factory):
    """Two trainings with the same default name in runs/ of a folder of their own:
    q-table_300ep and q-table_300ep-2 (shared: the tests below only read them)."""
    folder = tmp_path_factory.mktemp("latest")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for _ in range(2):
            done = CliRunner().invoke(app, ["train", "--grid", "4x5", "--episodes", "300"])
            assert done.exit_code == 0, done.output
    return folder


@pytest.fixture
def two_runs(trained_twice, monkeypatch):
    """The newest of the two runs, as named from the folder that holds runs/."""
    monkeypatch.chdir(trained_twice)
    return Path("runs/q-table_300ep-2")


def test_eval_latest_evaluates_the_run_just_trained(two_runs):
    done = CliRunner().invoke(app, ["eval", "latest"])
    assert done.exit_code == 0, done.output
    assert done.stderr.strip() == f"latest: {two_runs}"
    assert done.stdout.startswith(f"{two_runs}: greedy evaluation")
    as_json = CliRunner().invoke(app, ["eval", "latest", "--json"])
    assert json.loads(as_json.stdout)["episodes"] == 12  # stdout stays one JSON object


def test_render_and_resume_read_latest_too(two_runs):
    done = CliRunner().invoke(app, ["render", "latest:q-table", "--policy-map", "-"])
    assert done.exit_code == 0, done.output
    assert f"latest:q-table: {two_runs}" in done.stderr
    resumed = CliRunner().invoke(app, ["train", "--resume", "latest"])
    assert f"latest: {two_runs}" in resumed.stderr
    assert f"{two_runs} has already completed" in resumed.stderr  # the newest run, resolved
    assert resumed.exit_code == 1


def test_no_run_there_is_one_line_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["eval", "latest"], ["train", "--resume", "latest", "--runs-dir", "elsewhere"]):
        done = CliRunner().invoke(app, args)
        assert done.exit_code == 2
        assert len(done.stderr.strip().splitlines()) == 1
        assert "holds no run yet: nothing for latest to name" in done.stderr
