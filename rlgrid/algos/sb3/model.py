"""Building an SB3 model from a run's config: the algorithm's class, its device, its policy's
kwargs (names turned into classes, the features extractor the observations need), its schedules
(``lin_X``) and the VecEnv it steps (the family's own batched env where there is one, wrapped in
VecNormalize with ``normalize``).

maskable-ppo (sb3-contrib's MaskablePPO) reads each env's allowed actions through the VecEnv
(``env_method("action_masks")``: DummyVecEnv looks the method up through the Monitor and any
other wrapper, VecNormalize passes the call on)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import torch
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import VecNormalize

from rlgrid.algos.base import EnvMaker
from rlgrid.algos.sb3 import zoo
from rlgrid.errors import IncompatibleError, InvalidValueError, RlgridError, setting

if TYPE_CHECKING:
    from rlgrid.config import TrainConfig

_OPTIMIZERS = {name: getattr(torch.optim, name) for name in ("Adam", "AdamW", "RMSprop", "SGD")}
_ACTIVATIONS = {
    name: getattr(torch.nn, name) for name in ("ReLU", "Tanh", "ELU", "LeakyReLU", "GELU", "SiLU")
}


class ExponentialExploration:
    """epsilon = final + (initial - final) * exp(-steps / decay_steps)."""

    def __init__(self, model: Any, initial: float, final: float, decay_steps: int) -> None:
        self.model, self.initial, self.final, self.decay = model, initial, final, decay_steps

    def __call__(self, progress_remaining: float) -> float:
        steps = self.model.num_timesteps
        return self.final + (self.initial - self.final) * math.exp(-steps / self.decay)


def device(name: str) -> str:
    if name == "cuda" and not torch.cuda.is_available():
        raise RlgridError(
            f"{setting('device')} cuda: torch {torch.__version__} sees no CUDA GPU here; "
            "use cpu or auto"
        )
    return name


def policy_kwargs(params: Any, envs: EnvMaker) -> dict[str, Any]:
    """The policy's kwargs: the config's, with names turned into classes, and the map-planes
    features extractor where the observation carries planes."""
    kwargs = dict(params.policy_kwargs or {})
    for key, value in envs.policy_kwargs().items():
        kwargs.setdefault(key, value)
    for key, table in (("optimizer_class", _OPTIMIZERS), ("activation_fn", _ACTIVATIONS)):
        if key in kwargs:
            name = kwargs[key]
            if name not in table:
                raise InvalidValueError(
                    f"policy_kwargs.{key} = {name!r}: choose one of {', '.join(table)}"
                )
            kwargs[key] = table[name]
    if params.net_arch is not None:
        kwargs["net_arch"] = list(params.net_arch)
    return kwargs


def constructor_kwargs(params: Any) -> dict[str, Any]:
    """The config's constructor arguments as SB3 takes them: ``lin_X`` as a linear schedule
    from X at the start to 0 at the end (``progress_remaining * X``, RL Zoo's meaning), a
    ``train_freq`` list as a tuple."""
    kwargs = params.algorithm_kwargs()
    for key, value in kwargs.items():
        start = zoo.linear_start(value)
        if start is not None:
            kwargs[key] = LinearSchedule(start, 0.0, 1.0)
        elif key == "train_freq" and zoo.train_freq(value) is not None:
            kwargs[key] = zoo.train_freq(value)
    return kwargs


def normalized(vec_env: Any, params: Any, envs: EnvMaker) -> Any:
    """``vec_env`` wrapped in VecNormalize as ``normalize`` asks (unchanged without it)."""
    kwargs = params.normalize_kwargs()
    if kwargs is None:
        return vec_env
    space = vec_env.observation_space
    if kwargs.get("norm_obs", True) and not isinstance(space, (gym.spaces.Box, gym.spaces.Dict)):
        raise IncompatibleError(
            f"normalize needs Box or Dict observations, but {envs.label} observes {space}; "
            "normalize = {norm_obs = false} normalizes rewards only"
        )
    try:
        return VecNormalize(vec_env, **kwargs)
    except (ValueError, KeyError) as error:
        raise InvalidValueError(f"normalize = {params.normalize!r}: {error}") from None


def build_model(config: TrainConfig, envs: EnvMaker) -> tuple[Any, str, Any]:
    """The VecEnv, its name and the SB3 model for ``config`` on ``envs``."""
    params = config.params
    chosen = device(params.device)
    vec_env, kind = envs.vec_env(params.n_envs) or (
        make_vec_env(envs.make, n_envs=params.n_envs),
        "DummyVecEnv of gymnasium envs",
    )
    vec_env = normalized(vec_env, params, envs)
    if isinstance(vec_env, VecNormalize):
        kind += ", in VecNormalize"
    try:
        model = params.algorithm_class()(
            "MlpPolicy",
            vec_env,
            seed=config.seed,
            device=chosen,
            verbose=0,
            policy_kwargs=policy_kwargs(params, envs),
            **constructor_kwargs(params),
        )
    except (TypeError, ValueError, AssertionError) as error:
        raise InvalidValueError(f"[{config.algo}] hyperparameters rejected: {error}") from None
    if config.algo == "dqn" and params.exploration_decay == "exponential":
        model.exploration_schedule = ExponentialExploration(
            model,
            model.exploration_initial_eps,
            model.exploration_final_eps,
            params.exploration_decay_steps,
        )
    return vec_env, kind, model
