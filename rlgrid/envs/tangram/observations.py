"""What an agent sees of a tangram board.

- ``window`` (default with ``gap`` actions): which side of its cell the first gap is (one-hot),
  the pieces left of each kind (as a share of the kind's count), then the free triangles of the
  cells around the gap as 4 planes (one per side) of ``2 * window + 1`` cells a side (outside
  the canvas counts as not free). The same size on every canvas, and what the ``gap`` actions
  act on: the same neighbourhood of a gap asks for the same piece on any silhouette, wherever
  it lies.
- ``canvas``: the free triangles and the silhouette over the whole canvas, and the pieces left
  (default with ``anywhere`` actions, whose placements are canvas positions).
- ``state``: one number per reachable board of the silhouettes, for the q-table (see
  :func:`rlgrid.envs.tangram.states.enumerate_states`).
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from rlgrid.envs.tangram.board import Board
from rlgrid.envs.tangram.pieces import COUNTS
from rlgrid.errors import InvalidValueError

ENCODINGS = ("window", "canvas", "state")
DEFAULT_WINDOW = 4
"""Cells seen on each side of the gap: a piece covering the gap reaches at most 3 cells away."""
_COUNTS = np.array(COUNTS, dtype=np.float32)


class Encoder:
    """Turns boards into observations of one encoding."""

    def __init__(self, encoding: str, rows: int, cols: int, window: int, states=None) -> None:
        if encoding not in ENCODINGS:
            raise InvalidValueError(
                f"unknown tangram obs {encoding!r}: choose one of {', '.join(ENCODINGS)}"
            )
        if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 16:
            raise InvalidValueError(f"window must be an integer from 1 to 16, got {window!r}")
        self.encoding, self.rows, self.cols, self.window = encoding, rows, cols, window
        self.states = states
        if encoding == "state":
            self.space: spaces.Space = spaces.Discrete(len(states))
        else:
            size = (2 * window + 1) ** 2 * 4 + 4 if encoding == "window" else rows * cols * 8
            self.space = spaces.Box(0.0, 1.0, (size + len(COUNTS),), dtype=np.float32)

    def __call__(self, board: Board, silhouette: int = 0) -> np.ndarray | int:
        if self.encoding == "state":
            return self.states[(silhouette, *board.key())]
        left = np.asarray(board.counts, dtype=np.float32) / _COUNTS
        free = board.canvas.array(board.free).astype(np.float32)
        if self.encoding == "canvas":
            target = board.canvas.array(board.target).astype(np.float32)
            return np.concatenate([free, target, left])
        which, planes = self._around_gap(board, free)
        return np.concatenate([which, left, planes])

    def _around_gap(self, board: Board, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = self.window
        side = 2 * w + 1
        padded = np.zeros((4, self.rows + 2 * w, self.cols + 2 * w), dtype=np.float32)
        padded[:, w : w + self.rows, w : w + self.cols] = free.reshape(
            self.rows, self.cols, 4
        ).transpose(2, 0, 1)
        gap = board.first_gap
        which = np.zeros(4, dtype=np.float32)
        if gap < 0:
            return which, np.zeros(4 * side * side, dtype=np.float32)
        cell, gap_side = divmod(gap, 4)
        r, c = divmod(cell, self.cols)
        which[gap_side] = 1.0
        return which, padded[:, r : r + side, c : c + side].reshape(-1)
