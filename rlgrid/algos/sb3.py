"""The stable-baselines3 backends: a2c, dqn and ppo.

Training runs SB3's own ``learn`` with a callback that records episodes, writes checkpoints, runs
the periodic evaluation (best model, --until-solved) and honours stop requests.

SB3's model zips store some fields with cloudpickle, which runs code when SB3's ``load`` reads
them. rlgrid never calls ``load``: it rebuilds the model from the run's own config and reads the
weights alone with ``set_parameters`` (torch's weights-only loader). Counters live in
``model.json`` and the DQN replay buffer in ``replay_buffer.npz``, neither pickled.
"""

from __future__ import annotations

import importlib.util
import io
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

from rlgrid.algos.base import EpisodeRows, Hooks, Judgement
from rlgrid.algos.registry import algorithms_for_continuous_actions
from rlgrid.algos.tabular import IncompatibleError
from rlgrid.envs.batched import BatchedWarehouse
from rlgrid.envs.factory import is_warehouse
from rlgrid.envs.observations import planes_shape
from rlgrid.envs.vector import WarehouseVecEnv
from rlgrid.errors import InvalidValueError, RlgridError
from rlgrid.runs import RunError, check_model_file, read_json, write_atomic, write_json

if TYPE_CHECKING:
    from rlgrid.config import TrainConfig

MODEL_FILE = "model.zip"
STATE_FILE = "model.json"
BUFFER_FILE = "replay_buffer.npz"
CHECKPOINTS = "checkpoints"
BEST_FILE = "best.zip"
BEST_META = "best.json"
EVALUATIONS = "evaluations.csv"
FORMAT = "rlgrid-sb3-1"

_CLASSES = {"a2c": sb3.A2C, "dqn": sb3.DQN, "ppo": sb3.PPO}
_OPTIMIZERS = {name: getattr(torch.optim, name) for name in ("Adam", "AdamW", "RMSprop", "SGD")}
_ACTIVATIONS = {
    name: getattr(torch.nn, name) for name in ("ReLU", "Tanh", "ELU", "LeakyReLU", "GELU", "SiLU")
}
_ACTION_SPACES = (gym.spaces.Box, gym.spaces.Discrete, gym.spaces.MultiDiscrete,
                  gym.spaces.MultiBinary)  # fmt: skip
_OBSERVATION_SPACES = _ACTION_SPACES


def checkpoint_name(algo: str, step: int) -> str:
    """``<algo>_<step>.zip`` with the step zero-padded, so names sort in step order."""
    return f"{algo}_{step:010d}.zip"


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
        remaining = total - self.timesteps
        if remaining <= 0:
            return True
        if importlib.util.find_spec("tensorboard") is not None:
            self.model.tensorboard_log = str(run / "tensorboard")
        callback = _RunCallback(self, run, hooks)
        self.model.learn(
            remaining, callback=callback, reset_num_timesteps=False, tb_log_name=self.algo
        )
        return self.timesteps >= total and not callback.stopped

    # --- files -------------------------------------------------------------------------------

    def _zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.model.save(buffer)
        return buffer.getvalue()

    def save_checkpoint(self, run: Path) -> Path:
        folder = run / CHECKPOINTS
        folder.mkdir(exist_ok=True)
        path = folder / checkpoint_name(self.algo, self.timesteps)
        write_atomic(path, self._zip_bytes())
        kept = sorted(folder.glob(f"{self.algo}_*.zip"))
        for old in kept[: -self.config.keep_checkpoints]:
            old.unlink()
        return path

    def save_best(self, run: Path, judgement: Judgement) -> None:
        write_atomic(run / BEST_FILE, self._zip_bytes())
        write_json(
            run / BEST_META, {"timesteps": self.timesteps, "evaluation": judgement.result.to_dict()}
        )

    def save(self, run: Path) -> None:
        write_atomic(run / MODEL_FILE, self._zip_bytes())
        model = self.model
        write_json(
            run / STATE_FILE,
            {
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
            },
        )
        if self.evaluations:
            lines = ["timesteps,success_rate,optimality_ratio,mean_return,solved"]
            lines += [
                ",".join("" if v is None else str(v) for v in row) for row in self.evaluations
            ]
            write_atomic(run / EVALUATIONS, "\n".join(lines) + "\n")
        buffer = getattr(model, "replay_buffer", None)
        if buffer is not None:
            arrays = {
                name: getattr(buffer, name)
                for name in (
                    "observations",
                    "next_observations",
                    "actions",
                    "rewards",
                    "dones",
                    "timeouts",
                )
                if getattr(buffer, name, None) is not None
            }
            data = io.BytesIO()
            np.savez(data, pos=np.array(buffer.pos), full=np.array(buffer.full), **arrays)
            write_atomic(run / BUFFER_FILE, data.getvalue())

    @classmethod
    def load(
        cls, config: TrainConfig, env: gym.Env, run: Path, model: Path | None = None
    ) -> SB3Agent:
        """Rebuild the model from the run's config and read weights only from ``model`` (the
        run's final model by default); the run's counters and replay buffer come back too when
        loading the final model."""
        agent = cls(config, env)
        path = model or run / MODEL_FILE
        _read_weights(agent.model, path)
        if model is None or model.resolve() == (run / MODEL_FILE).resolve():
            agent._restore_state(run)
        return agent

    def _restore_state(self, run: Path) -> None:
        if not (run / STATE_FILE).exists():
            return
        state = read_json(run / STATE_FILE)
        try:
            self.model.num_timesteps = int(state["timesteps"])
            self.model._n_updates = int(state["n_updates"])
            self.model._episode_num = int(state["episode_num"])
            if hasattr(self.model, "_n_calls"):
                self.model._n_calls = int(state["n_calls"])
            self.episodes = int(state["episodes"])
            self.solved_at = state.get("solved_at")
            best = state.get("best_score")
            self.best_score = tuple(best) if best is not None else None
        except (KeyError, TypeError, ValueError) as error:
            raise RunError(
                f"{run / STATE_FILE} is not a state file rlgrid wrote: {error}"
            ) from None
        buffer = getattr(self.model, "replay_buffer", None)
        if buffer is not None and (run / BUFFER_FILE).exists():
            _restore_buffer(buffer, run / BUFFER_FILE)


