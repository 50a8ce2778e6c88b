import json

from rlgrid.bench import measures, report, solving
from rlgrid.bench.measures import Measure
from rlgrid.bench.report import Section, run_bench
from rlgrid.bench.solving import SolveResult
from rlgrid.envs.grid import GridSize


def test_a_section_is_a_markdown_table():
    section = Section("speed", ["env", "steps/s"], [["seed", "10"], ["rlgrid", "20"]])
    assert section.markdown() == (
        "### speed\n\n| env | steps/s |\n|---|---|\n| seed | 10 |\n| rlgrid | 20 |\n"
    )
    assert report.markdown([section, section]) == 2 * (section.markdown() + "\n")


def test_env_sections_compare_with_the_seed_env():
    env = [Measure("seed env", [100.0, 200.0, 300.0], "steps/s"),
           Measure("batched", [1000.0, 3000.0, 2000.0], "steps/s")]  # fmt: skip
    sb3 = [Measure("seed", [10.0], "steps/s"), Measure("batched", [130.0], "steps/s")]
    speed, training = report.env_sections(GridSize(5, 5), 3, env, sb3)
    assert speed.title == "env throughput on 5x5, random actions (median of 3)"
    assert speed.rows == [["seed env", "200", "100-300", "1.0x"],
                          ["batched", "2,000", "1,000-3,000", "10.0x"]]  # fmt: skip
    assert training.title == "SB3 A2C training throughput on 5x5"
    assert training.rows == [["seed", "10", "1.0x"], ["batched", "130", "13.0x"]]


def fake_result(label, seed, solved_at=2000, train=1.0, process=3.0):
    return SolveResult(label, seed, solved_at, train, process)


def test_run_bench_measures_each_part_and_writes_its_tables(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(measures, "env_throughput", lambda grid, repeats, seconds: [
        Measure("seed env via gymnasium (reference)", [1e6], "steps/s"),
        Measure("rlgrid batched env, N=16384", [2e8], "steps/s")])  # fmt: skip
    monkeypatch.setattr(measures, "sb3_throughput", lambda grid, steps, repeats: [
        Measure("seed", [100.0], "steps/s"), Measure("batched", [1000.0], "steps/s")])  # fmt: skip

    def rlgrid_solve(algo, grid, reward, seed, budget, timeout):
        asked.append((algo, str(grid), reward, seed, budget))
        return fake_result(f"rlgrid {algo} {grid} {reward}", seed, train=0.1, process=2.0)

    monkeypatch.setattr(solving, "rlgrid_solve", rlgrid_solve)
    monkeypatch.setattr(solving, "reference_solve", lambda grid, seed, budget, timeout:
                        fake_result("reference", seed, train=2.0, process=10.0))  # fmt: skip
    monkeypatch.setattr(solving, "preset_solve", lambda preset, seed, timeout:
                        fake_result(f"preset {preset.name}", seed, solved_at=None))  # fmt: skip
    told = []
    done = run_bench(
        GridSize(10, 10), 1, ["a2c"], [GridSize(10, 10), GridSize(64, 64)], ["default"],
        seeds=2, budget=1000, reference_budget=500, parts={"env", "solve", "presets"},
        out=tmp_path, presets=[tmp_path / "qtable_shelves_16x16.toml"], progress=told.append,
    )  # fmt: skip

    assert done.folder == tmp_path / "bench"
    titles = [section.title for section in done.sections]
    assert titles[2] == (
        "time to solve (median, min-max over 2 seeds; budget 1,000 steps, reference 500)"
    )
    assert titles[-1] == "targets" and len(titles) == 5
    solve = done.sections[2]
    assert [row[0] for row in solve.rows] == [
        "reference: SB3 A2C defaults on the seed env, 10x10",
        "rlgrid a2c 10x10 default",
        "rlgrid a2c 64x64 default",
        "preset a2c_64x64_coords.toml",
    ]
    assert "preset a2c_64x64_coords.toml, seed 1" in told  # the preset itself, every seed
    assert ("a2c", "64x64", "default", 1, 1000) in asked
    assert done.sections[3].rows == [
        ["preset qtable_shelves_16x16.toml", "0/2", "not solved", "not solved", "not solved"]
    ]
    targets = {row[0]: row[1:] for row in done.sections[-1].rows}
    assert targets["batched env at N=16384"] == ["200.0M steps/s", ">= 100M steps/s", "yes"]
    assert targets["default a2c 10x10, training time vs reference"] == ["20.0x", ">= 10x", "yes"]
    assert targets["q-table, 16x16 map, every pair, solved, whole process"][-1] == "no"
    assert told[0] == "measuring env throughput" and "reference, seed 1" in told
    assert "preset qtable_shelves_16x16.toml, seed 0" in told

    written = json.loads((done.folder / "bench.json").read_text())
    assert written == json.loads(json.dumps(done.data))
    assert written["targets"] == done.sections[-1].rows
    assert written["solve"][0]["label"].startswith("reference")
    assert (done.folder / "bench.md").read_text() == report.markdown(done.sections)
    assert done.files == [done.folder / "bench.json", done.folder / "bench.md"]


def test_run_bench_never_reuses_a_folder(tmp_path):
    first = run_bench(GridSize(4, 4), 1, [], [], [], 1, 1, 1, set(), tmp_path)
    second = run_bench(GridSize(4, 4), 1, [], [], [], 1, 1, 1, set(), tmp_path)
    assert first.folder != second.folder and second.folder.name.startswith("bench")
    assert first.sections == [] and first.data == {"grid": "4x4", "repeats": 1, "targets": []}
