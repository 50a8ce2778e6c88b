"""Tabular Q-learning: a table of action values, one row per observation.

Episodes run in ``n_envs`` lanes stepped together with numpy (each lane an independent episode;
``n_envs=1`` is the seed tutorial's one-episode-at-a-time loop). Each episode keeps the epsilon it
started with, falling linearly over the budget as in the seed; the behaviour policy breaks ties
between equal values at random, so unvisited states (all zeros) never lock the robot into one
action, and the greedy policy used for evaluation takes the lowest action among ties.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from rlgrid import runs
from rlgrid.algos.base import EpisodeRows, Hooks
from rlgrid.algos.tabular import (
    IncompatibleError,
    TabularSpace,
    check_table_fits,
    tabular_space,
)
from rlgrid.envs.batched import BatchedWarehouse, GymnasiumLanes, LaneStep, WarehouseLanes
from rlgrid.envs.factory import make_env
from rlgrid.envs.warehouse import WarehouseEnv
from rlgrid.runs import RunError, check_model_file, write_atomic

if TYPE_CHECKING:
    from rlgrid.config import TrainConfig


class QTableParams(BaseModel):
    """Hyperparameters of tabular Q-learning (the seed's defaults)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    learning_rate: float = Field(0.9, gt=0, le=1)
    """Step size alpha of each update."""
    gamma: float = Field(0.9, ge=0, le=1)
    """Discount factor."""
    epsilon_start: float = Field(1.0, ge=0, le=1)
    """Exploration rate of the first episode."""
    epsilon_end: float = Field(0.0, ge=0, le=1)
    """Exploration rate once the decay is over."""
    exploration_fraction: float = Field(1.0, gt=0, le=1)
    """Fraction of the budget over which epsilon falls linearly from start to end."""
    n_envs: int = Field(64, ge=1, le=65536)
    """Episodes played side by side, stepped together with array operations."""
    max_table_mb: float = Field(2048.0, gt=0)
    """Refuse tables larger than this many MiB."""


@dataclass
class Progress:
    """Counters and generator states that let training stop and go on where it stopped."""

    episodes: int = 0
    timesteps: int = 0
    agent_rng: dict | None = None
    env_rngs: list[dict] | None = None


class Lanes(Protocol):
    """What the learner steps: the batched warehouse, or gymnasium envs adapted to it."""

    n: int

    def reset(self, seed: int | None) -> np.ndarray: ...
    def restore(self, states: list[dict]) -> np.ndarray: ...
    def rng_states(self) -> list[dict]: ...
    def step(self, actions: np.ndarray) -> LaneStep: ...


def greedy_actions(q_rows: np.ndarray) -> np.ndarray:
    """The lowest action with the highest value in each row."""
    return np.argmax(q_rows, axis=-1)


def train(
    q: np.ndarray,
    params: QTableParams,
    table: TabularSpace,
    lanes: Lanes,
    *,
    seed: int,
    episodes: int | None,
    timesteps: int | None,
    progress: Progress,
    rows: EpisodeRows,
    should_stop: Callable[[], bool],
    report: Callable[[int, int], None],
    checkpoint: Callable[[], None] | None = None,
    save_freq: int | None = None,
) -> bool:
    """Run Q-learning on ``q`` (states x actions, updated in place) until the budget is spent
    (``episodes`` or ``timesteps``, counted over the whole run) or ``should_stop()``.

    ``progress`` and ``rows`` carry on from an earlier call with the same budget. Returns True
    when the budget was spent. Episodes still running when training stops are dropped (their
    updates stay in the table). Every ``save_freq`` units of the budget ``checkpoint()`` is
    called with ``progress`` holding the generator states to go on from there.
    """
    budget = episodes if episodes is not None else timesteps
    if progress.agent_rng is None:
        rng = np.random.default_rng(seed)
        obs = lanes.reset(seed)
    else:
        rng = np.random.default_rng()
        rng.bit_generator.state = progress.agent_rng
        obs = lanes.restore(progress.env_rngs)
    n, n_actions = lanes.n, q.shape[1]
    lr, gamma = params.learning_rate, params.gamma
    eps_start, eps_end = params.epsilon_start, params.epsilon_end
    decay_span = params.exploration_fraction * budget

    def epsilon_now(started: int) -> float:
        done = started if episodes is not None else progress.timesteps
        return eps_start + (eps_end - eps_start) * min(1.0, done / decay_span)

    started = progress.episodes
    active = np.ones(n, dtype=bool)
    lane_epsilon = np.empty(n)
    for lane in range(n):
        if episodes is not None and started >= episodes:
            active[lane] = False
        lane_epsilon[lane] = epsilon_now(started)
        started += 1
    lane_return = np.zeros(n)
    lane_shaped = np.zeros(n)
    lane_length = np.zeros(n, dtype=np.int64)
    states = table.index(obs)

    def done_so_far() -> int:
        return progress.episodes if episodes is not None else progress.timesteps

    def snapshot() -> None:
        progress.agent_rng = rng.bit_generator.state
        progress.env_rngs = lanes.rng_states()

    every = save_freq if checkpoint is not None and save_freq else None
    next_save = (done_so_far() // every + 1) * every if every else None

    while active.any() and not should_stop():
        values = q[states]
        explore = rng.random(n) < lane_epsilon
        tied = values == values.max(axis=1, keepdims=True)
        greedy = np.argmax(rng.random((n, n_actions)) * tied, axis=1)
        actions = np.where(explore, rng.integers(n_actions, size=n), greedy)
        step = lanes.step(actions)
        next_states = table.index(step.final_obs)
        bootstrap = np.where(step.terminated, 0.0, gamma * q[next_states].max(axis=1))
        learn = active
        s, a = states[learn], actions[learn]
        q[s, a] += lr * (step.reward[learn] + bootstrap[learn] - q[s, a])

        lane_return += step.raw_reward
        lane_shaped += step.reward
        lane_length += 1
        progress.timesteps += int(active.sum())
        ended = np.flatnonzero((step.terminated | step.truncated) & active)
        for lane in ended:
            success = step.success[lane]
            rows.add(
                episode=progress.episodes,
                timesteps=progress.timesteps,
                length=lane_length[lane],
                ret=lane_return[lane],
                shaped=lane_shaped[lane],
                success=None if np.isnan(success) else success,
                epsilon=lane_epsilon[lane],
                shortest=step.shortest_path_length[lane],
            )
            progress.episodes += 1
            if episodes is not None and started >= episodes:
                active[lane] = False
            else:
                lane_epsilon[lane] = epsilon_now(started)
                started += 1
        lane_return[ended] = 0.0
        lane_shaped[ended] = 0.0
        lane_length[ended] = 0
        states = table.index(step.obs)
        if ended.size:
            report(progress.episodes, progress.timesteps)
        if timesteps is not None and progress.timesteps >= timesteps:
            break
        if next_save is not None and done_so_far() >= next_save:
            snapshot()
            checkpoint()
            next_save = (done_so_far() // every + 1) * every
    snapshot()
    spent = progress.episodes >= episodes if episodes is not None else progress.timesteps >= budget
    return spent


MODEL_FILE = "model.npz"
FORMAT = "rlgrid-q-table-2"


def save_model(path: Path, q: np.ndarray, table: TabularSpace, state: dict) -> None:
    """Write the table (shape ``dims + (actions,)``) and, in the same ``.npz``, the state that
    resuming needs (``state``: JSON text, no pickle)."""
    buffer = io.BytesIO()
    text = json.dumps({"format": FORMAT, "dims": list(table.dims), "low": list(table.low), **state})
    np.savez(buffer, q=q.reshape(*table.dims, q.shape[1]), state=np.array(text))
    write_atomic(path, buffer.getvalue())


def read_state(path: Path) -> dict | None:
    """The state saved beside a table; None when the file has none or cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            state = json.loads(str(archive["state"]))
        return state if isinstance(state, dict) else None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None


def load_model(path: Path, table: TabularSpace, n_actions: int, env_label: str) -> np.ndarray:
    """Read a q-table without unpickling anything; every bad file is one line naming it."""
    check_model_file(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            q = archive["q"]
    except KeyError:
        raise RunError(f"{path} has no q-table (no array named 'q')") from None
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise RunError(
                f"{path} holds pickled objects; rlgrid never unpickles (it can run code)"
            ) from None
        raise RunError(f"{path} is corrupt or truncated: {_first_line(error)}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise RunError(f"{path} is corrupt or truncated: {_first_line(error)}") from None
    expected = (*table.dims, n_actions)
    if q.shape != expected:
        raise RunError(
            f"{path} holds a q-table of shape {q.shape}{_grid_words(q.shape)}, but {env_label} "
            f"needs {expected}{_grid_words(expected)}"
        )
    if not np.issubdtype(q.dtype, np.floating) or not np.all(np.isfinite(q)):
        raise RunError(f"{path} holds no finite floating-point q-table")
    return np.ascontiguousarray(q, dtype=np.float64).reshape(table.n_states, n_actions)


def _grid_words(shape: tuple[int, ...]) -> str:
    if len(shape) == 5 and shape[:2] == shape[2:4]:
        return f" (a {shape[0]}x{shape[1]} warehouse)"
    return ""


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class QTableAgent:
    """A q-table with what it needs to learn, save, load and act greedily."""

    model_file = MODEL_FILE
    checkpoint_suffix = ".npz"

    def __init__(self, config: TrainConfig, env: gym.Env, q: np.ndarray | None = None) -> None:
        env_id = config.env.id
        if not isinstance(env.action_space, gym.spaces.Discrete):
            raise IncompatibleError(
                f"q-table needs a discrete action space, but {env_id} acts in {env.action_space}"
            )
        if config.env.obs not in (None, "coords"):
            raise IncompatibleError(
                f"q-table indexes its table by the coords observation, not {config.env.obs!r}; "
                "drop --obs or use a2c, dqn or ppo"
            )
        self.config = config
        self.params: QTableParams = config.params
        self.env = env
        self.n_actions = int(env.action_space.n)
        self.table = tabular_space(env.observation_space, env_id)
        self.label = _env_label(env, env_id)
        check_table_fits(self.table, self.n_actions, self.params.max_table_mb, self.label)
        self.q = np.zeros((self.table.n_states, self.n_actions)) if q is None else q
        self.progress = Progress()
        self.rows = EpisodeRows()
        self.solved_at = None
        self.last_checkpoint: Path | None = None

    @property
    def episodes(self) -> int:
        return self.progress.episodes

    @property
    def timesteps(self) -> int:
        return self.progress.timesteps

    def _lanes(self) -> Lanes:
        warehouse = self.env.unwrapped
        if isinstance(warehouse, WarehouseEnv):
            core = BatchedWarehouse(
                self.params.n_envs,
                warehouse.layout,
                warehouse.random_start,
                warehouse.max_steps,
                self.config.shaping_for(warehouse.layout, warehouse.max_steps),
            )
            return WarehouseLanes(core)
        config = self.config
        return GymnasiumLanes(
            self.params.n_envs, lambda: make_env(config.env.id, config.env.kwargs())
        )

    def learn(self, run: Path, hooks: Hooks) -> bool:
        def checkpoint() -> None:
            hooks.persist()
            count = self.episodes if self.config.episodes is not None else self.timesteps
            path = runs.checkpoint_path(run, "q-table", count, ".npz")
            self._write(path)
            runs.prune_checkpoints(run, "q-table", ".npz", self.config.keep_checkpoints)
            self.last_checkpoint = path

        return train(
            self.q,
            self.params,
            self.table,
            self._lanes(),
            seed=self.config.seed,
            episodes=self.config.episodes,
            timesteps=self.config.timesteps,
            progress=self.progress,
            rows=self.rows,
            should_stop=hooks.should_stop,
            report=hooks.report,
            checkpoint=checkpoint,
            save_freq=self.config.checkpoint_every(),
        )

    def act(self, obs: np.ndarray) -> int:
        return int(self.act_batch(np.asarray(obs)[None])[0])

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        return greedy_actions(self.q[self.table.index(obs)])

    def values_batch(self, obs: np.ndarray) -> np.ndarray:
        """The state value of each observation: its largest action value."""
        return self.q[self.table.index(obs)].max(axis=1)

    def save(self, run: Path) -> None:
        self._write(run / MODEL_FILE)

    def _write(self, path: Path) -> None:
        save_model(
            path,
            self.q,
            self.table,
            {
                "algo": "q-table",
                "env": self.config.env.id,
                "n_actions": self.n_actions,
                "episodes": self.progress.episodes,
                "timesteps": self.progress.timesteps,
                "resume": {
                    "agent_rng": self.progress.agent_rng,
                    "env_rngs": self.progress.env_rngs,
                },
            },
        )

    @staticmethod
    def read_counters(path: Path) -> dict[str, int] | None:
        state = read_state(path)
        try:
            return {"timesteps": int(state["timesteps"]), "episodes": int(state["episodes"])}
        except (KeyError, TypeError, ValueError):
            return None

    @classmethod
    def load(
        cls,
        config: TrainConfig,
        env: gym.Env,
        run: Path,
        model: Path | None = None,
        resume: bool = False,
    ) -> QTableAgent:
        agent = cls(config, env, q=np.zeros((0, 0)))
        path = model or run / MODEL_FILE
        agent.q = load_model(path, agent.table, agent.n_actions, agent.label)
        if resume:
            state = read_state(path)
            saved = state.get("resume") if state is not None else None
            if not isinstance(saved, dict):
                raise RunError(
                    f"{path} carries no training state (an older rlgrid wrote it); it can be "
                    "evaluated but not resumed"
                )
            agent.progress = Progress(
                episodes=int(state["episodes"]),
                timesteps=int(state["timesteps"]),
                agent_rng=saved.get("agent_rng"),
                env_rngs=saved.get("env_rngs"),
            )
            agent.last_checkpoint = path if path.parent.name == runs.CHECKPOINTS else None
        return agent


def _env_label(env: gym.Env, env_id: str) -> str:
    warehouse = env.unwrapped
    if isinstance(warehouse, WarehouseEnv):
        return f"the {warehouse.rows}x{warehouse.cols} warehouse"
    return env_id
