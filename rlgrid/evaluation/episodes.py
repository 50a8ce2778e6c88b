"""Greedy episodes and their summary.

``evaluate`` plays episodes with a policy and reports success rate, lengths, shortest-path lengths
(where the env's ``info`` has them), the optimality ratio (total length over total shortest
length, counted over successful episodes only: failures lower the success rate, never the ratio)
and mean return.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

import gymnasium as gym
import numpy as np

from rlgrid.envs.masks import action_mask, has_action_masks


class Policy(Protocol):
    """A policy as evaluations and watchers call it: ``policy(obs)``, or, where the env says
    which actions it allows, ``policy(obs, mask)`` with that state's mask (one bool per action).
    An agent's ``act`` is one."""

    def __call__(self, obs: np.ndarray, mask: np.ndarray | None = None) -> int: ...


@dataclass(frozen=True)
class EvalResult:
    episodes: int
    success_rate: float | None
    mean_length: float
    mean_optimal_length: float | None
    optimality_ratio: float | None
    mean_return: float
    optimal_episodes: int | None
    """Successful episodes whose length equals the shortest path length."""

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate(env: gym.Env, policy: Policy, plans: list[dict | None], seed: int) -> EvalResult:
    """Play ``policy`` greedily for one episode per plan: each plan is the ``options`` of its
    ``reset`` (None for a seeded random episode; the first reset gets ``seed``). Where the env
    has action masks, the policy gets every state's."""
    masked = has_action_masks(env)
    lengths, returns, successes, optimal = [], [], [], []
    for number, options in enumerate(plans):
        obs, info = env.reset(seed=seed if number == 0 else None, options=options)
        total, length, done = 0.0, 0, False
        while not done:
            action = policy(obs, action_mask(env)) if masked else policy(obs)
            obs, reward, terminated, truncated, info = env.step(action)
            total += float(reward)
            length += 1
            done = terminated or truncated
        lengths.append(length)
        returns.append(total)
        successes.append(info.get("is_success"))
        optimal.append(info.get("shortest_path_length"))
    return summarise(lengths, returns, successes, optimal)


def summarise(
    lengths: list[int], returns: list[float], successes: list, optimal: list
) -> EvalResult:
    n = len(lengths)
    known_success = all(s is not None for s in successes)
    known_optimal = all(o is not None for o in optimal)
    success = np.array(successes, dtype=bool) if known_success else None
    length = np.array(lengths, dtype=np.int64)
    best = np.array(optimal, dtype=np.int64) if known_optimal else None
    ratio = None
    optimal_episodes = None
    if success is not None and best is not None:
        optimal_episodes = int(np.sum(success & (length == best)))
        if success.any() and best[success].sum() > 0:
            ratio = float(length[success].sum() / best[success].sum())
    return EvalResult(
        episodes=n,
        success_rate=float(success.mean()) if success is not None else None,
        mean_length=float(length.mean()),
        mean_optimal_length=float(best.mean()) if best is not None else None,
        optimality_ratio=ratio,
        mean_return=float(np.mean(returns)),
        optimal_episodes=optimal_episodes,
    )
