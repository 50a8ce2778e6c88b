"""The doctor's checks of a config before training: each names its cause on a config that has
it, with a fix that changes the right setting, and stays quiet on one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlgrid.config import build_config
from rlgrid.doctor.diagnose import apply_fixes, diagnose_config, diagnose_settings
from rlgrid.doctor.probe import probe
from rlgrid.findings import ERROR, NOTE, WARNING, Diagnosis


def diagnosis(given: dict, hp: dict | None = None, preset: Path | None = None) -> Diagnosis:
    _, found = diagnose_settings(preset, given, hp or {}, "test")
    return found


def finding(found: Diagnosis, check: str):
    matches = [item for item in found.findings if item.check == check and item.severity != NOTE]
    assert matches, [(item.check, item.severity) for item in found.findings]
    return matches[0]


def test_probe_measures_random_episodes_on_the_training_env():
    result = probe(build_config(None, {"algo": "q-table", "env.grid": "4x5"}, {}))
    assert result.episodes == 200
    assert result.time_limit == 36
    assert 0.2 < result.success_rate < 0.9
    assert result.lengths.max() <= 36
    assert result.allowed is None  # the warehouse has no masks
    assert result.sparse()
    assert result.shortest is not None and result.shortest.max() <= 7


def test_probe_counts_allowed_actions_where_the_env_masks_them():
    result = probe(build_config(Path("configs/qtable_tangram_square.toml"), {}, {}))
    assert result.allowed is not None and 1 <= result.allowed < 152
    assert result.time_limit == 7


def test_a_healthy_config_has_only_notes():
    found = diagnosis({"algo": "a2c", "env.grid": "6x6"})
    assert found.healthy
    assert [item.check for item in found.findings] == ["reward reachability"]


def test_a_time_limit_as_good_as_none_is_named_with_the_default_as_fix():
    found = diagnosis({"algo": "a2c", "env.grid": "10x10", "env.max_steps": 100_000})
    item = finding(found, "time limit")
    assert item.severity == WARNING
    assert item.fix.changes == {"env.max_steps": 80}
    assert "1,250x" in item.evidence


def test_a_time_limit_shorter_than_the_longest_path_is_an_error():
    found = diagnosis({"algo": "q-table", "env.grid": "10x10", "env.max_steps": 10})
    item = finding(found, "time limit")
    assert item.severity == ERROR and item.fix.changes == {"env.max_steps": 36}


@pytest.mark.parametrize(
    ("kind", "scale", "severity"),
    [("proximity", 0.2, ERROR), ("exploration", 0.1, ERROR), ("direction", None, WARNING),
     ("proximity", None, WARNING)],
)  # fmt: skip
def test_shaping_that_pays_for_not_arriving_is_named(kind, scale, severity, tmp_path):
    preset = tmp_path / "shaped.toml"
    scales = "" if scale is None else f"\n[shaping]\n{kind} = {scale}\n"
    preset.write_text(f'algo = "a2c"\n[env]\ngrid = "10x10"\nreward = "{kind}"\n{scales}')
    item = finding(diagnosis({}, preset=preset), "shaping")
    assert item.severity == severity
    assert item.fix.changes == {"env.reward": "potential"}
    assert kind in item.evidence


def test_potential_shaping_is_not_a_shaping_finding():
    found = diagnosis({"algo": "a2c", "env.grid": "10x10", "env.reward": "potential"})
    assert all(item.check != "shaping" for item in found.findings)


def test_a_discount_that_leaves_nothing_of_a_sparse_goal_is_named():
    found = diagnosis(
        {"algo": "a2c", "env.grid": "64x64", "env.reward": "sparse", "timesteps": 100_000},
        {"gamma": 0.9},
    )
    item = finding(found, "horizon")
    assert item.severity == WARNING and item.fix.changes == {"hp.gamma": 0.99}
    assert found.measured["goal_reward_left_at_start"] < 0.01


def test_the_same_discount_with_potential_shaping_is_fine():
    found = diagnosis({"algo": "a2c", "env.grid": "64x64"}, {"gamma": 0.9})
    assert all(item.check != "horizon" for item in found.findings)


def test_a_small_q_table_budget_is_named_with_a_budget_that_visits_states_enough():
    found = diagnosis({"algo": "q-table", "env.grid": "10x10", "episodes": 1000})
    item = finding(found, "budget")
    assert item.severity == WARNING
    assert item.fix.changes["episodes"] > 5_000
    assert found.measured["table_visits_per_state_action"] < 5


def test_no_exploration_is_named():
    found = diagnosis(
        {"algo": "q-table", "env.grid": "6x6"}, {"epsilon_start": 0.0, "epsilon_end": 0.0}
    )
    assert finding(found, "exploration").severity == WARNING


def test_shelves_an_offset_observation_cannot_see_are_an_error():
    found = diagnosis({"algo": "a2c", "env.map": "configs/maps/shelves_16x16.txt",
                       "env.obs": "offset", "env.random_start": True})  # fmt: skip
    item = finding(found, "observation")
    assert item.severity == ERROR and item.fix.changes == {"env.obs": "offset+window"}


@pytest.mark.slow  # random episodes on two 72x72 floors
def test_raw_coordinates_on_a_big_floor_are_a_warning_for_a_network_only():
    found = diagnosis({"algo": "a2c", "env.grid": "72x72", "env.obs": "coords"})  # sides > 64
    assert finding(found, "observation").fix.changes == {"env.obs": "offset"}
    table = diagnosis({"algo": "q-table", "env.grid": "72x72", "env.obs": "coords",
                       "env.reward": "potential", "episodes": 10**6})  # fmt: skip
    assert all(item.check != "observation" for item in table.findings)


@pytest.mark.parametrize(
    ("algo", "hp", "timesteps", "severity"),
    [("a2c", {"learning_rate": 0.05}, 10_000, WARNING),
     ("ppo", {"n_steps": 2048}, 1_000, ERROR),
     ("dqn", {"learning_starts": 50_000}, 10_000, ERROR),
     ("dqn", {"target_update_interval": 20_000}, 10_000, ERROR),
     ("a2c", {"ent_coef": 0.5}, 10_000, WARNING),
     ("ppo", {"clip_range": 0.9}, 100_000, WARNING)],
)  # fmt: skip
def test_numbers_that_make_no_sense_are_named(algo, hp, timesteps, severity):
    found = diagnosis({"algo": algo, "env.grid": "4x5", "timesteps": timesteps}, hp)
    assert finding(found, "hyperparameters").severity == severity


def test_until_solved_with_no_evaluation_in_the_budget_is_named(tmp_path):
    preset = tmp_path / "late.toml"
    preset.write_text('algo = "a2c"\ntimesteps = 5000\nuntil_solved = true\n[eval]\nfreq = 9000\n')
    assert finding(diagnosis({}, preset=preset), "evaluation").fix.changes == {"eval.freq": 500}


def test_a_refused_config_is_an_error_whose_fix_is_the_default():
    config, found = diagnose_settings(None, {"algo": "a2c"}, {"learning_rate": 1e9}, "test")
    assert config is None
    item = finding(found, "config")
    assert "learning_rate" in item.evidence
    assert item.fix.changes == {"hp.learning_rate": 0.0007}


def test_applied_fixes_make_a_config_the_doctor_finds_healthy():
    given = {"algo": "a2c", "env.grid": "10x10", "env.max_steps": 100_000, "env.reward": "sparse"}
    hp = {"gamma": 0.5}
    found = diagnosis(given, hp)
    fixed_given, fixed_hp = apply_fixes(given, hp, found.findings)
    assert fixed_given["env.max_steps"] == 80
    assert diagnose_config(build_config(None, fixed_given, fixed_hp), "fixed").healthy


def test_an_algorithm_that_cannot_work_on_the_env_is_named_with_one_that_can():
    found = diagnosis({"algo": "q-table", "env.id": "CartPole-v1", "episodes": 500})
    item = finding(found, "algorithm")
    assert item.severity == ERROR and "q-table" in item.evidence
    assert item.fix.changes == {"algo": "a2c", "timesteps": 100_000}
    given, _ = apply_fixes({"algo": "q-table", "episodes": 500}, {}, found.findings)
    assert given == {"algo": "a2c", "timesteps": 100_000}  # the other budget unit goes


def test_masks_ignored_by_the_algorithm_are_an_error_fixed_by_one_that_uses_them():
    found = diagnosis({"algo": "ppo", "env.id": "rlgrid/Tangram-v0", "timesteps": 20_000})
    item = finding(found, "action masks")
    assert item.severity == ERROR and item.fix.changes == {"algo": "maskable-ppo"}
    masked = diagnosis({"algo": "maskable-ppo", "env.id": "rlgrid/Tangram-v0"})
    assert masked.healthy


def test_default_dqn_is_healthy():
    # SB3 counts target_update_interval in env steps: 10,000 of a 100,000 budget is 10 updates
    assert diagnosis({"algo": "dqn", "env.grid": "6x6"}).healthy


def test_a_rollout_longer_than_a_small_budget_is_fixed_by_a_shorter_rollout():
    found = diagnosis({"algo": "a2c", "env.grid": "4x5", "timesteps": 1_000}, {"n_steps": 4096})
    assert finding(found, "hyperparameters").fix.changes == {"hp.n_steps": 6}  # 16 envs


def test_an_env_whose_reward_only_the_goal_pays_counts_reaching_it_as_success():
    found = diagnosis({"algo": "q-table", "env.id": "FrozenLake-v1", "episodes": 200})
    item = finding(found, "exploration")
    assert item.fix.changes["episodes"] > 200
    assert diagnosis({"algo": "q-table", "env.id": "FrozenLake-v1"}).healthy  # 20,000 episodes
