"""The doctor's reading of a run's learning signals from its files: entropy that collapses while
the agent still fails, exploration (epsilon) that ends while it still fails, a value loss that
blows up, and values that are not finite anywhere. The statistics are SB3's ``train/`` ones
(``train_stats.csv``); epsilon is the one each episode of ``metrics.csv`` was played with."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from rlgrid.config import TrainConfig
from rlgrid.doctor.run_files import MIN_EPISODES, RunFiles
from rlgrid.findings import ERROR, WARNING, Finding, Fix

LOW_SUCCESS = 0.5
"""Entropy or exploration gone while success is under this is a collapse; above, it is the
policy settling on what it learned."""
NEAR_ZERO = 0.05
"""A discrete policy's entropy (nats) under this is near zero: one action has about 99% of the
probability (the most, for any number of actions, is ln 2 = 0.69 or more)."""
GROWTH = 100.0
"""A value loss has blown up when it grew this many times over (two orders of magnitude) to
beyond the most a critic of the run's returns can sanely be wrong, or stands this many times
above that most."""
SUGGESTED_ENT_COEF = 0.01
"""The entropy bonus suggested where a2c's and ppo's default (none, 0.0) let entropy collapse."""
NAN_BY_DESIGN = ("explained_variance",)
"""SB3 logs nan for the explained variance of a rollout whose returns are all equal."""


def signal_findings(
    files: RunFiles, config: TrainConfig, measured: dict[str, Any]
) -> list[Finding]:
    """Findings from the statistics and epsilons of ``files``; what was measured goes to
    ``measured``."""
    return [
        *_non_finite(files, config),
        *_entropy(files, config, measured),
        *_exploration(files, config, measured),
        *_value_loss(files, config, measured),
    ]


def hyperparameter(config: TrainConfig, key: str) -> Any:
    """The value of hyperparameter ``key``: the config's, else the algorithm's default."""
    params = config.params
    if hasattr(params, "algorithm_kwargs"):
        given = params.algorithm_kwargs()
        return given[key] if key in given else default_hyperparameter(config, key)
    return getattr(params, key, None)


def default_hyperparameter(config: TrainConfig, key: str) -> Any:
    """The algorithm's default of hyperparameter ``key`` (rlgrid's field, else the SB3
    constructor's); None where it has none."""
    params = config.params
    field = type(params).model_fields.get(key)
    if field is not None or not hasattr(params, "algorithm_class"):
        return None if field is None else field.default
    parameter = inspect.signature(params.algorithm_class().__init__).parameters.get(key)
    return None if parameter is None or parameter.default is parameter.empty else parameter.default


def lower_rate(files: RunFiles, config: TrainConfig) -> Fix:
    """A lower learning rate than the one the run's last update used: the algorithm's default
    where it used more, else ten times lower."""
    rates = [row["learning_rate"] for row in files.stats if "learning_rate" in row]
    now = rates[-1] if rates else hyperparameter(config, "learning_rate")
    default = default_hyperparameter(config, "learning_rate")
    if not isinstance(now, (int, float)) or not math.isfinite(now) or now <= 0:
        return Fix(words="a lower learning rate")
    if isinstance(default, (int, float)) and now > default:
        return Fix(
            {"hp.learning_rate": default}, f"the algorithm's default learning rate, not {now:g}"
        )
    return Fix(
        {"hp.learning_rate": float(f"{now / 10:.3g}")},
        f"a learning rate 10 times lower than {now:g}",
    )


def _non_finite(files: RunFiles, config: TrainConfig) -> list[Finding]:
    """nan or inf in any file: episode returns and epsilons, evaluations, statistics."""
    found: dict[str, list[int]] = {}
    for row in files.rows:
        for name, value in (("return", row.ret), ("shaped_return", row.shaped_return),
                            ("epsilon", row.epsilon)):  # fmt: skip
            if value is not None and not math.isfinite(value):
                found.setdefault(f"metrics.csv {name}", []).append(row.timesteps)
    for steps, *values, _, _ in files.evaluations:  # the last two: solved, episodes
        for name, value in zip(("success_rate", "optimality_ratio", "mean_return"), values,
                               strict=True):  # fmt: skip
            if value is not None and not math.isfinite(value):
                found.setdefault(f"evaluations.csv {name}", []).append(steps)
    for row in files.stats:
        for name, value in row.items():
            if not math.isfinite(value) and not (name in NAN_BY_DESIGN and math.isnan(value)):
                found.setdefault(f"train_stats.csv {name}", []).append(int(row["timesteps"]))
    if not found:
        return []
    seen = "; ".join(
        f"{where}: {len(steps)} value{'s' * (len(steps) > 1)} from step {min(steps):,}"
        for where, steps in found.items()
    )
    what = "values that are not finite (nan or inf): training diverged"
    return [Finding(ERROR, "non-finite values", what, seen, lower_rate(files, config))]


