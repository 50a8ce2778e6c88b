"""Training runs: from a resolved config to a finished, interrupted or failed run folder.

Everything that can be checked is checked before the run folder exists: the env id, that the
algorithm fits the env's spaces, that the model fits in memory, that the device exists.
"""

from __future__ import annotations

import contextlib
import errno
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from rlgrid import runs, threads
from rlgrid.algos.base import Agent, Hooks, Judgement
from rlgrid.algos.registry import agent_class
from rlgrid.config import TrainConfig, build_config
from rlgrid.envs.factory import is_warehouse, make_env, resolve_env_id
from rlgrid.envs.layout import Layout
from rlgrid.envs.observations import (
    DEFAULT_WINDOW,
    EncodedObservation,
    Encoding,
    size_independent,
)
from rlgrid.envs.oracle import oracle_actions
from rlgrid.envs.rewards import ShapedReward
from rlgrid.errors import InvalidValueError
from rlgrid.evaluation import EvalResult, evaluate, evaluate_batched
from rlgrid.interrupts import StopRequests, say
from rlgrid.plots import CurvePlotter
from rlgrid.runs import RunError


class Reporter(Protocol):
    """Live progress: ``start`` once, ``update`` as episodes finish, ``stop`` at the end;
    ``note`` prints a line (where a resumed run goes on from, warnings)."""

    def start(self, total: int, unit: str, done: int) -> None: ...
    def update(self, done: int, stats: dict[str, float]) -> None: ...
    def stop(self) -> None: ...
    def note(self, text: str) -> None: ...


@dataclass(frozen=True)
class Outcome:
    run: Path
    status: str
    episodes: int
    timesteps: int
    seconds: float
    evaluation: EvalResult | None
    signal: str | None = None
    solved_at: dict | None = None


def make_config_env(
    config: TrainConfig, shaped: bool = False, render_mode: str | None = None
) -> gym.Env:
    """The run's env: its observation encoding, and its reward shaping when ``shaped`` (training);
    evaluation leaves shaping out so returns compare fairly. ``render_mode`` is for other envs
    (rlgrid draws the warehouse from its state)."""
    extra = (
        {} if render_mode is None or is_warehouse(config.env.id) else {"render_mode": render_mode}
    )
    env = make_env(config.env.id, config.env.kwargs(), **extra)
    if not is_warehouse(config.env.id):
        return env
    warehouse = env.unwrapped
    shaping = config.shaping_for(warehouse.layout, warehouse.max_steps) if shaped else None
    if shaping is not None:
        env = ShapedReward(env, shaping)
    if config.env.obs not in (None, "coords"):
        env = EncodedObservation(env, config.env.obs, config.env.window or DEFAULT_WINDOW)
    return env


def config_encoding(config: TrainConfig, layout: Layout) -> Encoding:
    """The run's observation encoding of a warehouse layout."""
    return Encoding(config.env.obs or "coords", layout, config.env.window or DEFAULT_WINDOW)


def on_other_env(config: TrainConfig, **changes: Any) -> TrainConfig:
    """The run's config on another warehouse grid, map or layout (``rlgrid eval --grid``,
    ``--map``, ``--layout``), refused where the policy cannot read the new observations."""
    if not any(value is not None for value in changes.values()):
        return config
    if not is_warehouse(config.env.id):
        names = ", ".join(
            "--" + key.replace("_", "-") for key, v in changes.items() if v is not None
        )
        raise InvalidValueError(f"{names} apply to the warehouse, not to {config.env.id}")
    other = config.model_copy(update={"env": config.env.on(**changes)})
    obs = config.env.obs or "coords"
    if size_independent(obs):
        return other
    trained = config_encoding(config, config.env.warehouse_layout()).space
    asked = config_encoding(other, other.env.warehouse_layout()).space
    if trained.shape == asked.shape and np.array_equal(trained.high, asked.high):
        return other
    what = (
        "a q-table has one row per state of the grid it learned"
        if config.algo == "q-table"
        else (f"this run observes {obs!r}, which depends on the grid size")
    )
    raise InvalidValueError(
        f"{what}, so it cannot act on {other.env.grid_size()} (trained on "
        f"{config.env.grid_size()}); train with --obs offset or offset+window for a policy that "
        "works on any size"
    )


def default_name(config: TrainConfig) -> str:
    """``<algo>_<timesteps>``, or ``<algo>_<episodes>ep`` for an episode budget."""
    return f"{config.algo}_{config.budget_label()}"


