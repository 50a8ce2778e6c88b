import json

import pytest
from typer.testing import CliRunner

from rlgrid.checks.target import FAIL, PASS, SKIP, WARN
from rlgrid.cli.app import app
from tests.broken_env import BROKEN_ID
from tests.checks import space_envs

BROKEN = f"tests.broken_env:{BROKEN_ID}"


@pytest.mark.slow
def test_warehouse_passes_every_check_from_the_cli():
    result = CliRunner().invoke(app, ["check-env", "--grid", "6x6", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert report["env"] == "rlgrid/Warehouse-v0"
    assert report["settings"]["grid"] == "6x6"
    assert report["settings"]["obs"] == "coords" and report["settings"]["reward"] == "sparse"
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert len(statuses) == 11
    assert statuses["reaching the target"] == PASS
    assert set(statuses.values()) == {PASS}


@pytest.mark.slow
def test_broken_env_fails_the_command_in_a_real_process(run_rlgrid):
    done = run_rlgrid("check-env", "--env", BROKEN, "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["passed"] is False
    assert sum(c["status"] == FAIL for c in report["checks"]) >= 5


@pytest.mark.slow
def test_any_gymnasium_env_can_be_checked():
    result = CliRunner().invoke(app, ["check-env", "--env", "CartPole-v1", "--json"])
    report = json.loads(result.stdout)
    assert report["settings"]["id"] == "CartPole-v1"
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert "reaching the target" not in statuses  # the warehouse's own checks only
    assert len(statuses) == 9
    assert statuses["time limit"] == PASS
    assert statuses["same seed across processes"] == PASS
    assert statuses["stable-baselines3 check_env"] == PASS
    # gymnasium's own checker warns about CartPole's infinite velocity bounds: a warning, which
    # fails nothing without --strict
    assert statuses["gymnasium checker, unwrapped env"] == WARN
    assert statuses["gymnasium checker, gym.make env"] == WARN
    assert report["counts"] == {"pass": 7, "warn": 2, "fail": 0, "n/a": 0}
    assert (report["passed"], report["strict"], report["ok"]) == (True, False, True)
    assert result.exit_code == 0


@pytest.mark.slow
def test_table_output_names_every_check():
    done = CliRunner().invoke(app, ["check-env", "--grid", "3x3", "--random-start"])
    assert done.exit_code == 0, done.output
    assert "check-env rlgrid/Warehouse-v0 grid=3x3 random_start=True" in done.stdout
    assert "11 checks: 11 passed" in done.stdout
    assert "same seed across processes" in done.stdout
    assert "truncation at the time limit" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "CartPol-v1"], "unknown env id 'CartPol-v1'; did you mean CartPole-v1"),
        (["--env", "nosuchmodule:Foo-v0"], "cannot import module 'nosuchmodule'"),
        (
            ["--env", "CartPole-v1", "--grid", "6x6"],
            "--grid: grid does not apply to CartPole-v1 (its [env] keys: id",
        ),
        (["--env", "CartPole-v1", "--random-start"], "--random-start: random_start does not"),
        (["--layout", "bogus:3"], "unknown layout 'bogus:3'"),
        (["--layout", "aisles:9x9", "--grid", "6x6"], "--grid: [env] grid comes from the map"),
        (["--targets", "anyw"], "Invalid value for '--targets'"),
        (["--max-steps", "0"], "Invalid value for '--max-steps'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = CliRunner().invoke(app, ["check-env", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]


@pytest.mark.slow  # every check, one of them in a second process
def test_an_env_with_text_in_its_dict_observations_gets_every_row():
    # the observations of Minigrid's own envs: direction, image and a mission text
    env = f"tests.checks.space_envs:{space_envs.TEXT_ID}"
    result = CliRunner().invoke(app, ["check-env", "--env", env, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    details = {c["name"]: c["detail"] for c in report["checks"]}
    assert len(statuses) == 9 and FAIL not in statuses.values()
    for name in ("same seed, same episodes", "same seed across processes", "global RNGs untouched"):
        assert statuses[name] == PASS, details[name]
    # stable-baselines3 cannot train on text: its checker stops there, which is no env defect
    assert statuses["stable-baselines3 check_env"] == SKIP
    assert "cannot train on Text (observation['mission'])" in details["stable-baselines3 check_env"]


def gymnasium_checker_rows_only(monkeypatch):
    from rlgrid.checks import generic, run

    monkeypatch.setattr(run, "GENERIC_CHECKS", generic.GENERIC_CHECKS[:2])


def test_warnings_show_and_exit_0_unless_strict(monkeypatch):
    gymnasium_checker_rows_only(monkeypatch)
    lenient = CliRunner().invoke(app, ["check-env", "--env", "CartPole-v1"])
    assert lenient.exit_code == 0, lenient.output
    assert "warn" in lenient.stdout and "infinity" in lenient.stdout
    assert "2 checks: 2 with warnings" in lenient.stdout
    strict = CliRunner().invoke(app, ["check-env", "--env", "CartPole-v1", "--strict"])
    assert strict.exit_code == 1
    assert "2 checks: 2 with warnings (--strict: warnings fail)" in strict.stdout


def test_json_says_whether_strict_and_ok(monkeypatch):
    gymnasium_checker_rows_only(monkeypatch)
    result = CliRunner().invoke(app, ["check-env", "--env", "CartPole-v1", "--json", "--strict"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["passed"], report["strict"], report["ok"]) == (True, True, False)
    assert [c["status"] for c in report["checks"]] == [WARN, WARN]
