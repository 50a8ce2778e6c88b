"""Numbers that make no sense together: hyperparameters against each other and against the
budget (a rollout longer than the budget, a replay buffer smaller than a batch, a learning rate
far off what the optimizer takes). Ranges that are wrong on their own the config refuses."""

from __future__ import annotations

from typing import Any

from rlgrid.config import TrainConfig
from rlgrid.findings import ERROR, WARNING, Finding, Fix

LEARNING_RATES = (1e-6, 1e-2)
"""Adam's learning rates that train these small networks: SB3's defaults are 7e-4 (A2C), 3e-4
(PPO) and 1e-4 (DQN); 1e-2 and above overshoot, below 1e-6 nothing moves in any budget here."""
CLIP = 0.5
"""PPO clip ranges above this let one update change action probabilities by more than half."""
ENTROPY = 0.1
"""An entropy coefficient above this outweighs the policy gradient of a 0/1 goal reward."""


def effective(config: TrainConfig) -> dict[str, Any]:
    """The SB3 constructor's arguments as training uses them: the config's over the defaults."""
    params = config.params
    return {**params.constructor_defaults(), **params.algorithm_kwargs(), "n_envs": params.n_envs}


def check_numbers(config: TrainConfig) -> list[Finding]:
    if config.algorithm.tabular():
        return _evaluation(config)
    values = effective(config)
    return [
        *_rate(values, config.params.constructor_defaults()),
        *_rollout(config, values),
        *_replay(config, values),
        *_entropy(values),
        *_clip(values),
        *_evaluation(config),
    ]


def _rate(values: dict[str, Any], default: dict[str, Any]) -> list[Finding]:
    rate = values.get("learning_rate")
    low, high = LEARNING_RATES
    if not isinstance(rate, (int, float)) or low <= rate < high:
        return []
    return [
        Finding(
            WARNING,
            "hyperparameters",
            "the learning rate is far from what Adam takes on these networks: "
            + ("updates overshoot and the policy jumps" if rate >= high else "nothing moves"),
            f"learning_rate {rate:g}; sensible {low:g} to {high:g}",
            Fix({"hp.learning_rate": default["learning_rate"]}, "the algorithm's default"),
        )
    ]


def _rollout(config: TrainConfig, values: dict[str, Any]) -> list[Finding]:
    n_steps = values.get("n_steps")
    if not isinstance(n_steps, int) or config.budget.unit != "timesteps":
        return []
    rollout = n_steps * values["n_envs"]
    total = config.budget.total
    if rollout <= total:
        return []
    shorter = max(1, total // (10 * values["n_envs"]))
    batch = values.get("batch_size")
    if isinstance(batch, int) and shorter * values["n_envs"] < batch:  # PPO's minibatch
        fix = Fix({"timesteps": rollout * 20}, "a budget of at least 20 updates")
    else:
        fix = Fix({"hp.n_steps": shorter}, "ten updates within the budget")
    return [
        Finding(
            ERROR,
            "hyperparameters",
            "one rollout is longer than the whole budget: the agent is never updated",
            f"n_steps {n_steps} x n_envs {values['n_envs']} = {rollout:,} steps per update; "
            f"budget {total:,}",
            fix,
        )
    ]


def _replay(config: TrainConfig, values: dict[str, Any]) -> list[Finding]:
    starts, interval = values.get("learning_starts"), values.get("target_update_interval")
    if not isinstance(starts, int) or config.budget.unit != "timesteps":
        return []
    total = config.budget.total
    found = []
    if starts >= total:
        found.append(
            Finding(
                ERROR,
                "hyperparameters",
                "learning starts after the budget ends: the network is never trained",
                f"learning_starts {starts:,}; budget {total:,}",
                Fix({"hp.learning_starts": max(1, total // 20)}, "start at 5% of the budget"),
            )
        )
    if isinstance(interval, int) and interval >= total:  # SB3 counts it in env steps
        found.append(
            Finding(
                ERROR,
                "hyperparameters",
                "the target network is never updated within the budget: DQN bootstraps from "
                "its random first weights throughout",
                f"target_update_interval {interval:,} steps; budget {total:,}",
                Fix({"hp.target_update_interval": max(1, total // 100)}, "100 updates"),
            )
        )
    return found


def _entropy(values: dict[str, Any]) -> list[Finding]:
    coefficient = values.get("ent_coef")
    if not isinstance(coefficient, (int, float)) or coefficient <= ENTROPY:
        return []
    return [
        Finding(
            WARNING,
            "hyperparameters",
            "the entropy bonus outweighs the reward: the policy is paid to stay random",
            f"ent_coef {coefficient:g}; the goal reward is 1 per episode",
            Fix({"hp.ent_coef": 0.01}),
        )
    ]


def _clip(values: dict[str, Any]) -> list[Finding]:
    clip = values.get("clip_range")
    if not isinstance(clip, (int, float)) or clip <= CLIP:
        return []
    return [
        Finding(
            WARNING,
            "hyperparameters",
            "the clip range lets each update move the policy far: PPO's trust region is gone",
            f"clip_range {clip:g}; PPO's papers and SB3 use 0.1 to 0.3",
            Fix({"hp.clip_range": 0.2}, "SB3's default"),
        )
    ]


def _evaluation(config: TrainConfig) -> list[Finding]:
    freq = config.eval.freq
    if not config.until_solved or freq is None or config.budget.unit != "timesteps":
        return []
    if freq <= config.budget.total:
        return []
    return [
        Finding(
            WARNING,
            "evaluation",
            "training stops when solved, but no evaluation happens within the budget",
            f"eval freq {freq:,} steps; budget {config.budget.total:,}",
            Fix({"eval.freq": max(1, config.budget.total // 10)}, "ten evaluations"),
        )
    ]
