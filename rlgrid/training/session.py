"""Training runs: from a resolved config to a finished, interrupted or failed run folder.

Everything that can be checked is checked before the run folder exists: the env id, that the
algorithm fits the env's spaces, that the model fits in memory, that the device exists, that
``until_solved`` has a definition of solved.
"""

from __future__ import annotations

import time
from pathlib import Path

from rlgrid import runs, threads
from rlgrid.config import TrainConfig
from rlgrid.interrupts import StopRequests
from rlgrid.plots import CurvePlotter
from rlgrid.runs import RunError
from rlgrid.training.loop import Outcome, Reporter, quietly, train
from rlgrid.training.states import load_run_config, new_agent, newest_agent


def default_name(config: TrainConfig) -> str:
    """``<algo>_<timesteps>``, or ``<algo>_<episodes>ep`` for an episode budget."""
    return f"{config.algo}_{config.budget.label()}"


def start(
    config: TrainConfig, runs_dir: Path, name: str | None, command: list[str], reporter: Reporter
) -> Outcome:
    """Train a new run of ``config`` in a new folder under ``runs_dir`` (``name``, else the
    default name numbered until free). ``command`` is recorded in the manifest."""
    with CurvePlotter() as plotter, StopRequests() as stop:
        thread_record = threads.apply(config.threads)  # before torch loads
        if config.until_solved:  # it needs a definition of solved before we start
            config.family.check_judgeable(config.env, config.eval)
        agent = new_agent(config)
        stop.armed = True  # from here on a stop saves the run
        run_name = default_name(config) if name is None else name
        run = runs.create_run(runs_dir, run_name, numbered=name is None)
        with runs.RunLock(run, command):
            import tomli_w

            saved = config.to_toml_dict()
            if "map" in saved["env"]:  # the run keeps its own copy of the map
                runs.write_atomic(run / runs.MAP, Path(saved["env"]["map"]).read_text())
                saved["env"]["map"] = runs.MAP
            runs.write_atomic(run / runs.CONFIG, tomli_w.dumps(saved))
            manifest = runs.new_manifest(command, config.seed, config.algo)
            manifest["threads"] = thread_record
            if hasattr(agent, "vec_env_kind"):
                manifest["vec_env"] = agent.vec_env_kind
            runs.write_json(run / runs.MANIFEST, manifest)
            metrics = runs.MetricsLog(run, keep=0)
            return train(run, config, agent, manifest, metrics, reporter, plotter, stop)


def resume(
    path: Path,
    command: list[str],
    reporter: Reporter,
    thread_count: int | None = None,
    trust_env_module: bool = False,
) -> Outcome:
    """Go on training a run from its newest intact saved state: the model file of a stopped
    run, or the newest checkpoint of one whose process died. ``thread_count`` overrides the
    run's thread setting for this session (it does not change what is learned)."""
    with CurvePlotter() as plotter, StopRequests() as stop:
        run, _ = runs.find_run(path)
        config = load_run_config(run, trust_env_module=trust_env_module)
        thread_record = threads.apply(config.threads if thread_count is None else thread_count)
        with runs.RunLock(run, command):
            manifest = runs.read_manifest(run)
            if manifest["status"] == "completed":
                raise RunError(
                    f"{run} has already completed its {config.budget.label()} budget; "
                    "start a new run to train more"
                )
            for folder in (run, run / runs.CHECKPOINTS):
                if folder.is_dir():
                    runs.clean_temp_files(folder)
            agent, note = newest_agent(run, config)
            suffix = type(agent).checkpoint_suffix  # a process killed after a write, before this
            runs.prune_checkpoints(run, config.algo, suffix, config.keep_checkpoints)
            if manifest["status"] == "running":  # we hold the lock: its writer is gone
                note += " (the process that trained it died)"
            quietly(reporter.note, note)
            stop.armed = True
            metrics = runs.MetricsLog(run, keep=agent.episodes)
            started = time.strftime("%Y-%m-%dT%H:%M:%S")
            manifest["history"].append(
                {"command": command, "started": started, "threads": thread_record}
            )
            runs.update_manifest(
                run, manifest, status="running", episodes=agent.episodes, timesteps=agent.timesteps
            )
            return train(run, config, agent, manifest, metrics, reporter, plotter, stop)
