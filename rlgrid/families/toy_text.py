"""gymnasium's toy-text envs (FrozenLake, Taxi, CliffWalking, Blackjack, and any later version):
every env whose entry point lives in ``gymnasium.envs.toy_text``.

They carry their own dynamics (``P``, see :mod:`rlgrid.envs.value_iteration`), so this family
knows their exact optimum and uses it: solved means a mean return that an evaluation cannot tell
from the best a policy of the state can get. The same table steps many episodes at once with
numpy (:mod:`rlgrid.envs.table_lanes`): the q-table trains on it and evaluations play on it,
episode for episode what the gymnasium env plays with the same seeds. Where an env has no table
(Blackjack), or where it may not tell the whole story (``[env] wrappers`` given; Taxi's
``fickle_passenger``, which changes the destination outside ``P``), everything is as for any
gymnasium env.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from rlgrid.envs.success import SuccessAtGoal
from rlgrid.envs.table_lanes import TableLanes, play
from rlgrid.envs.value_iteration import Return, TabularModel, best_stationary, model_of, optimum
from rlgrid.evaluation import EvalResult, EvalSettings, Judgement, summarise
from rlgrid.families.base import EvalPlan, RewardSetup, TrainingEnvs
from rlgrid.families.gymnasium import GymnasiumFamily, GymnasiumSettings

TOY_TEXT = "gymnasium.envs.toy_text"
"""The module whose envs this family claims."""
STANDARD_ERRORS = 3.0
"""How far below the optimum (in standard errors of the evaluation's mean) still counts as
solved: an optimal policy falls further below by chance in about one evaluation in 700."""
EVAL_EPISODES = 1000
"""Evaluation episodes by default (all played at once: a few hundredths of a second)."""
QTABLE_DEFAULTS: dict[str, Any] = {"learning_rate": 0.05, "gamma": 0.99}
"""The q-table's hyperparameters on toy-text envs (epsilon falls from 1 to 0 as everywhere):
slippery moves need small steps to average over outcomes, and FrozenLake's best policy within
its time limit is the one of discount 0.99, not of the seed's 0.9 (0.7402 against 0.7298)."""
DEFAULT_EPISODES = 20_000
"""The q-table's budget on toy-text envs where the config gives none: FrozenLake 4x4 learns
its best policy from 20,000 episodes at the defaults above in 30 seeds out of 30 (from 10,000
in 20 out of 30)."""


@dataclass(frozen=True)
class Optimum:
    """What value iteration knows of an env: its dynamics, its time limit, the exact optimum
    within that limit, and the best return of a policy that sees the state only (a q-table's
    policy; it can be lower than the optimum where the best play depends on the steps left)."""

    model: TabularModel
    horizon: int | None
    best: Return
    stationary: Return

    def tolerance(self, episodes: int) -> float:
        """How far a mean over ``episodes`` episodes of the best stationary policy may fall below
        its expectation by chance: :data:`STANDARD_ERRORS` standard errors (and float noise)."""
        noise = 1e-9 * max(1.0, abs(self.stationary.mean))
        return STANDARD_ERRORS * self.stationary.std / math.sqrt(max(episodes, 1)) + noise


@dataclass
class TableEnvs(TrainingEnvs):
    """Training envs whose q-table lanes are the env's own table stepped with numpy."""

    model: TabularModel | None = None
    max_steps: int = 0

    def lanes(self, n: int) -> Any:
        return TableLanes(self.model, n, self.max_steps)  # type: ignore[arg-type]


class ToyTextFamily(GymnasiumFamily):
    name = "toy-text"
    eval_defaults: ClassVar[dict[str, int]] = {"episodes": EVAL_EPISODES, "freq": 50_000}

    def __init__(self) -> None:
        self._optima: dict[str, Optimum | None] = {}

    def make_core(self, settings: GymnasiumSettings, make_kwargs: dict[str, Any]) -> gym.Env:
        """With ``is_success`` on every step where the env has a table (the goal's reward)."""
        env = super().make_core(settings, make_kwargs)
        return SuccessAtGoal(env) if hasattr(env.unwrapped, "P") else env

    def claims(self, env_id: str) -> bool:
        """gymnasium's toy-text envs, by the module of their entry point (never importing the
        ``module:`` part of an id: a registered toy-text id needs none)."""
        spec = gym.registry.get(env_id.rpartition(":")[2])
        if spec is None:
            return False
        entry = spec.entry_point
        module = entry.partition(":")[0] if isinstance(entry, str) else entry.__module__
        return module == TOY_TEXT or module.startswith(f"{TOY_TEXT}.")

    def defaults(self, tabular: bool) -> dict[str, dict[str, Any]]:
        """q-table: see the README's toy-text section for how these were chosen."""
        if not tabular:
            return {}
        return {"params": dict(QTABLE_DEFAULTS), "budget": {"episodes": DEFAULT_EPISODES}}

    def optimum(self, settings: GymnasiumSettings) -> Optimum | None:
        """Value iteration on the env ``settings`` make (their kwargs and time limit); None where
        the env has no table, or the table may not tell the whole story (see the module)."""
        key = settings.model_dump_json()
        if key not in self._optima:
            self._optima[key] = self._solve(settings)
        return self._optima[key]

    def _solve(self, settings: GymnasiumSettings) -> Optimum | None:
        if getattr(settings, "wrappers", None):
            return None
        env = self.make(settings)
        try:
            model = model_of(env)
            if model is None or getattr(env.unwrapped, "fickle_passenger", False):
                return None
            horizon = time_limit(env)
        finally:
            env.close()
        try:
            return Optimum(model, horizon, optimum(model, horizon), best_stationary(model, horizon))
        except ValueError:  # no time limit, and returns that never settle
            return None

    def training_envs(self, settings: GymnasiumSettings, reward: RewardSetup) -> TrainingEnvs:
        plain = super().training_envs(settings, reward)
        known = self.optimum(settings)
        if known is None or known.horizon is None:
            return plain
        return TableEnvs(plain.env_id, plain.label, plain.make, model=known.model,
                         max_steps=known.horizon)  # fmt: skip

    def evaluate(
        self, settings: GymnasiumSettings, policy: Any, plan: EvalPlan, encoded: bool = True
    ) -> EvalResult:
        """Every episode at once on the env's table: episode ``k`` is the one the env plays after
        ``reset(seed=plan.seed + k)``. ``policy`` None is the oracle: the best policy of the
        state (value iteration's)."""
        known = self.optimum(settings)
        if plan.all_targets or known is None or known.horizon is None:
            return super().evaluate(settings, policy, plan, encoded)
        best = known.stationary.policy
        act = policy.act_batch if policy is not None else lambda states: best[states]
        lengths, returns, successes = play(
            known.model, act, plan.episodes, plan.seed, known.horizon
        )
        unknown = [None] * plan.episodes
        return summarise(lengths.tolist(), returns.tolist(), successes.tolist(), unknown)

    def plan_words(self, settings: GymnasiumSettings, plan: EvalPlan) -> str:
        if self.optimum(settings) is None:
            return super().plan_words(settings, plan)
        last = plan.seed + plan.episodes - 1
        seeds = f"seed {plan.seed}" if plan.episodes == 1 else f"seeds {plan.seed}-{last}"
        return f"{plan.episodes} episodes, {seeds}"

    def check_judgeable(self, settings: GymnasiumSettings, eval_settings: EvalSettings) -> None:
        if eval_settings.reward_threshold is None and self.optimum(settings) is not None:
            return None
        return super().check_judgeable(settings, eval_settings)

    def solved_means(
        self, settings: GymnasiumSettings, eval_settings: EvalSettings, episodes: int
    ) -> str | None:
        known = self.optimum(settings)
        if eval_settings.reward_threshold is not None or known is None:
            return super().solved_means(settings, eval_settings, episodes)
        line = known.stationary.mean - known.tolerance(episodes)
        return (
            f"a mean return >= {line:.3f}: the best policy's {known.stationary.mean:.3f} less "
            f"the noise of {episodes:,} episodes"
        )

    def judge(
        self, settings: GymnasiumSettings, result: EvalResult, eval_settings: EvalSettings
    ) -> Judgement:
        """Solved: a mean return at least the best return of a stationary policy (what a
        q-table can reach; value iteration on the env's table) less :data:`STANDARD_ERRORS`
        standard errors of an evaluation of that many episodes (the standard deviation is that
        of the best policy's return, exact from the table: the noise a solved policy shows). A best
        policy fails by bad luck in about one evaluation in 700; a clearly worse one passes
        rarely, and more rarely the more episodes are played.
        Where the config sets ``eval.reward_threshold``, or the env has no table, the threshold
        decides, as for any gymnasium env."""
        known = self.optimum(settings)
        if eval_settings.reward_threshold is not None or known is None:
            return super().judge(settings, result, eval_settings)
        line = known.stationary.mean - known.tolerance(result.episodes)
        solved = bool(np.isfinite(result.mean_return) and result.mean_return >= line)
        return Judgement(result, solved, (result.mean_return,))


def time_limit(env: gym.Env) -> int | None:
    """The tightest ``TimeLimit`` around ``env``; None where none cuts its episodes."""
    limits = []
    while isinstance(env, gym.Wrapper):
        if isinstance(env, gym.wrappers.TimeLimit):
            limits.append(int(env._max_episode_steps))
        env = env.env
    return min(limits) if limits else None
