import json

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.envcheck import FAIL, PASS, SKIP, CheckTarget, run_checks
from tests.broken_env import BROKEN_ID

BROKEN = f"tests.broken_env:{BROKEN_ID}"


def by_name(results):
    return {r.name: r for r in results}


def test_warehouse_passes_every_check_from_the_cli():
    result = CliRunner().invoke(app, ["check-env", "--grid", "6x6", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert report["kwargs"] == {"rows": 6, "cols": 6}
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert len(statuses) == 10
    assert set(statuses.values()) == {PASS}


def test_warehouse_variants_pass():
    target = CheckTarget(
        "rlgrid/Warehouse-v0",
        {"rows": 5, "cols": 7, "targets": "anywhere", "random_start": True, "max_steps": 30},
        seed=4,
        resets=20,
    )
    results = run_checks(target)
    assert [r for r in results if r.status != PASS] == []
    assert "30 steps" in by_name(results)["time limit"].detail


def test_the_seed_defects_make_it_fail():
    results = by_name(run_checks(CheckTarget(BROKEN, {}, resets=20)))
    for name in [
        "gymnasium checker, unwrapped env",
        "stable-baselines3 check_env",
        "same seed, same episodes",
        "global RNGs untouched",
        "observations in space, exact dtype",
        "time limit",
    ]:
        assert results[name].status == FAIL, name
    assert "int64" in results["observations in space, exact dtype"].detail
    assert "Python's random" in results["global RNGs untouched"].detail
    assert results["reaching the target"].status == SKIP


@pytest.mark.slow
def test_broken_env_fails_the_command_in_a_real_process(run_rlgrid):
    done = run_rlgrid("check-env", "--env", BROKEN, "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["passed"] is False
    assert sum(c["status"] == FAIL for c in report["checks"]) >= 5


def test_any_gymnasium_env_can_be_checked():
    result = CliRunner().invoke(app, ["check-env", "--env", "CartPole-v1", "--json"])
    report = json.loads(result.stdout)
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["reaching the target"] == SKIP
    assert statuses["time limit"] == PASS
    assert statuses["same seed across processes"] == PASS
    assert statuses["stable-baselines3 check_env"] == PASS
    # gymnasium's own checker warns about CartPole's infinite velocity bounds; warnings count
    assert statuses["gymnasium checker, unwrapped env"] == FAIL
    assert result.exit_code == 1


@pytest.mark.slow
def test_table_output_names_every_check(run_rlgrid):
    done = run_rlgrid("check-env", "--grid", "3x3")
    assert done.returncode == 0, done.stderr
    assert "all 10 checks passed" in done.stdout
    assert "same seed across processes" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "CartPol-v1"], "unknown env id 'CartPol-v1'; did you mean CartPole-v1"),
        (["--env", "nosuchmodule:Foo-v0"], "cannot import module 'nosuchmodule'"),
        (["--env", "CartPole-v1", "--grid", "6x6"], "--grid only apply to rlgrid/Warehouse-v0"),
        (["--env", "CartPole-v1", "--random-start"], "--random-start only apply to"),
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
