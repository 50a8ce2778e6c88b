"""Any registered gymnasium env, by id (``module:Id`` imports ``module`` first, as
``gymnasium.make`` does). Solved means a mean return at the env's reward threshold."""

from __future__ import annotations

import difflib
import importlib
import inspect
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator
from pydantic import Field

from rlgrid.envs import wrappers
from rlgrid.errors import InvalidValueError, RlgridError, setting
from rlgrid.evaluation import EvalResult, EvalSettings, Judgement
from rlgrid.families.base import EnvSettings, Family, RewardSetup
from rlgrid.literals import argument_problem

PLUGINS = {"MiniGrid-": "minigrid", "BabyAI-": "minigrid"}
"""Id prefixes of env packages that register their envs on import: a plain id imports them."""


def resolve_env_id(env_id: str) -> str:
    """Check that gymnasium knows ``env_id`` and return it without any ``module:`` prefix.

    ``module:EnvId`` imports ``module`` first, so envs that a package registers on import can be
    named without importing it by hand. The module must be importable as it is (installed, or on
    ``PYTHONPATH``): the current folder is never added to ``sys.path``, so a stray ``.py`` file
    where rlgrid runs is not imported by accident.
    """
    module, _, name = env_id.rpartition(":")
    plugin = next((m for prefix, m in PLUGINS.items() if name.startswith(prefix)), None)
    if not module and name not in gym.registry and plugin is not None:
        module = plugin
    if module:
        try:
            importlib.import_module(module)
        except ImportError as error:
            if module == plugin:
                raise RlgridError(
                    f"env {name!r} comes with the {plugin} package, which is not installed: "
                    f"pip install -c constraints.txt 'rlgrid[{plugin}]'"
                ) from None
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
    try:
        gym.spec(name)
    except (gym.error.DeprecatedEnv, gym.error.VersionNotFound) as error:
        raise InvalidValueError(f"env {name!r}: {error}") from None  # names the version to use
    except gym.error.Error:
        pass
    known = list(gym.registry)
    by_lower = {key.lower(): key for key in known}
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(by_lower[m] for m in matches)}?" if matches else ""
    raise InvalidValueError(f"unknown env id {name!r}{hint} (gymnasium knows {len(known)} ids)")


def make_env(env_id: str, kwargs: dict[str, Any] | None = None, **make_kwargs: Any) -> gym.Env:
    """``gymnasium.make`` with rlgrid's errors: unknown ids, keyword arguments the env's
    constructor does not take and missing extras get one line."""
    name = resolve_env_id(env_id)
    kwargs = kwargs or {}
    check_env_kwargs(name, kwargs)
    try:
        return gym.make(name, **kwargs, **make_kwargs)
    except gym.error.DependencyNotInstalled as error:
        raise not_installed(name, error) from None
    except (TypeError, ValueError, AssertionError, KeyError) as error:
        if not kwargs:
            raise
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise InvalidValueError(
            f"{setting('env.kwargs')} {kwargs}: {name} refused them: "
            f"{type(error).__name__}: {first}"
        ) from None


def not_installed(env_id: str, error: Exception) -> RlgridError:
    return RlgridError(f"env {env_id!r} needs a package that is not installed: {error}")


def constructor_arguments(env_id: str) -> dict[str, Any] | None:
    """The keyword arguments the env's constructor takes and their defaults, where its signature
    says (None where it takes any, or cannot be read)."""
    creator = gym.spec(env_id).entry_point
    try:
        if isinstance(creator, str):
            creator = load_env_creator(creator)
        parameters = inspect.signature(creator).parameters
    except gym.error.DependencyNotInstalled as error:
        raise not_installed(env_id, error) from None
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return None
    return {key: p.default for key, p in parameters.items() if key != "self"}


def check_env_kwargs(env_id: str, kwargs: dict[str, Any]) -> None:
    if not kwargs:
        return
    if "render_mode" in kwargs:
        raise InvalidValueError(
            f"{setting('env.kwargs')}: render_mode is chosen by the command (render --human, "
            "--record), not set in the env's kwargs"
        )
    allowed = constructor_arguments(env_id)
    if allowed is None:
        return
    allowed.pop("render_mode", None)
    for key, value in kwargs.items():
        if key in ("max_episode_steps", "max_steps") and key not in allowed:
            raise InvalidValueError(
                f"{setting('env.kwargs')}: {env_id} takes no argument {key!r}; the time limit "
                f"is {setting('env.max_steps')}"
            )
        problem = argument_problem(allowed, key, value)
        if problem is not None:
            raise InvalidValueError(f"{setting('env.kwargs')}: {env_id} {problem}")


DEFAULT_STEP_CAP = 1000
"""The time limit of an env whose spec has none (CliffWalking): without one, an agent that never
finds the goal plays one episode forever."""


class GymnasiumSettings(EnvSettings):
    """A registered gymnasium env: its id, its constructor's kwargs and a time limit."""

    kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments of the env's constructor (``is_slippery = false``)."""
    max_steps: int | None = Field(None, ge=1)
    """The time limit: the spec's own, or 1000 steps for an env whose spec has none."""


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
        return wrappers.apply(self.make_core(settings, extra), settings.wrappers)

    def make_core(self, settings: GymnasiumSettings, make_kwargs: dict[str, Any]) -> gym.Env:
        """The env with the family's own wrappers, inside the user's."""
        steps = self.resolved(settings).max_steps
        return make_env(settings.id, settings.kwargs, max_episode_steps=steps, **make_kwargs)

    def resolved(self, settings: GymnasiumSettings) -> GymnasiumSettings:
        """The time limit spelled out: the spec's, or :data:`DEFAULT_STEP_CAP`."""
        if settings.max_steps is not None:
            return settings
        limit = gym.spec(resolve_env_id(settings.id)).max_episode_steps
        return settings.model_copy(update={"max_steps": limit or DEFAULT_STEP_CAP})

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

    def solved_means(
        self, settings: GymnasiumSettings, eval_settings: EvalSettings, episodes: int
    ) -> str | None:
        threshold = self.threshold(settings, eval_settings)
        return None if threshold is None else f"a mean return >= {threshold:g}"

    def judge(
        self, settings: GymnasiumSettings, result: EvalResult, eval_settings: EvalSettings
    ) -> Judgement:
        threshold = self.threshold(settings, eval_settings)
        solved = threshold is not None and result.mean_return >= threshold
        return Judgement(result, solved, (result.mean_return,))
