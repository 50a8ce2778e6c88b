"""The stable-baselines3 backends: a2c, dqn and ppo.

Training runs SB3's own ``learn`` with a callback that records episodes, writes checkpoints, runs
the periodic evaluation (best model, --until-solved) and honours stop requests.

SB3's model zips store some fields with cloudpickle, which runs code when SB3's ``load`` reads
them. rlgrid never calls ``load``: it rebuilds the model from the run's own config and reads the
weights alone with ``set_parameters`` (torch's weights-only loader). Every model zip rlgrid
writes for resuming (``model.zip`` and the checkpoints) also carries, as extra zip members that
SB3 ignores, the counters (``rlgrid.json``) and for dqn the replay buffer (``.npz``), neither
pickled: each file resumes on its own.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
import stable_baselines3 as sb3
import torch
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

from rlgrid import runs
from rlgrid.algos.base import DivergedError, EpisodeRows, Hooks, Judgement
from rlgrid.algos.registry import algorithms_for_continuous_actions
from rlgrid.algos.tabular import IncompatibleError
from rlgrid.envs.batched import BatchedWarehouse
from rlgrid.envs.factory import is_warehouse
from rlgrid.envs.observations import planes_shape
from rlgrid.envs.vector import WarehouseVecEnv
from rlgrid.errors import InvalidValueError, RlgridError
from rlgrid.runs import RunError, check_model_file, write_atomic, write_json

if TYPE_CHECKING:
    from rlgrid.config import TrainConfig

MODEL_FILE = "model.zip"
STATE_MEMBER = "rlgrid.json"
"""Inside every model zip rlgrid writes (but best.zip): counters and best score, for resuming."""
BUFFER_MEMBER = "replay_buffer.npz"
"""Inside dqn's model zips: the filled part of the replay buffer."""
BUFFER_ARRAYS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")
EVALUATION_COLUMNS = ("timesteps", "success_rate", "optimality_ratio", "mean_return", "solved")
BEST_FILE = "best.zip"
BEST_META = "best.json"
EVALUATIONS = "evaluations.csv"
FORMAT = "rlgrid-sb3-2"

_CLASSES = {"a2c": sb3.A2C, "dqn": sb3.DQN, "ppo": sb3.PPO}
_OPTIMIZERS = {name: getattr(torch.optim, name) for name in ("Adam", "AdamW", "RMSprop", "SGD")}
_ACTIVATIONS = {
    name: getattr(torch.nn, name) for name in ("ReLU", "Tanh", "ELU", "LeakyReLU", "GELU", "SiLU")
}
_ACTION_SPACES = (gym.spaces.Box, gym.spaces.Discrete, gym.spaces.MultiDiscrete,
                  gym.spaces.MultiBinary)  # fmt: skip
_OBSERVATION_SPACES = _ACTION_SPACES


class ExponentialExploration:
    """epsilon = final + (initial - final) * exp(-steps / decay_steps)."""

    def __init__(self, model: Any, initial: float, final: float, decay_steps: int) -> None:
        self.model, self.initial, self.final, self.decay = model, initial, final, decay_steps

    def __call__(self, progress_remaining: float) -> float:
        steps = self.model.num_timesteps
        return self.final + (self.initial - self.final) * math.exp(-steps / self.decay)


def _check_spaces(algo: str, env: gym.Env, env_id: str) -> None:
    if algo == "dqn" and not isinstance(env.action_space, gym.spaces.Discrete):
        fits = ", ".join(algorithms_for_continuous_actions())
        raise IncompatibleError(
            f"dqn needs a discrete action space, but {env_id} acts in {env.action_space}; "
            f"algorithms that fit: {fits}"
        )
    if not isinstance(env.action_space, _ACTION_SPACES):
        raise IncompatibleError(f"{algo} cannot act in {env_id}'s {env.action_space}")
    if not isinstance(env.observation_space, _OBSERVATION_SPACES):
        raise IncompatibleError(
            f"{algo} with an MLP policy cannot read {env_id}'s {env.observation_space}"
        )


