"""The tangram on a grid: the triangle lattice and the seven pieces.

Every grid cell is split by both diagonals into four triangles, numbered ``N=0, E=1, S=2, W=3``
(the side of the cell each one touches). On that lattice the classic tangram fits exactly: the
4x4-cell square (64 triangles) is two large triangles of 16 triangles, a medium triangle, the
square and the parallelogram of 8, and two small triangles of 4, every corner on a cell corner.

A piece turns by 90 degrees (and the parallelogram also flips: a mirror image of a triangle or of
the square is one of its turns), so each piece has a few distinct *shapes*: triangles 4, the
square 1, the parallelogram 4. Turning works on triangle centroids in coordinates scaled by 6
(the centroid of ``N`` in cell (r, c) is ``(x, y) = (6c + 3, 6r + 1)``), where a quarter turn
``(x, y) -> (-y, x)`` and a flip ``(x, y) -> (-x, y)`` map centroids to centroids.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

N, E, S, W = 0, 1, 2, 3
SIDES = "NESW"
Triangle = tuple[int, int, int]
"""A triangle of the lattice: (row, column, side)."""

_CENTROID = {N: (3, 1), E: (5, 3), S: (3, 5), W: (1, 3)}
_SIDE_AT = {offset: side for side, offset in _CENTROID.items()}


def centroid(triangle: Triangle) -> tuple[int, int]:
    """The centroid of ``triangle`` as (x, y) in sixths of a cell."""
    r, c, side = triangle
    dx, dy = _CENTROID[side]
    return 6 * c + dx, 6 * r + dy


def at_centroid(x: int, y: int) -> Triangle:
    """The triangle whose centroid is (x, y), in sixths of a cell."""
    return y // 6, x // 6, _SIDE_AT[(x % 6, y % 6)]


def corners(triangle: Triangle) -> tuple[tuple[float, float], ...]:
    """The triangle's corners as (x, y) in cells: the cell's centre and the two corners of its
    side."""
    r, c, side = triangle
    centre = (c + 0.5, r + 0.5)
    ends = {
        N: ((c, r), (c + 1, r)),
        E: ((c + 1, r), (c + 1, r + 1)),
        S: ((c + 1, r + 1), (c, r + 1)),
        W: ((c, r + 1), (c, r)),
    }[side]
    return (centre, *ends)


def inside(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    """Whether ``point`` lies strictly inside the convex ``polygon`` (corners in order)."""
    signs = set()
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        cross = (x2 - x1) * (point[1] - y1) - (y2 - y1) * (point[0] - x1)
        signs.add(cross > 0)
        if cross == 0:
            return False
    return len(signs) == 1


def triangles_of(polygon: tuple[tuple[float, float], ...], rows: int, cols: int) -> set[Triangle]:
    """The lattice triangles inside ``polygon`` (by their centroids), on a rows x cols grid."""
    found = set()
    for r in range(rows):
        for c in range(cols):
            for side in range(4):
                x, y = centroid((r, c, side))
                if inside((x / 6, y / 6), polygon):
                    found.add((r, c, side))
    return found


Shape = tuple[Triangle, ...]
"""A piece in one orientation: its triangles, sorted, moved so that its top row and left
column are 0."""


def normalised(triangles: set[Triangle] | frozenset[Triangle]) -> Shape:
    top = min(r for r, _, _ in triangles)
    left = min(c for _, c, _ in triangles)
    return tuple(sorted((r - top, c - left, side) for r, c, side in triangles))


def turned(shape: Shape) -> Shape:
    """``shape`` turned by a quarter (clockwise on screen, where y grows downwards)."""
    return normalised({at_centroid(-y, x) for x, y in map(centroid, shape)})


def flipped(shape: Shape) -> Shape:
    """``shape`` mirrored left to right."""
    return normalised({at_centroid(-x, y) for x, y in map(centroid, shape)})


@dataclass(frozen=True)
class Kind:
    """A kind of piece: its name, its letter in text pictures, how many of it there are, and its
    corners (x, y) in the classic 4x4 square."""

    name: str
    letter: str
    count: int
    polygon: tuple[tuple[float, float], ...]

    @property
    def base(self) -> Shape:
        return normalised(triangles_of(self.polygon, 4, 4))

    @property
    def shapes(self) -> tuple[Shape, ...]:
        """Every distinct orientation: the quarter turns, of the mirror image too."""
        return _shapes(self.base)

    @property
    def area(self) -> int:
        """Triangles it covers."""
        return len(self.base)


@cache
def _shapes(base: Shape) -> tuple[Shape, ...]:
    found: list[Shape] = []
    for start in (base, flipped(base)):
        shape = start
        for _ in range(4):
            if shape not in found:
                found.append(shape)
            shape = turned(shape)
    return tuple(found)


KINDS: tuple[Kind, ...] = (
    Kind("large triangle", "L", 2, ((0, 0), (4, 0), (2, 2))),
    Kind("medium triangle", "M", 1, ((4, 4), (2, 4), (4, 2))),
    Kind("small triangle", "S", 2, ((4, 0), (4, 2), (3, 1))),
    Kind("square", "Q", 1, ((2, 2), (3, 1), (4, 2), (3, 3))),
    Kind("parallelogram", "P", 1, ((0, 4), (1, 3), (3, 3), (2, 4))),
)
"""The five kinds of the seven pieces (two large and two small triangles are alike: one kind
each, so an agent never chooses between two identical pieces)."""
COUNTS: tuple[int, ...] = tuple(kind.count for kind in KINDS)
PIECES = sum(COUNTS)
AREA = sum(kind.count * kind.area for kind in KINDS)
"""Triangles the seven pieces cover together: 64, the 4x4 square."""

SQUARE_SOLUTION: tuple[tuple[int, tuple[Triangle, ...]], ...] = tuple(
    (index, tuple(sorted(triangles_of(polygon, 4, 4))))
    for index, polygon in (
        (0, KINDS[0].polygon),
        (0, ((0, 0), (0, 4), (2, 2))),
        (1, KINDS[1].polygon),
        (2, KINDS[2].polygon),
        (2, ((2, 2), (3, 3), (1, 3))),
        (3, KINDS[3].polygon),
        (4, KINDS[4].polygon),
    )
)
"""The classic assembly of the 4x4 square: (kind index, triangles) for each of the seven pieces."""
