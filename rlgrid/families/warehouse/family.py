"""The warehouse family: a robot that must reach a target cell, on an open grid, a text map or a
generated layout. It has what a plain gymnasium env lacks: shortest paths (an exact oracle and
the optimality ratio), reward shaping, observation encodings and batched numpy envs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from rlgrid.envs.moves import MOVES, Action
from rlgrid.envs.observations import EncodedObservation, Encoding, planes_shape, size_independent
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.envs.rewards import ShapedReward, Shaping
from rlgrid.errors import InvalidValueError, setting
from rlgrid.evaluation import EvalResult, EvalSettings, Judgement
from rlgrid.families.base import DoctorSetup, EvalPlan, Family, RewardSetup
from rlgrid.families.gymnasium import make_env
from rlgrid.families.warehouse import episodes
from rlgrid.families.warehouse.settings import WarehouseSettings
from rlgrid.findings import Finding


def shaping(settings: WarehouseSettings, reward: RewardSetup | None) -> Shaping | None:
    """The reward shaping of a training env; None for sparse reward or an evaluation env."""
    text = settings.reward or "sparse"
    if reward is None or text == "sparse":
        return None
    return Shaping.build(text, settings.floor, settings.time_limit, reward.gamma, reward.scales)


def encoding(settings: WarehouseSettings) -> Encoding:
    """The observation encoding of the settings' floor."""
    return Encoding(settings.encoding_name, settings.floor, settings.window)


class WarehouseFamily(Family):
    name = "warehouse"
    settings_model = WarehouseSettings
    eval_defaults: ClassVar[dict[str, int]] = {"episodes": 1000, "freq": 2000}
    playable = True
    draws_text = True
    maps_policies = True
    guiding_reward = "potential"
    success_words = "reach their target"

    def claims(self, env_id: str) -> bool:
        return env_id.rpartition(":")[2] == WAREHOUSE_ID

    def defaults(self, tabular: bool) -> dict[str, dict[str, Any]]:
        """q-table keeps the seed's setup (coords, sparse); the deep backends default to what
        solves big grids (offset, potential, 16 batched envs)."""
        if tabular:
            return {"env": {"obs": "coords", "reward": "sparse"}}
        return {"env": {"obs": "offset", "reward": "potential"}, "params": {"n_envs": 16}}

    def resolved(self, settings: WarehouseSettings) -> WarehouseSettings:
        return settings.resolved()

    def make(
        self,
        settings: WarehouseSettings,
        reward: RewardSetup | None = None,
        render_mode: str | None = None,
    ) -> gym.Env:
        """The warehouse on the settings' floor (built once, shared by every env of it), shaped
        where ``reward`` is given, observing through its encoding. rlgrid draws the warehouse
        from its state, so ``render_mode`` is not passed on."""
        env = make_env(
            settings.id,  # module:ID imports module, as gym.make does
            layout=settings.floor,
            random_start=settings.random_start,
            max_steps=settings.time_limit,
            targets=settings.targets or "classic",
        )
        shaped = shaping(settings, reward)
        if shaped is not None:
            env = ShapedReward(env, shaped)
        if settings.encoding_name != "coords":
            env = EncodedObservation(env, settings.encoding_name, settings.window)
        return env

    def training_envs(self, settings: WarehouseSettings, reward: RewardSetup) -> WarehouseEnvs:
        return WarehouseEnvs(self, settings, reward)

    def every_target(self, settings: WarehouseSettings, eval_settings: EvalSettings) -> bool:
        if eval_settings.all_targets is not None:
            return eval_settings.all_targets
        return not settings.random_start

    def evaluate(
        self, settings: WarehouseSettings, policy: Any, plan: EvalPlan, encoded: bool = True
    ) -> EvalResult:
        """Every episode at once (one policy call per step for all of them); ``policy`` None is
        the oracle, which walks a shortest path (by breadth-first search)."""
        if policy is None:
            return episodes.oracle_result(settings, plan)
        greedy = getattr(policy, "greedy", False)
        return episodes.play(
            settings, policy.act_batch, encoding(settings).encode, plan, greedy=greedy
        )

    def plan_words(self, settings: WarehouseSettings, plan: EvalPlan) -> str:
        if not plan.all_targets:
            return super().plan_words(settings, plan)
        pairs = "start and target pair" if settings.random_start else "target"
        return f"every {pairs} once"

    def solved_means(
        self, settings: WarehouseSettings, eval_settings: EvalSettings, episodes: int
    ) -> str:
        return f"100% at ratio <= {eval_settings.max_ratio:g}"

    def judge(
        self, settings: WarehouseSettings, result: EvalResult, eval_settings: EvalSettings
    ) -> Judgement:
        """Solved: every episode reaches its target, with an optimality ratio of at most
        ``max_ratio``. Score: success rate, then the lower ratio."""
        ratio = result.optimality_ratio if result.optimality_ratio is not None else math.inf
        solved = result.success_rate == 1.0 and ratio <= eval_settings.max_ratio
        return Judgement(result, solved, (result.success_rate or 0.0, -ratio))

    def hopeless(
        self, settings: WarehouseSettings, result: EvalResult, eval_settings: EvalSettings
    ) -> bool:
        """One failed episode: the whole evaluation cannot reach 100%."""
        return result.success_rate is not None and result.success_rate < 1.0

    def on_floor(self, settings: WarehouseSettings, changes: dict[str, Any]) -> WarehouseSettings:
        return settings.on(changes)

    def policy_fits(
        self, trained: WarehouseSettings, other: WarehouseSettings, tabular: bool
    ) -> None:
        """A size-independent encoding reads any floor; others only floors of the same shape."""
        name = trained.encoding_name
        if size_independent(name):
            return
        mine, asked = encoding(trained).space, encoding(other).space
        same_space = mine.shape == asked.shape and np.array_equal(mine.high, asked.high)
        if same_space and trained.size == other.size:  # (1xN and 2xN share bounds)
            return
        what = (
            "a q-table has one row per state of the grid it learned"
            if tabular
            else f"this run observes {name!r}, which depends on the grid size"
        )
        raise InvalidValueError(
            f"{what}, so it cannot act on {other.size} (trained on {trained.size}); train with "
            f"{setting('env.obs')} offset or offset+window for a policy that works on any size"
        )

    def checks(self) -> list:
        from rlgrid.families.warehouse.checks import CHECKS

        return CHECKS

    def diagnose(self, settings: WarehouseSettings, setup: DoctorSetup) -> list[Finding]:
        from rlgrid.families.warehouse.diagnoses import diagnose

        return diagnose(settings, setup)

    def paths_beside(self, key: str, value: str, folder: Path) -> str:
        return str(folder / Path(value).expanduser()) if key == "map" else value

    def action_name(self, action: int) -> str:
        return Action(action).name

    def cell_encoding(self, settings: WarehouseSettings) -> Encoding:
        return encoding(settings)


