"""Tabular Q-learning: a table of action values, one row per observation.

Episodes run in ``n_envs`` lanes stepped together with numpy (each lane an independent episode;
``n_envs=1`` is the seed tutorial's one-episode-at-a-time loop). Each episode keeps the epsilon it
started with, falling linearly over the budget as in the seed; the behaviour policy breaks ties
between equal values at random, so unvisited states (all zeros) never lock the robot into one
action, and the greedy policy used for evaluation takes the lowest action among ties.

Where the lanes report action masks (envs with ``action_masks()``), only allowed actions count:
exploration picks uniformly among them, the greedy choice is the best of them, and the target
bootstraps from the best allowed action of the next state. Lanes without masks take the plain
path, with no per-step cost for masks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rlgrid.algos.base import EpisodeRows
from rlgrid.algos.qtable.params import QTableParams
from rlgrid.algos.tabular import TabularSpace
from rlgrid.envs.batched import LaneStep


@dataclass
class Progress:
    """Counters and generator states that let training stop and go on where it stopped."""

    episodes: int = 0
    timesteps: int = 0
    agent_rng: dict | None = None
    env_rngs: list[dict] | None = None


class Lanes(Protocol):
    """What the learner steps: the batched warehouse, or gymnasium envs adapted to it. Lanes of
    envs with action masks also have ``masks()``, the actions each lane allows after ``reset``
    or ``restore`` (lanes x actions, bool), and report them in every step (``LaneStep.masks``)."""

    n: int

    def reset(self, seed: int | None) -> np.ndarray: ...
    def restore(self, states: list[dict]) -> np.ndarray: ...
    def rng_states(self) -> list[dict]: ...
    def step(self, actions: np.ndarray) -> LaneStep: ...


def greedy_actions(q_rows: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
    """The lowest action with the highest value in each row, among the allowed ones where
    ``masks`` (one bool per action of each row) is given."""
    return np.argmax(q_rows if masks is None else np.where(masks, q_rows, -np.inf), axis=-1)


def behaviour_actions(
    values: np.ndarray, allowed: np.ndarray, explore: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Per row, an allowed action: uniformly among the allowed ones where ``explore``, else the
    best allowed one (ties broken at random)."""
    best = np.where(allowed, values, -np.inf)
    tied = best == best.max(axis=1, keepdims=True)
    weights = np.where(explore[:, None], allowed, tied)
    return np.argmax(rng.random(values.shape) * weights, axis=1)


