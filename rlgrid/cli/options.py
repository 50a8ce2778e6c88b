"""Command-line options shared by several commands, parsed in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperOption

from rlgrid.envs.grid import MAX_SIDE, GridSize, parse_grid
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.errors import InvalidValueError


def _no_flag_type(display_type_rich: Callable[..., str | None]) -> Callable[..., str | None]:
    """typer's rich help writes a flag's type (``<bool>``) where its plain help, rightly, writes
    none: a flag takes no value. Patched once here, for every command and ``--help`` itself."""

    @functools.wraps(display_type_rich)
    def shown(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else display_type_rich(self, ctx)

    return shown


if not hasattr(TyperOption.display_type_rich, "__wrapped__"):  # once, however often imported
    TyperOption.display_type_rich = _no_flag_type(TyperOption.display_type_rich)


class TargetPlacement(str, Enum):
    classic = "classic"
    anywhere = "anywhere"


def _parse_grid(text: str) -> GridSize:
    try:
        return parse_grid(text)
    except InvalidValueError as error:
        raise typer.BadParameter(str(error)) from None


EnvOption = Annotated[
    str | None,
    typer.Option(
        "--env",
        metavar="ID",
        help="A registered gymnasium env id, e.g. CartPole-v1 (module:ID imports module "
        "first). Default: the warehouse, rlgrid/Warehouse-v0.",
        show_default=False,
    ),
]
GridOption = Annotated[
    GridSize | None,
    typer.Option(
        "--grid",
        metavar="RxC",
        parser=_parse_grid,
        help=f"Warehouse size, rows x cols (default 4x5; each side 1 to {MAX_SIDE}).",
        show_default=False,
    ),
]
TargetsOption = Annotated[
    TargetPlacement | None,
    typer.Option(
        "--targets",
        help="Where targets go: classic (never row 0 or column 0, as the seed) or anywhere "
        "(any cell but the start). Default classic.",
        show_default=False,
    ),
]
RandomStartOption = Annotated[
    bool | None,
    typer.Option(
        "--random-start/--fixed-start",
        help="Start episodes on a random cell, or at (0, 0) (default: the config's, else fixed).",
        show_default=False,
    ),
]
MaxStepsOption = Annotated[
    int | None,
    typer.Option(
        "--max-steps",
        min=1,
        metavar="N",
        help="Time limit in steps (warehouse default 4 * (rows + cols); other envs: their "
        "spec's, or 1000 where it has none).",
        show_default=False,
    ),
]

MapOption = Annotated[
    Path | None,
    typer.Option(
        "--map",
        metavar="FILE",
        help="A text map of shelves: # shelf, . floor, S start cells, T target cells (see "
        "configs/maps/). Sets the grid size.",
        show_default=False,
    ),
]
LayoutOption = Annotated[
    str | None,
    typer.Option(
        "--layout",
        metavar="KIND:RxC",
        help="A generated warehouse: aisles:RxC (shelf rows, aisles, cross-aisles) or "
        "random:RxC[:DENSITY] (random shelves, density 0.2). Seeded, always connected.",
        show_default=False,
    ),
]
LayoutSeedOption = Annotated[
    int | None,
    typer.Option(
        "--layout-seed", min=0, metavar="N", help="Seed of the generated layout (default 0)."
    ),
]
LayoutsOption = Annotated[
    int | None,
    typer.Option(
        "--layouts",
        min=1,
        metavar="K",
        help="Spread episodes over K generated layouts (seeds --layout-seed on); needs "
        "--random-start.",
    ),
]

ObsOption = Annotated[
    str | None,
    typer.Option(
        metavar="KIND",
        help="What the agent observes. Warehouse: coords, scaled, offset or onehot, and the map "
        "parts window or planes joined with + (e.g. offset+window); default coords for q-table, "
        "offset otherwise. Minigrid: image (default), full, flat or raw. Tangram: window "
        "(default), canvas or state (q-table).",
        show_default=False,
    ),
]
EnvKwargsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--env-kwargs",
        metavar="KEY=VALUE ...",
        help="Keyword arguments of the env's constructor, e.g. --env-kwargs is_slippery=false "
        "map_name=8x8 (TOML literals; on top of the config's).",
        show_default=False,
    ),
]
WrapperOption = Annotated[
    list[str] | None,
    typer.Option(
        "--wrapper",
        metavar="NAME[:K=V,...]",
        help="A gymnasium wrapper around the env, repeatable, innermost first: a gymnasium, "
        "minigrid or rlgrid wrapper by name (FlattenObservation, "
        "TimeLimit:max_episode_steps=50) or module.Class. Replaces the config's list.",
        show_default=False,
    ),
]


def env_extras(env_kwargs: list[str] | None, wrappers: list[str] | None) -> dict[str, object]:
    """``--env-kwargs`` and ``--wrapper`` as config keys (``None``: not given)."""
    from rlgrid.config import parse_env_kwargs

    return {
        "env.kwargs": parse_env_kwargs(env_kwargs) if env_kwargs else None,
        "env.wrappers": list(wrappers) if wrappers else None,
    }


DEFAULT_ENV = WAREHOUSE_ID


def warehouse_options(
    grid: GridSize | None,
    targets: TargetPlacement | None,
    random_start: bool | None,
    max_steps: int | None,
    map_file: Path | None = None,
    layout: str | None = None,
    layout_seed: int | None = None,
    layouts: int | None = None,
) -> dict[str, object]:
    """Warehouse options as config keys (``None``: not given)."""
    return {
        "grid": grid,
        "map": str(map_file) if map_file is not None else None,
        "layout": layout,
        "layout_seed": layout_seed,
        "layouts": layouts,
        "targets": targets.value if targets is not None else None,
        "random_start": random_start,
        "max_steps": max_steps,
    }


def floor_options(
    grid: GridSize | None,
    map_file: Path | None,
    layout: str | None,
    layout_seed: int | None,
    layouts: int | None = None,
) -> dict[str, object]:
    """The options that choose the warehouse floor, for evaluating or watching a run on another
    one (``None``: not given)."""
    options = warehouse_options(grid, None, False, None, map_file, layout, layout_seed, layouts)
    return {key: options[key] for key in ("grid", "map", "layout", "layout_seed", "layouts")}


TrustEnvModuleOption = Annotated[
    bool,
    typer.Option(
        "--trust-env-module",
        help="Allow the run's env id to name a module (module:ID) and import it, running its "
        "code; without it such a run is refused.",
    ),
]
"""``rlgrid eval``, ``rlgrid render`` and ``rlgrid train --resume``."""


RUNS_DIR = Path("runs")
RUN_HELP = "latest names the newest run in runs/ (latest:PREFIX, the newest named PREFIX...)."


def chosen_run(run: Path, runs_dir: Path = RUNS_DIR) -> Path:
    """The run a RUN argument names (:func:`rlgrid.runs.folder.resolve_run`: ``latest`` is the
    newest run in ``runs_dir``); where ``latest`` picked one, a line on stderr says which."""
    from rlgrid.cli.output import console
    from rlgrid.runs.folder import resolve_run

    found = resolve_run(run, runs_dir)
    if found != run:
        note = f"{run}: {found}"
        console(stderr=True).print(note, soft_wrap=True, highlight=False, markup=False, emoji=False)
    return found