def start(
    config: TrainConfig, runs_dir: Path, name: str | None, command: list[str], reporter: Reporter
) -> Outcome:
    with CurvePlotter() as plotter, StopRequests() as stop:
        thread_record = threads.apply(config.threads)  # before torch loads
        env = make_config_env(config)
        solved_threshold(config)  # --until-solved needs a definition of solved before we start
        agent = agent_class(config.algo)(config, env)
        stop.armed = True  # from here on a stop saves the run
        run_name = default_name(config) if name is None else name
        run = runs.create_run(runs_dir, run_name, numbered=name is None)
        with runs.RunLock(run, command):
            import tomli_w

            saved = config.to_toml_dict()
            if config.env.map is not None:  # the run keeps its own copy of the map
                runs.write_atomic(run / runs.MAP, Path(config.env.map).read_text())
                saved["env"]["map"] = runs.MAP
            runs.write_atomic(run / runs.CONFIG, tomli_w.dumps(saved))
            manifest = runs.new_manifest(command, config.seed, config.algo)
            manifest["threads"] = thread_record
            if hasattr(agent, "vec_env_kind"):
                manifest["vec_env"] = agent.vec_env_kind
            runs.write_json(run / runs.MANIFEST, manifest)
            metrics = runs.MetricsLog(run, keep=0)
            return _train(run, config, agent, manifest, metrics, reporter, plotter, stop)


def load_run_config(run: Path, *, trust_env_module: bool = False) -> TrainConfig:
    """The run's saved config. An env id with a ``module:`` prefix would import that module when
    the env is made, running whatever code it holds: refused unless ``trust_env_module`` (the
    ``--trust-env-module`` flag), so loading a run never imports what the run names."""
    config = build_config(run / runs.CONFIG, {}, {})
    module = config.env.id.rpartition(":")[0]
    if module and not trust_env_module:
        raise RunError(
            f"{run / runs.CONFIG} names the env module {module!r}; loading a run never imports "
            "what it names: pass --trust-env-module if you trust this run"
        )
    return config


def open_run(path: Path, *, trust_env_module: bool = False) -> tuple[Path, TrainConfig, Any]:
    """Load a run's config and its model (the run's, or the model file ``path`` names), never
    unpickling anything from the folder, nor importing the env module its config names unless
    ``trust_env_module``."""
    run, model = runs.find_run(path)
    config = load_run_config(run, trust_env_module=trust_env_module)
    model = model or latest_model(run, config)
    agent = agent_class(config.algo).load(config, make_config_env(config), run, model)
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
                    f"{run} has already completed its {config.budget_label()} budget; "
                    "start a new run to train more"
                )
            for folder in (run, run / runs.CHECKPOINTS):
                if folder.is_dir():
                    runs.clean_temp_files(folder)
            agent, note = _newest_agent(run, config)
            suffix = type(agent).checkpoint_suffix  # a process killed after a write, before this
            runs.prune_checkpoints(run, config.algo, suffix, config.keep_checkpoints)
            if manifest["status"] == "running":  # we hold the lock: its writer is gone
                note += " (the process that trained it died)"
            _quietly(reporter.note, note)
            stop.armed = True
            metrics = runs.MetricsLog(run, keep=agent.episodes)
            started = time.strftime("%Y-%m-%dT%H:%M:%S")
            manifest["history"].append(
                {"command": command, "started": started, "threads": thread_record}
            )
            runs.update_manifest(
                run, manifest, status="running", episodes=agent.episodes, timesteps=agent.timesteps
            )
            return _train(run, config, agent, manifest, metrics, reporter, plotter, stop)


def _newest_agent(run: Path, config: TrainConfig) -> tuple[Agent, str]:
    """The agent of the newest saved state that loads, and a line saying where it goes on from.
    States that do not load are skipped (and named); a run with no saved state at all (stopped
    before its first checkpoint) starts over, one whose every state fails is refused."""
    cls = agent_class(config.algo)
    env = make_config_env(config)
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
            agent = cls.load(config, env, run, path, resume=True)
        except RunError as error:
            skipped.append(str(error))
            continue
        note = f"resuming {run} from {path.relative_to(run)} at step {counters['timesteps']:,}"
        return agent, "; ".join([*(f"skipped {text}" for text in skipped), note])
    if states:
        raise RunError(f"{run} has no saved state to resume from: {'; '.join(skipped)}")
    return cls(config, env), f"resuming {run} from the start: it stopped before any checkpoint"


