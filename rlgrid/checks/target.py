"""What ``rlgrid check-env`` checks: an env's validated settings and a seed, and the episode
fingerprint that tells whether two envs (in this process or another) played the same episodes."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from rlgrid.checks.observations import feed
from rlgrid.errors import RlgridError
from rlgrid.families import EnvSettings, Family, family_for
from rlgrid.families.base import FAIL, PASS, SKIP, WARN  # noqa: F401 (re-exported)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class CheckTarget:
    """What to check: an env's validated settings (its family's settings model), the seed of the
    reproducibility checks and how many consecutive resets they compare."""

    settings: EnvSettings
    seed: int = 0
    resets: int = 50

    @property
    def env_id(self) -> str:
        return self.settings.id

    @property
    def family(self) -> Family:
        return family_for(self.settings.id)

    def make(self, render_mode: str | None = None) -> gym.Env:
        """A fresh env of the settings, with the env's own reward (no shaping)."""
        return self.family.make(self.settings, render_mode=render_mode)

    def validate(self) -> None:
        """Raise the one-line error of what would fail every check the same way: an env id
        gymnasium does not know, a floor that cannot be built."""
        from rlgrid.families.gymnasium import resolve_env_id

        resolve_env_id(self.settings.id)
        self.family.resolved(self.settings)
        try:  # kwargs the env refuses, wrappers that cannot wrap it: one line
            self.make().close()
        except RlgridError:
            raise
        except Exception:  # a defect of the env itself: the checks report it, row by row
            return

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON values: :meth:`from_json` rebuilds the same env from them."""
        return self.settings.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any], seed: int = 0, resets: int = 50) -> CheckTarget:
        settings = family_for(str(data["id"])).settings_model.model_validate(data)
        return cls(settings, seed, resets)


def one_line(text: str, limit: int = 240) -> str:
    """``text`` on one line, without terminal colours, cut to ``limit`` characters."""
    text = " ".join(_ANSI.sub("", text).replace("WARN: ", "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def play(target: CheckTarget, resets: int, seen: Callable[[Any, Any], object]) -> None:
    """Play ``resets`` episodes, the first 20 steps of each with seeded random actions, after
    one ``reset(seed=target.seed)``; pass each observation to ``seen`` with the reward that came
    with it (None after a reset)."""
    env = target.make()
    try:
        env.action_space.seed(target.seed)
        for episode in range(resets):
            obs, _ = env.reset(seed=target.seed if episode == 0 else None)
            seen(obs, None)
            for _ in range(20):
                obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
                seen(obs, reward)
                if terminated or truncated:
                    break
    finally:
        env.close()


def fingerprint(target: CheckTarget, resets: int | None = None) -> str:
    """A digest of the observations and rewards of :func:`play` over ``resets`` (default
    ``target.resets``) episodes: equal digests mean the env reproduced the same episodes. Any
    observation space works (see :func:`.observations.feed`); an observation holding a value
    that cannot be compared raises :class:`.observations.NotComparable`."""
    digest = hashlib.sha256()

    def seen(obs: Any, reward: Any) -> None:
        feed(digest.update, obs)
        feed(digest.update, reward, "the reward")

    play(target, target.resets if resets is None else resets, seen)
    return digest.hexdigest()


_SECOND_PROCESS = (
    "import json, sys\n"
    "sys.path[:0] = json.loads(sys.argv[1])\n"
    "from rlgrid.checks.target import CheckTarget, fingerprint\n"
    "target = CheckTarget.from_json(json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))\n"
    "print(fingerprint(target))"
)


def fingerprint_in_subprocess(target: CheckTarget) -> str:
    """:func:`fingerprint` in a second Python process, which rebuilds the env from the
    settings' JSON (so it sees what a saved config would give, not this process's objects)."""
    args = [json.dumps(sys.path), json.dumps(target.to_json()), str(target.seed)]
    args.append(str(target.resets))
    done = subprocess.run(
        [sys.executable, "-c", _SECOND_PROCESS, *args],
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
