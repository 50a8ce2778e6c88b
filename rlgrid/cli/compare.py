"""``rlgrid compare``: a whole study of algorithms x grids x rewards x seeds in one command."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


class Backend(str, Enum):
    local = "local"
    ray = "ray"


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def compare(
    algo: Annotated[str, typer.Option(help="Algorithms, comma-separated.")] = "a2c",
    grid: Annotated[
        str,
        typer.Option(
            help="Warehouse floors, comma-separated: RxC grids, aisles:RxC or random:RxC "
            "layouts, map:FILE maps.",
        ),
    ] = "6x6,10x10",
    reward: Annotated[str, typer.Option(help="Rewards, comma-separated.")] = "sparse,potential",
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per combination.")] = 3,
    timesteps: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Budget of each run (steps).")
    ] = None,
    until_solved: Annotated[
        bool, typer.Option("--until-solved", help="Stop each run once solved.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Runs at a time (default: one per core).", show_default=False),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Study folder name (default: from the settings).")
    ] = None,
    runs_dir: Annotated[Path, typer.Option(metavar="DIR", help="Where studies go.")] = Path("runs"),
    backend: Annotated[Backend, typer.Option(help="Run locally or as Ray tasks.")] = Backend.local,
    address: Annotated[
        str | None,
        typer.Option(help="Ray cluster: auto or HOST:PORT (default: a local Ray instance)."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(metavar="STUDY", help="Rebuild the tables and plots of an existing study."),
    ] = None,
) -> None:
    """Run every combination as an ordinary run inside one study folder, in parallel, then write
    a results table (screen, Markdown, CSV) and plots. Re-running the same command resumes it.

    Example: rlgrid compare --algo a2c,ppo --grid 6x6,10x10 --reward sparse,potential --seeds 3
    """
    from rlgrid.comparecmd import compare_study, report_study
    from rlgrid.envs.maps import parse_floor
    from rlgrid.study import StudySpec

    if report is not None:
        report_study(report)
        return
    grids = [parse_floor(text) for text in _list(grid)]
    spec = StudySpec(_list(algo), grids, _list(reward), seeds, timesteps, until_solved)
    code = compare_study(spec, name, runs_dir, workers, backend.value, address)
    if code:
        raise typer.Exit(code)
