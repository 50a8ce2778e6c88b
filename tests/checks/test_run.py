import json

import pytest

from rlgrid.checks import run
from rlgrid.checks.generic import GENERIC_CHECKS
from rlgrid.checks.target import FAIL, PASS, SKIP, CheckTarget
from rlgrid.families.base import Check
from rlgrid.families.gymnasium import GymnasiumSettings
from rlgrid.families.warehouse.checks import CHECKS
from rlgrid.families.warehouse.settings import WarehouseSettings
from tests.broken_env import BROKEN_ID

GENERIC = [check.name for check in GENERIC_CHECKS]


@pytest.mark.slow
def test_a_warehouse_gets_the_generic_checks_then_its_own():
    settings = WarehouseSettings(grid="5x7", targets="anywhere", random_start=True, max_steps=30)
    results = run.run_checks(CheckTarget(settings, seed=4, resets=20))
    assert [r.name for r in results] == GENERIC + [check.name for check in CHECKS]
    assert [r for r in results if r.status != PASS] == []
    assert "30 steps" in {r.name: r for r in results}["time limit"].detail
    assert run.passed(results)


@pytest.mark.slow
def test_an_env_without_family_checks_gets_the_generic_ones_only():
    target = CheckTarget(GymnasiumSettings(id=f"tests.broken_env:{BROKEN_ID}"), resets=20)
    results = run.run_checks(target)
    assert [r.name for r in results] == GENERIC
    assert SKIP not in {r.status for r in results}
    failed = {r.name for r in results if r.status == FAIL}
    assert {"gymnasium checker, unwrapped env", "stable-baselines3 check_env"} <= failed
    assert {"same seed, same episodes", "global RNGs untouched", "time limit"} <= failed
    assert "raised AssertionError" in results[0].detail
    assert not run.passed(results)


def test_a_check_that_raises_fails_with_one_line(monkeypatch):
    def boom(target):
        raise RuntimeError("first line\nsecond line")

    def fine(target):
        return PASS, "ok"

    checks = [Check("boom", boom), Check("fine", fine)]
    monkeypatch.setattr(run, "GENERIC_CHECKS", checks)
    results = run.run_checks(CheckTarget(GymnasiumSettings(id="CartPole-v1")))
    assert [(r.name, r.status) for r in results] == [("boom", FAIL), ("fine", PASS)]
    assert results[0].detail == "raised RuntimeError: first line second line"


def test_json_holds_the_settings_that_rebuild_the_env():
    target = CheckTarget(WarehouseSettings(layout="aisles:9x9", layout_seed=1), seed=5)
    results = [run.CheckResult("a", PASS, "fine"), run.CheckResult("b", FAIL, "broken")]
    report = json.loads(run.results_to_json(target, results))
    assert report["env"] == "rlgrid/Warehouse-v0"
    assert report["seed"] == 5
    assert report["passed"] is False
    assert report["checks"][1] == {"name": "b", "status": FAIL, "detail": "broken"}
    assert CheckTarget.from_json(report["settings"], seed=5) == target
    passing = json.loads(run.results_to_json(target, results[:1]))
    assert passing["passed"] is True
