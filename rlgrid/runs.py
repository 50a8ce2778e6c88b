"""Run folders: created exclusively, never overwritten, every file written atomically.

A run folder holds ``config.toml`` (the resolved config), ``manifest.json`` (command, versions,
seed, status, counters), the model (``model.npz`` + ``model.json`` for q-table), ``metrics.csv``,
``learning_curve.png`` and ``eval.json``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import re
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from rlgrid.errors import InvalidValueError, RlgridError

CONFIG = "config.toml"
MANIFEST = "manifest.json"
METRICS = "metrics.csv"
CURVE = "learning_curve.png"
MAP = "map.txt"
"""The map a run trained on, copied so the run works wherever its map file went."""
EVALUATION = "eval.json"

METRIC_COLUMNS = (
    "episode",
    "timesteps",
    "length",
    "return",
    "success",
    "epsilon",
    "shortest_path_length",
    "shaped_return",
)
LIBRARIES = ("rlgrid", "numpy", "gymnasium", "stable-baselines3", "torch", "pygame", "typer")
_BAD_NAME = re.compile(r"[/\\\x00-\x1f]")
_UMASK = os.umask(0)
os.umask(_UMASK)


class RunError(RlgridError):
    """A run folder or a file in it is missing, incomplete or corrupt."""


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, rename."""
    payload = data.encode() if isinstance(data, str) else data
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual mode
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2) + "\n")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise RunError(f"{path} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunError(f"{path} is not readable JSON: {error}") from None


def check_name(name: str) -> str:
    """A run name is one folder name: no path separators, no '..', no leading dot."""
    if not name or name in (".", "..") or name.startswith(".") or _BAD_NAME.search(name):
        raise InvalidValueError(
            f"invalid run name {name!r}: use one folder name without '/', '\\\\' or a leading '.'"
        )
    return name


def create_run(runs_dir: Path, name: str, numbered: bool) -> Path:
    """Create a new, empty run folder. An existing folder is never reused: with ``numbered`` the
    name gets the first free suffix ``-2``, ``-3``, ...; otherwise it is refused."""
    check_name(name)
    runs_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 10_000):
        path = runs_dir / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            if not numbered:
                raise InvalidValueError(
                    f"run folder {path} already exists; runs are never overwritten: "
                    "choose another --name"
                ) from None
            continue
        return path
    raise InvalidValueError(f"too many runs named {name} in {runs_dir}")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for library in LIBRARIES:
        try:
            found[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            found[library] = "not installed"
    return found


def new_manifest(command: list[str], seed: int, algo: str) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return {
        "command": command,
        "algo": algo,
        "seed": seed,
        "status": "running",
        "episodes": 0,
        "timesteps": 0,
        "created": now,
        "updated": now,
        "versions": versions(),
        "history": [{"command": command, "started": now}],
    }


def update_manifest(run: Path, manifest: dict[str, Any], **changes: Any) -> dict[str, Any]:
    manifest.update(changes, updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    write_json(run / MANIFEST, manifest)
    return manifest


def write_metrics(run: Path, rows: list[tuple]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    writer.writerows(rows)
    write_atomic(run / METRICS, buffer.getvalue())


def read_metrics(run: Path) -> list[tuple]:
    """Rows of an existing ``metrics.csv``, typed, for resuming a run."""
    path = run / METRICS
    if not path.exists():
        return []
    try:
        with path.open(newline="") as stream:
            reader = csv.reader(stream)
            if tuple(next(reader)) != METRIC_COLUMNS:
                raise ValueError("unexpected header")
            return [
                (
                    int(e),
                    int(t),
                    int(n),
                    float(r),
                    _flag(s),
                    float(eps) if eps else None,
                    int(best),
                    float(shaped),
                )
                for e, t, n, r, s, eps, best, shaped in reader
            ]
    except (ValueError, StopIteration, OSError) as error:
        raise RunError(f"{path} is not a metrics file rlgrid wrote: {error}") from None


def _flag(text: str) -> bool | None:
    if text not in ("True", "False", ""):
        raise ValueError(f"success must be True, False or empty, not {text!r}")
    return None if text == "" else text == "True"


def check_model_file(path: Path) -> None:
    """A model file must be there, readable, and not a pickle: rlgrid never unpickles."""
    try:
        with path.open("rb") as stream:
            head = stream.read(1)
    except FileNotFoundError:
        raise RunError(f"{path.parent} has no model: {path.name} is missing") from None
    except OSError as error:
        raise RunError(f"cannot read {path}: {error}") from None
    if head == b"\x80":  # every pickle protocol since 2 starts with this byte
        raise RunError(f"{path} is a pickle file; rlgrid never unpickles (it can run code)")


def find_run(path: Path) -> tuple[Path, Path | None]:
    """Accept a run folder or a file inside one; return the folder and the file, if any."""
    if not path.exists():
        raise RunError(f"{path} does not exist")
    run, file = (path, None) if path.is_dir() else (path.parent, path)
    if file is not None and not (run / CONFIG).exists() and (run.parent / CONFIG).exists():
        run = run.parent  # a checkpoint in the run's checkpoints/ folder
    if not (run / CONFIG).exists():
        raise RunError(f"{run} is not a run folder (it has no {CONFIG})")
    return run, file
