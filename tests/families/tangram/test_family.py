"""The tangram family: settings, judging, the oracle, other silhouettes for a trained agent,
and file paths beside a preset."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlgrid.config import build_config
from rlgrid.errors import InvalidValueError, RlgridError
from rlgrid.evaluation import EvalResult, EvalSettings
from rlgrid.families import EvalPlan, RewardSetup, family_for
from rlgrid.families.tangram.family import TangramFamily, TangramSettings

FAMILY = TangramFamily()


def result(success: float) -> EvalResult:
    return EvalResult(100, success, 7.0, None, None, success, None)


def test_the_id_belongs_to_the_tangram_family():
    assert isinstance(family_for("rlgrid/Tangram-v0"), TangramFamily)
    assert not isinstance(family_for("rlgrid/Warehouse-v0"), TangramFamily)


def test_solved_means_every_silhouette_filled_or_the_threshold():
    plain = EvalSettings()
    assert FAMILY.judge(TangramSettings(), result(1.0), plain).solved
    assert not FAMILY.judge(TangramSettings(), result(0.99), plain).solved
    ninety = EvalSettings(reward_threshold=0.9)
    assert FAMILY.judge(TangramSettings(), result(0.91), ninety).solved
    assert not FAMILY.judge(TangramSettings(), result(0.85), ninety).solved


def test_the_oracle_fills_every_silhouette_and_episodes_cycle_through_a_set():
    settings = TangramSettings(silhouettes="classics")
    found = FAMILY.evaluate(settings, None, EvalPlan(episodes=20, seed=0, all_targets=False))
    assert found.success_rate == 1.0 and found.mean_length == 7.0


def test_evaluation_envs_start_empty_with_the_sparse_reward():
    settings = TangramSettings(reward="area", preplaced=5, curriculum=True)
    evaluation = FAMILY.make(settings).unwrapped
    assert evaluation.reward == "sparse" and evaluation.preplaced == 0
    training = FAMILY.make(settings, reward=RewardSetup(gamma=0.9, scales={}))
    assert training.unwrapped.reward == "area" and training.unwrapped.preplaced == 5
    assert training.unwrapped.gamma == 0.9
    assert type(training).__name__ == "Curriculum"


def test_a_trained_agent_may_change_silhouettes_only():
    moved = FAMILY.on_floor(TangramSettings(), {"silhouettes": "cat"})
    assert moved.silhouettes == "cat"
    with pytest.raises(InvalidValueError, match="can change only silhouettes"):
        FAMILY.on_floor(TangramSettings(), {"reward": "area"})


def test_window_policies_read_any_canvas_canvas_policies_only_their_own():
    FAMILY.policy_fits(TangramSettings(), TangramSettings(silhouettes="random:3"), False)
    with pytest.raises(InvalidValueError, match="whole canvas"):
        FAMILY.policy_fits(
            TangramSettings(obs="canvas"), TangramSettings(obs="canvas", silhouettes="cat"), False
        )
    with pytest.raises(InvalidValueError, match="numbers the boards"):
        FAMILY.policy_fits(
            TangramSettings(obs="state"), TangramSettings(obs="state", silhouettes="cat"), True
        )


def test_a_q_table_gets_numbered_boards_and_deep_algorithms_get_masks():
    tabular = build_config(None, {"algo": "q-table", "env.id": "rlgrid/Tangram-v0"}, {})
    assert tabular.env.obs == "state"
    deep = build_config(None, {"algo": "maskable-ppo", "env.id": "rlgrid/Tangram-v0"}, {})
    assert deep.env.obs is None and deep.eval.episodes == 100


def test_a_silhouette_file_in_a_preset_is_read_beside_it(tmp_path: Path):
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "block.txt").write_text("####\n####\n####\n####\n")
    preset = tmp_path / "preset.toml"
    preset.write_text(
        'algo = "maskable-ppo"\n[env]\nid = "rlgrid/Tangram-v0"\n'
        'silhouettes = "shapes/block.txt,cat"\n'
    )
    config = build_config(preset, {}, {})
    assert config.env.silhouettes == f"{shapes / 'block.txt'},cat"


def test_unknown_settings_are_one_line():
    with pytest.raises(RlgridError, match="did you mean 'swan'"):
        build_config(
            None,
            {"algo": "maskable-ppo", "env.id": "rlgrid/Tangram-v0", "env.silhouettes": "swna"},
            {},
        )
    with pytest.raises(RlgridError, match="actions"):
        build_config(
            None, {"algo": "maskable-ppo", "env.id": "rlgrid/Tangram-v0", "env.actions": "all"}, {}
        )


def test_action_names_say_the_piece_and_where_it_goes():
    names = FAMILY.action_namer(TangramSettings())
    assert names(0) == "large triangle 1/4 at the gap"
    anywhere = FAMILY.action_namer(TangramSettings(actions="anywhere"))
    assert anywhere(16 + 5) == "large triangle 2/4 at row 1 col 1"  # shape 1, cell 5 of 4x4


def test_state_observations_start_from_an_empty_silhouette():
    with pytest.raises(ValueError, match="does not go with preplaced pieces"):
        TangramSettings(obs="state", curriculum=True)
    with pytest.raises(ValueError, match="does not go with preplaced pieces"):
        TangramSettings(obs="state", preplaced=2)


def test_anywhere_policies_play_only_their_own_canvas():
    with pytest.raises(InvalidValueError, match="acts anywhere"):
        FAMILY.policy_fits(
            TangramSettings(actions="anywhere"),
            TangramSettings(actions="anywhere", silhouettes="swan"),
            False,
        )


def test_relative_silhouette_files_in_a_preset_become_absolute(tmp_path, monkeypatch):
    (tmp_path / "shapes").mkdir()
    (tmp_path / "shapes" / "b.txt").write_text("####\n####\n####\n####\n")
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "p.toml").write_text(
        'algo = "maskable-ppo"\n[env]\nid = "rlgrid/Tangram-v0"\nsilhouettes = "../shapes/b.txt"\n'
    )
    monkeypatch.chdir(tmp_path)
    config = build_config(Path("presets/p.toml"), {}, {})
    assert Path(config.env.silhouettes).is_absolute()
