"""Where pieces can go on a canvas of rows x cols cells, and the two action spaces over them.

Triangle ``(r, c, side)`` of the canvas has the index ``(r * cols + c) * 4 + side``; a set of
triangles is a Python int with those bits set (the solver's representation) or a bool array.

A *placement* is one shape (a kind in one orientation) at one anchor cell (its top-left), wholly
inside the canvas. Two action spaces name placements:

- ``gap`` (default): the placements that cover the *first gap*, the uncovered triangle of the
  silhouette with the lowest index (top row first). Every assembly covers that triangle with
  some piece, so this loses no solution, and it is the branching rule of the exact-cover solver.
  An action is (shape, which of the shape's triangles lands on the gap): 152 actions, the same on
  every canvas, so one policy acts on silhouettes of any size.
- ``anywhere``: any shape at any anchor cell: 17 x rows x cols actions (1,088 on 8x8).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

from rlgrid.envs.tangram.pieces import KINDS, Shape, Triangle

SHAPES: tuple[tuple[int, Shape], ...] = tuple(
    (index, shape) for index, kind in enumerate(KINDS) for shape in kind.shapes
)
"""Every (kind index, shape): 17 of them."""
GAP_ACTIONS: tuple[tuple[int, int], ...] = tuple(
    (number, position) for number, (_, shape) in enumerate(SHAPES) for position in range(len(shape))
)
"""The ``gap`` actions: (shape number, which of its triangles covers the gap)."""
ACTION_SPACES = ("gap", "anywhere")


@dataclass(frozen=True)
class Placement:
    kind: int
    shape: int
    row: int
    col: int

    def triangles(self) -> tuple[Triangle, ...]:
        return tuple((self.row + r, self.col + c, side) for r, c, side in SHAPES[self.shape][1])


class Canvas:
    """Every placement on a rows x cols canvas, as bitmasks, and the tables from actions to
    placements. Envs share one per size (:meth:`of`): it never changes once built."""

    @staticmethod
    @cache
    def of(rows: int, cols: int) -> Canvas:
        return Canvas(rows, cols)

    def __init__(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols
        self.size = rows * cols * 4
        placements, ids = [], {}
        for number, (kind, shape) in enumerate(SHAPES):
            height = max(r for r, _, _ in shape) + 1
            width = max(c for _, c, _ in shape) + 1
            for row in range(rows - height + 1):
                for col in range(cols - width + 1):
                    ids[number, row, col] = len(placements)
                    placements.append(Placement(kind, number, row, col))
        self.placements: tuple[Placement, ...] = tuple(placements)
        self._ids = ids
        self.bits: tuple[int, ...] = tuple(self.mask(p.triangles()) for p in placements)
        self.kinds = np.array([p.kind for p in placements], dtype=np.int64)
        self.anywhere = np.array(
            [
                ids.get((number, row, col), -1)
                for number in range(len(SHAPES))
                for row in range(rows)
                for col in range(cols)
            ],
            dtype=np.int64,
        )
        """Placement of each ``anywhere`` action; -1 where the shape would leave the canvas."""

    def index(self, triangle: Triangle) -> int:
        r, c, side = triangle
        return (r * self.cols + c) * 4 + side

    def triangle(self, index: int) -> Triangle:
        cell, side = divmod(index, 4)
        r, c = divmod(cell, self.cols)
        return r, c, side

    def mask(self, triangles) -> int:
        """The bitmask of ``triangles``."""
        bits = 0
        for triangle in triangles:
            bits |= 1 << self.index(triangle)
        return bits

    def array(self, bits: int) -> np.ndarray:
        """The bitmask as a bool array over the canvas's triangles."""
        raw = bits.to_bytes((self.size + 7) // 8, "little")
        return np.unpackbits(np.frombuffer(raw, np.uint8), bitorder="little")[: self.size].astype(
            bool
        )

    def place(self, shape: int, row: int, col: int) -> int:
        """The placement of ``shape`` at anchor (row, col); -1 where it would leave the canvas."""
        return self._ids.get((shape, row, col), -1)

    @cached_property
    def gap(self) -> np.ndarray:
        """``gap[action, t]``: the placement of ``gap`` action ``action`` when the first gap is
        triangle ``t``; -1 where the action's triangle is of another side or the piece would
        leave the canvas."""
        table = np.full((len(GAP_ACTIONS), self.size), -1, dtype=np.int64)
        for action, (number, position) in enumerate(GAP_ACTIONS):
            dr, dc, side = SHAPES[number][1][position]
            for t in range(self.size):
                r, c, gap_side = self.triangle(t)
                if gap_side == side:
                    table[action, t] = self.place(number, r - dr, c - dc)
        return table

    @cached_property
    def covering(self) -> tuple[tuple[int, ...], ...]:
        """For each triangle, the placements that cover it (the solver's candidates)."""
        found: list[list[int]] = [[] for _ in range(self.size)]
        for p, placement in enumerate(self.placements):
            for triangle in placement.triangles():
                found[self.index(triangle)].append(p)
        return tuple(tuple(ps) for ps in found)


def shape_words(number: int) -> str:
    """``large triangle 2/4``: the kind, and which of its orientations."""
    kind = SHAPES[number][0]
    turns = [n for n, (k, _) in enumerate(SHAPES) if k == kind]
    name = KINDS[kind].name
    return name if len(turns) == 1 else f"{name} {turns.index(number) + 1}/{len(turns)}"


def action_words(action: int, space: str, rows: int, cols: int) -> str:
    """How a watcher names an action: the shape, and where it goes (``anywhere``: the top-left
    cell of its box)."""
    if space == "gap":
        return f"{shape_words(GAP_ACTIONS[action][0])} at the gap"
    number, cell = divmod(action, rows * cols)
    row, col = divmod(cell, cols)
    return f"{shape_words(number)} at row {row} col {col}"
