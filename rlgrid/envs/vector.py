"""The batched warehouse behind stable-baselines3's VecEnv interface.

Lane ``i`` plays what a gymnasium warehouse env (with the same shaping and encoding wrappers and
SB3's Monitor) reset with ``seed + i`` plays; ``infos`` carry what SB3 and rlgrid read at an
episode's end: ``terminal_observation``, ``TimeLimit.truncated``, ``is_success``, ``episode``
(Monitor's ``r``, ``l``, ``t``: ``r`` is the shaped return), ``raw_return`` and
``shortest_path_length``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from rlgrid.envs.batched import BatchedWarehouse
from rlgrid.envs.observations import Encoding


class WarehouseVecEnv(VecEnv):
    render_mode = None  # renders through rlgrid render, not through the VecEnv

    def __init__(self, core: BatchedWarehouse, encoding: Encoding, action_space: Any) -> None:
        super().__init__(core.n, encoding.space, action_space)
        self.core = core
        self.encoding = encoding
        self.actions = np.zeros(core.n, dtype=np.int64)
        self.returns = np.zeros(core.n)
        self.raw_returns = np.zeros(core.n)
        self.lengths = np.zeros(core.n, dtype=np.int64)
        self.started = time.time()

    def reset(self) -> np.ndarray:
        self.core.reset(self._seeds[0])
        self._reset_seeds()
        self.returns[:] = 0.0
        self.raw_returns[:] = 0.0
        self.lengths[:] = 0
        return self.encoding.encode(self.core.robot, self.core.target)

    def step_async(self, actions: np.ndarray) -> None:
        self.actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        step = self.core.step(self.actions)
        self.returns += step.reward
        self.raw_returns += step.raw_reward
        self.lengths += 1
        obs = self.encoding.encode(self.core.robot, self.core.target)
        dones = step.terminated | step.truncated
        infos: list[dict] = [{} for _ in range(self.num_envs)]
        if step.ended.size:
            final = self.encoding.encode(
                step.final_robot[step.ended], step.final_target[step.ended]
            )
            elapsed = round(time.time() - self.started, 6)
            for k, lane in enumerate(step.ended.tolist()):
                infos[lane] = {
                    "terminal_observation": final[k],
                    "TimeLimit.truncated": bool(step.truncated[lane]),
                    "is_success": bool(step.terminated[lane]),
                    "shortest_path_length": int(step.shortest_path_length[lane]),
                    "raw_return": float(self.raw_returns[lane]),
                    "episode": {
                        "r": round(float(self.returns[lane]), 6),
                        "l": int(self.lengths[lane]),
                        "t": elapsed,
                    },
                }
            self.returns[step.ended] = 0.0
            self.raw_returns[step.ended] = 0.0
            self.lengths[step.ended] = 0
        return obs, step.reward.astype(np.float32), dones, infos

    def close(self) -> None:
        return None

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return [getattr(self, attr_name)] * len(self._indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        setattr(self, attr_name, value)

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any) -> list:
        raise AttributeError(f"the batched warehouse has no per-env method {method_name!r}")

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False] * len(self._indices(indices))

    def _indices(self, indices: Any) -> Sequence[int]:
        if indices is None:
            return range(self.num_envs)
        return [indices] if isinstance(indices, int) else indices
