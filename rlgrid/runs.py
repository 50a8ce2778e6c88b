"""Run folders: created exclusively, never overwritten, every file written atomically, one
writer at a time (a lock the kernel drops when the writer dies), no links out of the folder.

A run folder holds ``config.toml`` (the resolved config), ``manifest.json`` (command, versions,
seed, status, counters), the model file (``model.npz`` or ``model.zip``, each carrying the
training state it resumes from), ``checkpoints/``, ``metrics.csv`` (appended as training goes),
``learning_curve.png`` and ``eval.json``.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import platform
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

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


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (after symlinks): a named pipe, a
    device such as /dev/zero, a socket or a folder is refused with one line at once, never read
    (opening does not block: ``O_NONBLOCK``, and the open file is checked again). A missing file
    raises ``FileNotFoundError``, for the caller to word."""
    if not stat.S_ISREG(mode := os.stat(path).st_mode):
        raise RunError(f"{path} is {_kind(mode)}, not a file rlgrid wrote; it was not read")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(mode := os.fstat(fd).st_mode):  # replaced since the stat
            raise RunError(f"{path} is {_kind(mode)}, not a file rlgrid wrote; it was not read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_json(path: Path, expected: type = dict) -> Any:
    """A JSON file rlgrid wrote, whose top level must be ``expected`` (an object by default):
    anything else is one line naming the file."""
    try:
        with open_regular(path) as stream:
            data = json.loads(stream.read().decode())
    except FileNotFoundError:
        raise RunError(f"{path} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunError(f"{path} is not readable JSON: {error}") from None
    except RecursionError:
        raise RunError(f"{path} is not readable JSON: nested too deeply") from None
    if not isinstance(data, expected):
        raise RunError(
            f"{path} is not a file rlgrid wrote: its top level is {_json_kind(data)}, "
            f"not {_json_kind(expected())}"
        )
    return data


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}
    return kinds.get(type(value), "null" if value is None else "a number")


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
                    "choose another --name"
                ) from None
            continue
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:
                raise InvalidValueError(
                    f"run name {name[:24]}... ({len(name)} characters) is longer than the file "
                    "system allows: choose a shorter --name"
                ) from None
            raise RunError(f"cannot create the run folder {path}: {error.strerror}") from None
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


def metrics_text(rows: list[tuple], header: bool = True) -> str:
    """Rows as ``metrics.csv`` lines (with the header line when ``header``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(METRIC_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def read_metrics(run: Path) -> list[tuple]:
    """Rows of an existing ``metrics.csv``, typed. A last line cut off by a crash (no newline at
    its end) is left out: rows are appended as training goes, and a dead process can leave half
    of one."""
    path = run / METRICS
    if not path.exists():
        return []
    try:
        text = path.read_text()
        if text and not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]
        reader = csv.reader(io.StringIO(text))
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
    except (ValueError, StopIteration, OSError, csv.Error) as error:
        raise RunError(f"{path} is not a metrics file rlgrid wrote: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _flag(text: str) -> bool | None:
    if text not in ("True", "False", ""):
        raise ValueError(f"success must be True, False or empty, not {text!r}")
    return None if text == "" else text == "True"


class MetricsLog:
    """``metrics.csv`` as training goes: rows are appended (and flushed) as episodes finish, and
    made durable (fsync) before every checkpoint, so a crash loses no episode that the newest
    checkpoint counts. Opening keeps the first ``keep`` episodes already there: those that the
    state training resumes from has seen; later rows belong to training that is replayed."""

    def __init__(self, run: Path, keep: int) -> None:
        self.path = run / METRICS
        rows = read_metrics(run)[:keep]
        if len(rows) != keep or any(row[0] != i for i, row in enumerate(rows)):
            raise RunError(
                f"{self.path} holds {len(rows)} episodes in order, but the run's saved state "
                f"counts {keep}"
            )
        self.rows = rows
        """The rows kept from before this training session."""
        write_atomic(self.path, metrics_text(rows))
        self._stream = self.path.open("a", newline="")

    def append(self, rows: list[tuple]) -> None:
        if rows:
            with self._named_errors():
                self._stream.write(metrics_text(rows, header=False))
                self._stream.flush()

    def sync(self) -> None:
        with self._named_errors():
            self._stream.flush()
            os.fsync(self._stream.fileno())

    @contextlib.contextmanager
    def _named_errors(self) -> Iterator[None]:
        """A full disk while appending says which file (a stream's OSError names none)."""
        try:
            yield
        except OSError as error:
            if error.filename is None:
                error.filename = str(self.path)
            raise

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()


# --- one writer, a closed world, no leftovers -----------------------------------------------

LOCK = ".lock"
"""Held (flock) by the process that trains the run; the kernel releases it when that process
ends, however it ends, so a run left ``running`` by a dead process is told apart."""
_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
"""The names :func:`write_atomic` gives its temporary files (``mkstemp``)."""


class RunLock:
    """The one writer of a run folder. A second writer gets one line naming the holder."""

    def __init__(self, run: Path, command: list[str]) -> None:
        import fcntl

        self.run = run
        path = run / LOCK
        check_closed(run)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe_holder(os.read(fd, 4096))
            os.close(fd)
            raise RunError(
                f"{run} is being trained by {holder}; wait for it to end or stop it first"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        holder = {
            "pid": os.getpid(),
            "host": platform.node(),
            "command": " ".join(command),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _describe_holder(data: bytes) -> str:
    try:
        holder = json.loads(data)
        return f"process {holder['pid']} on {holder['host']} ({holder['command']}, since " \
            f"{holder['since']})"  # fmt: skip
    except (ValueError, KeyError, TypeError):
        return "another process"


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
    that :func:`write_atomic` makes); return their names."""
    removed = []
    for entry in os.scandir(folder):
        if _TEMP.match(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
            removed.append(entry.name)
    return removed


CHECKPOINTS = "checkpoints"


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
