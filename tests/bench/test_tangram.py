import json

import pytest
from typer.testing import CliRunner

from rlgrid.bench import solving, tangram, tangram_part
from rlgrid.bench.report import run_bench
from rlgrid.bench.solving import SolveResult, SolveSummary
from rlgrid.bench.tangram import Played, SolverTiming
from rlgrid.bench.tangram_part import TangramSetup
from rlgrid.cli.app import app
from rlgrid.envs.grid import GridSize
from rlgrid.envs.registration import TANGRAM_ID
from rlgrid.envs.tangram.silhouettes import classic, generated
from rlgrid.evaluation import EvalResult
from rlgrid.training.assess import evaluate_run


def test_the_solver_is_timed_cold_on_each_silhouette():
    figures = [classic("square"), *generated(3, tangram.SILHOUETTE_SEED)]
    timing = tangram.time_solver("four", figures)
    assert timing.counts[0] == 8  # the square's assemblies, pieces of a kind alike
    assert all(count >= 1 for count in timing.counts[1:])  # generated: solvable by construction
    assert len(timing.count_seconds) == len(timing.canvas_seconds) == 4
    totals = timing.total_seconds()
    assert all(t > c > 0 for t, c in zip(totals, timing.count_seconds, strict=True))


def test_solver_timings_are_the_agents_first_silhouettes_then_the_square():
    first, square = tangram.solver_timings(2)
    assert first.label == "2 generated (silhouette seed 1000)" and len(first.counts) == 2
    assert square.counts == [8] * tangram.SQUARE_REPEATS


def test_a_solver_row_is_milliseconds_and_counts():
    timing = SolverTiming(
        "x",
        [0.004] * 10,
        [0.001 * k for k in range(1, 11)],
        [1, 2, 2, 3, 5, 8, 2, 1, 2, 20],
    )
    assert tangram.solver_row(timing) == [
        "x", "5.50", "9.00", "10.00", "9.50", "1 / 2 / 20", "4 / 8 / 80",
    ]  # fmt: skip
    assert tangram.percentile([3.0, 1.0, 2.0], 0.9) == 3.0
    assert tangram.percentile([5.0], 0.5) == 5.0


def result(rate, episodes=10, length=7.0):
    return EvalResult(episodes, rate, length, None, None, rate, None)


def test_a_played_row_counts_the_successes():
    played = Played("random masked", "the square", result(0.017, 1000, 5.123))
    assert played.row() == ["random masked", "the square", "17/1000 (1.7%)", "5.12"]
    assert played.data()["agent"] == "random masked"
    assert played.data()["success_rate"] == 0.017


def test_the_agents_play_as_rlgrid_eval_plays_them():
    played = tangram.play("random:6", 6)
    assert [p.agent for p in played] == ["oracle (solver)", "random masked"]
    assert played[0].silhouettes == "6 generated (random:6, silhouette seed 1000)"
    assert played[0].result.success_rate == 1.0 and played[0].result.mean_length == 7.0
    kwargs = {"silhouettes": "random:6", "silhouette_seed": tangram.SILHOUETTE_SEED}
    same = evaluate_run(None, {}, False, 6, 0, None, True,
                        env={"env.id": TANGRAM_ID, "env.kwargs": kwargs}, random=True)  # fmt: skip
    assert played[1].result == same.random and played[0].result == same.oracle


@pytest.mark.slow
def test_a_trained_run_plays_first_beside_the_oracle_and_the_random_agent(tmp_path):
    runs = tmp_path / "runs"
    trained = CliRunner().invoke(app, [
        "train", "--env", TANGRAM_ID, "--algo", "maskable-ppo", "--timesteps", "256",
        "--env-kwargs", "silhouettes=random:20", "--runs-dir", str(runs), "--name", "tiny",
    ])  # fmt: skip
    assert trained.exit_code == 0, trained.output
    played = tangram.play("random:5", 5, runs / "tiny")
    assert [p.agent for p in played] == [f"run {runs / 'tiny'}", "oracle (solver)",
                                         "random masked"]  # fmt: skip
    assert played[0].result.episodes == 5 and played[1].result.success_rate == 1.0


def fake_preset(preset, seed, timeout):
    if preset.name == "qtable_tangram_square.toml":
        return SolveResult(f"preset {preset.name}", seed, 5000 + seed, 2.0, 4.0 + seed, 900)
    return SolveResult(f"preset {preset.name}", seed, None, 50.0, 130.0)


