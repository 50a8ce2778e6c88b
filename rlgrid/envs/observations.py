"""Observation encodings of the warehouse, computed from flat cell indices for one env or many.

An encoding is one part, or parts joined with ``+`` (``offset+window``): at most one of the
position parts, and the map parts that let a policy see shelves.

| part     | what the policy sees                                    | size-independent |
|----------|---------------------------------------------------------|------------------|
| coords   | [robot_row, robot_col, target_row, target_col], int32    | no               |
| scaled   | the same divided by (rows - 1, cols - 1): in [0, 1]     | no               |
| offset   | [target_row - robot_row, target_col - robot_col]        | yes              |
| onehot   | one-hot robot row, robot col, target row, target col    | no               |
| window   | shelves (1) and floor (0) in a square around the robot; | yes              |
|          | cells off the grid count as shelves                     |                  |
| planes   | the whole map as three planes: shelves, robot, target   | no               |

The parts are concatenated into one float vector in that order; ``planes`` comes last so that a
convolutional features extractor (:mod:`rlgrid.families.warehouse.features`) can cut it off and
reshape it. On a :class:`~rlgrid.envs.layout_set.LayoutSet` the planes show the robot's own
layout.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from rlgrid.envs.layout import Layout
from rlgrid.errors import InvalidValueError

POSITIONS = ("coords", "scaled", "offset", "onehot")
MAPS = ("window", "planes")
SIZE_INDEPENDENT = frozenset({"offset", "window"})
DEFAULT_WINDOW = 4
"""Window radius: the robot sees (2 * 4 + 1) ** 2 = 81 cells around it."""
PLANES = 3


def parse_encoding(text: str) -> tuple[str, ...]:
    """Check an encoding's text and return its parts in the canonical order."""
    parts = tuple(part.strip() for part in text.split("+"))
    for part in parts:
        if part not in POSITIONS + MAPS:
            raise InvalidValueError(
                f"unknown observation encoding {part!r} in {text!r}: use one of "
                f"{', '.join(POSITIONS)}, optionally joined with {' or '.join(MAPS)} by + "
                "(e.g. offset+window)"
            )
    if len(set(parts)) != len(parts):
        raise InvalidValueError(f"observation encoding {text!r} names a part twice")
    positions = [part for part in parts if part in POSITIONS]
    if len(positions) > 1:
        raise InvalidValueError(
            f"observation encoding {text!r} has {' and '.join(positions)}: choose one"
        )
    if not positions and "planes" not in parts:
        raise InvalidValueError(
            f"observation encoding {text!r} does not say where the target is: add one of "
            f"{', '.join(POSITIONS)} or planes"
        )
    return tuple(part for part in POSITIONS + MAPS if part in parts)


def size_independent(text: str) -> bool:
    """Whether a policy of this encoding can act on a grid or layout of another size."""
    return set(parse_encoding(text)) <= SIZE_INDEPENDENT


def planes_shape(text: str, layout: Layout) -> tuple[int, int, int] | None:
    """(planes, rows, cols) of the encoding's planes part, None without one."""
    return (PLANES, *layout.tile_size) if "planes" in parse_encoding(text) else None


