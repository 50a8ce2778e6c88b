"""Shortest-path policies on a layout: the oracle that walks straight to the target."""

from __future__ import annotations

import numpy as np

from rlgrid.envs.layout import Cell, Layout
from rlgrid.envs.moves import MOVES, next_cell


def oracle_action(layout: Layout, cell: Cell, target: Cell, *, away: bool = False) -> int:
    """The first action (lowest number on ties) that brings ``cell`` closest to ``target``.

    With ``away=True`` the action that keeps it farthest instead, to test time limits.
    """
    dist = layout.distance_map(target)
    sign = -1 if away else 1
    return min(MOVES, key=lambda a: (sign * dist[next_cell(layout, cell, a)], a))


def oracle_actions(layout: Layout, robot: np.ndarray, target: np.ndarray) -> np.ndarray:
    """:func:`oracle_action` for arrays of flat robot and target cells at once."""
    after = layout.transitions.reshape(-1, len(MOVES))[robot]
    dist = layout.distances(after.ravel(), np.repeat(target, len(MOVES)))
    return dist.reshape(-1, len(MOVES)).argmin(axis=1)
