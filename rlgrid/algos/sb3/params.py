"""Hyperparameters of the stable-baselines3 algorithms, validated without importing torch until
an algorithm's own table is used."""

from __future__ import annotations

import collections.abc
import difflib
import importlib
import inspect
import math
import typing
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rlgrid.algos.sb3 import zoo

# Constructor arguments rlgrid sets itself, so they cannot come from a config.
_MANAGED = {"self", "policy", "env", "seed", "device", "verbose", "tensorboard_log",
            "_init_setup_model", "policy_kwargs"}  # fmt: skip


class SB3Params(BaseModel):
    """rlgrid's keys for an SB3 algorithm; every other key is passed to the algorithm's
    constructor (``learning_rate``, ``n_steps``, ``gamma``, ...) and checked against it."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True, allow_inf_nan=False)
    sb3_class: ClassVar[str]
    sb3_module: ClassVar[str] = "stable_baselines3"
    """The package of ``sb3_class``: stable-baselines3, or sb3-contrib."""

    n_envs: int = Field(1, ge=1, le=4096)
    """Environments stepped side by side (a VecEnv of this many copies)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the networks run; auto picks cuda when a GPU is there."""
    net_arch: list[int] | None = None
    """Hidden layer sizes of the policy and value networks, e.g. [64, 64]."""
    policy_kwargs: dict[str, Any] | None = None
    """Passed to the policy; optimizer_class and activation_fn are given by name ("AdamW")."""
    normalize: bool | dict[str, Any] | None = None
    """Normalize observations and rewards with SB3's VecNormalize: true, or a table of its
    keyword arguments ({norm_obs = true, norm_reward = false, clip_obs = 10.0, ...}); its
    gamma is the algorithm's unless given."""

    @field_validator("normalize", mode="before")
    @classmethod
    def _normalize_table(cls, value: Any) -> Any:
        return zoo.check_normalize(value)

    @field_validator("policy_kwargs", mode="before")
    @classmethod
    def _no_python_text(cls, value: Any) -> Any:
        return zoo.python_text("policy_kwargs", value)

    @model_validator(mode="after")
    def _known_constructor_arguments(self) -> SB3Params:
        _check_finite("policy_kwargs", self.policy_kwargs)
        extras = dict(self.model_extra or {})
        if not extras:
            return self
        cls = self.algorithm_class()
        parameters = inspect.signature(cls.__init__).parameters
        allowed = sorted(set(parameters) - _MANAGED)
        allowed += [name for name in type(self).model_fields if name not in allowed]
        schedules = [n for n in parameters if n not in _MANAGED and _schedule(parameters[n])]
        for key, value in extras.items():
            if zoo.elsewhere(key):
                raise ValueError(zoo.elsewhere(key))
            if key not in allowed or key in _MANAGED:
                matches = difflib.get_close_matches(key, allowed, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
                raise ValueError(
                    f"{self.sb3_class} has no hyperparameter {key!r}{hint} "
                    f"(its own: {', '.join(allowed)})"
                )
            zoo.check_schedule(key, value, schedules)
            if key == "train_freq" and zoo.train_freq(value, self.n_envs) is not None:
                continue
            if zoo.linear_start(value) is None:
                _check_value(key, value, parameters[key].annotation)
        rate = extras.get("learning_rate")
        if isinstance(rate, (int, float)) and not 0 < rate <= 1:
            # SB3 takes any number; with 1e9 it trains without a word into a useless model
            raise ValueError(
                f"'learning_rate' = {rate!r} is outside (0, 1]; these optimizers take small steps "
                "(SB3's defaults are 7e-4 for A2C, 3e-4 for PPO, 1e-4 for DQN)"
            )
        return self

    def algorithm_class(self) -> type:
        """The SB3 class these hyperparameters are for (imported now: torch comes with it)."""
        return getattr(importlib.import_module(self.sb3_module), self.sb3_class)

    def algorithm_kwargs(self) -> dict[str, Any]:
        """The constructor arguments as the config gives them (``lin_X`` as text)."""
        return dict(self.model_extra or {})

    def normalize_kwargs(self) -> dict[str, Any] | None:
        """VecNormalize's keyword arguments; None without ``normalize``."""
        if not self.normalize:
            return None
        cls = self.algorithm_class()
        default = inspect.signature(cls.__init__).parameters["gamma"].default
        return zoo.normalize_kwargs(self.normalize, self.algorithm_kwargs().get("gamma", default))


def _schedule(parameter: inspect.Parameter) -> bool:
    """Whether the constructor takes ``parameter`` as a schedule (a function of the progress)."""
    options = typing.get_args(parameter.annotation) or (parameter.annotation,)
    return any(typing.get_origin(kind) is collections.abc.Callable for kind in options)


_SIMPLE = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


_COUNTS = {"n_steps", "batch_size", "n_epochs", "buffer_size", "train_freq", "gradient_steps",
           "target_update_interval"}  # fmt: skip
"""Whole-number hyperparameters that must be at least 1 (SB3 fails on 0 deep inside training;
DQN's ``gradient_steps = -1``, as many as steps collected, stays allowed)."""


def _check_value(key: str, value: Any, annotation: Any) -> None:
    """A constructor argument given in a config must have the type the constructor declares
    where that is a plain bool, int, float or text (``float | Callable`` takes a float), and no
    infinite or NaN number anywhere in it: SB3 checks neither, and fails much later."""
    _check_finite(key, value)
    count = key in _COUNTS and isinstance(value, int) and not isinstance(value, bool)
    if count and value < 1 and not (key == "gradient_steps" and value == -1):
        raise ValueError(f"{key!r} must be at least 1, not {value}")
    options = typing.get_args(annotation) or (annotation,)
    kinds = [kind for kind in options if kind in _SIMPLE]
    others = [
        kind
        for kind in options
        if kind not in _SIMPLE
        and kind is not type(None)
        and typing.get_origin(kind) is not collections.abc.Callable
    ]
    if not kinds or others:  # a class, a dict, a tuple ...: SB3 checks those itself
        return
    if any(_is(value, kind) for kind in kinds):
        return
    wanted = " or ".join(_SIMPLE[kind] for kind in kinds)
    raise ValueError(f"{key!r} must be {wanted}, not {value!r}")


def _is(value: Any, kind: type) -> bool:
    if isinstance(value, bool):
        return kind is bool
    if kind is float:
        return isinstance(value, (int, float))
    return isinstance(value, kind)


def _check_finite(key: str, value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{key!r} must be a finite number, not {value!r}")
    if isinstance(value, dict):
        for item in value.values():
            _check_finite(key, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_finite(key, item)


class A2CParams(SB3Params):
    sb3_class: ClassVar[str] = "A2C"


class PPOParams(SB3Params):
    sb3_class: ClassVar[str] = "PPO"


class MaskablePPOParams(PPOParams):
    """PPO's keys, checked against sb3-contrib's MaskablePPO (which has no gSDE keys)."""

    sb3_class: ClassVar[str] = "MaskablePPO"
    sb3_module: ClassVar[str] = "sb3_contrib"


class DQNParams(SB3Params):
    sb3_class: ClassVar[str] = "DQN"

    exploration_decay: Literal["linear", "exponential"] = "linear"
    """linear: SB3's schedule over exploration_fraction of the budget. exponential: epsilon =
    final + (initial - final) * exp(-steps / exploration_decay_steps), as in PyTorch's DQN
    tutorial."""
    exploration_decay_steps: int = Field(1000, ge=1)
