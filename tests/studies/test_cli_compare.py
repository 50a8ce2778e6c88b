"""``rlgrid compare`` as users see it: what it prints, its exit codes, the files it leaves."""

import json

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.studies import compare as compare_module
from rlgrid.studies.execute import Outcome
from tests.studies.conftest import TINY, compare, fake_run, metrics

FAST = ["--algo", "a2c", "--grid", "4x4", "--reward", "sparse", "--seeds", "2", "--name", "s",
        "--workers", "1"]  # fmt: skip


@pytest.fixture
def outcomes(monkeypatch):
    """Fake local workers: a job ends with the exit code (and error line) ``outcomes`` gives it
    by seed, 0 by default; a job that ends with 0 leaves a completed, solved run folder."""
    codes: dict[int, tuple[int, str | None]] = {}

    def run_local(study, job):
        code, error = codes.get(job.seed, (0, None))
        if code == 0:
            fake_run(study.runs_dir / job.name, timesteps=800, seconds=1.5,
                     evaluation=metrics(1.0, 1.02, solved=True))  # fmt: skip
        return Outcome(job, code, error)

    monkeypatch.setattr(compare_module, "run_local", run_local)
    return codes


@pytest.mark.slow
def test_a_finished_study_prints_its_table_and_exits_0(tmp_path, outcomes):
    result = compare(tmp_path, *FAST)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].rstrip() == f"study {tmp_path / 's'}"
    assert "algo" in lines[2] and "seconds to solve" in lines[2]
    row = next(line for line in lines if line.startswith("│ a2c"))
    cells = row.split("│")[1:-1]
    assert [cell.strip() for cell in cells] == [
        "a2c", "4x4", "sparse", "2/2 done", "1.000 (1.000-1.000)", "1.020 (1.020-1.020)", "-",
        "2/2", "800 (800-800)", "1.5 (1.5-1.5)",
    ]  # fmt: skip
    assert cells[0].startswith(" a2c ") and cells[-1].endswith(" 1.5 (1.5-1.5) ")  # justified
    assert lines[-1] == (
        f"results: {tmp_path / 's'}/results.md, results.csv, learning_curves.png, time_to_solve.png"
    )
    assert "failed" not in result.stdout
    assert "kept" not in result.stderr and "interrupted" not in result.stderr


def test_a_failed_run_is_printed_and_the_study_exits_1(tmp_path, outcomes):
    outcomes[1] = (1, "error: the grid needs 90,000 states")
    result = compare(tmp_path, *FAST)
    assert result.exit_code == 1
    assert "1/2 done, 1 failed" in result.stdout
    assert "failed a2c_4x4_sparse_seed1: error: the grid needs 90,000 states" in result.stdout
    assert "interrupted" not in result.stderr


def test_an_interrupted_study_exits_130_and_says_how_to_resume(tmp_path, monkeypatch, outcomes):
    monkeypatch.setattr(compare_module, "execute", lambda *args: False)
    result = compare(tmp_path, *FAST)
    assert result.exit_code == 130
    assert "0/2 done" in result.stdout  # the table comes all the same
    assert result.stderr.splitlines()[-1] == (
        "interrupted: finished runs are kept; run the same command to resume"
    )


def test_rerunning_says_how_many_runs_are_kept(tmp_path, outcomes):
    outcomes[1] = (130, None)
    assert compare(tmp_path, *FAST).exit_code == 0  # interrupted runs are no failures
    outcomes.clear()
    result = compare(tmp_path, *FAST)
    assert result.exit_code == 0
    assert "1 finished runs kept, 1 to run" in result.stderr