def _vec_env(config: TrainConfig, n_envs: int) -> tuple[Any, str]:
    """The batched numpy warehouse for several warehouse envs, else SB3's DummyVecEnv of
    gymnasium envs (with Monitor, shaping and encoding wrappers)."""
    from rlgrid.training import config_encoding, make_config_env

    if is_warehouse(config.env.id) and n_envs > 1:
        warehouse = make_config_env(config).unwrapped
        layout, max_steps = warehouse.layout, warehouse.max_steps
        core = BatchedWarehouse(
            n_envs,
            layout,
            warehouse.random_start,
            max_steps,
            config.shaping_for(layout, max_steps),
        )
        encoding = config_encoding(config, layout)
        return WarehouseVecEnv(core, encoding, warehouse.action_space), "batched numpy warehouse"
    venv = make_vec_env(lambda: make_config_env(config, shaped=True), n_envs=n_envs)
    return venv, "DummyVecEnv of gymnasium envs"


def _device(name: str) -> str:
    if name == "cuda" and not torch.cuda.is_available():
        raise RlgridError(
            f"--device cuda: torch {torch.__version__} sees no CUDA GPU here; "
            "use --device cpu or auto"
        )
    return name


def _policy_kwargs(params: Any, config: TrainConfig, env: gym.Env) -> dict[str, Any]:
    """The policy's kwargs: the config's, with names turned into classes, and the map-planes
    features extractor where the observation carries planes."""
    kwargs = dict(params.policy_kwargs or {})
    if is_warehouse(config.env.id) and config.env.obs:
        shape = planes_shape(config.env.obs, env.unwrapped.layout)
        if shape is not None:
            from rlgrid.algos.features import MapPlanesExtractor

            kwargs.setdefault("features_extractor_class", MapPlanesExtractor)
            kwargs.setdefault("features_extractor_kwargs", {"planes": shape})
    for key, table in (("optimizer_class", _OPTIMIZERS), ("activation_fn", _ACTIVATIONS)):
        if key in kwargs:
            name = kwargs[key]
            if name not in table:
                raise InvalidValueError(
                    f"policy_kwargs.{key} = {name!r}: choose one of {', '.join(table)}"
                )
            kwargs[key] = table[name]
    if params.net_arch is not None:
        kwargs["net_arch"] = list(params.net_arch)
    return kwargs


class SB3Agent:
    model_file = MODEL_FILE
    checkpoint_suffix = ".zip"

    def __init__(self, config: TrainConfig, env: gym.Env) -> None:
        self.config = config
        self.algo = config.algo
        self.params = config.params
        _check_spaces(self.algo, env, config.env.id)
        device = _device(self.params.device)
        self.vec_env, self.vec_env_kind = _vec_env(config, self.params.n_envs)
        cls = _CLASSES[self.algo]
        try:
            self.model = cls(
                "MlpPolicy",
                self.vec_env,
                seed=config.seed,
                device=device,
                verbose=0,
                policy_kwargs=_policy_kwargs(self.params, config, env),
                **self.params.algorithm_kwargs(),
            )
        except (TypeError, ValueError, AssertionError) as error:
            raise InvalidValueError(f"[{self.algo}] hyperparameters rejected: {error}") from None
        if self.algo == "dqn" and self.params.exploration_decay == "exponential":
            self.model.exploration_schedule = ExponentialExploration(
                self.model,
                self.model.exploration_initial_eps,
                self.model.exploration_final_eps,
                self.params.exploration_decay_steps,
            )
        self.rows = EpisodeRows()
        self.episodes = 0
        self.solved_at: dict | None = None
        self.best_score: tuple | None = None
        self.evaluations: list[tuple] = []
        self.last_checkpoint: Path | None = None

    @property
    def timesteps(self) -> int:
        return int(self.model.num_timesteps)

    def act(self, obs: np.ndarray) -> int:
        action, _ = self.model.predict(obs, deterministic=True)
        return int(action)

    def act_batch(self, obs: np.ndarray) -> np.ndarray:
        actions, _ = self.model.predict(obs, deterministic=True)
        return np.asarray(actions).reshape(len(obs))

    def values_batch(self, obs: np.ndarray) -> np.ndarray:
        """State values: the largest Q-value for dqn, the critic's value for a2c and ppo."""
        policy = self.model.policy
        tensor, _ = policy.obs_to_tensor(obs)
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
        callback = _RunCallback(self, run, hooks, total)

        def stop_before_step(*_: Any) -> None:
            # A long update (PPO's epochs over a big rollout) looks for a stop request before
            # every optimizer step, so a stop waits for one step, never for a whole update;
            # the weights are those of the last complete step.
            if hooks.should_stop():
                raise _StopNow

        handle = self.model.policy.optimizer.register_step_pre_hook(stop_before_step)
        try:
            self.model.learn(
                total - self.timesteps,
                callback=callback,
                reset_num_timesteps=False,
                tb_log_name=self.algo,
            )
        except _StopNow:
            return False
        except ValueError:
            self.check_finite()  # non-finite weights make torch's distributions raise
            raise
        finally:
            handle.remove()
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
                if key.startswith("train/") and not math.isfinite(float(value)):
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
        if state:
            with zipfile.ZipFile(data, "a") as archive:
                archive.writestr(STATE_MEMBER, json.dumps(self._state(), indent=1))
                buffer = getattr(self.model, "replay_buffer", None)
                if buffer is not None:
                    archive.writestr(BUFFER_MEMBER, _buffer_bytes(buffer))
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
        lines = [",".join(EVALUATION_COLUMNS)]
        lines += [",".join("" if v is None else str(v) for v in row) for row in self.evaluations]
        write_atomic(run / EVALUATIONS, "\n".join(lines) + "\n")

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
            return {"timesteps": int(state["timesteps"]), "episodes": int(state["episodes"])}
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile):
            return None

    @classmethod
    def load(
        cls,
        config: TrainConfig,
        env: gym.Env,
        run: Path,
        model: Path | None = None,
        resume: bool = False,
    ) -> SB3Agent:
        """Rebuild the model from the run's config and read weights only from ``model`` (the
        run's final model by default); with ``resume``, the state saved beside them too."""
        agent = cls(config, env)
        path = model or run / MODEL_FILE
        _read_weights(agent.model, path)
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
            _restore_buffer(buffer, buffer_data, path)
        self.evaluations = [
            row for row in _read_evaluations(run / EVALUATIONS) if row[0] <= self.timesteps
        ]
        self.last_checkpoint = path if path.parent.name == runs.CHECKPOINTS else None
        # The random streams go on from a seed derived from the step, so a resumed run does
        # not replay the episodes and exploration noise of its first steps.
        self.model.set_random_seed(self.config.seed + self.timesteps)


