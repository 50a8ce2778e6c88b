"""maskable-ppo: sb3-contrib's MaskablePPO on envs with action masks, refused on the others."""

import json

import numpy as np
import pytest
import tomli_w
from typer.testing import CliRunner

from rlgrid.algos.base import Hooks, has_masks
from rlgrid.algos.registry import ALGOS, check_fits, misfit
from rlgrid.cli.app import app
from rlgrid.config import build_config
from rlgrid.errors import IncompatibleError, InvalidValueError
from rlgrid.training import open_run
from rlgrid.training.states import training_envs
from tests.masked_env import FORWARD, GOAL, MASKED_ID, N_ACTIONS, PLAIN_ID

MASKED = f"tests.masked_env:{MASKED_ID}"
PLAIN = f"tests.masked_env:{PLAIN_ID}"
NO_HOOKS = Hooks(should_stop=lambda: False, report=lambda episodes, steps: None)


def train(tmp_path, *args):
    return CliRunner().invoke(app, ["train", "--runs-dir", str(tmp_path / "runs"), *args])


def config_for(env_id, algo="maskable-ppo", timesteps=1024, **hp):
    return build_config(None, {"algo": algo, "env.id": env_id, "timesteps": timesteps},
                        {"n_steps": 128, **hp})  # fmt: skip


def test_it_is_an_algorithm_with_ppos_hyperparameters():
    algo = ALGOS["maskable-ppo"]
    assert algo.needs_masks and algo.actions == "discrete"
    config = config_for(MASKED, batch_size=32, gamma=0.9)
    assert config.params.algorithm_kwargs() == {"n_steps": 128, "batch_size": 32, "gamma": 0.9}
    assert config.to_toml_dict()["maskable-ppo"]["n_steps"] == 128
    with pytest.raises(InvalidValueError, match="MaskablePPO has no hyperparameter 'use_sde'"):
        config_for(MASKED, use_sde=True)


def test_the_registry_refuses_it_without_masks_in_one_line_naming_what_fits():
    import gymnasium as gym

    spaces = (gym.spaces.Discrete(4), gym.spaces.Discrete(6))
    algo = ALGOS["maskable-ppo"]
    assert misfit(algo, *spaces, "X", masked=True) is None
    check_fits(algo, *spaces, "X", masked=True)
    with pytest.raises(IncompatibleError) as refused:
        check_fits(algo, *spaces, "X")
    assert str(refused.value) == (
        "maskable-ppo needs an env that says which actions it allows (an action_masks() method), "
        "but X has none; algorithms that fit: q-table, a2c, dqn, ppo"
    )
    assert misfit(ALGOS["ppo"], *spaces, "X") is None  # the others need no masks


def test_training_envs_say_whether_they_have_masks():
    assert training_envs(config_for(MASKED)).masked()
    assert not training_envs(config_for(PLAIN, algo="ppo")).masked()
    assert not has_masks(object())  # an EnvMaker that does not say has none


