"""What ``rlgrid render`` does in each mode: build the env (and load the run's agent), then watch
it in a window or as text, record it, map its policy or play it by hand.

The caller (the CLI) chooses the :class:`Mode` and reports the :class:`Watched` it gets back;
nothing here prints, except the text animation of :attr:`Mode.ansi` on the stream given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TextIO

from rlgrid.errors import InvalidValueError, setting
from rlgrid.watch import playback


class Mode(str, Enum):
    """How to see the agent; each value is the setting that chooses it."""

    human = "human"
    """In a pygame window."""
    ansi = "ansi"
    """As text in the terminal."""
    record = "record"
    """Recorded to a GIF or MP4 file, headless."""
    policy_map = "policy_map"
    """The greedy action and value of every cell, as a picture or text."""
    play = "play"
    """Driven by hand with the arrow keys."""


DEFAULT_FPS = {Mode.human: 4.0, Mode.ansi: 4.0, Mode.record: 8.0, Mode.play: 30.0}

NEEDS = {Mode.ansi: "draws_text", Mode.policy_map: "maps_policies", Mode.play: "playable"}
"""The :class:`~rlgrid.families.Family` capability each mode needs beyond a gymnasium env."""


@dataclass(frozen=True)
class Request:
    """What to watch, and how."""

    mode: Mode
    run: Path | None = None
    """A run folder or a model file in one; None for a random agent."""
    env_id: str | None = None
    """The env without a run (default: the warehouse)."""
    floor: dict[str, Any] = field(default_factory=dict)
    """Floor settings (``grid``, ``map``, ``layout`` ...; None: not given)."""
    env: dict[str, Any] = field(default_factory=dict)
    """More settings of the env without a run, as config keys (``env.kwargs``, ``env.wrappers``,
    ``env.obs``; None: not given)."""
    episodes: int = 3
    fps: float | None = None
    """Frames per second; None for the mode's default (:data:`DEFAULT_FPS`)."""
    seed: int = 0
    output: Path | None = None
    """The file a recording or a policy map picture goes to; None for a policy map as text."""
    target: str | None = None
    """A policy map's target as ``ROW,COL`` text; None for the farthest from the start."""
    trust_env_module: bool = False


@dataclass(frozen=True)
class Watched:
    """What was done, for the caller to report."""

    mode: Mode
    shown: int = 0
    """Steps shown in the window or as text, or frames recorded."""
    moves: tuple[int, ...] = ()
    """The actions played by hand."""
    output: Path | None = None
    """The file written (a recording or a policy map picture)."""
    map_text: str | None = None
    """A policy map as text: arrows, then the agreement line."""
    picture_size: tuple[int, int] | None = None
    """(width, height) of a policy map picture."""


def watch(request: Request, stream: TextIO | None = None) -> Watched:
    """Do what ``request`` asks; :attr:`Mode.ansi` writes to ``stream`` (default stdout)."""
    mode = request.mode
    # rlgrid plays no sound, and only the window and play need a screen: keep SDL from probing
    # audio devices and display servers (and printing about them) for the others.
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    if mode not in (Mode.human, Mode.play):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    fps = request.fps or DEFAULT_FPS.get(mode, 4.0)
    if mode is Mode.play:
        return Watched(mode, moves=tuple(_play(request, fps)))
    if request.output is not None:
        check_destination(request.output, mode)
    env, config, agent = _env_and_agent(request)
    try:
        if mode is Mode.policy_map:
            return _policy_map(request, env, config, agent)
        _require(config.family, mode)
        player = playback.EpisodePlayer(
            env,
            None if agent is None else agent.act,
            request.episodes,
            request.seed,
            config.family.action_namer(config.env),
        )
        if mode is Mode.human:
            return Watched(mode, shown=playback.watch_human(player, fps))
        if mode is Mode.ansi:
            return Watched(mode, shown=playback.watch_ansi(player, fps, stream))
        if request.output is None:
            raise InvalidValueError(f"{setting('record')} needs a file to write")
        frames = playback.record(player, request.output, fps)
        return Watched(mode, shown=frames, output=request.output)
    finally:
        env.close()