def _entropy(files: RunFiles, config: TrainConfig, measured: dict[str, Any]) -> list[Finding]:
    """A discrete policy's entropy near zero while success is still low: it stopped exploring.
    (A continuous policy's entropy has no zero to be near: ``std`` is logged for those.)"""
    stats = [row for row in files.stats if "entropy_loss" in row]
    entropy = [-row["entropy_loss"] for row in stats if math.isfinite(row["entropy_loss"])]
    if len(entropy) < 3 or any("std" in row for row in stats):
        return []
    first, last = entropy[0], float(np.mean(entropy[-3:]))
    measured.update(entropy_first=first, entropy_last=last)
    now = files.success_now()
    if files.solved or now is None or now >= LOW_SUCCESS or last >= NEAR_ZERO:
        return []
    seen = f"entropy {last:.3g} nats (mean of the last 3 updates recorded), {first:.3g} at the "
    seen += f"first (step {int(stats[0]['timesteps']):,}); success {now:.0%} at the end"
    coef = hyperparameter(config, "ent_coef")
    if isinstance(coef, (int, float)) and coef < SUGGESTED_ENT_COEF:
        fix = Fix({"hp.ent_coef": SUGGESTED_ENT_COEF}, "an entropy bonus keeps it exploring")
    else:
        fix = Fix(words=f"a larger entropy bonus than ent_coef = {coef}")
    if first < NEAR_ZERO:  # gone by the first row: the first updates were far too large
        slower = lower_rate(files, config)
        words = f"{slower.words}: it collapsed within its first updates; {fix.words}"
        fix = Fix({**fix.changes, **slower.changes}, words)
    what = "the policy became nearly deterministic while it still fails"
    return [Finding(WARNING, "entropy collapse", what, seen, fix)]


def _exploration(files: RunFiles, config: TrainConfig, measured: dict[str, Any]) -> list[Finding]:
    """Epsilon at its end long before the budget's while success is still low."""
    played = [(row.timesteps, row.epsilon) for row in files.rows if row.epsilon is not None]
    if len(played) < MIN_EPISODES:
        return []
    end = min(epsilon for _, epsilon in played)
    reached = next(steps for steps, epsilon in played if epsilon <= end + 1e-9)
    at = reached / max(files.steps, 1)
    measured.update(epsilon_end=end, epsilon_end_at=at)
    now = files.success_now()
    decayed = played[0][1] - end > 0.1
    if files.solved or not decayed or at >= 0.9 or now is None or now >= LOW_SUCCESS:
        return []
    seen = f"epsilon reached {end:.2f} at {at:.0%} of the steps; success {now:.0%} at the end"
    fraction = hyperparameter(config, "exploration_fraction")
    if isinstance(fraction, (int, float)) and fraction < 0.5:
        longer = min(1.0, round(2 * fraction, 3))
        fix = Fix({"hp.exploration_fraction": longer}, "explore over a longer part of the budget")
    else:
        unit, total = config.budget.unit, config.budget.total
        fix = Fix({unit: 2 * total}, "a longer budget, so exploring lasts longer")
    what = "exploration ended while the agent still fails"
    return [Finding(WARNING, "exploration collapse", what, seen, fix)]


def _value_loss(files: RunFiles, config: TrainConfig, measured: dict[str, Any]) -> list[Finding]:
    """The critic's loss (DQN's TD loss) grown by orders of magnitude, or far past the most a
    critic of returns as large as the run's can be wrong (``4 R**2``)."""
    key = "value_loss" if any("value_loss" in row for row in files.stats) else "loss"
    losses = [row[key] for row in files.stats if key in row and math.isfinite(row[key])]
    if len(losses) < 4:
        return []
    quarter = max(1, len(losses) // 4)
    early, late = max(losses[:quarter]), float(np.median(losses[-quarter:]))
    measured.update(value_loss_early=early, value_loss_late=late)
    returns = [abs(row.shaped_return) for row in files.rows if math.isfinite(row.shaped_return)]
    bound = 4 * max(1.0, max(returns, default=1.0)) ** 2
    if not (late > GROWTH * bound or (late > bound and late >= GROWTH * early)):
        return []
    seen = f"{key} {late:.3g} (median, last quarter of updates) from at most {early:.3g} in "
    seen += f"the first; returns are at most {math.sqrt(bound / 4):.3g}"
    what = "the value loss blew up: the critic's estimates run away"
    return [Finding(WARNING, "value-loss blow-up", what, seen, lower_rate(files, config))]