def test_report_prints_the_table_and_exits_0_even_with_failures(tmp_path, outcomes):
    outcomes[0] = (1, "boom")
    assert compare(tmp_path, *FAST).exit_code == 1
    (tmp_path / "s" / "results.csv").unlink()
    result = CliRunner().invoke(app, ["compare", "--report", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "failed a2c_4x4_sparse_seed0: boom" in result.stdout
    assert (tmp_path / "s" / "results.csv").exists()


def test_bad_study_settings(tmp_path):
    result = compare(tmp_path, "--algo", "a2c,sarsa")
    assert result.exit_code == 2 and "unknown algorithm 'sarsa'" in result.stderr
    result = compare(tmp_path, "--reward", "potentail")
    assert result.exit_code == 2 and "unknown reward" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_other_settings_under_the_same_name_exit_2(tmp_path, outcomes):
    assert compare(tmp_path, *FAST).exit_code == 0
    result = compare(tmp_path, *FAST[:-2], "--workers", "2", "--seeds", "3")
    assert result.exit_code == 2 and "other settings; use another --name" in result.stderr


# --- real trainings -------------------------------------------------------------------------


@pytest.mark.slow
def test_tiny_study_writes_every_file_with_the_right_rows(tiny_study):
    names = {p.name for p in tiny_study.iterdir()}
    assert names == {"study.json", "runs", "results.csv", "results.md", "learning_curves.png",
                     "time_to_solve.png"}  # fmt: skip
    runs = sorted(p.name for p in (tiny_study / "runs").iterdir())
    assert len(runs) == 4 and runs[0] == "a2c_4x4_sparse_seed0"
    for run in (tiny_study / "runs").iterdir():
        assert json.loads((run / "manifest.json").read_text())["status"] == "completed"
    lines = (tiny_study / "results.csv").read_text().splitlines()
    assert lines[0].startswith("algo,grid,reward,runs,success rate")
    assert [line.split(",")[:4] for line in lines[1:]] == [
        ["a2c", "4x4", "sparse", "1/1 done"],
        ["a2c", "5x5", "sparse", "1/1 done"],
        ["q-table", "4x4", "sparse", "1/1 done"],
        ["q-table", "5x5", "sparse", "1/1 done"],
    ]
    assert "| algo | grid |" in (tiny_study / "results.md").read_text()


@pytest.mark.slow
def test_rerunning_the_command_skips_finished_runs(tiny_study):
    manifests = {p.name: (p / "manifest.json").read_text() for p in (tiny_study / "runs").iterdir()}
    result = compare(tiny_study.parent, *TINY, "--name", "tiny")
    assert result.exit_code == 0
    assert "4 finished runs kept, 0 to run" in result.stderr
    after = {p.name: (p / "manifest.json").read_text() for p in (tiny_study / "runs").iterdir()}
    assert after == manifests


@pytest.mark.slow
def test_report_rebuilds_the_same_table(tiny_study):
    before = (tiny_study / "results.csv").read_text()
    (tiny_study / "results.csv").unlink()
    (tiny_study / "learning_curves.png").unlink()
    result = CliRunner().invoke(app, ["compare", "--report", str(tiny_study)])
    assert result.exit_code == 0, result.output
    assert (tiny_study / "results.csv").read_text() == before
    assert (tiny_study / "learning_curves.png").exists()


@pytest.mark.slow
def test_a_failing_combination_is_reported_while_the_rest_finish(tmp_path):
    args = ["--algo", "q-table", "--grid", "4x4,300x300", "--reward", "sparse", "--seeds", "1",
            "--timesteps", "500", "--name", "f"]  # fmt: skip
    result = compare(tmp_path, *args)
    assert result.exit_code == 1
    study = json.loads((tmp_path / "f" / "study.json").read_text())
    assert list(study["failures"]) == ["q-table_300x300_sparse_seed0"]
    assert "needs" in study["failures"]["q-table_300x300_sparse_seed0"]
    assert (tmp_path / "f" / "runs" / "q-table_4x4_sparse_seed0" / "model.npz").exists()
    assert "Failed runs" in (tmp_path / "f" / "results.md").read_text()
    assert "failed q-table_300x300_sparse_seed0:" in result.stdout


def test_env_studies_take_no_grid(tmp_path):
    from typer.testing import CliRunner

    from rlgrid.cli.app import app

    done = CliRunner().invoke(
        app, ["compare", "--env", "CartPole-v1", "--grid", "6x6", "--runs-dir", str(tmp_path)]
    )
    assert done.exit_code == 2
    assert "--env studies other envs: drop --grid" in done.output
    unknown = CliRunner().invoke(
        app, ["compare", "--env", "NoSuchEnv-v0", "--runs-dir", str(tmp_path)]
    )
    assert unknown.exit_code == 2
    assert "unknown env id 'NoSuchEnv-v0'" in unknown.output
    assert not list(tmp_path.iterdir())
