"""Hostile and broken input: loading a run never imports or unpickles what it names, the current
folder is never searched for code, and every bad value or failing machine is one line with the
right exit code (never "internal error", never a dump of many lines)."""

import errno
import io
import os
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlgrid import runs
from rlgrid.cli.app import app
from tests.conftest import REPO

ISOLATED = [sys.executable, "-I", "-m", "rlgrid"]
"""rlgrid from the installed package only: no current folder, no PYTHONPATH."""


class CreatesAFile:
    """Unpickling this creates a file: what a malicious model would do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def one_line(result_or_text, code: int | None = None) -> str:
    """The single error line of a CliRunner result or a subprocess's stderr."""
    if isinstance(result_or_text, str):
        text = result_or_text
    else:
        text = result_or_text.stderr
        if code is not None:
            assert result_or_text.exit_code == code, result_or_text.output
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("error: "), text
    assert "internal error" not in lines[0]
    return lines[0]


def subprocess_rlgrid(args, cwd, command=None, env=None, timeout=120):
    return subprocess.run(
        [*(command or [sys.executable, "-m", "rlgrid"]), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def qtable_run(tmp_path_factory):
    runs_dir = tmp_path_factory.mktemp("qtable")
    args = ["--algo", "q-table", "--grid", "3x3", "--episodes", "50", "--runs-dir", str(runs_dir)]
    result = invoke("train", *args, "--name", "r")
    assert result.exit_code == 0, result.output
    return runs_dir / "r"


@pytest.fixture(scope="module")
def a2c_run(tmp_path_factory):
    runs_dir = tmp_path_factory.mktemp("a2c")
    args = ["--algo", "a2c", "--grid", "3x3", "--timesteps", "200", "--hp", "n_steps=5"]
    result = invoke("train", *args, "--runs-dir", str(runs_dir), "--name", "r")
    assert result.exit_code == 0, result.output
    return runs_dir / "r"


def copy_run(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / run.name))


# --- code is never imported from the current folder or from a run ---------------------------------


@pytest.mark.slow
def test_env_module_is_never_imported_from_the_current_folder(tmp_path):
    marker = tmp_path / "imported"
    (tmp_path / "mymod.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    done = subprocess_rlgrid(["check-env", "--env", "mymod:Mine-v0"], tmp_path, ISOLATED)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert "cannot import module 'mymod'" in line and "PYTHONPATH=." in line
    assert not marker.exists()
    # on PYTHONPATH, as the message says, it is imported (and the id it did not register is named)
    pythonpath = f"{tmp_path}{os.pathsep}{REPO}"
    done = subprocess_rlgrid(["check-env", "--env", "mymod:Mine-v0"], tmp_path, env={
        "PYTHONPATH": pythonpath})  # fmt: skip
    assert done.returncode == 2
    assert "unknown env id 'Mine-v0'" in one_line(done.stderr)
    assert marker.exists()


def test_an_env_module_that_fails_on_import_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "hostile_broken_mod.py").write_text("raise ValueError('boom\\nsecond line')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = invoke("check-env", "--env", "hostile_broken_mod:X-v0")
    assert one_line(result, 1) == (
        "error: env 'hostile_broken_mod:X-v0': importing module 'hostile_broken_mod' failed: "
        "ValueError: boom"
    )


def evil_run(qtable_run: Path, tmp_path: Path) -> tuple[Path, Path]:
    run = copy_run(qtable_run, tmp_path)
    config = (run / "config.toml").read_text()
    assert 'id = "rlgrid/Warehouse-v0"' in config
    config = config.replace('id = "rlgrid/Warehouse-v0"', 'id = "evilmod:rlgrid/Warehouse-v0"')
    (run / "config.toml").write_text(config)
    marker = tmp_path / "evil_ran"
    (run / "evilmod.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    return run, marker


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "."],
        ["render", ".", "--ansi", "--episodes", "1", "--fps", "100"],
        ["train", "--resume", "."],
    ],
)
@pytest.mark.slow
def test_loading_a_run_never_imports_the_module_its_config_names(qtable_run, tmp_path, args):
    run, marker = evil_run(qtable_run, tmp_path)
    # python -m puts the current folder, the run folder, first on sys.path: evilmod is importable
    done = subprocess_rlgrid(args, cwd=run)
    assert done.returncode == 1, done.stderr
    assert one_line(done.stderr) == (
        "error: config.toml names the module 'evilmod'; loading a run never imports what it "
        "names: pass --trust-env-module if you trust this run"
    )
    assert not marker.exists()


