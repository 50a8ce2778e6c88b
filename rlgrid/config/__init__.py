"""Training configuration: the typed schema (:mod:`.schema`), presets and settings merged into it
(:mod:`.presets`), and one-line messages for what does not validate (:mod:`.messages`)."""

from rlgrid.config.presets import (
    build_config,
    env_config,
    parse_env_kwargs,
    parse_hp,
    read_preset,
)
from rlgrid.config.schema import DEFAULT_ENV_ID, Budget, TrainConfig, default_budget

__all__ = [
    "DEFAULT_ENV_ID",
    "Budget",
    "TrainConfig",
    "build_config",
    "default_budget",
    "env_config",
    "parse_env_kwargs",
    "parse_hp",
    "read_preset",
]
