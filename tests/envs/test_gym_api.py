"""The warehouse as other tools use it: gymnasium's and SB3's checkers, seeded determinism,
pickling, ``obs``/``reward`` options given to ``gym.make`` as plain data, and ``is_success`` as
SB3 reads it."""

import copy
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

from rlgrid.config import build_config
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.envs.warehouse import WarehouseEnv
from rlgrid.errors import InvalidValueError

OPTION_SETS = {
    "1x5": {"rows": 1, "cols": 5, "targets": "anywhere"},
    "5x1": {"rows": 5, "cols": 1, "targets": "anywhere", "random_start": True},
    "4x5 classic": {"rows": 4, "cols": 5},
    "6x6 anywhere random start": {"rows": 6, "cols": 6, "targets": "anywhere",
                                  "random_start": True},
    "aisles layout": {"layout": "aisles:12x20"},
    "offset": {"rows": 10, "cols": 10, "obs": "offset"},
    "onehot": {"rows": 5, "cols": 7, "obs": "onehot"},
    "offset+window": {"layout": "aisles:12x20", "obs": "offset+window", "window": 2},
    "potential": {"rows": 8, "cols": 8, "reward": "potential", "gamma": 0.9},
    "proximity+exploration": {"rows": 6, "cols": 6, "targets": "anywhere", "random_start": True,
                              "reward": "proximity+exploration"},
    "planes, 3 layouts, every shaping": {"layout": "random:7x9", "layouts": 3,
                                         "random_start": True, "obs": "scaled+planes",
                                         "reward": "potential+direction+exploration+proximity",
                                         "shaping": {"potential": 2.0, "direction": 0.01}},
}  # fmt: skip
NAMES = list(OPTION_SETS)


def made(name: str, **extra) -> gym.Env:
    return gym.make(WAREHOUSE_ID, **OPTION_SETS[name], **extra)


def caught(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in seen]


def rollout(env: gym.Env, seed: int, steps: int) -> list:
    """Every reset and step of ``steps`` seeded random actions, resetting where episodes end."""
    actions = np.random.default_rng(seed).integers(4, size=steps)
    record = [env.reset(seed=seed)]
    for action in actions.tolist():
        step = env.step(action)
        record.append(step)
        if step[2] or step[3]:
            record.append(env.reset())
    return record


@pytest.mark.parametrize("skip_render_check", [True, False])
@pytest.mark.parametrize("name", NAMES)
def test_gymnasium_checker_passes_without_warnings(name, skip_render_check, monkeypatch):
    monkeypatch.setitem(WarehouseEnv.metadata, "render_fps", 10_000)  # human mode: no waiting
    env = made(name, render_mode=None if skip_render_check else "rgb_array").unwrapped
    assert caught(lambda: check_env(env, skip_render_check=skip_render_check)) == []
    env.close()


@pytest.mark.parametrize("name", ["1x5", "offset", "offset+window", "proximity+exploration"])
def test_stable_baselines3_checker_passes_without_warnings(name):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    assert caught(lambda: sb3_check_env(made(name))) == []


@pytest.mark.parametrize("name", NAMES)
def test_two_seeded_rollouts_are_equal_and_inside_the_space(name):
    first, second = rollout(made(name), 5, 300), rollout(made(name), 5, 300)
    assert data_equivalence(first, second, exact=True)
    assert any(isinstance(r, tuple) and len(r) == 5 and (r[2] or r[3]) for r in first)
    space = made(name).observation_space
    assert all(space.contains(r[0]) for r in first)
    assert not data_equivalence(first, rollout(made(name), 6, 300))


@pytest.mark.parametrize("copier", [lambda env: pickle.loads(pickle.dumps(env)), copy.deepcopy])
@pytest.mark.parametrize("name", NAMES)
def test_a_pickled_env_steps_on_like_the_original(name, copier):
    env = made(name, render_mode="rgb_array")
    env.reset(seed=2)
    for action in (1, 2, 1):
        env.step(action)
    env.render()  # a drawn frame is not pickled: the copy draws afresh
    twin = copier(env)
    actions = np.random.default_rng(0).integers(4, size=200).tolist()
    for action in actions:
        mine, theirs = env.step(action), twin.step(action)
        assert data_equivalence(mine, theirs, exact=True)
        if mine[2] or mine[3]:
            assert data_equivalence(env.reset(), twin.reset(), exact=True)
    assert np.array_equal(env.render(), twin.render())


def test_one_cell_sides_get_a_bound_of_one_and_tables_still_index_them():
    from rlgrid.algos.tabular import tabular_space

    for kwargs, high in (({"rows": 1, "cols": 5}, [1, 4, 1, 4]), ({"rows": 5, "cols": 1}, [4, 1])):
        obs = "offset" if len(high) == 2 else "coords"
        space = gym.make(WAREHOUSE_ID, **kwargs, targets="anywhere", obs=obs).observation_space
        assert space.high.tolist() == high
        assert (space.low < space.high).all()
    space = gym.make(WAREHOUSE_ID, rows=1, cols=5, targets="anywhere").observation_space
    table = tabular_space(space)
    cells = [np.array([[0, c, 0, t]]) for c in range(5) for t in range(5)]
    rows = {int(table.index(cell)[0]) for cell in cells}
    assert len(rows) == 25 and max(rows) < table.n_states


