"""The checks behind ``rlgrid check-env``: what is checked (:mod:`.target`), observations of any
space (:mod:`.observations`), the checks every gymnasium env gets (:mod:`.generic`) and running
them with a family's own checks (:mod:`.run`). A check passes, passes with warnings (``warn``),
fails or does not apply (``n/a``)."""

from rlgrid.checks.run import CheckResult, ok, passed, results_to_json, run_checks, summary
from rlgrid.checks.target import FAIL, PASS, SKIP, WARN, CheckTarget, fingerprint

__all__ = ["FAIL", "PASS", "SKIP", "WARN", "CheckResult", "CheckTarget", "fingerprint", "ok",
           "passed", "results_to_json", "run_checks", "summary"]  # fmt: skip
