"""Minigrid's observation wrappers as rlgrid applies them, recording their constructor arguments
(Minigrid's own do not), so gymnasium can rebuild a wrapped env from its ``spec`` as its checker
and vector envs do. Imported only where a Minigrid env is made (the ``minigrid`` extra)."""

from __future__ import annotations

import gymnasium as gym
from minigrid.wrappers import FlatObsWrapper, FullyObsWrapper, ImgObsWrapper


class FullyObserved(FullyObsWrapper, gym.utils.RecordConstructorArgs):
    """The whole grid instead of the agent's view."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        FullyObsWrapper.__init__(self, env)


class ImageOnly(ImgObsWrapper, gym.utils.RecordConstructorArgs):
    """The image part alone (direction and mission dropped)."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        ImgObsWrapper.__init__(self, env)


class ImageAndMission(FlatObsWrapper, gym.utils.RecordConstructorArgs):
    """The image and the mission text, one-hot per character, as one vector."""

    def __init__(self, env: gym.Env, max_length: int = 96) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, max_length=max_length)
        FlatObsWrapper.__init__(self, env, maxStrLen=max_length)
