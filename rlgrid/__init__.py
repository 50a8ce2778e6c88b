"""rlgrid: reinforcement learning on grid worlds.

Importing rlgrid registers its environments with gymnasium (``rlgrid/Warehouse-v0``).
"""

from rlgrid.envs.registration import register_envs

__version__ = "0.1.0"

register_envs()
