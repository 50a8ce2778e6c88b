import json

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.study import Job, Study, StudySpec, command_for

TINY = ["--algo", "a2c,q-table", "--grid", "4x4,5x5", "--reward", "sparse", "--seeds", "2",
        "--timesteps", "1500", "--workers", "2"]  # fmt: skip


def compare(tmp_path, *args):
    return CliRunner().invoke(app, ["compare", "--runs-dir", str(tmp_path), *args])


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    base = tmp_path_factory.mktemp("study")
    result = compare(base, *TINY, "--name", "tiny")
    assert result.exit_code == 0, result.output
    return base / "tiny"


@pytest.mark.slow
def test_tiny_study_writes_every_file_with_the_right_rows(tiny_study):
    names = {p.name for p in tiny_study.iterdir()}
    assert names == {"study.json", "runs", "results.csv", "results.md", "learning_curves.png",
                     "time_to_solve.png"}  # fmt: skip
    runs = sorted(p.name for p in (tiny_study / "runs").iterdir())
    assert len(runs) == 8 and runs[0] == "a2c_4x4_sparse_seed0"
    for run in (tiny_study / "runs").iterdir():
        assert json.loads((run / "manifest.json").read_text())["status"] == "completed"
    lines = (tiny_study / "results.csv").read_text().splitlines()
    assert lines[0].startswith("algo,grid,reward,runs,success rate")
    assert [line.split(",")[:4] for line in lines[1:]] == [
        ["a2c", "4x4", "sparse", "2/2 done"],
        ["a2c", "5x5", "sparse", "2/2 done"],
        ["q-table", "4x4", "sparse", "2/2 done"],
        ["q-table", "5x5", "sparse", "2/2 done"],
    ]
    assert "| algo | grid |" in (tiny_study / "results.md").read_text()


def test_rerunning_the_command_skips_finished_runs(tiny_study):
    manifests = {p.name: (p / "manifest.json").read_text() for p in (tiny_study / "runs").iterdir()}
    result = compare(tiny_study.parent, *TINY, "--name", "tiny")
    assert result.exit_code == 0
    assert "8 finished runs kept, 0 to run" in result.stderr
    after = {p.name: (p / "manifest.json").read_text() for p in (tiny_study / "runs").iterdir()}
    assert after == manifests


def test_report_rebuilds_the_same_table(tiny_study):
    before = (tiny_study / "results.csv").read_text()
    (tiny_study / "results.csv").unlink()
    (tiny_study / "learning_curves.png").unlink()
    result = CliRunner().invoke(app, ["compare", "--report", str(tiny_study)])
    assert result.exit_code == 0, result.output
    assert (tiny_study / "results.csv").read_text() == before
    assert (tiny_study / "learning_curves.png").exists()


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


def test_unfinished_runs_are_resumed_not_restarted(tmp_path):
    spec = StudySpec(["a2c"], ["4x4"], ["sparse"], 1)
    study = Study.create_or_open(tmp_path, "s", spec)
    job = Job("a2c", "4x4", "sparse", 0)
    assert command_for(study, job, study.runs_dir)[3:5] == ["train", "--algo"]
    (study.runs_dir / job.name).mkdir(parents=True)
    (study.runs_dir / job.name / "manifest.json").write_text('{"status": "interrupted"}')
    assert command_for(study, job, study.runs_dir)[3:] == [
        "train",
        "--resume",
        str(study.runs_dir / job.name),
        "--threads",
        "1",
    ]
    other = StudySpec(["ppo"], ["4x4"], ["sparse"], 1)
    with pytest.raises(Exception, match="other settings"):
        Study.create_or_open(tmp_path, "s", other)


@pytest.mark.slow
def test_ray_backend_gives_the_same_table(tiny_study, tmp_path):
    pytest.importorskip("ray")
    result = compare(tmp_path, *TINY, "--name", "tiny", "--backend", "ray")
    assert result.exit_code == 0, result.output

    def columns(folder):  # seconds differ between machines and runs; the rest must not
        return [line.split(",")[:8] for line in (folder / "results.csv").read_text().splitlines()]

    assert columns(tmp_path / "tiny") == columns(tiny_study)
    assert len(list((tmp_path / "tiny" / "runs").iterdir())) == 8


def test_bad_study_settings(tmp_path):
    result = compare(tmp_path, "--algo", "a2c,sarsa")
    assert result.exit_code == 2 and "unknown algorithm 'sarsa'" in result.stderr
    result = compare(tmp_path, "--reward", "potentail")
    assert result.exit_code == 2 and "unknown reward" in result.stderr


@pytest.mark.slow
def test_ctrl_c_stops_the_study_and_keeps_every_run(tmp_path):
    from tests.conftest import interrupt_training

    runs = tmp_path / "s" / "runs"
    args = ["compare", "--algo", "a2c", "--grid", "6x6", "--reward", "sparse", "--seeds", "2",
            "--timesteps", "400000", "--runs-dir", str(tmp_path), "--name", "s"]  # fmt: skip

    def both_training():  # both runs past their first 10,000 steps: a checkpoint file each
        return len({path.parent.parent for path in runs.glob("*/checkpoints/a2c_*.zip")}) == 2

    code, err = interrupt_training(args, both_training)
    assert code == 130, err
    assert "run the same command to resume" in err
    for manifest in runs.glob("*/manifest.json"):
        state = json.loads(manifest.read_text())
        assert state["status"] == "interrupted" and state["timesteps"] >= 10000
    assert json.loads((tmp_path / "s" / "study.json").read_text())["failures"] == {}
