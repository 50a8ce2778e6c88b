"""The ``[eval]`` settings, and what judging an evaluation returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from rlgrid.strict import StrictModel


class EvalSettings(StrictModel):
    """The evaluation at the end of training (and the defaults of ``rlgrid eval``). Fields left
    unset take their environment family's default (:attr:`Family.eval_defaults`)."""

    episodes: int | None = Field(None, ge=1, le=10_000_000)
    """Seeded episodes, where evaluating every target once is not possible (random starts).
    Default 1000 on the warehouse (evaluated all at once), 20 on other envs."""
    seed: int = Field(10_000, ge=0)
    all_targets: bool | None = None
    """Warehouse: play every target once (every start and target pair with random starts)
    instead of seeded episodes. Default: only where the start is fixed."""
    freq: int | None = Field(None, ge=1)
    """Evaluate every this many steps (best checkpoint, until_solved). Default 2000 on the
    warehouse, 10000 on other envs."""
    max_ratio: float = Field(1.05, ge=1.0)
    """Warehouse: solved when every episode succeeds with at most this optimality ratio."""
    reward_threshold: float | None = None
    """Other envs: solved at this mean return (default: the env spec's reward_threshold)."""


@dataclass(frozen=True)
class Judgement:
    """A periodic evaluation: its result, whether the task counts as solved, and a score where
    higher is better (to keep the best model)."""

    result: Any
    solved: bool
    score: tuple
