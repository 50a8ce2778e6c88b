"""``rlgrid bench``: measure env throughput and time to solve, against the seed's env. The
measuring is :mod:`rlgrid.bench`; this parses the options, shows progress and prints the tables.
It exits 0 once the results are written, whether the targets were met or not."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rlgrid.bench import PAIR_PRESET, SPEED_ALGOS, SPEED_WIDTHS, WIDTH_PRESET
from rlgrid.cli.options import GridOption
from rlgrid.cli.output import console

if TYPE_CHECKING:
    from rich.console import Console

    from rlgrid.bench.report import BenchReport
    from rlgrid.bench.speed_part import SpeedSetup


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
            help="Run one part only: env, solve, presets (the shelf presets, or --preset), "
            "tangram (solver, agents, the square's presets), or speed (training throughput "
            "alone and side by side, two trainings side by side, a preset at each batch width: "
            "tens of minutes, never in the default run).",
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
    widths: Annotated[
        str,
        typer.Option(
            help="Speed: batch widths (n_envs) to measure and to solve at, comma-separated."
        ),
    ] = ",".join(map(str, SPEED_WIDTHS)),
    speed_algo: Annotated[
        str, typer.Option(help="Speed: algorithms whose throughput to measure, comma-separated.")
    ] = ",".join(SPEED_ALGOS),
    speed_seconds: Annotated[
        float, typer.Option(min=0.1, metavar="S", help="Speed: seconds each throughput is timed.")
    ] = 2.5,
    pair_preset: Annotated[
        str,
        typer.Option(
            metavar="PRESET",
            help="Speed: the preset trained alone and two side by side (none: leave it out).",
        ),
    ] = PAIR_PRESET,
    width_preset: Annotated[
        str,
        typer.Option(
            metavar="PRESET",
            help="Speed: the preset trained until solved at each width (none: leave it out).",
        ),
    ] = WIDTH_PRESET,
    out: Annotated[
        Path, typer.Option(metavar="DIR", help="Where bench.json and bench.md go (a new folder).")
    ] = Path("runs"),
) -> None:
    """Measure env throughput (seed env, rlgrid env, batched env at N = 1 to 16384, SB3 A2C
    training) and time to solve (steps, training and whole-process seconds, medians over seeds)
    against SB3 A2C on the seed env, measured in the same run; or, with --only tangram, the
    tangram's solver, a random masked agent against the oracle, and the square's presets; or,
    with --only speed, training throughput per algorithm and batch width alone and with an
    identical process beside it, two trainings side by side, and a preset solved at each width.
    Prints tables and writes bench.json and bench.md.

    Example: rlgrid bench --only speed --seeds 1
    """
    from rlgrid.bench.report import PARTS, run_bench
    from rlgrid.bench.tangram_part import TangramSetup
    from rlgrid.envs.grid import GridSize, parse_grid

    if only is not None and only not in PARTS:
        raise typer.BadParameter(
            "choose env, solve, presets, tangram or speed", param_hint="--only"
        )
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
    speed = None
    if only == "speed":
        speed = _speed_setup(widths, speed_algo, speed_seconds, pair_preset, width_preset)
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
            speed=speed,
        )
    _print_report(screen, report)


def _speed_setup(
    widths: str, algos: str, seconds: float, pair_preset: str, width_preset: str
) -> SpeedSetup:
    """The speed part's options, checked."""
    from rlgrid.bench.speed_part import SpeedSetup

    try:
        sizes = [int(text) for text in _list(widths)]
    except ValueError:
        raise typer.BadParameter(f"{widths!r}: give whole numbers", param_hint="--widths") from None
    if not sizes or min(sizes) < 1:
        raise typer.BadParameter(f"{widths!r}: give widths of 1 or more", param_hint="--widths")
    chosen = _list(algos)
    unknown = [algo for algo in chosen if algo not in SPEED_ALGOS]
    if unknown or not chosen:
        shown = ", ".join(unknown) if unknown else repr(algos)
        raise typer.BadParameter(
            f"{shown}: choose from {', '.join(SPEED_ALGOS)}",
            param_hint="--speed-algo",
        )
    presets = []
    for text, hint in ((pair_preset, "--pair-preset"), (width_preset, "--width-preset")):
        path = None if text == "none" else Path(text)
        if path is not None and not path.is_file():
            raise typer.BadParameter(
                f"{path} is not a file (run from rlgrid's repository, or give none)",
                param_hint=hint,
            )
        presets.append(path)
    return SpeedSetup(chosen, sizes, seconds, *presets)


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
