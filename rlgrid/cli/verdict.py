"""The last line of ``rlgrid train`` and ``rlgrid eval``: whether the agent solved its task, in
plain words with the numbers that decide it, and what to look at or run next (the learning
curve; ``rlgrid doctor RUN`` where it did not solve).

Solved is the env family's judgement (:meth:`rlgrid.families.Family.judge`); what solved asks
for is worded here from the same settings the family judges with."""

from __future__ import annotations

import shlex
from pathlib import Path

from rlgrid import runs
from rlgrid.config import TrainConfig
from rlgrid.evaluation import EvalResult
from rlgrid.training.assess import judgeable

WIDTH = 80
"""Lines are wrapped to this many columns (or the terminal's, where it is narrower)."""


def percent(rate: float) -> str:
    """``100%``, ``8.5%``, ``0%``: one decimal, never rounded up to a whole success."""
    if rate >= 1.0:
        return "100%"
    text = f"{100 * rate:.1f}".removesuffix(".0")
    return "99.9%" if text == "100" else f"{text}%"


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _success_words(result: EvalResult, solved: bool, succeed: str) -> str:
    rate, ratio = result.success_rate or 0.0, result.optimality_ratio
    episodes = f"{result.episodes:,} episode{'s' * (result.episodes != 1)}"
    share = f"none of {episodes}" if rate == 0 else f"{percent(rate)} of {episodes}"
    words = f"{share} {succeed}"
    if ratio is None:
        return words
    if solved:
        return f"{words}, on average {ratio:.2f}x the shortest path (1.00 is optimal)"
    if rate == 1.0:
        return f"{words} but take on average {ratio:.2f}x the shortest path"
    return (
        f"{words}; those that do take {ratio:.2f}x the shortest path on average (the ratio "
        "counts successful episodes only)"
    )


def judged(config: TrainConfig, result: EvalResult, solved: bool) -> str:
    """The verdict without what to do next: ``solved``, ``not solved`` or ``no verdict``, the
    numbers that decide it, and (not solved) what solved means."""
    family = config.family
    numbers = f"mean return {_number(result.mean_return)} over {result.episodes:,} episodes"
    if not judgeable(config):
        return (
            f"no verdict — rlgrid has no definition of solved for {config.env.id}: {numbers}; "
            "a reward_threshold in the config's [eval] table would give it one"
        )
    if family.success_words is not None and result.success_rate is not None:
        numbers = _success_words(result, solved, family.success_words)
    bar = family.solved_means(config.env, config.eval, result.episodes)
    if solved:
        return f"solved — {numbers}"
    return f"not solved — {numbers}" + (f" (solved means {bar})" if bar else "")


def shown(path: Path) -> str:
    """A path as the user can type it back (quoted where the shell needs it)."""
    return shlex.quote(str(path))


def next_steps(run: Path | None, solved: bool, definition: bool) -> list[str]:
    """What to look at next: the run's learning curve where it has one, and ``rlgrid doctor``
    where it did not solve. Each path, and the command, is one item, never to be split."""
    if run is None:
        return []
    curve = run / runs.CURVE
    has_curve = curve.is_file()
    if solved or not definition:
        return ["Curve:", shown(curve)] if has_curve else []
    look = ["See", shown(curve), "and", "run:"] if has_curve else ["Run:"]
    return [*look, f"rlgrid doctor {shown(run)}"]


def wrap(items: list[str], width: int, indent: str = "  ") -> list[str]:
    """``items`` joined by spaces into lines of at most ``width`` columns, the lines after the
    first indented; an item is never split (a path longer than a line stands alone on one)."""
    lines: list[str] = []
    line = ""
    for item in items:
        if line and len(line) + 1 + len(item) > width:
            lines.append(line)
            line = indent + item
        else:
            line = f"{line} {item}" if line else item
    if line:
        lines.append(line)
    return lines


def verdict(
    config: TrainConfig, result: EvalResult, solved: bool, run: Path | None, width: int = WIDTH
) -> list[str]:
    """The verdict, wrapped to ``width`` columns (at most :data:`WIDTH`)."""
    sentence = judged(config, result, solved)
    steps = next_steps(run, solved, judgeable(config))
    items = [*f"verdict: {sentence}{'.' if steps else ''}".split(" "), *steps]
    return wrap(items, min(width, WIDTH))