class Encoding:
    """One encoding for one layout: its space and how to compute it from flat cells."""

    def __init__(self, name: str, layout: Layout, window: int = DEFAULT_WINDOW) -> None:
        self.parts = parse_encoding(name)
        self.name = "+".join(self.parts)
        self.layout = layout
        self.rows, self.cols = layout.size
        self.radius = window
        if self.parts == ("coords",):
            high = self._bounds("coords")[1].astype(np.int32)
            self.space = gym.spaces.Box(0, high, shape=(4,), dtype=np.int32)
            return
        low, high = [], []
        for part in self.parts:
            part_low, part_high = self._bounds(part)
            low.append(part_low)
            high.append(part_high)
        self.space = gym.spaces.Box(
            np.concatenate(low).astype(np.float32),
            np.concatenate(high).astype(np.float32),
            dtype=np.float32,
        )
        if "window" in self.parts:
            self._padded = np.pad(~layout.free, window, constant_values=True).astype(np.float32)
            dr, dc = np.divmod(np.arange((2 * window + 1) ** 2), 2 * window + 1)
            self._around = (dr, dc)
        if "planes" in self.parts:
            tile_rows, _ = layout.tile_size
            shelves = np.pad(~layout.free, ((0, 1), (0, 0)), constant_values=True)
            self._shelves = shelves.reshape(-1, layout.tile_rows, self.cols)[:, :tile_rows]

    def _bounds(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = self.rows, self.cols
        # A side of one cell would give a component whose low equals its high (always 0), which
        # gymnasium's checker flags (and a normaliser would divide by); its bound is 1 instead.
        last = np.array([max(rows - 1, 1), max(cols - 1, 1)])
        if part == "coords":
            return np.zeros(4), np.tile(last, 2)
        if part == "scaled":
            return np.zeros(4), np.ones(4)
        if part == "offset":
            return -last, last
        if part == "onehot":
            return np.zeros(2 * (rows + cols)), np.ones(2 * (rows + cols))
        if part == "window":
            size = (2 * self.radius + 1) ** 2
            return np.zeros(size), np.ones(size)
        size = PLANES * self.layout.tile_size.rows * cols
        return np.zeros(size), np.ones(size)

    def encode(self, robot: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Observations for arrays of flat robot and target cells: shape (n, features)."""
        if self.parts == ("coords",):
            return self._part("coords", robot, target).astype(np.int32)
        return np.concatenate(
            [self._part(part, robot, target) for part in self.parts], axis=1, dtype=np.float32
        )

    def _part(self, part: str, robot: np.ndarray, target: np.ndarray) -> np.ndarray:
        rr, rc = np.divmod(robot, self.cols)
        tr, tc = np.divmod(target, self.cols)
        if part == "coords":
            return np.stack([rr, rc, tr, tc], axis=1)
        if part == "scaled":
            scale = np.array([max(self.rows - 1, 1), max(self.cols - 1, 1)] * 2, dtype=np.float32)
            return np.stack([rr, rc, tr, tc], axis=1).astype(np.float32) / scale
        if part == "offset":
            return np.stack([tr - rr, tc - rc], axis=1).astype(np.float32)
        if part == "window":
            dr, dc = self._around
            return self._padded[rr[:, None] + dr, rc[:, None] + dc]
        lanes = np.arange(len(robot))
        if part == "onehot":
            out = np.zeros((len(robot), 2 * (self.rows + self.cols)), dtype=np.float32)
            r, c = self.rows, self.cols
            for offset, values in ((0, rr), (r, rc), (r + c, tr), (2 * r + c, tc)):
                out[lanes, offset + values] = 1.0
            return out
        tile, row = np.divmod(rr, self.layout.tile_rows)
        target_row = tr - tile * self.layout.tile_rows
        out = np.zeros((len(robot), PLANES, *self._shelves.shape[1:]), dtype=np.float32)
        out[:, 0] = self._shelves[tile]
        out[lanes, 1, row, rc] = 1.0
        out[lanes, 2, target_row, tc] = 1.0
        return out.reshape(len(robot), -1)


class EncodedObservation(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Re-encode the warehouse's coords observation (for a single gymnasium env)."""

    def __init__(self, env: gym.Env, name: str, window: int = DEFAULT_WINDOW) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, name=name, window=window)
        gym.ObservationWrapper.__init__(self, env)
        self.encoding = Encoding(name, env.unwrapped.layout, window)
        self.observation_space = self.encoding.space

    def observation(self, observation: Any) -> np.ndarray:
        cols = self.encoding.cols
        obs = np.asarray(observation, dtype=np.int64)
        robot = np.array([obs[0] * cols + obs[1]])
        target = np.array([obs[2] * cols + obs[3]])
        return self.encoding.encode(robot, target)[0]
