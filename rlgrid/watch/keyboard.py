"""Keyboard play: drive the robot of a grid env with the arrow keys, through the env's real step.

The env must show its state as a grid (see :func:`rlgrid.watch.playback.grid_state`) and count
its ``steps`` against ``max_steps``; families whose envs can be driven so say
:attr:`~rlgrid.families.Family.playable`.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rlgrid.envs.moves import Action
from rlgrid.errors import InvalidValueError
from rlgrid.watch.playback import display_available, grid_state, no_display

HELP = "arrows move, R resets, ESC quits"


def play(env: gym.Env, fps: float = 30.0, seed: int = 0) -> list[int]:
    """Open the window and play until ESC or the close button; returns the actions taken."""
    grid = grid_state(env)
    if grid is None:
        raise InvalidValueError(f"{env.spec.id if env.spec else 'this env'} cannot be played")
    if not display_available():
        raise no_display(watching=False)
    from rlgrid.envs.rendering import FrameDrawer, Window, import_pygame

    pygame = import_pygame()
    keys = {
        pygame.K_LEFT: Action.LEFT,
        pygame.K_DOWN: Action.DOWN,
        pygame.K_RIGHT: Action.RIGHT,
        pygame.K_UP: Action.UP,
    }
    drawer = FrameDrawer(grid.layout)
    try:
        window = Window(drawer.size, "rlgrid play", fps)
    except pygame.error:
        raise no_display() from None
    env.reset(seed=seed)
    status, taken, episode = f"episode 1  {HELP}", [], 1
    try:
        while True:
            for event in pygame.event.get():
                if event.type == pygame.QUIT or (
                    event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
                ):
                    return taken
                if event.type != pygame.KEYDOWN:
                    continue
                if event.key == pygame.K_r:
                    episode += 1
                    env.reset()
                    status = f"episode {episode}  {HELP}"
                elif event.key in keys:
                    status = _step(env, int(keys[event.key]), episode, taken)
            window.screen.blit(drawer.draw(grid.robot, grid.target, status), (0, 0))
            pygame.display.flip()
            window.clock.tick(fps)
    finally:
        window.close()


def _step(env: gym.Env, action: int, episode: int, taken: list[int]) -> str:
    grid: Any = env.unwrapped
    if grid.steps and (grid.robot == grid.target or grid.steps >= grid.max_steps):
        return f"episode {episode} is over: press R"
    _, reward, terminated, truncated, info = env.step(action)
    taken.append(action)
    status = f"episode {episode}  step {grid.steps}  action {Action(action).name}"
    status += f"  reward {reward:g}"
    if terminated or truncated:
        status += "  success: " + ("yes" if info.get("is_success") else "no") + "  (R resets)"
    return status
