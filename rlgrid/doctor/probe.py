"""Random episodes on the env a config trains on, measured before any training: how often the goal
is reached within the time limit, how long episodes last, and what episodes that never reach it
earn from the reward the agent learns from (shaping included).

The agent is uniform random among the allowed actions (masked where the env has action masks), as
an untrained agent with full exploration is; the env is the shaped training env, so bonuses count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlgrid.config import TrainConfig
from rlgrid.evaluation.random_agent import RandomAgent

EPISODES = 200
STEP_CAP = 500_000
"""The probe stops after this many episodes or steps, whichever comes first (a 256x256 floor's
time limit is 2,048 steps: 240 episodes), or after :data:`SECONDS`."""
SECONDS = 5.0
LANES = 20
"""Episodes played side by side (the warehouse's batched env, or gymnasium envs in a loop), each
lane the same number of whole episodes."""
NO_LIMIT = 10_000
"""An episode of an env with no time limit is cut off after this many steps, and the env named
as having none."""


@dataclass(frozen=True)
class Probe:
    """What random episodes showed."""

    episodes: int
    lengths: np.ndarray
    """Steps of each episode."""
    truncated: np.ndarray
    """Whether each episode ended by the time limit (or was cut off by the probe's own cap)."""
    successes: np.ndarray | None
    """Whether each reached the goal (the env's ``is_success``); None where the env never says."""
    returns: np.ndarray
    """The env's own (unshaped) return of each episode."""
    shaped: np.ndarray
    """The return the agent learns from (shaping included)."""
    shortest: np.ndarray | None
    """The shortest path length of each episode's start and goal, where the env says."""
    time_limit: int | None
    """The env's time limit (its spec's, or a TimeLimit wrapper's); None when it has none."""
    capped: bool
    """Whether an episode had to be cut off by the probe (an env with no end in sight)."""
    allowed: float | None
    """How many actions the env's masks allowed per step on average; None without masks."""

    @property
    def success_rate(self) -> float | None:
        return None if self.successes is None else float(self.successes.mean())

    @property
    def failing(self) -> np.ndarray:
        """Which episodes did not reach the goal (where success is known)."""
        if self.successes is None:
            return np.zeros(self.episodes, dtype=bool)
        return ~self.successes

    def goal_return(self) -> float | None:
        """The env's own return of a successful episode (the largest seen); None when none
        succeeded or success is unknown."""
        if self.successes is None or not self.successes.any():
            return None
        return float(self.returns[self.successes].max())

    def sparse(self) -> bool:
        """Whether only the goal pays: no shaping (the learned return is the env's own) and
        episodes that fail earn nothing."""
        failing = self.failing
        unshaped = bool(np.allclose(self.shaped, self.returns))
        return unshaped and bool(np.all(self.returns[failing] == 0))


def time_limit_of(env: Any) -> int | None:
    """The time limit of ``env``: an inner TimeLimit's, the env's own ``max_steps`` (the
    warehouse truncates by itself), or its spec's ``max_episode_steps``."""
    own = getattr(env.unwrapped, "max_steps", None)
    if isinstance(own, int) and own > 0:
        return own
    layer = env
    while layer is not None:
        limit = getattr(layer, "_max_episode_steps", None)
        if limit:
            return int(limit)
        layer = getattr(layer, "env", None)
    spec = getattr(env, "spec", None)
    return int(spec.max_episode_steps) if spec and spec.max_episode_steps else None


def probe(config: TrainConfig, seed: int = 0, masked: bool = True) -> Probe:
    """Play random episodes on the envs ``config`` trains on (the reward it learns from), in
    lanes stepped together (the warehouse's batched env, or gymnasium envs side by side): each
    lane plays the same number of whole episodes, so short episodes are not over-counted.
    Actions are drawn among the allowed ones where the env has masks, unless not ``masked``."""
    envs = config.family.training_envs(config.env, config.reward_setup())
    single = envs.make()
    try:
        limit = time_limit_of(single)
        actions = int(single.action_space.n)
    finally:
        single.close()
    lanes = envs.lanes(LANES)
    try:
        return _play(lanes, actions, limit, seed, masked)
    finally:
        close = getattr(lanes, "close", None)
        if close is not None:
            close()


def _play(lanes: Any, actions: int, limit: int | None, seed: int, masked: bool) -> Probe:
    n = lanes.n
    quota = -(-EPISODES // n)
    agent = RandomAgent(actions, seed)
    lanes.reset(seed)
    masks = lanes.masks() if masked and hasattr(lanes, "masks") else None
    done = np.zeros(n, dtype=int)
    length = np.zeros(n, dtype=int)
    raw, shaped = np.zeros(n), np.zeros(n)
    rows: list[tuple[int, int, bool, float, float, float, int]] = []
    steps, allowed, capped, started = 0, 0, False, time.perf_counter()
    per_episode_cap = NO_LIMIT if limit is None else limit
    while (done < quota).any() and steps < STEP_CAP:
        if rows and time.perf_counter() - started > SECONDS:
            break
        if masks is not None:
            allowed += int(masks.sum())
        step = lanes.step(agent.act_batch(None, masks) if masks is not None else
                          agent.rng.integers(actions, size=n))  # fmt: skip
        masks = step.masks if masked else None
        steps += n
        length += 1
        raw += step.raw_reward
        shaped += step.reward
        ended = step.terminated | step.truncated
        if length.max() >= per_episode_cap and not ended[length >= per_episode_cap].all():
            capped = True
            break
        for lane in np.flatnonzero(ended):
            if done[lane] < quota:
                rows.append((int(done[lane]), int(length[lane]), bool(step.truncated[lane]),
                             float(step.success[lane]), float(raw[lane]), float(shaped[lane]),
                             int(step.shortest_path_length[lane])))  # fmt: skip
            done[lane] += 1
        length[ended], raw[ended], shaped[ended] = 0, 0.0, 0.0
    if not rows:  # not one episode ended within the cap: an env with no end in sight
        rows = [(0, int(length[0]), True, float("nan"), float(raw[0]), float(shaped[0]), -1)]
        capped = True
    if done.min() > 0:  # stopped early: every lane's first episodes only, not the short ones
        rows = [row for row in rows if row[0] < done.min()]
    columns = (list(column) for column in zip(*rows, strict=True))
    _, lengths, cut, success, raw_returns, shaped_returns, shortest = columns
    known = not any(np.isnan(success))
    if not known and _goal_only(raw_returns):
        success, known = [float(value > 0) for value in raw_returns], True
    paths = all(value >= 0 for value in shortest)
    return Probe(
        episodes=len(rows),
        lengths=np.array(lengths),
        truncated=np.array(cut),
        successes=np.array(success) == 1.0 if known else None,
        returns=np.array(raw_returns, dtype=float),
        shaped=np.array(shaped_returns, dtype=float),
        shortest=np.array(shortest, dtype=float) if paths else None,
        time_limit=limit,
        capped=capped,
        allowed=allowed / steps if masks is not None and steps else None,
    )


def _goal_only(returns: list[float]) -> bool:
    """Whether episodes earn nothing or one positive amount (FrozenLake's 0 or 1): an env that
    does not say which episodes succeed, but whose reward only the goal pays."""
    values = set(np.round(returns, 9).tolist())
    return len(values) <= 2 and min(values) == 0 and max(values) > 0
