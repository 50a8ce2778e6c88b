"""Tabular Q-learning: a table of action values, one row per observation.

Episodes run in ``n_envs`` lanes stepped together with numpy (each lane an independent episode;
``n_envs=1`` is the seed tutorial's one-episode-at-a-time loop). Each episode keeps the epsilon it
started with, falling linearly over the budget as in the seed; the behaviour policy breaks ties
between equal values at random, so unvisited states (all zeros) never lock the robot into one
action, and the greedy policy used for evaluation takes the lowest action among ties.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import gymnasium as gym
import numpy as np

from rlgrid import runs
from rlgrid.algos.base import EnvMaker, EpisodeRows, Hooks, counters_of
from rlgrid.algos.qtable.learner import Progress, greedy_actions, train
from rlgrid.algos.qtable.params import QTableParams
from rlgrid.algos.qtable.storage import MODEL_FILE, load_model, read_state, save_model
from rlgrid.algos.tabular import check_table_fits, tabular_space
from rlgrid.errors import IncompatibleError
from rlgrid.runs import RunError

if TYPE_CHECKING:
    from rlgrid.config import TrainConfig


class QTableAgent:
    """A q-table with what it needs to learn, save, load and act greedily."""

    model_file = MODEL_FILE
    checkpoint_suffix = ".npz"
    greedy = True

    def __init__(self, config: TrainConfig, envs: EnvMaker, q: np.ndarray | None = None) -> None:
        observations, actions = envs.spaces()
        table = tabular_space(observations)
        if table is None or not isinstance(actions, gym.spaces.Discrete):
            raise IncompatibleError(
                f"q-table cannot index {envs.env_id}: {observations} observed, {actions} acted in"
            )
        self.config = config
        self.params: QTableParams = config.params
        self.envs = envs
        self.n_actions = int(actions.n)
        self.table = table
        self.label = envs.label
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

    def learn(self, run: Path, hooks: Hooks) -> bool:
        config = self.config

        def checkpoint() -> None:
            hooks.persist()
            count = self.episodes if config.budget.unit == "episodes" else self.timesteps
            path = runs.checkpoint_path(run, "q-table", count, ".npz")
            self._write(path)
            runs.prune_checkpoints(run, "q-table", ".npz", config.keep_checkpoints)
            self.last_checkpoint = path

        def solved() -> bool:
            """until_solved: judge the greedy policy every eval.freq steps."""
            judgement = hooks.judge(self)
            if judgement is None:  # given up: a stop was requested
                return False
            if judgement.solved and self.solved_at is None:
                self.solved_at = {
                    "timesteps": self.timesteps,
                    "evaluation": judgement.result.to_dict(),
                }
            return judgement.solved

        return train(
            self.q,
            self.params,
            self.table,
            self.envs.lanes(self.params.n_envs),
            seed=self.config.seed,
            episodes=self.config.episodes,
            timesteps=self.config.timesteps,
            progress=self.progress,
            rows=self.rows,
            should_stop=hooks.should_stop,
            report=hooks.report,
            checkpoint=checkpoint,
            save_freq=config.checkpoint_every(),
            solved=solved if config.until_solved and hooks.judge is not None else None,
            judge_freq=config.eval.freq,
        )

    def act(self, obs: np.ndarray, mask: np.ndarray | None = None) -> int:
        masks = None if mask is None else np.asarray(mask, dtype=bool)[None]
        return int(self.act_batch(np.asarray(obs)[None], masks)[0])

    def act_batch(self, obs: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
        """The greedy action of each observation, among its allowed actions where ``masks``
        (observations x actions, bool) is given."""
        return greedy_actions(self.q[self.table.index(obs)], masks)

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
        return counters_of(read_state(path))

    @classmethod
    def load(
        cls,
        config: TrainConfig,
        envs: EnvMaker,
        run: Path,
        model: Path | None = None,
        resume: bool = False,
    ) -> QTableAgent:
        agent = cls(config, envs, q=np.zeros((0, 0)))
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
