"""Keyboard play: drive the warehouse robot with the arrow keys, through the env's real step."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rlgrid.envs.moves import Action
from rlgrid.errors import RlgridError
from rlgrid.playback import NO_DISPLAY, display_available

HELP = "arrows move, R resets, ESC quits"


def play(env: gym.Env, fps: float = 30.0, seed: int = 0) -> list[int]:
    """Open the window and play until ESC or the close button; returns the actions taken."""
    if not display_available():
        raise RlgridError(NO_DISPLAY.replace("--ansi to watch in this terminal, or ", ""))
    from rlgrid.envs.rendering import FrameDrawer, Window, import_pygame

    pygame = import_pygame()
    warehouse = env.unwrapped
    keys = {
        pygame.K_LEFT: Action.LEFT,
        pygame.K_DOWN: Action.DOWN,
        pygame.K_RIGHT: Action.RIGHT,
        pygame.K_UP: Action.UP,
    }
    drawer = FrameDrawer(warehouse.layout)
    try:
        window = Window(drawer.size, "rlgrid play", fps)
    except pygame.error:
        raise RlgridError(NO_DISPLAY) from None
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
            window.screen.blit(drawer.draw(warehouse.robot, warehouse.target, status), (0, 0))
            pygame.display.flip()
            window.clock.tick(fps)
    finally:
        window.close()


def _step(env: gym.Env, action: int, episode: int, taken: list[int]) -> str:
    warehouse: Any = env.unwrapped
    if warehouse.steps and (warehouse.robot == warehouse.target or
                            warehouse.steps >= warehouse.max_steps):  # fmt: skip
        return f"episode {episode} is over: press R"
    _, reward, terminated, truncated, info = env.step(action)
    taken.append(action)
    status = f"episode {episode}  step {warehouse.steps}  action {Action(action).name}"
    status += f"  reward {reward:g}"
    if terminated or truncated:
        status += "  success: " + ("yes" if info.get("is_success") else "no") + "  (R resets)"
    return status
