"""``rlgrid render``: watch an agent (or a random one), record it, map its policy, or play."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rlgrid.cli.options import (
    RUN_HELP,
    EnvKwargsOption,
    EnvOption,
    GridOption,
    LayoutOption,
    LayoutSeedOption,
    MapOption,
    TrustEnvModuleOption,
    WrapperOption,
    chosen_run,
    env_extras,
    floor_options,
)

if TYPE_CHECKING:
    from rlgrid.watch import Watched


def render(
    run: Annotated[
        Path | None,
        typer.Argument(
            help="A run folder (or a model file in one); without it a random agent acts. "
            + RUN_HELP
        ),
    ] = None,
    human: Annotated[bool, typer.Option("--human", help="Watch in a pygame window.")] = False,
    ansi: Annotated[bool, typer.Option("--ansi", help="Watch as text in this terminal.")] = False,
    record: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Record to FILE.gif (or .mp4), headless.")
    ] = None,
    policy_map: Annotated[
        str | None,
        typer.Option(metavar="FILE|-", help="Map the greedy policy of RUN to a PNG, or - as text."),
    ] = None,
    play: Annotated[
        bool, typer.Option("--play", help="Move the robot with the arrow keys.")
    ] = False,
    env: EnvOption = None,
    env_kwargs: EnvKwargsOption = None,
    wrapper: WrapperOption = None,
    grid: GridOption = None,
    map_file: MapOption = None,
    layout: LayoutOption = None,
    layout_seed: LayoutSeedOption = None,
    episodes: Annotated[int, typer.Option(min=1, metavar="N", help="Episodes to show.")] = 3,
    fps: Annotated[
        float | None,
        typer.Option(
            min=0.1, help="Frames per second (window 4, recordings 8, text 4).", show_default=False
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the first episode.")] = 0,
    target: Annotated[
        str | None,
        typer.Option(metavar="R,C", help="Policy map target (default: farthest from the start)."),
    ] = None,
    trust_env_module: TrustEnvModuleOption = False,
) -> None:
    """See the agent: a window (--human), text (--ansi), a recording (--record FILE.gif), a policy
    map (--policy-map FILE.png or -), or keyboard play (--play). ESC or closing the window stops.

    Example: rlgrid render runs/a2c_781000 --record agent.gif
    """
    from rlgrid.cli.wording import flag
    from rlgrid.watch import Mode, Request, watch

    modes = {
        Mode.human: human, Mode.ansi: ansi, Mode.record: record is not None,
        Mode.policy_map: policy_map is not None, Mode.play: play,
    }  # fmt: skip
    chosen = [mode for mode, on in modes.items() if on]
    if len(chosen) != 1:
        raise typer.BadParameter(
            "choose one of --human, --ansi, --record FILE, --policy-map FILE or --play"
            + (f" (got {', '.join(flag(mode.value) for mode in chosen)})" if chosen else ""),
            param_hint="mode",
        )
    if (policy_map is not None) and run is None:
        raise typer.BadParameter("a policy map needs a trained RUN", param_hint="--policy-map")
    if target is not None and policy_map is None:
        raise typer.BadParameter("--target goes with --policy-map", param_hint="--target")
    mode = chosen[0]
    if run is not None:
        run = chosen_run(run)
    output = record if mode is Mode.record else None
    if mode is Mode.policy_map and policy_map != "-":
        output = Path(policy_map)
    done = watch(
        Request(
            mode=mode,
            run=run,
            env_id=env,
            floor=floor_options(grid, map_file, layout, layout_seed),
            env=env_extras(env_kwargs, wrapper),
            episodes=episodes,
            fps=fps,
            seed=seed,
            output=output,
            target=target,
            trust_env_module=trust_env_module,
        )
    )
    _report(done)


def _report(done: Watched) -> None:
    """One line on what was done (nothing after watching); a policy map as text is printed
    whole."""
    from rlgrid.cli.output import console
    from rlgrid.watch import Mode

    if done.mode is Mode.play:
        console().print(f"played {len(done.moves)} moves")
    elif done.mode is Mode.record:
        console().print(f"recorded {done.shown} frames to {done.output}", soft_wrap=True)
    elif done.map_text is not None:
        sys.stdout.write(done.map_text)
    elif done.picture_size is not None:
        width, height = done.picture_size
        console().print(f"policy map ({width}x{height}) written to {done.output}", soft_wrap=True)
