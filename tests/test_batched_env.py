import numpy as np
import pytest

from rlgrid.envs.batched import BatchedWarehouse
from rlgrid.envs.layout import Layout
from rlgrid.envs.warehouse import WarehouseEnv


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
    batch = BatchedWarehouse(n, envs[0].layout, envs[0].random_start, envs[0].max_steps)
    obs = batch.reset(seed=seed)
    expected = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)])
    assert np.array_equal(obs, expected)
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(300):
        actions = rng.integers(4, size=n)
        step = batch.step(actions)
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
    assert ended > 20


def test_restored_generators_continue_the_sequence():
    layout = Layout.open_grid(5, 5, "anywhere")
    batch = BatchedWarehouse(3, layout, True, 40)
    batch.reset(seed=1)
    states = batch.rng_states()
    after = batch.restore(states)
    again = BatchedWarehouse(3, layout, True, 40)
    assert np.array_equal(again.restore(states), after)
