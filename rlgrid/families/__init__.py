"""Environment families: each knows how to build its envs from validated settings, how to judge
an evaluation, and what else it offers (oracle, floors, checks). Training, evaluation, the run
folder and the CLI find an env's family here and talk to it through :class:`Family` only.

To add a family, subclass :class:`Family` in a module of this package and add an instance to
``FAMILIES`` before the gymnasium fallback (see the README's architecture section).
"""

from __future__ import annotations

from rlgrid.families.base import DoctorSetup, EnvSettings, EvalPlan, Family, RewardSetup
from rlgrid.families.gymnasium import GymnasiumFamily
from rlgrid.families.minigrid import MinigridFamily
from rlgrid.families.tangram.family import TangramFamily
from rlgrid.families.toy_text import ToyTextFamily
from rlgrid.families.warehouse.family import WarehouseFamily

FAMILIES: tuple[Family, ...] = (
    WarehouseFamily(),
    TangramFamily(),
    MinigridFamily(),
    ToyTextFamily(),
    GymnasiumFamily(),
)
"""Every family, most specific first: an env id belongs to the first that claims it."""


def family_for(env_id: str) -> Family:
    return next(family for family in FAMILIES if family.claims(env_id))


__all__ = [
    "FAMILIES",
    "DoctorSetup",
    "EnvSettings",
    "EvalPlan",
    "Family",
    "RewardSetup",
    "family_for",
]
