"""``rlgrid compare``: a whole study of algorithms x grids x rewards x varied env settings x seeds
in one command."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rlgrid.studies.compare import StudyReport
    from rlgrid.studies.execute import Outcome


class Backend(str, Enum):
    local = "local"
    ray = "ray"


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def compare(
    algo: Annotated[str, typer.Option(help="Algorithms, comma-separated.")] = "a2c",
    grid: Annotated[
        str | None,
        typer.Option(
            help="Warehouse floors, comma-separated: RxC grids, aisles:RxC or random:RxC "
            "layouts, map:FILE maps. Default 6x6,10x10.",
            show_default=False,
        ),
    ] = None,
    reward: Annotated[
        str | None,
        typer.Option(
            help="Rewards, comma-separated: the warehouse's (default sparse,potential), or with "
            "--env values of the env's reward setting where it has one (e.g. the tangram's "
            "sparse,area; default: the env's own reward).",
            show_default=False,
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(
            metavar="ID[,ID]",
            help="Other envs instead of warehouse floors, comma-separated gymnasium ids, e.g. "
            "MiniGrid-Empty-8x8-v0,MiniGrid-DoorKey-5x5-v0 or rlgrid/Tangram-v0.",
            show_default=False,
        ),
    ] = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=V1,V2",
            help="An env setting to vary, with its values (TOML literals, as --env-kwargs reads "
            "them), e.g. --vary curriculum=false,true; repeat it for more. Each run gets "
            "--env-kwargs KEY=V. --vary reward=... is --reward.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="A preset every run starts from (see configs/); flags on top."
        ),
    ] = None,
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

    Env settings varied too (the tangram's curriculum and reward):

    rlgrid compare --env rlgrid/Tangram-v0 --algo maskable-ppo,ppo --vary curriculum=false,true
    --reward sparse,area --seeds 2 --timesteps 30000
    """
    from rlgrid.envs.maps import parse_floor
    from rlgrid.studies.axes import parse_vary, reward_axis
    from rlgrid.studies.compare import compare_study, report_study
    from rlgrid.studies.spec import ENV, OWN_REWARD, StudySpec

    if report is not None:
        _print_report(report_study(report))
        return  # a rebuilt report exits 0, failed runs or not
    if env is not None:
        if grid is not None:
            raise typer.BadParameter("--env studies other envs: drop --grid")
        grids, default_rewards = [f"{ENV}{text}" for text in _list(env)], [OWN_REWARD]
    else:
        grids = [parse_floor(text) for text in _list(grid or "6x6,10x10")]
        default_rewards = ["sparse", "potential"]
    rewards, varied = reward_axis(
        _list(reward) if reward is not None else None, parse_vary(vary or [], grids)
    )
    preset = str(config.expanduser().resolve()) if config is not None else None
    rewards = rewards or default_rewards
    spec = StudySpec(_list(algo), grids, rewards, seeds, timesteps, until_solved, preset, varied)
    progress = _Progress()
    result = compare_study(spec, name, runs_dir, workers, backend.value, address, progress)
    _print_report(result)
    code = _exit_code(result)
    if code == INTERRUPTED:
        progress.console.print(
            "[yellow]interrupted: finished runs are kept; run the same command to resume[/]"
        )
    if code:
        raise typer.Exit(code)


INTERRUPTED = 130


def _exit_code(report: StudyReport) -> int:
    """0 when every run finished, 1 when one failed, 130 when Ctrl+C stopped the study."""
    return {"finished": 0, "failed": 1, "interrupted": INTERRUPTED}[report.status.value]


def _print_report(report: StudyReport) -> None:
    """The summary table on stdout, then the failed runs and where the results are."""
    from rich.console import Console
    from rich.table import Table

    from rlgrid.studies.results import RESULT_COLUMNS

    named = len(report.columns) - len(RESULT_COLUMNS)  # the columns that name a combination
    widths = _widths(report, named)
    console = Console(width=max(WIDTH, _table_width(widths)))
    table = Table(title=f"study {report.folder}", title_justify="left")
    for i, column in enumerate(report.columns):
        table.add_column(column, justify="left" if i < named else "right", width=widths[i])
    for row in report.rows:
        table.add_row(*row)
    console.print(table)
    for job_name, error in report.failures.items():
        console.print(f"[red]failed[/] {job_name}: {error}", soft_wrap=True)
    names = ", ".join(path.name for path in report.files)
    console.print(f"results: {report.folder}/{names}", soft_wrap=True)


WIDTH = 140
"""The printed table's width, in characters, unless its columns need more."""


def _widths(report: StudyReport, named: int) -> list[int]:
    """Column widths for a table of :data:`WIDTH`: the columns that name a combination whole,
    the results' narrowed, widest first, down to their longest word (they wrap at spaces, never
    inside a name or a number; the table is wider where even that does not fit)."""
    cells = [[column, *(row[i] for row in report.rows)] for i, column in enumerate(report.columns)]
    widths = [max(map(len, column)) for column in cells]
    shortest = [
        max(len(word) for cell in column for word in cell.split() or [""]) for column in cells
    ]
    while _table_width(widths) > WIDTH:
        wide = [i for i in range(named, len(widths)) if widths[i] > shortest[i]]
        if not wide:
            break
        widths[max(wide, key=lambda i: widths[i])] -= 1
    return widths


def _table_width(widths: list[int]) -> int:
    """The columns, a space either side of each cell, and the borders."""
    return sum(widths) + 3 * len(widths) + 1


class _Progress:
    """A study's progress on stderr (a :class:`rlgrid.studies.compare.StudyListener`): how many
    runs are kept and to run, then a bar that names each run as it ends."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]study[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), console=self.console, transient=True,
        )  # fmt: skip
        self.task: Any = None

    def planned(self, kept: int, pending: int) -> None:
        if kept:
            self.console.print(f"{kept} finished runs kept, {pending} to run")

    def started(self, pending: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("", total=pending)

    def finished(self, outcome: Outcome) -> None:
        self.progress.update(
            self.task, advance=1, description=f"{outcome.job.name} {outcome.state}"
        )

    def stopped(self) -> None:
        self.progress.stop()
