"""One writer per run: a second writer is refused and told who holds the run, and the lock goes
with the process that held it, however it ends."""

import os
import subprocess
import sys

from rlgrid import runs
from tests.conftest import REPO


def is_held(run):
    """Whether a living process holds ``run``'s lock now (what a second writer would meet)."""
    import fcntl

    try:
        fd = os.open(run / runs.LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_second_writer_is_refused_and_told_who_holds_the_run(tmp_path):
    holder = runs.RunLock(tmp_path, ["rlgrid", "train", "--resume", "x"])
    assert is_held(tmp_path)
    code = (
        "import sys; from pathlib import Path; from rlgrid import runs\n"
        f"runs.RunLock(Path({str(tmp_path)!r}), ['second'])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1
    assert f"process {os.getpid()}" in done.stderr
    assert "rlgrid train --resume x" in done.stderr
    holder.release()
    assert not is_held(tmp_path)
    runs.RunLock(tmp_path, ["third"]).release()  # free again once the holder is gone


def test_the_lock_is_dropped_when_its_process_is_killed(tmp_path):
    code = (
        "import time; from pathlib import Path; from rlgrid import runs\n"
        f"lock = runs.RunLock(Path({str(tmp_path)!r}), ['doomed']); print('locked', flush=True)\n"
        "time.sleep(600)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert process.stdout.readline().strip() == "locked"
    assert is_held(tmp_path)
    process.kill()
    process.wait()
    assert not is_held(tmp_path)


def test_a_lock_held_by_an_unreadable_holder_still_refuses(tmp_path):
    with runs.RunLock(tmp_path, ["first"]):
        (tmp_path / runs.LOCK).write_text("not json")
        try:
            runs.RunLock(tmp_path, ["second"])
        except runs.RunError as error:
            message = str(error)
        else:
            message = "not refused"
    assert message == f"{tmp_path} is being trained by another process; wait for it to end or " \
        "stop it first"  # fmt: skip
    assert not is_held(tmp_path)
