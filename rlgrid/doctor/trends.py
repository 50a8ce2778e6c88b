"""The doctor's reading of a run from its files alone (no training, no model): how success and
episode lengths went (a plateau, still rising at the end, a collapse after a peak), how many
episodes end by the time limit, and a shaped return that rises while the env's own does not
(reward hacking: the seed's robot circling its target). :mod:`rlgrid.doctor.signals` reads the
training statistics (entropy, exploration, value loss, non-finite values).

Every check measures on windows of training (by steps: "the last 10%", "at 40 to 50%") and
compares with a margin of two standard errors at least, so that noise in a few dozen episodes is
no trend; a run that is solved gets no warning from a trend (values that are not finite are an
error whatever)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from rlgrid.config import TrainConfig
from rlgrid.doctor.run_files import FLAT, MIN_EPISODES, RunFiles, margin, read_run, success
from rlgrid.doctor.signals import signal_findings
from rlgrid.findings import NOTE, WARNING, Finding, Fix

PEAK_DROP = 0.2
"""A collapse: the last evaluations (or episodes) this far below the best ones."""
EVALUATION_RISE = 0.05
"""Periodic evaluations over the last half that rose more than this (5 points) still rise."""
TIME_LIMIT_SHARE = 0.5
"""A run that is not solved and ends most of its last episodes by the time limit wanders."""


def trend_findings(run: Path, config: TrainConfig) -> tuple[list[Finding], dict[str, Any]]:
    """Findings from the files of ``run`` (trained with ``config``), and the numbers measured
    (whether or not they found anything), named ``run_...``."""
    files = read_run(run)
    measured: dict[str, Any] = {
        "episodes": len(files.rows),
        "timesteps": files.steps,
        "solved": files.solved,
        "evaluations": len(files.evaluations),
    }
    findings = [
        *_plateau(files, config, measured),
        *_collapse(files, measured),
        *_time_limit(files, config, measured),
        *_hacking(files, config, measured),
        *signal_findings(files, config, measured),
    ]
    return findings, {f"run_{key}": value for key, value in measured.items()}


def _plateau(files: RunFiles, config: TrainConfig, measured: dict[str, Any]) -> list[Finding]:
    """Not solved: success that no longer rises over the last half, in training episodes nor in
    periodic evaluations, nor episodes that get shorter (a plateau); or success still rising
    when the budget ran out."""
    middle, last = files.window(0.4, 0.5), files.window(0.9, 1.0)
    before, after = success(middle), success(last)
    if before is None or after is None or min(len(middle), len(last)) < MIN_EPISODES:
        return []
    lengths = [float(np.mean([row.length for row in rows])) for rows in (middle, last)]
    measured.update(success_at_half=before, success_last=after)
    measured.update(length_at_half=lengths[0], length_last=lengths[1])
    if files.solved or (files.solved is None and after >= 1 - FLAT):
        return []
    seen = f"success {after:.0%} (last 10% of steps) vs {before:.0%} at 40-50%"
    seen += f"; mean length {lengths[1]:.1f} vs {lengths[0]:.1f}"
    late = [rate for steps, rate, *_ in files.evaluations if steps > files.steps / 2]
    if len(late) >= 2 and None not in late:
        spread = max(late) - min(late)
        seen += f"; {len(late)} evaluations in the last half " + (
            f"within {100 * spread:.0f} points, the last {late[-1]:.0%}"
            if spread
            else f"all at {late[0]:.0%}"
        )
    recent = success(files.window(0.7, 0.9))
    trained = after - before > margin(before, len(middle), after, len(last))
    evaluated = len(late) >= 2 and None not in late and late[-1] - late[0] > EVALUATION_RISE
    if trained or evaluated:
        if not files.spent or (recent is not None and after < recent and not evaluated):
            return []  # it rose over the last half and is not at its end, or no longer rises
        unit, total = config.budget.unit, config.budget.total
        what = "success was still rising when the budget ran out"
        fix = Fix({unit: 2 * total}, f"twice the budget ({2 * total:,} {unit})")
        return [Finding(WARNING, "still learning", what, seen, fix)]
    if lengths[1] < 0.9 * lengths[0]:
        return []  # episodes still get shorter: it learns, if not to succeed more often
    never = after == 0 and not any(row.success for row in files.rows)
    what = (
        "the agent never reached the goal" if never else "success stopped rising, short of solved"
    )
    words = "training longer will hardly help: see the causes above"
    return [Finding(WARNING, "plateau", what, seen, Fix(words=words))]


def _collapse(files: RunFiles, measured: dict[str, Any]) -> list[Finding]:
    """Not solved at the end: the best periodic evaluations, or training episodes, far above
    the last ones. Training episodes count from where epsilon (if any) reached its end: while
    it falls, success falls with it, and that is no unlearning."""
    if files.solved:
        return []
    rates = [(steps, rate) for steps, rate, *_ in files.evaluations if rate is not None]
    if len(rates) >= 3:
        step, best = max(rates, key=lambda pair: pair[1])
        tail = rates[-max(1, len(rates) // 5) :]
        now = float(np.mean([rate for _, rate in tail]))
        measured.update(evaluation_best=best, evaluation_last=now)
        if best - now >= PEAK_DROP and step < tail[0][0]:
            seen = f"best evaluation {best:.0%} at step {step:,}; "
            seen += f"the last {len(tail)} average {now:.0%}"
            return [_collapsed(seen)]
    epsilons = [row.epsilon for row in files.rows if row.epsilon is not None]
    floor = min(epsilons, default=0.0) + 1e-9
    settled = [row for row in files.rows if row.epsilon is None or row.epsilon <= floor]
    tenths = [(i, files.window(i / 10, (i + 1) / 10, settled)) for i in range(10)]
    known = [(i, success(w), len(w)) for i, w in tenths if len(w) >= MIN_EPISODES]
    known = [(i, p, n) for i, p, n in known if p is not None]
    if len(known) < 3 or known[-1][0] != 9:
        return []
    i, best, n = max(known[:-1], key=lambda item: item[1])
    _, now, m = known[-1]
    measured["success_peak"] = best
    if best - now >= max(PEAK_DROP, margin(best, n, now, m)):
        seen = f"success {best:.0%} at {10 * i}-{10 * i + 10}% of steps; {now:.0%} in the last 10%"
        return [_collapsed(seen)]
    return []


def _collapsed(seen: str) -> Finding:
    words = "a lower learning rate makes updates gentler (best.zip keeps the best model)"
    return Finding(WARNING, "collapse after a peak", "success fell far from its best", seen,
                   Fix(words=words))  # fmt: skip


def _time_limit(files: RunFiles, config: TrainConfig, measured: dict[str, Any]) -> list[Finding]:
    """Not solved: most of the last episodes end by the time limit without success (where the
    env says which episodes succeed)."""
    limit = config.time_limit()
    measured["time_limit"] = limit
    last = files.window(0.9, 1.0)
    if limit is None or len(last) < MIN_EPISODES or success(last) is None:
        return []  # no limit, or no telling a time-out from lasting (CartPole's goal)
    cut = [row for row in last if row.length >= limit and not row.success]
    share = len(cut) / len(last)
    measured["time_limit_share_last"] = share
    if files.solved or share < TIME_LIMIT_SHARE:
        return []
    seen = f"{share:.0%} of the last 10% of episodes ({len(cut)} of {len(last)}) ran "
    seen += f"the whole time limit of {limit} steps without success"
    paths = [row.shortest_path_length for row in cut if row.shortest_path_length >= 0]
    fix = Fix(words="the agent wanders: a reward that guides it (see the other findings)")
    if paths and max(paths) > limit / 2:
        seen += f"; shortest paths up to {max(paths)} steps"
        fix = Fix({"env.max_steps": 2 * limit}, "a time limit that leaves room to explore")
    elif config.algorithm.tabular():
        fix = Fix(words="the q-table has not learned its way yet: see the budget findings")
    elif config.family.guiding_reward not in (None, getattr(config.env, "reward", None)):
        guide = config.family.guiding_reward
        fix = Fix({"env.reward": guide}, f"the {guide} reward pays progress toward the goal")
    return [Finding(WARNING, "time limit", "most episodes end by the time limit", seen, fix)]


def _hacking(files: RunFiles, config: TrainConfig, measured: dict[str, Any]) -> list[Finding]:
    """Shaping that pays more than the task: the shaped return rising from the first to the last
    quarter while the env's own return does not, or failing episodes earning more than a
    success's own reward while the env's own return does not rise (a note where it rises).
    Under the family's guiding reward (potential-based shaping, which cannot change which policy
    is best) a rise is a note: its undiscounted sum rises as the agent nears the goal."""
    rows = files.rows
    if not any(abs(row.shaped_return - row.ret) > 1e-9 for row in rows):
        return []  # no shaping
    first, last = files.window(0.0, 0.25), files.window(0.75, 1.0)
    if min(len(first), len(last)) < MIN_EPISODES:
        return []
    shaped, shaped_noise = _change(
        [row.shaped_return for row in first], [row.shaped_return for row in last]
    )
    own, own_noise = _change([row.ret for row in first], [row.ret for row in last])
    measured.update(shaped_return_first=shaped[0], shaped_return_last=shaped[1])
    measured.update(return_first=own[0], return_last=own[1])
    wins = [row.ret for row in rows if row.success]
    failing = [row.shaped_return for row in last if row.success is False]
    guide, reward = config.family.guiding_reward, getattr(config.env, "reward", None)
    flat = own[1] - own[0] <= own_noise
    trend = shaped[1] - shaped[0] > shaped_noise and flat
    paid = bool(wins) and bool(failing) and float(np.mean(failing)) > max(wins)
    evidence = []
    if trend:
        evidence.append(
            f"shaped return {shaped[0]:.2f} -> {shaped[1]:.2f} (first vs last quarter of steps) "
            f"while the env's own return went {own[0]:.2f} -> {own[1]:.2f}"
        )
    if paid and reward != guide:
        evidence.append(
            f"a failing episode earns {float(np.mean(failing)):.2f} (mean, last quarter), "
            f"more than the {max(wins):.2f} of reaching the goal"
        )
        if not trend:
            evidence.append(f"the env's own return went {own[0]:.2f} -> {own[1]:.2f}")
    if not evidence:
        return []
    # potential-based shaping (the family's guiding reward) rises as the agent nears the goal
    # before it reaches it: progress, not hacking, and it cannot change which policy is best
    hacked = flat and not files.solved and reward != guide
    severity = WARNING if hacked else NOTE
    words = "potential-based shaping cannot pay more for not arriving"
    fix = Fix({"env.reward": guide}, words) if guide not in (None, reward) else Fix(words=words)
    what = "the shaped return rises while the task's does not"
    if not trend:
        what = "failing episodes earn more from shaping than reaching the goal pays"
    return [Finding(severity, "reward hacking", what, "; ".join(evidence), fix)]


def _change(first: list[float], last: list[float]) -> tuple[tuple[float, float], float]:
    """The means of ``first`` and ``last``, and the least change of them that is not noise
    (two standard errors; a tiny floor where both are constant)."""
    error = math.sqrt(float(np.var(first)) / len(first) + float(np.var(last)) / len(last))
    return (float(np.mean(first)), float(np.mean(last))), max(2 * error, 1e-9)
