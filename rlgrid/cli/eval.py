"""``rlgrid eval``: how good is a trained agent, against the shortest path?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rlgrid.cli.options import GridOption


def eval_run(
    run: Annotated[Path, typer.Argument(help="A run folder, or a model file inside one.")],
    episodes: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Seeded episodes (default: the run's eval setting)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed of the first episode.")] = None,
    all_targets: Annotated[
        bool, typer.Option("--all-targets", help="Play every possible target once instead.")
    ] = False,
    grid: GridOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Play a trained agent greedily and compare its episodes with the shortest paths.

    Example: rlgrid eval runs/q-table_1000ep --all-targets
    """
    from rich.console import Console

    from rlgrid.cli.report import evaluation_table
    from rlgrid.training import check_other_grid, evaluation_of, open_run

    folder, config, agent = open_run(run)
    if grid is not None:
        check_other_grid(config, grid)
    result = evaluation_of(config, agent, episodes, seed, all_targets, grid)
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
        return
    if grid is not None:
        folder = f"{folder} on {grid}"
    if all_targets:
        how = "every target once"
    else:
        how = f"{result.episodes} episodes, seed {config.eval.seed if seed is None else seed}"
    console = Console()
    console.print(f"{folder}: greedy evaluation ({how})", soft_wrap=True)
    console.print(evaluation_table(result))
