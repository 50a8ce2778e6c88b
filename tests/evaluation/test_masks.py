"""Evaluations give a policy each state's action mask where the env has masks."""

import gymnasium as gym
import numpy as np

from rlgrid.evaluation import evaluate
from tests.masked_env import MASKED_ID, PLAIN_ID


def highest_allowed(obs, mask=None):
    """Steps forward given the mask (the forward action is the highest allowed one); without a
    mask it takes action 0, which the corridor allows nowhere."""
    return 0 if mask is None else int(np.flatnonzero(mask)[-1])


def test_the_policy_gets_every_states_mask():
    env = gym.make(MASKED_ID)
    seen = []

    def policy(obs, mask=None):
        seen.append((int(obs), mask.copy()))
        return highest_allowed(obs, mask)

    result = evaluate(env, policy, [None] * 3, seed=0)
    assert result.success_rate == 1.0
    assert result.mean_length == 3.0
    assert [obs for obs, _ in seen] == [0, 1, 2] * 3
    for obs, mask in seen:
        env.unwrapped.position = obs
        assert np.array_equal(mask, env.unwrapped.allowed())


def test_without_masks_the_policy_is_called_with_the_observation_alone():
    result = evaluate(gym.make(PLAIN_ID), lambda obs: highest_allowed(obs), [None] * 2, seed=0)
    assert result.success_rate == 0.0  # action 0 is allowed nowhere: each episode ends at once
    assert result.mean_length == 1.0
