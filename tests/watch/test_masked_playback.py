"""Watching an env with action masks: random actions only among the allowed ones, and a trained
policy given each state's mask."""

import gymnasium as gym
import numpy as np

from rlgrid.watch.playback import EpisodePlayer
from tests.masked_env import MASKED_ID, MAX_STEPS, PLAIN_ID


def played(env_id, policy=None, episodes=30):
    env = gym.make(env_id)
    moments = list(EpisodePlayer(env, policy, episodes, seed=0).moments())
    return env.unwrapped, [m for m in moments if m.done]


def test_random_actions_are_drawn_among_the_allowed_ones():
    env, ends = played(MASKED_ID)
    assert len(ends) == 30
    assert env.masked_taken == 0
    # every episode reaches the goal or runs out of time: none ends on a masked action
    assert all(end.success or end.step == MAX_STEPS for end in ends)
    assert any(end.success for end in ends)


def test_random_actions_on_the_same_env_without_masks_take_masked_ones():
    env, _ = played(PLAIN_ID)
    assert env.masked_taken > 20  # four in six actions end an episode at once


def test_the_policy_gets_the_mask():
    masks = []

    def policy(obs, mask=None):
        masks.append(mask)
        return int(np.flatnonzero(mask)[-1])  # forward: the highest allowed action

    _, ends = played(MASKED_ID, policy, episodes=2)
    assert [end.success for end in ends] == [True, True]
    assert len(masks) == 6 and all(mask.sum() == 2 for mask in masks)
