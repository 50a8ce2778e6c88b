"""What ``rlgrid render`` does for each of its modes (the CLI module only parses)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console

from rlgrid.envs.factory import env_kwargs, is_warehouse, make_env
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.errors import InvalidValueError

DEFAULT_FPS = {"--human": 4.0, "--ansi": 4.0, "--record": 8.0, "--play": 30.0}


def render(
    mode: str,
    run: Path | None,
    env_id: str | None,
    floor: dict[str, object],
    episodes: int,
    fps: float | None,
    seed: int,
    record: Path | None,
    policy_map: str | None,
    target: str | None,
    *,
    trust_env_module: bool = False,
) -> None:
    from rlgrid import playback

    # rlgrid plays no sound, and only --human and --play need a screen: keep SDL from probing
    # audio devices and display servers (and printing about them) for the others.
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    if mode not in ("--human", "--play"):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    fps = fps or DEFAULT_FPS.get(mode, 4.0)
    if mode == "--play":
        if run is not None:
            raise InvalidValueError("--play drives the robot by hand: drop RUN")
        from rlgrid.keyboard import play

        env = make_env(env_id or WAREHOUSE_ID, env_kwargs(env_id or WAREHOUSE_ID, floor))
        if not is_warehouse(env_id or WAREHOUSE_ID):
            raise InvalidValueError("--play works on the warehouse only")
        taken = play(env, fps, seed)
        Console().print(f"played {len(taken)} moves")
        return
    for destination in (record, None if policy_map in (None, "-") else Path(policy_map)):
        if destination is not None:
            _check_destination(destination, "--record" if destination is record else "--policy-map")
    env, policy, config, agent = _env_and_policy(run, env_id, floor, trust_env_module)
    if mode == "--policy-map":
        _policy_map(config, agent, env, policy_map, target, run)
        return
    player = playback.EpisodePlayer(env, policy, episodes, seed)
    if mode == "--human":
        playback.watch_human(player, fps)
    elif mode == "--ansi":
        playback.watch_ansi(player, fps)
    else:
        frames = playback.record(player, record, fps)
        Console().print(f"recorded {frames} frames to {record}", soft_wrap=True)


def _check_destination(path: Path, option: str) -> None:
    """Refuse an output file that cannot be written before any work: a path that is a folder, or
    one below a file. Missing folders are fine (they are created)."""
    if path.is_dir():
        raise InvalidValueError(f"{option} {path} is a folder: give a file name in it")
    for folder in path.parents:
        if folder.exists():
            if not folder.is_dir():
                raise InvalidValueError(f"{option} {path}: {folder} is a file, not a folder")
            return


def _env_and_policy(
    run: Path | None, env_id: str | None, floor: dict[str, object], trust_env_module: bool
):
    if run is None:
        env = make_env(
            env_id or WAREHOUSE_ID,
            env_kwargs(env_id or WAREHOUSE_ID, floor),
            **({} if is_warehouse(env_id or WAREHOUSE_ID) else {"render_mode": "rgb_array"}),
        )
        return env, None, None, None
    if env_id is not None:
        raise InvalidValueError("a run brings its own env: drop --env")
    from rlgrid.training import make_config_env, on_other_env, open_run

    _, config, agent = open_run(run, trust_env_module=trust_env_module)
    config = on_other_env(config, **floor)
    env = make_config_env(config, render_mode="rgb_array")
    return env, agent.act, config, agent


def _policy_map(config, agent, env, destination: str, target: str | None, run: Path) -> None:
    from rlgrid import policymap
    from rlgrid.training import config_encoding

    if not is_warehouse(config.env.id):
        raise InvalidValueError("policy maps draw the warehouse only")
    layout = env.unwrapped.layout
    cell = policymap.parse_cell(target, layout) if target else policymap.farthest_target(layout)
    encode = config_encoding(config, layout).encode
    mapped = policymap.build(layout, cell, encode, agent)
    if destination == "-":
        sys.stdout.write(policymap.as_text(mapped))
        return
    path = Path(destination)
    if path.suffix.lower() != ".png":
        raise InvalidValueError(
            f"--policy-map writes a .png file (or - for text), not {path.name!r}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    size = policymap.save_picture(mapped, path, f"{run}: {config.algo}")
    Console().print(f"policy map ({size[0]}x{size[1]}) written to {path}", soft_wrap=True)
