"""The run folder's contract: the names of its files, how a folder is made (exclusively, never
overwritten) and found, its manifest, its checkpoints, and the rule that it is a closed world
(no links out of it, no leftovers of dead writes).

A run folder holds ``config.toml`` (the resolved config), ``manifest.json`` (command, versions,
seed, status, counters), the model file (``model.npz`` or ``model.zip``, each carrying the
training state it resumes from), ``checkpoints/``, ``metrics.csv`` (appended as training goes),
``learning_curve.png`` and ``eval.json``.
"""

from __future__ import annotations

import errno
import os
import platform
import re
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rlgrid.errors import InvalidValueError, setting
from rlgrid.runs.atomic import TEMP_NAME, RunError, open_regular, read_json, write_json

CONFIG = "config.toml"
MANIFEST = "manifest.json"
METRICS = "metrics.csv"
CURVE = "learning_curve.png"
MAP = "map.txt"
"""The map a run trained on, copied so the run works wherever its map file went."""
EVALUATION = "eval.json"
CHECKPOINTS = "checkpoints"
LOCK = ".lock"
"""Held (flock) by the process that trains the run; the kernel releases it when that process
ends, however it ends, so a run left ``running`` by a dead process is told apart."""

LIBRARIES = ("rlgrid", "numpy", "gymnasium", "stable-baselines3", "torch", "pygame-ce", "typer")
_BAD_NAME = re.compile(r"[/\\\x00-\x1f]")


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
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise RunError(f"cannot use {runs_dir} as the runs folder: it is a file") from None
    except NotADirectoryError:
        raise RunError(
            f"cannot create the runs folder {runs_dir}: a part of its path is a file"
        ) from None
    except OSError as error:
        raise RunError(f"cannot create the runs folder {runs_dir}: {error.strerror}") from None
    for attempt in range(1, 10_000):
        path = runs_dir / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            if not numbered:
                raise InvalidValueError(
                    f"run folder {path} already exists; runs are never overwritten: "
                    f"choose another {setting('name')}"
                ) from None
            continue
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:
                raise InvalidValueError(
                    f"run name {name[:24]}... ({len(name)} characters) is longer than the file "
                    f"system allows: choose a shorter {setting('name')}"
                ) from None
            raise RunError(f"cannot create the run folder {path}: {error.strerror}") from None
        return path
    raise InvalidValueError(f"too many runs named {name} in {runs_dir}")


# --- the manifest ----------------------------------------------------------------------------


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


def read_manifest(run: Path) -> dict[str, Any]:
    """The run's ``manifest.json``, with the fields training reads checked: ``status`` text,
    ``history`` a list of objects, the counters numbers. Anything else is one line."""
    path = run / MANIFEST
    manifest = read_json(path)
    wrong = None
    if not isinstance(manifest.get("status"), str):
        wrong = "status is not text"
    elif not isinstance(manifest.get("history"), list) or not all(
        isinstance(entry, dict) for entry in manifest["history"]
    ):
        wrong = "history is not a list of objects"
    else:
        for key in ("episodes", "timesteps", "seconds"):
            value = manifest.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                wrong = f"{key} is not a number"
                break
    if wrong is not None:
        raise RunError(f"{path} is not a manifest rlgrid wrote: {wrong}")
    return manifest


# --- a closed world, no leftovers ------------------------------------------------------------


def check_closed(run: Path) -> None:
    """A run folder is a closed world: a symbolic link in it (to a checkpoints folder elsewhere,
    say) is refused, so nothing rlgrid writes or cleans up lands outside the run."""
    folders = [run]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            raise RunError(f"cannot read {folder}: {error.strerror}") from None
        for entry in entries:
            if entry.is_symlink():
                raise RunError(
                    f"{Path(entry.path)} is a symbolic link; a run folder holds only its own "
                    "files, so rlgrid will not read or write through it: replace it with the "
                    "real file or folder"
                )
            if entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))


