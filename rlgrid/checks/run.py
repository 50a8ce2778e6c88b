"""Running the checks of ``rlgrid check-env`` on one env: every generic check, then its
family's own, each turned into a :class:`CheckResult` (a check that raises fails, naming the
error), and what they add up to."""

from __future__ import annotations

import contextlib
import json
import os
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from rlgrid.checks.generic import GENERIC_CHECKS
from rlgrid.checks.target import FAIL, PASS, SKIP, WARN, CheckTarget, one_line


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    """``pass``, ``warn``, ``fail`` or ``n/a``."""
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
            except Exception as error:  # the env (or a checker on it) raised: the finding
                status, detail = FAIL, describe_error(error)
            results.append(CheckResult(check.name, status, detail))
    return results


def describe_error(error: BaseException) -> str:
    """``raised TYPE: message`` on one line; an error without a message says where it was
    raised instead (file, line and function of the innermost frame)."""
    message = one_line(str(error))
    if not message:
        frames = traceback.extract_tb(error.__traceback__)
        message = f"(no message) at {_short_place(frames[-1])}" if frames else "(no message)"
    return f"raised {type(error).__name__}: {message}"


def _short_place(frame: traceback.FrameSummary) -> str:
    parts = Path(frame.filename).parts
    # an installed package's file from its top folder on, any other file's last three parts
    installed = "site-packages" in parts
    parts = parts[parts.index("site-packages") + 1 :] if installed else parts[-3:]
    return f"{'/'.join(parts)}:{frame.lineno} in {frame.name}"


def passed(results: list[CheckResult]) -> bool:
    """No check failed (warnings and ``n/a`` rows do not fail)."""
    return all(r.status != FAIL for r in results)


def ok(results: list[CheckResult], strict: bool = False) -> bool:
    """What ``rlgrid check-env`` exits 0 for: no check failed, and with ``strict`` none warned."""
    return passed(results) and not (strict and any(r.status == WARN for r in results))


def counts(results: list[CheckResult]) -> dict[str, int]:
    """How many checks ended in each status, every status named."""
    return {status: sum(r.status == status for r in results) for status in _STATUSES}


_STATUSES = (PASS, WARN, FAIL, SKIP)
_WORDS = {PASS: "passed", WARN: "with warnings", FAIL: "failed", SKIP: "n/a"}


def summary(results: list[CheckResult], strict: bool = False) -> str:
    """One line, such as ``12 checks: 10 passed, 2 with warnings``; with ``strict`` and
    warnings, it says that they fail."""
    found = [f"{n} {_WORDS[status]}" for status, n in counts(results).items() if n]
    line = f"{len(results)} checks: {', '.join(found)}"
    if strict and any(r.status == WARN for r in results):
        line += " (--strict: warnings fail)"
    return line


def results_to_json(target: CheckTarget, results: list[CheckResult], strict: bool = False) -> str:
    """One JSON object: the env id, its settings (as :meth:`CheckTarget.from_json` reads them),
    the seed, ``passed`` (no check failed), ``strict`` and ``ok`` (what the exit code says: no
    failure, and with ``strict`` no warning either), how many checks ended in each status, and
    each check's result."""
    return json.dumps(
        {
            "env": target.env_id,
            "settings": target.to_json(),
            "seed": target.seed,
            "passed": passed(results),
            "strict": strict,
            "ok": ok(results, strict),
            "counts": counts(results),
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
