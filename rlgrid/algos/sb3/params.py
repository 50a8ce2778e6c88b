"""Hyperparameters of the stable-baselines3 algorithms, validated without importing torch until
an algorithm's own table is used."""

from __future__ import annotations

import collections.abc
import difflib
import importlib
import inspect
import math
import typing
from collections.abc import Mapping
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
        for key, value in extras.items():
            _check_range(key, value)
        _check_together(self.sb3_class, {**_defaults(parameters), **extras}, self.n_envs)
        return self

    def algorithm_class(self) -> type:
        """The SB3 class these hyperparameters are for (imported now: torch comes with it)."""
        return getattr(importlib.import_module(self.sb3_module), self.sb3_class)

    def constructor_defaults(self) -> dict[str, Any]:
        """The defaults of the SB3 class's constructor (imported now: torch comes with it)."""
        return _defaults(inspect.signature(self.algorithm_class().__init__).parameters)

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


RANGES: dict[str, tuple[str, str]] = {
    "learning_rate": ("(0, 1]", "these optimizers take small steps (SB3's defaults are 7e-4 for "
                      "A2C, 3e-4 for PPO, 1e-4 for DQN)"),
    "gamma": ("[0, 1]", "it is the discount per step (0.99 looks about 100 steps ahead)"),
    "gae_lambda": ("[0, 1]", "it weighs one-step (0) against Monte Carlo (1) advantages"),
    "clip_range": ("> 0", "it bounds how far one update moves the policy (SB3's default 0.2)"),
    "clip_range_vf": ("> 0", "it bounds how far one update moves the value (leave it out: no "
                      "clipping)"),
    "ent_coef": (">= 0", "it weighs the entropy bonus; below 0 it would punish exploring"),
    "vf_coef": (">= 0", "it weighs the value loss"),
    "max_grad_norm": ("> 0", "gradients are clipped to this norm"),
    "tau": ("(0, 1]", "it is the soft update of the target network (1: a full copy)"),
    "exploration_fraction": ("(0, 1]", "it is the share of the budget over which epsilon falls"),
    "exploration_initial_eps": ("[0, 1]", "epsilon is a probability"),
    "exploration_final_eps": ("[0, 1]", "epsilon is a probability"),
    "target_kl": ("> 0", "an update stops early beyond this KL divergence (leave it out: never)"),
    "learning_starts": (">= 0", "it counts steps of random play before learning"),
}  # fmt: skip
"""Hyperparameters with a range of sensible values, and why: SB3 takes any number for them (it
refuses only a few, deep inside training, with an assertion) and trains a useless model without a
word. Schedules (``lin_X``) are checked where they are read (:func:`zoo.check_schedule`)."""

_BOUNDS = {"[0, 1]": (0, 1, True), "(0, 1]": (0, 1, False), "> 0": (0, None, False),
           ">= 0": (0, None, True)}  # fmt: skip
"""Each range's low end, high end (None: none; always included) and whether the low end is in."""


def _check_range(key: str, value: Any) -> None:
    if key not in RANGES or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    allowed, why = RANGES[key]
    low, high, low_in = _BOUNDS[allowed]
    if (value >= low if low_in else value > low) and (high is None or value <= high):
        return
    where = f"outside {allowed}" if high is not None else f"not {allowed}"
    raise ValueError(f"{key!r} = {value!r} is {where}; {why}")


def _defaults(parameters: Mapping[str, inspect.Parameter]) -> dict[str, Any]:
    return {
        name: parameter.default
        for name, parameter in parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def _check_together(algorithm: str, values: dict[str, Any], n_envs: int) -> None:
    """Hyperparameters that must fit each other (``values``: the constructor's defaults and the
    config's): PPO splits a rollout of ``n_steps * n_envs`` steps into mini-batches of
    ``batch_size`` (SB3 only warns where one is larger, then trains on a smaller batch, and
    fails an assertion on a batch of 1 with normalized advantages); DQN draws its mini-batches
    from a replay buffer of ``buffer_size`` transitions."""
    batch, steps, buffer = (values.get(key) for key in ("batch_size", "n_steps", "buffer_size"))
    if "PPO" in algorithm and isinstance(batch, int) and isinstance(steps, int):
        rollout = steps * n_envs
        if batch > rollout:
            raise ValueError(
                f"'batch_size' = {batch} is more than a rollout, n_steps * n_envs = {steps} * "
                f"{n_envs} = {rollout}: lower batch_size, or raise n_steps or n_envs"
            )
        if values.get("normalize_advantage") and (batch < 2 or rollout < 2):
            raise ValueError(
                f"'batch_size' = {batch} and n_steps * n_envs = {rollout} must both be at "
                "least 2 where advantages are normalized (normalize_advantage = true)"
            )
    dqn = algorithm == "DQN" and isinstance(buffer, int) and isinstance(batch, int)
    if dqn and buffer < batch:
        raise ValueError(
            f"'buffer_size' = {buffer} is less than batch_size = {batch}: mini-batches are drawn "
            "from the replay buffer"
        )


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
