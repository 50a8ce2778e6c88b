"""Observation encodings of the warehouse, computed from flat cell indices for one env or many.

| name     | what the policy sees                                    | size-independent |
|----------|---------------------------------------------------------|------------------|
| coords   | [robot_row, robot_col, target_row, target_col], int32    | no               |
| scaled   | the same divided by (rows - 1, cols - 1): in [0, 1]     | no               |
| offset   | [target_row - robot_row, target_col - robot_col]        | yes              |
| onehot   | one-hot robot row, robot col, target row, target col    | no               |
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlgrid.errors import InvalidValueError

ENCODINGS = ("coords", "scaled", "offset", "onehot")
SIZE_INDEPENDENT = frozenset({"offset"})


class Encoding:
    """One encoding for one grid size: its space and how to compute it from flat cells."""

    def __init__(self, name: str, rows: int, cols: int) -> None:
        if name not in ENCODINGS:
            raise InvalidValueError(
                f"unknown observation encoding {name!r}: choose one of {', '.join(ENCODINGS)}"
            )
        self.name, self.rows, self.cols = name, rows, cols
        high = np.array([rows - 1, cols - 1, rows - 1, cols - 1])
        if name == "coords":
            self.space = gym.spaces.Box(0, high.astype(np.int32), shape=(4,), dtype=np.int32)
        elif name == "scaled":
            self.space = gym.spaces.Box(0.0, 1.0, shape=(4,), dtype=np.float32)
        elif name == "offset":
            bound = np.array([rows - 1, cols - 1], dtype=np.float32)
            self.space = gym.spaces.Box(-bound, bound, shape=(2,), dtype=np.float32)
        else:
            size = 2 * (rows + cols)
            self.space = gym.spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32)

    def encode(self, robot: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Observations for arrays of flat robot and target cells: shape (n, features)."""
        rr, rc = np.divmod(robot, self.cols)
        tr, tc = np.divmod(target, self.cols)
        if self.name == "coords":
            return np.stack([rr, rc, tr, tc], axis=1).astype(np.int32)
        if self.name == "scaled":
            scale = np.array([max(self.rows - 1, 1), max(self.cols - 1, 1)] * 2, dtype=np.float32)
            return np.stack([rr, rc, tr, tc], axis=1).astype(np.float32) / scale
        if self.name == "offset":
            return np.stack([tr - rr, tc - rc], axis=1).astype(np.float32)
        out = np.zeros((len(robot), 2 * (self.rows + self.cols)), dtype=np.float32)
        lanes = np.arange(len(robot))
        r, c = self.rows, self.cols
        for offset, values in ((0, rr), (r, rc), (r + c, tr), (2 * r + c, tc)):
            out[lanes, offset + values] = 1.0
        return out


class EncodedObservation(gym.ObservationWrapper):
    """Re-encode the warehouse's coords observation (for a single gymnasium env)."""

    def __init__(self, env: gym.Env, name: str) -> None:
        super().__init__(env)
        warehouse = env.unwrapped
        self.encoding = Encoding(name, warehouse.rows, warehouse.cols)
        self.observation_space = self.encoding.space

    def observation(self, observation: Any) -> np.ndarray:
        cols = self.encoding.cols
        obs = np.asarray(observation, dtype=np.int64)
        robot = np.array([obs[0] * cols + obs[1]])
        target = np.array([obs[2] * cols + obs[3]])
        return self.encoding.encode(robot, target)[0]