@pytest.mark.parametrize(
    ("obs", "reward", "env"),
    [
        ("offset", "potential", {"env.grid": "10x10"}),
        ("onehot", "proximity+exploration", {"env.grid": "6x6", "env.random_start": True,
                                             "env.targets": "anywhere"}),
        ("offset+window", "potential+direction", {"env.layout": "aisles:12x20"}),
        ("planes", "sparse", {"env.grid": "5x7", "env.targets": "anywhere"}),
    ],
)  # fmt: skip
def test_gym_make_options_equal_rlgrids_own_training_env(obs, reward, env):
    """gym.make(obs=..., reward=...) gives the observations and rewards rlgrid trains on."""
    flags = {"algo": "a2c", "env.obs": obs, "env.reward": reward, "env.window": 3,
             "shaping.potential": 1.5, "timesteps": 10, **env}  # fmt: skip
    config = build_config(None, flags, {"gamma": 0.95})
    setup = config.reward_setup()
    ours = config.family.make(config.env, setup)
    kwargs = {key.removeprefix("env."): value for key, value in env.items()}
    if "grid" in kwargs:
        kwargs["rows"], kwargs["cols"] = map(int, kwargs.pop("grid").split("x"))
    theirs = gym.make(WAREHOUSE_ID, **kwargs, obs=obs, reward=reward, window=3,
                      gamma=0.95, shaping={"potential": 1.5})  # fmt: skip
    assert setup.gamma == 0.95
    assert ours.observation_space == theirs.observation_space
    first, second = rollout(ours, 4, 400), rollout(theirs, 4, 400)
    assert data_equivalence(first, second, exact=True)
    rewards = [r[1] for r in first if len(r) == 5]
    assert (reward == "sparse") == (set(rewards) <= {0.0, 1.0})


def test_is_success_is_false_on_every_step_until_the_target_is_reached():
    env = gym.make(WAREHOUSE_ID, rows=3, cols=3)
    env.reset(seed=0, options={"start": (0, 0), "target": (0, 2)})
    infos = [env.step(action)[-1] for action in (3, 2, 2)]  # UP (stays), RIGHT, RIGHT
    assert [info["is_success"] for info in infos] == [False, False, True]


def test_sb3_success_rates_count_episodes_an_outer_time_limit_cuts_short(tmp_path):
    """SB3 appends ``info["is_success"]`` to its success buffers only where an episode ends with
    the key present; an outer TimeLimit shorter than the env's own used to end episodes without
    it, so only successes were counted. Now every episode is."""
    from stable_baselines3 import A2C
    from stable_baselines3.common.callbacks import EvalCallback
    from stable_baselines3.common.monitor import Monitor

    def limited() -> gym.Env:
        env = gym.make(WAREHOUSE_ID, rows=3, cols=3, obs="offset")
        return Monitor(gym.wrappers.TimeLimit(env, max_episode_steps=3))  # own limit is 24

    model = A2C("MlpPolicy", limited(), n_steps=8, seed=0, device="cpu")
    evaluation = EvalCallback(
        limited(), n_eval_episodes=6, eval_freq=100, log_path=str(tmp_path), verbose=0
    )
    model.learn(200, callback=evaluation)
    episodes = list(model.ep_info_buffer)
    successes = list(model.ep_success_buffer)
    assert len(episodes) > 30 and len(successes) == len(episodes)
    reached = [episode["r"] > 0 for episode in episodes]  # sparse reward: 1 only on success
    assert successes == reached and 0 < sum(reached) < len(reached)
    assert [len(rates) for rates in evaluation.evaluations_successes] == [6, 6]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"obs": "offsett"}, "unknown observation encoding 'offsett'"),
        ({"obs": 3}, "obs must be text"),
        ({"window": 0}, "window must be an integer from 1 to 32"),
        ({"reward": "potental"}, "unknown reward 'potental'"),
        ({"reward": "potential", "gamma": 1.5}, r"gamma must be a number in \(0, 1\]"),
        ({"reward": "potential", "shaping": {"potentail": 1}}, "unknown shaping scale"),
        ({"reward": "potential", "shaping": {"potential": -1}}, "must be a number >= 0"),
        ({"reward": "potential", "shaping": [2.0]}, "shaping must map kinds to scales"),
    ],
)
def test_bad_options_are_one_clear_error(kwargs, message):
    with pytest.raises(InvalidValueError, match=message) as raised:
        gym.make(WAREHOUSE_ID, rows=4, cols=4, **kwargs)
    assert "\n" not in str(raised.value)


def test_rlgrids_own_wrappers_rebuild_from_the_spec():
    """gymnasium's checker and vector envs remake a wrapped env from ``env.spec``."""
    from rlgrid.families.base import RewardSetup
    from rlgrid.families.warehouse.family import WarehouseFamily
    from rlgrid.families.warehouse.settings import WarehouseSettings

    settings = WarehouseSettings(grid="5x5", obs="offset+window", reward="potential")
    env = WarehouseFamily().make(settings, RewardSetup(0.99, {}))
    again = gym.make(env.spec)
    first, _ = env.reset(seed=3)
    second, _ = again.reset(seed=3)
    assert np.array_equal(first, second)
    assert env.step(2)[1] == again.step(2)[1]  # the same shaped reward
