"""The training configuration: one frozen object, every value typed and checked once.

The ``[env]`` table is its env family's settings model (chosen by ``id``); each algorithm's
hyperparameters are the table named like it. Defaults live on the fields; the few that depend on
the algorithm or the family come from their class data (see :mod:`rlgrid.config.presets`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from pydantic import Field, SerializeAsAny, field_validator, model_validator

from rlgrid.algos.qtable.params import QTableParams
from rlgrid.algos.registry import ALGOS, Algorithm, check_budget
from rlgrid.algos.sb3.params import A2CParams, DQNParams, MaskablePPOParams, PPOParams
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.evaluation import EvalSettings
from rlgrid.families import EnvSettings, Family, RewardSetup, family_for
from rlgrid.families.warehouse.settings import ShapingSettings
from rlgrid.strict import StrictModel

DEFAULT_ENV_ID = WAREHOUSE_ID
TABULAR_SAVE_FREQ = 1_000_000
"""A q-table with a step budget checkpoints every million steps (it learns about a million a
second: every 10000 would be a hundred files a second)."""


def unknown(what: str, value: str, known: list[str]) -> str:
    matches = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean {matches[0]!r}?" if matches else ""
    return f"unknown {what} {value!r}{hint} (known: {', '.join(known)})"


def default_budget(algorithm: type[Algorithm], family: Family, unit: str) -> int | None:
    """The budget in ``unit`` a config of ``algorithm`` on ``family`` gets where it gives none:
    the family's (where the algorithm's own does not reach the optimum there), else the
    algorithm's for its first unit; None for a unit with no default."""
    own = family.defaults(algorithm.tabular()).get("budget", {})
    if unit in own:
        return int(own[unit])
    return algorithm.default_budget if unit == algorithm.budget_units[0] else None


@dataclass(frozen=True)
class Budget:
    unit: str
    """``episodes`` or ``timesteps``."""
    total: int

    def label(self) -> str:
        return f"{self.total}" if self.unit == "timesteps" else f"{self.total}ep"


class TrainConfig(StrictModel):
    algo: str
    seed: int = Field(0, ge=0)
    episodes: int | None = Field(None, ge=1)
    """Budget in episodes (the q-table's default, 1000 episodes)."""
    timesteps: int | None = Field(None, ge=1)
    """Budget in environment steps (a2c/dqn/ppo: default 100000)."""
    save_freq: int | None = Field(None, ge=1)
    """Write a checkpoint every this many units of the budget (steps, or episodes for an
    episode budget); default 10000, and 1,000,000 for a q-table step budget."""
    keep_checkpoints: int = Field(3, ge=1)
    """How many of the newest checkpoints to keep (the best model is kept apart)."""
    until_solved: bool = False
    """Stop once a periodic evaluation finds the task solved (see [eval])."""
    threads: int | None = Field(None, ge=1, le=256)
    """Deep backends: torch's thread count (default 1, which measured fastest here; see
    rlgrid/threads.py). It changes speed, and float rounding only (weights differ by about
    1e-6): set it to repeat a run bit for bit."""
    env: SerializeAsAny[EnvSettings] = Field(
        default_factory=lambda: family_for(DEFAULT_ENV_ID).settings_model()
    )
    """The ``[env]`` table, validated by the settings model of the env's family (by its id)."""
    shaping: ShapingSettings = ShapingSettings()
    eval: EvalSettings = EvalSettings()
    q_table: QTableParams | None = Field(None, alias="q-table")
    a2c: A2CParams | None = None
    dqn: DQNParams | None = None
    ppo: PPOParams | None = None
    maskable_ppo: MaskablePPOParams | None = Field(None, alias="maskable-ppo")

    @field_validator("env", mode="wrap")
    @classmethod
    def _family_settings(cls, value: Any, handler: Any) -> Any:
        if isinstance(value, dict):
            family = family_for(str(value.get("id", DEFAULT_ENV_ID)))
            return family.settings_model.model_validate(value)
        return handler(value)

    @field_validator("algo")
    @classmethod
    def _known_algo(cls, value: str) -> str:
        if value not in ALGOS:
            raise ValueError(unknown("algorithm", value, list(ALGOS)))
        return value

    @model_validator(mode="after")
    def _one_budget(self) -> TrainConfig:
        if (self.episodes is None) == (self.timesteps is None):
            raise ValueError("give a budget in episodes or in timesteps, not both")
        check_budget(self.algorithm, self.budget.unit, self.until_solved)
        return self

    @property
    def algorithm(self) -> type[Algorithm]:
        return ALGOS[self.algo]

    @property
    def family(self) -> Family:
        return family_for(self.env.id)

    @property
    def budget(self) -> Budget:
        if self.episodes is not None:
            return Budget("episodes", self.episodes)
        return Budget("timesteps", int(self.timesteps or 0))

    def checkpoint_every(self) -> int:
        """``save_freq``, or its default (see the field)."""
        if self.save_freq is not None:
            return self.save_freq
        tabular_steps = self.algorithm.tabular() and self.budget.unit == "timesteps"
        return TABULAR_SAVE_FREQ if tabular_steps else 10_000

    @property
    def params(self) -> Any:
        """The chosen algorithm's hyperparameters (its defaults when the config has no table)."""
        return getattr(self, self.algo.replace("-", "_")) or self.algorithm.params()

    def time_limit(self) -> int | None:
        """The env's time limit: ``max_steps`` of its family's resolved settings (the families
        that have the key); None where it has none."""
        limit = getattr(self.family.resolved(self.env), "max_steps", None)
        return int(limit) if isinstance(limit, int) and limit > 0 else None

    def gamma(self) -> float:
        """The discount the algorithm uses (potential shaping must use the same)."""
        params = self.params
        if hasattr(params, "gamma"):
            return float(params.gamma)
        return float(params.algorithm_kwargs().get("gamma", 0.99))

    def reward_setup(self) -> RewardSetup:
        """What the env family needs to shape a training env's reward."""
        return RewardSetup(self.gamma(), self.shaping.model_dump())

    def to_toml_dict(self) -> dict[str, Any]:
        """The resolved config as TOML data: only the chosen algorithm's table, no empty keys."""
        resolved = self.model_copy(update={"env": self.family.resolved(self.env)})
        data = resolved.model_dump(by_alias=True, exclude_none=True)
        for name in ALGOS:
            data.pop(name, None)
        data[self.algo] = self.params.model_dump(exclude_none=True)
        return data


__all__ = ["Budget", "EnvSettings", "TrainConfig", "default_budget"]
