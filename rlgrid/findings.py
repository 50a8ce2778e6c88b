"""What ``rlgrid doctor`` finds: a :class:`Finding` per problem, each with the numbers that show it
and a :class:`Fix` to try. Families and the doctor's checks return them as plain data; the CLI
prints them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR, WARNING, NOTE = "error", "warning", "note"
"""How bad a finding is: ``error``, the agent will not learn (or the config is refused);
``warning``, it learns slowly, learns the wrong thing, or a number makes no sense; ``note``, worth
knowing, nothing to fix. Only errors and warnings make the doctor's exit code 1."""
SEVERITIES = (ERROR, WARNING, NOTE)


@dataclass(frozen=True)
class Fix:
    """A change to try. ``changes`` are settings as :func:`rlgrid.config.build_config` takes them
    (``env.max_steps``, ``env.reward``, ``timesteps``, ``episodes``) and ``hp.KEY`` for a
    hyperparameter of the algorithm; ``words`` says it where no setting does (or adds why)."""

    changes: dict[str, Any] = field(default_factory=dict)
    words: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"changes": dict(self.changes), "words": self.words}


@dataclass(frozen=True)
class Finding:
    """One problem: how bad (``severity``), which check found it (``check``, a short name such
    as ``reward reachability``), what it is in plain words, the evidence in numbers, and the fix
    to try (None where there is nothing to change)."""

    severity: str
    check: str
    what: str
    evidence: str
    fix: Fix | None = None
    symptom: bool = False
    """Found in what a run did (its records, its replayed agent) rather than in its settings:
    what went wrong, whose cause the settings' findings name where they can."""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "check": self.check,
            "what": self.what,
            "evidence": self.evidence,
            "fix": None if self.fix is None else self.fix.to_dict(),
            "symptom": self.symptom,
        }


@dataclass
class Diagnosis:
    """All findings about one config or run (``subject``), worst first, and the numbers that were
    measured on the way (``measured``: name -> value) whether or not they found anything."""

    subject: str
    findings: list[Finding] = field(default_factory=list)
    measured: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        """Whether nothing is wrong: no errors and no warnings (notes are fine)."""
        return all(finding.severity == NOTE for finding in self.findings)

    def sorted(self) -> list[Finding]:
        """Causes (findings of the settings) before symptoms (of what a run did), each worst
        first."""
        return sorted(
            self.findings,
            key=lambda finding: (finding.symptom, SEVERITIES.index(finding.severity)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "healthy": self.healthy,
            "findings": [finding.to_dict() for finding in self.sorted()],
            "measured": dict(self.measured),
        }
