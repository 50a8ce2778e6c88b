"""The broken configs of ``configs/broken/`` (the seed's failures and the classic mistakes): the
doctor names each one's cause with the fix that changes the right setting, and every config it
would have us train (each broken one fixed, and every shipped preset) gets no error or warning.
Training them before and after is ``benchmarks/doctor_suite.py``'s job: here nothing trains."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from rlgrid.doctor.diagnose import apply_fixes, diagnose_settings
from rlgrid.findings import ERROR, NOTE, WARNING, Diagnosis, Finding
from tests.conftest import REPO

BROKEN = REPO / "configs" / "broken"
SLOW = {"coords_256x256"}
"""Broken configs whose random episodes take seconds to play (2,048-step episodes on 256x256)."""


@dataclass(frozen=True)
class Cause:
    """What the doctor must say about one broken config: how bad, which check, and the
    setting its fix changes with a test of the value."""

    severity: str
    check: str
    key: str
    good: Callable[[Any], bool]


CAUSES = {
    "no_time_limit_10x10": Cause(WARNING, "time limit", "env.max_steps", lambda v: v == 80),
    "proximity_bonus_10x10": Cause(ERROR, "shaping", "env.reward", lambda v: v == "potential"),
    "exploration_bonus_10x10": Cause(ERROR, "shaping", "env.reward", lambda v: v == "potential"),
    "gamma_sparse_64x64": Cause(WARNING, "horizon", "hp.gamma", lambda v: v >= 0.99),
    "coords_256x256": Cause(WARNING, "observation", "env.obs", lambda v: v == "offset"),
    # measured: 12,000 episodes (counted at random episodes' length) solve 1 of 5 seeds, 20,000
    # solve 7 of 7: learned episodes are far shorter than random ones
    "qtable_10x10_1000ep": Cause(WARNING, "budget", "episodes", lambda v: v >= 20_000),
    "learning_rate_1e9": Cause(ERROR, "config", "hp.learning_rate", lambda v: v == 0.0007),
    "shelves_offset_16x16": Cause(ERROR, "observation", "env.obs", lambda v: v == "offset+window"),
}


def marked(names: list[str]) -> list[Any]:
    return [pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in names]


def diagnose(name: str, given: dict | None = None, hp: dict | None = None, folder=BROKEN):
    return diagnose_settings(folder / f"{name}.toml", given or {}, hp or {}, name)[1]


def problems(diagnosis: Diagnosis) -> list[Finding]:
    return [finding for finding in diagnosis.findings if finding.severity != NOTE]


def test_every_broken_config_has_its_cause_here():
    assert sorted(path.stem for path in BROKEN.glob("*.toml")) == sorted(CAUSES)


@pytest.mark.parametrize("name", marked(sorted(CAUSES)))
def test_the_doctor_names_the_cause_with_a_fix_that_changes_the_setting(name):
    cause = CAUSES[name]
    found = problems(diagnose(name))
    assert [(finding.check, finding.severity) for finding in found] == [
        (cause.check, cause.severity)
    ], name
    changes = found[0].fix.changes
    assert list(changes) == [cause.key]
    assert cause.good(changes[cause.key]), changes


@pytest.mark.parametrize("name", marked(sorted(CAUSES)))
def test_each_broken_config_with_its_fix_applied_is_healthy(name):
    given, hp = apply_fixes({}, {}, diagnose(name).findings)
    fixed = diagnose(name, given, hp)
    assert fixed.healthy, [(item.check, item.what) for item in problems(fixed)]


PRESETS = sorted(path.stem for path in (REPO / "configs").glob("*.toml"))


@pytest.mark.slow  # random episodes on every preset's floor: 0.2 s to 5 s each, presets come often
@pytest.mark.parametrize("name", PRESETS)
def test_a_shipped_preset_gets_no_error_or_warning(name):
    if name.startswith("ppo_minigrid"):
        pytest.importorskip("minigrid")
    found = diagnose(name, folder=REPO / "configs")
    assert found.healthy, [(item.check, item.what, item.evidence) for item in problems(found)]


@pytest.mark.slow
def test_the_suite_benchmark_runs_one_config_before_and_after():
    done = subprocess.run(
        [sys.executable, "benchmarks/doctor_suite.py", "--only", "qtable_10x10_1000ep"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("| `qtable"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1].startswith("budget (warning)")
    assert cells[2].startswith("`--episodes ")
    assert cells[3] == "no"  # the seed's 1000 episodes do not solve 10x10
