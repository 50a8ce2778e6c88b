"""The doctor's reading of a run from its files: each pattern (plateau, still learning, collapse,
time limit, reward hacking, entropy and exploration collapse, value-loss blow-up, non-finite
values) found on a synthetic run folder that has it, and none on healthy solved runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from typer.testing import CliRunner

from rlgrid import runs
from rlgrid.algos.sb3.storage import EVALUATIONS, write_evaluations
from rlgrid.algos.sb3.train_stats import TrainStatsLog
from rlgrid.cli.app import app
from rlgrid.config import build_config
from rlgrid.doctor.trends import trend_findings
from rlgrid.findings import ERROR, NOTE, WARNING, Finding
from rlgrid.runs import EpisodeRow, metrics_text
from rlgrid.training import load_run_config

LIMIT, SHORTEST, STEPS = 36, 8, 20_000  # the 4x5 warehouse's time limit; a target 8 steps away
A2C = {"algo": "a2c", "env.grid": "4x5", "timesteps": STEPS}
Curve = Callable[[float], float]


def episodes(chance: Curve, n: int = 1000, shaped: Curve | None = None,
             epsilon: Curve | None = None) -> list[EpisodeRow]:  # fmt: skip
    """``n`` episodes spread evenly over the steps; each succeeds (in SHORTEST steps) with
    ``chance`` of the fraction of training done, else runs the time limit; ``shaped`` is a bonus
    on top of the env's own return, ``epsilon`` the exploration it was played with."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        done = (i + 1) / n
        won = bool(rng.random() < chance(done))
        ret = 1.0 if won else 0.0
        rows.append(EpisodeRow(i, round(done * STEPS), SHORTEST if won else LIMIT, ret, won,
                               None if epsilon is None else epsilon(done), SHORTEST,
                               ret + (shaped(done) if shaped else 0.0)))  # fmt: skip
    return rows


def write_run(path: Path, given: dict, rows: list[EpisodeRow], *, hp: dict | None = None,
              evaluations: list[tuple] = (), stats: list[dict] = (), solved: bool | None = None,
              status: str = "completed") -> Path:  # fmt: skip
    """A run folder as training leaves it: config.toml, manifest.json, metrics.csv, and where
    given evaluations.csv, train_stats.csv (a row every 1,000 steps) and eval.json."""
    config = build_config(None, given, hp or {})
    path.mkdir()
    (path / runs.CONFIG).write_text(tomli_w.dumps(config.to_toml_dict()))
    runs.write_json(path / runs.MANIFEST, {"status": status, "history": []})
    (path / runs.METRICS).write_text(metrics_text(rows))
    if evaluations:
        write_evaluations(path / EVALUATIONS, list(evaluations))
    if stats:
        log = TrainStatsLog(path, config.algo, 0, 0)
        for i, values in enumerate(stats, start=1):
            log.record(1000 * i, 10 * i, {f"train/{key}": value for key, value in values.items()})
        log.close()
    if solved is not None:
        runs.write_json(path / runs.EVALUATION, {"solved": solved})
    return path


def found(run: Path) -> tuple[list[Finding], dict]:
    return trend_findings(run, load_run_config(run))


def the(findings: list[Finding], check: str, severity: str = WARNING) -> Finding:
    matches = [item for item in findings if item.check == check]
    assert [item.severity for item in matches] == [severity], [
        (item.check, item.severity) for item in findings
    ]
    return matches[0]


def assert_healthy(findings: list[Finding]) -> None:
    assert all(item.severity == NOTE for item in findings), [
        (item.check, item.severity, item.evidence) for item in findings
    ]


def a2c_stats(entropy: Curve, value_loss: Curve, n: int = 20) -> list[dict]:
    """``n`` rows of a2c's statistics, entropy and value loss as functions of training done."""
    fixed = {"learning_rate": 7e-4, "explained_variance": 0.5, "policy_loss": 0.01}
    return [
        {**fixed, "entropy_loss": -entropy(i / n), "value_loss": value_loss(i / n)}
        for i in range(1, n + 1)
    ]


def test_a_healthy_solved_run_gets_no_warning(tmp_path):
    rows = episodes(lambda f: min(1.0, 0.3 + 1.5 * f), shaped=lambda f: 0.4)
    evaluations = [(2000 * i, min(1.0, 0.2 * i), 1.0, 1.0, i >= 5, 1000) for i in range(1, 11)]
    stats = a2c_stats(lambda f: 1.38 - f, lambda f: 0.05 * (1 - f) + 0.001)
    run = write_run(tmp_path / "r", A2C, rows, evaluations=evaluations, stats=stats, solved=True)
    findings, measured = found(run)
    assert findings == []
    assert measured["run_solved"] is True and measured["run_episodes"] == 1000
    assert measured["run_time_limit"] == LIMIT and measured["run_time_limit_share_last"] == 0.0
    assert measured["run_entropy_last"] < measured["run_entropy_first"]


