"""One writer per run folder: a lock (``flock`` on the folder's ``.lock``) that the kernel drops
when the writer dies, however it dies, so a run left ``running`` by a dead process is told apart
from one that is still being trained."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from rlgrid.runs.folder import LOCK, RunError, check_closed


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
