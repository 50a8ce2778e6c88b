"""rlgrid's own general-purpose wrappers, usable by name (``--wrapper SuccessFromReward``)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym


class SuccessFromReward(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """``info["is_success"]`` on every step: True on the step that ends the episode with a
    positive reward (the goal of Minigrid, FrozenLake and other sparse-goal envs), else False, so
    success rates count every episode end, whoever truncates it."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        info = dict(info)
        info.setdefault("is_success", bool(terminated and float(reward) > 0))
        return obs, reward, terminated, truncated, info


class SuccessAtGoal(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """``info["is_success"]`` on every step for an env with a transition table (gymnasium's
    toy-text envs: ``unwrapped.P``): True on the step that ends the episode with the goal's
    reward, the highest reward of any outcome that ends an episode (FrozenLake's 1 beside its
    holes' 0; CliffWalking's -1, its only ending)."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        table = env.unwrapped.P  # type: ignore[attr-defined]
        endings = [
            reward
            for actions in table.values()
            for outcomes in actions.values()
            for probability, _, reward, terminated in outcomes
            if terminated and probability > 0
        ]
        self.goal = max(endings) if endings else float("inf")

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        info = dict(info)
        info.setdefault("is_success", bool(terminated and float(reward) == self.goal))
        return obs, reward, terminated, truncated, info
