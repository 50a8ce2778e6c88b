"""The exact solver: the square's assemblies, and counts against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rlgrid.envs.tangram.pieces import COUNTS
from rlgrid.envs.tangram.placements import GAP_ACTIONS, Canvas
from rlgrid.envs.tangram.solver import Solver, labelled


def test_the_square_has_8_assemblies_32_with_every_piece_its_own():
    canvas = Canvas(4, 4)
    solver = Solver(canvas)
    everything = (1 << canvas.size) - 1
    count = solver.count(everything, COUNTS)
    assert count == 8
    assert labelled(count, COUNTS) == 32
    found = solver.solve(everything, COUNTS)
    bits = [canvas.bits[p] for p in found]
    assert sum(bits) == everything and len(found) == 7  # disjoint, covering
    assert sorted(canvas.kinds[p] for p in found) == [0, 0, 1, 2, 2, 3, 4]


def brute_force(canvas: Canvas, free: int, counts: tuple[int, ...]) -> int:
    """Every set of placements, one per piece, that tiles ``free``: counted as sets."""
    slots = [kind for kind, n in enumerate(counts) for _ in range(n)]
    options = [
        [
            p
            for p, k in enumerate(canvas.kinds)
            if k == kind and canvas.bits[p] & free == canvas.bits[p]
        ]
        for kind in slots
    ]
    tilings = set()
    for choice in itertools.product(*options):
        bits = [canvas.bits[p] for p in choice]
        if sum(bits) == free and len(set(choice)) == len(choice):
            union = 0
            for b in bits:
                if union & b:
                    break
                union |= b
            else:
                tilings.add(frozenset(choice))
    return len(tilings)


def random_regions(canvas: Canvas, counts: tuple[int, ...], seed: int):
    """Unions of the pieces placed at random without overlap (at least one tiling each), and
    each with one triangle swapped for a neighbour outside (mostly none)."""
    rng = np.random.default_rng(seed)
    slots = [kind for kind, n in enumerate(counts) for _ in range(n)]
    for _ in range(200):
        free = 0
        for kind in slots:
            fitting = [p for p, k in enumerate(canvas.kinds)
                       if k == kind and not canvas.bits[p] & free]  # fmt: skip
            if not fitting:
                break
            free |= canvas.bits[int(rng.choice(fitting))]
        else:
            yield free
            inside = [t for t in range(canvas.size) if free >> t & 1]
            outside = [t for t in range(canvas.size) if not free >> t & 1]
            if outside:
                yield free ^ (1 << int(rng.choice(inside))) ^ (1 << int(rng.choice(outside)))
            return


@pytest.mark.parametrize(
    ("rows", "cols", "counts"),
    [
        (2, 2, (0, 0, 2, 0, 0)),  # the two small triangles
        (2, 3, (0, 1, 2, 0, 0)),
        (2, 3, (0, 0, 2, 0, 1)),
        (3, 3, (0, 1, 2, 0, 1)),
        (3, 4, (1, 0, 2, 1, 0)),
    ],
)
def test_counts_agree_with_brute_force_on_small_regions(rows, cols, counts):
    canvas = Canvas(rows, cols)
    solver = Solver(canvas)
    seen = []
    for seed in range(6):
        for free in random_regions(canvas, counts, seed):
            expected = brute_force(canvas, free, counts)
            assert solver.count(free, counts) == expected, bin(free)
            seen.append(expected)
    assert min(seen) == 0 and max(seen) >= 1  # both kinds of region were tried


def test_gap_actions_are_the_same_on_every_canvas():
    assert len(GAP_ACTIONS) == 152
    small, big = Canvas(4, 4), Canvas(8, 8)
    assert small.gap.shape == (152, 64) and big.gap.shape == (152, 256)