def test_a_plateau_short_of_solved(tmp_path):
    evaluations = [(2000 * i, 0.3, 1.0, 0.3, False, 1000) for i in range(1, 11)]
    run = write_run(tmp_path / "r", A2C, episodes(lambda f: 0.3), evaluations=evaluations)
    findings, measured = found(run)
    plateau = the(findings, "plateau")
    assert "stopped rising" in plateau.what
    assert "5 evaluations in the last half all at 30%" in plateau.evidence
    assert "will hardly help" in plateau.fix.words
    assert abs(measured["run_success_last"] - 0.3) < 0.1
    assert not [item for item in findings if item.check == "still learning"]


def test_a_run_that_never_succeeds(tmp_path):
    findings, _ = found(write_run(tmp_path / "r", A2C, episodes(lambda f: 0.0)))
    assert the(findings, "plateau").what == "the agent never reached the goal"
    limit = the(findings, "time limit")
    assert "100% of the last 10% of episodes" in limit.evidence
    assert limit.fix.changes == {}  # the 4x5 warehouse's a2c already has the guiding reward


def test_episodes_that_last_the_limit_where_success_is_unknown_are_no_finding(tmp_path):
    rows = [row._replace(success=None) for row in episodes(lambda f: 0.0)]
    findings, measured = found(write_run(tmp_path / "r", A2C, rows))
    assert findings == [] and "run_time_limit_share_last" not in measured


def test_still_rising_when_the_budget_ran_out_asks_for_more(tmp_path):
    run = write_run(tmp_path / "r", A2C, episodes(lambda f: 0.8 * f))
    findings, _ = found(run)
    assert the(findings, "still learning").fix.changes == {"timesteps": 2 * STEPS}
    assert not [item for item in findings if item.check == "plateau"]
    running = write_run(tmp_path / "s", A2C, episodes(lambda f: 0.8 * f), status="running")
    assert not [item for item in found(running)[0] if item.check == "still learning"]


def test_a_collapse_after_a_peak_in_evaluations_and_in_training(tmp_path):
    rates = [0.2, 0.5, 0.9, 0.9, 0.8, 0.6, 0.4, 0.3, 0.2, 0.2]
    evaluations = [(2000 * (i + 1), rate, 1.0, rate, False, 1000) for i, rate in enumerate(rates)]
    rows = episodes(lambda f: 0.9 if f < 0.5 else 0.2)
    findings, measured = found(write_run(tmp_path / "r", A2C, rows, evaluations=evaluations))
    collapse = the(findings, "collapse after a peak")
    assert collapse.evidence == "best evaluation 90% at step 6,000; the last 2 average 20%"
    assert measured["run_evaluation_best"] == 0.9
    findings, _ = found(write_run(tmp_path / "s", A2C, rows))
    assert "in the last 10%" in the(findings, "collapse after a peak").evidence


def test_success_that_falls_with_epsilon_is_no_collapse(tmp_path):
    given = {"algo": "q-table", "env.grid": "4x5", "episodes": 1000}
    rows = episodes(lambda f: 0.9 - 0.7 * f, epsilon=lambda f: 1.0 - 0.99 * f)
    findings, _ = found(write_run(tmp_path / "r", given, rows))
    assert not [item for item in findings if item.check == "collapse after a peak"]


def test_reward_hacking_the_seeds_circling(tmp_path):
    given = {**A2C, "env.reward": "proximity"}
    rows = episodes(lambda f: 0.3 - 0.2 * f, shaped=lambda f: 1.0 + 5 * f)
    findings, measured = found(write_run(tmp_path / "r", given, rows))
    hacking = the(findings, "reward hacking")
    assert "shaped return" in hacking.evidence and "more than the 1.00" in hacking.evidence
    assert hacking.fix.changes == {"env.reward": "potential"}
    assert measured["run_shaped_return_last"] > measured["run_shaped_return_first"] + 3


def test_reward_hacking_the_seeds_tour_of_the_grid(tmp_path):
    given = {**A2C, "env.reward": "exploration"}
    rows = episodes(lambda f: 0.4 - 0.3 * f, shaped=lambda f: 2.0)  # a bonus it had at once
    findings, _ = found(write_run(tmp_path / "r", given, rows))
    hacking = the(findings, "reward hacking")
    assert hacking.what.startswith("failing episodes earn more from shaping")
    assert "a failing episode earns 2.00" in hacking.evidence
    rising = episodes(lambda f: 0.2 + 0.6 * f, shaped=lambda f: 2.0)
    findings, _ = found(write_run(tmp_path / "s", given, rising))
    assert the(findings, "reward hacking", NOTE)  # it pays, but success rises all the same


