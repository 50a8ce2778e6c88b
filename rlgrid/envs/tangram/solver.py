"""The exact solver: which assemblies of the remaining pieces fill a region exactly.

Exact cover by backtracking: take the first uncovered triangle (lowest index), try every
placement of a remaining piece that covers it and fits, and go on with the rest. Every assembly
covers that triangle with exactly one piece, so each assembly is found once. Counting memoises
(region, pieces left): different orders of the same pieces meet again in the same state.

Pieces of one kind are interchangeable here: an assembly is a set of placements. Taking the two
large and the two small triangles as different pieces multiplies the count by 2 for each pair
(:func:`labelled`): 8 assemblies of the square, 32 with labelled pieces.
"""

from __future__ import annotations

from math import factorial, prod

from rlgrid.envs.tangram.placements import Canvas

Counts = tuple[int, ...]


class Solver:
    """Solves regions of one canvas."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self._memo: dict[tuple[int, Counts], int] = {}

    def _candidates(self, free: int, counts: Counts):
        """The placements that cover the first free triangle, fit and have a piece left."""
        first = (free & -free).bit_length() - 1
        canvas = self.canvas
        for p in canvas.covering[first]:
            bits = canvas.bits[p]
            if counts[canvas.kinds[p]] and bits & free == bits:
                yield p, bits

    def count(self, free: int, counts: Counts) -> int:
        """Assemblies of the pieces ``counts`` (per kind) that fill ``free`` exactly (pieces of
        a kind alike)."""
        if not free:
            return int(not any(counts))
        key = (free, counts)
        if key not in self._memo:
            total = 0
            for p, bits in self._candidates(free, counts):
                total += self.count(free ^ bits, _less(counts, int(self.canvas.kinds[p])))
            self._memo[key] = total
        return self._memo[key]

    def solve(self, free: int, counts: Counts) -> list[int] | None:
        """One assembly filling ``free`` exactly: its placements in the order the first gap
        asks for them; None when there is none."""
        if not free:
            return [] if not any(counts) else None
        if (free, counts) in self._memo and not self._memo[free, counts]:
            return None
        for p, bits in self._candidates(free, counts):
            rest = self.solve(free ^ bits, _less(counts, int(self.canvas.kinds[p])))
            if rest is not None:
                return [p, *rest]
        self._memo[free, counts] = 0
        return None

    def next_placement(self, free: int, counts: Counts) -> int | None:
        """The placement covering the first gap in some assembly of what is left."""
        found = self.solve(free, counts)
        return found[0] if found else None


def _less(counts: Counts, kind: int) -> Counts:
    return (*counts[:kind], counts[kind] - 1, *counts[kind + 1 :])


def labelled(count: int, counts: Counts) -> int:
    """``count`` assemblies with alike pieces, counted with every piece its own."""
    return count * prod(factorial(n) for n in counts)
