"""The checks behind ``rlgrid check-env``: what is checked (:mod:`.target`), the checks every
gymnasium env gets (:mod:`.generic`) and running them with a family's own checks
(:mod:`.run`). A check passes, fails or does not apply (``n/a``)."""

from rlgrid.checks.run import CheckResult, passed, results_to_json, run_checks
from rlgrid.checks.target import FAIL, PASS, SKIP, CheckTarget, fingerprint

__all__ = ["FAIL", "PASS", "SKIP", "CheckResult", "CheckTarget", "fingerprint", "passed",
           "results_to_json", "run_checks"]  # fmt: skip
