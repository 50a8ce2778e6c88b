"""Drawing a tangram: RGB frames through pygame and text pictures for terminals.

Both take the canvas, the target silhouette (a set of triangles) and the placed pieces. A frame
fills the silhouette's uncovered part in grey, draws each piece as a polygon in its kind's colour
with its outline, and the silhouette's outline over everything, on faint lattice lines (cell edges
and diagonals). Frames are drawn at three times their size and each 3x3 block averaged, which
smooths the diagonal edges. Only :func:`frame` imports pygame: text pictures never load it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from rlgrid.envs.rendering import import_pygame
from rlgrid.envs.tangram.pieces import KINDS, E, N, S, Triangle, W, corners
from rlgrid.envs.tangram.placements import Canvas, Placement

RGB = tuple[int, int, int]
Point = tuple[float, float]

KIND_COLOURS: tuple[RGB, ...] = (
    (228, 87, 76),  # large triangle: coral red
    (66, 133, 214),  # medium triangle: blue
    (242, 181, 51),  # small triangle: amber
    (76, 172, 110),  # square: green
    (150, 98, 196),  # parallelogram: purple
)
"""The colour of each kind's pieces, by kind index (the order of ``pieces.KINDS``)."""
BACKGROUND: RGB = (247, 245, 239)
SILHOUETTE: RGB = (178, 178, 174)
"""The silhouette's uncovered part."""
OUTLINE: RGB = (34, 34, 40)
"""The silhouette's outline and the pieces' edges."""
LATTICE_ALPHA = 34
"""Opacity (of 255) of the black lattice lines."""

SUPERSAMPLE = 3

_ACROSS = {N: (-1, 0, S), E: (0, 1, W), S: (1, 0, N), W: (0, -1, E)}
"""For each side: the (row, column) step to the cell across it and the triangle met there."""


def edges(triangle: Triangle) -> Iterator[tuple[Triangle, Point, Point]]:
    """The three edges of ``triangle``: (the triangle across it, its two ends in cells).

    The outer edge is the cell's side; the two diagonal edges run from the cell's centre to the
    corners it shares with the side's neighbours in the same cell (``side - 1`` at its first
    corner, ``side + 1`` at its second)."""
    r, c, side = triangle
    centre, first, second = corners(triangle)
    dr, dc, facing = _ACROSS[side]
    yield (r + dr, c + dc, facing), first, second
    yield (r, c, (side - 1) % 4), centre, first
    yield (r, c, (side + 1) % 4), centre, second


def boundary(region: Iterable[Triangle]) -> list[tuple[Point, Point]]:
    """The edges between a triangle of ``region`` and one outside it: the region's outline."""
    inner = set(region)
    return [(a, b) for t in inner for other, a, b in edges(t) if other not in inner]


def letters(placed: Sequence[Placement]) -> list[str]:
    """Each placed piece's letter: its kind's, lowercase for the second piece of a kind (the two
    large and the two small triangles)."""
    seen: set[int] = set()
    found = []
    for placement in placed:
        letter = KINDS[placement.kind].letter
        found.append(letter.lower() if placement.kind in seen else letter)
        seen.add(placement.kind)
    return found


def legend() -> str:
    """One line naming each kind's letter (lowercase marks the second piece of a pair)."""
    kinds = "  ".join(f"{kind.letter} {kind.name}" for kind in KINDS)
    return f"{kinds}  (lowercase: the second of a pair)  . uncovered"


