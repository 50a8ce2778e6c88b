"""RL Baselines3 Zoo's hyperparameter syntax in the SB3 backends: ``lin_X`` schedules,
``normalize`` (VecNormalize, its statistics saved as arrays in the model zips) and one line for
each Zoo key rlgrid has another place for."""

import io
import json
import zipfile

import numpy as np
import pytest
import tomli_w
from typer.testing import CliRunner

from rlgrid.algos.base import Hooks
from rlgrid.cli.app import app
from rlgrid.config import build_config
from rlgrid.errors import IncompatibleError, InvalidValueError
from rlgrid.training import open_run

WAREHOUSE = {"env.grid": "4x5", "timesteps": 800}


def config_of(algo, hp, **flags):
    return build_config(None, {"algo": algo, **WAREHOUSE, **flags}, hp)


def agent_of(config):
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.training.states import training_envs

    return SB3Agent(config, training_envs(config))


def learn(agent, run, stop_at=None):
    stop = (lambda: agent.timesteps >= stop_at) if stop_at else (lambda: False)
    return agent.learn(run, Hooks(should_stop=stop, report=lambda e, t: None))


def raw_observations(config):
    """The first observation of every episode of the 4x5 warehouse (start (0, 0), each of its
    classic targets), as the env gives them."""
    from rlgrid.families.warehouse.family import encoding

    targets = np.array([row * 5 + col for row in (1, 2, 3) for col in (1, 2, 3, 4)])
    return encoding(config.env).encode(np.zeros(12, dtype=np.int64), targets)


# --- lin_X schedules --------------------------------------------------------------------------


def test_lin_is_a_linear_schedule_from_x_to_zero():
    agent = agent_of(config_of("ppo", {"learning_rate": "lin_0.001", "clip_range": "lin_0.2"}))
    model = agent.model
    assert model.lr_schedule(1.0) == pytest.approx(0.001)
    assert model.lr_schedule(0.5) == pytest.approx(0.0005)
    assert model.lr_schedule(0.0) == 0.0
    assert model.clip_range(1.0) == pytest.approx(0.2)
    assert model.clip_range(0.5) == pytest.approx(0.1)


def test_a_plain_number_stays_constant():
    model = agent_of(config_of("a2c", {"learning_rate": 0.002})).model
    assert model.lr_schedule(1.0) == model.lr_schedule(0.25) == pytest.approx(0.002)


@pytest.mark.parametrize(
    ("algo", "hp", "message"),
    [
        ("a2c", {"gamma": "lin_0.99"}, "'gamma' = 'lin_0.99': lin_X schedules are only for "
         "learning_rate"),
        ("ppo", {"n_steps": "lin_64"}, "only for learning_rate, clip_range, clip_range_vf"),
        ("a2c", {"learning_rate": "lin_2"}, "X is outside (0, 1]"),
        ("a2c", {"learning_rate": "lin_abc"}, "X of lin_X must be a number"),
        ("dqn", {"learning_rate": "lin_inf"}, "X of lin_X must be a finite number"),
        ("ppo", {"clip_range": "lin_-0.2"}, "X must be above 0"),
        ("a2c", {"learning_rate": "exp_0.1"}, "must be a number or lin_X"),
    ],
)  # fmt: skip
def test_lin_is_refused_where_it_does_not_fit(algo, hp, message):
    with pytest.raises(InvalidValueError) as error:
        config_of(algo, hp)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_lin_drives_the_optimizer_and_is_rebuilt_from_the_config_on_resume(tmp_path):
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.training.states import training_envs

    config = config_of("a2c", {"learning_rate": "lin_0.001"})  # 16 envs x 5 steps a rollout
    first = agent_of(config)
    assert not learn(first, tmp_path, stop_at=400)
    # the last update came after the rollout that ended at step 320 of 800
    assert first.model.policy.optimizer.param_groups[0]["lr"] == pytest.approx(0.001 * 0.6)
    first.save(tmp_path)
    saved = tomli_w.dumps(config.to_toml_dict())
    assert 'learning_rate = "lin_0.001"' in saved  # the config, not a pickle, keeps it
    (tmp_path / "config.toml").write_text(saved)
    again = build_config(tmp_path / "config.toml", {}, {})
    resumed = SB3Agent.load(again, training_envs(again), tmp_path, resume=True)
    assert not learn(resumed, tmp_path, stop_at=640)
    # still over the whole budget: after the rollout that ended at step 560 of 800
    assert resumed.model.policy.optimizer.param_groups[0]["lr"] == pytest.approx(0.001 * 0.3)


# --- normalize ----------------------------------------------------------------------------------


def stats(normalizer):
    return normalizer.obs_rms.mean.copy(), normalizer.obs_rms.var.copy(), normalizer.obs_rms.count