def solved_threshold(config: TrainConfig) -> float | None:
    """The mean return that counts as solved for a non-warehouse env (None for the warehouse,
    which is solved by reaching every target on a near-shortest path)."""
    if is_warehouse(config.env.id):
        return None
    threshold = config.eval.reward_threshold
    if threshold is None:
        threshold = gym.spec(resolve_env_id(config.env.id)).reward_threshold
    if threshold is None and config.until_solved:
        raise InvalidValueError(
            f"--until-solved needs a reward threshold for {config.env.id}: its spec has none; "
            "set reward_threshold in the config's [eval] table"
        )
    return threshold


def judge(config: TrainConfig, agent: Agent) -> Judgement:
    """Evaluate ``agent`` the way the final evaluation does, and say whether it is solved."""
    result = evaluation_of(config, agent)
    if is_warehouse(config.env.id):
        ratio = result.optimality_ratio if result.optimality_ratio is not None else math.inf
        solved = result.success_rate == 1.0 and ratio <= config.eval.max_ratio
        return Judgement(result, solved, (result.success_rate or 0.0, -ratio))
    threshold = solved_threshold(config)
    solved = threshold is not None and result.mean_return >= threshold
    return Judgement(result, solved, (result.mean_return,))


def every_target(config: TrainConfig) -> bool:
    """Whether evaluations play every target (and start) once: the config's choice, by default
    on the warehouse with a fixed start."""
    if not is_warehouse(config.env.id):
        return False
    if config.eval.all_targets is not None:
        return config.eval.all_targets
    return not config.env.resolved().random_start


def evaluation_of(
    config: TrainConfig,
    agent: Agent | None,
    episodes: int | None = None,
    seed: int | None = None,
    all_targets: bool | None = None,
) -> EvalResult:
    """Greedy evaluation with raw rewards. Defaults: the config's ``[eval]``, and every target
    once where the start is fixed. Warehouse episodes all run at once (``evaluate_batched``).
    ``agent`` None is the oracle: it walks a shortest path (by breadth-first search)."""
    warehouse = is_warehouse(config.env.id)
    if all_targets is None:
        all_targets = every_target(config)
    episodes = config.eval.episodes if episodes is None else episodes
    seed = config.eval.seed if seed is None else seed
    env = make_config_env(config)
    try:
        if warehouse:
            layout = env.unwrapped.layout
            if agent is None:
                return evaluate_batched(
                    env,
                    lambda cells: oracle_actions(layout, cells[:, 0], cells[:, 1]),
                    lambda robot, target: np.stack([robot, target], axis=1),
                    episodes,
                    seed,
                    all_targets,
                )
            encoding = config_encoding(config, layout)
            return evaluate_batched(
                env, agent.act_batch, encoding.encode, episodes, seed, all_targets
            )
        if agent is None:
            raise InvalidValueError(
                f"the oracle walks shortest paths on the warehouse; {config.env.id} has none"
            )
        return evaluate(env, agent.act, episodes, seed, all_targets)
    finally:
        env.close()


def _quietly(write: Any, *args: Any) -> None:
    """Progress and messages never stop training or saving: an output that went away (a closed
    terminal, ``| tee`` killed by the same Ctrl+C) is given up."""
    with contextlib.suppress(OSError, ValueError):
        write(*args)


