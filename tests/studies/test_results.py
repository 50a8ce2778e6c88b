import csv

import pytest

from rlgrid.studies.results import (
    RESULT_FILES,
    RunResult,
    collect,
    columns,
    markdown,
    result_paths,
    summary_rows,
    write_results,
)
from rlgrid.studies.spec import Study, StudySpec
from tests.studies.conftest import fake_run, metrics


@pytest.fixture
def study(tmp_path):
    return Study.create_or_open(tmp_path, "s", StudySpec(["a2c"], ["4x4"], ["sparse"], 2))


def one_result(study, **run) -> RunResult:
    fake_run(study.runs_dir / study.spec.jobs()[0].name, **run)
    return collect(study)[0]


def test_solved_at_marks_a_run_solved_at_that_step(study):
    found = one_result(study, timesteps=9000, seconds=4.5, solved_at=3000,
                       evaluation=metrics(1.0, 1.0, solved=False))  # fmt: skip
    assert (found.solved_steps, found.solved_seconds) == (3000, 4.5)
    assert (found.success_rate, found.optimality_ratio) == (1.0, 1.0)


def test_eval_json_solved_marks_a_run_solved_at_its_whole_budget(study):
    found = one_result(study, timesteps=9000, seconds=4.5,
                       evaluation=metrics(0.5, 3.0, solved=True))  # fmt: skip
    assert (found.solved_steps, found.solved_seconds) == (9000, 4.5)
    assert (found.success_rate, found.optimality_ratio) == (0.5, 3.0)


@pytest.mark.parametrize("solved", [False, None])
def test_without_solved_true_a_run_is_not_solved_whatever_its_metrics(study, solved):
    """The family decides; no rule of the study's own (a perfect success rate and ratio once
    counted as solved)."""
    found = one_result(study, evaluation=metrics(1.0, 1.0, solved=solved))
    assert found.status == "completed"
    assert (found.solved_steps, found.solved_seconds) == (None, None)
    assert (found.success_rate, found.optimality_ratio) == (1.0, 1.0)


def test_a_run_without_eval_json_has_no_metrics(study):
    found = one_result(study, status="interrupted", solved_at=None, evaluation=None)
    assert found == RunResult(study.spec.jobs()[0], "interrupted")


def test_failed_and_missing_runs(study):
    first, second = study.spec.jobs()
    fake_run(study.runs_dir / first.name, evaluation=metrics(1.0, 1.0, solved=True))
    study.failures[first.name] = "boom"  # recorded by the study: wins over the folder
    assert [(r.job, r.status) for r in collect(study)] == [(first, "failed"), (second, "missing")]


def test_summary_rows_give_medians_ranges_and_counts(tmp_path):
    spec = StudySpec(["a2c", "ppo"], ["4x4"], ["sparse"], 3)
    study = Study.create_or_open(tmp_path, "s", spec)
    a0, a1, a2, p0, p1, p2 = spec.jobs()
    fake_run(study.runs_dir / a0.name, timesteps=1000, seconds=2.0, solved_at=400,
             evaluation=metrics(1.0, 1.0, solved=True))  # fmt: skip
    fake_run(study.runs_dir / a1.name, timesteps=1000, seconds=4.0,
             evaluation=metrics(1.0, 1.1, solved=True))  # fmt: skip
    fake_run(study.runs_dir / a2.name, evaluation=metrics(0.5, 2.0, solved=False))
    fake_run(study.runs_dir / p0.name, evaluation=metrics(0.25, None, solved=None))
    fake_run(study.runs_dir / p1.name, status="interrupted")
    study.failures[p2.name] = "boom"
    rows = summary_rows(study, collect(study))
    assert rows == [
        ["a2c", "4x4", "sparse", "3/3 done", "1.000 (0.500-1.000)", "1.100 (1.000-2.000)", "-",
         "2/3", "700 (400-1000)", "3.0 (2.0-4.0)"],
        ["ppo", "4x4", "sparse", "1/3 done, 1 failed", "0.250", "-", "-", "0/3",
         "not solved", "not solved"],
    ]  # fmt: skip


def test_markdown_lists_the_failed_runs(study):
    rows = [["a2c", "4x4", "sparse", "0/2 done", "-", "-", "-", "0/2", "not solved",
             "not solved"]]  # fmt: skip
    assert "Failed runs" not in markdown(study, rows)
    study.failures = {"b": "second", "a": "first"}
    lines = markdown(study, rows).splitlines()
    assert lines[:3] == [
        "| algo | grid | reward | runs | success rate | optimality ratio | mean return | solved "
        "| steps to solve | seconds to solve |",
        "|---|---|---|---|---|---|---|---|---|---|",
        "| a2c | 4x4 | sparse | 0/2 done | - | - | - | 0/2 | not solved | not solved |",
    ]
    assert lines[3:] == ["", "Failed runs:", "", "- `a`: first", "- `b`: second"]


def test_write_results_writes_every_file(study):
    job = study.spec.jobs()[0]
    fake_run(study.runs_dir / job.name, evaluation=metrics(1.0, 1.0, solved=True))
    rows = write_results(study, collect(study))
    assert rows == summary_rows(study, collect(study))
    assert result_paths(study) == [study.folder / name for name in RESULT_FILES]
    assert sorted(p.name for p in study.folder.iterdir()) == sorted(
        ["study.json", "runs", *RESULT_FILES]
    )
    with (study.folder / "results.csv").open() as file:
        assert list(csv.reader(file)) == [columns(study.spec), *rows]
    assert (study.folder / "results.md").read_text() == markdown(study, rows)
    for image in ("learning_curves.png", "time_to_solve.png"):
        assert (study.folder / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_column_per_varied_key_and_a_row_per_combination(tmp_path):
    spec = StudySpec(["ppo"], ["env:rlgrid/Tangram-v0"], ["sparse", "area"], 2,
                     vary={"curriculum": ["false", "true"]})  # fmt: skip
    assert columns(spec) == [
        "algo", "grid", "reward", "curriculum", "runs", "success rate", "optimality ratio",
        "mean return", "solved", "steps to solve", "seconds to solve",
    ]  # fmt: skip
    study = Study.create_or_open(tmp_path, "s", spec)
    for job in spec.jobs():
        if job.settings == (("curriculum", "true"),):
            fake_run(study.runs_dir / job.name, evaluation=metrics(0.5 + job.seed / 4, None, None))
    rows = summary_rows(study, collect(study))
    assert [row[:6] for row in rows] == [
        ["ppo", "env:rlgrid/Tangram-v0", "sparse", "false", "0/2 done", "-"],
        ["ppo", "env:rlgrid/Tangram-v0", "sparse", "true", "2/2 done", "0.625 (0.500-0.750)"],
        ["ppo", "env:rlgrid/Tangram-v0", "area", "false", "0/2 done", "-"],
        ["ppo", "env:rlgrid/Tangram-v0", "area", "true", "2/2 done", "0.625 (0.500-0.750)"],
    ]
    write_results(study, collect(study))
    with (study.folder / "results.csv").open() as file:
        assert list(csv.reader(file)) == [columns(spec), *rows]
    lines = (study.folder / "results.md").read_text().splitlines()
    assert lines[0].startswith("| algo | grid | reward | curriculum | runs |")
    assert lines[1] == "|" + "---|" * 11
    assert lines[3].startswith("| ppo | env:rlgrid/Tangram-v0 | sparse | true | 2/2 done |")