@pytest.mark.parametrize("algo", ["a2c", "dqn"])
def test_normalize_saves_its_statistics_loads_them_and_resume_continues(tmp_path, algo):
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.training.states import training_envs

    config = config_of(algo, {"normalize": True})
    live = agent_of(config)
    assert not learn(live, tmp_path, stop_at=400)
    live.save(tmp_path)
    mean, _, count = stats(live.normalizer)
    assert count > 400  # updated by every step of every env

    # evaluation: the same statistics, not updated, applied to the env's own observations
    loaded = SB3Agent.load(config, training_envs(config), tmp_path)
    assert not loaded.normalizer.training
    raw = raw_observations(config)
    assert np.array_equal(loaded.observe(raw), live.normalizer.normalize_obs(raw))
    assert not np.array_equal(loaded.observe(raw), raw)
    assert np.array_equal(loaded.act_batch(raw), live.act_batch(raw))
    assert [loaded.act(obs) for obs in raw] == list(live.act_batch(raw))
    assert stats(loaded.normalizer)[2] == count  # acting never updates them

    # resume: counters and statistics go on from the saved ones
    resumed = SB3Agent.load(config, training_envs(config), tmp_path, resume=True)
    assert resumed.normalizer.training
    assert resumed.timesteps == live.timesteps
    assert np.array_equal(stats(resumed.normalizer)[0], mean)
    assert stats(resumed.normalizer)[2] == count
    assert learn(resumed, tmp_path)
    assert resumed.timesteps == 800
    assert stats(resumed.normalizer)[2] > count + 300