def clean_temp_files(folder: Path) -> list[str]:
    """Remove the temporary files of writes that a dead process left in ``folder`` (only names
    that :func:`~rlgrid.runs.atomic.write_atomic` makes); return their names."""
    removed = []
    for entry in os.scandir(folder):
        if TEMP_NAME.match(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
            removed.append(entry.name)
    return removed


# --- checkpoints and the model -----------------------------------------------------------------


def checkpoint_path(run: Path, algo: str, count: int, suffix: str) -> Path:
    """``checkpoints/<algo>_<count><suffix>``, the count zero-padded so names sort in order; the
    folder is made, and refused when it is a link out of the run."""
    folder = run / CHECKPOINTS
    folder.mkdir(exist_ok=True)
    if folder.is_symlink():
        check_closed(run)
    return folder / f"{algo}_{count:010d}{suffix}"


def checkpoint_files(run: Path, algo: str, suffix: str) -> list[Path]:
    """The run's checkpoints of ``algo``, oldest first: only names rlgrid itself gives them."""
    folder = run / CHECKPOINTS
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"^{re.escape(algo)}_\d{{10}}{re.escape(suffix)}$")
    return sorted(
        folder / entry.name
        for entry in os.scandir(folder)
        if pattern.match(entry.name) and entry.is_file(follow_symlinks=False)
    )


def prune_checkpoints(run: Path, algo: str, suffix: str, keep: int) -> None:
    """Delete all but the newest ``keep`` checkpoints (rlgrid's own names only)."""
    for old in checkpoint_files(run, algo, suffix)[:-keep]:
        old.unlink()


def check_model_file(path: Path) -> None:
    """A model file must be there, a regular file (a named pipe or a link to /dev/zero is refused
    at once, never read), readable, and not a pickle: rlgrid never unpickles."""
    try:
        with open_regular(path) as stream:
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
    check_closed(run)
    return run, file


# --- naming a run ------------------------------------------------------------------------------

LATEST = "latest"
"""The RUN that names the newest run folder under the runs folder (``latest:PREFIX``: the newest
whose name starts with PREFIX), as RL Zoo's experiment id 0 names its latest experiment."""


def resolve_run(text: Path, runs_dir: Path) -> Path:
    """The run a RUN argument names: ``text`` itself where it exists (a run folder, a file in
    one, a folder that happens to be called ``latest``) or is no ``latest`` word; ``latest``,
    the newest run folder directly in ``runs_dir`` (by its manifest's creation time, else the
    folder's modification time); ``latest:PREFIX``, the newest of those named PREFIX...
    Refused in one line where there is none."""
    word = str(text)
    if text.exists() or not (word == LATEST or word.startswith(LATEST + ":")):
        return text
    prefix = word.removeprefix(LATEST).removeprefix(":")
    found = [run for run in _run_folders(runs_dir) if run.name.startswith(prefix)]
    if not found:
        named = f" named {prefix}..." if prefix else ""
        raise InvalidValueError(f"{runs_dir} holds no run{named} yet: nothing for {word} to name")
    return max(found, key=_created)


def _run_folders(runs_dir: Path) -> list[Path]:
    """The run folders directly in ``runs_dir`` (those with a config): not the runs inside a
    study's folder, nor links."""
    try:
        entries = list(os.scandir(runs_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        raise RunError(f"cannot read {runs_dir}: {error.strerror}") from None
    return [
        Path(entry.path)
        for entry in entries
        if entry.is_dir(follow_symlinks=False) and (Path(entry.path) / CONFIG).is_file()
    ]


def _created(run: Path) -> tuple[float, int, str]:
    """When ``run`` was made: its manifest's ``created`` (to the second; among runs made in the
    same second, the one whose config was written last), else the folder's modification time."""
    try:
        created = datetime.strptime(read_json(run / MANIFEST)["created"], "%Y-%m-%dT%H:%M:%S%z")
        return created.timestamp(), (run / CONFIG).stat().st_mtime_ns, run.name
    except (RunError, KeyError, TypeError, ValueError, OSError):
        stat = run.stat()
        return stat.st_mtime, stat.st_mtime_ns, run.name