def _read_weights(model: Any, path: Path) -> None:
    """Only the weights, through torch's weights-only loader: a ``.pth`` in the zip that holds
    pickled code (anything but tensors) is refused with one line, and nothing in it runs."""
    import warnings

    check_model_file(path)
    if not zipfile.is_zipfile(path):
        raise RunError(f"{path} is corrupt or truncated: not a model zip")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes about the pickle protocol it meets
            model.set_parameters(str(path), exact_match=True, device=model.device)
    except Exception as error:
        # torch's weights-only loader refuses code with pickle.UnpicklingError (named, not
        # imported: rlgrid has no business with pickle)
        refused = type(error).__name__ == "UnpicklingError"
        if refused or "Weights only load failed" in str(error):
            raise RunError(
                f"{path}: {_pickled_member(path)} holds pickled code, which rlgrid never runs; "
                "it was not loaded"
            ) from None
        if not isinstance(
            error, (ValueError, RuntimeError, KeyError, OSError, EOFError, zipfile.BadZipFile)
        ):
            raise
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RunError(f"{path} does not fit this run's model: {first}") from None


def _pickled_member(path: Path) -> str:
    """The first ``.pth`` file in the zip that torch's weights-only loader refuses (which runs
    nothing); "a .pth file in it" when none can be named."""
    import warnings

    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not name.endswith(".pth"):
                    continue
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        torch.load(
                            io.BytesIO(archive.read(name)), map_location="cpu", weights_only=True
                        )
                except Exception:
                    return name
    except (OSError, zipfile.BadZipFile):
        pass
    return "a .pth file in it"


def _buffer_bytes(buffer: Any) -> bytes:
    """The filled part of a replay buffer as ``.npz`` (no pickles)."""
    filled = buffer.buffer_size if buffer.full else buffer.pos
    arrays = {
        name: getattr(buffer, name)[:filled]
        for name in BUFFER_ARRAYS
        if getattr(buffer, name, None) is not None
    }
    data = io.BytesIO()
    np.savez(data, pos=np.array(buffer.pos), full=np.array(buffer.full), **arrays)
    return data.getvalue()


