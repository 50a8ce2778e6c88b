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
    pytest.importorskip("ray")
    result = compare(tmp_path, *TINY, "--name", "tiny", "--backend", "ray")
    assert result.exit_code == 0, result.output

    def columns(folder):  # seconds differ between machines and runs; the rest must not
        return [line.split(",")[:8] for line in (folder / "results.csv").read_text().splitlines()]

    assert columns(tmp_path / "tiny") == columns(tiny_study)
    assert len(list((tmp_path / "tiny" / "runs").iterdir())) == 8
