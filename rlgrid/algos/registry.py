"""The training algorithms rlgrid offers, with their capabilities as class data, and the one place
that enforces them (:func:`check_fits`, :func:`check_budget`).

Each algorithm's agent lives in its own module, imported only when that algorithm is used, so
q-table training never loads torch.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import gymnasium as gym
from pydantic import BaseModel

from rlgrid.algos.qtable.params import QTableParams
from rlgrid.algos.sb3.params import A2CParams, DQNParams, PPOParams
from rlgrid.algos.tabular import tabular_space
from rlgrid.errors import IncompatibleError, InvalidValueError, setting

TABULAR, ANY = "tabular", "any"
DISCRETE = "discrete"


class Algorithm:
    """What an algorithm can work on, as data."""

    name: ClassVar[str]
    summary: ClassVar[str]
    observations: ClassVar[str] = ANY
    """``tabular``: a small discrete observation space (one table row per observation)."""
    actions: ClassVar[str] = ANY
    """``discrete``: a Discrete action space only."""
    budget_units: ClassVar[tuple[str, ...]] = ("timesteps",)
    """The budgets it counts, the default first."""
    default_budget: ClassVar[int] = 100_000
    stops_when_solved: ClassVar[bool] = True
    """Whether ``until_solved`` can stop it (it judges itself periodically)."""
    params: ClassVar[type[BaseModel]]
    """Its hyperparameters, the config table named like the algorithm."""
    agent: ClassVar[str]
    """``module:Class`` of its agent."""

    @classmethod
    def tabular(cls) -> bool:
        return cls.observations == TABULAR


class QTable(Algorithm):
    name = "q-table"
    summary = "tabular Q-learning, as the seed tutorial"
    observations = TABULAR
    actions = DISCRETE
    budget_units = ("episodes", "timesteps")
    default_budget = 1000
    params = QTableParams
    agent = "rlgrid.algos.qtable.agent:QTableAgent"


class A2C(Algorithm):
    name = "a2c"
    summary = "advantage actor-critic (stable-baselines3)"
    params = A2CParams
    agent = "rlgrid.algos.sb3.agent:SB3Agent"


class DQN(Algorithm):
    name = "dqn"
    summary = "deep Q-network (stable-baselines3)"
    actions = DISCRETE
    params = DQNParams
    agent = "rlgrid.algos.sb3.agent:SB3Agent"


class PPO(Algorithm):
    name = "ppo"
    summary = "proximal policy optimisation (stable-baselines3)"
    params = PPOParams
    agent = "rlgrid.algos.sb3.agent:SB3Agent"


ALGOS: dict[str, type[Algorithm]] = {cls.name: cls for cls in (QTable, A2C, DQN, PPO)}

_SB3_SPACES = (gym.spaces.Box, gym.spaces.Discrete, gym.spaces.MultiDiscrete,
               gym.spaces.MultiBinary)  # fmt: skip


def check_fits(
    algo: type[Algorithm], observations: gym.Space, actions: gym.Space, env_id: str
) -> None:
    """Refuse, in one line naming the algorithms that fit, an env whose spaces ``algo`` cannot
    work on."""
    if algo.actions == DISCRETE and not isinstance(actions, gym.spaces.Discrete):
        fits = ", ".join(name for name, a in ALGOS.items() if a.actions == ANY)
        raise IncompatibleError(
            f"{algo.name} needs a discrete action space, but {env_id} acts in {actions}; "
            f"algorithms that fit: {fits}"
        )
    if algo.tabular():
        if tabular_space(observations) is None:
            fits = for_continuous_observations()
            fitting = f"algorithms that fit: {', '.join(fits)}" if fits else "none fits it"
            raise IncompatibleError(
                f"{algo.name} needs a small discrete observation space, but {env_id} observes "
                f"{observations}; {fitting}"
            )
        return
    if not isinstance(actions, _SB3_SPACES):
        raise IncompatibleError(f"{algo.name} cannot act in {env_id}'s {actions}")
    if not isinstance(observations, _SB3_SPACES):
        raise IncompatibleError(
            f"{algo.name} with an MLP policy cannot read {env_id}'s {observations}"
        )


def check_budget(algo: type[Algorithm], unit: str, until_solved: bool) -> None:
    """Refuse a budget ``algo`` does not count, or ``until_solved`` where it cannot stop so."""
    if unit not in algo.budget_units:
        units = " or ".join(algo.budget_units)
        given = " or ".join(setting(unit) for unit in algo.budget_units)
        raise InvalidValueError(f"{algo.name} counts its budget in {units}: use {given}")
    if until_solved and not algo.stops_when_solved:
        raise InvalidValueError(f"{algo.name} cannot stop when solved: drop until_solved")


def for_continuous_observations() -> list[str]:
    return [name for name, algo in ALGOS.items() if not algo.tabular()]


def agent_class(name: str) -> Any:
    module, _, cls = ALGOS[name].agent.partition(":")
    return getattr(importlib.import_module(module), cls)
