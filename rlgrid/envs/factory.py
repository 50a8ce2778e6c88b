"""Making environments from ids and options, with one-line errors for unknown ids."""

from __future__ import annotations

import difflib
import importlib
from typing import Any

import gymnasium as gym

from rlgrid.envs.layout import parse_grid
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.errors import InvalidValueError, RlgridError


def resolve_env_id(env_id: str) -> str:
    """Check that gymnasium knows ``env_id`` and return it without any ``module:`` prefix.

    ``module:EnvId`` imports ``module`` first, as ``gymnasium.make`` does, so envs that a package
    registers on import can be named without importing it by hand. The module must be importable
    as it is (installed, or on ``PYTHONPATH``): the current folder is never added to ``sys.path``,
    so a stray ``.py`` file where rlgrid runs is not imported by accident.
    """
    module, _, name = env_id.rpartition(":")
    if module:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise InvalidValueError(
                f"env {env_id!r}: cannot import module {module!r} ({error}); it must be "
                "importable: installed, or on PYTHONPATH (for a my_env.py in this folder: "
                "PYTHONPATH=. rlgrid ...)"
            ) from None
        except Exception as error:  # the module's own code failed: not rlgrid's bug
            first = (str(error).strip().splitlines() or [""])[0]
            raise RlgridError(
                f"env {env_id!r}: importing module {module!r} failed: {type(error).__name__}: "
                f"{first}"
            ) from error
    if name in gym.registry:
        return name
    known = list(gym.registry)
    by_lower = {key.lower(): key for key in known}
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(by_lower[m] for m in matches)}?" if matches else ""
    raise InvalidValueError(f"unknown env id {name!r}{hint} (gymnasium knows {len(known)} ids)")


def is_warehouse(env_id: str) -> bool:
    return env_id.rpartition(":")[2] == WAREHOUSE_ID


def make_env(env_id: str, kwargs: dict[str, Any] | None = None, **make_kwargs: Any) -> gym.Env:
    """``gymnasium.make`` with rlgrid's errors: unknown ids and missing extras get one line."""
    name = resolve_env_id(env_id)
    try:
        return gym.make(name, **(kwargs or {}), **make_kwargs)
    except gym.error.DependencyNotInstalled as error:
        raise RlgridError(f"env {name!r} needs a package that is not installed: {error}") from None


def env_kwargs(env_id: str, warehouse_options: dict[str, Any]) -> dict[str, Any]:
    """Constructor kwargs for ``env_id`` from warehouse options (``None`` means not given).

    Warehouse options given for another env are refused rather than silently ignored.
    """
    given = {key: value for key, value in warehouse_options.items() if value is not None}
    if is_warehouse(env_id):
        grid = given.pop("grid", None)
        if grid is not None:
            given["rows"], given["cols"] = parse_grid(str(grid))
        map_file = given.pop("map", None)
        if map_file is not None:
            if "layout" in given:
                raise InvalidValueError("give --map or --layout, not both")
            given["layout"] = f"map:{map_file}"
        if "layout" in given and ("rows" in given or "targets" in given):
            raise InvalidValueError(
                "the map or layout sets the grid and its targets; drop --grid and --targets"
            )
        return given
    if given:
        names = ", ".join("--" + key.replace("_", "-") for key in given)
        raise InvalidValueError(f"{names} only apply to {WAREHOUSE_ID}, not to {env_id}")
    return {}
