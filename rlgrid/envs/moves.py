"""The robot's actions and how a move changes its cell on a layout."""

from __future__ import annotations

from enum import IntEnum

from rlgrid.envs.layout import Cell, Layout


class Action(IntEnum):
    LEFT = 0
    DOWN = 1
    RIGHT = 2
    UP = 3


MOVES: dict[int, Cell] = {
    Action.LEFT: (0, -1),
    Action.DOWN: (1, 0),
    Action.RIGHT: (0, 1),
    Action.UP: (-1, 0),
}


def next_cell(layout: Layout, cell: Cell, action: int) -> Cell:
    """Where ``action`` takes the robot from ``cell``: a move off the grid or into a blocked cell
    leaves it in place."""
    dr, dc = MOVES[action]
    moved = (cell[0] + dr, cell[1] + dc)
    return moved if layout.in_bounds(moved) and layout.free[moved] else cell
