import json

import pytest
from typer.testing import CliRunner

from rlgrid.checks.target import FAIL, PASS
from rlgrid.cli.app import app
from tests.broken_env import BROKEN_ID

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
    assert report["settings"] == {"id": "CartPole-v1"}
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert "reaching the target" not in statuses  # the warehouse's own checks only
    assert len(statuses) == 9
    assert statuses["time limit"] == PASS
    assert statuses["same seed across processes"] == PASS
    assert statuses["stable-baselines3 check_env"] == PASS
    # gymnasium's own checker warns about CartPole's infinite velocity bounds; warnings count
    assert statuses["gymnasium checker, unwrapped env"] == FAIL
    assert result.exit_code == 1


@pytest.mark.slow
def test_table_output_names_every_check(run_rlgrid):
    done = run_rlgrid("check-env", "--grid", "3x3", "--random-start")
    assert done.returncode == 0, done.stderr
    assert "check-env rlgrid/Warehouse-v0 grid=3x3 random_start=True" in done.stdout
    assert "all 11 checks passed" in done.stdout
    assert "same seed across processes" in done.stdout
    assert "truncation at the time limit" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "CartPol-v1"], "unknown env id 'CartPol-v1'; did you mean CartPole-v1"),
        (["--env", "nosuchmodule:Foo-v0"], "cannot import module 'nosuchmodule'"),
        (
            ["--env", "CartPole-v1", "--grid", "6x6"],
            "--grid: grid does not apply to CartPole-v1 (its [env] keys: id)",
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
