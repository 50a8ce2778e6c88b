"""The command line as the user typed it, for the run's manifest (not ``sys.argv``, which under a
test runner or ``python -m`` holds something else)."""

from __future__ import annotations

_typed: list[str] = []


def remember(program: str, args: list[str]) -> None:
    _typed[:] = [program, *args]


def typed_command() -> list[str]:
    return list(_typed)