def check_destination(path: Path, mode: Mode) -> None:
    """Refuse an output file that cannot be written before any work: a path that is a folder, or
    one below a file. Missing folders are fine (they are created)."""
    if path.is_dir():
        raise InvalidValueError(f"{setting(mode.value)} {path} is a folder: give a file name in it")
    for folder in path.parents:
        if folder.exists():
            if not folder.is_dir():
                raise InvalidValueError(
                    f"{setting(mode.value)} {path}: {folder} is a file, not a folder"
                )
            return


def _require(family: Any, mode: Mode) -> None:
    """Refuse ``mode`` where the env's family lacks the capability it needs."""
    from rlgrid.families import FAMILIES

    need = NEEDS.get(mode)
    if need is None or getattr(family, need):
        return
    able = " or the ".join(other.name for other in FAMILIES if getattr(other, need)) or "none"
    if mode is Mode.ansi:
        what = f"{setting('ansi')} draws the {able} only; use {setting('human')} or "
        raise InvalidValueError(what + setting("record"))
    if mode is Mode.play:
        raise InvalidValueError(f"{setting('play')} works on the {able} only")
    raise InvalidValueError(f"policy maps draw the {able} only")


def _config_without_run(request: Request) -> Any:
    """The config of the env asked for (its id and floor), with no trained agent."""
    from rlgrid.config import env_config

    given = {f"env.{key}": value for key, value in request.floor.items()}
    given.update(request.env)
    return env_config({"env.id": request.env_id, **given})


def _play(request: Request, fps: float) -> list[int]:
    from rlgrid.watch.keyboard import play

    if request.run is not None:
        raise InvalidValueError(f"{setting('play')} drives the robot by hand: drop RUN")
    config = _config_without_run(request)
    env = config.family.make(config.env)
    try:
        _require(config.family, Mode.play)
        return play(env, fps, request.seed)
    finally:
        env.close()


def _env_and_agent(request: Request) -> tuple[Any, Any, Any]:
    """The env to watch (drawing through its own render where it draws itself: ansi text for
    text where its family draws text, else rgb_array), its config, and the run's agent (None
    without a run)."""
    if request.run is None:
        config, agent = _config_without_run(request), None
    else:
        extra = [key for key, value in request.env.items() if value is not None]
        if request.env_id is not None or extra:
            named = ", ".join(setting(key) for key in ["env.id"] * (request.env_id is not None)
                              + extra)  # fmt: skip
            raise InvalidValueError(f"a run brings its own env: drop {named}")
        from rlgrid.training import open_run
        from rlgrid.training.assess import on_floor

        _, config, agent = open_run(request.run, trust_env_module=request.trust_env_module)
        config = on_floor(config, request.floor)
    text = request.mode is Mode.ansi and config.family.draws_text
    render_mode = "ansi" if text else "rgb_array"
    return config.family.make(config.env, render_mode=render_mode), config, agent


def _policy_map(request: Request, env: Any, config: Any, agent: Any) -> Watched:
    from rlgrid.watch import policymap

    _require(config.family, Mode.policy_map)
    grid = playback.grid_state(env)
    if agent is None or grid is None:
        raise InvalidValueError("a policy map needs a trained run on a grid")
    layout = grid.layout
    if request.target:
        cell = policymap.parse_cell(request.target, layout)
    else:
        cell = policymap.farthest_target(layout)
    encode = config.family.cell_encoding(config.env).encode
    mapped = policymap.build(layout, cell, encode, agent)
    path = request.output
    if path is None:
        return Watched(Mode.policy_map, map_text=policymap.as_text(mapped))
    if path.suffix.lower() != ".png":
        raise InvalidValueError(
            f"{setting('policy_map')} writes a .png file (or - for text), not {path.name!r}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    size = policymap.save_picture(mapped, path, f"{request.run}: {config.algo}")
    return Watched(Mode.policy_map, output=path, picture_size=size)
