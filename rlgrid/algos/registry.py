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
from rlgrid.algos.sb3.params import A2CParams, DQNParams, MaskablePPOParams, PPOParams
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
    needs_masks: ClassVar[bool] = False
    """Whether it works only on envs that say which actions they allow (``action_masks()``)."""
    uses_masks: ClassVar[bool] = False
    """Whether it acts (and explores) only among the allowed actions where an env has masks;
    otherwise it picks any action and learns which the env refuses."""
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
    uses_masks = True
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


class MaskablePPO(Algorithm):
    name = "maskable-ppo"
    summary = "PPO that acts only among allowed actions (sb3-contrib's MaskablePPO)"
    actions = DISCRETE
    needs_masks = True
    uses_masks = True
    params = MaskablePPOParams
    agent = "rlgrid.algos.sb3.agent:SB3Agent"


ALGOS: dict[str, type[Algorithm]] = {cls.name: cls for cls in (QTable, A2C, DQN, PPO, MaskablePPO)}

_SB3_SPACES = (gym.spaces.Box, gym.spaces.Discrete, gym.spaces.MultiDiscrete,
               gym.spaces.MultiBinary)  # fmt: skip


MAX_TABLE_STATES = 2**40
"""More observations than any memory could give a table row each: a q-table cannot work there,
whatever its size limit."""


def misfit(
    algo: type[Algorithm],
    observations: gym.Space,
    actions: gym.Space,
    env_id: str,
    masked: bool = False,
) -> str | None:
    """Why ``algo`` cannot work on these spaces (of envs with action masks where ``masked``);
    None when it can."""
    if algo.actions == DISCRETE and not isinstance(actions, gym.spaces.Discrete):
        return f"{algo.name} needs a discrete action space, but {env_id} acts in {actions}"
    if algo.needs_masks and not masked:
        return (
            f"{algo.name} needs an env that says which actions it allows (an action_masks() "
            f"method), but {env_id} has none"
        )
    if algo.tabular():
        table = tabular_space(observations)
        if table is None:
            return (
                f"{algo.name} needs a small discrete observation space, but {env_id} observes "
                f"{observations}"
            )
        if table.n_states > MAX_TABLE_STATES:
            return (
                f"{algo.name} needs a small discrete observation space, but {env_id} observes "
                f"{observations}: about 10^{len(str(table.n_states)) - 1} states, a row each"
            )
        return None
    if not isinstance(actions, _SB3_SPACES):
        return f"{algo.name} cannot act in {env_id}'s {actions}"
    if not isinstance(observations, _SB3_SPACES):
        return f"{algo.name} with an MLP policy cannot read {env_id}'s {observations}"
    return None


def check_fits(
    algo: type[Algorithm],
    observations: gym.Space,
    actions: gym.Space,
    env_id: str,
    masked: bool = False,
) -> None:
    """Refuse, in one line naming the algorithms that do fit, an env whose spaces ``algo``
    cannot work on, or that has no action masks (``masked``) where ``algo`` needs them."""
    reason = misfit(algo, observations, actions, env_id, masked)
    if reason is None:
        return
    fits = [
        name
        for name, other in ALGOS.items()
        if other is not algo and misfit(other, observations, actions, env_id, masked) is None
    ]
    fitting = f"algorithms that fit: {', '.join(fits)}" if fits else "no algorithm here fits it"
    hint = "; a wrapper can turn its observations into a Box (see --wrapper)" if not fits else ""
    raise IncompatibleError(f"{reason}; {fitting}{hint}")


def check_budget(algo: type[Algorithm], unit: str, until_solved: bool) -> None:
    """Refuse a budget ``algo`` does not count, or ``until_solved`` where it cannot stop so."""
    if unit not in algo.budget_units:
        units = " or ".join(algo.budget_units)
        given = " or ".join(setting(unit) for unit in algo.budget_units)
        raise InvalidValueError(f"{algo.name} counts its budget in {units}: use {given}")
    if until_solved and not algo.stops_when_solved:
        raise InvalidValueError(f"{algo.name} cannot stop when solved: drop until_solved")


def agent_class(name: str) -> Any:
    module, _, cls = ALGOS[name].agent.partition(":")
    return getattr(importlib.import_module(module), cls)
