import copy
import itertools

import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import data_equivalence

from rlgrid.checks.observations import (
    NotComparable,
    canonical_bytes,
    observation_problem,
    sb3_unsupported,
)
from rlgrid.checks.target import CheckTarget, fingerprint
from rlgrid.families.gymnasium import GymnasiumSettings
from tests.checks import space_envs

TEXT = spaces.Text(max_length=12, charset="abcdefgh ")
MINIGRID_LIKE = spaces.Dict(
    {
        "direction": spaces.Discrete(4),
        "image": spaces.Box(0, 255, (7, 7, 3), np.uint8),
        "mission": TEXT,
    }
)
GRAPH = spaces.Graph(spaces.Box(0, 1, (3,), np.float32), spaces.Discrete(4))

SPACES = {
    "dict with text": MINIGRID_LIKE,
    "tuple (blackjack)": spaces.Tuple(
        (spaces.Discrete(32), spaces.Discrete(11), spaces.Discrete(2))
    ),
    "text": TEXT,
    "graph": GRAPH,
    "sequence": spaces.Sequence(spaces.Discrete(5)),
    "stacked sequence": spaces.Sequence(spaces.Box(0, 1, (2,), np.float32), stack=True),
    "one of": spaces.OneOf([spaces.Discrete(3), TEXT]),
    "multi binary": spaces.MultiBinary(9),
    "multi discrete": spaces.MultiDiscrete([3, 4, 5]),
    "box": spaces.Box(-1, 1, (4,), np.float64),
    "nested": spaces.Dict(
        {"a": spaces.Tuple((GRAPH, spaces.Sequence(TEXT))), "b": spaces.Dict({"c": TEXT})}
    ),
}


@pytest.mark.parametrize("space", SPACES.values(), ids=SPACES.keys())
def test_equal_observations_give_equal_bytes_and_different_ones_different(space):
    space.seed(0)
    samples = [space.sample() for _ in range(12)]
    for first in samples:
        assert canonical_bytes(copy.deepcopy(first)) == canonical_bytes(first)
    distinct = 0
    for first, second in itertools.pairwise(samples):
        if not data_equivalence(first, second):
            distinct += 1
            assert canonical_bytes(first) != canonical_bytes(second)
    assert distinct >= 5  # the samples really differ, so the line above was exercised


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (np.array([1, 2], np.int32), np.array([1, 2], np.int64)),  # dtype counts
        (np.zeros((2, 3)), np.zeros((3, 2))),  # shape counts
        (("ab", "c"), ("a", "bc")),  # strings are delimited
        (spaces.GraphInstance(np.zeros(1), None, None), (np.zeros(1), None, None)),
        ({"a": 1, "b": 2}, {"a": 2, "b": 1}),
        ([1, 2], (1, 2)),
        (0.0, -0.0),
        (True, 1),
    ],
)
def test_what_tells_observations_apart(first, second):
    assert canonical_bytes(first) != canonical_bytes(second)


def test_numbers_go_by_value_and_dicts_by_sorted_key():
    assert canonical_bytes(np.int64(3)) == canonical_bytes(3)
    assert canonical_bytes({"b": 1, "a": "x"}) == canonical_bytes({"a": "x", "b": 1})
    assert canonical_bytes(np.float32(0.5)) == canonical_bytes(0.5)


def test_a_value_without_canonical_form_names_where_it_is():
    with pytest.raises(NotComparable, match=r"observation\['x'\]\[1\] is a object"):
        canonical_bytes({"x": (1, object())})


@pytest.mark.parametrize(
    "env_id",
    [space_envs.TEXT_ID, space_envs.GRAPH_ID, space_envs.SEQUENCE_ID, space_envs.ONEOF_ID],
)
def test_episodes_of_any_space_are_fingerprinted(env_id):
    def target(seed):
        settings = GymnasiumSettings(id=f"tests.checks.space_envs:{env_id}")
        return CheckTarget(settings, seed=seed, resets=5)

    assert fingerprint(target(1)) == fingerprint(target(1))
    assert fingerprint(target(1)) != fingerprint(target(2))


def test_minigrid_observations_are_fingerprinted():
    pytest.importorskip("minigrid")
    import gymnasium as gym
    import minigrid  # noqa: F401 (registers its envs)

    env = gym.make("MiniGrid-Empty-8x8-v0")
    obs, _ = env.reset(seed=0)
    assert isinstance(obs["mission"], str)
    # Minigrid's mission space is its own Space subclass (not Text), which gym's flatten refuses
    assert sb3_unsupported(env.observation_space) == ["MissionSpace (observation['mission'])"]
    again, _ = env.reset(seed=0)
    moved, *_ = env.step(2)  # forward: the image changes
    env.close()
    assert canonical_bytes(obs) == canonical_bytes(again)
    assert canonical_bytes(obs) != canonical_bytes(moved)


def test_the_problem_with_an_observation_names_its_part():
    space = MINIGRID_LIKE
    obs = {"direction": 1, "image": np.zeros((7, 7, 3), np.uint8), "mission": "a bad"}
    assert observation_problem(space, obs) is None
    wrong = {**obs, "image": np.zeros((7, 7, 3), np.int64)}
    assert observation_problem(space, wrong) == (
        "observation['image'] has dtype int64, the space says uint8"
    )
    outside = {**obs, "mission": "xyz"}
    assert observation_problem(space, outside).startswith("observation['mission'] 'xyz' is outside")
    tuple_space = spaces.Tuple((spaces.Discrete(2), spaces.Box(0, 1, (1,), np.float32)))
    assert "observation[1] has dtype float64" in observation_problem(tuple_space, (1, np.zeros(1)))
    assert "is outside" in observation_problem(tuple_space, (1,))


class OwnSpace(spaces.Space):
    """A package's own space, as Minigrid's MissionSpace."""


def test_what_stable_baselines3_cannot_train_on():
    assert sb3_unsupported(MINIGRID_LIKE) == ["Text (observation['mission'])"]
    assert sb3_unsupported(SPACES["box"]) == []
    assert (
        sb3_unsupported(spaces.Dict({"a": spaces.Discrete(2), "b": SPACES["multi binary"]})) == []
    )
    assert sb3_unsupported(OwnSpace()) == ["OwnSpace (observation)"]
    assert sb3_unsupported(SPACES["nested"]) == [
        "Tuple (observation['a'])",
        "Graph (observation['a'][0])",
        "Sequence (observation['a'][1])",
        "Dict inside a Dict or Tuple (observation['b'])",
        "Text (observation['b']['c'])",
    ]
