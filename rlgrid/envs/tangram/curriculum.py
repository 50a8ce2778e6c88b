"""A curriculum for the tangram's sparse reward: start with most pieces of a known assembly
already in place, and take one away each time the agent succeeds often enough.

With six pieces in place the last one has a handful of places to go, so even a random agent
fills the silhouette now and then and the reward is seen from the first episodes. Each env of a
training keeps its own level; evaluations never use this wrapper.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import gymnasium as gym

from rlgrid.envs.tangram.pieces import PIECES


class Curriculum(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Episodes start with ``level`` pieces in place (first ``PIECES - 1``); after ``episodes``
    episodes at a level of which at least ``promote`` succeeded, one fewer. ``info["preplaced"]``
    on reset says the level."""

    def __init__(self, env: gym.Env, promote: float = 0.8, episodes: int = 20) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, promote=promote, episodes=episodes)
        gym.Wrapper.__init__(self, env)
        if not 0.0 < promote <= 1.0 or episodes < 1:
            raise ValueError("promote must be in (0, 1] and episodes at least 1")
        self.promote, self.episodes = promote, episodes
        self.level = PIECES - 1
        self.recent: deque[bool] = deque(maxlen=episodes)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        options = {**(options or {}), "preplaced": self.level}
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.recent.append(bool(info.get("is_success")))
            full = len(self.recent) == self.episodes
            if self.level > 0 and full and sum(self.recent) >= self.promote * self.episodes:
                self.level -= 1
                self.recent.clear()
        return obs, reward, terminated, truncated, info
