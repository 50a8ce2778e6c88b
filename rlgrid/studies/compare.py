"""What ``rlgrid compare`` does: validate a study, run its pending runs, write its results, and
hand back what happened as data (:class:`StudyReport`); printing it is the CLI's business.

Nothing runs until every combination's settings make a config (:func:`check_spec`). While runs
go, the caller hears of them through a :class:`StudyListener`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

from rlgrid.algos.registry import ALGOS
from rlgrid.config import read_preset
from rlgrid.envs.rewards import parse_reward
from rlgrid.errors import InvalidValueError, setting
from rlgrid.families.gymnasium import resolve_env_id
from rlgrid.studies.axes import check_settings
from rlgrid.studies.execute import Outcome, execute, run_local
from rlgrid.studies.ray_backend import RayRunner
from rlgrid.studies.results import collect, columns, result_paths, write_results
from rlgrid.studies.spec import ENV, OWN_REWARD, Job, Study, StudySpec


class StudyStatus(str, Enum):
    FINISHED = "finished"
    """Every run ended, none failed (or, for a report, none is recorded as failed)."""
    FAILED = "failed"
    """At least one run failed; its error is in :attr:`StudyReport.failures`."""
    INTERRUPTED = "interrupted"
    """Ctrl+C or SIGTERM stopped the study: finished runs are kept, running ones saved as
    interrupted; the same command resumes it."""


@dataclass
class StudyReport:
    folder: Path
    columns: list[str]
    rows: list[list[str]]
    """One row of :attr:`columns` per combination."""
    failures: dict[str, str]
    """Run name to its error, sorted by name."""
    files: list[Path]
    """The results written into :attr:`folder`."""
    status: StudyStatus


class StudyListener(Protocol):
    """What :func:`compare_study` tells its caller while it goes, in this order."""

    def planned(self, kept: int, pending: int) -> None:
        """Before anything runs: ``kept`` runs are completed already, ``pending`` are to run."""

    def started(self, pending: int) -> None:
        """The runs start (the Ray backend, if any, is up)."""

    def finished(self, outcome: Outcome) -> None:
        """One run ended (``outcome.state``: done, interrupted or failed)."""

    def stopped(self) -> None:
        """No run is going any more (all ended, or the study was interrupted, or broke)."""


class Silent:
    """A :class:`StudyListener` that ignores everything."""

    def planned(self, kept: int, pending: int) -> None:
        pass

    def started(self, pending: int) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        pass

    def stopped(self) -> None:
        pass


def check_spec(spec: StudySpec) -> None:
    """Refuse unknown algorithms, rewards and envs, empty lists, and settings that do not make a
    config (each combination's built once), before any folder is made."""
    for algo in spec.algos:
        if algo not in ALGOS:
            raise InvalidValueError(f"unknown algorithm {algo!r} (known: {', '.join(ALGOS)})")
    warehouse = any(not floor.startswith(ENV) for floor in spec.grids)
    for reward in spec.rewards:
        if reward != OWN_REWARD and warehouse:
            parse_reward(reward)
    for floor in spec.grids:
        if floor.startswith(ENV):
            resolve_env_id(floor.removeprefix(ENV))
    if not spec.algos or not spec.grids or not spec.rewards:
        raise InvalidValueError("a study needs at least one algorithm, grid and reward")
    if any(not values for values in spec.vary.values()):
        raise InvalidValueError(f"each {setting('vary')} key needs at least one value")
    if spec.config is not None:
        read_preset(Path(spec.config))
    check_settings(spec)


def compare_study(
    spec: StudySpec,
    name: str | None,
    runs_dir: Path,
    workers: int | None,
    backend: str,
    address: str | None,
    listener: StudyListener | None = None,
) -> StudyReport:
    """Create (or reopen, to resume) the study ``runs_dir/name``, run every run not completed yet
    with ``workers`` at a time (default: one per core) locally or on Ray (``backend``), then
    write its results."""
    check_spec(spec)
    listener = Silent() if listener is None else listener
    study = Study.create_or_open(runs_dir, name or spec.default_name(), spec)
    jobs = study.pending_jobs()
    workers = workers or os.cpu_count() or 1
    kept = len(spec.jobs()) - len(jobs)
    listener.planned(kept, len(jobs))
    runner = RayRunner(address, workers) if backend == "ray" and jobs else None

    def submit(job: Job) -> Outcome:
        return runner(study, job) if runner is not None else run_local(study, job)

    listener.started(len(jobs))
    try:
        finished = execute(study, jobs, workers, submit, listener.finished)
    finally:
        listener.stopped()
    if runner is not None:
        runner.close()
    rows = write_results(study, collect(study))
    if not finished:
        status = StudyStatus.INTERRUPTED
    else:
        status = StudyStatus.FAILED if study.failures else StudyStatus.FINISHED
    return _report(study, rows, status)


def report_study(folder: Path) -> StudyReport:
    """Rebuild the results of the study in ``folder`` from its run folders; nothing runs."""
    study = Study.open(folder)
    rows = write_results(study, collect(study))
    status = StudyStatus.FAILED if study.failures else StudyStatus.FINISHED
    return _report(study, rows, status)


def _report(study: Study, rows: list[list[str]], status: StudyStatus) -> StudyReport:
    return StudyReport(
        folder=study.folder,
        columns=columns(study.spec),
        rows=rows,
        failures=dict(sorted(study.failures.items())),
        files=result_paths(study),
        status=status,
    )
