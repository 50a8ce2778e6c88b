"""A tiny corridor whose every state allows only two of its six actions, for testing action masks.
Importing this module registers it, with masks (``tests.masked_env:MASKED_ID``) and without
(``tests.masked_env:PLAIN_ID``).

The robot starts at cell 0 of cells 0..3; in each cell one action steps forward (reaching cell 3
ends the episode with reward 1 and success) and one steps back (cell 0 stays); every other action
ends the episode at once with reward 0 and no success (and is counted in ``masked_taken``).
Episodes are cut after 20 steps. The forward action is the highest allowed one in every cell, and
action 0 is allowed nowhere.
"""

import gymnasium as gym
import numpy as np
from gymnasium import spaces

MASKED_ID = "rlgrid-test/MaskedCorridor-v0"
PLAIN_ID = "rlgrid-test/PlainCorridor-v0"
GOAL = 3
N_ACTIONS = 6
FORWARD = (3, 5, 4)
BACK = (1, 2, 1)
MAX_STEPS = 20


class PlainCorridor(gym.Env):
    """The corridor without masks: an agent learns which actions are allowed by failing."""

    metadata = {"render_modes": []}  # noqa: RUF012

    def __init__(self) -> None:
        self.observation_space = spaces.Discrete(GOAL + 1)
        self.action_space = spaces.Discrete(N_ACTIONS)
        self.position = 0
        self.masked_taken = 0

    def allowed(self) -> np.ndarray:
        mask = np.zeros(N_ACTIONS, dtype=bool)
        if self.position < GOAL:
            mask[[FORWARD[self.position], BACK[self.position]]] = True
        return mask

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.position = 0
        return self.position, {"is_success": False}

    def step(self, action):
        action = int(action)
        if not self.allowed()[action]:
            self.masked_taken += 1
            return self.position, 0.0, True, False, {"is_success": False, "masked_action": True}
        if action == FORWARD[self.position]:
            self.position += 1
        else:
            self.position = max(self.position - 1, 0)
        reached = self.position == GOAL
        return self.position, float(reached), reached, False, {"is_success": reached}


class MaskedCorridor(PlainCorridor):
    """The corridor that says which actions it allows."""

    def action_masks(self) -> np.ndarray:
        return self.allowed()


for _id, _cls in ((MASKED_ID, MaskedCorridor), (PLAIN_ID, PlainCorridor)):
    if _id not in gym.registry:
        gym.register(_id, entry_point=_cls, max_episode_steps=MAX_STEPS, reward_threshold=1.0)
