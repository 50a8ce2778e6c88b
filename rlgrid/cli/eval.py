"""``rlgrid eval``: how good is a trained agent, against the shortest path?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rlgrid.cli.options import (
    GridOption,
    LayoutOption,
    LayoutSeedOption,
    LayoutsOption,
    MapOption,
    TrustEnvModuleOption,
    floor_options,
)


def eval_run(
    run: Annotated[
        Path | None,
        typer.Argument(help="A run folder, or a model file inside one (optional with --oracle)."),
    ] = None,
    episodes: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Seeded episodes (default: the run's eval setting)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed of the first episode.")] = None,
    all_targets: Annotated[
        bool,
        typer.Option("--all-targets", help="Play every possible target (and start) once instead."),
    ] = False,
    oracle: Annotated[
        bool,
        typer.Option(
            "--oracle",
            help="Also play the oracle, which walks a shortest path (breadth-first search), on "
            "the same episodes; without RUN, the oracle alone.",
        ),
    ] = False,
    grid: GridOption = None,
    map_file: MapOption = None,
    layout: LayoutOption = None,
    layout_seed: LayoutSeedOption = None,
    layouts: LayoutsOption = None,
    random_start: Annotated[
        bool,
        typer.Option("--random-start", help="Without RUN: start episodes on random cells."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    trust_env_module: TrustEnvModuleOption = False,
) -> None:
    """Play a trained agent greedily and compare its episodes with the shortest paths, on its
    own warehouse or another grid, map or layout (a policy that reads offset or offset+window works
    on any).

    Example: rlgrid eval runs/aisles_many/best.zip --oracle --layout aisles:32x32 --layout-seed 7
    """
    from rich.console import Console

    from rlgrid.cli.report import evaluation_table
    from rlgrid.training.assess import evaluate_run

    floor = floor_options(grid, map_file, layout, layout_seed, layouts)
    if run is None and not oracle:
        raise typer.BadParameter("give a RUN to evaluate, or --oracle", param_hint="RUN")
    if run is not None and random_start:
        raise typer.BadParameter(
            "a run brings its own starts: drop it", param_hint="--random-start"
        )
    report = evaluate_run(
        run,
        floor,
        random_start,
        episodes,
        seed,
        all_targets or None,  # not given: as the run's own evaluation
        oracle,
        trust_env_module=trust_env_module,
    )
    if as_json:
        data = report.agent.to_dict() if report.agent is not None else None
        if report.oracle is not None:
            data = {"agent": data, "oracle": report.oracle.to_dict()}
        typer.echo(json.dumps(data))
        return
    console = Console()
    console.print(f"{report.title}: greedy evaluation ({report.how})", soft_wrap=True)
    if report.agent is None:
        console.print(evaluation_table(report.oracle))
    elif report.oracle is None:
        console.print(evaluation_table(report.agent))
    else:
        console.print(evaluation_table(report.agent, oracle=report.oracle))
