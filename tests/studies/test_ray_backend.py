import pytest

from rlgrid.studies.ray_backend import _pack, _unpack
from tests.studies.conftest import TINY, compare


def test_a_run_folder_travels_whole_but_without_hidden_files(tmp_path):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "manifest.json").write_text("{}")
    (run / "checkpoints" / "a2c_1.zip").write_bytes(b"\x00\x01")
    (run / ".lock").write_text("pid")
    files = _pack(run)
    assert files == {"checkpoints/a2c_1.zip": b"\x00\x01", "manifest.json": b"{}"}
    _unpack(files, tmp_path / "copy")
    assert _pack(tmp_path / "copy") == files
    assert not (tmp_path / "copy" / ".lock").exists()


@pytest.mark.slow
def test_ray_backend_gives_the_same_table(tiny_study, tmp_path):
    """The tiny study's q-table half as Ray tasks (none of them loads torch) gives the tiny
    study's q-table rows."""
    pytest.importorskip("ray")
    q_table = list(TINY)
    q_table[TINY.index("--algo") + 1] = "q-table"
    result = compare(tmp_path, *q_table, "--name", "tiny", "--backend", "ray")
    assert result.exit_code == 0, result.output

    def rows(folder):  # seconds differ between machines and runs; the rest must not
        lines = (folder / "results.csv").read_text().splitlines()
        return [line.split(",")[:8] for line in lines if not line.startswith("a2c,")]

    assert rows(tmp_path / "tiny") == rows(tiny_study)
    assert len(rows(tiny_study)) == 3  # the header and two q-table rows
    assert len(list((tmp_path / "tiny" / "runs").iterdir())) == 2
