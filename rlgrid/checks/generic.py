"""The checks every gymnasium env gets, on any observation space. Each builds fresh envs, so one
check's state never hides another's finding, and returns (status, detail). A checker of gymnasium
or stable-baselines3 that only warns gives ``warn``; one that raises fails (see :mod:`.run`)."""

from __future__ import annotations

import random
import time
import warnings
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from rlgrid.checks.observations import NotComparable, observation_problem, sb3_unsupported
from rlgrid.checks.target import (
    FAIL,
    PASS,
    SKIP,
    WARN,
    CheckTarget,
    fingerprint,
    fingerprint_in_subprocess,
    one_line,
    play,
)
from rlgrid.families.base import Check

# gymnasium's checker says this of every wrapped env, which gym.make always returns: it is advice
# to check the unwrapped env too (we do), not a defect of the env.
_WRAPPED_ADVICE = "is different from the unwrapped version"


def _run_capturing_warnings(fn: Callable[[], object]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [one_line(str(w.message)) for w in caught]


def _findings(messages: list[str]) -> tuple[str, str]:
    if not messages:
        return PASS, "no errors, no warnings"
    unique = list(dict.fromkeys(messages))
    shown = " | ".join(unique[:5]) + (f" | and {len(unique) - 5} more" if len(unique) > 5 else "")
    return WARN, f"{len(unique)} warning(s): {shown}"


def gymnasium_unwrapped(target: CheckTarget) -> tuple[str, str]:
    from gymnasium.utils.env_checker import check_env

    env = target.make().unwrapped
    messages = _run_capturing_warnings(lambda: check_env(env))
    env.close()
    return _findings(messages)


def gymnasium_made(target: CheckTarget) -> tuple[str, str]:
    from gymnasium.utils.env_checker import check_env

    def check() -> None:
        env = target.make()
        check_env(env)
        env.close()

    messages = [m for m in _run_capturing_warnings(check) if _WRAPPED_ADVICE not in m]
    status, detail = _findings(messages)
    if status == PASS:
        detail += " (its advice to check the unwrapped env is the row above)"
    return status, detail


def sb3_checker(target: CheckTarget) -> tuple[str, str]:
    from stable_baselines3.common.env_checker import check_env

    env = target.make()
    unsupported = sb3_unsupported(env.observation_space)
    try:
        messages = _run_capturing_warnings(lambda: check_env(env, warn=True))
    except Exception as error:
        if not unsupported:
            raise  # a defect of the env: run_checks fails the row
        return SKIP, (
            f"stable-baselines3 cannot train on {', '.join(_first_few(unsupported))}, so its "
            f"checker does not apply (it stopped at {type(error).__name__}: "
            f"{one_line(str(error), 120)}); wrap the env to drop or encode those parts to use it"
        )
    finally:
        env.close()
    return _findings(messages)


def _first_few(items: list[str], shown: int = 3) -> list[str]:
    """The first ``shown`` of ``items``, and how many more there are."""
    more = [f"{len(items) - shown} more"] if len(items) > shown else []
    return items[:shown] + more


def _not_comparable(error: NotComparable) -> tuple[str, str]:
    return SKIP, f"cannot fingerprint the episodes: {one_line(str(error))}"


def same_seed_same_episodes(target: CheckTarget) -> tuple[str, str]:
    try:
        first, second = fingerprint(target), fingerprint(target)
    except NotComparable as error:
        return _not_comparable(error)
    if first != second:
        return FAIL, (
            f"two fresh envs reset with seed {target.seed} gave different episodes over "
            f"{target.resets} resets: randomness must come only from self.np_random"
        )
    return PASS, f"{target.resets} consecutive resets after seed {target.seed} match ({first[:12]})"


def same_seed_across_processes(target: CheckTarget) -> tuple[str, str]:
    try:
        here = fingerprint(target)
    except NotComparable as error:
        return _not_comparable(error)
    there = fingerprint_in_subprocess(target)
    if here != there:
        return FAIL, (
            f"another Python process gave different episodes for seed {target.seed} "
            f"({here[:12]} here, {there[:12]} there)"
        )
    return PASS, f"a second Python process reproduced all {target.resets} resets ({here[:12]})"


def global_rngs_untouched(target: CheckTarget) -> tuple[str, str]:
    python_state, numpy_state = random.getstate(), np.random.get_state()
    play(target, 10, lambda obs, reward: None)
    touched = []
    if random.getstate() != python_state:
        touched.append("Python's random")
    after = np.random.get_state()
    if not all(np.array_equal(a, b) for a, b in zip(after, numpy_state, strict=True)):
        touched.append("numpy's global RNG")
    if touched:
        return FAIL, (
            f"the env draws from or reseeds {' and '.join(touched)}: "
            "use self.np_random so seeded episodes reproduce"
        )
    return PASS, "reset and step leave Python's and numpy's global RNGs alone"


def observations_in_space(target: CheckTarget) -> tuple[str, str]:
    env = target.make()
    space = env.observation_space
    env.action_space.seed(target.seed)
    checked = 0

    def problem(obs: Any, where: str) -> str | None:
        found = observation_problem(space, obs)
        return f"{where}: {found}" if found else None

    obs, _ = env.reset(seed=target.seed)
    found = problem(obs, "reset")
    while found is None and checked < 2000:
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        checked += 1
        found = problem(obs, f"step {checked}")
        if found is None and (terminated or truncated):
            obs, _ = env.reset()
            found = problem(obs, "reset")
    env.close()
    if found:
        return FAIL, found
    dtype = f" with dtype {space.dtype}" if space.dtype is not None else ""
    return PASS, f"{checked} steps and their resets, all inside the space{dtype}"


def declared_time_limit(env: gym.Env) -> tuple[int | None, str]:
    """The env's time limit and where it comes from: a ``TimeLimit`` wrapper, else a positive
    ``max_steps`` of the unwrapped env; (None, "") for none."""
    layer: gym.Env = env
    while isinstance(layer, gym.Wrapper):
        if isinstance(layer, gym.wrappers.TimeLimit):
            return layer._max_episode_steps, "TimeLimit wrapper"
        layer = layer.env
    limit = getattr(env.unwrapped, "max_steps", None)
    if isinstance(limit, int) and limit > 0:
        return limit, "the env's max_steps"
    return None, ""


def time_limit(target: CheckTarget) -> tuple[str, str]:
    env = target.make()
    limit, source = declared_time_limit(env)
    if limit is None:
        env.close()
        return FAIL, "no time limit: an agent that never reaches the goal makes endless episodes"
    env.action_space.seed(target.seed)
    env.reset(seed=target.seed)
    episodes, length = 0, 0
    while episodes < 20:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        length += 1
        if terminated or truncated:
            episodes, length = episodes + 1, 0
            env.reset()
        elif length > limit:
            env.close()
            return FAIL, f"{source} is {limit} steps, yet an episode ran past it"
    env.close()
    return PASS, f"{limit} steps ({source}); 20 random episodes all ended by then"


def throughput(target: CheckTarget) -> tuple[str, str]:
    env = target.make()
    env.action_space.seed(target.seed)
    env.reset(seed=target.seed)
    actions = [env.action_space.sample() for _ in range(4096)]
    steps, start = 0, time.perf_counter()
    while steps < 200_000 and time.perf_counter() - start < 0.5:
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()
        steps += len(actions)
    elapsed = time.perf_counter() - start
    env.close()
    return PASS, f"{steps / elapsed:,.0f} steps/s through gym.make with random actions"


GENERIC_CHECKS: list[Check] = [
    Check("gymnasium checker, unwrapped env", gymnasium_unwrapped),
    Check("gymnasium checker, gym.make env", gymnasium_made),
    Check("stable-baselines3 check_env", sb3_checker),
    Check("same seed, same episodes", same_seed_same_episodes),
    Check("same seed across processes", same_seed_across_processes),
    Check("global RNGs untouched", global_rngs_untouched),
    Check("observations in space, exact dtype", observations_in_space),
    Check("time limit", time_limit),
    Check("random rollout throughput", throughput),
]
"""The checks of every env, in the order they are reported (a family's own come after)."""
