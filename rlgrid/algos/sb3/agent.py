"""The stable-baselines3 backends: a2c, dqn and ppo, and sb3-contrib's maskable-ppo.

Training runs SB3's own ``learn`` with a callback that records episodes and SB3's training
statistics (``train_stats.csv``, :mod:`.train_stats`), writes checkpoints, runs the periodic
evaluation (best model, until_solved) and honours stop requests.

SB3's model zips store some fields with cloudpickle, which runs code when SB3's ``load`` reads
them. rlgrid never calls ``load``: it rebuilds the model from the run's own config and reads the
weights alone with ``set_parameters`` (torch's weights-only loader). Every model zip rlgrid
writes for resuming (``model.zip`` and the checkpoints) also carries, as extra zip members that
SB3 ignores, the counters (``rlgrid.json``) and for dqn the replay buffer (``.npz``), neither
pickled: each file resumes on its own. With ``normalize``, every model zip (``best.zip`` too)
carries VecNormalize's statistics as plain arrays (``vecnormalize.npz``): the agent's ``act``
takes the env's own observations and normalizes them as training did.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from rlgrid import runs
from rlgrid.algos.base import DivergedError, EnvMaker, EpisodeRows, Hooks, counters_of
from rlgrid.algos.sb3.callback import RunCallback, StopNow
from rlgrid.algos.sb3.model import build_model
from rlgrid.algos.sb3.storage import (
    EVALUATIONS,
    buffer_bytes,
    normalizer_bytes,
    read_evaluations,
    read_normalizer,
    read_weights,
    restore_buffer,
    write_evaluations,
)
from rlgrid.evaluation import Judgement
from rlgrid.runs import RunError, write_atomic, write_json

if TYPE_CHECKING:
    from rlgrid.config import TrainConfig

MODEL_FILE = "model.zip"
STATE_MEMBER = "rlgrid.json"
"""Inside every model zip rlgrid writes (but best.zip): counters and best score, for resuming."""
BUFFER_MEMBER = "replay_buffer.npz"
"""Inside dqn's model zips: the filled part of the replay buffer."""
NORMALIZER_MEMBER = "vecnormalize.npz"
"""Inside every model zip of a run with ``normalize``: VecNormalize's statistics."""
BEST_FILE = "best.zip"
BEST_META = "best.json"
FORMAT = "rlgrid-sb3-2"
EXPLAINED = "train/explained_variance"  # nan where all returns of a rollout are equal