def _read_weights(model: Any, path: Path) -> None:
    check_model_file(path)
    if not zipfile.is_zipfile(path):
        raise RunError(f"{path} is corrupt or truncated: not a model zip")
    try:
        model.set_parameters(str(path), exact_match=True, device=model.device)
    except (ValueError, RuntimeError, KeyError, OSError, EOFError, zipfile.BadZipFile) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RunError(f"{path} does not fit this run's model: {first}") from None


def _restore_buffer(buffer: Any, path: Path) -> None:
    try:
        with np.load(path, allow_pickle=False) as saved:
            for name in saved.files:
                if name in ("pos", "full"):
                    continue
                target = getattr(buffer, name)
                if target.shape != saved[name].shape:
                    raise ValueError(f"{name} has shape {saved[name].shape}, not {target.shape}")
                target[...] = saved[name]
            buffer.pos = int(saved["pos"])
            buffer.full = bool(saved["full"])
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise RunError(f"{path} is not a replay buffer for this run: {error}") from None


class _RunCallback(BaseCallback):
    """Records episodes, checkpoints, evaluates, and stops on request or when solved."""

    def __init__(self, agent: SB3Agent, run: Path, hooks: Hooks) -> None:
        super().__init__()
        self.agent, self.run, self.hooks = agent, run, hooks
        config = agent.config
        done = agent.timesteps
        self.next_save = (done // config.save_freq + 1) * config.save_freq
        self.next_eval = (done // config.eval.freq + 1) * config.eval.freq
        self.stopped = False
        self.is_dqn = agent.algo == "dqn"

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
            agent.save_checkpoint(self.run)
            self.next_save += self.agent.config.save_freq * max(
                1, (steps - self.next_save) // self.agent.config.save_freq + 1
            )
        if self.hooks.judge is not None and steps >= self.next_eval:
            self.next_eval = (steps // agent.config.eval.freq + 1) * agent.config.eval.freq
            if self._evaluate(steps):
                return False
        if self.hooks.should_stop():
            self.stopped = True
            return False
        return True

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
        if agent.best_score is None or judgement.score > agent.best_score:
            agent.best_score = judgement.score
            agent.save_best(self.run, judgement)
        if judgement.solved and agent.config.until_solved and agent.solved_at is None:
            agent.solved_at = {"timesteps": steps, "evaluation": result.to_dict()}
            return True
        return False
