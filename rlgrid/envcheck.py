"""Environment checks behind ``rlgrid check-env``.

Each check builds fresh env instances, so one check's state never hides another's finding. A check
passes, fails or is skipped (``n/a``: it only applies to rlgrid's warehouse). Warnings from
gymnasium's and stable-baselines3's checkers count as findings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from rlgrid.envs.factory import is_warehouse, make_env

PASS, FAIL, SKIP = "pass", "fail", "n/a"

# gymnasium's checker says this of every wrapped env, which gym.make always returns: it is advice
# to check the unwrapped env too (we do), not a defect of the env.
_WRAPPED_ADVICE = "is different from the unwrapped version"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str


@dataclass(frozen=True)
class CheckTarget:
    """What to check: an env id (``module:Id`` allowed) and its constructor kwargs."""

    env_id: str
    kwargs: dict[str, Any]
    seed: int = 0
    resets: int = 50

    def make(self, **make_kwargs: Any) -> gym.Env:
        return make_env(self.env_id, self.kwargs, **make_kwargs)


def run_checks(target: CheckTarget) -> list[CheckResult]:
    """Run every check on ``target``; pixel render modes draw off screen."""
    checks: list[tuple[str, Callable[[CheckTarget], tuple[str, str]]]] = [
        ("gymnasium checker, unwrapped env", _gymnasium_unwrapped),
        ("gymnasium checker, gym.make env", _gymnasium_made),
        ("stable-baselines3 check_env", _sb3_checker),
        ("same seed, same episodes", _same_seed_same_episodes),
        ("same seed across processes", _same_seed_across_processes),
        ("global RNGs untouched", _global_rngs_untouched),
        ("observations in space, exact dtype", _observations_in_space),
        ("time limit", _time_limit),
        ("reaching the target", _reaching_the_target),
        ("random rollout throughput", _throughput),
    ]
    results = []
    with _offscreen_display():
        for name, check in checks:
            try:
                with warnings.catch_warnings():
                    # only the checker rows report warnings; the others would repeat them
                    warnings.simplefilter("ignore")
                    status, detail = check(target)
            except Exception as error:  # the env raised: that is the finding
                status, detail = FAIL, f"raised {type(error).__name__}: {_one_line(str(error))}"
            results.append(CheckResult(name, status, detail))
    return results


def results_to_json(target: CheckTarget, results: list[CheckResult]) -> str:
    return json.dumps(
        {
            "env": target.env_id,
            "kwargs": target.kwargs,
            "seed": target.seed,
            "passed": all(r.status != FAIL for r in results),
            "checks": [asdict(r) for r in results],
        },
        indent=2,
    )


# --- helpers -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _offscreen_display() -> Iterator[None]:
    """Let render-mode checks open their pygame windows on SDL's dummy driver, never on screen."""
    saved = {key: os.environ.get(key) for key in ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER")}
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _one_line(text: str, limit: int = 240) -> str:
    text = " ".join(_ANSI.sub("", text).replace("WARN: ", "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_capturing_warnings(fn: Callable[[], object]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [_one_line(str(w.message)) for w in caught]


def _findings(messages: list[str]) -> tuple[str, str]:
    if not messages:
        return PASS, "no errors, no warnings"
    unique = list(dict.fromkeys(messages))
    return FAIL, f"{len(unique)} warning(s): " + " | ".join(unique[:3])


def _observation_bytes(space: gym.Space, obs: Any) -> bytes:
    return np.ascontiguousarray(gym.spaces.flatten(space, obs)).tobytes()


def fingerprint(env_id: str, kwargs: dict[str, Any], seed: int, resets: int) -> str:
    """A digest of ``resets`` episodes (first 20 steps each, seeded random actions) after one
    ``reset(seed=seed)``: equal digests mean the env reproduced the same episodes."""
    env = make_env(env_id, kwargs)
    env.action_space.seed(seed)
    digest = hashlib.sha256()
    for episode in range(resets):
        obs, _ = env.reset(seed=seed if episode == 0 else None)
        digest.update(_observation_bytes(env.observation_space, obs))
        for _ in range(20):
            obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            digest.update(_observation_bytes(env.observation_space, obs))
            digest.update(np.float64(reward).tobytes())
            if terminated or truncated:
                break
    env.close()
    return digest.hexdigest()


def _fingerprint_in_subprocess(target: CheckTarget) -> str:
    code = (
        "import json, sys\n"
        "sys.path[:0] = json.loads(sys.argv[1])\n"
        "from rlgrid.envcheck import fingerprint\n"
        "kwargs, seed, resets = json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])\n"
        "print(fingerprint(sys.argv[2], kwargs, seed, resets))"
    )
    args = [json.dumps(sys.path), target.env_id, json.dumps(target.kwargs)]
    args += [str(target.seed), str(target.resets)]
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        raise RuntimeError(f"the second process failed: {lines[-1]}")
    return done.stdout.strip().splitlines()[-1]


# --- the checks --------------------------------------------------------------------------------


def _gymnasium_unwrapped(target: CheckTarget) -> tuple[str, str]:
    from gymnasium.utils.env_checker import check_env

    env = target.make().unwrapped
    messages = _run_capturing_warnings(lambda: check_env(env))
    env.close()
    return _findings(messages)


def _gymnasium_made(target: CheckTarget) -> tuple[str, str]:
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


def _sb3_checker(target: CheckTarget) -> tuple[str, str]:
    from stable_baselines3.common.env_checker import check_env

    env = target.make()
    messages = _run_capturing_warnings(lambda: check_env(env, warn=True))
    env.close()
    return _findings(messages)


def _same_seed_same_episodes(target: CheckTarget) -> tuple[str, str]:
    first = fingerprint(target.env_id, target.kwargs, target.seed, target.resets)
    second = fingerprint(target.env_id, target.kwargs, target.seed, target.resets)
    if first != second:
        return FAIL, (
            f"two fresh envs reset with seed {target.seed} gave different episodes over "
            f"{target.resets} resets: randomness must come only from self.np_random"
        )
    return PASS, f"{target.resets} consecutive resets after seed {target.seed} match ({first[:12]})"


def _same_seed_across_processes(target: CheckTarget) -> tuple[str, str]:
    here = fingerprint(target.env_id, target.kwargs, target.seed, target.resets)
    there = _fingerprint_in_subprocess(target)
    if here != there:
        return FAIL, (
            f"another Python process gave different episodes for seed {target.seed} "
            f"({here[:12]} here, {there[:12]} there)"
        )
    return PASS, f"a second Python process reproduced all {target.resets} resets ({here[:12]})"


def _global_rngs_untouched(target: CheckTarget) -> tuple[str, str]:
    python_state, numpy_state = random.getstate(), np.random.get_state()
    fingerprint(target.env_id, target.kwargs, target.seed, 10)
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


def _observations_in_space(target: CheckTarget) -> tuple[str, str]:
    env = target.make()
    space = env.observation_space
    env.action_space.seed(target.seed)
    checked = 0

    def problem(obs: Any, where: str) -> str | None:
        if isinstance(space, gym.spaces.Box):
            dtype = getattr(obs, "dtype", type(obs).__name__)
            if not isinstance(obs, np.ndarray) or obs.dtype != space.dtype:
                return f"{where}: observation has dtype {dtype}, the space says {space.dtype}"
        if not space.contains(obs):
            return f"{where}: observation {_one_line(repr(obs), 80)} is outside {space}"
        return None

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


def _declared_time_limit(env: gym.Env) -> tuple[int | None, str]:
    layer: gym.Env = env
    while isinstance(layer, gym.Wrapper):
        if isinstance(layer, gym.wrappers.TimeLimit):
            return layer._max_episode_steps, "TimeLimit wrapper"
        layer = layer.env
    limit = getattr(env.unwrapped, "max_steps", None)
    if isinstance(limit, int) and limit > 0:
        return limit, "the env's max_steps"
    return None, ""


def _time_limit(target: CheckTarget) -> tuple[str, str]:
    env = target.make()
    limit, source = _declared_time_limit(env)
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
    detail = f"{limit} steps ({source}); 20 random episodes all ended by then"
    if is_warehouse(target.env_id):
        detail += "; " + _warehouse_truncation(env.unwrapped, limit, target.seed)
    env.close()
    return PASS, detail


def _warehouse_truncation(env: Any, limit: int, seed: int) -> str:
    """Walk away from the target: the episode must be truncated at exactly ``limit`` steps."""
    from rlgrid.envs.oracle import oracle_action

    env.reset(seed=seed)
    terminated = truncated = False
    while not (terminated or truncated):
        action = oracle_action(env.layout, env.robot, env.target, away=True)
        _, _, terminated, truncated, info = env.step(action)
    if terminated or env.steps != limit or info.get("is_success") is not False:
        raise RuntimeError(
            f"an episode kept away from the target ended at step {env.steps} "
            f"(terminated={terminated}, truncated={truncated}), not truncated at {limit}"
        )
    return f"an episode kept away from the target is truncated at step {limit}"


def _reaching_the_target(target: CheckTarget) -> tuple[str, str]:
    if not is_warehouse(target.env_id):
        return SKIP, "warehouse only: other envs define their own goals"
    from rlgrid.envs.oracle import oracle_action

    env = target.make().unwrapped
    episodes = 20
    for episode in range(episodes):
        _, info = env.reset(seed=target.seed + episode)
        optimal = info["shortest_path_length"]
        terminated = truncated = False
        while not (terminated or truncated):
            action = oracle_action(env.layout, env.robot, env.target)
            _, reward, terminated, truncated, info = env.step(action)
        if not terminated or reward != 1.0 or info.get("is_success") is not True:
            return FAIL, (
                f"episode {episode}: walking the shortest path ended with terminated="
                f"{terminated}, reward={reward}, is_success={info.get('is_success')}"
            )
        if env.steps != optimal:
            return FAIL, f"episode {episode}: reached in {env.steps} steps, info says {optimal}"
    env.close()
    return PASS, (
        f"{episodes} episodes walked by shortest path: terminated with reward 1 and "
        "is_success in exactly shortest_path_length steps"
    )


def _throughput(target: CheckTarget) -> tuple[str, str]:
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
