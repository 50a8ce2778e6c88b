"""Many episodes of a tabular env (its :class:`~rlgrid.envs.value_iteration.TabularModel`)
stepped at once with numpy array operations.

Lane ``i`` reset with ``seed`` plays exactly the episodes of the gymnasium env reset with
``seed + i``: gymnasium's toy-text envs take one uniform draw of their ``np_random`` per reset
(the start state) and per step (the outcome), the first outcome whose cumulative probability
exceeds it; each lane owns a generator seeded as the env seeds ``np_random`` and takes the same
draws (drawn ahead in blocks). Lanes reset themselves in the step their episode ends, and an
episode is cut off after ``max_steps`` steps, as the env's time limit does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rlgrid.envs.batched import LaneStep
from rlgrid.envs.lane_draws import LaneDraws
from rlgrid.envs.value_iteration import TabularModel


class TableLanes:
    """``n`` episodes of ``model``, with the time limit ``max_steps``."""

    def __init__(self, model: TabularModel, n: int, max_steps: int) -> None:
        self.model = model
        self.n = n
        self.max_steps = max_steps
        self.start_cumulative = np.cumsum(model.start)
        self.cumulative = np.cumsum(model.prob, axis=1)
        self.state = np.zeros(n, dtype=np.int64)
        self.steps = np.zeros(n, dtype=np.int64)
        self.random = LaneDraws(n)
        self.all_lanes = np.arange(n)

    def reset(self, seed: int | None = None) -> np.ndarray:
        """Seed lane ``i`` with ``seed + i`` (fresh entropy when ``seed`` is None); start all."""
        self.random.seed(seed)
        self._start(self.all_lanes)
        return self.state.copy()

    def rng_states(self) -> list[dict]:
        """Each lane's generator state and the draws it has taken ahead but not used."""
        return self.random.states()

    def restore(self, states: list[dict]) -> np.ndarray:
        """Continue from :meth:`rng_states`; every lane starts a new episode."""
        self.random.restore(states)
        self._start(self.all_lanes)
        return self.state.copy()

    def step(self, actions: np.ndarray) -> LaneStep:
        """One step of every lane; lanes whose episode ends start the next one."""
        final, reward, terminated = self.advance(self.all_lanes, actions)
        truncated = self.steps >= self.max_steps  # as gymnasium's TimeLimit, even at a goal
        ended = np.flatnonzero(terminated | truncated)
        if ended.size:
            self._start(ended)
        return LaneStep(
            obs=self.state.copy(),
            reward=reward,
            raw_reward=reward,
            terminated=terminated,
            truncated=truncated,
            final_obs=final,
            shortest_path_length=np.full(self.n, -1, dtype=np.int64),
            success=np.full(self.n, np.nan),
        )

    def advance(
        self, lanes: np.ndarray, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Step ``lanes`` (distinct) with ``actions``: their new states, rewards and whether their
        episodes terminated. Nothing restarts."""
        rows = self.state[lanes] * self.model.n_actions + np.asarray(actions, dtype=np.int64)
        draw = self.random.take(lanes)
        # the first outcome whose cumulative probability exceeds the draw (the first, if none)
        outcome = np.argmax(self.cumulative[rows] > draw[:, None], axis=1)
        after = self.model.next_state[rows, outcome]
        self.state[lanes] = after
        self.steps[lanes] += 1
        return after.copy(), self.model.reward[rows, outcome], self.model.terminated[rows, outcome]

    def _start(self, lanes: np.ndarray) -> None:
        first = np.searchsorted(self.start_cumulative, self.random.take(lanes), side="right")
        self.state[lanes] = np.where(first < len(self.start_cumulative), first, 0)
        self.steps[lanes] = 0


def play(
    model: TabularModel,
    batch_policy: Callable[[np.ndarray], np.ndarray],
    episodes: int,
    seed: int,
    max_steps: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Episode ``k`` of ``episodes`` as the env plays it after ``reset(seed=seed + k)``, all at
    once (one policy call per step for every running episode): their lengths, returns and
    successes (ended at the goal: see :meth:`TabularModel.goal_reward`)."""
    lanes = TableLanes(model, episodes, max_steps)
    lanes.reset(seed)
    lengths = np.zeros(episodes, dtype=np.int64)
    returns = np.zeros(episodes)
    successes = np.zeros(episodes, dtype=bool)
    goal = model.goal_reward()
    live = lanes.all_lanes
    while live.size:
        actions = np.asarray(batch_policy(lanes.state[live]), dtype=np.int64).reshape(-1)
        _, reward, terminated = lanes.advance(live, actions)
        returns[live] += reward
        lengths[live] += 1
        successes[live] = terminated & (reward == goal)
        live = live[~terminated & (lanes.steps[live] < max_steps)]
    return lengths, returns, successes
