"""Running the checks of ``rlgrid check-env`` on one env: every generic check, then its
family's own, each turned into a :class:`CheckResult` (an env that raises fails that check)."""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from rlgrid.checks.generic import GENERIC_CHECKS
from rlgrid.checks.target import FAIL, CheckTarget, one_line


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    """``pass``, ``fail`` or ``n/a``."""
    detail: str


def run_checks(target: CheckTarget) -> list[CheckResult]:
    """Run every check on ``target``: the generic ones, then its family's (``Family.checks``).
    Render-mode checks draw off screen."""
    results = []
    with _offscreen_display():
        for check in [*GENERIC_CHECKS, *target.family.checks()]:
            try:
                with warnings.catch_warnings():
                    # only the checker rows report warnings; the others would repeat them
                    warnings.simplefilter("ignore")
                    status, detail = check.run(target)
            except Exception as error:  # the env raised: that is the finding
                status, detail = FAIL, f"raised {type(error).__name__}: {one_line(str(error))}"
            results.append(CheckResult(check.name, status, detail))
    return results


def passed(results: list[CheckResult]) -> bool:
    return all(r.status != FAIL for r in results)


def results_to_json(target: CheckTarget, results: list[CheckResult]) -> str:
    """One JSON object: the env id, its settings (as :meth:`CheckTarget.from_json` reads them),
    the seed, whether every check passed, and each check's result."""
    return json.dumps(
        {
            "env": target.env_id,
            "settings": target.to_json(),
            "seed": target.seed,
            "passed": passed(results),
            "checks": [asdict(r) for r in results],
        },
        indent=2,
    )


@contextlib.contextmanager
def _offscreen_display() -> Iterator[None]:
    """Let render-mode checks open their pygame windows on SDL's dummy driver, never on screen."""
    saved = {key: os.environ.get(key) for key in ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER")}
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
