"""The verdict that ends ``rlgrid train`` and ``rlgrid eval``: solved or not as the env's family
judges it, the numbers that decide it in plain words, and what to look at or run next, in lines
of at most 80 columns that never split a path."""

import json

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.cli.verdict import percent, verdict, wrap
from rlgrid.config import build_config
from rlgrid.evaluation import EvalResult

WAREHOUSE = build_config(None, {"algo": "q-table", "env.grid": "4x5"}, {})


def result(success=None, ratio=None, episodes=200, mean_return=0.5):
    return EvalResult(episodes, success, 10.0, 9.0 if ratio else None, ratio, mean_return, None)


def text(lines):
    return " ".join(" ".join(lines).split())


def test_percentages_never_round_a_failure_up_to_a_whole_success():
    assert [percent(r) for r in (1.0, 0.085, 0.0, 0.9996, 0.5)] == [
        "100%", "8.5%", "0%", "99.9%", "50%"]  # fmt: skip


def test_solved_warehouse_says_the_share_the_ratio_and_what_optimal_is(tmp_path):
    run = tmp_path / "runs" / "a2c_781000"
    run.mkdir(parents=True)
    (run / "learning_curve.png").write_bytes(b"png")
    lines = verdict(WAREHOUSE, result(1.0, 1.02, 20), True, run)
    assert text(lines) == (
        "verdict: solved — 100% of 20 episodes reach their target, on average 1.02x the "
        f"shortest path (1.00 is optimal). Curve: {run}/learning_curve.png"
    )
    assert "doctor" not in text(lines)


def test_a_ratio_beside_a_low_success_rate_is_explained(tmp_path):
    lines = verdict(WAREHOUSE, result(0.085, 1.0), False, tmp_path)
    said = text(lines)
    assert said.startswith(
        "verdict: not solved — 8.5% of 200 episodes reach their target; those that do take "
        "1.00x the shortest path on average (the ratio counts successful episodes only) "
        "(solved means 100% at ratio <= 1.05)."
    )
    assert said.endswith(f"Run: rlgrid doctor {tmp_path}")  # no curve drawn: none named


def test_every_success_but_too_long_says_by_how_much(tmp_path):
    said = text(verdict(WAREHOUSE, result(1.0, 1.3), False, None))
    assert said == (
        "verdict: not solved — 100% of 200 episodes reach their target but take on average "
        "1.30x the shortest path (solved means 100% at ratio <= 1.05)"
    )
    assert "none of 200 episodes" in text(verdict(WAREHOUSE, result(0.0), False, None))


def test_return_judged_envs_say_the_threshold_and_envs_without_one_say_so():
    cartpole = build_config(None, {"algo": "ppo", "env.id": "CartPole-v1"}, {})
    said = text(verdict(cartpole, result(mean_return=200.0, episodes=20), False, None))
    assert said == (
        "verdict: not solved — mean return 200 over 20 episodes (solved means a mean return >= 475)"
    )
    pendulum = build_config(None, {"algo": "ppo", "env.id": "Pendulum-v1"}, {})
    said = text(verdict(pendulum, result(mean_return=-150.0, episodes=20), False, None))
    assert said.startswith(
        "verdict: no verdict — rlgrid has no definition of solved for Pendulum-v1: mean "
        "return -150 over 20 episodes"
    )
    assert "reward_threshold" in said


def test_toy_text_says_the_best_policys_return_less_the_noise():
    lake = build_config(None, {"algo": "q-table", "env.id": "FrozenLake-v1"}, {})
    said = text(verdict(lake, result(mean_return=0.5, episodes=1000), False, None))
    assert said == (
        "verdict: not solved — mean return 0.5 over 1,000 episodes (solved means a mean return "
        ">= 0.699: the best policy's 0.740 less the noise of 1,000 episodes)"
    )


