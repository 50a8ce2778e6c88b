"""Registration of rlgrid's environments with gymnasium."""

from __future__ import annotations

import gymnasium as gym

from rlgrid.envs.tangram.pieces import PIECES

WAREHOUSE_ID = "rlgrid/Warehouse-v0"
TANGRAM_ID = "rlgrid/Tangram-v0"


def register_envs() -> None:
    """Register ``rlgrid/Warehouse-v0`` and ``rlgrid/Tangram-v0``; safe to call more than once.

    The time limit lives in the env (``max_steps``, it depends on the grid size), so the spec has
    no ``max_episode_steps`` and ``gym.make`` adds no TimeLimit wrapper of its own. A tangram
    episode ends by itself within seven steps (one piece a step, or a failure); its time limit
    of seven says so to tools that look for one, and never cuts an episode short.
    """
    if WAREHOUSE_ID not in gym.registry:
        gym.register(id=WAREHOUSE_ID, entry_point="rlgrid.envs.warehouse:WarehouseEnv")
    if TANGRAM_ID not in gym.registry:
        gym.register(
            id=TANGRAM_ID,
            entry_point="rlgrid.envs.tangram.env:TangramEnv",
            max_episode_steps=PIECES,
        )
