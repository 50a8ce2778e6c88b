import json

import pytest

from rlgrid.bench import solving
from rlgrid.bench.solving import SolveResult, SolveSummary, finished_run
from rlgrid.envs.grid import GridSize
from tests.conftest import REPO


def test_time_to_solve_counts_unsolved_runs_honestly():
    summary = SolveSummary("x")
    summary.results = [
        SolveResult("x", 0, 2000, 0.2, 3.0),
        SolveResult("x", 1, None, 9.0, 12.0),
        SolveResult("x", 2, 4000, 0.4, 3.4),
    ]
    row = summary.row()
    assert row["solved"] == "2/3"
    assert row["steps"] == "3,000"
    assert row["train s"] == "0.30 (0.20-0.40)"
    assert summary.medians() == (0.30000000000000004, 3.2)
    summary.results[2] = SolveResult("x", 2, None, 9.0, 12.0)
    assert summary.medians() == (None, None)  # most seeds did not solve: no median time
    assert summary.row()["process s"] == "3.00 (3.00-3.00)"


def write_run(folder, manifest, solved):
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"seconds": 1.5, **manifest}))
    (folder / "eval.json").write_text(json.dumps({"solved": solved, "result": {}}))
    return folder


def test_a_finished_run_is_solved_as_its_folder_says(tmp_path):
    stopped = write_run(tmp_path / "a", {"timesteps": 6000, "solved_at": {"timesteps": 4000}}, True)
    assert finished_run(stopped) == (4000, 1.5)  # where until_solved stopped it
    whole = write_run(tmp_path / "b", {"timesteps": 6000}, True)
    assert finished_run(whole) == (6000, 1.5)  # its final evaluation was judged solved
    unsolved = write_run(tmp_path / "c", {"timesteps": 6000}, False)
    assert finished_run(unsolved) == (None, 1.5)


@pytest.mark.slow
def test_rlgrid_solve_runs_a_whole_process():
    result = solving.rlgrid_solve("a2c", GridSize(4, 4), "default", 0, 20000, 300)
    assert result.solved_at is not None and result.solved_at <= 20000
    assert result.process_seconds > result.train_seconds > 0


@pytest.mark.slow
def test_preset_solve_reads_the_final_judgement():
    result = solving.preset_solve(REPO / "configs" / "qtable_4x5.toml", 0, 300)
    assert result.label == "preset qtable_4x5.toml"
    assert result.solved_at is not None and result.solved_at > 1000  # the whole budget of steps
    assert result.episodes is not None and result.episodes > 100  # as its manifest counts them
    assert result.process_seconds > result.train_seconds > 0


@pytest.mark.slow
def test_reference_solve_runs_the_seed_reference_module():
    result = solving.reference_solve(GridSize(3, 3), 0, 4000, 300)
    assert result.label == "reference: SB3 A2C defaults, seed env + time limit, 3x3"
    assert result.solved_at is None or result.solved_at % 2000 == 0  # judged every 2,000 steps
    assert result.process_seconds > result.train_seconds > 0


def test_time_presets_runs_each_preset_with_each_seed(monkeypatch):
    asked = []

    def preset_solve(preset, seed, timeout):
        asked.append((preset.name, seed, timeout))
        return SolveResult(f"preset {preset.name}", seed, 100, 1.0, 2.0, 10)

    monkeypatch.setattr(solving, "preset_solve", preset_solve)
    told = []
    summaries = solving.time_presets([REPO / "a.toml", REPO / "b.toml"], 2, 60, told.append)
    assert [s.label for s in summaries] == ["preset a.toml", "preset b.toml"]
    assert asked == [("a.toml", 0, 60), ("a.toml", 1, 60), ("b.toml", 0, 60), ("b.toml", 1, 60)]
    assert told == ["preset a.toml, seed 0", "preset a.toml, seed 1", "preset b.toml, seed 0",
                    "preset b.toml, seed 1"]  # fmt: skip
    assert summaries[0].data() == {
        "label": "preset a.toml",
        "runs": [{"label": "preset a.toml", "seed": s, "solved_at": 100, "train_seconds": 1.0,
                  "process_seconds": 2.0, "episodes": 10} for s in (0, 1)],
    }  # fmt: skip


def test_a_failed_training_process_is_one_line():
    with pytest.raises(RuntimeError, match=r"preset missing\.toml"):
        solving.preset_solve(REPO / "missing.toml", 0, 300)