def test_trust_env_module_imports_it(qtable_run, tmp_path):
    run, marker = evil_run(qtable_run, tmp_path)
    done = subprocess_rlgrid(["eval", ".", "--trust-env-module", "--json"], cwd=run)
    assert done.returncode == 0, done.stderr
    assert '"success_rate"' in done.stdout
    assert marker.exists()


@pytest.mark.slow
def test_study_workers_never_import_from_the_current_folder(tmp_path):
    marker = tmp_path / "shadowed"
    (tmp_path / "numpy.py").write_text(
        f"open({str(marker)!r}, 'a').write('numpy')\nraise ImportError('not numpy')\n"
    )
    (tmp_path / "rlgrid").mkdir()
    (tmp_path / "rlgrid" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'a').write('rlgrid')\nraise ImportError('not rlgrid')\n"
    )
    args = ["compare", "--algo", "q-table", "--grid", "3x3", "--reward", "sparse", "--seeds", "1",
            "--timesteps", "200", "--workers", "1", "--runs-dir", "out", "--name", "s"]  # fmt: skip
    done = subprocess_rlgrid(args, tmp_path, ISOLATED)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    rows = (tmp_path / "out" / "s" / "results.csv").read_text().splitlines()
    assert rows[1].startswith("q-table,3x3,sparse,1/1 done")


# --- bad values: one line, before any run folder --------------------------------------------------


@pytest.mark.parametrize(
    ("algo", "hp", "message"),
    [
        ("a2c", "gamma=abc", "'gamma' must be a number, not 'abc'"),
        ("a2c", "gamma=[1,", "not a valid TOML value"),
        ("a2c", 'gamma="0.9', "not a valid TOML value"),
        ("a2c", "n_steps=2.5", "'n_steps' must be a whole number"),
        ("a2c", "use_rms_prop=1", "'use_rms_prop' must be true or false"),
        ("a2c", "learning_rate=inf", "'learning_rate' must be a finite number"),
        ("a2c", "gamma=nan", "'gamma' must be a finite number"),
        ("ppo", "policy_kwargs={a=-inf}", "'policy_kwargs' must be a finite number"),
        ("a2c", "n_envs=inf", "n_envs"),
        ("q-table", "learning_rate=inf", "finite number"),
        ("q-table", "gamma=nan", "finite number"),
        ("q-table", "gamma=abc", "valid number"),
        ("a2c", "n_steps=0", "'n_steps' must be at least 1, not 0"),
        ("dqn", "train_freq=0", "'train_freq' must be at least 1, not 0"),
        ("dqn", "batch_size=0", "'batch_size' must be at least 1, not 0"),
        ("a2c", "learning_rate=1e9", "'learning_rate' = 1000000000.0 is outside (0, 1]"),
    ],
)
def test_bad_hyperparameters_are_one_line_before_any_folder(tmp_path, algo, hp, message):
    budget = ["--episodes", "10"] if algo == "q-table" else ["--timesteps", "100"]
    runs_dir = tmp_path / "runs"
    result = invoke("train", "--algo", algo, *budget, "--hp", hp, "--runs-dir", str(runs_dir))
    assert message in one_line(result, 2)
    assert not runs_dir.exists()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('algo = "a2c"\ntimesteps = 100\n[a2c]\ngamma = "x"\n', "'gamma' must be a number"),
        ('algo = "a2c"\ntimesteps = 100\n[a2c]\nlearning_rate = inf\n', "finite number"),
        ('algo = "q-table"\nepisodes = 10\n[q-table]\ngamma = nan\n', "finite number"),
        ('algo = "q-table"\nepisodes = 10\n[eval]\nmax_ratio = inf\n', "finite number"),
        ('algo = "q-table"\nepisodes = 10\n[shaping]\nproximity = nan\n', "finite number"),
    ],
)
def test_bad_preset_values_are_one_line_before_any_folder(tmp_path, table, message):
    preset = tmp_path / "preset.toml"
    preset.write_text(table)
    runs_dir = tmp_path / "runs"
    result = invoke("train", "--config", str(preset), "--runs-dir", str(runs_dir))
    line = one_line(result, 2)
    assert line.startswith(f"error: {preset}") and message in line
    assert not runs_dir.exists()


# --- run folders that cannot be created -----------------------------------------------------------


