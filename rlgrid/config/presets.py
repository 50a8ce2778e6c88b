"""From a TOML preset and the settings given on top of it to one validated config. Nothing here
evaluates config text (TOML is only parsed)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rlgrid.algos.registry import ALGOS
from rlgrid.config.messages import describe
from rlgrid.config.schema import DEFAULT_ENV_ID, TrainConfig, default_budget
from rlgrid.errors import InvalidValueError, setting
from rlgrid.families import family_for
from rlgrid.literals import key_values

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def read_preset(path: Path) -> dict[str, Any]:
    """Parse a TOML preset; a missing or malformed file is one line naming it."""
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise InvalidValueError(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidValueError(f"config file {path} is a folder") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidValueError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidValueError(f"{path}: cannot read it: {error}") from None


def parse_hp(pairs: list[str]) -> dict[str, Any]:
    """Hyperparameters as ``key=value`` pairs; values are TOML literals (``0.95``, ``true``,
    ``"text"``), and a bare word that is not one is taken as text."""
    return key_values(pairs, setting("hp"), "gamma=0.95")


def parse_env_kwargs(pairs: list[str]) -> dict[str, Any]:
    """The env constructor's kwargs as ``key=value`` pairs (TOML literals, as :func:`parse_hp`)."""
    return key_values(pairs, setting("env.kwargs"), "is_slippery=false")


def build_config(preset: Path | None, given: dict[str, Any], hp: dict[str, Any]) -> TrainConfig:
    """Merge the preset file and the settings ``given`` on top of it, then validate. ``given``
    uses config keys (``episodes``, ``env.grid``, ...); ``None`` is not given; ``hp`` sets keys
    of the algorithm's table. A run's saved ``config.toml`` is read back as a preset."""
    data: dict[str, Any] = {}
    source = {"": str(preset) if preset else "config"}
    if preset is not None:
        data = _merge(data, read_preset(preset))
        _paths_beside(data, preset.parent)
    given = {key: value for key, value in given.items() if value is not None}
    if "episodes" in given or "timesteps" in given:
        data.pop("episodes", None)
        data.pop("timesteps", None)
    env_kwargs = given.pop("env.kwargs", None)
    for key, value in given.items():
        section, _, name = key.rpartition(".")
        target = data.setdefault(section, {}) if section else data
        target[name] = value
        source[key] = setting(key)
    if env_kwargs:
        twice = [key for key in env_kwargs if f"env.{key}" in given]
        if twice:
            raise InvalidValueError(
                f"{setting('env.kwargs')} {twice[0]}=... and {setting(f'env.{twice[0]}')} set the "
                "same thing: give one"
            )
        _env_kwargs(data, env_kwargs)
        source["env.kwargs"] = setting("env.kwargs")
        for key in env_kwargs:  # where they are the family's own [env] keys
            source.setdefault(f"env.{key}", setting("env.kwargs"))
    on_command_line = {key.removeprefix("env.") for key in given if key.startswith("env.")}
    _paths_beside(data, Path.cwd(), on_command_line | set(env_kwargs or {}))
    algo = data.get("algo")
    if hp:
        if not isinstance(algo, str) or algo not in ALGOS:
            raise InvalidValueError(f"{setting('hp')} needs a known algorithm")
        table = data.setdefault(algo, {})
        for key, value in hp.items():
            table[key] = value
            source[f"{algo}.{key}"] = f"{setting(f'{algo}.{key}')}={value!r}"
    _defaults(data, algo)
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as error:
        raise InvalidValueError(
            describe(TrainConfig, error, source, data, DEFAULT_ENV_ID)
        ) from None


def env_config(given: dict[str, Any]) -> TrainConfig:
    """The config of an env alone, with no trained agent (check-env, the oracle, a random
    agent): the algorithm is a placeholder, the one whose defaults leave the env as it is
    (:attr:`~rlgrid.families.base.Family.plain_algo`)."""
    env_id = given.get("env.id") or DEFAULT_ENV_ID
    return build_config(None, {"algo": family_for(str(env_id)).plain_algo, **given}, {})


def _defaults(data: dict[str, Any], algo: Any) -> None:
    """The defaults that depend on the algorithm (its budget; the family's choices for tabular
    or deep algorithms) or on the env family (evaluation episodes and frequency)."""
    env = data.get("env") if isinstance(data.get("env"), dict) else {}
    family = family_for(str(env.get("id", DEFAULT_ENV_ID)))
    if isinstance(data.setdefault("eval", {}), dict):
        for key, value in family.eval_defaults.items():
            data["eval"].setdefault(key, value)
    if algo not in ALGOS:
        return
    algorithm = ALGOS[algo]
    chosen = family.defaults(algorithm.tabular())
    chosen.pop("budget", None)
    if "episodes" not in data and "timesteps" not in data:
        unit = algorithm.budget_units[0]
        data[unit] = default_budget(algorithm, family, unit)
    for table, values in chosen.items():
        target = data.setdefault("env" if table == "env" else algo, {})
        if isinstance(target, dict):
            for key, value in values.items():
                target.setdefault(key, value)


def _env_kwargs(data: dict[str, Any], kwargs: dict[str, Any]) -> None:
    """Constructor kwargs given on top of the preset's: into ``[env] kwargs`` where the env's
    family passes kwargs on (any gymnasium env), else each is a key of the family's ``[env]``
    table (the warehouse's ``max_steps``), checked by its settings model."""
    env = data.setdefault("env", {})
    if not isinstance(env, dict):
        return
    family = family_for(str(env.get("id", DEFAULT_ENV_ID)))
    if "kwargs" in family.settings_model.model_fields:
        saved = env.get("kwargs") if isinstance(env.get("kwargs"), dict) else {}
        env["kwargs"] = {**saved, **kwargs}
    else:
        env.update(kwargs)


def _paths_beside(data: dict[str, Any], folder: Path, keys: set[str] | None = None) -> None:
    """A relative file path in ``[env]`` (a warehouse map, a tangram silhouette file) is relative
    to the config file that names it (or to the current folder for one given on the command
    line), so presets and run folders work from anywhere. ``keys``: only these ``[env]`` keys."""
    env = data.get("env")
    if not isinstance(env, dict):
        return
    family = family_for(str(env.get("id", DEFAULT_ENV_ID)))
    folder = folder.absolute()  # a preset named by a relative path: the run must not depend on it
    for key, value in env.items():
        if (keys is None or key in keys) and isinstance(value, str):
            env[key] = family.paths_beside(key, value, folder)


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
