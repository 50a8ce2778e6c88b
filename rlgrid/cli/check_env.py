"""``rlgrid check-env``: is this environment sound?"""

from __future__ import annotations

from typing import Annotated

import typer

from rlgrid.cli.options import (
    EnvKwargsOption,
    EnvOption,
    GridOption,
    LayoutOption,
    LayoutSeedOption,
    LayoutsOption,
    MapOption,
    MaxStepsOption,
    ObsOption,
    RandomStartOption,
    TargetsOption,
    WrapperOption,
    env_extras,
    warehouse_options,
)


def check_env(
    env: EnvOption = None,
    env_kwargs: EnvKwargsOption = None,
    wrapper: WrapperOption = None,
    obs: ObsOption = None,
    grid: GridOption = None,
    targets: TargetsOption = None,
    random_start: RandomStartOption = None,
    max_steps: MaxStepsOption = None,
    map_file: MapOption = None,
    layout: LayoutOption = None,
    layout_seed: LayoutSeedOption = None,
    layouts: LayoutsOption = None,
    seed: Annotated[int, typer.Option(help="Seed for the reproducibility checks.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Count warnings as failures (exit 1 on any).")
    ] = False,
) -> None:
    """Check an environment: gymnasium's and stable-baselines3's checkers plus rlgrid's own
    (seeding, dtypes, time limit, goal, speed). Exits 0 when no check fails: a checker's warnings
    are shown (warn) but fail only with --strict; a check that cannot apply to the env's spaces
    is n/a.

    Example: rlgrid check-env --layout aisles:12x20 --random-start
    """
    from rich.console import Console
    from rich.table import Table

    from rlgrid.checks import (
        FAIL,
        PASS,
        WARN,
        CheckTarget,
        ok,
        results_to_json,
        run_checks,
        summary,
    )
    from rlgrid.config import env_config

    options = warehouse_options(
        grid, targets, random_start, max_steps, map_file, layout, layout_seed, layouts
    )
    options.update(obs=obs)
    given = {f"env.{key}": value for key, value in options.items() if value is not None}
    extras = {key: value for key, value in env_extras(env_kwargs, wrapper).items() if value}
    config = env_config({"env.id": env, **given, **extras})
    target = CheckTarget(config.env, seed=seed)
    target.validate()  # an unknown id or a malformed floor is one line, not ten failed checks
    status_console = Console(stderr=True)
    with status_console.status(f"checking {target.env_id}…", spinner="dots"):
        results = run_checks(target)
    if as_json:
        typer.echo(results_to_json(target, results, strict))
    else:
        console = Console(soft_wrap=False)
        described = " ".join(f"{key[4:]}={value}" for key, value in {**given, **extras}.items())
        title = f"check-env {target.env_id} {described}".rstrip()
        table = Table(title=title, title_justify="left")
        table.add_column("check", no_wrap=True)
        table.add_column("result", no_wrap=True)
        table.add_column("detail", overflow="fold")
        style = {PASS: "green", WARN: "yellow", FAIL: "bold red"}
        for r in results:
            table.add_row(r.name, f"[{style.get(r.status, 'dim')}]{r.status}[/]", r.detail)
        console.print(table)
        warned = any(r.status == WARN for r in results)
        colour = "bold red" if not ok(results, strict) else "yellow" if warned else "green"
        console.print(f"[{colour}]{summary(results, strict)}[/]")
    if not ok(results, strict):
        raise typer.Exit(1)