def train_qtable(*args: str):
    return invoke("train", "--algo", "q-table", "--grid", "3x3", "--episodes", "5", *args)


@pytest.mark.parametrize(
    ("runs_dir", "message"),
    [
        ("afile", "cannot use {} as the runs folder: it is a file"),
        ("afile/sub", "cannot create the runs folder {}: a part of its path is a file"),
    ],
)
def test_runs_dir_that_cannot_be_a_folder(tmp_path, runs_dir, message):
    (tmp_path / "afile").write_text("not a folder")
    path = tmp_path / runs_dir
    result = train_qtable("--runs-dir", str(path))
    assert one_line(result, 1) == f"error: {message.format(path)}"
    assert (tmp_path / "afile").read_text() == "not a folder"


@pytest.mark.slow
def test_missing_runs_dir_parents_are_created(tmp_path):
    result = train_qtable("--runs-dir", str(tmp_path / "a" / "b"), "--name", "r")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "b" / "r" / "model.npz").is_file()


def test_a_name_longer_than_the_file_system_allows(tmp_path):
    result = train_qtable("--runs-dir", str(tmp_path / "runs"), "--name", "n" * 1000)
    line = one_line(result, 2)
    assert "(1000 characters) is longer than the file system allows" in line
    assert len(line) < 200
    assert list((tmp_path / "runs").iterdir()) == []


# --- render outputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "target", "message"),
    [
        ("--record", "folder.gif", "--record {} is a folder: give a file name in it"),
        ("--record", "afile/x.gif", "--record {}: {} is a file, not a folder"),
        ("--record", "afile/deeper/x.gif", "--record {}: {} is a file, not a folder"),
    ],
)
def test_render_refuses_outputs_it_cannot_write(tmp_path, option, target, message):
    (tmp_path / "folder.gif").mkdir()
    (tmp_path / "afile").write_text("")
    path = tmp_path / target
    result = invoke("render", option, str(path), "--episodes", "1")
    assert one_line(result, 2) == "error: " + message.format(path, tmp_path / "afile")


def test_render_policy_map_below_a_file(qtable_run, tmp_path):
    (tmp_path / "afile").write_text("")
    path = tmp_path / "afile" / "map.png"
    result = invoke("render", str(qtable_run), "--policy-map", str(path))
    assert (
        one_line(result, 2)
        == f"error: --policy-map {path}: {tmp_path / 'afile'} is a file, not a folder"
    )


def test_render_record_creates_missing_folders(tmp_path):
    path = tmp_path / "new" / "deeper" / "out.gif"
    result = invoke("render", "--record", str(path), "--episodes", "1")
    assert result.exit_code == 0, result.output
    assert path.read_bytes()[:3] == b"GIF"


# --- model files that are not files, or that carry code -------------------------------------------


def test_fifo_model_is_refused_at_once(qtable_run, tmp_path):
    run = copy_run(qtable_run, tmp_path)
    (run / "model.npz").unlink()
    os.mkfifo(run / "model.npz")
    done = subprocess_rlgrid(["eval", str(run)], tmp_path, timeout=60)  # a block would time out
    assert done.returncode == 1, done.stderr
    assert one_line(done.stderr) == (
        f"error: {run / 'model.npz'} is a named pipe, not a file rlgrid wrote; it was not read"
    )