def test_the_tangram_part_measures_and_writes_its_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(solving, "preset_solve", fake_preset)
    presets = [
        tmp_path / "qtable_tangram_square.toml",
        tmp_path / "maskable_ppo_tangram_square.toml",
    ]
    told = []
    done = run_bench(
        GridSize(10, 10), 1, [], [], [], seeds=3, budget=1, reference_budget=1,
        parts={"tangram"}, out=tmp_path, progress=told.append,
        tangram=TangramSetup(presets, silhouettes=3, episodes=4, square_episodes=5),
    )  # fmt: skip
    titles = [section.title for section in done.sections]
    assert titles[0].startswith("tangram solver: every assembly counted, cold")
    assert titles[1].startswith("tangram agents, greedy, on the same episodes")
    assert titles[2] == "tangram square presets as whole processes (median, min-max over 3 seeds)"
    assert titles[-1] == "targets" and len(titles) == 4
    assert [row[:3] for row in done.sections[1].rows] == [
        ["oracle (solver)", "4 generated (random:4, silhouette seed 1000)", "4/4 (100.0%)"],
        ["random masked", "4 generated (random:4, silhouette seed 1000)",
         done.sections[1].rows[1][2]],
        ["oracle (solver)", "the square", "5/5 (100.0%)"],
        ["random masked", "the square", done.sections[1].rows[3][2]],
    ]  # fmt: skip
    assert done.sections[2].rows == [
        ["qtable_tangram_square.toml", "3/3", "5,001", "900", "2.00 (2.00-2.00)",
         "5.00 (4.00-6.00)"],
        ["maskable_ppo_tangram_square.toml", "0/3", "not solved", "not solved", "not solved",
         "not solved"],
    ]  # fmt: skip
    targets = {row[0]: row[1:] for row in done.sections[-1].rows}
    assert targets["tangram square, q-table: trained, whole process"] == [
        "max 6.0 s (median 5.0 s)", "every seed <= 120 s", "yes"]  # fmt: skip
    assert targets["tangram square, maskable-ppo: greedy success 100% over 100 episodes"] == [
        "0/3 seeds", "every seed", "no"]  # fmt: skip
    assert not any(name.startswith("tangram generalisation") for name in targets)
    assert told[:3] == ["timing the tangram solver", "playing 4 generated silhouettes",
                        "playing 5 episodes of the square"]  # fmt: skip
    assert "preset maskable_ppo_tangram_square.toml, seed 2" in told

    written = json.loads((done.folder / "bench.json").read_text())
    assert written["tangram"]["solver"][0]["counts"] == done.data["tangram"]["solver"][0]["counts"]
    assert len(written["tangram"]["agents"]) == 4 and written["tangram"]["run"] is None
    assert written["tangram"]["presets"][0]["runs"][0]["episodes"] == 900
    assert "### tangram square presets" in (done.folder / "bench.md").read_text()


def test_a_given_run_adds_the_generalisation_target(tmp_path, monkeypatch):
    asked = []

    def play(silhouettes, episodes, run=None):
        asked.append((silhouettes, episodes, run))
        rows = [Played("oracle (solver)", silhouettes, result(1.0, episodes)),
                Played("random masked", silhouettes, result(0.04, episodes))]  # fmt: skip
        if run is not None:
            rows.insert(0, Played(f"run {run}", silhouettes, result(0.93, episodes)))
        return rows

    monkeypatch.setattr(tangram, "play", play)
    part = tangram_part.measure(
        TangramSetup([], silhouettes=2, episodes=500, run=tmp_path / "mine"), 3, 60, print
    )
    assert asked == [("random:500", 500, tmp_path / "mine"), ("square", 5000, None)]
    assert part.targets[-1] == [
        "tangram generalisation: greedy success on 500 unseen generated silhouettes",
        "93.0%", ">= 90%", "yes",
    ]  # fmt: skip
    assert part.sections[1].rows[0][0] == f"run {tmp_path / 'mine'}"
    assert len(part.sections) == 2  # no presets asked for: no presets table
    assert part.data["run"] == str(tmp_path / "mine")


def test_a_preset_row_says_when_no_episodes_were_recorded():
    summary = SolveSummary("preset p.toml", [SolveResult("preset p.toml", 0, 100, 1.0, 2.0)])
    assert tangram_part.preset_row(summary)[:4] == ["p.toml", "1/1", "100", "-"]
