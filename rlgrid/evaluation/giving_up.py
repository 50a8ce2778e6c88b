"""Evaluations given up when training is asked to stop: a periodic evaluation of a policy that
loops can play to the time limit in every episode (minutes on a big floor), and Ctrl+C must not
wait for it. Training sets the condition around its periodic evaluations; the episode loops
check it as they go."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

_conditions: list[Callable[[], bool]] = []


class GivenUp(Exception):
    """Raised inside an evaluation once its condition holds (a stop was requested)."""


@contextlib.contextmanager
def given_up_when(condition: Callable[[], bool]) -> Iterator[None]:
    """Evaluations in this block raise :class:`GivenUp` once ``condition()`` is true."""
    _conditions.append(condition)
    try:
        yield
    finally:
        _conditions.pop()


def check() -> None:
    """Raise :class:`GivenUp` where the innermost condition holds (nothing outside a block)."""
    if _conditions and _conditions[-1]():
        raise GivenUp
