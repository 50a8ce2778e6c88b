"""The tangram's own checks of ``rlgrid check-env``: every silhouette has an assembly (the
solver counts them), the oracle fills them, and the action masks say exactly which actions
place a piece."""

from __future__ import annotations

import statistics
import time

import numpy as np

from rlgrid.envs.tangram.pieces import COUNTS
from rlgrid.envs.tangram.solver import labelled
from rlgrid.families.base import FAIL, PASS, Check, CheckSubject

SHOWN = 3
"""Silhouettes named in a check's detail."""
GENERATED = 20
"""Generated silhouettes a check tries where the set is random."""


def _silhouettes(env, seed: int) -> list:
    fixed = env.set.fixed
    if fixed is not None:
        return list(fixed)
    found = []
    for episode in range(GENERATED):
        env.reset(seed=seed + episode)
        found.append(env.silhouette)
    return found


def solvable(target: CheckSubject) -> tuple[str, str]:
    """The solver counts each silhouette's assemblies: none may have zero."""
    env = target.make().unwrapped
    try:
        counts, times = [], []
        silhouettes = _silhouettes(env, target.seed)
        for silhouette in silhouettes:
            start = time.perf_counter()
            counts.append(env.solver.count(env.canvas.mask(silhouette.triangles), COUNTS))
            times.append(time.perf_counter() - start)
            env.solver = type(env.solver)(env.canvas)  # time each one from a cold cache
    finally:
        env.close()
    names = [silhouette.name for silhouette in silhouettes]
    none = [name for name, count in zip(names, counts, strict=True) if count == 0]
    if none:
        return FAIL, f"no assembly fills {', '.join(none[:SHOWN])} ({len(none)} of {len(names)})"
    ms = statistics.median(times) * 1000
    if len(counts) == 1:
        return PASS, (
            f"{names[0]}: {counts[0]} assemblies ({labelled(counts[0], COUNTS)} with every piece "
            f"its own), solved in {ms:.1f} ms"
        )
    return PASS, (
        f"{len(counts)} silhouettes: {min(counts)} to {max(counts)} assemblies each, median "
        f"solver time {ms:.1f} ms"
    )


def oracle_fills(target: CheckSubject) -> tuple[str, str]:
    """The oracle plays the solver's assembly piece by piece: every episode must end filled,
    with reward 1."""
    env = target.make().unwrapped
    try:
        fixed = env.set.fixed
        episodes = min(len(fixed), GENERATED) if fixed else GENERATED
        for episode in range(episodes):
            options = {"silhouette": episode} if fixed else None
            env.reset(seed=target.seed + episode, options=options)
            total, done, info = 0.0, False, {}
            while not done:
                action = env.oracle_action()
                if action is None:
                    return FAIL, f"{env.silhouette.name} has no assembly for the oracle to play"
                _, reward, done, _, info = env.step(action)
                total += reward
            if not info.get("is_success") or total < 1.0:
                return FAIL, f"the oracle's assembly of {env.silhouette.name} did not fill it"
    finally:
        env.close()
    what = "silhouette" if episodes == 1 else f"{episodes} silhouettes"
    return PASS, f"the oracle filled {'the' if episodes == 1 else 'all'} {what}, one piece a step"


def masks_match(target: CheckSubject) -> tuple[str, str]:
    """Random masked episodes: an allowed action places a piece; a disallowed one ends the
    episode as a failure; an episode ends exactly when the silhouette is filled or nothing
    allowed is left."""
    env = target.make().unwrapped
    rng = np.random.default_rng(target.seed)
    steps = 0
    try:
        for episode in range(20):
            env.reset(seed=target.seed + episode)
            done = False
            while not done:
                mask = env.action_masks()
                if not mask.any():
                    return FAIL, "an episode goes on with no allowed action"
                if episode % 2 and (~mask).any():  # try a disallowed action
                    action = int(rng.choice(np.flatnonzero(~mask)))
                    _, _, done, _, info = env.step(action)
                    if not (done and info.get("invalid") and not info["is_success"]):
                        return FAIL, f"disallowed action {action} did not end the episode"
                    break
                left = sum(env.board.counts)
                _, _, done, _, info = env.step(int(rng.choice(np.flatnonzero(mask))))
                steps += 1
                if info.get("invalid") or sum(env.board.counts) != left - 1:
                    return FAIL, "an allowed action placed no piece"
                filled = env.board.free == 0
                if done != (filled or not env.action_masks().any()):
                    return FAIL, "an episode ended with the silhouette unfilled and moves left"
    finally:
        env.close()
    return PASS, f"{steps} allowed actions each placed a piece; disallowed ones end the episode"


CHECKS = [
    Check("silhouettes have assemblies", solvable),
    Check("oracle fills the silhouettes", oracle_fills),
    Check("action masks", masks_match),
]
