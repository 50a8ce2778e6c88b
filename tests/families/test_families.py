"""The family interface: each family's one definition of solved, and a third family plugged in
by registering it alone: the CLI, training, evaluation and the run folder take it unchanged."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import pytest
from typer.testing import CliRunner

import rlgrid.families
from rlgrid.cli.app import app
from rlgrid.errors import InvalidValueError
from rlgrid.evaluation import EvalResult, EvalSettings, Judgement
from rlgrid.families import family_for
from rlgrid.families.base import EnvSettings, Family
from rlgrid.families.gymnasium import GymnasiumFamily, GymnasiumSettings
from rlgrid.families.warehouse.family import WarehouseFamily
from rlgrid.families.warehouse.settings import WarehouseSettings


def result(success: float | None, ratio: float | None, mean_return: float) -> EvalResult:
    return EvalResult(10, success, 5.0, 5.0, ratio, mean_return, None)


@pytest.mark.parametrize(
    ("success", "ratio", "max_ratio", "solved"),
    [(1.0, 1.05, 1.05, True), (1.0, 1.0501, 1.05, False), (0.9, 1.0, 1.05, False),
     (1.0, 1.2, 1.25, True), (1.0, None, 1.05, False)],
)  # fmt: skip
def test_the_warehouse_is_solved_by_every_target_near_a_shortest_path(
    success, ratio, max_ratio, solved
):
    judged = WarehouseFamily().judge(
        WarehouseSettings(), result(success, ratio, 1.0), EvalSettings(max_ratio=max_ratio)
    )
    assert judged.solved is solved


def test_warehouse_scores_rank_success_then_the_lower_ratio():
    family, settings, plain = WarehouseFamily(), WarehouseSettings(), EvalSettings()
    better = family.judge(settings, result(1.0, 1.1, 1.0), plain).score
    worse = family.judge(settings, result(1.0, 1.3, 1.0), plain).score
    failing = family.judge(settings, result(0.5, 1.0, 1.0), plain).score
    assert better > worse > failing


def test_other_envs_are_solved_at_their_reward_threshold():
    family, settings = GymnasiumFamily(), GymnasiumSettings(id="CartPole-v1")
    assert family.judge(settings, result(None, None, 475.0), EvalSettings()).solved
    assert not family.judge(settings, result(None, None, 474.9), EvalSettings()).solved
    lower = EvalSettings(reward_threshold=100.0)
    assert family.judge(settings, result(None, None, 100.0), lower).solved


def test_until_solved_is_refused_where_nothing_defines_solved(tmp_path):
    args = ["train", "--algo", "a2c", "--env", "Pendulum-v1", "--until-solved",
            "--runs-dir", str(tmp_path)]  # fmt: skip
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == 2
    assert "--until-solved needs a reward threshold for Pendulum-v1" in outcome.stderr
    assert not list(tmp_path.iterdir())


def test_ids_go_to_the_first_family_that_claims_them():
    assert family_for("rlgrid/Warehouse-v0").name == "warehouse"
    assert family_for("mymod:rlgrid/Warehouse-v0").name == "warehouse"
    assert family_for("CartPole-v1").name == "gymnasium"


CORRIDOR = "rlgridtest/Corridor-v0"


class Corridor(gym.Env):
    """Walk right to the end of a corridor (action 1); the end pays 1."""

    def __init__(self, length: int = 5) -> None:
        self.length = length
        self.observation_space = gym.spaces.Discrete(length)
        self.action_space = gym.spaces.Discrete(2)
        self.position = 0

    def reset(self, *, seed: int | None = None, options: Any = None):
        super().reset(seed=seed)
        self.position = 0
        return self.position, {}

    def step(self, action: int):
        self.position = max(0, min(self.length - 1, self.position + (1 if action else -1)))
        done = self.position == self.length - 1
        return self.position, float(done), done, False, {"is_success": done}


class CorridorSettings(EnvSettings):
    id: str = CORRIDOR
    length: int = 5


class CorridorFamily(Family):
    name = "corridor"
    settings_model = CorridorSettings
    eval_defaults: ClassVar[dict[str, int]] = {"episodes": 5, "freq": 200}

    def claims(self, env_id: str) -> bool:
        return env_id == CORRIDOR

    def make(self, settings: Any, reward: Any = None, render_mode: str | None = None) -> gym.Env:
        return gym.make(CORRIDOR, length=settings.length, max_episode_steps=4 * settings.length)

    def judge(self, settings: Any, result: EvalResult, eval_settings: Any) -> Judgement:
        shortest = settings.length - 1
        solved = result.success_rate == 1.0 and result.mean_length == shortest
        return Judgement(result, solved, (result.success_rate or 0.0, -result.mean_length))


@pytest.fixture
def corridor_family(monkeypatch):
    if CORRIDOR not in gym.registry:
        gym.register(CORRIDOR, entry_point=Corridor)
    families = (CorridorFamily(), *rlgrid.families.FAMILIES)
    monkeypatch.setattr(rlgrid.families, "FAMILIES", families)


def test_a_third_family_needs_only_registering(tmp_path, corridor_family):
    preset = tmp_path / "corridor.toml"
    preset.write_text(f'algo = "q-table"\nepisodes = 3000\n[env]\nid = "{CORRIDOR}"\nlength = 7\n')
    runs = tmp_path / "runs"
    args = ["train", "--config", str(preset), "--until-solved", "--runs-dir", str(runs),
            "--name", "c"]  # fmt: skip
    trained = CliRunner().invoke(app, args)
    assert trained.exit_code == 0, trained.output
    run = runs / "c"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["solved_at"]["timesteps"] == manifest["timesteps"]
    assert manifest["episodes"] < 3000  # stopped when its family judged it solved
    saved = json.loads((run / "eval.json").read_text())
    assert saved["solved"] is True
    assert saved["result"]["mean_length"] == 6.0  # the corridor's shortest walk
    assert "length = 7" in (run / "config.toml").read_text()
    evaluated = CliRunner().invoke(app, ["eval", str(run), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout) == saved["result"]


def test_a_third_familys_settings_are_checked_by_its_own_model(tmp_path, corridor_family):
    preset = tmp_path / "corridor.toml"
    preset.write_text(f'algo = "q-table"\n[env]\nid = "{CORRIDOR}"\nlenght = 7\n')
    outcome = CliRunner().invoke(app, ["train", "--config", str(preset)])
    assert outcome.exit_code == 2
    assert (
        "lenght does not apply to rlgridtest/Corridor-v0 (its [env] keys: id, wrappers, length)"
    ) in outcome.stderr


def test_eval_of_a_run_plays_what_its_own_evaluation_played(tmp_path):
    """The config's [eval] all_targets reaches `rlgrid eval RUN` (it used not to)."""
    preset = tmp_path / "p.toml"
    preset.write_text('algo = "q-table"\nepisodes = 400\n[eval]\nall_targets = true\n')
    runs = tmp_path / "runs"
    args = ["train", "--config", str(preset), "--grid", "4x4", "--random-start",
            "--runs-dir", str(runs), "--name", "r"]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    saved = json.loads((runs / "r" / "eval.json").read_text())
    assert saved["all_targets"] is True
    assert saved["result"]["episodes"] == 16 * 9 - 9  # every start and a target but itself
    evaluated = CliRunner().invoke(app, ["eval", str(runs / "r"), "--json"])
    assert json.loads(evaluated.stdout) == saved["result"]
    seeded = CliRunner().invoke(app, ["eval", str(runs / "r"), "--json", "--episodes", "30"])
    assert json.loads(seeded.stdout)["episodes"] == 30
    assert np.isfinite(json.loads(seeded.stdout)["mean_length"])


def test_a_size_dependent_policy_does_not_fit_a_grid_with_the_same_bounds():
    one_row = WarehouseSettings(grid="1x5", obs="coords", targets="anywhere")
    two_rows = WarehouseSettings(grid="2x5", obs="coords", targets="anywhere")
    with pytest.raises(InvalidValueError, match="cannot act on 2x5"):
        WarehouseFamily().policy_fits(one_row, two_rows, tabular=True)
    WarehouseFamily().policy_fits(one_row, one_row.model_copy(), True)
