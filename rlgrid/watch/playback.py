"""Watching episodes: in a pygame window, as text redrawn in a terminal, or recorded to a file.

An :class:`EpisodePlayer` plays episodes with a policy (a trained agent acting greedily, or random
actions) and produces, for each step, the state and a status line; the viewers turn that into
window frames, terminal text or the frames of a GIF or MP4. The window and the terminal text are
output by nature; everything else is returned.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import gymnasium as gym
import numpy as np

from rlgrid.envs.masks import action_mask, has_action_masks
from rlgrid.errors import InvalidValueError, RlgridError, setting
from rlgrid.evaluation import Policy


@dataclass
class Moment:
    """One picture of an episode: after a reset (``action`` None) or after a step."""

    episode: int
    episodes: int
    step: int
    action: int | None
    reward: float
    done: bool
    success: bool | None

    def status(self, action_names: Callable[[int], str]) -> str:
        action = "-" if self.action is None else action_names(self.action)
        text = f"episode {self.episode}/{self.episodes}  step {self.step}  action {action}"
        text += f"  reward {self.reward:g}"
        if self.done:
            text += "  success: " + {True: "yes", False: "no", None: "?"}[self.success]
        return text


def grid_state(env: gym.Env) -> Any | None:
    """The unwrapped env where it shows its state as a grid (``layout``, ``robot`` and
    ``target``), which rlgrid draws itself; None for an env that draws itself (``render()``)."""
    inner = env.unwrapped
    return inner if all(hasattr(inner, name) for name in ("layout", "robot", "target")) else None


class EpisodePlayer:
    """Plays ``episodes`` episodes of ``env`` with ``policy`` (random actions when None);
    ``action_name`` names an action in the status line. Where the env says which actions it
    allows, random actions are drawn among those and the policy gets each state's mask."""

    def __init__(
        self,
        env: gym.Env,
        policy: Policy | None,
        episodes: int,
        seed: int,
        action_name: Callable[[int], str] = str,
    ) -> None:
        self.env, self.policy, self.episodes, self.seed = env, policy, episodes, seed
        self.action_name = action_name
        self.grid = grid_state(env)
        self.masked = has_action_masks(env)
        self._drawer = None
        env.action_space.seed(seed)

    def moments(self) -> Iterator[Moment]:
        for episode in range(1, self.episodes + 1):
            obs, _ = self.env.reset(seed=self.seed if episode == 1 else None)
            yield Moment(episode, self.episodes, 0, None, 0.0, False, None)
            step, done = 0, False
            while not done:
                action = self._action(obs)
                obs, reward, terminated, truncated, info = self.env.step(action)
                step += 1
                done = terminated or truncated
                success = info.get("is_success") if done else None
                yield Moment(episode, self.episodes, step, int(action), float(reward), done,
                             success)  # fmt: skip

    def _action(self, obs: Any) -> Any:
        """The policy's action, or a random one (among the allowed ones where the env says)."""
        mask = action_mask(self.env) if self.masked else None
        if self.policy is not None:
            return self.policy(obs) if mask is None else self.policy(obs, mask)
        space = self.env.action_space
        if mask is not None and isinstance(space, gym.spaces.Discrete):
            return int(space.sample(mask=mask.astype(np.int8)))
        return space.sample()

    # --- pictures of the current state -----------------------------------------------------------

    def text(self, moment: Moment) -> str:
        """The state as text (``R`` robot, ``T`` target; an env that draws itself: its ansi
        render) with the status line under it."""
        if self.grid is None:
            picture = self.env.render() if self.env.render_mode == "ansi" else None
            if not isinstance(picture, str):
                raise InvalidValueError(
                    f"{self._env_name()} cannot be drawn as text; use {setting('human')} or "
                    f"{setting('record')}"
                )
            return picture.rstrip("\n") + "\n" + moment.status(self.action_name) + "\n"
        from rlgrid.envs.rendering import ansi_text

        grid = ansi_text(self.grid.layout, self.grid.robot, self.grid.target)
        return grid + moment.status(self.action_name) + "\n"

    def frame(self, moment: Moment) -> np.ndarray:
        """An RGB frame of the state with the status line under it."""
        from rlgrid.envs.rendering import FrameDrawer, add_status_line

        status = moment.status(self.action_name)
        if self.grid is not None:
            if self._drawer is None:
                self._drawer = FrameDrawer(self.grid.layout)
            surface = self._drawer.draw(self.grid.robot, self.grid.target, status)
            return self._drawer.to_array(surface)
        picture = self.env.render()
        if not isinstance(picture, np.ndarray):
            raise InvalidValueError(f"{self._env_name()} has no rgb_array render mode")
        return add_status_line(picture, status, self._widest_status())

    def _widest_status(self) -> str:
        """The longest status these episodes can show: the most digits, the longest action
        name, a finished episode."""
        space = self.env.action_space
        names = [self.action_name(a) for a in range(int(space.n))] if hasattr(space, "n") else []
        longest = max(names, key=len, default="-")
        moment = Moment(self.episodes, self.episodes, 99_999, 0, -0.000001, True, True)
        return moment.status(lambda _: longest)

    def _env_name(self) -> str:
        return self.env.spec.id if self.env.spec else "this env"


