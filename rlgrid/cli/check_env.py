"""``rlgrid check-env``: is this environment sound?"""

from __future__ import annotations

from typing import Annotated

import typer

from rlgrid.cli.options import (
    EnvOption,
    GridOption,
    LayoutOption,
    LayoutSeedOption,
    LayoutsOption,
    MapOption,
    MaxStepsOption,
    RandomStartOption,
    TargetsOption,
    warehouse_options,
)


def check_env(
    env: EnvOption = None,
    grid: GridOption = None,
    targets: TargetsOption = None,
    random_start: RandomStartOption = False,
    max_steps: MaxStepsOption = None,
    map_file: MapOption = None,
    layout: LayoutOption = None,
    layout_seed: LayoutSeedOption = None,
    layouts: LayoutsOption = None,
    seed: Annotated[int, typer.Option(help="Seed for the reproducibility checks.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check an environment: gymnasium's and stable-baselines3's checkers plus rlgrid's own
    (seeding, dtypes, time limit, goal, speed). Exits 0 only when every check passes.

    Example: rlgrid check-env --layout aisles:12x20 --random-start
    """
    from rich.console import Console
    from rich.table import Table

    from rlgrid.checks import FAIL, PASS, CheckTarget, results_to_json, run_checks
    from rlgrid.config import build_config

    options = warehouse_options(
        grid, targets, random_start, max_steps, map_file, layout, layout_seed, layouts
    )
    given = {f"env.{key}": value for key, value in options.items() if value is not None}
    # the settings of the env alone: the algorithm is a placeholder whose defaults (plain
    # observations, the env's own reward) leave the env as it is
    config = build_config(None, {"algo": "q-table", "env.id": env, **given}, {})
    target = CheckTarget(config.env, seed=seed)
    target.validate()  # an unknown id or a malformed floor is one line, not ten failed checks
    status_console = Console(stderr=True)
    with status_console.status(f"checking {target.env_id}…", spinner="dots"):
        results = run_checks(target)
    failed = [r for r in results if r.status == FAIL]
    if as_json:
        typer.echo(results_to_json(target, results))
    else:
        console = Console(soft_wrap=False)
        described = " ".join(f"{key[4:]}={value}" for key, value in given.items())
        title = f"check-env {target.env_id} {described}".rstrip()
        table = Table(title=title, title_justify="left")
        table.add_column("check", no_wrap=True)
        table.add_column("result", no_wrap=True)
        table.add_column("detail", overflow="fold")
        style = {PASS: "green", FAIL: "bold red"}
        for r in results:
            table.add_row(r.name, f"[{style.get(r.status, 'dim')}]{r.status}[/]", r.detail)
        console.print(table)
        if failed:
            console.print(f"[bold red]{len(failed)} of {len(results)} checks failed[/]")
        else:
            console.print(f"[green]all {len(results)} checks passed[/]")
    if failed:
        raise typer.Exit(1)
