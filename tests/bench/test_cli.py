import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlgrid.bench import report
from rlgrid.bench.report import BenchReport, Section
from rlgrid.cli.app import app
from rlgrid.envs.grid import GridSize
from tests.conftest import REPO


def test_bench_rejects_unknown_parts():
    result = CliRunner().invoke(app, ["bench", "--only", "everything"])
    assert result.exit_code == 2
    assert "choose env, solve, presets, tangram or speed" in result.stderr


def test_bench_refuses_a_missing_preset(tmp_path):
    missing = tmp_path / "nope.toml"
    result = CliRunner().invoke(app, ["bench", "--only", "presets", "--preset", str(missing)])
    assert result.exit_code == 2
    assert f"{missing} is not a file" in result.stderr


def test_bench_prints_each_table_and_where_the_results_are(tmp_path, monkeypatch):
    calls = []

    def run_bench(**options):
        calls.append(options)
        options["progress"]("timing the reference")
        sections = [
            Section("env throughput on 6x6", ["env", "steps/s"], [["seed env", "123,456"]]),
            Section("targets", ["target", "measured", "wanted", "met"],
                    [["batched env at N=16384", "1.0M steps/s", ">= 100M steps/s", "no"]]),
        ]  # fmt: skip
        return BenchReport(tmp_path / "bench-2", sections, {})

    monkeypatch.setattr(report, "run_bench", run_bench)
    args = ["--grid", "6x6", "--algo", "a2c, ppo", "--solve-grid", "4x4,8x8"]
    result = CliRunner().invoke(app, ["bench", *args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [options] = calls
    assert options["grid"] == GridSize(6, 6) and options["algos"] == ["a2c", "ppo"]
    assert options["grids"] == [GridSize(4, 4), GridSize(8, 8)]
    assert options["parts"] == {"env", "solve"} and options["presets"] == []
    assert options["speed"] is None  # never in the default run
    assert options["out"] == tmp_path
    out = result.stdout
    assert "env throughput on 6x6" in out and "123,456" in out
    assert "batched env at N=16384" in out and ">= 100M steps/s" in out
    assert out.index("env throughput") < out.index("targets")
    folder = tmp_path / "bench-2"
    assert f"results: {folder}/bench.json, {folder}/bench.md" in out


def test_bench_times_the_presets_asked_for(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        report,
        "run_bench",
        lambda **options: calls.append(options) or BenchReport(tmp_path, [], {}),
    )
    preset = tmp_path / "mine.toml"
    preset.write_text("")
    result = CliRunner().invoke(app, ["bench", "--only", "presets", "--preset", str(preset)])
    assert result.exit_code == 0, result.output
    assert calls[0]["parts"] == {"presets"} and calls[0]["presets"] == [preset]


def test_bench_measures_the_tangram_with_its_presets(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        report,
        "run_bench",
        lambda **options: calls.append(options) or BenchReport(tmp_path, [], {}),
    )
    monkeypatch.chdir(REPO)  # the presets are named from the repository
    args = ["--tangram-silhouettes", "7", "--tangram-episodes", "9", "--tangram-run", "runs/x"]
    result = CliRunner().invoke(app, ["bench", "--only", "tangram", *args])
    assert result.exit_code == 0, result.output
    [options] = calls
    setup = options["tangram"]
    assert options["parts"] == {"tangram"} and options["presets"] == []
    assert [path.name for path in setup.presets] == [
        "maskable_ppo_tangram_square.toml", "qtable_tangram_square.toml"]  # fmt: skip
    assert (setup.silhouettes, setup.episodes, setup.run) == (7, 9, Path("runs/x"))


def test_bench_tangram_needs_the_repository_and_its_run_needs_the_part(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["bench", "--only", "tangram"])
    assert result.exit_code == 2
    assert "run the tangram part from rlgrid's repository" in result.stderr
    result = CliRunner().invoke(app, ["bench", "--tangram-run", "runs/x"])
    assert result.exit_code == 2 and "goes with --only tangram" in result.stderr


def test_bench_measures_speed_as_asked(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        report,
        "run_bench",
        lambda **options: calls.append(options) or BenchReport(tmp_path, [], {}),
    )
    monkeypatch.chdir(REPO)  # the default presets are named from the repository
    args = ["--widths", "8, 32", "--speed-algo", "dqn,a2c", "--speed-seconds", "1.5",
            "--width-preset", "none", "--repeats", "2"]  # fmt: skip
    result = CliRunner().invoke(app, ["bench", "--only", "speed", *args])
    assert result.exit_code == 0, result.output
    [options] = calls
    setup = options["speed"]
    assert options["parts"] == {"speed"} and options["repeats"] == 2
    assert (setup.algos, setup.widths, setup.seconds) == (["dqn", "a2c"], [8, 32], 1.5)
    assert setup.pair_preset == Path("configs/a2c_64x64_coords.toml")
    assert setup.width_preset is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--widths", "16,wide"], "'16,wide': give whole numbers"),
        (["--widths", "0,16"], "'0,16': give widths of 1 or more"),
        (["--speed-algo", "a2c,sac"], "sac: choose from a2c, ppo, dqn"),
        (["--pair-preset", "nope.toml"], "nope.toml is not a file (run from rlgrid's repository"),
    ],
)
def test_bench_refuses_speed_options_it_cannot_measure(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, ["bench", "--only", "speed", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


@pytest.mark.slow
def test_bench_times_a_preset_as_a_whole_process(run_rlgrid, tmp_path):
    preset = REPO / "configs" / "qtable_4x5.toml"
    done = run_rlgrid("bench", "--only", "presets", "--preset", str(preset), "--seeds", "1",
                      "--out", "out")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "presets as whole processes (median, min-max over 1 seeds)" in done.stdout
    assert "preset qtable_4x5.toml" in done.stdout and "1/1" in done.stdout
    assert "results: out/bench/bench.json, out/bench/bench.md" in done.stdout
    written = json.loads((tmp_path / "out" / "bench" / "bench.json").read_text())
    [timed] = written["presets"]
    assert timed["label"] == "preset qtable_4x5.toml" and timed["runs"][0]["solved_at"] > 0
    assert "| preset qtable_4x5.toml | 1/1 |" in (tmp_path / "out/bench/bench.md").read_text()