@pytest.mark.parametrize("env", [PLAIN, "CartPole-v1", None])
def test_envs_without_masks_are_refused_before_any_folder(tmp_path, env):
    args = ["--algo", "maskable-ppo", "--timesteps", "256"] + (["--env", env] if env else [])
    result = train(tmp_path, *args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "maskable-ppo needs an env that says which actions it allows" in lines[0]
    assert "algorithms that fit: " in lines[0] and "ppo" in lines[0]
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("algo", ["maskable-ppo", "ppo"])
def test_maskable_ppo_acts_among_allowed_actions_and_the_others_ignore_masks(algo):
    from rlgrid.algos.sb3.agent import SB3Agent

    config = config_for(MASKED, algo=algo)
    agent = SB3Agent(config, training_envs(config))
    cells = np.arange(GOAL)
    free = agent.act_batch(cells)
    other = (free + 1) % N_ACTIONS  # an action it does not pick
    only_other = np.eye(N_ACTIONS, dtype=bool)[other]  # masks allowing that action alone
    expected = (other if algo == "maskable-ppo" else free).tolist()
    assert agent.act_batch(cells, only_other).tolist() == expected
    assert [agent.act(cell, only_other[cell]) for cell in cells] == expected


@pytest.mark.slow  # learns until solved
def test_solves_the_masked_corridor_evaluates_and_loads_weights_only(tmp_path):
    preset = tmp_path / "preset.toml"
    preset.write_text(
        tomli_w.dumps(
            {
                "algo": "maskable-ppo",
                "timesteps": 20_000,
                "until_solved": True,
                "env": {"id": MASKED},
                "eval": {"freq": 512, "episodes": 5},
                "maskable-ppo": {"n_steps": 256},
            }
        )
    )
    result = train(tmp_path, "--config", str(preset), "--name", "m")
    assert result.exit_code == 0, result.output
    run = tmp_path / "runs" / "m"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["solved_at"]["timesteps"] < 20_000  # the periodic evaluation stopped it
    assert (run / "best.zip").exists()
    assert (run / "evaluations.csv").read_text().splitlines()[-1].split(",")[4] == "True"
    found = json.loads((run / "eval.json").read_text())
    assert found["solved"] and found["result"]["success_rate"] == 1.0

    _, _, agent = open_run(run, trust_env_module=True)  # rebuilt, weights read with torch's
    assert type(agent.model).__name__ == "MaskablePPO"  # weights-only loader
    assert agent.act_batch(np.arange(GOAL), np.ones((GOAL, N_ACTIONS), bool)).tolist() == list(
        FORWARD
    )
    evaluated = CliRunner().invoke(app, ["eval", str(run), "--trust-env-module", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["success_rate"] == 1.0


@pytest.mark.slow  # two trainings
def test_a_stopped_run_resumes_to_its_exact_budget(tmp_path):
    from rlgrid.algos.sb3.agent import SB3Agent

    config = config_for(MASKED, timesteps=1024)
    (tmp_path / "config.toml").write_text(tomli_w.dumps(config.to_toml_dict()))
    first = SB3Agent(config, training_envs(config))
    stop = Hooks(should_stop=lambda: first.timesteps >= 300, report=lambda e, t: None)
    assert not first.learn(tmp_path, stop)
    assert first.timesteps == 300  # mid-rollout: rollouts are 128 steps
    first.save(tmp_path)

    resumed = SB3Agent.load(config, training_envs(config), tmp_path, resume=True)
    assert (resumed.timesteps, resumed.episodes) == (300, first.episodes)
    assert resumed.learn(tmp_path, NO_HOOKS)
    assert resumed.timesteps == 1024
    assert resumed.episodes > first.episodes
    assert all(row.timesteps > 300 for row in resumed.rows.records())


@pytest.mark.slow  # two trainings, five model builds
def test_the_cli_resumes_a_run_whose_process_died_from_its_checkpoint(tmp_path):
    args = ["--algo", "maskable-ppo", "--env", MASKED, "--timesteps", "1024", "--save-freq",
            "256", "--hp", "n_steps=128", "--name", "r"]  # fmt: skip
    assert train(tmp_path, *args).exit_code == 0
    run = tmp_path / "runs" / "r"
    # as a kill -9 after the checkpoint at 768 steps leaves it: no model file, still running
    (run / "model.zip").unlink()
    (run / "checkpoints" / "maskable-ppo_0000001024.zip").unlink()
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    result = CliRunner().invoke(app, ["train", "--resume", str(run), "--trust-env-module"])
    assert result.exit_code == 0, result.output
    assert "from checkpoints/maskable-ppo_0000000768.zip at step 768" in " ".join(
        result.output.split()
    )
    manifest = json.loads((run / "manifest.json").read_text())
    assert (manifest["status"], manifest["timesteps"]) == ("completed", 1024)
    assert json.loads((run / "eval.json").read_text())["result"]["episodes"] == 20
