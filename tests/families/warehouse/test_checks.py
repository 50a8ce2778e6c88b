from dataclasses import dataclass

import gymnasium as gym

from rlgrid.checks.target import FAIL, PASS, CheckTarget
from rlgrid.envs.warehouse import WarehouseEnv
from rlgrid.families.warehouse.checks import (
    CHECKS,
    reaching_the_target,
    truncation_at_the_time_limit,
)
from rlgrid.families.warehouse.family import WarehouseFamily
from rlgrid.families.warehouse.settings import WarehouseSettings

SETTINGS = WarehouseSettings(grid="5x7", targets="anywhere", random_start=True, max_steps=30)


@dataclass(frozen=True)
class Defective(CheckTarget):
    """The settings say one thing; ``env`` builds what a defective env does."""

    env: type[gym.Env] = WarehouseEnv
    env_kwargs: tuple = ()

    def make(self, render_mode=None):
        return self.env(rows=5, cols=7, random_start=True, **dict(self.env_kwargs))


class HalfReward(WarehouseEnv):
    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        return obs, reward / 2, terminated, truncated, info


class WrongPathLength(WarehouseEnv):
    def reset(self, *, seed=None, options=None):
        obs, info = super().reset(seed=seed, options=options)
        return obs, {**info, "shortest_path_length": info["shortest_path_length"] + 1}


def test_the_family_offers_its_checks():
    assert WarehouseFamily().checks() == CHECKS
    names = [check.name for check in CHECKS]
    assert names == ["truncation at the time limit", "reaching the target"]


def test_a_sound_warehouse_passes_its_checks():
    for layout in (SETTINGS, WarehouseSettings(layout="aisles:9x11", random_start=True)):
        target = CheckTarget(layout, seed=4)
        for check in CHECKS:
            status, detail = check.run(target)
            assert status == PASS, (check.name, detail)
    status, detail = truncation_at_the_time_limit(CheckTarget(SETTINGS))
    assert detail == "an episode kept away from the target is truncated at step 30"


def test_truncation_at_another_step_than_the_settings_say_fails():
    target = Defective(SETTINGS, env_kwargs=(("max_steps", 31),))
    status, detail = truncation_at_the_time_limit(target)
    assert status == FAIL
    assert "ended at step 31" in detail and "not truncated at 30" in detail
    assert truncation_at_the_time_limit(Defective(SETTINGS, env_kwargs=(("max_steps", 30),))) == (
        PASS,
        "an episode kept away from the target is truncated at step 30",
    )


def test_a_wrong_reward_or_path_length_fails_reaching_the_target():
    status, detail = reaching_the_target(Defective(SETTINGS, env=HalfReward))
    assert status == FAIL and "reward=0.5" in detail
    status, detail = reaching_the_target(Defective(SETTINGS, env=WrongPathLength))
    assert status == FAIL and "info says" in detail
    assert reaching_the_target(Defective(SETTINGS))[0] == PASS
