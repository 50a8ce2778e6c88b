"""Minigrid's envs (the ``minigrid`` extra): plain ids work, observations become one vector an
MLP reads, episodes carry ``is_success``, and solved means every evaluation episode reaches the
goal."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

import gymnasium as gym
from gymnasium.wrappers import FlattenObservation

from rlgrid.envs.success import SuccessFromReward
from rlgrid.evaluation import EvalResult, EvalSettings, Judgement
from rlgrid.families.gymnasium import PLUGINS, GymnasiumFamily, GymnasiumSettings, make_env


class MinigridSettings(GymnasiumSettings):
    """A Minigrid env: the gymnasium settings, and how the agent observes it."""

    obs: Literal["image", "full", "flat", "raw"] = "image"
    """image: the agent's 7x7 view (object, colour, state per cell) as one vector, the mission
    dropped (Minigrid's ImgObsWrapper, flattened); full: the whole grid instead of the view
    (FullyObsWrapper first); flat: the view and the mission text, one-hot per character
    (FlatObsWrapper, RL Zoo's choice, for envs whose mission changes between episodes); raw:
    Minigrid's own dict, for wrappers of your own to turn into something a policy reads."""


class MinigridFamily(GymnasiumFamily):
    name = "minigrid"
    settings_model = MinigridSettings
    eval_defaults: ClassVar[dict[str, int]] = {"episodes": 100, "freq": 10_000}

    def claims(self, env_id: str) -> bool:
        name = env_id.rpartition(":")[2]
        return any(name.startswith(prefix) for prefix in PLUGINS)

    def make_core(self, settings: MinigridSettings, make_kwargs: dict[str, Any]) -> gym.Env:
        """Minigrid's time limit is its env's own ``max_steps`` (its reward shrinks with the
        steps taken out of it), so ``max_steps`` goes to the constructor, not to a TimeLimit."""
        kwargs = dict(settings.kwargs)
        if settings.max_steps is not None:
            kwargs["max_steps"] = settings.max_steps
        env: gym.Env = SuccessFromReward(make_env(settings.id, kwargs, **make_kwargs))
        # after make_env, which says in one line how to install a missing minigrid
        from rlgrid.envs.minigrid_obs import FullyObserved, ImageAndMission, ImageOnly

        if settings.obs == "raw":
            return env
        if settings.obs == "flat":
            return ImageAndMission(env)
        if settings.obs == "full":
            env = FullyObserved(env)
        return FlattenObservation(ImageOnly(env))

    def resolved(self, settings: MinigridSettings) -> MinigridSettings:
        if settings.max_steps is not None:
            return settings
        env = make_env(settings.id, settings.kwargs)
        try:
            return settings.model_copy(update={"max_steps": int(env.unwrapped.max_steps)})
        finally:
            env.close()

    success_words = "reach the goal"

    def check_judgeable(self, settings: Any, eval_settings: EvalSettings) -> None:
        return None  # reaching the goal in every episode is always a definition of solved

    def solved_means(self, settings: Any, eval_settings: EvalSettings, episodes: int) -> str:
        threshold = eval_settings.reward_threshold
        return "100%" + ("" if threshold is None else f" and a mean return >= {threshold:g}")

    def judge(
        self, settings: MinigridSettings, result: EvalResult, eval_settings: EvalSettings
    ) -> Judgement:
        """Solved: every evaluation episode reaches the goal (and the mean return is at least
        ``eval.reward_threshold`` where one is set: Minigrid's return grows the fewer steps an
        episode takes). Score: success rate, then mean return."""
        success = result.success_rate if result.success_rate is not None else 0.0
        threshold = eval_settings.reward_threshold
        fast_enough = threshold is None or result.mean_return >= threshold
        solved = success == 1.0 and fast_enough and not math.isnan(result.mean_return)
        return Judgement(result, solved, (success, result.mean_return))

    def action_name(self, action: int) -> str:
        from minigrid.core.actions import Actions

        return Actions(action).name if 0 <= action < len(Actions) else str(action)
