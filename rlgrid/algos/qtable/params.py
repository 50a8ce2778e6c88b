"""Hyperparameters of tabular Q-learning, the config's ``[q-table]`` table."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QTableParams(BaseModel):
    """Hyperparameters of tabular Q-learning (the seed's defaults)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    learning_rate: float = Field(0.9, gt=0, le=1)
    """Step size alpha of each update."""
    gamma: float = Field(0.9, ge=0, le=1)
    """Discount factor."""
    epsilon_start: float = Field(1.0, ge=0, le=1)
    """Exploration rate of the first episode."""
    epsilon_end: float = Field(0.0, ge=0, le=1)
    """Exploration rate once the decay is over."""
    exploration_fraction: float = Field(1.0, gt=0, le=1)
    """Fraction of the budget over which epsilon falls linearly from start to end."""
    n_envs: int = Field(64, ge=1, le=65536)
    """Episodes played side by side, stepped together with array operations."""
    max_table_mb: float = Field(2048.0, gt=0)
    """Refuse tables larger than this many MiB."""
