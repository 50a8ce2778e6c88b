"""A study's results: what each run reached (:func:`collect`), one summary row per combination
(:func:`summary_rows`: a column per varied ``[env]`` key after the algorithm, grid and reward),
and the files in the study folder (:func:`write_results`): ``results.csv``, ``results.md``,
``learning_curves.png`` and ``time_to_solve.png``."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgrid import runs
from rlgrid.studies.spec import Job, Study, StudySpec

RESULTS_CSV = "results.csv"
RESULTS_MD = "results.md"
CURVES = "learning_curves.png"
SOLVE_CHART = "time_to_solve.png"
RESULT_FILES = (RESULTS_MD, RESULTS_CSV, CURVES, SOLVE_CHART)
"""Every file :func:`write_results` writes into the study folder."""

KEY_COLUMNS = ["algo", "grid", "reward"]
"""The columns that name a combination, before those of the varied ``[env]`` keys."""
RESULT_COLUMNS = ["runs", "success rate", "optimality ratio", "mean return", "solved",
                  "steps to solve", "seconds to solve"]  # fmt: skip


def columns(spec: StudySpec) -> list[str]:
    """The table's columns: what names a combination (each varied key too), then its results."""
    return [*KEY_COLUMNS, *spec.vary, *RESULT_COLUMNS]


@dataclass
class RunResult:
    job: Job
    status: str
    success_rate: float | None = None
    optimality_ratio: float | None = None
    mean_return: float | None = None
    solved_steps: int | None = None
    solved_seconds: float | None = None


def collect(study: Study) -> list[RunResult]:
    """One result per job, from its run folder: ``failed`` (recorded in the study file),
    ``missing`` (no run yet), else the run's status and, once evaluated, its final metrics and
    when it was solved."""
    results = []
    for job in study.spec.jobs():
        folder = study.runs_dir / job.name
        if job.name in study.failures:
            results.append(RunResult(job, "failed"))
            continue
        if not (folder / runs.MANIFEST).exists():
            results.append(RunResult(job, "missing"))
            continue
        manifest = runs.read_json(folder / runs.MANIFEST)
        result = RunResult(job, manifest.get("status", "unknown"))
        if (folder / runs.EVALUATION).exists():
            _add_evaluation(result, manifest, runs.read_json(folder / runs.EVALUATION))
        results.append(result)
    return results


def _add_evaluation(result: RunResult, manifest: dict[str, Any], evaluation: dict) -> None:
    """The final evaluation's metrics, and when the run was solved: at the step ``--until-solved``
    stopped at (the manifest's ``solved_at``), else at the whole budget when the final evaluation
    found it solved (``solved`` in ``eval.json``, as the run's environment family decided; a run
    without that key is not solved)."""
    metrics = evaluation["result"]
    result.success_rate = metrics.get("success_rate")
    result.optimality_ratio = metrics.get("optimality_ratio")
    result.mean_return = metrics.get("mean_return")
    solved_at = manifest.get("solved_at")
    if solved_at is not None:
        result.solved_steps = solved_at["timesteps"]
        result.solved_seconds = manifest.get("seconds")
    elif evaluation.get("solved") is True:
        result.solved_steps = manifest.get("timesteps")
        result.solved_seconds = manifest.get("seconds")


def _median_spread(values: list[float], digits: int) -> str:
    if not values:
        return "-"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def summary_rows(study: Study, results: list[RunResult]) -> list[list[str]]:
    """One row of :func:`columns` per combination, in the spec's order."""
    rows = []
    for combination in study.spec.combinations():
        mine = [r for r in results if r.job.combination == combination]
        finished = [r for r in mine if r.status == "completed"]
        solved = [r for r in finished if r.solved_steps is not None]
        failed = sum(r.status == "failed" for r in mine)
        runs_text = f"{len(finished)}/{len(mine)} done" + (f", {failed} failed" if failed else "")
        success = [r.success_rate for r in finished if r.success_rate is not None]
        ratios = [r.optimality_ratio for r in finished if r.optimality_ratio is not None]
        returns = [r.mean_return for r in finished if r.mean_return is not None]
        rows.append([
            combination.algo, combination.grid, combination.reward,
            *(value for _, value in combination.settings), runs_text,
            _median_spread(success, 3), _median_spread(ratios, 3), _median_spread(returns, 3),
            f"{len(solved)}/{len(mine)}",
            _median_spread([float(r.solved_steps) for r in solved], 0) if solved else "not solved",
            _median_spread([r.solved_seconds for r in solved], 1) if solved else "not solved",
        ])  # fmt: skip
    return rows


def markdown(study: Study, rows: list[list[str]]) -> str:
    """``results.md``: the table, then the failed runs with their errors."""
    header = columns(study.spec)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if study.failures:
        lines += ["", "Failed runs:", ""]
        lines += [f"- `{name}`: {error}" for name, error in sorted(study.failures.items())]
    return "\n".join(lines) + "\n"


def write_results(study: Study, results: list[RunResult]) -> list[list[str]]:
    """Write every one of :data:`RESULT_FILES` into the study folder; the summary rows."""
    rows = summary_rows(study, results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns(study.spec))
    writer.writerows(rows)
    runs.write_atomic(study.folder / RESULTS_CSV, buffer.getvalue())
    runs.write_atomic(study.folder / RESULTS_MD, markdown(study, rows))
    from rlgrid.studies.charts import study_curves, time_to_solve_chart

    study_curves(study, study.folder / CURVES)
    time_to_solve_chart(study, results, study.folder / SOLVE_CHART)
    return rows


def result_paths(study: Study) -> list[Path]:
    return [study.folder / name for name in RESULT_FILES]
