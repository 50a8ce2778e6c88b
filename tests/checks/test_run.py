import json
import traceback

import pytest

from rlgrid.checks import run
from rlgrid.checks.generic import GENERIC_CHECKS
from rlgrid.checks.target import FAIL, PASS, SKIP, WARN, CheckTarget
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
    assert {"same seed, same episodes", "global RNGs untouched"} <= failed
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


def test_an_error_without_a_message_says_where_it_was_raised(monkeypatch):
    def silent(target):
        raise NotImplementedError

    monkeypatch.setattr(run, "GENERIC_CHECKS", [Check("silent", silent)])
    (result,) = run.run_checks(CheckTarget(GymnasiumSettings(id="CartPole-v1")))
    assert result.status == FAIL
    assert result.detail.startswith("raised NotImplementedError: (no message) at ")
    assert result.detail.endswith(
        f"tests/checks/test_run.py:{silent.__code__.co_firstlineno + 1} in silent"
    )


def test_an_error_inside_an_installed_package_is_named_from_its_top_folder():
    site = "/venv/lib/python3.11/site-packages/gymnasium/spaces/utils.py"
    frame = traceback.FrameSummary(site, 61, "flatten", line="")
    assert run._short_place(frame) == "gymnasium/spaces/utils.py:61 in flatten"
    other = traceback.FrameSummary("/home/me/project/envs/my_env.py", 9, "step", line="")
    assert run._short_place(other) == "project/envs/my_env.py:9 in step"


def results(*statuses):
    return [run.CheckResult(f"check {i}", status, "") for i, status in enumerate(statuses)]


@pytest.mark.parametrize(
    ("statuses", "line", "ok", "strict_ok"),
    [
        ((PASS, PASS), "2 checks: 2 passed", True, True),
        ((PASS, WARN, WARN, SKIP), "4 checks: 1 passed, 2 with warnings, 1 n/a", True, False),
        ((PASS, WARN, FAIL), "3 checks: 1 passed, 1 with warnings, 1 failed", False, False),
        ((SKIP,), "1 checks: 1 n/a", True, True),
    ],
)
def test_warnings_fail_only_when_strict(statuses, line, ok, strict_ok):
    found = results(*statuses)
    assert run.summary(found) == line
    assert run.ok(found) is ok and run.passed(found) is ok
    assert run.ok(found, strict=True) is strict_ok
    if WARN in statuses:
        assert run.summary(found, strict=True) == line + " (--strict: warnings fail)"


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
    assert (report["strict"], report["ok"]) == (False, False)
    assert report["counts"] == {PASS: 1, WARN: 0, FAIL: 1, SKIP: 0}
    warned = [*results[:1], run.CheckResult("c", WARN, "advice")]
    lenient = json.loads(run.results_to_json(target, warned))
    assert (lenient["passed"], lenient["strict"], lenient["ok"]) == (True, False, True)
    strict = json.loads(run.results_to_json(target, warned, strict=True))
    assert (strict["passed"], strict["strict"], strict["ok"]) == (True, True, False)
