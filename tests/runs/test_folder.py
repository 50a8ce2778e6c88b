"""The run folder's contract: made exclusively, a closed world, no leftovers, and resuming from
the newest intact saved state."""

import json

import pytest
from typer.testing import CliRunner

from rlgrid import runs
from rlgrid.cli.app import app
from rlgrid.errors import InvalidValueError


def train(tmp_path, *args):
    return CliRunner().invoke(app, ["train", *args, "--runs-dir", str(tmp_path / "runs")])


def test_a_run_folder_is_never_reused(tmp_path):
    assert runs.create_run(tmp_path, "r", numbered=True) == tmp_path / "r"
    assert runs.create_run(tmp_path, "r", numbered=True) == tmp_path / "r-2"
    with pytest.raises(InvalidValueError, match="r already exists; runs are never overwritten"):
        runs.create_run(tmp_path, "r", numbered=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "r-2"]


@pytest.mark.parametrize("name", ["", ".", "..", ".hidden", "a/b", "a\\b", "tab\there"])
def test_a_run_name_is_one_folder_name(name):
    with pytest.raises(InvalidValueError, match="invalid run name"):
        runs.check_name(name)


def test_a_run_is_found_from_a_file_in_it_or_in_its_checkpoints(tmp_path):
    run = tmp_path / "r"
    (run / runs.CHECKPOINTS).mkdir(parents=True)
    (run / runs.CONFIG).write_text("")
    checkpoint = runs.checkpoint_path(run, "a2c", 2000, ".zip")
    assert checkpoint.name == "a2c_0000002000.zip"
    checkpoint.write_bytes(b"PK")
    assert runs.find_run(checkpoint) == (run, checkpoint)
    assert runs.find_run(run) == (run, None)
    with pytest.raises(runs.RunError, match=r"is not a run folder \(it has no config\.toml\)"):
        runs.find_run(tmp_path)


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


def test_a_pickle_is_never_taken_for_a_model(tmp_path):
    path = tmp_path / "model.zip"
    path.write_bytes(b"\x80\x04\x95")
    with pytest.raises(runs.RunError, match="is a pickle file; rlgrid never unpickles"):
        runs.check_model_file(path)
    with pytest.raises(runs.RunError, match=r"has no model: model\.npz is missing"):
        runs.check_model_file(tmp_path / "model.npz")


def test_the_manifest_is_checked_where_training_reads_it(tmp_path):
    manifest = runs.new_manifest(["rlgrid", "train"], seed=3, algo="q-table")
    runs.update_manifest(tmp_path, manifest, status="completed", episodes=10)
    read = runs.read_manifest(tmp_path)
    assert (read["status"], read["episodes"], read["seed"]) == ("completed", 10, 3)
    assert set(read["versions"]) == {"python", *runs.LIBRARIES}
    runs.update_manifest(tmp_path, manifest, timesteps="many")
    with pytest.raises(runs.RunError, match="not a manifest rlgrid wrote: timesteps is not a num"):
        runs.read_manifest(tmp_path)


@pytest.mark.slow
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


@pytest.mark.slow
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
