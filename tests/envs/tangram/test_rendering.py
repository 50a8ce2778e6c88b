"""Tangram pictures: frames (sizes, piece colours, grey gaps, outlines) and text."""

import numpy as np
import pytest

from rlgrid.envs.rendering import add_status_line
from rlgrid.envs.tangram import rendering
from rlgrid.envs.tangram.pieces import KINDS, SQUARE_SOLUTION, Triangle, centroid, normalised
from rlgrid.envs.tangram.placements import SHAPES, Canvas, Placement

CELL = 48
MARGIN = CELL // 4
OFFSET = 1
"""The square's top-left cell on the 6x6 canvas: one cell of outside all round."""


def placement(canvas: Canvas, kind: int, triangles) -> Placement:
    """The canvas's placement of a ``kind`` piece covering exactly ``triangles``."""
    shape = normalised(set(triangles))
    number = next(n for n, (k, s) in enumerate(SHAPES) if k == kind and s == shape)
    row, col = min(r for r, _, _ in triangles), min(c for _, c, _ in triangles)
    return canvas.placements[canvas.place(number, row, col)]


@pytest.fixture
def square():
    """A 6x6 canvas, the 4x4 square silhouette in its middle and its classic assembly."""
    canvas = Canvas(6, 6)
    pieces = [
        (kind, [(r + OFFSET, c + OFFSET, side) for r, c, side in triangles])
        for kind, triangles in SQUARE_SOLUTION
    ]
    silhouette = frozenset(t for _, triangles in pieces for t in triangles)
    return canvas, silhouette, [placement(canvas, kind, ts) for kind, ts in pieces]


