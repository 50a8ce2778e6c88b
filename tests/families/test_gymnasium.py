"""Any gymnasium env: constructor kwargs and wrappers saved in the run, so eval, render and resume
rebuild the same env; a step cap where the env has none; one-line errors for bad kwargs."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.config import build_config, read_preset
from rlgrid.families.gymnasium import DEFAULT_STEP_CAP, GymnasiumFamily, GymnasiumSettings

runner = CliRunner()


def train(tmp_path, *args: str):
    done = runner.invoke(app, ["train", "--runs-dir", str(tmp_path), "--name", "run", *args])
    assert done.exit_code == 0, done.output
    return tmp_path / "run"


@pytest.mark.slow  # the evaluation plays a thousand episodes
def test_env_kwargs_and_wrappers_round_trip_through_the_run_folder(tmp_path):
    run = train(
        tmp_path, "--env", "FrozenLake-v1", "--env-kwargs", "is_slippery=false", "map_name=8x8",
        "--wrapper", "TimeLimit:max_episode_steps=40", "--episodes", "64",
    )  # fmt: skip
    saved = read_preset(run / "config.toml")["env"]
    assert saved["kwargs"] == {"is_slippery": False, "map_name": "8x8"}
    assert saved["wrappers"] == [{"name": "TimeLimit", "kwargs": {"max_episode_steps": 40}}]
    config = build_config(run / "config.toml", {}, {})
    env = config.family.make(config.env)
    assert env.observation_space.n == 64  # the 8x8 map
    assert env.spec is not None
    assert env.unwrapped.spec.kwargs["is_slippery"] is False
    env.close()
    done = runner.invoke(app, ["eval", str(run), "--json"])
    assert done.exit_code == 0, done.output
    evaluation = json.loads(done.output)
    assert evaluation["episodes"] == 1000  # a toy-text env: many cheap episodes
    assert evaluation["mean_length"] <= 40  # the saved TimeLimit, not the spec's 200 steps


def test_config_kwargs_merge_under_the_flags(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text(
        'algo = "q-table"\n[env]\nid = "FrozenLake-v1"\n'
        'kwargs = { is_slippery = false, map_name = "8x8" }\n'
    )
    config = build_config(preset, {"env.kwargs": {"map_name": "4x4"}}, {})
    assert config.env.kwargs == {"is_slippery": False, "map_name": "4x4"}


def test_warehouse_env_kwargs_are_its_own_env_keys():
    config = build_config(None, {"algo": "q-table", "env.kwargs": {"max_steps": 7}}, {})
    assert config.env.max_steps == 7


def test_a_kwarg_the_constructor_does_not_take_is_one_line(tmp_path):
    done = runner.invoke(
        app, ["train", "--env", "FrozenLake-v1", "--env-kwargs", "slippery=false",
              "--runs-dir", str(tmp_path)],
    )  # fmt: skip
    assert done.exit_code == 2
    assert done.output.strip().splitlines() == [
        "error: --env-kwargs: FrozenLake-v1 takes no argument 'slippery'; did you mean "
        "'is_slippery'? (it takes: desc, map_name, is_slippery, success_rate, reward_schedule)"
    ]
    assert not list(tmp_path.iterdir())


def test_a_bad_kwarg_value_is_one_line(tmp_path):
    done = runner.invoke(
        app, ["train", "--env", "FrozenLake-v1", "--env-kwargs", "map_name=9x9",
              "--runs-dir", str(tmp_path)],
    )  # fmt: skip
    assert done.exit_code == 2
    assert done.output.startswith("error: --env-kwargs {'map_name': '9x9'}: FrozenLake-v1 refused")


def test_an_env_without_a_time_limit_gets_the_step_cap_named_in_its_config(tmp_path):
    settings = GymnasiumSettings(id="CliffWalking-v1")
    assert GymnasiumFamily().resolved(settings).max_steps == DEFAULT_STEP_CAP
    env = GymnasiumFamily().make(settings)
    env.reset(seed=0)
    steps = truncated = 0
    while not truncated:
        _, _, _, truncated, _ = env.step(3)  # LEFT at the start: never reaches the goal
        steps += 1
    assert steps == DEFAULT_STEP_CAP
    capped = GymnasiumFamily().make(GymnasiumSettings(id="CliffWalking-v1", max_steps=5))
    assert capped.spec.max_episode_steps == 5


def test_the_spec_time_limit_is_spelled_out():
    assert GymnasiumFamily().resolved(GymnasiumSettings(id="CartPole-v1")).max_steps == 500


def test_env_kwargs_take_several_values_after_one_flag(tmp_path):
    run = train(
        tmp_path, "--env", "FrozenLake-v1", "--env-kwargs", "is_slippery=false", "map_name=8x8",
        "--hp", "gamma=0.95", "learning_rate=0.5", "--episodes", "64",
    )  # fmt: skip
    saved = read_preset(run / "config.toml")
    assert saved["env"]["kwargs"] == {"is_slippery": False, "map_name": "8x8"}
    assert (saved["q-table"]["gamma"], saved["q-table"]["learning_rate"]) == (0.95, 0.5)


def _run_with_external_wrapper(tmp_path):
    package = tmp_path / "lib"
    package.mkdir()
    marker = tmp_path / "imported"
    (package / "my_wrappers.py").write_text(
        "import gymnasium as gym\n"
        f"open({str(marker)!r}, 'w').close()\n"
        "class Same(gym.Wrapper):\n    pass\n"
    )
    return package, marker


@pytest.mark.slow
def test_a_run_naming_an_external_wrapper_is_loaded_only_when_trusted(tmp_path, run_rlgrid):
    package, marker = _run_with_external_wrapper(tmp_path)
    env = {"PYTHONPATH": f"{package}:{sys.path[0]}"}
    trained = run_rlgrid(
        "train", "--env", "FrozenLake-v1", "--wrapper", "my_wrappers.Same", "--episodes", "64",
        "--name", "ext", env=env,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert marker.exists()  # the user named it on the command line: imported
    marker.unlink()
    refused = run_rlgrid("eval", "runs/ext", env=env)
    assert refused.returncode == 1
    assert "names the module 'my_wrappers'" in refused.stderr
    assert "--trust-env-module" in refused.stderr
    assert not marker.exists()
    trusted = run_rlgrid("eval", "runs/ext", "--trust-env-module", env=env)
    assert trusted.returncode == 0, trusted.stderr
    assert marker.exists()


def test_a_deprecated_version_names_the_one_to_use(tmp_path):
    done = runner.invoke(app, ["train", "--env", "Taxi-v3", "--runs-dir", str(tmp_path)])
    assert done.exit_code == 2
    assert "Please use `Taxi-v4` instead" in done.output


def test_warehouse_rows_and_cols_as_gym_make_takes_them():
    config = build_config(None, {"algo": "q-table", "env.kwargs": {"rows": 6, "cols": 7}}, {})
    assert str(config.env.grid) == "6x7"


def test_a_value_of_the_wrong_kind_is_refused_not_taken_as_text(tmp_path):
    done = runner.invoke(
        app, ["train", "--env", "FrozenLake-v1", "--env-kwargs", "is_slippery=flase",
              "--runs-dir", str(tmp_path)],
    )  # fmt: skip
    assert done.exit_code == 2
    assert "is_slippery must be true or false like its default True, not 'flase'" in done.output
    assert not list(tmp_path.iterdir())


def test_a_setting_given_by_env_kwargs_and_its_own_flag_is_refused(tmp_path):
    done = runner.invoke(
        app, ["train", "--env-kwargs", "max_steps=50", "--max-steps", "60",
              "--runs-dir", str(tmp_path)],
    )  # fmt: skip
    assert done.exit_code == 2
    assert "--env-kwargs max_steps=... and --max-steps set the same thing" in done.output


def test_check_env_says_in_one_line_what_every_check_would_fail_on():
    done = runner.invoke(app, ["check-env", "--env", "FrozenLake-v1", "--env-kwargs", "slip=1"])
    assert done.exit_code == 2
    assert done.output.strip().splitlines() == [
        "error: --env-kwargs: FrozenLake-v1 takes no argument 'slip' (it takes: desc, map_name, "
        "is_slippery, success_rate, reward_schedule)"
    ]


@pytest.mark.slow  # a process of its own, where minigrid cannot be imported
def test_without_the_minigrid_extra_a_minigrid_id_says_how_to_install_it():
    from tests.conftest import run_python

    out = run_python(
        "import sys; sys.modules['minigrid'] = None\n"
        "from typer.testing import CliRunner\nfrom rlgrid.cli.app import app\n"
        "for args in (['MiniGrid-Empty-5x5-v0'], ['minigrid:MiniGrid-Empty-5x5-v0']):\n"
        "    done = CliRunner().invoke(app, ['train', '--algo', 'q-table', '--env', *args])\n"
        "    print(done.exit_code, done.output.strip())\n"
    )
    for line in out.strip().splitlines():
        assert line.startswith("1 error: env 'MiniGrid-Empty-5x5-v0' comes with the minigrid")
        assert "pip install" in line


@pytest.mark.slow  # learns, then trains once more
def test_train_says_whether_the_final_evaluation_is_solved(tmp_path):
    done = runner.invoke(
        app, ["train", "--env", "FrozenLake-v1", "--env-kwargs", "is_slippery=false",
              "--episodes", "2000", "--runs-dir", str(tmp_path)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "greedy evaluation (solved):" in done.output  # the toy-text optimum, 1.0
    short = runner.invoke(
        app, ["train", "--env", "FrozenLake-v1", "--episodes", "1", "--runs-dir", str(tmp_path)]
    )
    assert "greedy evaluation (not solved):" in short.output
