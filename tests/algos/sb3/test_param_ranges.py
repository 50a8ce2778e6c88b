"""Range checks on the SB3 hyperparameters that have a range: SB3 takes ``gamma = 7`` without a
word (and refuses a few others only with an assertion deep inside training); rlgrid refuses each
in one line that names the key, its value and the range allowed."""

from pathlib import Path

import pytest

from rlgrid.config import build_config
from rlgrid.errors import InvalidValueError

REPO = Path(__file__).resolve().parents[3]


def config(algo, hp):
    return build_config(None, {"algo": algo, "env.grid": "4x5"}, hp)


@pytest.mark.parametrize(
    ("algo", "key", "bad", "good", "allowed"),
    [
        ("a2c", "gamma", 7, 0.95, "outside [0, 1]"),
        ("a2c", "gamma", -0.1, 0.0, "outside [0, 1]"),
        ("ppo", "gamma", 1.01, 1.0, "outside [0, 1]"),
        ("a2c", "gae_lambda", 1.5, 1.0, "outside [0, 1]"),
        ("ppo", "clip_range", 0, 0.1, "not > 0"),
        ("ppo", "clip_range", -0.2, "lin_0.2", "not > 0"),
        ("ppo", "clip_range_vf", 0.0, 0.5, "not > 0"),
        ("ppo", "ent_coef", -0.01, 0.0, "not >= 0"),
        ("a2c", "vf_coef", -1, 0.25, "not >= 0"),
        ("a2c", "max_grad_norm", 0, 0.5, "not > 0"),
        ("dqn", "max_grad_norm", -1, 10, "not > 0"),
        ("dqn", "tau", 0, 0.005, "outside (0, 1]"),
        ("dqn", "tau", 1.5, 1, "outside (0, 1]"),
        ("dqn", "exploration_fraction", 0, 1.0, "outside (0, 1]"),
        ("dqn", "exploration_initial_eps", 1.2, 1.0, "outside [0, 1]"),
        ("dqn", "exploration_final_eps", -0.05, 0.0, "outside [0, 1]"),
        ("ppo", "target_kl", 0, 0.02, "not > 0"),
        ("dqn", "learning_starts", -1, 0, "not >= 0"),
        ("a2c", "learning_rate", 2, 1, "outside (0, 1]"),
    ],
)
def test_a_value_out_of_range_is_one_line_naming_key_value_and_range(algo, key, bad, good, allowed):
    with pytest.raises(InvalidValueError) as error:
        config(algo, {key: bad})
    message = str(error.value)
    assert f"'{key}' = {bad!r} is {allowed}" in message
    assert "\n" not in message
    assert config(algo, {key: good}).params.model_extra[key] == good


def test_ppo_refuses_a_batch_larger_than_its_rollout():
    with pytest.raises(InvalidValueError) as error:
        config("ppo", {"n_steps": 16, "n_envs": 2, "batch_size": 64})
    assert "'batch_size' = 64 is more than a rollout, n_steps * n_envs = 16 * 2 = 32" in str(
        error.value
    )
    assert config("ppo", {"n_steps": 16, "n_envs": 4, "batch_size": 64})
    with pytest.raises(InvalidValueError, match="'batch_size' = 64 is more than a rollout"):
        config("maskable-ppo", {"n_steps": 8, "n_envs": 1})  # the default batch of 64


def test_ppo_refuses_a_batch_of_one_with_normalized_advantages():
    with pytest.raises(InvalidValueError, match="'batch_size' = 1 and n_steps \\* n_envs"):
        config("ppo", {"batch_size": 1})
    assert config("ppo", {"batch_size": 1, "normalize_advantage": False})


def test_dqn_refuses_a_buffer_smaller_than_a_batch():
    with pytest.raises(InvalidValueError, match="'buffer_size' = 16 is less than batch_size = 32"):
        config("dqn", {"buffer_size": 16})
    assert config("dqn", {"buffer_size": 64, "batch_size": 64})


def test_a_schedule_still_reads_as_before():
    built = config("ppo", {"learning_rate": "lin_0.001", "clip_range": "lin_0.2"})
    assert built.params.model_extra["clip_range"] == "lin_0.2"


@pytest.mark.parametrize("preset", sorted((REPO / "configs").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_preset_still_loads(preset):
    assert build_config(preset, {}, {}).algo


def test_the_command_line_refuses_it_before_training(tmp_path):
    from typer.testing import CliRunner

    from rlgrid.cli.app import app

    done = CliRunner().invoke(
        app, ["train", "--algo", "a2c", "--hp", "gamma=7", "--runs-dir", str(tmp_path)]
    )
    assert done.exit_code == 2
    assert "'gamma' = 7 is outside [0, 1]" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())  # no run folder
