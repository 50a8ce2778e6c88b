"""Hyperparameters of the stable-baselines3 algorithms, validated without importing torch until
an algorithm's own table is used."""

from __future__ import annotations

import difflib
import inspect
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Constructor arguments rlgrid sets itself, so they cannot come from a config.
_MANAGED = {"self", "policy", "env", "seed", "device", "verbose", "tensorboard_log",
            "_init_setup_model", "policy_kwargs"}  # fmt: skip


class SB3Params(BaseModel):
    """rlgrid's keys for an SB3 algorithm; every other key is passed to the algorithm's
    constructor (``learning_rate``, ``n_steps``, ``gamma``, ...) and checked against it."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    sb3_class: ClassVar[str]

    n_envs: int = Field(1, ge=1, le=4096)
    """Environments stepped side by side (a VecEnv of this many copies)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the networks run; auto picks cuda when a GPU is there."""
    net_arch: list[int] | None = None
    """Hidden layer sizes of the policy and value networks, e.g. [64, 64]."""
    policy_kwargs: dict[str, Any] | None = None
    """Passed to the policy; optimizer_class and activation_fn are given by name ("AdamW")."""

    @model_validator(mode="after")
    def _known_constructor_arguments(self) -> SB3Params:
        extras = dict(self.model_extra or {})
        if not extras:
            return self
        import stable_baselines3

        cls = getattr(stable_baselines3, self.sb3_class)
        allowed = sorted(set(inspect.signature(cls.__init__).parameters) - _MANAGED)
        allowed += [name for name in type(self).model_fields if name not in allowed]
        for key in extras:
            if key not in allowed or key in _MANAGED:
                matches = difflib.get_close_matches(key, allowed, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
                raise ValueError(
                    f"{self.sb3_class} has no hyperparameter {key!r}{hint} "
                    f"(its own: {', '.join(allowed)})"
                )
        return self

    def algorithm_kwargs(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class A2CParams(SB3Params):
    sb3_class: ClassVar[str] = "A2C"


class PPOParams(SB3Params):
    sb3_class: ClassVar[str] = "PPO"


class DQNParams(SB3Params):
    sb3_class: ClassVar[str] = "DQN"

    exploration_decay: Literal["linear", "exponential"] = "linear"
    """linear: SB3's schedule over exploration_fraction of the budget. exponential: epsilon =
    final + (initial - final) * exp(-steps / exploration_decay_steps), as in PyTorch's DQN
    tutorial."""
    exploration_decay_steps: int = Field(1000, ge=1)
