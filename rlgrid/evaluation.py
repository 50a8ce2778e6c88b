"""Greedy evaluation against the shortest path.

``evaluate`` plays episodes with a policy and reports success rate, lengths, shortest-path lengths,
the optimality ratio (total length over total shortest length, counted over successful episodes
only: failures lower the success rate, never the ratio) and mean return.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass

import gymnasium as gym
import numpy as np

from rlgrid.envs.layout import Cell
from rlgrid.errors import InvalidValueError

MAX_EXHAUSTIVE = 200_000
Policy = Callable[[np.ndarray], int]


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

    @property
    def solved(self) -> bool:
        """Every episode reached the target by a shortest path."""
        return self.optimal_episodes == self.episodes


def episode_starts(env: gym.Env, episodes: int, all_targets: bool) -> list[dict | None]:
    """Reset options for each episode: ``None`` for seeded random episodes, or every possible
    (start, target) pair of the warehouse once."""
    if not all_targets:
        return [None] * episodes
    warehouse = env.unwrapped
    layout = getattr(warehouse, "layout", None)
    if layout is None:
        raise InvalidValueError("--all-targets works on the warehouse only")
    cols = layout.size.cols
    starts: list[Cell] = (
        [divmod(int(f), cols) for f in np.flatnonzero(layout.start_mask)]
        if warehouse.random_start
        else [layout.home]
    )
    total = sum(len(layout.target_cells_excluding(s)) for s in starts)
    if total > MAX_EXHAUSTIVE:
        raise InvalidValueError(
            f"--all-targets would play {total:,} episodes (every start and target pair), over "
            f"{MAX_EXHAUSTIVE:,}; use --episodes N instead"
        )
    return [
        {"start": start, "target": divmod(int(t), cols)}
        for start, t in itertools.chain.from_iterable(
            ((s, t) for t in layout.target_cells_excluding(s)) for s in starts
        )
    ]


def evaluate(
    env: gym.Env, policy: Policy, episodes: int, seed: int, all_targets: bool = False
) -> EvalResult:
    """Play ``policy`` for ``episodes`` seeded episodes, or every target once."""
    plans = episode_starts(env, episodes, all_targets)
    lengths, returns, successes, optimal = [], [], [], []
    for number, options in enumerate(plans):
        obs, info = env.reset(seed=seed if number == 0 else None, options=options)
        total, length, done = 0.0, 0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(policy(obs))
            total += float(reward)
            length += 1
            done = terminated or truncated
        lengths.append(length)
        returns.append(total)
        successes.append(info.get("is_success"))
        optimal.append(info.get("shortest_path_length"))
    return summarise(lengths, returns, successes, optimal)


def warehouse_plans(env: gym.Env, episodes: int, seed: int, all_targets: bool):
    """Starts and targets (flat cells) of the evaluation episodes, as ``evaluate`` plays them."""
    warehouse = env.unwrapped
    cols = warehouse.layout.size.cols
    plans = episode_starts(env, episodes, all_targets)
    starts, targets = [], []
    for number, options in enumerate(plans):
        if options is None:
            env.reset(seed=seed if number == 0 else None)
            start, target = warehouse.start, warehouse.target
        else:
            start, target = options["start"], options["target"]
        starts.append(start[0] * cols + start[1])
        targets.append(target[0] * cols + target[1])
    return np.array(starts, dtype=np.int64), np.array(targets, dtype=np.int64)


def evaluate_batched(
    env: gym.Env,
    batch_policy: Callable[[np.ndarray], np.ndarray],
    encode: Callable[[np.ndarray, np.ndarray], np.ndarray],
    episodes: int,
    seed: int,
    all_targets: bool = False,
    chunk: int = 4096,
) -> EvalResult:
    """``evaluate`` for the warehouse with every episode played at once: the same episodes and
    the same results for a deterministic policy, with one policy call per step for all of them."""
    warehouse = env.unwrapped
    layout, max_steps = warehouse.layout, warehouse.max_steps
    starts, targets = warehouse_plans(env, episodes, seed, all_targets)
    lengths = np.zeros(len(starts), dtype=np.int64)
    success = np.zeros(len(starts), dtype=bool)
    moves = layout.transitions
    for begin in range(0, len(starts), chunk):
        part = slice(begin, begin + chunk)
        robot, target = starts[part].copy(), targets[part]
        active = np.ones(len(robot), dtype=bool)
        for step in range(1, max_steps + 1):
            live = np.flatnonzero(active)
            if not live.size:
                break
            actions = np.asarray(batch_policy(encode(robot[live], target[live])), dtype=np.int64)
            robot[live] = moves[robot[live] * 4 + actions.reshape(-1)]
            reached = live[robot[live] == target[live]]
            lengths[part][live] = step
            success[part][reached] = True
            active[reached] = False
    optimal = layout.distances(starts, targets)
    return summarise(list(lengths), list(success.astype(float)), list(success), list(optimal))


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