def best_allowed(values: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Per row, the largest value among the allowed actions (0 where none is allowed)."""
    best = np.max(values, axis=1, where=allowed, initial=-np.inf)
    return np.where(np.isfinite(best), best, 0.0)


def train(
    q: np.ndarray,
    params: QTableParams,
    table: TabularSpace,
    lanes: Lanes,
    *,
    seed: int,
    episodes: int | None,
    timesteps: int | None,
    progress: Progress,
    rows: EpisodeRows,
    should_stop: Callable[[], bool],
    report: Callable[[int, int], None],
    checkpoint: Callable[[], None] | None = None,
    save_freq: int | None = None,
    solved: Callable[[], bool] | None = None,
    judge_freq: int | None = None,
) -> bool:
    """Run Q-learning on ``q`` (states x actions, updated in place) until the budget is spent
    (``episodes`` or ``timesteps``, counted over the whole run) or ``should_stop()``.

    ``progress`` and ``rows`` carry on from an earlier call with the same budget. Returns True
    when the budget was spent. Episodes still running when training stops are dropped (their
    updates stay in the table). Every ``save_freq`` units of the budget ``checkpoint()`` is
    called with ``progress`` holding the generator states to go on from there. Every
    ``judge_freq`` steps ``solved()`` (where given) judges the greedy policy; True stops training
    (it returns False: the budget is not spent).
    """
    budget = episodes if episodes is not None else timesteps
    if progress.agent_rng is None:
        rng = np.random.default_rng(seed)
        obs = lanes.reset(seed)
    else:
        rng = np.random.default_rng()
        rng.bit_generator.state = progress.agent_rng
        obs = lanes.restore(progress.env_rngs)
    current_masks = getattr(lanes, "masks", None)
    allowed = current_masks() if current_masks is not None else None
    n, n_actions = lanes.n, q.shape[1]
    lr, gamma = params.learning_rate, params.gamma
    eps_start, eps_end = params.epsilon_start, params.epsilon_end
    decay_span = params.exploration_fraction * budget

    def epsilon_now(started: int) -> float:
        done = started if episodes is not None else progress.timesteps
        return eps_start + (eps_end - eps_start) * min(1.0, done / decay_span)

    started = progress.episodes
    active = np.ones(n, dtype=bool)
    lane_epsilon = np.empty(n)
    for lane in range(n):
        if episodes is not None and started >= episodes:
            active[lane] = False
        lane_epsilon[lane] = epsilon_now(started)
        started += 1
    lane_return = np.zeros(n)
    lane_shaped = np.zeros(n)
    lane_length = np.zeros(n, dtype=np.int64)
    states = table.index(obs)

    def done_so_far() -> int:
        return progress.episodes if episodes is not None else progress.timesteps

    def snapshot() -> None:
        progress.agent_rng = rng.bit_generator.state
        progress.env_rngs = lanes.rng_states()

    every = save_freq if checkpoint is not None and save_freq else None
    next_save = (done_so_far() // every + 1) * every if every else None
    judge_every = judge_freq if solved is not None and judge_freq else None
    next_judge = (progress.timesteps // judge_every + 1) * judge_every if judge_every else None

    while active.any() and not should_stop():
        values = q[states]
        explore = rng.random(n) < lane_epsilon
        if allowed is None:
            tied = values == values.max(axis=1, keepdims=True)
            greedy = np.argmax(rng.random((n, n_actions)) * tied, axis=1)
            actions = np.where(explore, rng.integers(n_actions, size=n), greedy)
        else:
            actions = behaviour_actions(values, allowed, explore, rng)
        step = lanes.step(actions)
        after = q[table.index(step.final_obs)]
        best = (
            after.max(axis=1) if step.final_masks is None else best_allowed(after, step.final_masks)
        )
        bootstrap = np.where(step.terminated, 0.0, gamma * best)
        learn = active
        s, a = states[learn], actions[learn]
        q[s, a] += lr * (step.reward[learn] + bootstrap[learn] - q[s, a])

        lane_return += step.raw_reward
        lane_shaped += step.reward
        lane_length += 1
        progress.timesteps += int(active.sum())
        ended = np.flatnonzero((step.terminated | step.truncated) & active)
        for lane in ended:
            success = step.success[lane]
            rows.add(
                episode=progress.episodes,
                timesteps=progress.timesteps,
                length=lane_length[lane],
                ret=lane_return[lane],
                shaped=lane_shaped[lane],
                success=None if np.isnan(success) else success,
                epsilon=lane_epsilon[lane],
                shortest=step.shortest_path_length[lane],
            )
            progress.episodes += 1
            if episodes is not None and started >= episodes:
                active[lane] = False
            else:
                lane_epsilon[lane] = epsilon_now(started)
                started += 1
        lane_return[ended] = 0.0
        lane_shaped[ended] = 0.0
        lane_length[ended] = 0
        states = table.index(step.obs)
        allowed = step.masks
        if ended.size:
            report(progress.episodes, progress.timesteps)
        if timesteps is not None and progress.timesteps >= timesteps:
            break
        if next_save is not None and done_so_far() >= next_save:
            snapshot()
            checkpoint()
            next_save = (done_so_far() // every + 1) * every
        if next_judge is not None and progress.timesteps >= next_judge:
            next_judge = (progress.timesteps // judge_every + 1) * judge_every
            if solved():
                snapshot()
                return False
    snapshot()
    spent = progress.episodes >= episodes if episodes is not None else progress.timesteps >= budget
    return spent
