"""Every board an episode can reach, numbered: the observations of a q-table.

A q-table needs one row per state. On one silhouette with ``gap`` actions the boards an episode
can reach are few (the square: a few hundred), since the first gap fixes where the next piece
goes; with ``anywhere`` actions, or over many silhouettes, they grow past what a table can
learn from, and :func:`enumerate_states` says so instead of building one.
"""

from __future__ import annotations

from functools import lru_cache

from rlgrid.envs.tangram.board import Actions, Board
from rlgrid.envs.tangram.placements import Canvas
from rlgrid.errors import IncompatibleError

MAX_STATES = 200_000
"""More reachable boards than a q-table learns from in a sensible number of episodes."""


def enumerate_states(
    actions: Actions, targets: list[int], limit: int = MAX_STATES
) -> dict[tuple, int]:
    """``{(silhouette, free, counts): number}`` for every board reachable from the start of
    each silhouette in ``targets``, placing only pieces that fit by ``actions``' rule (worked out
    once per process for each canvas, action space and silhouettes: every env of a run shares
    it)."""
    canvas = actions.canvas
    return _enumerated(canvas.rows, canvas.cols, actions.kind, tuple(targets), limit)


@lru_cache(maxsize=8)
def _enumerated(
    rows: int, cols: int, kind: str, targets: tuple[int, ...], limit: int
) -> dict[tuple, int]:
    actions = Actions(Canvas.of(rows, cols), kind)
    found: dict[tuple, int] = {}
    for number, target in enumerate(targets):
        stack = [Board.start(actions.canvas, target)]
        while stack:
            board = stack.pop()
            key = (number, *board.key())
            if key in found:
                continue
            found[key] = len(found)
            if len(found) > limit:
                raise IncompatibleError(
                    f"obs state numbers every board an episode can reach, but these silhouettes "
                    f"reach more than {limit:,} with {actions.kind} actions: too many for a "
                    "q-table to learn; use gap actions, fewer silhouettes, or obs window with "
                    "maskable-ppo"
                )
            for placement in set(actions.candidates(board).tolist()):
                if board.fits(placement):
                    child = Board(board.canvas, board.target, board.free, list(board.counts))
                    child.place(placement)
                    stack.append(child)
    return found
