"""Any registered gymnasium env, by id (``module:Id`` imports ``module`` first, as
``gymnasium.make`` does). Solved means a mean return at the env's reward threshold."""

from __future__ import annotations

import difflib
import importlib
from typing import Any

import gymnasium as gym

from rlgrid.errors import InvalidValueError, RlgridError, setting
from rlgrid.evaluation import EvalResult, EvalSettings, Judgement
from rlgrid.families.base import EnvSettings, Family, RewardSetup


def resolve_env_id(env_id: str) -> str:
    """Check that gymnasium knows ``env_id`` and return it without any ``module:`` prefix.

    ``module:EnvId`` imports ``module`` first, so envs that a package registers on import can be
    named without importing it by hand. The module must be importable as it is (installed, or on
    ``PYTHONPATH``): the current folder is never added to ``sys.path``, so a stray ``.py`` file
    where rlgrid runs is not imported by accident.
    """
    module, _, name = env_id.rpartition(":")
    if module:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise InvalidValueError(
                f"env {env_id!r}: cannot import module {module!r} ({error}); it must be "
                "importable: installed, or on PYTHONPATH (for a my_env.py in this folder: "
                "PYTHONPATH=. rlgrid ...)"
            ) from None
        except Exception as error:  # the module's own code failed: not rlgrid's bug
            first = (str(error).strip().splitlines() or [""])[0]
            raise RlgridError(
                f"env {env_id!r}: importing module {module!r} failed: {type(error).__name__}: "
                f"{first}"
            ) from error
    if name in gym.registry:
        return name
    known = list(gym.registry)
    by_lower = {key.lower(): key for key in known}
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(by_lower[m] for m in matches)}?" if matches else ""
    raise InvalidValueError(f"unknown env id {name!r}{hint} (gymnasium knows {len(known)} ids)")


def make_env(env_id: str, kwargs: dict[str, Any] | None = None, **make_kwargs: Any) -> gym.Env:
    """``gymnasium.make`` with rlgrid's errors: unknown ids and missing extras get one line."""
    name = resolve_env_id(env_id)
    try:
        return gym.make(name, **(kwargs or {}), **make_kwargs)
    except gym.error.DependencyNotInstalled as error:
        raise RlgridError(f"env {name!r} needs a package that is not installed: {error}") from None


class GymnasiumSettings(EnvSettings):
    """A registered gymnasium env: its id only."""


class GymnasiumFamily(Family):
    name = "gymnasium"
    settings_model = GymnasiumSettings

    def claims(self, env_id: str) -> bool:
        return True  # the fallback: registered after every more specific family

    def make(
        self,
        settings: GymnasiumSettings,
        reward: RewardSetup | None = None,
        render_mode: str | None = None,
    ) -> gym.Env:
        extra = {} if render_mode is None else {"render_mode": render_mode}
        return make_env(settings.id, **extra)

    def threshold(self, settings: GymnasiumSettings, eval_settings: EvalSettings) -> float | None:
        """The mean return that counts as solved: the config's, else the env spec's."""
        if eval_settings.reward_threshold is not None:
            return eval_settings.reward_threshold
        return gym.spec(resolve_env_id(settings.id)).reward_threshold

    def check_judgeable(self, settings: GymnasiumSettings, eval_settings: EvalSettings) -> None:
        if self.threshold(settings, eval_settings) is None:
            raise InvalidValueError(
                f"{setting('until_solved')} needs a reward threshold for {settings.id}: its spec "
                f"has none; set {setting('eval.reward_threshold')}"
            )

    def judge(
        self, settings: GymnasiumSettings, result: EvalResult, eval_settings: EvalSettings
    ) -> Judgement:
        threshold = self.threshold(settings, eval_settings)
        solved = threshold is not None and result.mean_return >= threshold
        return Judgement(result, solved, (result.mean_return,))
