"""Many warehouse episodes stepped at once with numpy array operations.

Lane ``i`` of a :class:`BatchedWarehouse` reset with ``seed`` plays exactly the episodes of a
:class:`~rlgrid.envs.warehouse.WarehouseEnv` reset with ``seed + i``: each lane owns a generator
seeded as the env seeds ``np_random``, and takes one uniform draw per cell chosen, as the env does
(drawn ahead in blocks, so resets of many lanes are array operations too). Lanes reset themselves
in the step their episode ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from rlgrid.envs.lane_draws import LaneDraws
from rlgrid.envs.layout import Layout
from rlgrid.envs.masks import action_mask, has_action_masks
from rlgrid.envs.rewards import Shaper, Shaping


@dataclass
class LaneStep:
    """One step of every lane. ``obs`` already holds the next episode's first observation where
    an episode ended; ``final_obs`` holds that episode's last one (equal to ``obs`` elsewhere)."""

    obs: np.ndarray
    reward: np.ndarray
    """The reward learned from: the env's own plus any shaping bonus."""
    raw_reward: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    final_obs: np.ndarray
    shortest_path_length: np.ndarray
    """Per lane, the shortest path length of the episode this step belonged to."""
    success: np.ndarray
    """Where an episode ended: 1.0 reached its goal, 0.0 not, nan when the env does not say."""
    masks: np.ndarray | None = None
    """The actions allowed in ``obs`` (lanes x actions, bool); None where the envs have no action
    masks (every action allowed)."""
    final_masks: np.ndarray | None = None
    """The actions allowed in ``final_obs``, as ``masks``."""


@dataclass
class CoreStep:
    reward: np.ndarray
    raw_reward: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    ended: np.ndarray
    """Indices of the lanes whose episode ended (and that have already started a new one)."""
    final_robot: np.ndarray
    final_target: np.ndarray
    shortest_path_length: np.ndarray


class BatchedWarehouse:
    """The warehouse's state for ``n`` lanes as arrays of flat cells (``row * cols + col``)."""

    def __init__(
        self,
        n: int,
        layout: Layout,
        random_start: bool,
        max_steps: int,
        shaping: Shaping | None = None,
    ) -> None:
        self.n = n
        self.layout = layout
        self.random_start = random_start
        self.max_steps = max_steps
        self.next_cell = layout.transitions
        self.robot = np.zeros(n, dtype=np.int64)
        self.target = np.zeros(n, dtype=np.int64)
        self.steps = np.zeros(n, dtype=np.int64)
        self.shortest = np.zeros(n, dtype=np.int64)
        self.shaper = Shaper(shaping, layout, n) if shaping and shaping.kinds else None
        self.random = LaneDraws(n)
        self.all_lanes = np.arange(n)

    # --- randomness ----------------------------------------------------------------------------

    def reset(self, seed: int | None = None) -> None:
        """Seed lane ``i`` with ``seed + i`` (fresh entropy when ``seed`` is None); start all."""
        self.random.seed(seed)
        self._start(self.all_lanes)

    def rng_states(self) -> list[dict]:
        """Each lane's generator state and the draws it has taken ahead but not used."""
        return self.random.states()

    def restore(self, states: list[dict]) -> None:
        """Continue from :meth:`rng_states`; every lane starts a new episode."""
        self.random.restore(states)
        self._start(self.all_lanes)

    def _start(self, lanes: np.ndarray) -> None:
        start_draws = self.random.take(lanes) if self.random_start else None
        starts, targets = self.layout.draw_episodes(start_draws, self.random.take(lanes))
        self.robot[lanes] = starts
        self.target[lanes] = targets
        self.steps[lanes] = 0
        self.shortest[lanes] = self.layout.distances(starts, targets)
        if self.shaper is not None:
            self.shaper.start(lanes, starts)

    # --- dynamics ------------------------------------------------------------------------------

    def step(self, actions: np.ndarray) -> CoreStep:
        before = self.robot
        after = self.next_cell[before * 4 + actions]
        self.robot = after
        self.steps += 1
        terminated = after == self.target
        truncated = ~terminated & (self.steps >= self.max_steps)
        raw = terminated.astype(np.float64)
        reward = raw
        if self.shaper is not None:
            reward = raw + self.shaper.bonus(before, after, self.target, terminated)
        ended = np.flatnonzero(terminated | truncated)
        final_target = self.target.copy() if ended.size else self.target
        shortest = self.shortest.copy() if ended.size else self.shortest
        if ended.size:
            self.robot = after.copy()
            self._start(ended)
        return CoreStep(reward, raw, terminated, truncated, ended, after, final_target, shortest)


class WarehouseLanes:
    """The batched warehouse as q-table lanes: coords observations, as the env's own."""

    def __init__(self, core: BatchedWarehouse) -> None:
        self.core = core
        self.n = core.n
        self.cols = core.layout.size.cols

    def _coords(self, robot: np.ndarray, target: np.ndarray) -> np.ndarray:
        rr, rc = np.divmod(robot, self.cols)
        tr, tc = np.divmod(target, self.cols)
        return np.stack([rr, rc, tr, tc], axis=1)

    def reset(self, seed: int | None = None) -> np.ndarray:
        self.core.reset(seed)
        return self._coords(self.core.robot, self.core.target)

    def restore(self, states: list[dict]) -> np.ndarray:
        self.core.restore(states)
        return self._coords(self.core.robot, self.core.target)

    def rng_states(self) -> list[dict]:
        return self.core.rng_states()

    def step(self, actions: np.ndarray) -> LaneStep:
        step = self.core.step(actions)
        return LaneStep(
            obs=self._coords(self.core.robot, self.core.target),
            reward=step.reward,
            raw_reward=step.raw_reward,
            terminated=step.terminated,
            truncated=step.truncated,
            final_obs=self._coords(step.final_robot, step.final_target),
            shortest_path_length=step.shortest_path_length,
            success=step.terminated.astype(np.float64),
        )


class GymnasiumLanes:
    """Any gymnasium env as lanes: ``n`` instances stepped one after the other, each reset in the
    step its episode ends. Lane ``i`` is seeded with ``seed + i``, like the batched warehouse.
    Where the envs have action masks, every step reports each lane's (see :meth:`masks`)."""

    def __init__(self, n: int, make: Callable[[], gym.Env]) -> None:
        self.n = n
        self.envs = [make() for _ in range(n)]
        self.masked = has_action_masks(self.envs[0])

    def masks(self) -> np.ndarray | None:
        """The actions each lane allows now (lanes x actions, bool); None where the envs have no
        action masks."""
        if not self.masked:
            return None
        return np.array([action_mask(env) for env in self.envs])

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
        masks, final_masks = [], []
        for lane, (env, action) in enumerate(zip(self.envs, actions.tolist(), strict=True)):
            o, r, term, trunc, info = env.step(action)
            final_obs.append(o)
            if self.masked:
                final_masks.append(action_mask(env))
            reward[lane], terminated[lane], truncated[lane] = r, term, trunc
            if term or trunc:
                shortest[lane] = info.get("shortest_path_length", -1)
                if "is_success" in info:
                    success[lane] = float(info["is_success"])
                o, _ = env.reset()
            obs.append(o)
            if self.masked:
                masks.append(action_mask(env))
        return LaneStep(
            obs=np.array(obs),
            reward=reward,
            raw_reward=reward,
            terminated=terminated,
            truncated=truncated,
            final_obs=np.array(final_obs),
            shortest_path_length=shortest,
            success=success,
            masks=np.array(masks) if self.masked else None,
            final_masks=np.array(final_masks) if self.masked else None,
        )