def display_available() -> bool:
    """Whether a pygame window can open: SDL's driver is set, or there is an X or Wayland screen
    (Linux); other systems have their own window systems."""
    if os.environ.get("SDL_VIDEODRIVER"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def no_display(watching: bool = True) -> RlgridError:
    """The one line for a window that cannot open; ``watching`` also suggests text."""
    text = f"{setting('ansi')} to watch in this terminal, or " if watching else ""
    return RlgridError(
        f"no display to open a window on: use {text}{setting('record')} FILE.gif to save a "
        "recording"
    )


def watch_human(player: EpisodePlayer, fps: float) -> int:
    """Show the episodes in a window; ESC or closing it stops. Returns the steps shown."""
    if not display_available():
        raise no_display()
    from rlgrid.envs.rendering import Window, import_pygame

    pygame = import_pygame()
    window = None
    shown = 0
    try:
        for moment in player.moments():
            frame = player.frame(moment)
            if window is None:
                try:
                    window = Window((frame.shape[1], frame.shape[0]), "rlgrid", fps)
                except pygame.error:
                    raise no_display() from None
            window.show(pygame.surfarray.make_surface(frame.swapaxes(0, 1)))
            if not window.is_open:
                break
            shown += 1
    finally:
        if window is not None:
            window.close()
    return shown


def watch_ansi(player: EpisodePlayer, fps: float, stream: TextIO | None = None) -> int:
    """Write the episodes as text to ``stream`` (default ``sys.stdout``), redrawn in place on a
    terminal (one after another otherwise). Returns the steps shown."""
    stream = stream or sys.stdout
    live = stream.isatty()
    shown = 0
    for moment in player.moments():
        text = player.text(moment)
        if live:
            stream.write("\x1b[H\x1b[2J" + text)
            stream.flush()
            time.sleep(1.0 / fps)
        else:
            stream.write(text + "\n")
        shown += 1
    return shown


def check_recording(path: Path) -> None:
    """Refuse a recording ``path`` that rlgrid cannot write: not .gif or .mp4, or .mp4 without
    the video extra."""
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise InvalidValueError(f"{setting('record')} writes .gif or .mp4 files, not {path.name!r}")
    if suffix == ".mp4":
        try:
            import imageio.v2  # noqa: F401
            import imageio_ffmpeg  # noqa: F401  (ships the ffmpeg binary)
        except ImportError:
            raise RlgridError(
                "writing .mp4 needs the video extra: pip install 'rlgrid[video]' (or record a .gif)"
            ) from None


def record(player: EpisodePlayer, path: Path, fps: float) -> int:
    """Write every step's frame to ``path`` (.gif with Pillow, .mp4 with the video extra);
    returns the frames written."""
    check_recording(path)
    suffix = path.suffix.lower()
    frames = [player.frame(moment) for moment in player.moments()]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp{suffix}")
    try:
        if suffix == ".gif":
            _write_gif(frames, temporary, fps)
        else:
            _write_mp4(frames, temporary, fps)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return len(frames)


def _write_gif(frames: list[np.ndarray], path: Path, fps: float) -> None:
    from PIL import Image

    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps),
                   loop=0, optimize=True)  # fmt: skip


def _write_mp4(frames: list[np.ndarray], path: Path, fps: float) -> None:
    import imageio.v2 as imageio

    writer = imageio.get_writer(path, fps=fps, codec="libx264", quality=7, macro_block_size=1)
    try:
        for frame in frames:
            writer.append_data(frame)
    finally:
        writer.close()
