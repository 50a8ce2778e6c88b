"""A random agent, for comparison: it acts uniformly among the allowed actions (all of them
where the env has no masks), seeded, so it plays the same episodes as any other policy."""

from __future__ import annotations

import numpy as np


class RandomAgent:
    """Uniform random actions out of ``n``, among those a mask allows where one is given."""

    greedy = False  # a state it was in before is no loop

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray, mask: np.ndarray | None = None) -> int:
        if mask is None or not np.any(mask):
            return int(self.rng.integers(self.n))
        return int(self.rng.choice(np.flatnonzero(mask)))

    def act_batch(self, obs: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
        if masks is None:
            return self.rng.integers(self.n, size=len(obs))
        return np.array([self.act(None, mask) for mask in masks], dtype=np.int64)
