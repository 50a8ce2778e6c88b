"""``rlgrid eval``: how good is a trained agent, against the shortest path?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rlgrid.cli.options import (
    RUN_HELP,
    EnvKwargsOption,
    EnvOption,
    GridOption,
    LayoutOption,
    LayoutSeedOption,
    LayoutsOption,
    MapOption,
    TrustEnvModuleOption,
    chosen_run,
    env_extras,
    floor_options,
)

if TYPE_CHECKING:
    from rich.console import Console

    from rlgrid.evaluation import EvalResult


def eval_run(
    run: Annotated[
        Path | None,
        typer.Argument(
            help="A run folder, or a model file inside one (optional with --oracle); " + RUN_HELP
        ),
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
            help="Also play the oracle on the same episodes (warehouse: a shortest path by "
            "breadth-first search; tangram: the solver's assembly); without RUN, the oracle alone.",
        ),
    ] = False,
    random_agent: Annotated[
        bool,
        typer.Option(
            "--random",
            help="Also play a random agent (among the allowed actions, where the env has action "
            "masks) on the same episodes.",
        ),
    ] = False,
    env: EnvOption = None,
    env_kwargs: EnvKwargsOption = None,
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
    """Play a trained agent greedily and compare it with the oracle (shortest paths, the
    tangram's solver) and a random agent, on its own env or another floor: a grid, map or layout
    (a policy that reads offset or offset+window works on any), or other settings
    (--env-kwargs silhouettes=random:500 silhouette_seed=7 on the tangram).

    Example: rlgrid eval runs/aisles_many/best.zip --oracle --layout aisles:32x32 --layout-seed 7
    """
    from rich.console import Console

    from rlgrid.cli.report import evaluation_table
    from rlgrid.training.assess import evaluate_run

    floor = floor_options(grid, map_file, layout, layout_seed, layouts)
    if run is None and not (oracle or random_agent):
        raise typer.BadParameter(
            "give a RUN to evaluate, or --oracle or --random", param_hint="RUN"
        )
    if run is not None and random_start:
        raise typer.BadParameter(
            "a run brings its own starts: drop it", param_hint="--random-start"
        )
    if run is not None:
        run = chosen_run(run)
    report = evaluate_run(
        run,
        floor,
        random_start,
        episodes,
        seed,
        all_targets or None,  # not given: as the run's own evaluation
        oracle,
        env={"env.id": env, **env_extras(env_kwargs, None)},
        random=random_agent,
        trust_env_module=trust_env_module,
    )
    others = {"oracle": report.oracle, "random": report.random}
    others = {name: result for name, result in others.items() if result is not None}
    if as_json:
        data = report.agent.to_dict() if report.agent is not None else None
        if others:
            data = {"agent": data, **{name: r.to_dict() for name, r in others.items()}}
        typer.echo(json.dumps(data))
        return
    console = Console()
    console.print(f"{report.title}: greedy evaluation ({report.how})", soft_wrap=True)
    if report.agent is None:
        first, *rest = others
        console.print(evaluation_table(others[first], first=first, **{n: others[n] for n in rest}))
    else:
        console.print(evaluation_table(report.agent, **others))
        extras = env_extras(env_kwargs, None)
        judge_and_say(console, run, floor, extras, trust_env_module, report.agent)


def judge_and_say(
    out: Console,
    run: Path,
    floor: dict[str, Any],
    extras: dict[str, Any],
    trust_env_module: bool,
    result: EvalResult,
) -> None:
    """The verdict on the agent's result, judged by the run's env family with the run's settings
    on the floor (or ``[env]`` settings) it was evaluated on."""
    from rlgrid import runs
    from rlgrid.cli.report import print_verdict
    from rlgrid.training import load_run_config
    from rlgrid.training.assess import on_floor

    folder, _ = runs.find_run(run)
    config = load_run_config(folder, trust_env_module=trust_env_module)
    config = on_floor(config, {**floor, **(extras["env.kwargs"] or {})})
    judgement = config.family.judge(config.env, result, config.eval)
    print_verdict(out, config, result, judgement.solved, folder)
