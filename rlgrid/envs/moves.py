"""How a move changes the robot's cell on a layout."""

from __future__ import annotations

from rlgrid.envs.actions import MOVES, Action
from rlgrid.envs.layout import Cell, Layout

__all__ = ["MOVES", "Action", "next_cell"]


def next_cell(layout: Layout, cell: Cell, action: int) -> Cell:
    """Where ``action`` takes the robot from ``cell``: a move off the grid or into a blocked cell
    leaves it in place."""
    dr, dc = MOVES[action]
    moved = (cell[0] + dr, cell[1] + dc)
    return moved if layout.in_bounds(moved) and layout.free[moved] else cell
