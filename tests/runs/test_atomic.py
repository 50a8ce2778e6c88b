"""Atomic writes and safe reads: a file is replaced whole, gets the mode the umask gives any new
file, and leaves no temporary file behind; what is not a regular file is never read."""

import os
import stat
import sys

import pytest

from rlgrid.runs import atomic
from tests.conftest import run_python

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="umask and fifos are POSIX")


def test_write_atomic_replaces_the_file_whole_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "manifest.json"
    atomic.write_json(path, {"status": "running"})
    atomic.write_json(path, {"status": "completed"})
    assert path.read_text() == '{\n  "status": "completed"\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
    assert atomic.read_json(path) == {"status": "completed"}


def test_the_temporary_names_are_the_ones_clean_up_recognises(tmp_path, monkeypatch):
    seen = []
    real = os.replace

    def watch(source, target):
        seen.append(os.path.basename(source))
        real(source, target)

    monkeypatch.setattr(os, "replace", watch)
    atomic.write_atomic(tmp_path / "model.npz", b"x")
    assert len(seen) == 1
    assert atomic.TEMP_NAME.match(seen[0]), seen[0]
    assert seen[0].startswith(".model.npz.")


@posix_only
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002], ids=oct)
def test_written_files_get_the_mode_the_umask_gives(tmp_path, mask):
    out = run_python(
        "import os, stat; from pathlib import Path\n"
        f"os.umask({mask:#o})\n"
        "from rlgrid.runs import atomic\n"
        f"path = Path({str(tmp_path / 'f.txt')!r}); atomic.write_atomic(path, 'text')\n"
        "print(oct(stat.S_IMODE(path.stat().st_mode)))"
    )
    assert out.strip() == oct(0o666 & ~mask)


@posix_only
def test_the_umask_is_read_without_setting_it_where_proc_tells_it():
    out = run_python(
        "import os\n"
        "os.umask(0o027)\n"
        "from rlgrid.runs import atomic\n"
        "real, calls = os.umask, []\n"
        "os.umask = lambda mask: (calls.append(mask), real(mask))[1]\n"
        "print(oct(atomic.process_umask()), oct(atomic.process_umask()), calls)"
    )
    try:
        with open("/proc/self/status") as status:
            has_proc = "Umask:" in status.read()
    except OSError:
        has_proc = False
    assert out.split()[:2] == ["0o27", "0o27"]
    assert out.split(maxsplit=2)[2].strip() == ("[]" if has_proc else "[0, 23]")


@posix_only
def test_without_proc_the_umask_is_read_by_setting_it_back(monkeypatch):
    def no_proc(*args, **kwargs):
        raise FileNotFoundError("/proc/self/status")

    monkeypatch.setattr(atomic, "open", no_proc, raising=False)
    current = os.umask(0o022)
    os.umask(current)
    assert atomic.process_umask.__wrapped__() == current
    assert os.umask(current) == current  # set back as it was


@posix_only
def test_a_named_pipe_is_refused_at_once_and_never_read(tmp_path):
    pipe = tmp_path / "eval.json"
    os.mkfifo(pipe)  # opening it for reading would block until a writer came
    with pytest.raises(atomic.RunError, match="is a named pipe, not a file rlgrid wrote"):
        atomic.read_json(pipe)
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def test_read_json_names_the_file_and_what_is_wrong(tmp_path):
    with pytest.raises(atomic.RunError, match=r"m\.json is missing"):
        atomic.read_json(tmp_path / "m.json")
    (tmp_path / "m.json").write_text("[1, 2]")
    with pytest.raises(atomic.RunError, match="its top level is a list, not an object"):
        atomic.read_json(tmp_path / "m.json")
    assert atomic.read_json(tmp_path / "m.json", expected=list) == [1, 2]
