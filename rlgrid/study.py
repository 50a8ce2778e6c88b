"""Studies: every combination of algorithms, grids, rewards and seeds as ordinary rlgrid runs in one
study folder, run in parallel (local processes, or Ray tasks), resumable, summarised.

A study folder holds ``study.json`` (what to run, and the failures), ``runs/`` (one ordinary run
folder per combination and seed), and the results: ``results.csv``, ``results.md``,
``learning_curves.png`` and ``time_to_solve.png``.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rlgrid import runs
from rlgrid.envs.maps import floor_flags, floor_label
from rlgrid.errors import InvalidValueError, RlgridError

STUDY_FILE = "study.json"
RESULTS_CSV = "results.csv"
RESULTS_MD = "results.md"
CURVES = "learning_curves.png"
SOLVE_CHART = "time_to_solve.png"


@dataclass(frozen=True)
class StudySpec:
    algos: list[str]
    grids: list[str]
    rewards: list[str]
    seeds: int
    timesteps: int | None = None
    until_solved: bool = False

    def default_name(self) -> str:
        grids = "-".join(floor_label(grid) for grid in self.grids)
        parts = ["compare", "-".join(self.algos), grids, "-".join(self.rewards),
                 f"{self.seeds}seeds"]  # fmt: skip
        if self.timesteps:
            parts.append(str(self.timesteps))
        if self.until_solved:
            parts.append("until-solved")
        return "_".join(parts).replace("+", "-")

    def combinations(self) -> list[tuple[str, str, str]]:
        return [(a, g, r) for a in self.algos for g in self.grids for r in self.rewards]

    def jobs(self) -> list[Job]:
        return [Job(a, g, r, s) for a, g, r in self.combinations() for s in range(self.seeds)]


@dataclass(frozen=True)
class Job:
    algo: str
    grid: str
    reward: str
    seed: int

    @property
    def combination(self) -> tuple[str, str, str]:
        return self.algo, self.grid, self.reward

    @property
    def name(self) -> str:
        grid = floor_label(self.grid)
        return f"{self.algo}_{grid}_{self.reward.replace('+', '-')}_seed{self.seed}"

    def train_args(self, spec: StudySpec) -> list[str]:
        args = ["train", "--algo", self.algo, *floor_flags(self.grid), "--reward", self.reward,
                "--seed", str(self.seed), "--threads", "1"]  # fmt: skip
        if spec.timesteps:
            args += ["--timesteps", str(spec.timesteps)]
        if spec.until_solved:
            args.append("--until-solved")
        return args


@dataclass
class Outcome:
    job: Job
    code: int
    error: str | None = None


@dataclass
class Study:
    folder: Path
    spec: StudySpec
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def runs_dir(self) -> Path:
        return self.folder / "runs"

    def save(self) -> None:
        data = {"spec": asdict(self.spec), "failures": self.failures}
        runs.write_json(self.folder / STUDY_FILE, data)

    @classmethod
    def open(cls, folder: Path) -> Study:
        data = runs.read_json(folder / STUDY_FILE)
        try:
            return cls(folder, StudySpec(**data["spec"]), dict(data.get("failures", {})))
        except (KeyError, TypeError) as error:
            raise RlgridError(f"{folder / STUDY_FILE} is not a study file: {error}") from None

    @classmethod
    def create_or_open(cls, parent: Path, name: str, spec: StudySpec) -> Study:
        runs.check_name(name)
        folder = parent / name
        if (folder / STUDY_FILE).exists():
            study = cls.open(folder)
            if study.spec != spec:
                raise InvalidValueError(
                    f"study {folder} was started with other settings; use another --name"
                )
            return study
        (folder / "runs").mkdir(parents=True, exist_ok=True)
        study = cls(folder, spec)
        study.save()
        return study

    def status(self, job: Job) -> str | None:
        manifest = self.runs_dir / job.name / runs.MANIFEST
        if not manifest.exists():
            return None
        return runs.read_json(manifest).get("status")


# --- running -------------------------------------------------------------------------------------


def command_for(study: Study, job: Job, runs_dir: Path) -> list[str]:
    """The rlgrid command for ``job``: resume its run where one exists, else train it anew.

    Workers start in isolated mode (``-I``): the current folder is not on their ``sys.path`` and
    ``PYTHON*`` variables are ignored, so a ``numpy.py`` or an ``rlgrid`` folder where the study
    runs is never imported instead of the real one (rlgrid comes from site-packages, an editable
    install included)."""
    if (runs_dir / job.name / runs.MANIFEST).exists():
        return _worker(["train", "--resume", str(runs_dir / job.name), "--threads", "1"])
    return _worker([*job.train_args(study.spec), "--runs-dir", str(runs_dir), "--name", job.name])


def _worker(args: list[str]) -> list[str]:
    return [sys.executable, "-Im", "rlgrid", *args]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


def run_local(study: Study, job: Job) -> Outcome:
    # Each run in a session of its own: Ctrl+C in the terminal reaches the study alone, which
    # passes exactly one SIGINT on (a run that got the terminal's and the study's would take the
    # second as "stop at once" and keep only its newest checkpoint).
    process = subprocess.Popen(
        command_for(study, job, study.runs_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    with _running_lock:
        _running.add(process)
    try:
        _, stderr = process.communicate()
    finally:
        with _running_lock:
            _running.discard(process)
    code = process.returncode
    return Outcome(job, code, None if code == 0 else _last_line(stderr))


def interrupt_running() -> None:
    """Ask every running local run to stop: each saves itself as interrupted."""
    with _running_lock:
        for process in _running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def pending_jobs(study: Study) -> list[Job]:
    return [job for job in study.spec.jobs() if study.status(job) != "completed"]


def execute(
    study: Study,
    jobs: list[Job],
    workers: int,
    submit: Callable[[Job], Outcome],
    on_done: Callable[[Outcome], None],
) -> bool:
    """Run ``jobs`` with ``workers`` at a time; False when Ctrl+C stopped the study (runs still
    going are interrupted and saved by their own processes)."""
    lock = threading.Lock()

    def record(outcome: Outcome) -> None:
        with lock:
            if outcome.code == 0:
                study.failures.pop(outcome.job.name, None)
            elif outcome.code != 130:
                study.failures[outcome.job.name] = outcome.error or f"exit {outcome.code}"
            study.save()
        on_done(outcome)

    executor = ThreadPoolExecutor(max_workers=workers)
    futures: set[Future] = {executor.submit(submit, job) for job in jobs}
    previous = {
        sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        while futures:
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                record(future.result())
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        interrupt_running()
        executor.shutdown(wait=True, cancel_futures=True)
        for future in futures:
            if future.done() and not future.cancelled():
                record(future.result())
        return False
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    executor.shutdown(wait=True)
    return True


# --- Ray ----------------------------------------------------------------------------------------


def _pack(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _unpack(files: dict[str, bytes], folder: Path) -> None:
    for relative, content in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        runs.write_atomic(target, content)


def ray_task(args: list[str], name: str, files: dict[str, bytes] | None) -> tuple[int, str, dict]:
    """Runs on a Ray worker: train (or resume, from the run's ``files``) in a scratch folder and
    send the whole run folder back."""
    with tempfile.TemporaryDirectory() as scratch:
        runs_dir = Path(scratch) / "runs"
        runs_dir.mkdir()
        if files is not None:
            _unpack(files, runs_dir / name)
            command = _worker(["train", "--resume", str(runs_dir / name), "--threads", "1"])
        else:
            command = _worker([*args, "--runs-dir", str(runs_dir), "--name", name])
        environment = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
            env=environment,
        )
        folder = runs_dir / name
        return done.returncode, done.stderr, _pack(folder) if folder.exists() else {}


class RayRunner:
    """Submits each run as a Ray task with one CPU and writes the run folder it sends back into the
    local study folder."""

    def __init__(self, address: str | None, workers: int) -> None:
        try:
            import ray
        except ImportError:
            raise RlgridError(
                "--backend ray needs the ray extra: pip install 'rlgrid[ray]'"
            ) from None
        self.ray = ray
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address is None:
                options["num_cpus"] = workers
            else:
                options["address"] = address
            ray.init(**options)
        self.remote = ray.remote(num_cpus=1)(ray_task)

    def __call__(self, study: Study, job: Job) -> Outcome:
        local = study.runs_dir / job.name
        files = _pack(local) if (local / runs.MANIFEST).exists() else None
        reference = self.remote.remote(job.train_args(study.spec), job.name, files)
        code, stderr, returned = self.ray.get(reference)
        if returned:
            _unpack(returned, local)
        return Outcome(job, code, None if code == 0 else _last_line(stderr))

    def close(self) -> None:
        self.ray.shutdown()


# --- results -------------------------------------------------------------------------------------


@dataclass
class RunResult:
    job: Job
    status: str
    success_rate: float | None = None
    optimality_ratio: float | None = None
    solved_steps: int | None = None
    solved_seconds: float | None = None


def collect(study: Study) -> list[RunResult]:
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
            evaluation = runs.read_json(folder / runs.EVALUATION)["result"]
            result.success_rate = evaluation.get("success_rate")
            result.optimality_ratio = evaluation.get("optimality_ratio")
            solved = manifest.get("solved_at")
            if solved is not None:
                result.solved_steps = solved["timesteps"]
                result.solved_seconds = manifest.get("seconds")
            elif evaluation.get("optimal_episodes") is not None and _solved(evaluation):
                result.solved_steps = manifest.get("timesteps")
                result.solved_seconds = manifest.get("seconds")
        results.append(result)
    return results


def _solved(evaluation: dict) -> bool:
    ratio = evaluation.get("optimality_ratio")
    return evaluation.get("success_rate") == 1.0 and ratio is not None and ratio <= 1.05


def _median_spread(values: list[float], digits: int) -> str:
    if not values:
        return "-"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


COLUMNS = ["algo", "grid", "reward", "runs", "success rate", "optimality ratio", "solved",
           "steps to solve", "seconds to solve"]  # fmt: skip


def summary_rows(study: Study, results: list[RunResult]) -> list[list[str]]:
    rows = []
    for algo, grid, reward in study.spec.combinations():
        mine = [r for r in results if r.job.combination == (algo, grid, reward)]
        finished = [r for r in mine if r.status == "completed"]
        solved = [r for r in finished if r.solved_steps is not None]
        failed = sum(r.status == "failed" for r in mine)
        runs_text = f"{len(finished)}/{len(mine)} done" + (f", {failed} failed" if failed else "")
        success = [r.success_rate for r in finished if r.success_rate is not None]
        ratios = [r.optimality_ratio for r in finished if r.optimality_ratio is not None]
        rows.append([
            algo, grid, reward, runs_text,
            _median_spread(success, 3), _median_spread(ratios, 3),
            f"{len(solved)}/{len(mine)}",
            _median_spread([float(r.solved_steps) for r in solved], 0) if solved else "not solved",
            _median_spread([r.solved_seconds for r in solved], 1) if solved else "not solved",
        ])  # fmt: skip
    return rows


def write_results(study: Study, results: list[RunResult]) -> list[list[str]]:
    rows = summary_rows(study, results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    runs.write_atomic(study.folder / RESULTS_CSV, buffer.getvalue())
    markdown = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    markdown += ["| " + " | ".join(row) + " |" for row in rows]
    if study.failures:
        markdown += ["", "Failed runs:", ""]
        markdown += [f"- `{name}`: {error}" for name, error in sorted(study.failures.items())]
    runs.write_atomic(study.folder / RESULTS_MD, "\n".join(markdown) + "\n")
    from rlgrid.plots import study_curves, time_to_solve_chart

    study_curves(study, study.folder / CURVES)
    time_to_solve_chart(study, results, study.folder / SOLVE_CHART)
    return rows
