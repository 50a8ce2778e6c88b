"""What a run's own state says before any trend: failed, interrupted, still training, or solved.
A solved run needs no cure: what its settings would have risked is said, as notes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rlgrid.findings import ERROR, NOTE, WARNING, Diagnosis, Finding, Fix


def status_findings(run: Path, manifest: dict[str, Any]) -> list[Finding]:
    """A failed run's error; an interrupted run's way on; a note that a run is still training
    (its trends are of the steps so far)."""
    status = manifest.get("status")
    done = f"{manifest.get('timesteps', 0):,} steps"
    if status == "failed":
        return [
            Finding(
                ERROR,
                "training failed",
                "training stopped with an error",
                str(manifest.get("error", "no error recorded")),
                Fix(words="a diverged run needs a smaller learning rate; see the other findings"),
                symptom=True,
            )
        ]
    if status == "interrupted":
        return [
            Finding(
                WARNING,
                "interrupted",
                "training was stopped before its budget was spent: it may only need the rest",
                f"interrupted after {done}",
                Fix(words=f"rlgrid train --resume {run}"),
                symptom=True,
            )
        ]
    if status == "running":
        return [
            Finding(
                NOTE,
                "still training",
                "the run is training (or its process died): what it did is judged so far",
                f"{done} recorded",
                symptom=True,
            )
        ]
    return []


def settled(diagnosis: Diagnosis, solved: bool | None) -> Diagnosis:
    """``diagnosis`` of a run its evaluation judged solved: its errors and warnings become notes
    (it solved anyway; they say what the settings risked, or what made it slower)."""
    if not solved:
        return diagnosis
    notes = [
        finding
        if finding.severity == NOTE
        else replace(finding, severity=NOTE, what=f"{finding.what} (it solved anyway)")
        for finding in diagnosis.findings
    ]
    return Diagnosis(diagnosis.subject, notes, {**diagnosis.measured, "solved": True})
