"""Reward shaping for the warehouse: the seed's three ideas and potential-based shaping.

Each kind adds a bonus to the env's own reward (1 for reaching the target, else 0):

- ``proximity``: a per-step bonus by Euclidean distance bands to the target (closer pays more);
- ``exploration``: a bonus for stepping on a cell not visited before in the episode;
- ``direction``: a bonus for a move that shortens the shortest path to the target;
- ``potential``: ``gamma * phi(s') - phi(s)`` with ``phi = -scale * distance / (rows + cols)``
  and ``phi = 0`` at the goal. It provably keeps the optimal policy (Ng, Harada and Russell, 1999);
  the other three may change it.

Default scales make the most the first three can pay in one episode half the goal reward, so
reaching the target always pays more. One implementation serves a single env (a wrapper) and
many lanes (the batched env).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from rlgrid.envs.layout import Layout
from rlgrid.errors import InvalidValueError

KINDS = ("proximity", "exploration", "direction", "potential")
GOAL = 1.0
MAX_VISITED_CELLS = 2**28
"""Exploration keeps a visited flag per lane and cell; refuse more than this many flags."""


def parse_reward(text: str) -> tuple[str, ...]:
    """``sparse``, one kind, or kinds joined by ``+`` (``potential+exploration``)."""
    parts = tuple(part.strip() for part in text.split("+"))
    if parts == ("sparse",):
        return ()
    for part in parts:
        if part not in KINDS:
            raise InvalidValueError(
                f"unknown reward {part!r} in {text!r}: use sparse or {', '.join(KINDS)}, "
                "joined with + (e.g. potential+exploration)"
            )
    if len(set(parts)) != len(parts):
        raise InvalidValueError(f"reward {text!r} names a kind twice")
    return parts


@dataclass(frozen=True)
class Shaping:
    kinds: tuple[str, ...]
    scales: dict[str, float]
    gamma: float

    @classmethod
    def build(
        cls,
        text: str,
        layout: Layout,
        max_steps: int,
        gamma: float,
        scales: dict[str, float | None] | None = None,
    ) -> Shaping:
        kinds = parse_reward(text)
        defaults = {
            "proximity": 0.5 * GOAL / max_steps,
            "direction": 0.5 * GOAL / max_steps,
            "exploration": 0.5 * GOAL / min(max_steps, int(layout.free.sum())),
            "potential": 1.0,
        }
        given = {k: v for k, v in (scales or {}).items() if v is not None}
        return cls(kinds, {k: float(given.get(k, defaults[k])) for k in kinds}, gamma)

    @property
    def name(self) -> str:
        return "+".join(self.kinds) or "sparse"


class Shaper:
    """Computes shaping bonuses for ``n`` lanes of one layout."""

    def __init__(self, shaping: Shaping, layout: Layout, n: int) -> None:
        self.shaping, self.layout, self.n = shaping, layout, n
        rows, cols = layout.tile_size  # one layout's size where a set stacks several
        self.cols = cols
        self.norm = float(rows + cols)
        self.diagonal = float(np.hypot(rows - 1, cols - 1))
        rows = layout.size.rows
        self.visited = None
        if "exploration" in shaping.kinds:
            if n * rows * cols > MAX_VISITED_CELLS:
                raise InvalidValueError(
                    f"exploration shaping on {n} envs of {rows}x{cols} would track "
                    f"{n * rows * cols:,} visited flags (limit {MAX_VISITED_CELLS:,}); "
                    "use fewer envs or another reward"
                )
            self.visited = np.zeros((n, rows * cols), dtype=bool)

    def start(self, lanes: np.ndarray, robot: np.ndarray) -> None:
        """New episodes begin in ``lanes`` with the robot on ``robot`` (flat cells)."""
        if self.visited is not None:
            self.visited[lanes] = False
            self.visited[lanes, robot] = True

    def bonus(
        self, before: np.ndarray, after: np.ndarray, target: np.ndarray, terminated: np.ndarray
    ) -> np.ndarray:
        """Bonus of each lane's move from ``before`` to ``after`` (flat cells)."""
        total = np.zeros(len(after))
        if not self.shaping.kinds:
            return total
        scales = self.shaping.scales
        need_distance = {"potential", "direction"} & set(self.shaping.kinds)
        if need_distance:
            d_before = self.layout.distances(before, target)
            d_after = self.layout.distances(after, target)
        if "potential" in scales:
            phi_before = -scales["potential"] * d_before / self.norm
            phi_after = np.where(terminated, 0.0, -scales["potential"] * d_after / self.norm)
            total += self.shaping.gamma * phi_after - phi_before
        if "direction" in scales:
            total += scales["direction"] * (d_after < d_before)
        if "proximity" in scales:
            ar, ac = np.divmod(after, self.cols)
            tr, tc = np.divmod(target, self.cols)
            ratio = np.hypot(ar - tr, ac - tc) / max(self.diagonal, 1.0)
            band = np.select([ratio < 0.125, ratio < 0.25, ratio < 0.5], [1.0, 0.5, 0.25], 0.0)
            total += scales["proximity"] * band * ~terminated
        if self.visited is not None:
            lanes = np.arange(len(after))
            new = ~self.visited[lanes, after]
            self.visited[lanes, after] = True
            total += scales["exploration"] * (new & ~terminated)
        return total


class ShapedReward(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Adds the shaping bonus to a single warehouse env's reward. ``info["raw_reward"]`` keeps the
    env's own reward, and ``info["raw_return"]`` its episode total when the episode ends."""

    def __init__(self, env: gym.Env, shaping: Shaping) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, shaping=shaping)
        gym.Wrapper.__init__(self, env)
        self.shaper = Shaper(shaping, env.unwrapped.layout, 1)
        self.cols = env.unwrapped.cols
        self.raw_return = 0.0

    def _flat(self, cell: tuple[int, int]) -> np.ndarray:
        return np.array([cell[0] * self.cols + cell[1]])

    def reset(self, **kwargs: Any) -> tuple[Any, dict]:
        obs, info = self.env.reset(**kwargs)
        self.shaper.start(np.array([0]), self._flat(self.env.unwrapped.robot))
        self.raw_return = 0.0
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        warehouse = self.env.unwrapped
        before = self._flat(warehouse.robot)
        obs, reward, terminated, truncated, info = self.env.step(action)
        after, target = self._flat(warehouse.robot), self._flat(warehouse.target)
        bonus = self.shaper.bonus(before, after, target, np.array([terminated]))[0]
        self.raw_return += float(reward)
        info = {**info, "raw_reward": float(reward)}
        if terminated or truncated:
            info["raw_return"] = self.raw_return
        return obs, float(reward) + float(bonus), terminated, truncated, info
