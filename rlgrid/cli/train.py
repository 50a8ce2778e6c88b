"""``rlgrid train``: train an agent; a run folder appears under runs/."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from rlgrid.cli.command import typed_command
from rlgrid.cli.options import (
    EnvKwargsOption,
    EnvOption,
    GridOption,
    LayoutOption,
    LayoutSeedOption,
    LayoutsOption,
    MapOption,
    MaxStepsOption,
    ObsOption,
    RandomStartOption,
    TargetsOption,
    TrustEnvModuleOption,
    WrapperOption,
    chosen_run,
    env_extras,
    warehouse_options,
)


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def train(
    algo: Annotated[
        str | None,
        typer.Option(
            help="q-table, a2c, dqn, ppo or maskable-ppo. Default: the config's, else q-table.",
            show_default=False,
        ),
    ] = None,
    env: EnvOption = None,
    env_kwargs: EnvKwargsOption = None,
    wrapper: WrapperOption = None,
    grid: GridOption = None,
    targets: TargetsOption = None,
    random_start: RandomStartOption = None,
    max_steps: MaxStepsOption = None,
    map_file: MapOption = None,
    layout: LayoutOption = None,
    layout_seed: LayoutSeedOption = None,
    layouts: LayoutsOption = None,
    obs: ObsOption = None,
    window: Annotated[
        int | None,
        typer.Option(
            min=1, max=32, metavar="R", help="Radius of the window part (default 4: 9x9 cells)."
        ),
    ] = None,
    reward: Annotated[
        str | None,
        typer.Option(
            metavar="KIND[+KIND]",
            help="Warehouse: sparse, proximity, exploration, direction or potential, combinable "
            "with + (default sparse for q-table, potential otherwise). Tangram: sparse (default), "
            "area or solvable.",
        ),
    ] = None,
    episodes: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Budget in episodes (q-table; default 1000, 20000 on gymnasium's toy-text envs).",
        ),
    ] = None,
    timesteps: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Budget in environment steps.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Seed: the same seed gives the same run (default 0).")
    ] = None,
    n_envs: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="K",
            help="Envs stepped side by side (default: q-table 64; a2c/dqn/ppo 16 on the warehouse, "
            "8 on the tangram, else 1).",
        ),
    ] = None,
    device: Annotated[
        Device | None,
        typer.Option(help="Where networks run (not q-table; default auto).", show_default=False),
    ] = None,
    save_freq: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Checkpoint every N steps (10000; q-table: episodes, or 1000000 steps).",
        ),
    ] = None,
    until_solved: Annotated[
        bool,
        typer.Option(
            "--until-solved",
            help="Stop once a periodic evaluation finds the task solved (every target reached "
            "near-optimally, or the env's reward threshold).",
        ),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="A TOML preset (see configs/); flags override it."),
    ] = None,
    hp: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE",
            help="A hyperparameter of the algorithm, e.g. --hp gamma=0.95 (repeatable; values "
            "are TOML literals).",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="Run folder name (default <algo>_<timesteps> or <algo>_<episodes>ep)."),
    ] = None,
    runs_dir: Annotated[Path, typer.Option(metavar="DIR", help="Where run folders go.")] = Path(
        "runs"
    ),
    resume: Annotated[
        Path | None,
        typer.Option(
            metavar="RUN",
            help="Continue an interrupted run where it stopped; latest names the newest run in "
            "--runs-dir (latest:PREFIX, the newest named PREFIX...).",
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=256,
            metavar="N",
            help="Not q-table: torch threads (default 1: measured fastest here). Allowed "
            "with --resume.",
            show_default=False,
        ),
    ] = None,
    trust_env_module: TrustEnvModuleOption = False,
) -> None:
    """Train an agent and write a run folder (config, manifest, model, metrics, learning curve,
    evaluation). Ctrl+C saves the run and prints how to resume it.

    Example: rlgrid train --algo a2c --grid 6x6 --timesteps 100000 --until-solved
    """
    from rlgrid import training
    from rlgrid.cli.progress import RichReporter
    from rlgrid.cli.report import print_outcome
    from rlgrid.config import build_config

    command = typed_command()
    if resume is not None:
        given = [
            flag
            for flag, value in {
                "--algo": algo, "--env": env, "--grid": grid, "--targets": targets,
                "--random-start": random_start, "--max-steps": max_steps,
                "--episodes": episodes, "--timesteps": timesteps, "--seed": seed,
                "--n-envs": n_envs, "--config": config, "--hp": hp, "--name": name,
                "--device": device, "--save-freq": save_freq,
                "--until-solved": until_solved or None, "--obs": obs, "--reward": reward,
                "--map": map_file, "--layout": layout, "--layout-seed": layout_seed,
                "--layouts": layouts, "--window": window, "--env-kwargs": env_kwargs,
                "--wrapper": wrapper,
            }.items()
            if value is not None
        ]  # fmt: skip
        if given:
            raise typer.BadParameter(
                f"a resumed run keeps its own settings; drop {', '.join(given)}",
                param_hint="--resume",
            )
        outcome = training.resume(
            chosen_run(resume, runs_dir),
            command,
            RichReporter(),
            thread_count=threads,
            trust_env_module=trust_env_module,
        )
    else:
        preset, flags, hyper = train_settings(
            algo=algo, env=env, env_kwargs=env_kwargs, wrapper=wrapper, grid=grid,
            targets=targets, random_start=random_start, max_steps=max_steps, map_file=map_file,
            layout=layout, layout_seed=layout_seed, layouts=layouts, obs=obs, window=window,
            reward=reward, episodes=episodes, timesteps=timesteps, seed=seed, n_envs=n_envs,
            device=device, save_freq=save_freq, until_solved=until_solved, config=config, hp=hp,
        )  # fmt: skip
        flags["threads"] = threads
        settings = build_config(preset, flags, hyper)
        outcome = training.start(settings, runs_dir, name, command, RichReporter())
    print_outcome(outcome)
    if outcome.status == "interrupted":
        raise typer.Exit(130)


def train_settings(
    *,
    algo: str | None,
    env: str | None,
    env_kwargs: list[str] | None,
    wrapper: list[str] | None,
    grid: Any,
    targets: Any,
    random_start: bool | None,
    max_steps: int | None,
    map_file: Path | None,
    layout: str | None,
    layout_seed: int | None,
    layouts: int | None,
    obs: str | None,
    window: int | None,
    reward: str | None,
    episodes: int | None,
    timesteps: int | None,
    seed: int | None,
    n_envs: int | None,
    device: Device | None,
    save_freq: int | None,
    until_solved: bool,
    config: Path | None,
    hp: list[str] | None,
) -> tuple[Path | None, dict[str, Any], dict[str, Any]]:
    """What train's settings flags say, as :func:`rlgrid.config.build_config` takes it: the
    preset, the settings given on top of it, and the hyperparameters (``rlgrid doctor`` takes
    the same flags)."""
    from rlgrid.config import parse_hp

    hyper = parse_hp(hp or [])
    if n_envs is not None:
        hyper["n_envs"] = n_envs
    if device is not None:
        hyper["device"] = device.value
    flags = {
        "algo": algo if algo is not None or config is not None else "q-table",
        "seed": seed,
        "episodes": episodes,
        "timesteps": timesteps,
        "save_freq": save_freq,
        "until_solved": until_solved or None,
        "env.id": env,
        "env.obs": obs,
        "env.window": window,
        "env.reward": reward,
        **env_extras(env_kwargs, wrapper),
        **{
            f"env.{key}": value
            for key, value in warehouse_options(
                grid, targets, random_start, max_steps, map_file, layout, layout_seed, layouts
            ).items()
        },
    }
    return config, flags, hyper
