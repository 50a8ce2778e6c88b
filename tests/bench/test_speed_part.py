import json
import subprocess
from pathlib import Path

import pytest

from rlgrid.bench import solving, speed, speed_part
from rlgrid.bench.report import run_bench
from rlgrid.bench.solving import SolveResult
from rlgrid.bench.speed import SEED_ENV, Throughput
from rlgrid.bench.speed_part import SpeedSetup
from rlgrid.envs.grid import GridSize
from tests.conftest import REPO


def throughput(algos, widths, repeats, seconds, timeout, tell):
    tell("training throughput")
    return [Throughput(SEED_ENV, 1, [1000.0], [], {"n_steps": 5})] + [
        Throughput(algo, n, [100.0 * n], [50.0 * n, 60.0 * n], {"n_steps": 5})
        for algo in algos
        for n in widths
    ]


def write_preset(path, n_envs):
    path.write_text(f'algo = "a2c"\n\n[env]\ngrid = "6x6"\n\n[a2c]\nn_envs = {n_envs}\n')
    return path


def test_the_speed_part_measures_and_writes_its_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(speed, "measure_throughput", throughput)
    solved = []

    def preset_solve(preset, seed, timeout, extra=()):
        solved.append((preset.name, seed, tuple(extra)))
        width = int(extra[1]) if extra else 0
        steps = None if width == 1024 else 1000 * (width or 3)
        return SolveResult(f"preset {preset.name}", seed, steps, 10.0 + seed, 20.0 + seed)

    def preset_pair(preset, seed, timeout, extra=()):
        return [SolveResult(f"preset {preset.name}", seed, 3000, 12.0 + seed, 22.0 + seed),
                SolveResult(f"preset {preset.name}", seed, 3000, 13.0 + seed, 30.0)]  # fmt: skip

    monkeypatch.setattr(solving, "preset_solve", preset_solve)
    monkeypatch.setattr(solving, "preset_pair", preset_pair)
    pair = write_preset(tmp_path / "pair.toml", 16)
    widths = write_preset(tmp_path / "widths.toml", 32)
    setup = SpeedSetup(["a2c", "dqn"], [16, 1024], 0.5, pair, widths)
    told = []
    done = run_bench(GridSize(10, 10), 1, [], [], [], seeds=2, budget=1, reference_budget=1,
                     parts={"speed"}, out=tmp_path, progress=told.append,
                     speed=setup)  # fmt: skip

    titles = [section.title for section in done.sections]
    assert titles[0].startswith("training throughput on the batched warehouse 16x16")
    assert titles[1].startswith(f"two trainings side by side: {pair} (rlgrid train")
    assert "seeds 0-1 alone" in titles[1]
    assert titles[2].startswith(f"batch width: {widths} trained until solved with --n-envs N")
    assert titles[-1] == "targets" and len(titles) == 4
    assert [row[:2] for row in done.sections[0].rows] == [
        ["SB3 A2C, seed env (reference)", "1"], ["a2c", "16"], ["a2c", "1,024"], ["dqn", "16"],
        ["dqn", "1,024"]]  # fmt: skip
    assert done.sections[1].rows == [
        ["runs solved", "2/2", "4/4", ""],
        ["steps to solve (median)", "3,000", "3,000", ""],
        ["training s (median)", "10.50", "13.00", "1.24x"],
        ["whole process s (median)", "20.50", "26.50", "1.29x"],
    ]
    assert [row[:3] for row in done.sections[2].rows] == [
        ["16", "2/2", "16,000"], ["32 (the preset's)", "2/2", "32,000"],
        ["1,024", "0/2", "not solved"]]  # fmt: skip
    assert ("widths.toml", 1, ("--n-envs", "32")) in solved
    assert ("pair.toml", 1, ()) in solved
    targets = {row[0]: row[1:] for row in done.sections[-1].rows}
    assert targets["SB3 A2C on the batched warehouse at its best batch width (alone)"] == [
        "102,400 steps/s at n_envs 1,024", ">= 60,000 steps/s (quiet machine)", "yes"]  # fmt: skip
    assert targets["two trainings side by side, each within 1.3x of alone (whole process)"] == [
        "max 1.50x (median 1.26x)", "each <= 1.3x", "no"]  # fmt: skip
    assert told == [
        "training throughput", "pair.toml, seed 0, alone", "pair.toml, seed 0, two side by side",
        "pair.toml, seed 1, alone", "pair.toml, seed 1, two side by side",
        "widths.toml with n_envs 16, seed 0", "widths.toml with n_envs 32, seed 0",
        "widths.toml with n_envs 1024, seed 0", "widths.toml with n_envs 16, seed 1",
        "widths.toml with n_envs 32, seed 1", "widths.toml with n_envs 1024, seed 1"]  # fmt: skip

    written = json.loads((done.folder / "bench.json").read_text())
    assert written["speed"]["throughput"][1] == {"algo": "a2c", "n_envs": 16, "alone": [1600.0],
        "side": [800.0, 960.0], "params": {"n_steps": 5}}  # fmt: skip
    assert written["speed"]["widths"]["own"] == 32
    assert set(written["speed"]["seconds"]) == {"throughput", "side_by_side", "widths"}
    assert len(written["speed"]["side_by_side"]["side_by_side"]["runs"]) == 4
    assert "### batch width:" in (done.folder / "bench.md").read_text()


