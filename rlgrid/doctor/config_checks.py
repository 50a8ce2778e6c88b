"""The doctor's checks of a config before training, on any env: measured on random episodes
(:mod:`rlgrid.doctor.probe`) where they can be, from the settings where they cannot."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlgrid.algos.tabular import tabular_space
from rlgrid.config import TrainConfig
from rlgrid.doctor.probe import Probe
from rlgrid.findings import ERROR, NOTE, WARNING, Finding, Fix

VANISHED = 0.05
"""A goal reward discounted below this share by the time it reaches a typical start leaves almost
nothing to learn from: value estimates of the start drown in their own noise."""
KEPT = 0.25
"""The share a suggested discount keeps of the goal reward at the longest shortest path."""
DISCOUNTS = (0.99, 0.995, 0.999, 0.9995, 0.9999)
VISITS = 5
"""A q-table whose budget gives fewer visits than this per state and allowed action has not seen
most of its states often enough to learn them; suggested budgets aim at :data:`AIM_VISITS`."""
AIM_VISITS = 25
EXPLORING_SUCCESSES = 20
"""Random successes expected while the agent still explores, below which exploration ends before
it has found the goal often enough."""


def check_config(config: TrainConfig, probe: Probe) -> tuple[list[Finding], dict[str, Any]]:
    """Findings of the generic checks, and the numbers measured."""
    gamma = config.gamma()
    measured = _measured(probe, gamma)
    findings = [
        *_reachability(config, probe),
        *_time_limit(probe),
        *_horizon(config, probe, gamma),
        *_penalties(probe),
        *_table_budget(config, probe, measured),
        *_exploration(config, probe),
    ]
    return findings, measured


def path_lengths(probe: Probe) -> np.ndarray | None:
    """Typical lengths of a way to the goal: the env's shortest paths where it says them, else
    the lengths of the random episodes that reached it (longer than the shortest)."""
    if probe.shortest is not None:
        return probe.shortest
    if probe.successes is not None and probe.successes.any():
        reached = probe.lengths[probe.successes].astype(float)
        return reached[reached <= np.percentile(reached, 10)]  # the shortest random ways
    return None


def _measured(probe: Probe, gamma: float) -> dict[str, Any]:
    lengths = path_lengths(probe)
    found: dict[str, Any] = {
        "random_episodes": probe.episodes,
        "random_success_rate": probe.success_rate,
        "random_median_length": float(np.median(probe.lengths)),
        "time_limit": probe.time_limit,
        "gamma": gamma,
    }
    if lengths is not None:
        typical = float(np.median(lengths))
        found["median_path_length"] = typical
        found["goal_reward_left_at_start"] = gamma**typical
    return found


def _reachability(config: TrainConfig, probe: Probe) -> list[Finding]:
    rate = probe.success_rate
    if rate is None or probe.capped:
        return []
    reached = int(probe.successes.sum())  # type: ignore[union-attr]
    within = f"within {probe.time_limit:,} steps" if probe.time_limit else ""
    evidence = f"{reached} of {probe.episodes} random episodes reach the goal {within}".strip()
    if reached or not probe.sparse():
        return [Finding(NOTE, "reward reachability", "random episodes reach the goal", evidence)]
    guiding = config.family.guiding_reward
    fix = (
        Fix({"env.reward": guiding}, f"the {guiding} reward pays for every step that helps")
        if guiding is not None and config.env.model_dump().get("reward") != guiding
        else Fix(words="a denser reward, a curriculum of easier starts, or a longer time limit")
    )
    return [
        Finding(
            ERROR,
            "reward reachability",
            "a random agent never reaches the goal and nothing else is rewarded: the agent "
            "will almost never see a reward to learn from",
            evidence,
            fix,
        )
    ]


def _time_limit(probe: Probe) -> list[Finding]:
    if probe.capped:
        return [
            Finding(
                ERROR,
                "time limit",
                "episodes have no time limit: an agent that never reaches the goal plays one "
                "endless episode and learns nothing from its end",
                f"a random episode was cut off by the doctor after {int(probe.lengths.max()):,} "
                "steps",
                Fix({"env.max_steps": 1000}, "a time limit (max_steps)"),
            )
        ]
    if probe.time_limit is None or probe.shortest is None:
        return []
    longest = int(probe.shortest.max())
    if longest <= probe.time_limit:
        return []
    return [
        Finding(
            ERROR,
            "time limit",
            "some goals are farther than the time limit allows: those episodes cannot succeed",
            f"shortest path up to {longest} steps, time limit {probe.time_limit}",
            Fix({"env.max_steps": 2 * longest}, "a time limit twice the longest shortest path"),
        )
    ]


def _horizon(config: TrainConfig, probe: Probe, gamma: float) -> list[Finding]:
    lengths = path_lengths(probe)
    if lengths is None or not probe.sparse():
        return []
    typical, longest = float(np.median(lengths)), float(lengths.max())
    left = gamma**typical
    if left >= VANISHED:
        return []
    wanted = KEPT ** (1 / longest)
    better = next((value for value in DISCOUNTS if value >= wanted), DISCOUNTS[-1])
    return [
        Finding(
            WARNING,
            "horizon",
            f"the discount {gamma:g} leaves almost nothing of the goal reward at a typical start: "
            "far from the goal a step toward it looks no better than one away, so the agent "
            "learns slowly or not at all (an observation that carries what it learned near the "
            "goal to far cells helps)",
            f"{gamma:g} ^ {typical:.0f} steps (median path) = {left:.1e}; at the longest "
            f"({longest:.0f}) {gamma**longest:.1e}",
            Fix({"hp.gamma": better}, f"{better} keeps {better**longest:.0%} at the longest path"),
        )
    ]


def _penalties(probe: Probe) -> list[Finding]:
    goal = probe.goal_return()
    failing = probe.failing
    if goal is None or goal <= 0 or not failing.any():
        return []
    mean = float(probe.shaped[failing].mean())
    if mean > -goal:
        return []
    return [
        Finding(
            WARNING,
            "penalties",
            "penalties over an episode outweigh the goal reward: an agent can learn that ending "
            "early, or not moving, loses least (the seed's timid robot)",
            f"failing random episodes earn {mean:.2f} on average; reaching the goal pays {goal:g}",
            Fix(words="smaller penalties, or none: a time limit already ends wandering"),
        )
    ]


def _table_budget(config: TrainConfig, probe: Probe, measured: dict[str, Any]) -> list[Finding]:
    if not config.algorithm.tabular():
        return []
    env = config.family.make(config.env)
    try:
        table = tabular_space(env.observation_space)
        actions = int(env.action_space.n)
    finally:
        env.close()
    if table is None:
        return []
    allowed = probe.allowed if probe.allowed is not None else actions
    budget = config.budget
    episode = _episode_steps(probe)
    steps = budget.total if budget.unit == "timesteps" else budget.total * episode
    pairs = table.n_states * allowed
    visits = steps / pairs
    measured["table_visits_per_state_action"] = visits
    if visits >= VISITS:
        return []
    if budget.unit == "timesteps":
        key, wanted = "timesteps", AIM_VISITS * pairs
    else:
        key, wanted = "episodes", AIM_VISITS * pairs / episode
    more = _round_up(wanted)
    return [
        Finding(
            WARNING,
            "budget",
            "the budget is too small for the q-table: most states are seen a few times at best",
            f"about {steps:,.0f} steps ({budget.total:,} {budget.unit}) over {table.n_states:,} "
            f"states x {allowed:.3g} actions: {visits:.1f} visits each",
            Fix({key: more}, f"about {AIM_VISITS} visits per state and action"),
        )
    ]


def _episode_steps(probe: Probe) -> float:
    """The steps of an average training episode: random ones at first, nearly as short as the
    way to the goal once learned; a linear epsilon from 1 to 0 spends the budget evenly between
    (measured on the 10x10 q-table: 12,000 episodes counted at random episodes' length solve 1
    of 5 seeds, 20,000 solve 3 of 3)."""
    lengths = path_lengths(probe)
    learned = float(lengths.mean()) if lengths is not None else float(probe.lengths.mean()) / 2
    return (float(probe.lengths.mean()) + learned) / 2


def _exploration(config: TrainConfig, probe: Probe) -> list[Finding]:
    rate = probe.success_rate
    params = config.params
    fraction = getattr(params, "exploration_fraction", None)
    if rate is None or fraction is None:
        return []
    mean_length = float(probe.lengths.mean())
    budget = config.budget
    if config.algorithm.tabular():
        start, end = params.epsilon_start, params.epsilon_end
    else:
        kwargs = params.algorithm_kwargs()
        start = kwargs.get("exploration_initial_eps", 1.0)
        end = kwargs.get("exploration_final_eps", 0.05)
        fraction = kwargs.get("exploration_fraction", 0.1)
    if not isinstance(fraction, (int, float)):
        return []
    episodes = budget.total if budget.unit == "episodes" else budget.total / mean_length
    exploring = episodes * fraction * (start + end) / 2 + episodes * (1 - fraction) * end
    expected = exploring * rate
    if expected >= EXPLORING_SUCCESSES:
        return []
    if fraction < 0.5:
        fix = Fix({"hp.exploration_fraction": min(1.0, max(0.2, fraction * 2))}, "explore longer")
    elif expected > 0:
        more = budget.total * EXPLORING_SUCCESSES / expected
        fix = Fix({budget.unit: _round_up(more)}, f"{EXPLORING_SUCCESSES} random successes")
    else:
        fix = Fix(words="explore longer, or a reward that guides")
    return [
        Finding(
            WARNING,
            "exploration",
            "exploration ends before a random walk could find the goal often enough to learn from",
            f"about {exploring:,.0f} episodes' worth of random actions (epsilon {start:g} -> "
            f"{end:g} over {fraction:.0%} of the budget) x {rate:.1%} random success = "
            f"{expected:.1f} successes",
            fix,
        )
    ]


def _round_up(value: float) -> int:
    """``value`` rounded up to two significant digits (14,123 -> 15,000)."""
    if value <= 100:
        return math.ceil(value)
    scale = 10 ** (int(math.log10(value)) - 1)
    return int(math.ceil(value / scale) * scale)
