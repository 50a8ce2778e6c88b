import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app

TINY = ["--algo", "a2c,q-table", "--grid", "4x4,5x5", "--reward", "sparse", "--seeds", "1",
        "--timesteps", "1500", "--workers", "2"]  # fmt: skip
"""Two axes of two values, one seed: four runs (two of them load torch in their own process)."""


def compare(tmp_path, *args):
    return CliRunner().invoke(app, ["compare", "--runs-dir", str(tmp_path), *args])


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory):
    """A real study of 4 short trainings (local backend), shared by the tests that read it."""
    base = tmp_path_factory.mktemp("study")
    result = compare(base, *TINY, "--name", "tiny")
    assert result.exit_code == 0, result.output
    return base / "tiny"


def fake_run(
    folder: Path,
    status: str = "completed",
    timesteps: int = 1000,
    seconds: float = 2.0,
    solved_at: int | None = None,
    evaluation: dict | None = None,
) -> None:
    """A run folder as training leaves it: ``manifest.json`` and, when ``evaluation`` is given,
    ``eval.json`` with it as its top-level keys (``result``, ``solved``)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"status": status, "timesteps": timesteps, "seconds": seconds}
    if solved_at is not None:
        manifest["solved_at"] = {"timesteps": solved_at}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    if evaluation is not None:
        data = {"all_targets": True, "seed": 0, "greedy": True, **evaluation}
        (folder / "eval.json").write_text(json.dumps(data))


def metrics(success_rate: float, ratio: float | None, solved: bool | None) -> dict:
    """The top-level keys of an ``eval.json``; ``solved=None`` leaves the key out."""
    data: dict = {"result": {"success_rate": success_rate, "optimality_ratio": ratio}}
    if solved is not None:
        data["solved"] = solved
    return data
