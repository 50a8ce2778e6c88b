"""Many warehouse episodes stepped at once with numpy array operations.

Lane ``i`` of a :class:`BatchedWarehouse` reset with ``seed`` plays exactly the episodes of a
:class:`~rlgrid.envs.warehouse.WarehouseEnv` reset with ``seed + i`` (each lane has its own
generator, drawn from as the env draws from ``np_random``). Lanes reset themselves when an episode
ends; :class:`LaneStep` then carries the finished episode's last observation in ``final_obs``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding

from rlgrid.envs.layout import Layout
from rlgrid.envs.moves import MOVES

_DR = np.array([MOVES[a][0] for a in sorted(MOVES)], dtype=np.int32)
_DC = np.array([MOVES[a][1] for a in sorted(MOVES)], dtype=np.int32)


@dataclass
class LaneStep:
    """One step of every lane. ``obs`` already holds the next episode's first observation where
    an episode ended; ``final_obs`` holds that episode's last one (equal to ``obs`` elsewhere)."""

    obs: np.ndarray
    reward: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    final_obs: np.ndarray
    shortest_path_length: np.ndarray
    """Per lane, the shortest path length of the episode this step belonged to."""
    success: np.ndarray
    """Where an episode ended: 1.0 reached its goal, 0.0 not, nan when the env does not say."""


class BatchedWarehouse:
    def __init__(self, n: int, layout: Layout, random_start: bool, max_steps: int) -> None:
        self.n = n
        self.layout = layout
        self.random_start = random_start
        self.max_steps = max_steps
        self.rows, self.cols = layout.size
        self.robot = np.zeros((n, 2), dtype=np.int32)
        self.target = np.zeros((n, 2), dtype=np.int32)
        self.steps = np.zeros(n, dtype=np.int64)
        self.shortest = np.zeros(n, dtype=np.int64)
        self.rngs: list[np.random.Generator] = []

    def reset(self, seed: int | None = None) -> np.ndarray:
        """Seed lane ``i`` with ``seed + i`` (fresh entropy when ``seed`` is None); start all."""
        self.rngs = [
            seeding.np_random(None if seed is None else seed + i)[0] for i in range(self.n)
        ]
        for lane in range(self.n):
            self._reset_lane(lane)
        return self.observations()

    def rng_states(self) -> list[dict]:
        return [rng.bit_generator.state for rng in self.rngs]

    def restore(self, states: list[dict]) -> np.ndarray:
        """Continue from saved generator states (see :meth:`rng_states`); every lane starts anew."""
        self.rngs = [seeding.np_random(0)[0] for _ in states]
        for rng, state in zip(self.rngs, states, strict=True):
            rng.bit_generator.state = state
        for lane in range(self.n):
            self._reset_lane(lane)
        return self.observations()

    def _reset_lane(self, lane: int) -> None:
        start, target = self.layout.draw_episode(self.rngs[lane], self.random_start)
        self.robot[lane] = start
        self.target[lane] = target
        self.steps[lane] = 0
        self.shortest[lane] = self.layout.shortest_path_length(start, target)

    def observations(self) -> np.ndarray:
        return np.concatenate([self.robot, self.target], axis=1)

    def step(self, actions: np.ndarray) -> LaneStep:
        rows = np.clip(self.robot[:, 0] + _DR[actions], 0, self.rows - 1)
        cols = np.clip(self.robot[:, 1] + _DC[actions], 0, self.cols - 1)
        if not self.layout.is_open:
            free = self.layout.free[rows, cols]
            rows = np.where(free, rows, self.robot[:, 0])
            cols = np.where(free, cols, self.robot[:, 1])
        self.robot[:, 0] = rows
        self.robot[:, 1] = cols
        self.steps += 1
        terminated = (rows == self.target[:, 0]) & (cols == self.target[:, 1])
        truncated = ~terminated & (self.steps >= self.max_steps)
        final_obs = self.observations()
        shortest = self.shortest.copy()
        for lane in np.flatnonzero(terminated | truncated):
            self._reset_lane(int(lane))
        return LaneStep(
            obs=self.observations(),
            reward=terminated.astype(np.float64),
            terminated=terminated,
            truncated=truncated,
            final_obs=final_obs,
            shortest_path_length=shortest,
            success=terminated.astype(np.float64),
        )


class GymnasiumLanes:
    """Any gymnasium env as lanes: ``n`` instances stepped one after the other, each reset in the
    step its episode ends. Lane ``i`` is seeded with ``seed + i``, like the batched warehouse."""

    def __init__(self, n: int, make: Callable[[], gym.Env]) -> None:
        self.n = n
        self.envs = [make() for _ in range(n)]

    def reset(self, seed: int | None = None) -> np.ndarray:
        return np.array(
            [
                env.reset(seed=None if seed is None else seed + i)[0]
                for i, env in enumerate(self.envs)
            ]
        )

    def rng_states(self) -> list[dict]:
        return [env.unwrapped.np_random.bit_generator.state for env in self.envs]

    def restore(self, states: list[dict]) -> np.ndarray:
        for env, state in zip(self.envs, states, strict=True):
            env.unwrapped.np_random.bit_generator.state = state
        return np.array([env.reset()[0] for env in self.envs])

    def step(self, actions: np.ndarray) -> LaneStep:
        obs, final_obs = [], []
        reward = np.zeros(self.n)
        terminated = np.zeros(self.n, dtype=bool)
        truncated = np.zeros(self.n, dtype=bool)
        shortest = np.full(self.n, -1, dtype=np.int64)
        success = np.full(self.n, np.nan)
        for lane, (env, action) in enumerate(zip(self.envs, actions.tolist(), strict=True)):
            o, r, term, trunc, info = env.step(action)
            final_obs.append(o)
            reward[lane], terminated[lane], truncated[lane] = r, term, trunc
            if term or trunc:
                shortest[lane] = info.get("shortest_path_length", -1)
                if "is_success" in info:
                    success[lane] = float(info["is_success"])
                o, _ = env.reset()
            obs.append(o)
        return LaneStep(
            obs=np.array(obs),
            reward=reward,
            terminated=terminated,
            truncated=truncated,
            final_obs=np.array(final_obs),
            shortest_path_length=shortest,
            success=success,
        )
