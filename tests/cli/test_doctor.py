"""``rlgrid doctor`` on the command line: a table and a verdict for people, JSON for scripts,
exit 0 when nothing is wrong and 1 when something is, the fix as a train command to paste."""

from __future__ import annotations

import json
import shlex

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.cli.doctor import fix_command
from rlgrid.findings import ERROR, NOTE, Finding, Fix


def invoke(*args: str):
    return CliRunner().invoke(app, ["doctor", *args], env={"COLUMNS": "100"})


def test_a_healthy_preset_exits_0_with_a_plain_verdict():
    result = invoke("--config", "configs/qtable_4x5.toml")
    assert result.exit_code == 0, result.output
    assert "nothing wrong found" in result.output
    assert "reward reachability" in result.output


def test_a_broken_config_exits_1_with_the_cause_and_a_command_to_try():
    result = invoke("--grid", "10x10", "--algo", "a2c", "--max-steps", "100000")
    assert result.exit_code == 1, result.output
    assert "time limit" in result.output and "warning" in result.output
    command = result.output.split("try (the fixes of the causes above):")[1].split("\n")[1].strip()
    assert shlex.split(command) == ["rlgrid", "train", "--algo", "a2c", "--grid", "10x10",
                                    "--max-steps", "80"]  # fmt: skip


def test_json_holds_the_findings_and_the_command():
    result = invoke("--grid", "10x10", "--algo", "q-table", "--episodes", "1000", "--json")
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)
    assert found["healthy"] is False
    budget = next(item for item in found["findings"] if item["check"] == "budget")
    assert budget["severity"] == "warning"
    assert "--episodes" in found["try"]
    assert found["measured"]["random_episodes"] == 200


def test_a_refused_config_is_a_finding_not_a_usage_error():
    result = invoke("--algo", "a2c", "--hp", "learning_rate=1e9", "--json")
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)
    assert found["findings"][0]["check"] == "config"
    assert found["try"].endswith("--hp learning_rate=0.0007")


def test_a_missing_config_file_is_a_usage_error(tmp_path):
    result = invoke("--config", str(tmp_path / "none.toml"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_run_with_train_flags_is_refused(tmp_path):
    result = invoke(str(tmp_path), "--grid", "6x6")
    assert result.exit_code == 2
    assert "drop --grid" in result.output


def test_fix_command_replaces_flags_already_given():
    findings = [
        Finding(ERROR, "a", "w", "e", Fix({"env.max_steps": 80, "hp.gamma": 0.99})),
        Finding(NOTE, "b", "w", "e", Fix({"episodes": 5})),  # notes change nothing
    ]
    base = ["rlgrid", "train", "--max-steps", "9999", "--hp", "gamma=0.5", "--hp", "n_steps=8"]
    assert fix_command(base, findings) == (
        "rlgrid train --hp n_steps=8 --max-steps 80 --hp gamma=0.99"
    )
    assert fix_command(base, findings[1:]) is None


def test_doctor_runs_as_a_real_process(run_rlgrid):
    done = run_rlgrid("doctor", "--grid", "10x10", "--reward", "exploration", "--json")
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["findings"][0]["check"] == "shaping"


@pytest.mark.slow  # trains, then replays and draws
def test_a_run_is_diagnosed_from_its_config_records_and_replay(tmp_path):
    runs = tmp_path / "runs"
    trained = CliRunner().invoke(
        app, ["train", "--grid", "6x6", "--episodes", "30", "--runs-dir", str(runs)]
    )
    assert trained.exit_code == 0, trained.output
    result = invoke("latest", "--runs-dir", str(runs), "--json")
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)  # stderr says which run latest picked
    checks = {item["check"] for item in found["findings"]}
    assert {"budget", "evaluation loops", "where the agent fails"} <= checks
    run = runs / "q-table_30ep"
    assert found["measured"]["replay_picture"] == str(run / "doctor_failures.png")
    assert found["try"].startswith(f"rlgrid train --config {run / 'config.toml'} --episodes")


def test_a_failed_run_says_how_it_failed(tmp_path):
    from rlgrid.runs.folder import read_manifest, update_manifest

    runs = tmp_path / "runs"
    CliRunner().invoke(app, ["train", "--grid", "4x5", "--runs-dir", str(runs)])
    run = runs / "q-table_1000ep"
    update_manifest(run, read_manifest(run), status="failed", error="training diverged at step 7")
    (run / "eval.json").unlink()  # a failed run has no final evaluation
    found = json.loads(invoke(str(run), "--json").output)
    failed = next(item for item in found["findings"] if item["check"] == "training failed")
    assert failed["severity"] == "error" and "diverged at step 7" in failed["evidence"]


def test_a_budget_in_the_other_unit_replaces_the_given_one():
    findings = [Finding(ERROR, "algorithm", "w", "e", Fix({"algo": "a2c", "timesteps": 100}))]
    base = ["rlgrid", "train", "--algo", "q-table", "--episodes", "500"]
    assert fix_command(base, findings) == "rlgrid train --algo a2c --timesteps 100"


@pytest.mark.slow  # learns, then three diagnoses that replay it
def test_a_solved_run_is_healthy_and_says_so_and_an_interrupted_one_says_how_to_go_on(tmp_path):
    from rlgrid.runs.folder import read_manifest, update_manifest

    runs = tmp_path / "runs"
    args = ["train", "--grid", "5x5", "--max-steps", "100000", "--episodes", "2000"]
    assert CliRunner().invoke(app, [*args, "--runs-dir", str(runs)]).exit_code == 0
    run = runs / "q-table_2000ep"
    result = invoke(str(run))
    assert result.exit_code == 0, result.output  # the huge time limit did not stop it
    assert "solved its task" in result.output
    found = json.loads(invoke(str(run), "--json").stdout)
    limit = next(item for item in found["findings"] if item["check"] == "time limit")
    assert limit["severity"] == "note" and limit["what"].endswith("(it solved anyway)")
    update_manifest(run, read_manifest(run), status="interrupted")
    (run / "eval.json").unlink()
    found = json.loads(invoke(str(run), "--json").stdout)
    stopped = next(item for item in found["findings"] if item["check"] == "interrupted")
    assert stopped["fix"]["words"] == f"rlgrid train --resume {run}"


def test_a_config_file_given_as_run_says_to_use_config():
    result = invoke("configs/a2c_6x6.toml")
    assert result.exit_code == 2 and "--config configs/a2c_6x6.toml" in result.output
