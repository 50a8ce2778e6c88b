"""Atomic writes and safe reads, knowing nothing about runs: a file is written whole or not at
all (a temporary file in the same folder, fsync, rename), and a file is read only when it is a
regular file (never a named pipe, a device or a folder)."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from rlgrid.errors import RlgridError

TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
"""The names :func:`write_atomic` gives its temporary files (``mkstemp``)."""


class RunError(RlgridError):
    """A run folder or a file in it is missing, incomplete or corrupt."""


@functools.cache
def process_umask() -> int:
    """The process's umask, read once, when first needed. Linux tells it in /proc/self/status;
    elsewhere it is read by setting it and setting it back (a moment in which files that other
    threads create would get the wrong mode, hence the file first)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, rename."""
    payload = data.encode() if isinstance(data, str) else data
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~process_umask())  # mkstemp makes 0600; give the file the usual mode
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


class AppendedFile:
    """A file written by appending, as a log grows (``metrics.csv``, ``train_stats.csv``):
    every write is flushed, :meth:`sync` makes it durable, and an OSError of the stream names
    the file (a stream's own names none: a full disk would say "No space left on device" and
    not where)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream = path.open("a", newline="")

    def write(self, text: str) -> None:
        with self._named_errors():
            self._stream.write(text)
            self._stream.flush()

    def sync(self) -> None:
        with self._named_errors():
            self._stream.flush()
            os.fsync(self._stream.fileno())

    @property
    def closed(self) -> bool:
        return self._stream.closed

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()

    @contextlib.contextmanager
    def _named_errors(self) -> Iterator[None]:
        try:
            yield
        except OSError as error:
            if error.filename is None:
                error.filename = str(self.path)
            raise
