"""The warehouse's evaluation episodes: which ones an evaluation plays, and every one of them
played at once (one policy call per step for all episodes)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from gymnasium.utils import seeding

from rlgrid.envs.layout import Cell, Layout
from rlgrid.envs.oracle import oracle_actions
from rlgrid.errors import InvalidValueError, setting
from rlgrid.evaluation import EvalResult, giving_up, summarise
from rlgrid.evaluation.episodes import CHECK_EVERY
from rlgrid.families.base import EvalPlan
from rlgrid.families.warehouse.settings import WarehouseSettings

MAX_EXHAUSTIVE = 200_000
"""Playing every start and target pair is refused over this many episodes."""


def every_pair(layout: Layout, random_start: bool) -> list[tuple[Cell, Cell]]:
    """Every (start, target) pair once: the home cell's targets, or with random starts every
    start cell's."""
    cols = layout.size.cols
    starts: list[Cell] = (
        [divmod(int(f), cols) for f in np.flatnonzero(layout.start_mask)]
        if random_start
        else [layout.home]
    )
    total = sum(len(layout.target_cells_excluding(s)) for s in starts)
    if total > MAX_EXHAUSTIVE:
        raise InvalidValueError(
            f"{setting('eval.all_targets')} would play {total:,} episodes (every start and "
            f"target pair), over {MAX_EXHAUSTIVE:,}; use {setting('eval.episodes')} N instead"
        )
    return list(
        itertools.chain.from_iterable(
            ((s, divmod(int(t), cols)) for t in layout.target_cells_excluding(s)) for s in starts
        )
    )


def plan_cells(settings: WarehouseSettings, plan: EvalPlan) -> tuple[np.ndarray, np.ndarray]:
    """Flat start and target cells of the plan's episodes: every pair once, or the episodes a
    seeded warehouse draws after ``reset(seed=plan.seed)``."""
    layout = settings.floor
    cols = layout.size.cols
    if not plan.all_targets:
        # As the env's reset(seed=...) makes it, drawing one number per cell: a start's, then
        # its target's (Layout.draw_episode); drawn all at once, the numbers are the same.
        rng, _ = seeding.np_random(plan.seed)
        per_episode = 2 if settings.random_start else 1
        draws = rng.random(plan.episodes * per_episode).reshape(plan.episodes, per_episode)
        start_draws = draws[:, 0] if settings.random_start else None
        return layout.draw_episodes(start_draws, draws[:, -1])
    pairs = every_pair(layout, settings.random_start)
    starts = np.array([s[0] * cols + s[1] for s, _ in pairs], dtype=np.int64)
    targets = np.array([t[0] * cols + t[1] for _, t in pairs], dtype=np.int64)
    return starts, targets


def play(
    settings: WarehouseSettings,
    batch_policy: Callable[[np.ndarray], np.ndarray],
    encode: Callable[[np.ndarray, np.ndarray], np.ndarray],
    plan: EvalPlan,
    chunk: int = 4096,
    greedy: bool = False,
) -> EvalResult:
    """Every episode of ``plan`` at once: the same episodes and results as playing them one by
    one through the gymnasium env, for a deterministic policy.

    With ``greedy`` (the policy's action is a function of its observation, and so of the robot's
    and the target's cells) an episode whose robot comes back to a cell it stood on would go
    round the same loop until its time limit: it ends there as the failure it would be, with the
    time limit as its length, without playing the rest (:class:`_Loops`). The result is the
    same; an evaluation of a policy that is far from solved, whose episodes mostly loop, costs a
    few steps instead of the time limit."""
    layout, max_steps = settings.floor, settings.time_limit
    starts, targets = plan_cells(settings, plan)
    lengths = np.zeros(len(starts), dtype=np.int64)
    success = np.zeros(len(starts), dtype=bool)
    moves = layout.transitions
    for begin in range(0, len(starts), chunk):
        part = slice(begin, begin + chunk)
        robot, target = starts[part].copy(), targets[part]
        active = np.ones(len(robot), dtype=bool)
        loops = _Loops(robot) if greedy else None
        for step in range(1, max_steps + 1):
            if step % CHECK_EVERY == 0:
                giving_up.check()
            live = np.flatnonzero(active)
            if not live.size:
                break
            actions = np.asarray(batch_policy(encode(robot[live], target[live])), dtype=np.int64)
            robot[live] = moves[robot[live] * 4 + actions.reshape(-1)]
            at_target = robot[live] == target[live]
            reached = live[at_target]
            lengths[part][live] = step
            success[part][reached] = True
            active[reached] = False
            if loops is not None:
                looped = loops.closed(live[~at_target], robot)
                lengths[part][looped] = max_steps
                active[looped] = False
    optimal = layout.distances(starts, targets)
    return summarise(list(lengths), list(success.astype(float)), list(success), list(optimal))


class _Loops:
    """Brent's cycle detection for every episode at once: each keeps one cell it stood on and
    compares the robot's cell with it after every step; the kept cell moves up to the robot's
    after 1, 2, 4, 8, ... steps. A robot that goes round a loop of length L, entered after M
    steps, is caught within 2M + 3L steps, with one cell and two counters per episode
    (a set of visited cells per episode would take rows x cols each)."""

    def __init__(self, robot: np.ndarray) -> None:
        self.kept = robot.copy()
        self.power = np.ones(len(robot), dtype=np.int64)
        self.since = np.zeros(len(robot), dtype=np.int64)

    def closed(self, going: np.ndarray, robot: np.ndarray) -> np.ndarray:
        """Of the episodes ``going`` (indices, not at their target), those whose robot is back
        on its kept cell: they loop for ever."""
        self.since[going] += 1
        back = robot[going] == self.kept[going]
        onward = going[~back]
        move = onward[self.since[onward] == self.power[onward]]
        self.kept[move] = robot[move]
        self.power[move] *= 2
        self.since[move] = 0
        return going[back]


def oracle_result(settings: WarehouseSettings, plan: EvalPlan) -> EvalResult:
    """The oracle on the plan's episodes: it walks a shortest path."""
    layout = settings.floor
    return play(
        settings,
        lambda cells: oracle_actions(layout, cells[:, 0], cells[:, 1]),
        lambda robot, target: np.stack([robot, target], axis=1),
        plan,
    )
