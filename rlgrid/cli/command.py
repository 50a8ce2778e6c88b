"""The command line as the user typed it, for the run's manifest (not ``sys.argv``, which under a
test runner or ``python -m`` holds something else)."""

from __future__ import annotations

_typed: list[str] = []


def remember(program: str, args: list[str]) -> None:
    _typed[:] = [program, *args]


def typed_command() -> list[str]:
    return list(_typed)


MANY_VALUED = ("--env-kwargs", "--hp")
"""Flags that take several ``key=value`` items after one flag, as RL Zoo's do
(``--env-kwargs is_slippery=false map_name=8x8``)."""


def expand_many(args: list[str]) -> list[str]:
    """``args`` with each item after a :data:`MANY_VALUED` flag given its own flag: the items are
    the tokens that follow it and hold ``=`` without starting with ``-``."""
    expanded: list[str] = []
    current = None
    for arg in args:
        if arg == "--":
            current = None
        elif current is not None and not arg.startswith("-") and "=" in arg:
            if expanded[-1] != current:
                expanded.append(current)
            expanded.append(arg)
            continue
        current = arg if arg in MANY_VALUED else None
        expanded.append(arg)
    return expanded
