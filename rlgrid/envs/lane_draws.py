"""Seeded uniform draws for many lanes of episodes stepped together: lane ``i`` reset with
``seed`` owns a generator seeded as a gymnasium env seeds its ``np_random`` with ``seed + i``,
and takes its draws one at a time (drawn ahead in blocks), so a lane draws exactly what that env
would. Saved and restored as plain data."""

from __future__ import annotations

import numpy as np
from gymnasium.utils import seeding

BLOCK = 64
"""Uniform draws taken ahead per lane at a time."""


class LaneDraws:
    def __init__(self, n: int) -> None:
        self.rngs: list[np.random.Generator] = []
        self.draws = np.zeros((n, BLOCK))
        self.used = np.full(n, BLOCK, dtype=np.int64)

    def seed(self, seed: int | None) -> None:
        """Seed lane ``i`` with ``seed + i`` (fresh entropy when ``seed`` is None)."""
        n = len(self.used)
        self.rngs = [seeding.np_random(None if seed is None else seed + i)[0] for i in range(n)]
        self.used[:] = BLOCK

    def states(self) -> list[dict]:
        """Each lane's generator state and the draws it has taken ahead but not used."""
        return [
            {"rng": rng.bit_generator.state, "ahead": self.draws[i, self.used[i] :].tolist()}
            for i, rng in enumerate(self.rngs)
        ]

    def restore(self, states: list[dict]) -> None:
        """Continue from :meth:`states`."""
        self.rngs = [seeding.np_random(0)[0] for _ in states]
        for lane, (rng, state) in enumerate(zip(self.rngs, states, strict=True)):
            rng.bit_generator.state = state["rng"]
            ahead = np.asarray(state["ahead"], dtype=np.float64)
            self.used[lane] = BLOCK - len(ahead)
            self.draws[lane, self.used[lane] :] = ahead

    def take(self, lanes: np.ndarray) -> np.ndarray:
        """One uniform draw for each of ``lanes`` (distinct lanes)."""
        for lane in lanes[self.used[lanes] >= BLOCK].tolist():
            self.draws[lane] = self.rngs[lane].random(BLOCK)
            self.used[lane] = 0
        values = self.draws[lanes, self.used[lanes]]
        self.used[lanes] += 1
        return values
