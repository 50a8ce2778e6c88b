"""Registration of rlgrid's environments with gymnasium."""

from __future__ import annotations

import gymnasium as gym

WAREHOUSE_ID = "rlgrid/Warehouse-v0"


def register_envs() -> None:
    """Register ``rlgrid/Warehouse-v0``; safe to call more than once.

    The time limit lives in the env (``max_steps``, it depends on the grid size), so the spec has
    no ``max_episode_steps`` and ``gym.make`` adds no TimeLimit wrapper of its own.
    """
    if WAREHOUSE_ID not in gym.registry:
        gym.register(id=WAREHOUSE_ID, entry_point="rlgrid.envs.warehouse:WarehouseEnv")