class SB3Agent:
    model_file = MODEL_FILE
    checkpoint_suffix = ".zip"
    greedy = True  # predict(deterministic=True)

    def __init__(self, config: TrainConfig, envs: EnvMaker) -> None:
        self.config = config
        self.algo = config.algo
        self.params = config.params
        self.vec_env, self.vec_env_kind, self.model = build_model(config, envs)
        self.normalizer = self.model.get_vec_normalize_env()
        self.rows = EpisodeRows()
        self.episodes = 0
        self.solved_at: dict | None = None
        self.best_score: tuple | None = None
        self.evaluations: list[tuple] = []
        self.last_checkpoint: Path | None = None

    @property
    def timesteps(self) -> int:
        return int(self.model.num_timesteps)

    def observe(self, obs: np.ndarray) -> np.ndarray:
        """The env's own observations as the policy reads them (normalized with ``normalize``,
        by the statistics so far; reading never updates them)."""
        return obs if self.normalizer is None else self.normalizer.normalize_obs(obs)

    def act(self, obs: np.ndarray, mask: np.ndarray | None = None) -> int:
        """The greedy action; maskable-ppo takes it among those ``mask`` allows, the others
        ignore the mask (the env's own treatment of an action it does not allow applies)."""
        action, _ = self.model.predict(self.observe(obs), deterministic=True, **self._masks(mask))
        return int(action)

    def act_batch(self, obs: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
        """Greedy actions for a batch, ``masks`` (observations x actions) as ``act``'s mask."""
        actions, _ = self.model.predict(self.observe(obs), deterministic=True, **self._masks(masks))
        return np.asarray(actions).reshape(len(obs))

    def _masks(self, masks: np.ndarray | None) -> dict[str, Any]:
        """``predict``'s keyword for ``masks``, for an algorithm that acts with masks."""
        if masks is None or not self.config.algorithm.needs_masks:
            return {}
        return {"action_masks": np.asarray(masks, dtype=bool)}

    def values_batch(self, obs: np.ndarray) -> np.ndarray:
        """State values: the largest Q-value for dqn, the critic's value for the others."""
        policy = self.model.policy
        tensor, _ = policy.obs_to_tensor(self.observe(obs))
        with torch.no_grad():
            if self.algo == "dqn":
                values = policy.q_net(tensor).max(dim=1).values
            else:
                values = policy.predict_values(tensor).reshape(-1)
        return values.cpu().numpy()

    def learn(self, run: Path, hooks: Hooks) -> bool:
        total = int(self.config.timesteps)
        if self.timesteps >= total:
            return True
        if importlib.util.find_spec("tensorboard") is not None:
            self.model.tensorboard_log = str(run / "tensorboard")
        callback = RunCallback(self, run, hooks, total)

        def stop_before_step(*_: Any) -> None:
            # A long update (PPO's epochs over a big rollout) looks for a stop request before
            # every optimizer step, so a stop waits for one step, never for a whole update;
            # the weights are those of the last complete step.
            if hooks.should_stop():
                raise StopNow

        handle = self.model.policy.optimizer.register_step_pre_hook(stop_before_step)
        try:
            self.model.learn(
                total - self.timesteps,
                callback=callback,
                reset_num_timesteps=False,
                tb_log_name=self.algo,
            )
        except StopNow:
            return False
        except ValueError:
            self.check_finite()  # non-finite weights make torch's distributions raise
            raise
        finally:
            handle.remove()
            callback.close()
        return self.timesteps >= total and not callback.stopped

    def check_finite(self) -> None:
        """Raise :class:`DivergedError` when the weights or the last update's losses are not
        finite (a learning rate far too high, say): such a model is never saved."""
        what = None
        for name, tensor in self.model.policy.state_dict().items():
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                what = f"the weights ({name})"
                break
        else:
            logger = getattr(self.model, "_logger", None)  # set up by the first learn()
            logged = logger.name_to_value if logger is not None else {}
            for key, value in logged.items():
                if key.startswith("train/") and key != EXPLAINED and not math.isfinite(value):
                    what = f"the {key.removeprefix('train/')}"
                    break
        if what is None:
            return
        last = self.last_checkpoint
        kept = (
            f"the last good checkpoint is {last}"
            if last is not None
            else "no checkpoint was written before"
        )
        rate = self.params.algorithm_kwargs().get("learning_rate", "the default")
        raise DivergedError(
            f"training diverged at step {self.timesteps:,}: {what} became nan or inf; {kept}; "
            f"try a lower learning_rate (it is {rate})"
        )

    # --- files -------------------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        """What resuming needs beside the weights: the counters (the schedules are functions
        of them) and the best evaluation so far."""
        model = self.model
        return {
            "format": FORMAT,
            "algo": self.algo,
            "env": self.config.env.id,
            "timesteps": self.timesteps,
            "episodes": self.episodes,
            "n_updates": int(getattr(model, "_n_updates", 0)),
            "n_calls": int(getattr(model, "_n_calls", 0)),
            "episode_num": int(getattr(model, "_episode_num", 0)),
            "best_score": list(self.best_score) if self.best_score is not None else None,
            "solved_at": self.solved_at,
        }

    def _zip_bytes(self, state: bool = True) -> bytes:
        """The model in SB3's zip format, and, inside the same zip, rlgrid's state
        (``rlgrid.json``) and the replay buffer (dqn): one file that resumes on its own."""
        self.check_finite()
        data = io.BytesIO()
        self.model.save(data)
        with zipfile.ZipFile(data, "a") as archive:
            if self.normalizer is not None:
                archive.writestr(NORMALIZER_MEMBER, normalizer_bytes(self.normalizer))
            if state:
                archive.writestr(STATE_MEMBER, json.dumps(self._state(), indent=1))
                buffer = getattr(self.model, "replay_buffer", None)
                if buffer is not None:
                    archive.writestr(BUFFER_MEMBER, buffer_bytes(buffer))
        return data.getvalue()

    def save_checkpoint(self, run: Path) -> Path:
        path = runs.checkpoint_path(run, self.algo, self.timesteps, ".zip")
        write_atomic(path, self._zip_bytes())
        runs.prune_checkpoints(run, self.algo, ".zip", self.config.keep_checkpoints)
        self.last_checkpoint = path
        return path

    def save_best(self, run: Path, judgement: Judgement) -> None:
        write_atomic(run / BEST_FILE, self._zip_bytes(state=False))
        write_json(
            run / BEST_META, {"timesteps": self.timesteps, "evaluation": judgement.result.to_dict()}
        )

    def save_evaluations(self, run: Path) -> None:
        write_evaluations(run / EVALUATIONS, self.evaluations)

    def save(self, run: Path) -> None:
        write_atomic(run / MODEL_FILE, self._zip_bytes())
        if self.evaluations:
            self.save_evaluations(run)

    @staticmethod
    def read_counters(path: Path) -> dict[str, int] | None:
        """The counters of the state saved in ``path``; None when it has none or cannot be
        read."""
        try:
            with zipfile.ZipFile(path) as archive:
                state = json.loads(archive.read(STATE_MEMBER))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return None
        return counters_of(state)

    @classmethod
    def load(
        cls,
        config: TrainConfig,
        envs: EnvMaker,
        run: Path,
        model: Path | None = None,
        resume: bool = False,
    ) -> SB3Agent:
        """Rebuild the model from the run's config and read weights only from ``model`` (the
        run's final model by default), and its normalization statistics; with ``resume``, the
        state saved beside them too (the statistics then go on updating)."""
        agent = cls(config, envs)
        path = model or run / MODEL_FILE
        read_weights(agent.model, path)
        if agent.normalizer is not None:
            read_normalizer(agent.normalizer, path, NORMALIZER_MEMBER)
            agent.normalizer.training = resume
        if resume:
            agent._restore_state(run, path)
        return agent

    def _restore_state(self, run: Path, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                if STATE_MEMBER not in names:
                    raise RunError(
                        f"{path} carries no training state (an older rlgrid wrote it); it can "
                        "be evaluated but not resumed"
                    )
                state = json.loads(archive.read(STATE_MEMBER))
                buffer_data = archive.read(BUFFER_MEMBER) if BUFFER_MEMBER in names else None
            self.model.num_timesteps = int(state["timesteps"])
            self.model._n_updates = int(state["n_updates"])
            self.model._episode_num = int(state["episode_num"])
            if hasattr(self.model, "_n_calls"):
                self.model._n_calls = int(state["n_calls"])
            self.episodes = int(state["episodes"])
            self.solved_at = state.get("solved_at")
            best = state.get("best_score")
            self.best_score = tuple(best) if best is not None else None
        except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as error:
            raise RunError(f"{path} holds no training state rlgrid wrote: {error}") from None
        buffer = getattr(self.model, "replay_buffer", None)
        if buffer is not None and buffer_data is not None:
            restore_buffer(buffer, buffer_data, path)
        self.evaluations = [
            row for row in read_evaluations(run / EVALUATIONS) if row[0] <= self.timesteps
        ]
        self.last_checkpoint = path if path.parent.name == runs.CHECKPOINTS else None
        # The random streams go on from a seed derived from the step, so a resumed run does
        # not replay the episodes and exploration noise of its first steps.
        self.model.set_random_seed(self.config.seed + self.timesteps)