def _restore_buffer(buffer: Any, data: bytes, path: Path) -> None:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as saved:
            full = bool(saved["full"])
            for name in BUFFER_ARRAYS:
                if name not in saved.files:
                    continue
                target = getattr(buffer, name)
                rows = saved[name]
                if rows.shape[1:] != target.shape[1:] or len(rows) > len(target):
                    raise ValueError(f"{name} has shape {rows.shape}, not {target.shape}")
                target[: len(rows)] = rows
            buffer.pos = int(saved["pos"])
            buffer.full = full
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise RunError(f"{path}: its replay buffer does not fit this run: {error}") from None


def _read_evaluations(path: Path) -> list[tuple]:
    """Rows of ``evaluations.csv`` (empty when there is none)."""
    if not path.exists():
        return []
    try:
        lines = path.read_text().splitlines()
        if not lines or lines[0] != ",".join(EVALUATION_COLUMNS):
            raise ValueError("unexpected header")
        rows = []
        for line in lines[1:]:
            steps, success, ratio, mean_return, solved = line.split(",")
            rows.append(
                (
                    int(steps),
                    float(success) if success else None,
                    float(ratio) if ratio else None,
                    float(mean_return),
                    solved == "True",
                )
            )
        return rows
    except (OSError, ValueError) as error:
        raise RunError(f"{path} is not an evaluations file rlgrid wrote: {error}") from None


class _StopNow(Exception):
    """Raised before an optimizer step when a stop was requested."""


class _RunCallback(BaseCallback):
    """Records episodes, checkpoints, evaluates, stops on request, when solved and exactly at the
    budget, and stops a training whose weights stop being finite."""

    def __init__(self, agent: SB3Agent, run: Path, hooks: Hooks, total: int) -> None:
        super().__init__()
        self.agent, self.run, self.hooks, self.total = agent, run, hooks, total
        config = agent.config
        done = agent.timesteps
        self.save_every = config.checkpoint_every()
        self.next_save = (done // self.save_every + 1) * self.save_every
        self.next_eval = (done // config.eval.freq + 1) * config.eval.freq
        self.stopped = False
        self.is_dqn = agent.algo == "dqn"

    def _on_rollout_start(self) -> None:
        self.agent.check_finite()  # after every update

    def _on_step(self) -> bool:
        agent, steps = self.agent, self.num_timesteps
        for info, done in zip(self.locals["infos"], self.locals["dones"], strict=True):
            episode = info.get("episode") if done else None
            if episode is None:
                continue
            agent.rows.add(
                episode=agent.episodes,
                timesteps=steps,
                length=episode["l"],
                ret=info.get("raw_return", episode["r"]),
                shaped=episode["r"],
                success=info.get("is_success"),
                epsilon=self.model.exploration_rate if self.is_dqn else None,
                shortest=info.get("shortest_path_length", -1),
            )
            agent.episodes += 1
        self.hooks.report(agent.episodes, steps)
        if steps >= self.next_save:
            self.hooks.persist()
            agent.save_checkpoint(self.run)
            self.next_save += self.save_every * max(
                1, (steps - self.next_save) // self.save_every + 1
            )
        if self.hooks.should_stop():
            self.stopped = True
            return False
        if self.hooks.judge is not None and steps >= self.next_eval:
            self.next_eval = (steps // agent.config.eval.freq + 1) * agent.config.eval.freq
            if self._evaluate(steps):
                return False
        return steps < self.total or self._rollout_ends_here()

    def _rollout_ends_here(self) -> bool:
        """Whether this step completes an on-policy rollout: SB3 then learns from it and stops
        by itself. Anywhere else, the budget stops collection at once (a run resumed
        mid-rollout would otherwise overshoot its budget by a whole rollout)."""
        n_steps, rollout = self.locals.get("n_steps"), self.locals.get("n_rollout_steps")
        return n_steps is not None and rollout is not None and n_steps + 1 == rollout

    def _evaluate(self, steps: int) -> bool:
        """Periodic evaluation: keep the best model; True when training should stop (solved)."""
        agent = self.agent
        judgement = self.hooks.judge(agent)
        result = judgement.result
        agent.evaluations.append(
            (
                steps,
                result.success_rate,
                result.optimality_ratio,
                result.mean_return,
                judgement.solved,
            )
        )
        agent.save_evaluations(self.run)
        if agent.best_score is None or judgement.score > agent.best_score:
            agent.best_score = judgement.score
            agent.save_best(self.run, judgement)
        if judgement.solved and agent.config.until_solved and agent.solved_at is None:
            agent.solved_at = {"timesteps": steps, "evaluation": result.to_dict()}
            return True
        return False
