"""Command-line options shared by several commands, parsed in one place."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from rlgrid.envs.layout import MAX_SIDE, GridSize, parse_grid
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.errors import InvalidValueError


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
    bool,
    typer.Option("--random-start", help="Start episodes on a random cell instead of (0, 0)."),
]
MaxStepsOption = Annotated[
    int | None,
    typer.Option(
        "--max-steps",
        min=1,
        metavar="N",
        help="Warehouse time limit in steps (default 4 * (rows + cols)).",
        show_default=False,
    ),
]

DEFAULT_ENV = WAREHOUSE_ID


def warehouse_options(
    grid: GridSize | None,
    targets: TargetPlacement | None,
    random_start: bool,
    max_steps: int | None,
) -> dict[str, object]:
    return {
        "grid": grid,
        "targets": targets.value if targets is not None else None,
        "random_start": random_start or None,
        "max_steps": max_steps,
    }
