"""The pieces on the triangle lattice: areas, orientations, the classic square."""

from __future__ import annotations

from rlgrid.envs.tangram.pieces import (
    AREA,
    COUNTS,
    KINDS,
    PIECES,
    SQUARE_SOLUTION,
    flipped,
    normalised,
    turned,
)


def test_areas_add_up_to_the_square():
    areas = {kind.name: kind.area for kind in KINDS}
    assert areas == {
        "large triangle": 16,
        "medium triangle": 8,
        "small triangle": 4,
        "square": 8,
        "parallelogram": 8,
    }
    assert PIECES == 7 and COUNTS == (2, 1, 2, 1, 1)
    assert AREA == 64


def test_orientation_counts():
    # right isosceles triangles: 4 turns, the mirror image is one of them; the square looks the
    # same every way; the parallelogram: 2 turns, 2 more mirrored
    assert [len(kind.shapes) for kind in KINDS] == [4, 4, 4, 1, 4]
    for kind in KINDS:
        assert len(set(kind.shapes)) == len(kind.shapes)
        for shape in kind.shapes:
            assert len(shape) == kind.area
            assert turned(turned(turned(turned(shape)))) == shape
            assert flipped(flipped(shape)) == shape


def test_a_turn_keeps_the_area_and_moves_the_box_to_the_corner():
    shape = KINDS[4].base
    once = turned(shape)
    assert len(once) == len(shape) and once != shape
    assert min(r for r, _, _ in once) == 0 and min(c for _, c, _ in once) == 0
    assert normalised({(r + 3, c + 2, s) for r, c, s in once}) == once


def test_the_classic_assembly_fills_the_square_exactly():
    covered = [t for _, triangles in SQUARE_SOLUTION for t in triangles]
    assert len(covered) == len(set(covered)) == 64
    assert set(covered) == {(r, c, s) for r in range(4) for c in range(4) for s in range(4)}
    for kind, triangles in SQUARE_SOLUTION:
        assert normalised(set(triangles)) in KINDS[kind].shapes
