"""The state of one puzzle: the silhouette, what is still free of it, the pieces left, and the
rule that says which placements an action space allows.

``allowed`` is the one definition of "a placement that fits": a piece of that kind is left and
every triangle it covers is free (inside the silhouette, not yet covered). With the ``gap`` action
space only placements covering the first gap are offered (see :mod:`.placements`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rlgrid.envs.tangram.pieces import COUNTS, Triangle, normalised
from rlgrid.envs.tangram.placements import GAP_ACTIONS, SHAPES, Canvas


@dataclass
class Board:
    canvas: Canvas
    target: int
    """The silhouette's triangles (bitmask)."""
    free: int
    counts: list[int]
    placed: list[int] = field(default_factory=list)
    """Placement ids, in the order they were placed."""

    @classmethod
    def start(cls, canvas: Canvas, target: int) -> Board:
        return cls(canvas, target, target, list(COUNTS))

    @property
    def first_gap(self) -> int:
        """The lowest free triangle; -1 when the silhouette is filled."""
        return (self.free & -self.free).bit_length() - 1

    def fits(self, placement: int) -> bool:
        if placement < 0:
            return False
        bits = self.canvas.bits[placement]
        return bool(self.counts[self.canvas.kinds[placement]]) and bits & self.free == bits

    def place(self, placement: int) -> None:
        self.free ^= self.canvas.bits[placement]
        self.counts[self.canvas.kinds[placement]] -= 1
        self.placed.append(placement)

    def key(self) -> tuple[int, tuple[int, ...]]:
        return self.free, tuple(self.counts)


class Actions:
    """An action space over a canvas: which placement an action names on a board, and the mask
    of the actions whose placement fits."""

    def __init__(self, canvas: Canvas, kind: str) -> None:
        self.canvas, self.kind = canvas, kind
        self.n = len(GAP_ACTIONS) if kind == "gap" else len(canvas.anywhere)

    def placement(self, board: Board, action: int) -> int:
        if self.kind == "gap":
            gap = board.first_gap
            return int(self.canvas.gap[action, gap]) if gap >= 0 else -1
        return int(self.canvas.anywhere[action])

    def candidates(self, board: Board) -> np.ndarray:
        """The placement of every action on ``board`` (-1: none)."""
        if self.kind == "gap":
            gap = board.first_gap
            return self.canvas.gap[:, gap] if gap >= 0 else np.full(self.n, -1, dtype=np.int64)
        return self.canvas.anywhere

    def mask(self, board: Board) -> np.ndarray:
        places = self.candidates(board)
        return np.fromiter((board.fits(int(p)) for p in places), dtype=bool, count=self.n)

    def action_of(self, board: Board, placement: int) -> int:
        """The action naming ``placement`` on ``board`` (the oracle's move)."""
        matches = np.flatnonzero(self.candidates(board) == placement)
        if len(matches) == 0:
            raise ValueError("no action of this space names that placement here")
        return int(matches[0])


def placement_of(canvas: Canvas, kind: int, triangles: tuple[Triangle, ...]) -> int:
    """The placement id of a piece given as its kind and triangles."""
    shape = normalised(set(triangles))
    number = next(n for n, (k, candidate) in enumerate(SHAPES) if k == kind and candidate == shape)
    top = min(r for r, _, _ in triangles)
    left = min(c for _, c, _ in triangles)
    return canvas.place(number, top, left)
