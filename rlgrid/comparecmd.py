"""What ``rlgrid compare`` does: validate, run the study's pending runs, report."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rlgrid.algos.registry import ALGOS
from rlgrid.envs.rewards import parse_reward
from rlgrid.errors import InvalidValueError
from rlgrid.study import (
    COLUMNS,
    Outcome,
    RayRunner,
    Study,
    StudySpec,
    collect,
    execute,
    pending_jobs,
    run_local,
    write_results,
)


def _check(spec: StudySpec) -> None:
    for algo in spec.algos:
        if algo not in ALGOS:
            raise InvalidValueError(f"unknown algorithm {algo!r} (known: {', '.join(ALGOS)})")
    for reward in spec.rewards:
        parse_reward(reward)
    if not spec.algos or not spec.grids or not spec.rewards:
        raise InvalidValueError("a study needs at least one algorithm, grid and reward")


def _print(study: Study, rows: list[list[str]]) -> None:
    console = Console(width=140)
    table = Table(title=f"study {study.folder}", title_justify="left")
    for i, column in enumerate(COLUMNS):
        table.add_column(column, justify="left" if i < 3 else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for job_name, error in sorted(study.failures.items()):
        console.print(f"[red]failed[/] {job_name}: {error}", soft_wrap=True)
    console.print(
        f"results: {study.folder}/results.md, results.csv, learning_curves.png, time_to_solve.png",
        soft_wrap=True,
    )


def compare_study(
    spec: StudySpec,
    name: str | None,
    runs_dir: Path,
    workers: int | None,
    backend: str,
    address: str | None,
) -> int:
    _check(spec)
    study = Study.create_or_open(runs_dir, name or spec.default_name(), spec)
    jobs = pending_jobs(study)
    workers = workers or os.cpu_count() or 1
    console = Console(stderr=True)
    skipped = len(spec.jobs()) - len(jobs)
    if skipped:
        console.print(f"{skipped} finished runs kept, {len(jobs)} to run")
    runner = RayRunner(address, workers) if backend == "ray" and jobs else None
    submit = (lambda job: runner(study, job)) if runner else (lambda job: run_local(study, job))
    progress = Progress(
        TextColumn("[bold]study[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), console=console, transient=True,
    )  # fmt: skip
    with progress:
        task = progress.add_task("", total=len(jobs))

        def on_done(outcome: Outcome) -> None:
            state = {0: "done", 130: "interrupted"}.get(outcome.code, "failed")
            progress.update(task, advance=1, description=f"{outcome.job.name} {state}")

        finished = execute(study, jobs, workers, submit, on_done)
    if runner is not None:
        runner.close()
    rows = write_results(study, collect(study))
    _print(study, rows)
    if not finished:
        console.print(
            "[yellow]interrupted: finished runs are kept; run the same command to resume[/]"
        )
        return 130
    return 1 if study.failures else 0


def report_study(folder: Path) -> None:
    study = Study.open(folder)
    _print(study, write_results(study, collect(study)))