@pytest.mark.slow
def test_fifo_sb3_model_is_refused_at_once(a2c_run, tmp_path):
    run = copy_run(a2c_run, tmp_path)
    (run / "model.zip").unlink()
    os.mkfifo(run / "model.zip")
    done = subprocess_rlgrid(["eval", str(run)], tmp_path, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "is a named pipe" in one_line(done.stderr)


def test_model_linked_to_a_device_is_refused_at_once(qtable_run, tmp_path):
    run = copy_run(qtable_run, tmp_path)
    (run / "model.npz").unlink()
    (run / "model.npz").symlink_to("/dev/zero")
    done = subprocess_rlgrid(["eval", str(run)], tmp_path, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "model.npz" in one_line(done.stderr)


@pytest.mark.parametrize("name", ["/dev/zero", "link", "folder"])
def test_check_model_file_takes_regular_files_only(tmp_path, name):
    (tmp_path / "link").symlink_to("/dev/zero")
    (tmp_path / "folder").mkdir()
    path = tmp_path / name if name != "/dev/zero" else Path(name)
    with pytest.raises(runs.RunError, match=r"is a (device|folder), not a file rlgrid wrote"):
        runs.check_model_file(path)


def with_member(model: Path, member: str, content: bytes) -> None:
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(model) as source, zipfile.ZipFile(rebuilt, "w") as target:
        names = source.namelist()
        assert member in names
        for item in source.infolist():
            target.writestr(item, content if item.filename == member else source.read(item))
    model.write_bytes(rebuilt.getvalue())


@pytest.mark.parametrize(
    ("member", "how"),
    [("policy.pth", "pickle"), ("policy.pth", "torch"), ("policy.optimizer.pth", "torch")],
)
@pytest.mark.slow
def test_a_pth_holding_code_is_refused_in_one_line(a2c_run, tmp_path, member, how):
    import torch

    run = copy_run(a2c_run, tmp_path)
    marker = tmp_path / "pwned"
    if how == "pickle":
        payload = pickle.dumps(CreatesAFile(marker))
    else:
        buffer = io.BytesIO()
        torch.save(CreatesAFile(marker), buffer)
        payload = buffer.getvalue()
    with_member(run / "model.zip", member, payload)
    result = invoke("eval", str(run))
    assert one_line(result, 1) == (
        f"error: {run / 'model.zip'}: {member} holds pickled code, which rlgrid never runs; "
        "it was not loaded"
    )
    assert not marker.exists()


# --- run files of the wrong shape -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "its top level is a list, not an object"),
        ('"text"', "its top level is a string, not an object"),
    ],
)
def test_read_json_wants_an_object(tmp_path, content, message):
    (tmp_path / "m.json").write_text(content)
    with pytest.raises(runs.RunError, match=message):
        runs.read_json(tmp_path / "m.json")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('{"status": "interrupted", "history": 5}', "history is not a list of objects"),
        ('{"status": 3, "history": []}', "status is not text"),
        ('{"status": "interrupted", "history": [], "seconds": "x"}', "seconds is not a number"),
        ("[]", "its top level is a list"),
    ],
)
def test_read_manifest_checks_what_training_reads(tmp_path, manifest, message):
    (tmp_path / "manifest.json").write_text(manifest)
    with pytest.raises(runs.RunError, match=message):
        runs.read_manifest(tmp_path)


def test_read_manifest_takes_a_real_one(qtable_run):
    manifest = runs.read_manifest(qtable_run)
    assert manifest["status"] == "completed" and len(manifest["history"]) == 1


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("[]", "its top level is a list, not an object"),
        ('{"status": "interrupted", "history": 5}', "history is not a list of objects"),
    ],
)
@pytest.mark.slow
def test_resume_with_a_broken_manifest_is_one_line(qtable_run, tmp_path, manifest, message):
    run = copy_run(qtable_run, tmp_path)
    (run / "manifest.json").write_text(manifest)
    result = invoke("train", "--resume", str(run))
    assert message in one_line(result, 1)


# --- the machine fails: full disk, read-only file system, no permission ---------------------------


@pytest.mark.parametrize("code", ["ENOSPC", "EROFS", "EACCES", "EDQUOT"])
def test_machine_errors_are_one_line(monkeypatch, tmp_path, code):
    from rlgrid.training import assess

    number = getattr(errno, code)
    path = tmp_path / "runs" / "x" / "model.zip"

    def fails(*args, **kwargs):
        raise OSError(number, os.strerror(number), str(path))

    monkeypatch.setattr(assess, "evaluate_run", fails)
    result = invoke("eval", str(tmp_path))
    verb = "access" if code == "EACCES" else "write"
    assert one_line(result, 1) == f"error: cannot {verb} {path}: {os.strerror(number)}"


def test_a_full_disk_while_recording_names_the_file(monkeypatch, tmp_path):
    def full(source, target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(source), None, str(target))

    monkeypatch.setattr(os, "replace", full)
    path = tmp_path / "out.gif"
    result = invoke("render", "--record", str(path), "--episodes", "1")
    assert one_line(result, 1) == f"error: cannot write {path}: No space left on device"
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too


def test_other_errors_stay_internal_but_on_one_line(monkeypatch, tmp_path):
    from rlgrid.training import assess

    def fails(*args, **kwargs):
        raise ValueError("first line\nsecond line\nthird line")

    monkeypatch.setattr(assess, "evaluate_run", fails)
    result = invoke("eval", str(tmp_path))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: internal error: ValueError: first line")
