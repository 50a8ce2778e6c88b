"""The robot's actions and the move each makes."""

from __future__ import annotations

from enum import IntEnum


class Action(IntEnum):
    LEFT = 0
    DOWN = 1
    RIGHT = 2
    UP = 3


MOVES: dict[int, tuple[int, int]] = {
    Action.LEFT: (0, -1),
    Action.DOWN: (1, 0),
    Action.RIGHT: (0, 1),
    Action.UP: (-1, 0),
}
"""(row, column) change of each action."""