def test_wrapping_keeps_lines_within_the_width_and_never_splits_a_path():
    path = "runs/a very long run name with spaces that goes on/learning_curve.png"
    lines = wrap(["verdict:", *("word " * 30).split(), path, "end"], 40)
    assert all(len(line) <= 40 for line in lines if path not in line)
    assert any(line.strip() == path for line in lines)  # longer than a line: alone on one
    assert all(line.startswith("  ") for line in lines[1:])


def test_a_path_with_spaces_is_quoted_whole(tmp_path):
    run = tmp_path / "my runs" / "x"
    run.mkdir(parents=True)
    (run / "learning_curve.png").write_bytes(b"png")
    lines = verdict(WAREHOUSE, result(0.5, 1.0), False, run)
    assert any(f"'{run}/learning_curve.png'" in line for line in lines)
    assert any(f"rlgrid doctor '{run}'" in line for line in lines)


# --- at the end of the commands ----------------------------------------------------------------


def train(tmp_path, *args):
    return CliRunner().invoke(
        app, ["train", "--grid", "4x5", "--runs-dir", str(tmp_path / "runs"), *args]
    )


def last_lines(output):
    """The results line and the verdict after it, as one line each."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("results: "))
    verdict_at = next(i for i, line in enumerate(lines) if line.startswith("verdict: "))
    return lines[start], " ".join(line.strip() for line in lines[verdict_at:])


def test_train_ends_with_the_verdict_and_the_curve(tmp_path):
    done = train(tmp_path, "--episodes", "300")
    assert done.exit_code == 0, done.output
    results, said = last_lines(done.stdout)
    run = tmp_path / "runs" / "q-table_300ep"
    assert results == f"results: {run}"
    assert said.startswith("verdict: solved — 100% of 12 episodes reach their target")
    assert said.endswith(f"Curve: {run}/learning_curve.png")
    assert all(len(line) <= 80 for line in done.stdout.splitlines() if "verdict" in line)


def test_an_unsolved_run_points_to_doctor_and_a_taken_name_is_said(tmp_path):
    assert train(tmp_path, "--episodes", "5").exit_code == 0
    done = train(tmp_path, "--episodes", "5")  # the same name again: numbered
    assert done.exit_code == 0, done.output
    results, said = last_lines(done.stdout)
    first, second = tmp_path / "runs" / "q-table_5ep", tmp_path / "runs" / "q-table_5ep-2"
    assert results == f"results: {second} ({first} holds an earlier run)"
    assert said.startswith("verdict: not solved — ")
    assert said.endswith(f"See {second}/learning_curve.png and run: rlgrid doctor {second}")


def test_eval_ends_with_the_verdict_judged_on_what_it_played(tmp_path):
    assert train(tmp_path, "--episodes", "300").exit_code == 0
    run = tmp_path / "runs" / "q-table_300ep"
    done = CliRunner().invoke(app, ["eval", str(run)])
    assert done.exit_code == 0, done.output
    said = " ".join(line.strip() for line in done.stdout.splitlines() if line.startswith(
        ("verdict", "  ")))  # fmt: skip
    assert "verdict: solved — 100% of 12 episodes reach their target" in said
    short = CliRunner().invoke(app, ["eval", str(run / "model.npz"), "--episodes", "3"])
    assert "verdict: solved — 100% of 3 episodes" in short.stdout
    as_json = CliRunner().invoke(app, ["eval", str(run), "--json"])
    assert json.loads(as_json.stdout)["success_rate"] == 1.0  # one JSON object, no verdict


@pytest.mark.slow
def test_a_real_terminal_of_80_columns_gets_whole_lines(tmp_path, run_rlgrid):
    done = run_rlgrid("train", "--grid", "4x5", "--episodes", "40", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    said = " ".join(line.strip() for line in lines[lines.index(next(
        line for line in lines if line.startswith("verdict:"))):])  # fmt: skip
    assert "runs/q-table_40ep/learning_curve.png" in said.split()
    assert said.endswith("rlgrid doctor runs/q-table_40ep")