@dataclass
class WarehouseEnvs:
    """What an agent trains on: gymnasium warehouses, or the batched numpy warehouse (one array
    step for every env) for SB3's VecEnv and the q-table's lanes."""

    family: WarehouseFamily
    settings: WarehouseSettings
    reward: RewardSetup

    @property
    def env_id(self) -> str:
        return self.settings.id

    @property
    def label(self) -> str:
        return f"the {self.settings.size} warehouse"

    def spaces(self) -> tuple[Any, Any]:
        return encoding(self.settings).space, gym.spaces.Discrete(len(MOVES))

    def make(self) -> gym.Env:
        return self.family.make(self.settings, self.reward)

    def _core(self, n: int) -> Any:
        from rlgrid.envs.batched import BatchedWarehouse

        settings = self.settings
        return BatchedWarehouse(
            n,
            settings.floor,
            settings.random_start,
            settings.time_limit,
            shaping(settings, self.reward),
        )

    def vec_env(self, n: int) -> tuple[Any, str] | None:
        if n == 1:
            return None
        from rlgrid.envs.vector import WarehouseVecEnv

        _, actions = self.spaces()
        vec = WarehouseVecEnv(self._core(n), encoding(self.settings), actions)
        return vec, "batched numpy warehouse"

    def lanes(self, n: int) -> Any:
        from rlgrid.envs.batched import WarehouseLanes

        return WarehouseLanes(self._core(n))

    def policy_kwargs(self) -> dict[str, Any]:
        """The map-planes features extractor where the observation carries planes."""
        shape = planes_shape(self.settings.encoding_name, self.settings.floor)
        if shape is None:
            return {}
        from rlgrid.families.warehouse.features import MapPlanesExtractor

        return {"features_extractor_class": MapPlanesExtractor,
                "features_extractor_kwargs": {"planes": shape}}  # fmt: skip
