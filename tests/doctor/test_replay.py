"""The doctor's replay of a trained agent: loops found where a greedy agent is trapped (and only
there), where it fails named and drawn, nothing said of an agent that solves."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.doctor import failure_picture
from rlgrid.doctor.episodes import Loop, find_loop
from rlgrid.doctor.replay import LOOPS, WHERE, replay_agent, replay_findings
from rlgrid.findings import WARNING
from rlgrid.training import load_run_config

PNG = b"\x89PNG\r\n\x1a\n"


def trained(runs: Path, name: str, *args: str) -> Path:
    """A run trained by ``rlgrid train ARGS`` under ``runs``."""
    result = CliRunner().invoke(app, ["train", "--runs-dir", str(runs), "--name", name, *args])
    assert result.exit_code == 0, result.output
    return runs / name


def replayed(run: Path, out: Path | None):
    config = load_run_config(run)
    agent, model = replay_agent(run, config)
    return replay_findings(run, config, agent, out, model=model)


def by_check(findings) -> dict:
    return {finding.check: finding for finding in findings}


def test_a_loop_is_a_time_limit_reached_repeating_one_cycle():
    assert find_loop([1, 2, 3, 2, 3, 2, 3], truncated=True) == (1, 2)
    assert find_loop([1, 2, 2, 2], truncated=True) == (1, 1)
    assert find_loop([1, 2, 3, 2, 3, 2, 3], truncated=False) is None  # the env ended it
    assert find_loop([1, 2, 3, 2, 4, 2, 3], truncated=True) is None  # random moves break it
    assert find_loop([1, 2, 3, 2], truncated=True) is None  # one repeat is not yet a loop
    assert find_loop([1, 2, 3, 4], truncated=True) is None


def test_loops_are_named_by_the_cells_they_go_through():
    assert Loop(2, ((3, 4), (3, 5))).words() == "2-cell oscillation between (3, 4) and (3, 5)"
    assert Loop(1, ((0, 0),)).words() == "stuck at (0, 0), its move leaving it in place"
    assert Loop(1, ()).words() == "stuck in one state"
    assert (
        Loop(4, ((0, 0), (0, 1), (1, 1), (1, 0)))
        .words()
        .startswith("a 4-step cycle through 4 cells: (0, 0) -> (0, 1)")
    )


@pytest.mark.slow  # trains, then replays and draws twice
def test_an_undertrained_q_table_loops_and_its_failing_targets_are_drawn(tmp_path):
    run = trained(tmp_path, "q66", "--algo", "q-table", "--grid", "6x6", "--episodes", "30")
    out = tmp_path / "failures.png"
    findings, measured, picture = replayed(run, out)
    found = by_check(findings)
    loops, where = found[LOOPS], found[WHERE]
    assert loops.severity == where.severity == WARNING
    assert measured["replay_failing"] > 0
    assert measured["replay_looping"] == measured["replay_failing"]  # trapped, every one
    assert f"{measured['replay_looping']} of {measured['replay_failing']} failing" in loops.evidence
    assert "most common: " in loops.evidence
    assert "still 0 in the table" in loops.evidence
    assert loops.fix is not None and loops.fix.changes["episodes"] > 30
    assert loops.fix.changes["until_solved"] is True
    assert "failing targets (failed/played): (" in where.evidence
    assert "every episode starts at (0, 0)" in where.evidence
    assert "--seed 10000" in measured["replay_watch"]
    assert picture == out and out.read_bytes().startswith(PNG)
    assert measured["replay_picture"] == str(out)
    again, _, _ = replayed(run, None)  # seeded: the same episodes, the same words
    assert by_check(again)[LOOPS] == loops


def test_a_solved_warehouse_gets_no_warning_and_no_picture(tmp_path):
    run = trained(tmp_path, "q45", "--algo", "q-table")
    out = tmp_path / "failures.png"
    findings, measured, picture = replayed(run, out)
    assert findings == []
    assert measured["replay_success_rate"] == 1.0 and measured["replay_looping"] == 0
    assert picture is None and not out.exists()


@pytest.mark.slow  # trains, then replays and draws
def test_a_failing_tangram_agent_gets_a_contact_sheet_of_its_silhouettes(tmp_path, monkeypatch):
    run = trained(tmp_path, "tq", "--config", "configs/qtable_tangram_square.toml",
                  "--episodes", "20")  # fmt: skip
    sheets = []
    draw = failure_picture.contact_sheet

    def spy(panels, title):
        sheets.append((panels, title))
        return draw(panels, title)

    monkeypatch.setattr(failure_picture, "contact_sheet", spy)
    out = tmp_path / "failures.png"
    findings, measured, picture = replayed(run, out)
    where = by_check(findings)[WHERE]
    assert LOOPS not in by_check(findings)  # every step places a piece: no state repeats
    assert f"failing silhouettes (failed/played): square {measured['replay_failing']}/" in (
        where.evidence
    )
    assert picture == out and out.read_bytes().startswith(PNG)
    [(panels, title)] = sheets
    assert "greedy episodes" in title
    frames, caption = panels[0]
    assert len(frames) == 2 and frames[0].ndim == 3  # first and last frame, RGB
    assert caption.startswith("seed 10000 · square")


@pytest.mark.slow
def test_a_deep_run_replays_its_final_model_and_is_told_to_shape_a_sparse_reward(tmp_path):
    preset = tmp_path / "a2c.toml"
    preset.write_text(
        'algo = "a2c"\ntimesteps = 400\n[env]\ngrid = "8x8"\nreward = "sparse"\n'
        "[eval]\nfreq = 200\n[a2c]\nn_envs = 2\n"
    )
    run = trained(tmp_path, "a2c", "--config", str(preset))
    config = load_run_config(run)
    agent, model = replay_agent(run, config)
    assert model == run / "model.zip"  # what training ended with, not the best on the way
    findings, measured, _ = replay_findings(run, config, agent, None, episodes=20, model=model)
    assert measured["replay_episodes"] == 20
    found = by_check(findings)
    assert found[LOOPS].fix.changes == {
        "timesteps": 100_000,
        "until_solved": True,
        "env.reward": "potential",  # the warehouse's reward that pays progress
    }
    assert "the q-table" not in found[LOOPS].evidence
    assert measured["replay_watch"].startswith(f"rlgrid render {model} --ansi --seed 10000")
    assert measured["replay_model"] == str(model)
