"""Action masks of any gymnasium env, through its wrappers, and the lanes that report them."""

import gymnasium as gym
import numpy as np
from stable_baselines3.common.monitor import Monitor

from rlgrid.envs.batched import GymnasiumLanes
from rlgrid.envs.masks import action_mask, has_action_masks
from tests.masked_env import BACK, FORWARD, MASKED_ID, N_ACTIONS, PLAIN_ID


def allowed_in(cell: int) -> np.ndarray:
    mask = np.zeros(N_ACTIONS, dtype=bool)
    mask[[FORWARD[cell], BACK[cell]]] = True
    return mask


def test_the_mask_is_read_through_every_wrapper():
    # gymnasium 1.x wrappers forward no attributes: TimeLimit, OrderEnforcing, the checker,
    # RecordEpisodeStatistics and SB3's Monitor all sit between the caller and the method
    env = Monitor(gym.wrappers.RecordEpisodeStatistics(gym.make(MASKED_ID)))
    env.reset(seed=0)
    assert has_action_masks(env)
    first = action_mask(env)
    assert first.dtype == bool
    assert np.array_equal(first, allowed_in(0))
    env.step(FORWARD[0])
    assert np.array_equal(action_mask(env), allowed_in(1))


def test_an_env_without_masks_has_none():
    env = gym.make(PLAIN_ID)
    env.reset(seed=0)
    assert not has_action_masks(env)
    assert action_mask(env) is None
    assert action_mask(gym.make("CartPole-v1")) is None


def test_lanes_report_each_lanes_masks_and_those_of_the_state_an_episode_ended_in():
    lanes = GymnasiumLanes(2, lambda: gym.make(MASKED_ID))
    lanes.reset(0)
    assert np.array_equal(lanes.masks(), [allowed_in(0), allowed_in(0)])
    # lane 0 steps forward, lane 1 takes a masked action (its episode ends and restarts)
    step = lanes.step(np.array([FORWARD[0], 0]))
    assert step.terminated.tolist() == [False, True]
    assert np.array_equal(step.masks, [allowed_in(1), allowed_in(0)])
    assert np.array_equal(step.final_masks, [allowed_in(1), allowed_in(0)])
    step = lanes.step(np.array([FORWARD[1], FORWARD[0]]))
    step = lanes.step(np.array([FORWARD[2], FORWARD[1]]))
    assert step.terminated.tolist() == [True, False]  # lane 0 reached the goal: no action there
    assert np.array_equal(step.final_masks, [np.zeros(N_ACTIONS, bool), allowed_in(2)])
    assert np.array_equal(step.masks, [allowed_in(0), allowed_in(2)])


def test_lanes_of_envs_without_masks_report_none():
    lanes = GymnasiumLanes(2, lambda: gym.make(PLAIN_ID))
    lanes.reset(0)
    assert lanes.masks() is None
    step = lanes.step(np.array([FORWARD[0], 0]))
    assert step.masks is None and step.final_masks is None
