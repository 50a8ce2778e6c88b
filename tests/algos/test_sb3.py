import base64
import json
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.training import open_run
from tests.conftest import CreatesAFile


def train(tmp_path, *args):
    return CliRunner().invoke(app, ["train", "--runs-dir", str(tmp_path / "runs"), *args])


def manifest(run):
    return json.loads((run / "manifest.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize(("algo", "budget"), [("a2c", 30000), ("ppo", 40000)])
def test_learns_every_target_of_4x4_and_stops_when_solved(tmp_path, algo, budget):
    args = ["--algo", algo, "--grid", "4x4", "--timesteps", str(budget), "--until-solved"]
    if algo == "ppo":
        args += ["--hp", "n_steps=512"]
    result = train(tmp_path, *args)
    assert result.exit_code == 0, result.output
    run = tmp_path / "runs" / f"{algo}_{budget}"
    found = json.loads((run / "eval.json").read_text())["result"]
    assert found["episodes"] == 9
    assert found["success_rate"] == 1.0
    assert found["optimality_ratio"] <= 1.05
    solved = manifest(run)["solved_at"]
    assert solved["timesteps"] < budget  # stopped early
    assert manifest(run)["timesteps"] == solved["timesteps"]
    assert manifest(run)["status"] == "completed"
    assert (run / "best.zip").exists()


@pytest.mark.slow
def test_dqn_learns_something_measurable(tmp_path):
    from rlgrid.config import build_config
    from rlgrid.training.assess import evaluate as evaluation_of
    from rlgrid.training.states import training_envs

    flags = {"algo": "dqn", "env.grid": "4x4", "timesteps": 6000}  # 9 of 9 (4,000: 7 of 9)
    hp = {"learning_starts": 500, "exploration_fraction": 0.3, "n_envs": 1}
    config = build_config(None, {**flags, "env.reward": "sparse", "env.obs": "coords"}, hp)
    from rlgrid.algos.sb3.agent import SB3Agent

    agent = SB3Agent(config, training_envs(config))
    before = evaluation_of(config, agent)
    from rlgrid.algos.base import Hooks

    agent.learn(tmp_path, Hooks(should_stop=lambda: False, report=lambda e, t: None))
    after = evaluation_of(config, agent)
    assert after.success_rate >= before.success_rate + 0.3
    assert after.success_rate >= 0.6


def test_saved_model_acts_like_the_live_one(tmp_path):
    from rlgrid.algos.base import Hooks
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.config import build_config
    from rlgrid.training.states import training_envs

    flags = {"algo": "ppo", "env.grid": "5x5", "timesteps": 1024, "env.obs": "coords"}
    config = build_config(None, flags, {"n_steps": 256})
    live = SB3Agent(config, training_envs(config))
    live.learn(tmp_path, Hooks(should_stop=lambda: False, report=lambda e, t: None))
    live.save(tmp_path)
    (tmp_path / "config.toml").write_text(
        "\n".join(
            [
                "algo = 'ppo'",
                "timesteps = 1024",
                "[env]",
                "grid = '5x5'",
                "obs = 'coords'",
                "[ppo]",
                "n_steps = 256",
            ]
        )
    )
    _, _, loaded = open_run(tmp_path)
    states = np.indices((5, 5, 5, 5)).reshape(4, -1).T.astype(np.int32)
    assert [live.act(s) for s in states] == [loaded.act(s) for s in states]
    saved = SB3Agent.read_counters(tmp_path / "model.zip")
    assert saved == {"timesteps": live.timesteps, "episodes": live.episodes}


@pytest.mark.slow
def test_checkpoints_sort_by_step_and_only_the_newest_are_kept(tmp_path):
    # 8 envs step 8 timesteps at a time: 800 is a whole number of those (one env: 8 s, not 1)
    args = ["--algo", "a2c", "--grid", "4x4", "--timesteps", "4000", "--save-freq", "800"]
    args += ["--n-envs", "8"]
    assert train(tmp_path, *args).exit_code == 0
    run = tmp_path / "runs" / "a2c_4000"
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names == ["a2c_0000002400.zip", "a2c_0000003200.zip", "a2c_0000004000.zip"]
    result = CliRunner().invoke(
        app, ["eval", str(run / "checkpoints" / names[0]), "--all-targets", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["episodes"] == 9


@pytest.mark.slow
def test_dqn_resume_restores_counters_schedule_and_replay_buffer(tmp_path):
    import tomli_w

    from rlgrid.algos.base import Hooks
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.config import build_config
    from rlgrid.training.states import training_envs

    flags = {"algo": "dqn", "env.grid": "4x4", "timesteps": 3000}
    hp = {"learning_starts": 200, "exploration_fraction": 0.8, "n_envs": 1}
    config = build_config(None, flags, hp)
    (tmp_path / "config.toml").write_text(tomli_w.dumps(config.to_toml_dict()))
    first = SB3Agent(config, training_envs(config))
    stopped = first.learn(
        tmp_path, Hooks(should_stop=lambda: first.timesteps >= 1200, report=lambda e, t: None)
    )
    assert not stopped and first.timesteps == 1200
    epsilon_at_stop = first.model.exploration_rate
    first.save(tmp_path)

    resumed = SB3Agent.load(config, training_envs(config), tmp_path, resume=True)
    assert resumed.timesteps == 1200
    assert resumed.episodes == first.episodes
    buffer, saved = resumed.model.replay_buffer, first.model.replay_buffer
    assert buffer.pos == saved.pos >= 1199  # the step that stopped it is not stored
    assert np.array_equal(buffer.observations, saved.observations)
    assert np.array_equal(buffer.actions, saved.actions)
    assert resumed.learn(tmp_path, Hooks(should_stop=lambda: False, report=lambda e, t: None))
    assert resumed.timesteps == 3000
    assert resumed.model._total_timesteps == 3000  # schedules still span the whole budget
    epsilons = resumed.rows.epsilon
    assert epsilons[0] <= epsilon_at_stop  # exploration goes on from where it stopped
    assert epsilons == sorted(epsilons, reverse=True)
    assert resumed.model.exploration_rate == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--algo", "dqn", "--env", "Pendulum-v1"], "dqn needs a discrete action space", 1),
        (["--algo", "a2c", "--env", "CartPol-v1"], "did you mean CartPole-v1", 2),
        (["--algo", "a2c", "--env", "LunarLander-v3"], "needs a package that is not installed", 1),
        (["--algo", "a2c", "--device", "cuda"], "sees no CUDA GPU", 1),
        (["--algo", "a2c", "--episodes", "10"], "counts its budget in timesteps", 2),
        (["--algo", "a2c", "--hp", "learnig_rate=0.1"], "did you mean 'learning_rate'", 2),
        (["--algo", "ppo", "--hp", "n_steps=-4"], "'n_steps' must be at least 1", 2),
        (["--algo", "ppo", "--hp", "batch_size=1"], "must both be at least 2", 2),
        (["--algo", "a2c2"], "unknown algorithm 'a2c2'; did you mean 'a2c'?", 2),
    ],
)
@pytest.mark.slow
def test_unsupported_combinations_fail_before_any_folder(tmp_path, args, message, code):
    if "cuda" in args:
        pytest.importorskip("torch")
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has a GPU")
    result = train(tmp_path, *args)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_a_crafted_model_zip_runs_no_code(tmp_path):
    assert train(tmp_path, "--algo", "a2c", "--grid", "4x4", "--timesteps", "500").exit_code == 0
    run = tmp_path / "runs" / "a2c_500"
    marker = tmp_path / "pwned"
    payload = base64.b64encode(pickle.dumps(CreatesAFile(marker))).decode()
    original = (run / "model.zip").read_bytes()
    crafted = tmp_path / "crafted.zip"
    with zipfile.ZipFile(run / "model.zip") as source, zipfile.ZipFile(crafted, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "data":
                data = json.loads(content)
                data["policy_class"] = {":type:": "<class 'type'>", ":serialized:": payload}
                content = json.dumps(data).encode()
            target.writestr(item, content)
    (run / "model.zip").write_bytes(crafted.read_bytes())
    assert (run / "model.zip").read_bytes() != original

    result = CliRunner().invoke(app, ["eval", str(run), "--all-targets", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["episodes"] == 9
    assert not marker.exists()

    # the same file does run code through stable-baselines3's own loader
    code = (
        "from stable_baselines3 import A2C\n"
        f"try:\n    A2C.load({str(run / 'model.zip')!r})\nexcept Exception:\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, timeout=120)
    assert marker.exists()


@pytest.mark.slow
def test_same_seed_same_metrics(tmp_path):
    for name in ("a", "b"):
        args = ["--algo", "a2c", "--grid", "4x4", "--timesteps", "1500", "--name", name]
        assert train(tmp_path, *args, "--seed", "5").exit_code == 0
    first, second = ((tmp_path / "runs" / n / "metrics.csv").read_text() for n in "ab")
    assert first == second
    assert len(first.splitlines()) > 20


@pytest.mark.slow
def test_a_training_that_diverges_stops_and_keeps_its_last_good_checkpoint(tmp_path, monkeypatch):
    import torch

    from rlgrid.algos.sb3 import callback

    real = callback.RunCallback._on_step

    def poisoned(self):  # the weights turn to nan after the checkpoint at step 2000
        if self.num_timesteps >= 3000:
            with torch.no_grad():
                next(self.model.policy.parameters()).fill_(float("nan"))
        return real(self)

    monkeypatch.setattr(callback.RunCallback, "_on_step", poisoned)
    args = ["--algo", "a2c", "--grid", "4x4", "--timesteps", "20000", "--save-freq", "2000",
            "--n-envs", "8", "--name", "r"]  # fmt: skip
    result = train(tmp_path, *args)
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "training diverged at step" in message
    assert "became nan or inf" in message and "a2c_0000002000.zip" in message
    run = tmp_path / "runs" / "r"
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["a2c_0000002000.zip"]
    assert not (run / "model.zip").exists()
    assert json.loads((run / "manifest.json").read_text())["status"] == "failed"
    evaluated = CliRunner().invoke(app, ["eval", str(run), "--json"])
    assert evaluated.exit_code == 0, evaluated.output  # the good checkpoint is still there


@pytest.mark.slow
def test_dqn_checkpoints_carry_their_replay_buffer(tmp_path):
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.training import load_run_config
    from rlgrid.training.states import training_envs

    args = ["--algo", "dqn", "--grid", "4x4", "--timesteps", "3000", "--save-freq", "1000",
            "--n-envs", "1", "--hp", "learning_starts=100", "--name", "r"]  # fmt: skip
    assert train(tmp_path, *args).exit_code == 0
    run = tmp_path / "runs" / "r"
    config = load_run_config(run)
    path = run / "checkpoints" / "dqn_0000002000.zip"
    agent = SB3Agent.load(config, training_envs(config), run, path, resume=True)
    assert agent.timesteps == 2000
    buffer = agent.model.replay_buffer
    assert buffer.pos == 1999  # SB3 stores a step after the callback that saved the checkpoint
    assert np.abs(buffer.observations[:1999]).sum() > 0
    assert not buffer.observations[1999:].any()
