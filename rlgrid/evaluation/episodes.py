"""Greedy episodes and their summary.

``evaluate`` plays episodes with a policy and reports success rate, lengths, shortest-path lengths
(where the env's ``info`` has them), the optimality ratio (total length over total shortest
length, counted over successful episodes only: failures lower the success rate, never the ratio)
and mean return. ``play_episode`` plays one of them, and lets a caller watch every state on the
way (the doctor's replay records them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from rlgrid.envs.masks import action_mask, has_action_masks
from rlgrid.evaluation import giving_up

CHECK_EVERY = 256
"""Steps between two looks at whether the evaluation is given up (:mod:`.giving_up`)."""


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


@dataclass(frozen=True)
class Episode:
    """One played episode: its length, return (the env's reward as it comes), whether it
    succeeded and its shortest length (None where the env's ``info`` does not say), and whether
    it ended by a time limit (``truncated``) rather than by the env (``terminated``)."""

    length: int
    ret: float
    success: bool | None
    shortest: int | None
    truncated: bool


def play_episode(
    env: gym.Env,
    policy: Policy,
    seed: int | None = None,
    options: dict | None = None,
    watch: Callable[[Any], None] | None = None,
) -> Episode:
    """Play ``policy`` greedily for one episode from ``reset(seed=seed, options=options)``, with
    every state's action mask where the env has masks. ``watch`` sees each observation (after the
    reset and after every step) while the env is in the state it shows, for callers that record
    more of an episode than its summary."""
    masked = has_action_masks(env)
    obs, info = env.reset(seed=seed, options=options)
    if watch is not None:
        watch(obs)
    total, length, terminated, truncated = 0.0, 0, False, False
    while not (terminated or truncated):
        action = policy(obs, action_mask(env)) if masked else policy(obs)
        obs, reward, terminated, truncated, info = env.step(action)
        if watch is not None:
            watch(obs)
        total += float(reward)
        length += 1
        if length % CHECK_EVERY == 0:
            giving_up.check()
    return Episode(
        length, total, info.get("is_success"), info.get("shortest_path_length"), bool(truncated)
    )


def evaluate(env: gym.Env, policy: Policy, plans: list[dict | None], seed: int) -> EvalResult:
    """Play ``policy`` greedily for one episode per plan: each plan is the ``options`` of its
    ``reset`` (None for a seeded random episode; the first reset gets ``seed``). Where the env
    has action masks, the policy gets every state's."""
    played = [
        play_episode(env, policy, seed if number == 0 else None, options)
        for number, options in enumerate(plans)
    ]
    return summarise(
        [episode.length for episode in played],
        [episode.ret for episode in played],
        [episode.success for episode in played],
        [episode.shortest for episode in played],
    )


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