def test_a_speed_part_without_presets_has_the_throughput_table_only(tmp_path, monkeypatch):
    monkeypatch.setattr(speed, "measure_throughput", throughput)
    setup = SpeedSetup(["ppo"], [64], 0.5, None, None)
    part = speed_part.measure(setup, repeats=1, seeds=3, timeout=60, tell=print)
    assert len(part.sections) == 1 and set(part.data) == {"throughput", "seconds"}
    assert [row[0] for row in part.targets] == []  # no a2c measured, no pair trained


def test_a_presets_width_is_its_n_envs(tmp_path):
    assert speed_part.preset_width(write_preset(tmp_path / "p.toml", 48)) == 48


def finished(command, timeout):
    """A stand-in ``rlgrid train`` process: the run folder it would leave, solved."""
    folder = command[command.index("--runs-dir") + 1]
    run = Path(folder) / "bench"
    run.mkdir()
    seed = int(command[command.index("--seed") + 1])
    (run / "manifest.json").write_text(json.dumps(
        {"seconds": 1.5, "timesteps": 900, "solved_at": {"timesteps": 800 + seed},
         "episodes": 40}))  # fmt: skip
    (run / "eval.json").write_text(json.dumps({"solved": True, "result": {}}))
    return subprocess.CompletedProcess(command, 0, "", ""), 3.0 + len(folder) % 2


def test_a_pair_is_the_same_training_twice_in_its_own_folders(monkeypatch, tmp_path):
    commands = []
    monkeypatch.setattr(
        solving, "_run", lambda command, timeout: commands.append(command) or finished(command, 1)
    )
    preset = tmp_path / "p.toml"
    first, second = solving.preset_pair(preset, 2, 60, ["--n-envs", "8"])
    assert first.solved_at == second.solved_at == 802 and first.episodes == 40
    assert first.label == "preset p.toml" and first.seed == 2
    folders = [c[c.index("--runs-dir") + 1] for c in commands]
    assert len(set(folders)) == 2
    assert all(c[-2:] == ["--n-envs", "8"] and str(preset) in c for c in commands)


@pytest.mark.slow
def test_two_real_trainings_side_by_side_do_the_same_work():
    first, second = solving.preset_pair(REPO / "configs" / "qtable_4x5.toml", 0, 300)
    assert first.solved_at == second.solved_at is not None
    assert first.process_seconds > 0 and second.process_seconds > 0