def test_a_run_with_normalize_writes_no_pickle_and_evaluates_with_its_statistics(tmp_path):
    preset = tmp_path / "zoo.toml"
    preset.write_text(
        'algo = "a2c"\ntimesteps = 480\nsave_freq = 240\n[env]\ngrid = "4x5"\n[eval]\nfreq = 240\n'
        '[a2c]\nlearning_rate = "lin_0.0007"\nnormalize = {norm_obs = true, clip_obs = 5.0}\n'
    )
    runs = tmp_path / "runs"
    result = CliRunner().invoke(app, ["train", "--config", str(preset), "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    run = runs / "a2c_480"
    assert not [p for p in run.rglob("*") if p.suffix in (".pkl", ".pickle")]
    for name in ("model.zip", "best.zip", "checkpoints/a2c_0000000240.zip"):
        with zipfile.ZipFile(run / name) as archive:
            data = archive.read("vecnormalize.npz")
        with np.load(io.BytesIO(data), allow_pickle=False) as saved:
            settings = json.loads(str(saved["settings"]))
            assert settings["clip_obs"] == 5.0 and settings["gamma"] == 0.99
            assert saved["obs.count"] > 240
            arrays = {key: saved[key] for key in saved.files}
    # model.zip's statistics are those of the end of training; the loaded agent uses them
    with zipfile.ZipFile(run / "model.zip") as archive:
        data = archive.read("vecnormalize.npz")
    with np.load(io.BytesIO(data), allow_pickle=False) as saved:
        mean, var = saved["obs.mean"], saved["obs.var"]
    _, config, agent = open_run(run)
    raw = raw_observations(config)
    expected = np.clip((raw - mean) / np.sqrt(var + 1e-8), -5.0, 5.0).astype(np.float32)
    assert np.allclose(agent.observe(raw), expected)
    assert arrays["obs.count"] <= agent.normalizer.obs_rms.count  # best.zip is older or equal
    evaluated = CliRunner().invoke(app, ["eval", str(run / "best.zip"), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["episodes"] == 12


def test_normalize_rewards_with_the_algorithms_discount(tmp_path):
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.training.states import training_envs

    config = config_of("a2c", {"normalize": {"norm_reward": True}, "gamma": 0.95})
    agent = agent_of(config)
    assert agent.normalizer.norm_reward and agent.normalizer.norm_obs
    assert agent.normalizer.gamma == 0.95
    only_rewards = config_of("a2c", {"normalize": {"norm_obs": False, "gamma": 0.9}})
    agent = agent_of(only_rewards)
    assert agent.normalizer.gamma == 0.9
    assert learn(agent, tmp_path)
    agent.save(tmp_path)
    loaded = SB3Agent.load(only_rewards, training_envs(only_rewards), tmp_path)
    assert loaded.normalizer.ret_rms.count == agent.normalizer.ret_rms.count > 800
    raw = raw_observations(only_rewards)
    assert np.array_equal(loaded.observe(raw), raw)


def test_a_model_zip_without_fitting_statistics_is_refused_in_one_line(tmp_path):
    from rlgrid.algos.sb3.agent import SB3Agent
    from rlgrid.runs import RunError
    from rlgrid.training.states import training_envs

    config = config_of("a2c", {"normalize": True})
    agent = agent_of(config)
    agent.save(tmp_path)
    with zipfile.ZipFile(tmp_path / "model.zip") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    data = io.BytesIO()
    arrays = {
        f"{name}.{part}": np.array(1.0) for name in ("ret", "obs") for part in ("mean", "var")
    }
    arrays.update({"ret.count": np.array(1.0), "obs.count": np.array(1.0), "obs.mean": np.zeros(3)})
    np.savez(data, **arrays)  # an observation of 3 numbers
    for name, statistics in (("none.zip", None), ("other.zip", data.getvalue())):
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            for member, content in members.items():
                if member != "vecnormalize.npz":
                    archive.writestr(member, content)
            if statistics is not None:
                archive.writestr("vecnormalize.npz", statistics)
    envs = training_envs(config)
    with pytest.raises(RunError, match="carries no normalization statistics"):
        SB3Agent.load(config, envs, tmp_path, tmp_path / "none.zip")
    with pytest.raises(RunError, match=r"statistics do not fit this run: obs has shape \(3,\)"):
        SB3Agent.load(config, envs, tmp_path, tmp_path / "other.zip")


@pytest.mark.parametrize(
    ("hp", "message"),
    [
        ({"normalize": {"norm_obs": True, "clip": 5.0}}, "[a2c.normalize] unknown key 'clip' "
         "(VecNormalize takes norm_obs, norm_reward, clip_obs"),
        ({"normalize": {"norm_reward": 1}}, "'norm_reward' must be true or false, not 1"),
        ({"normalize": {"clip_obs": float("inf")}}, "'clip_obs' must be a finite number above 0"),
        ({"normalize": {"gamma": 1.5}}, "'gamma' must be in (0, 1]"),
        ({"normalize": "yes"}, "'normalize' must be true, false or a table"),
        ({"normalize": "{'norm_obs': True, 'norm_reward': False}"},
         "which rlgrid never runs; write normalize = {norm_obs = true, norm_reward = false}"),
        ({"policy_kwargs": "dict(net_arch=[64, 64], activation_fn=nn.ReLU)"},
         'write policy_kwargs = {net_arch = [64, 64], activation_fn = "ReLU"}'),
    ],
)  # fmt: skip
def test_bad_normalize_and_python_text_are_refused_in_one_line(hp, message):
    with pytest.raises(InvalidValueError) as error:
        config_of("a2c", hp)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_normalize_needs_observations_it_can_normalize():
    config = build_config(None, {"algo": "a2c", "env.id": "FrozenLake-v1"}, {"normalize": True})
    with pytest.raises(IncompatibleError, match=r"observes Discrete\(16\); normalize = "):
        agent_of(config)


# --- Zoo keys rlgrid has elsewhere ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "instead"),
    [
        ("n_timesteps", 100000.0, "the budget is timesteps"),
        ("policy", "MlpPolicy", "rlgrid picks the policy"),
        ("frame_stack", 4, "not offered"),
        ("env_wrapper", "minigrid.wrappers.FlatObsWrapper", "wrap the env with env.wrappers"),
        ("vec_env_wrapper", "x", "normalize (VecNormalize)"),
        ("callback", "x", "save_freq"),
    ],
)
def test_zoo_keys_rlgrid_sets_elsewhere_say_what_to_use(key, value, instead):
    with pytest.raises(InvalidValueError) as error:
        config_of("ppo", {key: value})
    assert f"'{key}' (an RL Zoo key) is not a hyperparameter in rlgrid" in str(error.value)
    assert instead in str(error.value)


def test_zoo_keys_through_the_cli_name_its_flags(tmp_path):
    args = ["train", "--algo", "a2c", "--runs-dir", str(tmp_path), "--hp", "n_timesteps=1e5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "the budget is --timesteps" in result.output
    assert not list(tmp_path.iterdir())


def test_train_freq_as_a_list_is_a_count_and_unit():
    from stable_baselines3.common.type_aliases import TrainFrequencyUnit

    model = agent_of(config_of("dqn", {"train_freq": [2, "episode"], "n_envs": 1})).model
    assert model.train_freq.frequency == 2
    assert model.train_freq.unit == TrainFrequencyUnit.EPISODE
    with pytest.raises(InvalidValueError, match="give a whole number, or"):
        config_of("dqn", {"train_freq": [4, "steps"]})
    with pytest.raises(InvalidValueError, match="with one env only: set n_envs = 1"):
        config_of("dqn", {"train_freq": [1, "episode"]})  # the warehouse's 16 envs
