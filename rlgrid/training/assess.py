"""A run's agent judged the way its config says: which episodes, and what counts as solved, come
from the env's family; the config gives the defaults."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rlgrid.config import TrainConfig
from rlgrid.errors import InvalidValueError, setting
from rlgrid.evaluation import EvalResult, Judgement, RandomAgent
from rlgrid.families import EvalPlan


def every_target(config: TrainConfig) -> bool:
    """Whether evaluations play every target (and start) once: the config's choice, else the
    family's default (on the warehouse: where the start is fixed)."""
    return config.family.every_target(config.env, config.eval)


def plan(
    config: TrainConfig,
    episodes: int | None = None,
    seed: int | None = None,
    all_targets: bool | None = None,
) -> EvalPlan:
    """The episodes an evaluation plays: those given, else the config's ``[eval]``."""
    return EvalPlan(
        episodes=config.eval.episodes if episodes is None else episodes,
        seed=config.eval.seed if seed is None else seed,
        all_targets=every_target(config) if all_targets is None else all_targets,
    )


def evaluate(config: TrainConfig, agent: Any, chosen: EvalPlan | None = None) -> EvalResult:
    """Greedy evaluation with the env's own rewards; ``agent`` None is the family's oracle."""
    return config.family.evaluate(config.env, agent, chosen or plan(config))


def judgeable(config: TrainConfig) -> bool:
    """Whether the config's env has a definition of solved (a gymnasium env without a reward
    threshold has none), so that ``until_solved`` can stop and a verdict can be given."""
    try:
        config.family.check_judgeable(config.env, config.eval)
    except InvalidValueError:
        return False
    return True


def judge(config: TrainConfig, agent: Any) -> Judgement:
    """Evaluate ``agent`` the way the final evaluation does, and say whether it is solved."""
    return config.family.judge(config.env, evaluate(config, agent), config.eval)


SCREEN = 100
"""Episodes a periodic evaluation plays first (:func:`periodic_judge`)."""


def periodic_judge(config: TrainConfig, agent: Any) -> Judgement:
    """A periodic evaluation, cheap while the agent is far from solved: the plan's first
    :data:`SCREEN` episodes are played first, and where the family can tell from them alone that
    the whole plan cannot be judged solved (on the warehouse: one of them failed), their
    judgement stands: not solved, with those episodes' success rate and ratio. Otherwise the
    whole plan is played, as the final evaluation plays it, so a judgement of solved always
    comes from every episode: what solved means never changes."""
    chosen = plan(config)
    if not chosen.all_targets and chosen.episodes >= 2 * SCREEN:
        first = evaluate(config, agent, replace(chosen, episodes=SCREEN))
        if config.family.hopeless(config.env, first, config.eval):
            return config.family.judge(config.env, first, config.eval)
    return judge(config, agent)


def on_floor(config: TrainConfig, changes: dict[str, Any]) -> TrainConfig:
    """The run's config on another floor (``changes``: floor settings given, None not given),
    refused where the policy cannot read the new observations."""
    given = {key: value for key, value in changes.items() if value is not None}
    if not given:
        return config
    family = config.family
    other = config.model_copy(update={"env": family.on_floor(config.env, given)})
    family.policy_fits(config.env, other.env, config.algorithm.tabular())
    return other


@dataclass(frozen=True)
class RunEvaluation:
    """What ``rlgrid eval`` shows: a run's agent, the oracle and a random agent on the same
    episodes (each where asked for)."""

    title: str
    how: str
    agent: EvalResult | None
    oracle: EvalResult | None
    random: EvalResult | None = None


def evaluate_run(
    run: Path | None,
    floor: dict[str, Any],
    random_start: bool,
    episodes: int | None = None,
    seed: int | None = None,
    all_targets: bool | None = None,
    oracle: bool = False,
    *,
    env: dict[str, Any] | None = None,
    random: bool = False,
    trust_env_module: bool = False,
) -> RunEvaluation:
    """Evaluate ``run`` (on another floor where ``floor`` names one, or with other ``[env]``
    settings in ``env``) as its own final evaluation did, unless told otherwise, and, with
    ``oracle``, the family's oracle and, with ``random``, a random agent (among the allowed
    actions) on the same episodes; without a run, those alone on the env ``env`` and ``floor``
    name (``env.id``: default the warehouse)."""
    from rlgrid.config import env_config
    from rlgrid.training.states import open_run

    env = {key: value for key, value in (env or {}).items() if value is not None}
    if run is None:
        given = {f"env.{key}": value for key, value in floor.items()}
        given["env.random_start"] = random_start or None
        config = env_config({**given, **env})
        players = " and ".join(["oracle"] * oracle + ["random agent"] * random)
        agent, title = None, f"{players} on {config.env.label() or config.env.id}"
    else:
        folder, config, agent = open_run(run, trust_env_module=trust_env_module)
        extra = [key for key in ("env.id", "env.wrappers") if key in env]
        if extra:
            named = ", ".join(setting(key) for key in extra)
            raise InvalidValueError(f"a run brings its own env: drop {named}")
        changes = {**floor, **env.get("env.kwargs", {})}
        moved = any(value is not None for value in changes.values())
        config = on_floor(config, changes)
        title = f"{folder} on {config.env.label()}" if moved else str(folder)
    if all_targets is None and episodes is not None:
        all_targets = False  # a number of episodes asks for seeded ones
    chosen = plan(config, episodes, seed, all_targets)
    mine = evaluate(config, agent, chosen) if agent is not None else None
    best = evaluate(config, None, chosen) if oracle else None
    chance = None
    if random:
        actions = config.family.make(config.env).action_space
        if not hasattr(actions, "n"):
            raise InvalidValueError(f"the random agent picks among discrete actions, not {actions}")
        chance = evaluate(config, RandomAgent(int(actions.n), chosen.seed), chosen)
    return RunEvaluation(title, config.family.plan_words(config.env, chosen), mine, best, chance)
