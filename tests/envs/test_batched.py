import numpy as np
import pytest

from rlgrid.config import build_config
from rlgrid.envs.batched import BatchedWarehouse, WarehouseLanes
from rlgrid.envs.layout import Layout
from rlgrid.envs.observations import Encoding
from rlgrid.envs.vector import WarehouseVecEnv
from rlgrid.envs.warehouse import WarehouseEnv
from rlgrid.families.warehouse.family import shaping


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rows": 4, "cols": 5},
        {"rows": 6, "cols": 3, "targets": "anywhere", "random_start": True, "max_steps": 7},
    ],
)
def test_lanes_replay_the_gymnasium_env_step_for_step(kwargs):
    n, seed = 5, 11
    envs = [WarehouseEnv(**kwargs) for _ in range(n)]
    core = BatchedWarehouse(n, envs[0].layout, envs[0].random_start, envs[0].max_steps)
    lanes = WarehouseLanes(core)
    obs = lanes.reset(seed=seed)
    expected = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)])
    assert np.array_equal(obs, expected)
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(2500):  # long enough for every lane to use up a block of draws ahead
        actions = rng.integers(4, size=n)
        step = lanes.step(actions)
        for i, env in enumerate(envs):
            optimal = env.shortest_path_length
            o, r, term, trunc, _ = env.step(int(actions[i]))
            assert np.array_equal(step.final_obs[i], o)
            assert (step.reward[i], step.terminated[i], step.truncated[i]) == (r, term, trunc)
            assert step.shortest_path_length[i] == optimal
            if term or trunc:
                ended += 1
                o, _ = env.reset()
            assert np.array_equal(step.obs[i], o)
    assert ended > 5 * 70


def test_restored_generators_continue_the_sequence():
    layout = Layout.open_grid(5, 5, "anywhere")
    first = BatchedWarehouse(3, layout, True, 40)
    first.reset(seed=1)
    for _ in range(30):
        first.step(np.zeros(3, dtype=np.int64))
    states = first.rng_states()
    second = BatchedWarehouse(3, layout, True, 40)
    second.restore(states)
    first.restore(states)
    for _ in range(200):
        actions = np.arange(3) % 4
        a, b = first.step(actions), second.step(actions)
        assert np.array_equal(first.target, second.target)
        assert np.array_equal(a.terminated, b.terminated)


@pytest.mark.parametrize(
    ("obs", "reward", "grid"),
    [
        ("offset", "potential", "6x6"),
        ("onehot", "proximity+exploration+direction", "5x7"),
        ("scaled", "sparse", "4x4"),
    ],
)
def test_vec_env_equals_gymnasium_envs_with_the_same_seeds(obs, reward, grid):
    flags = {"algo": "a2c", "env.grid": grid, "env.obs": obs, "env.reward": reward,
             "env.targets": "anywhere", "env.random_start": True, "timesteps": 10}  # fmt: skip
    config = build_config(None, flags, {"n_envs": 4})
    n, seed = 4, 3
    envs = [config.family.make(config.env, config.reward_setup()) for _ in range(n)]
    layout, max_steps = envs[0].unwrapped.layout, envs[0].unwrapped.max_steps
    core = BatchedWarehouse(n, layout, True, max_steps, shaping(config.env, config.reward_setup()))
    vec = WarehouseVecEnv(core, Encoding(obs, layout), envs[0].action_space)
    vec.seed(seed)
    obs_batch = vec.reset()
    expected = [env.reset(seed=seed + i)[0] for i, env in enumerate(envs)]
    assert np.allclose(obs_batch, np.stack(expected))
    returns = np.zeros(n)
    rng = np.random.default_rng(1)
    episodes = 0
    for _ in range(300):
        actions = rng.integers(4, size=n)
        vec.step_async(actions)
        obs_batch, rewards, dones, infos = vec.step_wait()
        for i, env in enumerate(envs):
            o, r, term, trunc, info = env.step(int(actions[i]))
            returns[i] += r
            assert rewards[i] == pytest.approx(r, abs=1e-6)
            assert dones[i] == (term or trunc)
            if term or trunc:
                episodes += 1
                assert np.allclose(infos[i]["terminal_observation"], o)
                assert infos[i]["is_success"] == term
                assert infos[i]["TimeLimit.truncated"] == trunc
                assert infos[i]["raw_return"] == info.get("raw_return", returns[i])
                assert infos[i]["episode"]["r"] == pytest.approx(returns[i], abs=1e-5)
                returns[i] = 0.0
                o, _ = env.reset()
            assert np.allclose(obs_batch[i], o)
    assert episodes > 30
