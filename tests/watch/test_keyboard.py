import pygame
import pytest

from rlgrid.envs.warehouse import WarehouseEnv
from rlgrid.errors import InvalidValueError
from rlgrid.families.gymnasium import make_env
from rlgrid.watch.keyboard import play


def press(*keys):
    pygame.display.init()
    pygame.display.set_mode((10, 10))
    for key in keys:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))


def test_keyboard_play_moves_the_robot():
    press(pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_DOWN, pygame.K_a, pygame.K_ESCAPE)
    env = WarehouseEnv(5, 5)
    assert play(env, fps=1000) == [2, 2, 1]
    assert env.robot == (1, 2)
    assert env.steps == 3


def test_keyboard_reset_key_starts_a_new_episode():
    press(pygame.K_DOWN, pygame.K_r, pygame.K_ESCAPE)
    env = WarehouseEnv(5, 5)
    assert play(env, fps=1000) == [1]
    assert env.robot == (0, 0) and env.steps == 0


def test_an_env_without_a_grid_cannot_be_played():
    with pytest.raises(InvalidValueError, match="CartPole-v1 cannot be played"):
        play(make_env("CartPole-v1"), fps=1000)
