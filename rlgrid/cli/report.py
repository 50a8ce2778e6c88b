"""Printing training outcomes and evaluation results for people."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rlgrid.cli.output import console
from rlgrid.config import TrainConfig
from rlgrid.evaluation import EvalResult
from rlgrid.interrupts import say
from rlgrid.training import Outcome, load_run_config


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def evaluation_table(result: EvalResult, first: str = "agent", **others: EvalResult) -> Table:
    """One column of metrics per result: ``value``, or the ``first`` (the agent's) and each
    named other's (the oracle's, a random agent's) side by side. Rows that no result has (the
    shortest paths of an env without them) are left out."""
    columns = {first: result, **others} if others else {"value": result}
    table = Table()
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    rows: dict[str, list[str]] = {}
    for column in columns.values():
        optimal = (
            "n/a"
            if column.optimal_episodes is None
            else f"{column.optimal_episodes}/{column.episodes}"
        )
        for metric, value in [
            ("episodes", str(column.episodes)),
            ("success rate", _percent(column.success_rate)),
            ("mean length", _number(column.mean_length, 2)),
            ("mean shortest-path length", _number(column.mean_optimal_length, 2)),
            ("optimality ratio", _number(column.optimality_ratio)),
            ("episodes on a shortest path", optimal),
            ("mean return", _number(column.mean_return)),
        ]:
            rows.setdefault(metric, []).append(value)
    for metric, values in rows.items():
        if metric == "episodes" or any(value != "n/a" for value in values):
            table.add_row(metric, *values)
    return table


def taken(run: Path) -> str:
    """`` (runs/x holds an earlier run)`` where ``run`` is ``runs/x-2`` because ``runs/x`` was
    taken: the user who asked for ``x`` should not evaluate the older run by mistake."""
    match = re.fullmatch(r"(.+)-\d+", run.name)
    if match is None or not (run.parent / match[1]).is_dir():
        return ""
    return f" ({run.parent / match[1]} holds an earlier run)"


STYLES = {"solved": "bold green", "not solved": "bold yellow", "no verdict": "bold"}
"""How the verdict's first words are shown."""


def print_verdict(
    out: Console, config: TrainConfig, result: EvalResult, solved: bool, run: Path | None
) -> None:
    """The verdict (:mod:`rlgrid.cli.verdict`), wrapped to the terminal, at most 80 columns."""
    from rlgrid.cli.verdict import verdict

    for number, line in enumerate(verdict(config, result, solved, run, out.width)):
        text = Text(line)
        if number == 0:
            status = line.removeprefix("verdict: ").partition(" —")[0]
            text.stylize(STYLES.get(status, ""), 0, len("verdict: ") + len(status))
        out.print(text, soft_wrap=True, highlight=False)


def print_outcome(outcome: Outcome) -> None:
    out = console()
    unit = f"{outcome.episodes:,} episodes ({outcome.timesteps:,} steps)"
    if outcome.status == "interrupted":
        # Where the terminal still reads it: stderr, else stdout, else the terminal itself.
        say(
            f"interrupted by {outcome.signal} after {unit}; the run is saved.\n"
            f"resume with: rlgrid train --resume {outcome.run}"
        )
        return
    out.print(f"trained {unit} in {outcome.seconds:.2f} s")
    if outcome.solved_at is not None:
        out.print(f"solved at step {outcome.solved_at['timesteps']:,}: training stopped there")
    if outcome.evaluation is not None:
        judged = {True: "solved", False: "not solved", None: ""}[outcome.solved]
        out.print(f"greedy evaluation{f' ({judged})' if judged else ''}:")
        out.print(evaluation_table(outcome.evaluation))
    results = f"results: {outcome.run}{taken(outcome.run)}"
    out.print(results, soft_wrap=True, markup=False, emoji=False)
    if outcome.evaluation is not None and outcome.solved is not None:
        config = load_run_config(outcome.run, trust_env_module=True)  # it trained here just now
        print_verdict(out, config, outcome.evaluation, outcome.solved, outcome.run)