def frame(
    canvas: Canvas,
    silhouette: Iterable[Triangle],
    placed: Sequence[Placement],
    cell: int = 48,
) -> np.ndarray:
    """The picture of ``placed`` pieces on ``silhouette`` as an (height, width, 3) uint8 array,
    ``cell`` pixels per cell, both sides even, a margin of a quarter cell around the canvas."""
    pygame = import_pygame()
    silhouette = set(silhouette)
    margin = max(4, cell // 4)
    size = (
        _even(canvas.cols * cell + 2 * margin),
        _even(canvas.rows * cell + 2 * margin),
    )
    scale = cell * SUPERSAMPLE
    # The middle of the large pixels: a lattice line one pixel wide stays in one pixel column.
    offset = margin * SUPERSAMPLE + SUPERSAMPLE // 2

    def pixel(point: Point) -> tuple[float, float]:
        return offset + point[0] * scale, offset + point[1] * scale

    surface = pygame.Surface((size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE))
    surface.fill(BACKGROUND)
    for triangle in silhouette:
        pygame.draw.polygon(surface, SILHOUETTE, [pixel(p) for p in corners(triangle)])
    _draw_lattice(pygame, surface, canvas, pixel)
    for placement in placed:
        colour = KIND_COLOURS[placement.kind]
        for triangle in placement.triangles():
            pygame.draw.polygon(surface, colour, [pixel(p) for p in corners(triangle)])
    piece_width = max(1, cell // 20) * SUPERSAMPLE
    for placement in placed:
        _draw_edges(pygame, surface, boundary(placement.triangles()), pixel, piece_width)
    outline_width = max(2, cell // 12) * SUPERSAMPLE
    _draw_edges(pygame, surface, boundary(silhouette), pixel, outline_width)
    return _shrunk(pygame.surfarray.pixels3d(surface))


def _shrunk(big: np.ndarray) -> np.ndarray:
    """The (width, height, 3) ``big`` picture as (height, width, 3), each block of SUPERSAMPLE x
    SUPERSAMPLE pixels averaged into one (exactly: a region of one colour keeps that colour)."""
    wide = big.astype(np.uint16)
    columns = sum(wide[i::SUPERSAMPLE] for i in range(SUPERSAMPLE))
    blocks = sum(columns[:, i::SUPERSAMPLE] for i in range(SUPERSAMPLE))
    mean = (blocks + SUPERSAMPLE**2 // 2) // SUPERSAMPLE**2
    return np.ascontiguousarray(mean.astype(np.uint8).transpose(1, 0, 2))


def _even(pixels: int) -> int:
    return pixels + pixels % 2


def _draw_lattice(pygame, surface, canvas: Canvas, pixel) -> None:
    """Faint cell edges and diagonals over the whole canvas, blended onto ``surface``."""
    layer = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    colour = (0, 0, 0, LATTICE_ALPHA)
    rows, cols = canvas.rows, canvas.cols
    width = SUPERSAMPLE
    for r in range(rows + 1):
        pygame.draw.line(layer, colour, pixel((0, r)), pixel((cols, r)), width)
    for c in range(cols + 1):
        pygame.draw.line(layer, colour, pixel((c, 0)), pixel((c, rows)), width)
    for r in range(rows):
        for c in range(cols):
            pygame.draw.line(layer, colour, pixel((c, r)), pixel((c + 1, r + 1)), width)
            pygame.draw.line(layer, colour, pixel((c + 1, r)), pixel((c, r + 1)), width)
    surface.blit(layer, (0, 0))


def _draw_edges(pygame, surface, lines: list[tuple[Point, Point]], pixel, width: int) -> None:
    """Thick ``lines`` in the outline colour, centred on the edges, with round joins (a disc at
    each end)."""
    half = width / 2
    ends = set()
    for a, b in lines:
        (x1, y1), (x2, y2) = pixel(a), pixel(b)
        length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        nx, ny = (y1 - y2) / length * half, (x2 - x1) / length * half
        band = [(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)]
        pygame.draw.polygon(surface, OUTLINE, band)
        ends.update((a, b))
    for point in ends:
        pygame.draw.circle(surface, OUTLINE, pixel(point), half)


def text(
    canvas: Canvas,
    silhouette: Iterable[Triangle],
    placed: Sequence[Placement],
) -> str:
    """The picture as text, each cell a block of 4 characters by 2 lines (about square in a
    terminal): ``N`` fills the top middle, ``S`` the bottom middle, ``W`` and ``E`` the left and
    right columns. A covered triangle shows its piece's letter (see :func:`letters`), an uncovered
    one of the silhouette ``.``, one outside it a space; every line is ``4 * cols`` wide."""
    silhouette = set(silhouette)
    marks: dict[Triangle, str] = {t: "." for t in silhouette}
    for placement, letter in zip(placed, letters(placed), strict=True):
        marks.update(dict.fromkeys(placement.triangles(), letter))
    lines = []
    for r in range(canvas.rows):
        for top in (True, False):
            chars = []
            for c in range(canvas.cols):
                west, east = marks.get((r, c, W), " "), marks.get((r, c, E), " ")
                middle = marks.get((r, c, N if top else S), " ")
                chars.append(west + middle * 2 + east)
            lines.append("".join(chars))
    return "\n".join(lines) + "\n"