def pixel_at(picture: np.ndarray, triangle: Triangle) -> tuple[int, ...]:
    x, y = centroid(triangle)
    return tuple(picture[MARGIN + y * CELL // 6, MARGIN + x * CELL // 6])


def point_pixel(picture: np.ndarray, x: float, y: float) -> tuple[int, ...]:
    """The pixel at (x, y) in cells."""
    return tuple(picture[int(MARGIN + y * CELL), int(MARGIN + x * CELL)])


@pytest.mark.parametrize(("rows", "cols", "cell"), [(6, 6, 48), (5, 3, 25), (1, 7, 9)])
def test_frames_are_rgb_with_even_sides(rows, cols, cell):
    canvas = Canvas(rows, cols)
    picture = rendering.frame(canvas, {(0, 0, 0)}, [], cell)
    assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3
    height, width = picture.shape[:2]
    assert height % 2 == 0 and width % 2 == 0
    assert rows * cell < height <= rows * cell + cell // 2 + 10
    assert cols * cell < width <= cols * cell + cell // 2 + 10


def test_each_piece_is_drawn_in_its_kinds_colour(square):
    canvas, silhouette, placed = square
    picture = rendering.frame(canvas, silhouette, placed, CELL)
    assert {p.kind for p in placed} == set(range(len(KINDS)))
    for piece in placed:
        for triangle in piece.triangles():
            assert pixel_at(picture, triangle) == rendering.KIND_COLOURS[piece.kind]


def test_kind_colours_are_distinct_and_unlike_the_rest():
    colours = set(rendering.KIND_COLOURS)
    assert len(colours) == len(KINDS)
    assert not colours & {rendering.BACKGROUND, rendering.SILHOUETTE, rendering.OUTLINE}


def test_uncovered_silhouette_is_grey_and_outside_is_background(square):
    canvas, silhouette, placed = square
    half = placed[:3]
    picture = rendering.frame(canvas, silhouette, half, CELL)
    covered = {t for piece in half for t in piece.triangles()}
    assert silhouette - covered
    for triangle in silhouette - covered:
        assert pixel_at(picture, triangle) == rendering.SILHOUETTE
    outside = [(r, c, side) for r in range(6) for c in range(6) for side in range(4)]
    for triangle in set(outside) - silhouette:
        assert pixel_at(picture, triangle) == rendering.BACKGROUND


def test_the_silhouette_outline_is_dark_even_where_nothing_is_placed(square):
    canvas, silhouette, _ = square
    picture = rendering.frame(canvas, silhouette, [], CELL)
    side = OFFSET + 4
    for x, y in [(OFFSET + 0.5, OFFSET), (side, OFFSET + 2.5), (OFFSET + 3.5, side)]:
        assert point_pixel(picture, x, y) == rendering.OUTLINE
    assert point_pixel(picture, OFFSET + 0.5, OFFSET + 0.3) == rendering.SILHOUETTE


def test_pieces_of_one_kind_are_told_apart_by_their_edge(square):
    """The two large triangles meet along the diagonal from the square's corner to its centre:
    that edge is drawn, the middle of either piece is not."""
    canvas, silhouette, placed = square
    picture = rendering.frame(canvas, silhouette, placed, CELL)
    assert point_pixel(picture, OFFSET + 1, OFFSET + 1) == rendering.OUTLINE
    assert point_pixel(picture, OFFSET + 1.5, OFFSET + 1) == rendering.KIND_COLOURS[0]


def test_frames_take_rlgrids_status_line(square):
    canvas, silhouette, placed = square
    picture = rendering.frame(canvas, silhouette, placed[:2], CELL)
    widest = "episode 10/10  step 99999  action 151  reward -1e-06  success: yes"
    framed = add_status_line(picture, "episode 1/10  step 2  action 7  reward 0", widest)
    assert framed.shape[1] == picture.shape[1] and framed.shape[0] > picture.shape[0]
    assert framed.shape[0] % 2 == 0
    assert np.array_equal(framed[: picture.shape[0]], picture)


def test_every_edge_is_seen_the_same_from_both_sides():
    for triangle in [(2, 3, side) for side in range(4)]:
        for other, a, b in rendering.edges(triangle):
            back = [{p, q} for t, p, q in rendering.edges(other) if t == triangle]
            assert back == [{a, b}]


def test_the_square_outline_is_its_sixteen_cell_sides(square):
    _, silhouette, _ = square
    edges = rendering.boundary(silhouette)
    assert len(edges) == 16
    assert all(
        a[0] in (OFFSET, OFFSET + 4) or a[1] in (OFFSET, OFFSET + 4) for edge in edges for a in edge
    )


def test_text_shows_letters_gaps_and_outside(square):
    canvas, silhouette, placed = square
    half = placed[:4]
    picture = rendering.text(canvas, silhouette, half).splitlines()
    assert len(picture) == 2 * canvas.rows
    assert all(len(line) == 4 * canvas.cols for line in picture)
    where = {0: [(0, 1), (0, 2)], 1: [(0, 3), (1, 3)], 2: [(1, 1), (1, 2)], 3: [(0, 0), (1, 0)]}

    def chars(triangle):
        r, c, side = triangle
        return {picture[2 * r + dy][4 * c + dx] for dy, dx in where[side]}

    expected = {}
    for piece, letter in zip(half, ["L", "l", "M", "S"], strict=True):
        assert KINDS[piece.kind].letter == letter.upper()
        expected.update(dict.fromkeys(piece.triangles(), letter))
    for r in range(canvas.rows):
        for c in range(canvas.cols):
            for side in range(4):
                triangle = (r, c, side)
                mark = expected.get(triangle, "." if triangle in silhouette else " ")
                assert chars(triangle) == {mark}


def test_the_second_of_a_pair_is_lowercase(square):
    _, _, placed = square
    assert rendering.letters(placed) == ["L", "l", "M", "S", "s", "Q", "P"]
    assert rendering.letters(placed[3:5]) == ["S", "s"]


def test_the_legend_names_every_kind():
    line = rendering.legend()
    for kind in KINDS:
        assert f"{kind.letter} {kind.name}" in line
