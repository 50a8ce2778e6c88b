from rlgrid.bench.measures import Measure
from rlgrid.bench.solving import SolveResult, SolveSummary
from rlgrid.bench.speed import Throughput
from rlgrid.bench.targets import (
    env_targets,
    preset_targets,
    solve_targets,
    speed_targets,
    tangram_targets,
)


def summary(label, *runs):
    """``runs``: (solved_at, train seconds, process seconds) per seed."""
    return SolveSummary(label, [SolveResult(label, i, *run) for i, run in enumerate(runs)])


def test_env_targets():
    env = [Measure("seed", [1e5], "steps/s"), Measure("N=16384", [9e7], "steps/s")]
    sb3 = [Measure("seed", [100.0], "steps/s"), Measure("x16", [1250.0], "steps/s")]
    assert env_targets(env, sb3) == [
        ["batched env at N=16384", "90.0M steps/s", ">= 100M steps/s", "no"],
        ["SB3 A2C on batched x16 vs one seed env", "12.5x", ">= 12x", "yes"],
    ]


def test_solve_targets_compare_default_a2c_with_the_reference():
    reference = summary("reference", (4000, 10.0, 20.0), (6000, 12.0, 22.0))
    default = summary("rlgrid a2c 10x10 default", (2000, 0.5, 6.0), (2000, 0.5, 6.0))
    big = summary("rlgrid a2c 64x64 default", (2000, 0.5, 12.0))
    rows = solve_targets(reference, [reference, default, big])
    assert rows == [
        ["default a2c 10x10, training time vs reference", "22.0x", ">= 10x", "yes"],
        ["default a2c 10x10, whole process vs reference", "3.5x", ">= 4x", "no"],
        ["a2c 64x64 default (anywhere, random start), whole process", "12.0 s", "<= 10 s", "no"],
    ]


def test_solve_targets_when_default_a2c_does_not_solve():
    reference = summary("reference", (4000, 10.0, 20.0))
    default = summary("rlgrid a2c 10x10 default", (None, 9.0, 12.0), (2000, 0.5, 3.0))
    assert solve_targets(reference, [reference, default]) == [
        ["default a2c solves 10x10", "not solved", "solved", "no"]
    ]
    unsolved = summary("reference", (None, 10.0, 20.0))  # no reference time: nothing to compare
    assert solve_targets(unsolved, [unsolved, default]) == []


def test_preset_targets_need_most_seeds_solved_within_a_median_time():
    rows = preset_targets([
        summary("preset qtable_shelves_16x16.toml", (9000, 20.0, 2000.0)),
        summary("preset a2c_aisles_32x32.toml", (9000, 6.0, 7.0), (None, 99.0, 99.0)),
        summary("preset a2c_aisles_64x64.toml", (9000, 6.0, 30.0), (9000, 6.0, 90.0),
                (9000, 6.0, 39.0)),
        summary("preset mine.toml", (9000, 1.0, 2.0)),
    ])  # fmt: skip
    assert rows == [
        ["q-table, 16x16 map, every pair, solved, whole process",
         "2000.0 s (median; 1/1 seeds solved)", "solved", "yes"],
        ["a2c, 32x32 aisles, random start, solved, whole process", "1/2 seeds solved",
         "solved, median <= 20 s", "no"],
        ["a2c, 64x64 aisles, random start, solved, whole process",
         "39.0 s (median; 3/3 seeds solved)", "solved, median <= 40 s", "yes"],
    ]  # fmt: skip


def test_the_coords_target_holds_on_every_seed():
    what = "a2c 64x64 raw coordinates preset (anywhere, random start), whole process"
    reference = summary("reference", (None, 10.0, 20.0))

    def coords(*runs):
        return solve_targets(reference, [reference, summary("preset a2c_64x64_coords.toml", *runs)])

    assert coords((9000, 5.0, 20.0), (9000, 5.0, 59.0), (9000, 5.0, 30.0)) == [
        [what, "max 59.0 s (median 30.0 s)", "every seed <= 60 s", "yes"]]  # fmt: skip
    assert coords((9000, 5.0, 20.0), (9000, 5.0, 61.0), (9000, 5.0, 30.0))[0][-1] == "no"
    assert coords((9000, 5.0, 20.0), (None, 5.0, 30.0), (9000, 5.0, 30.0)) == [
        [what, "2/3 seeds solved", "every seed <= 60 s", "no"]]  # fmt: skip


def test_speed_targets_a2cs_best_width_and_each_training_side_by_side():
    found = [Throughput("seed-env", 1, [900.0]), Throughput("a2c", 64, [50_000.0, 61_000.0]),
             Throughput("a2c", 256, [70_000.0, 62_000.0, 65_000.0]),
             Throughput("dqn", 1024, [900_000.0])]  # fmt: skip
    alone = summary("alone", (900, 1.0, 20.0), (900, 1.0, 10.0))
    pairs = ((0, 24.0), (0, 26.0), (1, 12.0), (1, 13.5))  # (seed, whole process seconds)
    side = SolveSummary("side", [SolveResult("side", seed, 900, 1.0, s) for seed, s in pairs])
    assert speed_targets(found, alone, side) == [
        ["SB3 A2C on the batched warehouse at its best batch width (alone)",
         "65,000 steps/s at n_envs 256", ">= 60,000 steps/s (quiet machine)", "yes"],
        ["two trainings side by side, each within 1.3x of alone (whole process)",
         "max 1.35x (median 1.25x)", "each <= 1.3x", "no"],
    ]  # fmt: skip
    assert speed_targets(found[:1], None, None) == []


def test_tangram_targets_the_solver_every_seed_of_each_preset_and_a_run():
    rows = tangram_targets(0.0005, 0.009, [
        summary("preset maskable_ppo_tangram_square.toml", (20000, 20.0, 30.0),
                (30000, 30.0, 40.0), (25000, 25.0, 35.0)),
        summary("preset qtable_tangram_square.toml", (5000, 2.0, 4.0), (None, 9.0, 10.0)),
    ], (0.872, 500))  # fmt: skip
    assert rows == [
        ["tangram solver counts every assembly of a generated silhouette, cold (median)",
         "0.50 ms (9.00 ms with a fresh canvas)", "< 100 ms", "yes"],
        ["tangram square, maskable-ppo: greedy success 100% over 100 episodes", "3/3 seeds",
         "every seed", "yes"],
        ["tangram square, maskable-ppo: trained, whole process", "max 40.0 s (median 35.0 s)",
         "every seed <= 120 s", "yes"],
        ["tangram square, q-table: greedy success 100% over 100 episodes", "1/2 seeds",
         "every seed", "no"],
        ["tangram square, q-table: trained, whole process", "max 4.0 s (median 4.0 s)",
         "every seed <= 120 s", "no"],
        ["tangram generalisation: greedy success on 500 unseen generated silhouettes",
         "87.2%", ">= 90%", "no"],
    ]  # fmt: skip


def test_tangram_targets_a_slow_solver_and_a_slow_preset():
    rows = tangram_targets(0.05, 0.2, [summary("preset mine.toml", (900, 100.0, 130.0))])
    assert rows[0][1:] == ["50.00 ms (200.00 ms with a fresh canvas)", "< 100 ms", "no"]
    assert rows[2] == ["tangram square, mine.toml: trained, whole process",
                       "max 130.0 s (median 130.0 s)", "every seed <= 120 s", "no"]  # fmt: skip