def test_a_bonus_that_grows_with_success_is_no_hacking(tmp_path):
    given = {**A2C, "env.reward": "proximity"}
    rows = episodes(lambda f: 0.2 + 0.6 * f, shaped=lambda f: 0.2)  # returns rise with success
    findings, _ = found(write_run(tmp_path / "r", given, rows))
    assert not [item for item in findings if item.check == "reward hacking"]


def test_potential_shaping_that_rises_before_success_is_only_a_note(tmp_path):
    rows = episodes(lambda f: 0.2, shaped=lambda f: 1.0 + 5 * f)  # a2c's default: potential
    findings, _ = found(write_run(tmp_path / "r", A2C, rows))
    assert the(findings, "reward hacking", NOTE).fix.changes == {}


def test_entropy_collapse_while_failing(tmp_path):
    stats = a2c_stats(lambda f: 1.38 * (1 - f) ** 4 + 1e-4, lambda f: 0.01)
    run = write_run(tmp_path / "r", A2C, episodes(lambda f: 0.1), stats=stats)
    findings, measured = found(run)
    assert the(findings, "entropy collapse").fix.changes == {"hp.ent_coef": 0.01}
    assert measured["run_entropy_first"] > 1 and measured["run_entropy_last"] < 0.05
    solved = write_run(tmp_path / "s", A2C, episodes(lambda f: 0.1), stats=stats, solved=True)
    assert not [item for item in found(solved)[0] if item.check == "entropy collapse"]


def test_exploration_collapse_on_dqn(tmp_path):
    given = {"algo": "dqn", "env.grid": "4x5", "timesteps": STEPS}
    rows = episodes(lambda f: 0.1, epsilon=lambda f: max(0.05, 1.0 - 9.5 * f))
    findings, measured = found(write_run(tmp_path / "r", given, rows))
    collapse = the(findings, "exploration collapse")
    assert collapse.fix.changes == {"hp.exploration_fraction": 0.2}  # SB3's default is 0.1
    assert "epsilon reached 0.05 at 10% of the steps" in collapse.evidence
    assert measured["run_epsilon_end"] == 0.05


def test_value_loss_blow_up(tmp_path):
    stats = a2c_stats(lambda f: 1.0, lambda f: 0.01 * 10 ** (6 * f))
    findings, measured = found(write_run(tmp_path / "r", A2C, episodes(lambda f: 0.2), stats=stats))
    blow_up = the(findings, "value-loss blow-up")
    assert blow_up.fix.changes == {"hp.learning_rate": 7e-5}
    assert measured["run_value_loss_late"] > 1000 * measured["run_value_loss_early"]


def test_non_finite_values_are_errors_but_the_explained_variances_nan(tmp_path):
    stats = a2c_stats(lambda f: 1.0, lambda f: float("inf") if f > 0.9 else 0.01)
    stats[0]["explained_variance"] = float("nan")  # SB3's, for equal returns: no finding
    rows = episodes(lambda f: 0.2)
    findings, _ = found(write_run(tmp_path / "r", A2C, rows, stats=stats))
    non_finite = the(findings, "non-finite values", ERROR)
    assert non_finite.evidence == "train_stats.csv value_loss: 2 values from step 19,000"
    stats[-1]["value_loss"] = stats[-2]["value_loss"] = 0.01
    assert not [item for item in found(write_run(tmp_path / "s", A2C, rows, stats=stats))[0]
                if item.check == "non-finite values"]  # fmt: skip


def test_the_time_limit_is_read_from_the_family_settings():
    assert build_config(None, A2C, {}).time_limit() == LIMIT
    assert build_config(None, {**A2C, "env.max_steps": 50}, {}).time_limit() == 50
    assert build_config(None, {"algo": "a2c", "env.id": "CartPole-v1"}, {}).time_limit() == 500


def test_a_run_without_files_has_no_trends(tmp_path):
    run = write_run(tmp_path / "r", A2C, [], status="running")
    findings, measured = found(run)
    assert findings == [] and measured["run_episodes"] == 0


def test_a_real_q_table_run_that_solves_gets_no_warning(tmp_path):
    result = CliRunner().invoke(app, ["train", "--grid", "4x5", "--runs-dir", str(tmp_path),
                                      "--name", "q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    run = tmp_path / "q"
    assert json.loads((run / runs.EVALUATION).read_text())["solved"]
    findings, measured = found(run)
    assert_healthy(findings)
    assert measured["run_solved"] and measured["run_success_last"] > 0.9


@pytest.mark.slow
def test_a_real_a2c_run_that_solves_gets_no_warning(tmp_path):
    args = ["train", "--algo", "a2c", "--grid", "4x5", "--timesteps", "8000"]
    result = CliRunner().invoke(app, [*args, "--runs-dir", str(tmp_path), "--name", "a"])
    assert result.exit_code == 0, result.output
    findings, measured = found(tmp_path / "a")
    assert measured["run_solved"], measured
    assert_healthy(findings)
    assert measured["run_entropy_first"] > measured["run_entropy_last"]
