"""A warehouse env with the seed tutorial's defects, for proving that check-env catches them.

Its observations are int64 while the space says int32, reset reseeds Python's global ``random``
(so consecutive seeded episodes differ), and it has no time limit.
"""

import random

import gymnasium as gym
import numpy as np

BROKEN_ID = "rlgrid-test/BrokenWarehouse-v0"


class BrokenWarehouseEnv(gym.Env):
    metadata = {"render_modes": []}  # noqa: RUF012

    def __init__(self, rows=4, cols=5):
        self.rows, self.cols = rows, cols
        self.action_space = gym.spaces.Discrete(4)
        high = np.array([rows - 1, cols - 1, rows - 1, cols - 1])
        self.observation_space = gym.spaces.Box(0, high, shape=(4,), dtype=np.int32)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        random.seed(seed)
        self.robot = [0, 0]
        self.target = [random.randint(1, self.rows - 1), random.randint(1, self.cols - 1)]
        return np.array(self.robot + self.target, dtype=np.int64), {}

    def step(self, action):
        dr, dc = [(0, -1), (1, 0), (0, 1), (-1, 0)][int(action)]
        self.robot = [
            min(max(self.robot[0] + dr, 0), self.rows - 1),
            min(max(self.robot[1] + dc, 0), self.cols - 1),
        ]
        done = self.robot == self.target
        return np.array(self.robot + self.target, dtype=np.int64), float(done), done, False, {}


if BROKEN_ID not in gym.registry:
    gym.register(id=BROKEN_ID, entry_point=BrokenWarehouseEnv)
