"""The training algorithms rlgrid offers, with what they can work on as data.

Each algorithm's agent lives in its own module, imported only when that algorithm is used, so
q-table training never loads torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class AlgoInfo:
    name: str
    summary: str
    tabular_only: bool
    """True when the algorithm needs a small discrete observation space (a table of states)."""
    discrete_actions_only: bool
    budget: str
    """The budget it counts: "episodes" or "timesteps"."""
    default_budget: int
    agent: str
    """``module:Class`` of its agent."""


ALGOS: dict[str, AlgoInfo] = {
    info.name: info
    for info in [
        AlgoInfo(
            "q-table",
            "tabular Q-learning, as the seed tutorial",
            tabular_only=True,
            discrete_actions_only=True,
            budget="episodes",
            default_budget=1000,
            agent="rlgrid.algos.qtable:QTableAgent",
        ),
        AlgoInfo(
            "a2c",
            "advantage actor-critic (stable-baselines3)",
            tabular_only=False,
            discrete_actions_only=False,
            budget="timesteps",
            default_budget=100_000,
            agent="rlgrid.algos.sb3:SB3Agent",
        ),
        AlgoInfo(
            "dqn",
            "deep Q-network (stable-baselines3)",
            tabular_only=False,
            discrete_actions_only=True,
            budget="timesteps",
            default_budget=100_000,
            agent="rlgrid.algos.sb3:SB3Agent",
        ),
        AlgoInfo(
            "ppo",
            "proximal policy optimisation (stable-baselines3)",
            tabular_only=False,
            discrete_actions_only=False,
            budget="timesteps",
            default_budget=100_000,
            agent="rlgrid.algos.sb3:SB3Agent",
        ),
    ]
}


def algorithms_for_continuous_observations() -> list[str]:
    return [name for name, info in ALGOS.items() if not info.tabular_only]


def algorithms_for_continuous_actions() -> list[str]:
    return [name for name, info in ALGOS.items() if not info.discrete_actions_only]


def agent_class(name: str) -> type:
    module, _, cls = ALGOS[name].agent.partition(":")
    return getattr(importlib.import_module(module), cls)
