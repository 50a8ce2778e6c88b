"""rlgrid.threads: how many torch threads a training gets, and that q-table never loads torch."""

import os
import sys

import pytest
from typer.testing import CliRunner

from rlgrid import threads
from rlgrid.cli.app import app
from rlgrid.config import build_config
from tests.conftest import HEAVY_CHECK, run_python


@pytest.fixture
def fresh(monkeypatch):
    """No OMP_NUM_THREADS from the user, and nothing written by an earlier apply()."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.setattr(threads, "_written", None)


def test_one_thread_by_default_as_measured(fresh):
    assert threads.choose(None) == (1, "default: one thread (see benchmarks/threads.py)")


def test_a_request_wins(fresh, monkeypatch):
    assert threads.choose(3) == (3, "requested")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert threads.choose(None) == (2, "OMP_NUM_THREADS")
    assert threads.choose(1) == (1, "requested")
    monkeypatch.setenv("OMP_NUM_THREADS", "nonsense")
    assert threads.choose(None)[0] == 1


def test_what_apply_wrote_is_not_taken_for_a_request(fresh, monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # as if torch were not loaded yet
    assert threads.apply(3) == {"torch": 3, "why": "requested"}
    assert os.environ["OMP_NUM_THREADS"] == "3"  # for torch to read when it loads
    assert threads.apply(None)["torch"] == 1  # rlgrid's own 3 is no request of the user's
    assert os.environ["OMP_NUM_THREADS"] == "1"


def test_apply_sets_torch_when_it_is_loaded(fresh):
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        assert threads.apply(2)["torch"] == 2
        assert torch.get_num_threads() == 2
        assert threads.apply(None)["torch"] == 1
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_threads_config_key_and_flag(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text('algo = "a2c"\ntimesteps = 100\nthreads = 2\n')
    assert build_config(preset, {}, {}).threads == 2
    assert build_config(preset, {"threads": 1}, {}).threads == 1
    assert build_config(None, {"algo": "a2c"}, {}).threads is None
    assert "threads" not in build_config(None, {"algo": "a2c"}, {}).to_toml_dict()
    result = CliRunner().invoke(app, ["train", "--algo", "a2c", "--threads", "0"])
    assert result.exit_code == 2
    assert "--threads" in result.stderr


def test_threads_is_allowed_with_resume(tmp_path):
    # --threads changes speed, not the run: no "a resumed run keeps its own settings" refusal
    # (the missing run is what fails)
    result = CliRunner().invoke(
        app, ["train", "--resume", str(tmp_path / "nope"), "--threads", "1"]
    )
    assert result.exit_code != 0
    assert "keeps its own settings" not in result.stderr
    refused = CliRunner().invoke(app, ["train", "--resume", str(tmp_path), "--seed", "1"])
    assert "keeps its own settings" in refused.stderr


@pytest.mark.slow
def test_qtable_training_with_threads_does_not_load_torch(tmp_path):
    code = (
        "import sys\n"
        f"sys.argv = ['rlgrid', 'train', '--episodes', '20', '--threads', '2', '--runs-dir', "
        f"{str(tmp_path)!r}]\n"
        "from rlgrid.cli.app import app\n"
    )
    assert run_python(code + HEAVY_CHECK).strip().splitlines()[-1] == "heavy: []"


def test_apply_for_qtable_does_not_load_torch():
    code = (
        "import sys, os\n"
        "os.environ.pop('OMP_NUM_THREADS', None)\n"
        "from rlgrid import threads\n"
        "print(threads.apply(None)['torch'] == 1)\n"
        "print(threads.apply(2)['torch'], os.environ['OMP_NUM_THREADS'])\n"
        "print('torch' in sys.modules)\n"
    )
    assert run_python(code).split() == ["True", "2", "2", "False"]
