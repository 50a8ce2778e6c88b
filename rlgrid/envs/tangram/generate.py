"""Silhouettes made by assembling the seven pieces at random: solvable by construction.

The pieces come in a random order, each in a random orientation; the first lies anywhere, every
other one touches the pieces already placed along at least one triangle edge (not only at a
corner) and overlaps none of them, and the whole stays within ``max_rows`` x ``max_cols`` cells.
So every generated silhouette is connected, covers 64 triangles and carries the assembly it was
made from. A piece that finds no such place in any orientation starts the assembly again.
"""

from __future__ import annotations

import numpy as np

from rlgrid.envs.tangram.pieces import AREA, COUNTS, KINDS, E, N, S, Shape, Triangle, W
from rlgrid.envs.tangram.silhouette_format import Silhouette
from rlgrid.errors import InvalidValueError

PIECE_KINDS = np.array([kind for kind, count in enumerate(COUNTS) for _ in range(count)])
"""The kind of each of the seven pieces."""
MAX_TRIES = 1000
"""Assemblies tried before giving up on a bound too tight to hold the seven pieces."""
_FAR = 1 << 30
"""Beyond any cell: the bounding box of no pieces."""
_ACROSS = {N: (-1, 0, S), E: (0, 1, W), S: (1, 0, N), W: (0, -1, E)}


def _by_side(shape: Shape) -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each side, the (row, column) offsets of the shape's triangles of that side."""
    return tuple(tuple((r, c) for r, c, s in shape if s == side) for side in range(4))


_ORIENTATIONS = tuple(tuple((shape, _by_side(shape)) for shape in kind.shapes) for kind in KINDS)


def _neighbours(triangle: Triangle) -> tuple[Triangle, ...]:
    """The three triangles that share an edge with ``triangle``: two in its cell, one across
    its cell's side."""
    r, c, side = triangle
    dr, dc, other = _ACROSS[side]
    return (r, c, (side + 1) % 4), (r, c, (side + 3) % 4), (r + dr, c + dc, other)


def generate(
    rng: np.random.Generator, max_rows: int = 8, max_cols: int = 8, name: str = "random"
) -> Silhouette:
    """A random connected silhouette of the seven pieces within ``max_rows`` x ``max_cols``
    cells, with the assembly it was made from as its solution."""
    for bound, what in ((max_rows, "max_rows"), (max_cols, "max_cols")):
        if isinstance(bound, bool) or not isinstance(bound, int) or bound < 2:
            raise InvalidValueError(f"{what} must be an integer of at least 2, got {bound!r}")
    if max_rows * max_cols < AREA // 4:
        raise InvalidValueError(
            f"{max_rows}x{max_cols} cells cannot hold the seven pieces (they cover {AREA // 4})"
        )
    for _ in range(MAX_TRIES):
        pieces = _assemble(rng, max_rows, max_cols)
        if pieces is not None:
            triangles = frozenset(t for _, piece in pieces for t in piece)
            return Silhouette(name, triangles, tuple(pieces))
    raise InvalidValueError(
        f"no assembly of the seven pieces within {max_rows}x{max_cols} cells in {MAX_TRIES} "
        "tries; allow more rows or columns"
    )


def _assemble(
    rng: np.random.Generator, max_rows: int, max_cols: int
) -> list[tuple[int, tuple[Triangle, ...]]] | None:
    """The seven pieces placed one by one, each touching those before; None where one of them
    finds no place."""
    occupied: set[Triangle] = set()
    frontier: dict[Triangle, None] = {}
    """Free triangles sharing an edge with an occupied one, in a reproducible order."""
    box = [_FAR, -_FAR, _FAR, -_FAR]  # top, bottom, left, right cell of the pieces so far
    pieces: list[tuple[int, tuple[Triangle, ...]]] = []
    for kind in rng.permutation(PIECE_KINDS):
        orientations = _ORIENTATIONS[kind]
        for number in rng.permutation(len(orientations)):
            shape, by_side = orientations[number]
            anchors = _anchors(frontier, by_side) if pieces else [(0, 0)]
            placed = _place(rng, shape, anchors, occupied, box, (max_rows, max_cols))
            if placed is not None:
                break
        else:
            return None
        box = [
            min(box[0], *(r for r, _, _ in placed)),
            max(box[1], *(r for r, _, _ in placed)),
            min(box[2], *(c for _, c, _ in placed)),
            max(box[3], *(c for _, c, _ in placed)),
        ]
        occupied.update(placed)
        for triangle in placed:
            frontier.pop(triangle, None)
        for triangle in placed:
            for neighbour in _neighbours(triangle):
                if neighbour not in occupied:
                    frontier[neighbour] = None
        pieces.append((int(kind), tuple(sorted(placed))))
    return pieces


def _anchors(frontier, by_side) -> list[tuple[int, int]]:
    """The anchors (top-left cells) that put one of the shape's triangles on the frontier:
    each place where the piece touches the others, once."""
    return list(
        dict.fromkeys((r - dr, c - dc) for r, c, side in frontier for dr, dc in by_side[side])
    )


def _place(
    rng: np.random.Generator,
    shape: Shape,
    anchors: list[tuple[int, int]],
    occupied: set[Triangle],
    box: list[int],
    bound: tuple[int, int],
) -> tuple[Triangle, ...] | None:
    """``shape`` at one of ``anchors`` (tried in a random order) where it overlaps nothing and
    keeps the pieces within ``bound``; None where there is no such anchor."""
    for pick in rng.permutation(len(anchors)):
        row, col = anchors[pick]
        triangles = tuple((row + r, col + c, side) for r, c, side in shape)
        if occupied.isdisjoint(triangles) and _fits(box, triangles, *bound):
            return triangles
    return None


def _fits(box: list[int], triangles, max_rows: int, max_cols: int) -> bool:
    """Whether the pieces so far (``box``) and ``triangles`` stay within the bound."""
    rows = [r for r, _, _ in triangles]
    cols = [c for _, c, _ in triangles]
    return (
        max(box[1], *rows) - min(box[0], *rows) < max_rows
        and max(box[3], *cols) - min(box[2], *cols) < max_cols
    )


def generated(count: int, seed: int = 0, max_rows: int = 8, max_cols: int = 8) -> list[Silhouette]:
    """``count`` generated silhouettes; the i-th from ``np.random.default_rng([seed, i])``, so a
    set's first silhouettes do not change with ``count`` and other seeds give other streams.
    Named ``random-SEED-I``."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidValueError(f"the number of silhouettes must be at least 1, got {count!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidValueError(f"silhouette_seed must be a non-negative integer, got {seed!r}")
    return [
        generate(np.random.default_rng([seed, i]), max_rows, max_cols, f"random-{seed}-{i}")
        for i in range(count)
    ]
