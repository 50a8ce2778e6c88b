"""A run's saved states: its config, its model file and checkpoints, and the agents they load
into, never unpickling anything nor importing what the run names (unless trusted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlgrid import runs
from rlgrid.algos.base import Agent, EnvMaker, has_masks
from rlgrid.algos.registry import agent_class, check_fits
from rlgrid.config import TrainConfig, build_config
from rlgrid.errors import setting
from rlgrid.families.gymnasium import resolve_env_id
from rlgrid.runs import RunError


def training_envs(config: TrainConfig) -> EnvMaker:
    """What the run's agent trains on, from its env family, refused in one line where the
    algorithm cannot work on the env's spaces, or needs action masks the env does not give."""
    envs = config.family.training_envs(config.env, config.reward_setup())
    check_fits(config.algorithm, *envs.spaces(), config.env.id, has_masks(envs))
    return envs


def new_agent(config: TrainConfig) -> Agent:
    return agent_class(config.algo)(config, training_envs(config))


def load_run_config(run: Path, *, trust_env_module: bool = False) -> TrainConfig:
    """The run's saved config. An env id with a ``module:`` prefix, or a wrapper from a module
    outside gymnasium, minigrid and rlgrid, would import that module when the env is made,
    running whatever code it holds: refused unless ``trust_env_module``, so loading a run never
    imports what the run names. A trusted env module is imported at once (the warehouse's
    batched envs make no gymnasium env that would import it)."""
    config = build_config(run / runs.CONFIG, {}, {})
    modules = config.env.external_modules()
    if modules and not trust_env_module:
        names = ", ".join(repr(module) for module in modules)
        plural = "s" if len(modules) > 1 else ""
        raise RunError(
            f"{run / runs.CONFIG} names the module{plural} {names}; loading a run never imports "
            f"what it names: pass {setting('trust_env_module')} if you trust this run"
        )
    if config.env.id.rpartition(":")[0]:
        resolve_env_id(config.env.id)
    return config


def open_run(path: Path, *, trust_env_module: bool = False) -> tuple[Path, TrainConfig, Any]:
    """Load a run's config and its model (the run's, or the model file ``path`` names), never
    unpickling anything from the folder, nor importing the env module its config names unless
    ``trust_env_module``."""
    run, model = runs.find_run(path)
    config = load_run_config(run, trust_env_module=trust_env_module)
    model = model or latest_model(run, config)
    agent = agent_class(config.algo).load(config, training_envs(config), run, model)
    return run, config, agent


def saved_states(run: Path, config: TrainConfig) -> list[tuple[Path, dict[str, int] | None]]:
    """The run's model file and checkpoints, newest first (by step; the model file first among
    equals), each with the counters of its training state; those without one (unreadable, or
    written by an older rlgrid) come last, with None."""
    cls = agent_class(config.algo)
    files = [run / cls.model_file]
    files += reversed(runs.checkpoint_files(run, config.algo, cls.checkpoint_suffix))
    found = [(path, cls.read_counters(path)) for path in files if path.is_file()]
    return sorted(found, key=lambda state: -1 if state[1] is None else -state[1]["timesteps"])


def latest_model(run: Path, config: TrainConfig) -> Path:
    """The file holding the run's newest model: its model file, or after a crash (kill -9, a
    second Ctrl+C) its newest checkpoint."""
    states = saved_states(run, config)
    return states[0][0] if states else run / agent_class(config.algo).model_file


def newest_agent(run: Path, config: TrainConfig) -> tuple[Agent, str]:
    """The agent of the newest saved state that loads, and a line saying where it goes on from.
    States that do not load are skipped (and named); a run with no saved state at all (stopped
    before its first checkpoint) starts over, one whose every state fails is refused."""
    cls = agent_class(config.algo)
    envs = training_envs(config)
    states = saved_states(run, config)
    skipped = [
        f"{path.relative_to(run)} carries no training state rlgrid can read"
        for path, counters in states
        if counters is None
    ]
    for path, counters in states:
        if counters is None:
            continue
        try:
            agent = cls.load(config, envs, run, path, resume=True)
        except RunError as error:
            skipped.append(str(error))
            continue
        note = f"resuming {run} from {path.relative_to(run)} at step {counters['timesteps']:,}"
        return agent, "; ".join([*(f"skipped {text}" for text in skipped), note])
    if states:
        raise RunError(f"{run} has no saved state to resume from: {'; '.join(skipped)}")
    return cls(config, envs), f"resuming {run} from the start: it stopped before any checkpoint"
