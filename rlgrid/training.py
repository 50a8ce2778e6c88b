"""Training runs: from a resolved config to a finished, interrupted or failed run folder.

Everything that can be checked is checked before the run folder exists: the env id, that the
algorithm fits the env's spaces, that the model fits in memory, that the device exists.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from rlgrid import runs
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
from rlgrid.interrupts import StopRequests
from rlgrid.plots import CurvePlotter
from rlgrid.runs import RunError


class Reporter(Protocol):
    """Live progress: ``start`` once, ``update`` as episodes finish, ``stop`` at the end."""

    def start(self, total: int, unit: str, done: int) -> None: ...
    def update(self, done: int, stats: dict[str, float]) -> None: ...
    def stop(self) -> None: ...


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
    with CurvePlotter() as plotter:
        env = make_config_env(config)
        solved_threshold(config)  # --until-solved needs a definition of solved before we start
        agent = agent_class(config.algo)(config, env)
        run_name = default_name(config) if name is None else name
        run = runs.create_run(runs_dir, run_name, numbered=name is None)
        import tomli_w

        saved = config.to_toml_dict()
        if config.env.map is not None:  # the run keeps its own copy of the map
            runs.write_atomic(run / runs.MAP, Path(config.env.map).read_text())
            saved["env"]["map"] = runs.MAP
        runs.write_atomic(run / runs.CONFIG, tomli_w.dumps(saved))
        manifest = runs.new_manifest(command, config.seed, config.algo)
        if hasattr(agent, "vec_env_kind"):
            manifest["vec_env"] = agent.vec_env_kind
        runs.write_json(run / runs.MANIFEST, manifest)
        return _train(run, config, agent, manifest, [], reporter, plotter)


def load_run_config(run: Path) -> TrainConfig:
    return build_config(run / runs.CONFIG, {}, {})


def open_run(path: Path) -> tuple[Path, TrainConfig, Any]:
    """Load a run's config and its model (the run's, or the model file ``path`` names), never
    unpickling anything from the folder."""
    run, model = runs.find_run(path)
    config = load_run_config(run)
    agent = agent_class(config.algo).load(config, make_config_env(config), run, model)
    return run, config, agent


def resume(path: Path, command: list[str], reporter: Reporter) -> Outcome:
    run, _ = runs.find_run(path)
    config = load_run_config(run)
    manifest = runs.read_json(run / runs.MANIFEST)
    if manifest.get("status") == "completed":
        raise RunError(
            f"{run} has already completed its {config.budget_label()} budget; "
            "start a new run to train more"
        )
    with CurvePlotter() as plotter:
        _, _, agent = open_run(run)
        previous = runs.read_metrics(run)[: agent.episodes]
        started = time.strftime("%Y-%m-%dT%H:%M:%S")
        manifest["history"].append({"command": command, "started": started})
        runs.update_manifest(run, manifest, status="running")
        return _train(run, config, agent, manifest, previous, reporter, plotter)


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


def _train(
    run: Path,
    config: TrainConfig,
    agent: Agent,
    manifest: dict[str, Any],
    previous: list[tuple],
    reporter: Reporter,
    plotter: CurvePlotter,
) -> Outcome:
    unit = "episodes" if config.episodes is not None else "timesteps"
    total = int(config.episodes or config.timesteps or 0)
    seconds_before = float(manifest.get("seconds", 0.0))
    began = time.perf_counter()
    last_report = [0.0]

    def report(episodes: int, timesteps: int) -> None:
        now = time.perf_counter()
        if now - last_report[0] < 0.1:
            return
        last_report[0] = now
        stats = {**agent.rows.recent(), "timesteps": timesteps}
        reporter.update(episodes if unit == "episodes" else timesteps, stats)

    reporter.start(total, unit, agent.episodes if unit == "episodes" else agent.timesteps)
    try:
        with StopRequests() as stop:
            hooks = Hooks(
                should_stop=lambda: stop.requested is not None,
                report=report,
                judge=lambda live: judge(config, live),
            )
            try:
                spent = agent.learn(run, hooks)
                signal_name = stop.requested
            except KeyboardInterrupt:  # a second Ctrl+C: stop now, save what there is
                spent, signal_name = False, "SIGINT"
        reporter.stop()
        seconds = seconds_before + time.perf_counter() - began
        _save(run, config, agent, previous, plotter)
        counters: dict[str, Any] = {
            "episodes": agent.episodes,
            "timesteps": agent.timesteps,
            "seconds": round(seconds, 3),
        }
        if agent.solved_at is not None:
            counters["solved_at"] = agent.solved_at
        if not spent and agent.solved_at is None:
            runs.update_manifest(
                run, manifest, status="interrupted", signal=signal_name, **counters
            )
            return Outcome(run, "interrupted", **counters, evaluation=None, signal=signal_name)
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
        return Outcome(run, "completed", **counters, evaluation=result)
    except BaseException as error:
        reporter.stop()
        runs.update_manifest(
            run, manifest, status="failed", error=f"{type(error).__name__}: {error}"
        )
        raise


def _save(
    run: Path, config: TrainConfig, agent: Agent, previous: list[tuple], plotter: CurvePlotter
) -> None:
    agent.save(run)
    rows = previous + agent.rows.as_tuples()
    runs.write_metrics(run, rows)
    if rows:
        columns = list(zip(*rows, strict=True))
        optimal = np.array(columns[6]) if min(columns[6]) >= 0 else None
        success = np.array([bool(s) for s in columns[4]]) if None not in columns[4] else None
        floor = config.env.label() if is_warehouse(config.env.id) else ""
        plotter.draw(
            path=run / runs.CURVE,
            title=f"{run.name}: {config.algo} on {config.env.id} {floor}".rstrip(),
            length=np.array(columns[2]),
            success=success,
            optimal=optimal,
            returns=np.array(columns[3]) if success is None else None,
        )