def _train(
    run: Path,
    config: TrainConfig,
    agent: Agent,
    manifest: dict[str, Any],
    metrics: runs.MetricsLog,
    reporter: Reporter,
    plotter: CurvePlotter,
    stop: StopRequests,
) -> Outcome:
    unit = "episodes" if config.episodes is not None else "timesteps"
    total = int(config.episodes or config.timesteps or 0)
    seconds_before = float(manifest.get("seconds", 0.0))
    began = time.perf_counter()
    clock = {"report": 0.0, "flush": 0.0}
    written = [0]  # agent.rows already in metrics.csv

    def flush() -> None:
        rows = agent.rows.as_tuples(written[0])
        metrics.append(rows)
        written[0] += len(rows)
        clock["flush"] = time.perf_counter()

    def persist() -> None:
        flush()
        metrics.sync()

    def report(episodes: int, timesteps: int) -> None:
        now = time.perf_counter()
        if now - clock["report"] < 0.1:
            return
        clock["report"] = now
        if now - clock["flush"] > 1.0:
            flush()
        stats = {**agent.rows.recent(), "timesteps": timesteps}
        _quietly(reporter.update, episodes if unit == "episodes" else timesteps, stats)

    def force(signal_name: str) -> None:
        """A second Ctrl+C: the run stays as its newest saved state left it."""
        if manifest.get("status") == "completed":
            return  # saved and evaluated already: nothing to go on from
        states = [state for state in saved_states(run, config) if state[1] is not None]
        path, counters = states[0] if states else (None, {})
        runs.update_manifest(
            run,
            manifest,
            status="interrupted",
            signal=signal_name,
            forced=True,
            episodes=counters.get("episodes", 0),
            timesteps=counters.get("timesteps", 0),
        )
        where = f"{path.relative_to(run)}" if path else "its start (nothing saved yet)"
        say(
            f"stopped at once by a second {signal_name}; the run goes on from {where}.\n"
            f"resume with: rlgrid train --resume {run}"
        )

    _quietly(reporter.start, total, unit, agent.episodes if unit == "episodes" else agent.timesteps)
    stop.on_force = force
    try:
        hooks = Hooks(
            should_stop=lambda: stop.requested is not None,
            report=report,
            persist=persist,
            judge=lambda live: judge(config, live),
        )
        spent = agent.learn(run, hooks)
        _quietly(reporter.stop)
        persist()
        seconds = seconds_before + time.perf_counter() - began
        counters: dict[str, Any] = {
            "episodes": agent.episodes,
            "timesteps": agent.timesteps,
            "seconds": round(seconds, 3),
        }
        if agent.solved_at is not None:
            counters["solved_at"] = agent.solved_at
        agent.save(run)
        if not spent and agent.solved_at is None:
            runs.update_manifest(
                run, manifest, status="interrupted", signal=stop.requested, **counters
            )
            outcome = Outcome(
                run, "interrupted", **counters, evaluation=None, signal=stop.requested
            )
        else:
            result = evaluation_of(config, agent)
            runs.write_json(
                run / runs.EVALUATION,
                {
                    "all_targets": every_target(config),
                    "seed": config.eval.seed,
                    "greedy": True,
                    "result": result.to_dict(),
                },
            )
            runs.update_manifest(run, manifest, status="completed", **counters)
            outcome = Outcome(run, "completed", **counters, evaluation=result)
        _draw_curve(run, config, metrics.rows + agent.rows.as_tuples(), plotter, reporter)
        return outcome
    except BaseException as error:
        _quietly(reporter.stop)
        problem = _disk_problem(error, run)
        # The disk that failed the run may fail this write too; resuming needs neither.
        with contextlib.suppress(OSError):
            runs.update_manifest(
                run,
                manifest,
                status="failed",
                error=str(problem or f"{type(error).__name__}: {error}"),
            )
        if problem is not None:
            raise problem from None
        raise
    finally:
        stop.on_force = None
        with contextlib.suppress(OSError):
            metrics.close()


def _disk_problem(error: BaseException, run: Path) -> RunError | None:
    """A full disk (or quota) while training: one line that says where, and that the run resumes
    from its newest checkpoint once there is space."""
    if not isinstance(error, OSError) or error.errno not in (errno.ENOSPC, errno.EDQUOT):
        return None
    where = error.filename or run
    return RunError(
        f"cannot write {where}: {error.strerror}; the run is kept as of its newest checkpoint: "
        f"free some space, then rlgrid train --resume {run}"
    )


def _draw_curve(
    run: Path, config: TrainConfig, rows: list[tuple], plotter: CurvePlotter, reporter: Reporter
) -> None:
    """The learning curve, drawn after the run is saved; a failure to draw it is a warning."""
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    optimal = np.array(columns[6]) if min(columns[6]) >= 0 else None
    success = np.array([bool(s) for s in columns[4]]) if None not in columns[4] else None
    floor = config.env.label() if is_warehouse(config.env.id) else ""
    try:
        plotter.draw(
            path=run / runs.CURVE,
            title=f"{run.name}: {config.algo} on {config.env.id} {floor}".rstrip(),
            length=np.array(columns[2]),
            success=success,
            optimal=optimal,
            returns=np.array(columns[3]) if success is None else None,
        )
    except (OSError, RuntimeError) as error:
        _quietly(reporter.note, f"warning: the learning curve was not drawn: {error}")
