"""Running a study's jobs as Ray tasks (``rlgrid compare --backend ray``): each task trains in a
scratch folder on its worker and sends the whole run folder back, which is written into the local
study folder as if the run had been local."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from rlgrid import runs
from rlgrid.errors import RlgridError, setting
from rlgrid.studies.execute import Outcome, last_line, resume_args, worker
from rlgrid.studies.spec import Job, Study


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
            command = worker(resume_args(runs_dir / name))
        else:
            command = worker([*args, "--runs-dir", str(runs_dir), "--name", name])
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
                f"{setting('backend')} ray needs the ray extra: pip install 'rlgrid[ray]'"
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
        return Outcome(job, code, None if code == 0 else last_line(stderr))

    def close(self) -> None:
        self.ray.shutdown()
