"""``rlgrid bench``: measure env throughput and time to solve, against the seed's env. The
measuring is :mod:`rlgrid.bench`; this parses the options, shows progress and prints the tables.
It exits 0 once the results are written, whether the targets were met or not."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rlgrid.cli.options import GridOption
from rlgrid.cli.output import console

if TYPE_CHECKING:
    from rich.console import Console

    from rlgrid.bench.report import BenchReport


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


SHELF_PRESETS = (
    "configs/qtable_shelves_16x16.toml",
    "configs/a2c_aisles_32x32.toml",
    "configs/a2c_aisles_64x64.toml",
)
TANGRAM_PRESETS = (
    "configs/maskable_ppo_tangram_square.toml",
    "configs/qtable_tangram_square.toml",
)


def bench(
    grid: GridOption = None,
    repeats: Annotated[int, typer.Option(min=1, help="Repeats of each throughput measure.")] = 5,
    algo: Annotated[str, typer.Option(help="Algorithms to time, comma-separated.")] = "a2c",
    solve_grid: Annotated[
        str, typer.Option(help="Grids to time to solve, comma-separated.")
    ] = "10x10,16x16,64x64,256x256",
    reward: Annotated[
        str, typer.Option(help="Rewards to time: sparse, default (the algorithm's), or kinds.")
    ] = "sparse,default",
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per combination.")] = 3,
    budget: Annotated[int, typer.Option(min=1, help="Step budget of each training run.")] = 100_000,
    reference_budget: Annotated[
        int, typer.Option(min=1, help="Step budget of each reference run.")
    ] = 100_000,
    only: Annotated[
        str | None,
        typer.Option(
            help="Run one part only: env, solve, presets (the shelf presets, or --preset), or "
            "tangram (solver, agents, the square's presets).",
            show_default=False,
        ),
    ] = None,
    preset: Annotated[
        str,
        typer.Option(help="Presets to time as whole training processes, comma-separated."),
    ] = ",".join(SHELF_PRESETS),
    tangram_silhouettes: Annotated[
        int, typer.Option(min=1, metavar="N", help="Tangram: generated silhouettes to solve.")
    ] = 200,
    tangram_episodes: Annotated[
        int,
        typer.Option(
            min=1, metavar="N", help="Tangram: generated silhouettes the agents play, one each."
        ),
    ] = 500,
    tangram_run: Annotated[
        Path | None,
        typer.Option(
            metavar="RUN",
            help="Tangram: also play this trained run on the generated silhouettes "
            "(the generalisation target).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option(metavar="DIR", help="Where bench.json and bench.md go (a new folder).")
    ] = Path("runs"),
) -> None:
    """Measure env throughput (seed env, rlgrid env, batched env at N = 1 to 16384, SB3 A2C
    training) and time to solve (steps, training and whole-process seconds, medians over seeds)
    against SB3 A2C on the seed env, measured in the same run; or, with --only tangram, the
    tangram's solver, a random masked agent against the oracle, and the square's presets.
    Prints tables and writes bench.json and bench.md.

    Example: rlgrid bench --only env
    """
    from rlgrid.bench.report import PARTS, run_bench
    from rlgrid.bench.tangram_part import TangramSetup
    from rlgrid.envs.grid import GridSize, parse_grid

    if only is not None and only not in PARTS:
        raise typer.BadParameter("choose env, solve, presets or tangram", param_hint="--only")
    presets = [Path(text) for text in _list(preset)] if only == "presets" else []
    for path in presets:
        if not path.is_file():
            raise typer.BadParameter(f"{path} is not a file", param_hint="--preset")
    if tangram_run is not None and only != "tangram":
        raise typer.BadParameter("goes with --only tangram", param_hint="--tangram-run")
    tangram = None
    if only == "tangram":
        tangram_presets = [Path(text) for text in TANGRAM_PRESETS]
        for path in tangram_presets:
            if not path.is_file():
                raise typer.BadParameter(
                    f"{path} is not a file: run the tangram part from rlgrid's repository",
                    param_hint="--only",
                )
        tangram = TangramSetup(
            tangram_presets, tangram_silhouettes, tangram_episodes, run=tangram_run
        )
    screen = console(width=120)
    with screen.status("starting") as status:
        report = run_bench(
            grid=grid or GridSize(10, 10),
            repeats=repeats,
            algos=_list(algo),
            grids=[parse_grid(text) for text in _list(solve_grid)],
            rewards=_list(reward),
            seeds=seeds,
            budget=budget,
            reference_budget=reference_budget,
            parts={"env", "solve"} if only is None else {only},
            out=out,
            presets=presets,
            progress=status.update,
            tangram=tangram,
        )
    _print_report(screen, report)


def _print_report(screen: Console, report: BenchReport) -> None:
    """Each section as a table, then where the results are."""
    from rich.table import Table

    for section in report.sections:
        table = Table(title=section.title, title_justify="left")
        for i, column in enumerate(section.columns):
            table.add_column(column, justify="left" if i == 0 else "right")
        for row in section.rows:
            table.add_row(*row)
        screen.print(table)
    files = ", ".join(str(path) for path in report.files)
    screen.print(f"results: {files}", soft_wrap=True)
