"""``rlgrid eval``: how good is a trained agent, against the shortest path?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


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
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Play a trained agent greedily and compare its episodes with the shortest paths.

    Example: rlgrid eval runs/q-table_1000ep --all-targets
    """
    from rich.console import Console

    from rlgrid.cli.report import evaluation_table
    from rlgrid.envs.factory import make_env
    from rlgrid.evaluation import evaluate
    from rlgrid.training import open_run

    folder, config, agent = open_run(run)
    env = make_env(config.env.id, config.env.kwargs())
    result = evaluate(
        env,
        agent.act,
        episodes or config.eval.episodes,
        config.eval.seed if seed is None else seed,
        all_targets,
    )
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
        return
    if all_targets:
        how = "every target once"
    else:
        how = f"{result.episodes} episodes, seed {config.eval.seed if seed is None else seed}"
    console = Console()
    console.print(f"{folder}: greedy evaluation ({how})", soft_wrap=True)
    console.print(evaluation_table(result))
