"""Shortest-path policies on a layout: the oracle that walks straight to the target."""

from __future__ import annotations

from rlgrid.envs.layout import Cell, Layout
from rlgrid.envs.moves import MOVES, next_cell


def oracle_action(layout: Layout, cell: Cell, target: Cell, *, away: bool = False) -> int:
    """The first action (lowest number on ties) that brings ``cell`` closest to ``target``.

    With ``away=True`` the action that keeps it farthest instead, to test time limits.
    """
    dist = layout.distance_map(target)
    sign = -1 if away else 1
    return min(MOVES, key=lambda a: (sign * dist[next_cell(layout, cell, a)], a))
