"""Small sound envs whose observations are of the spaces gymnasium's ``flatten`` cannot handle
(Text inside a Dict, Graph, Sequence, OneOf), for proving that check-env fingerprints and checks
any observation space. Importing this module registers them (``tests.checks.space_envs:ID``)."""

import gymnasium as gym
import numpy as np
from gymnasium import spaces

TEXT_ID = "rlgrid-test/DictText-v0"
GRAPH_ID = "rlgrid-test/Graph-v0"
SEQUENCE_ID = "rlgrid-test/Sequence-v0"
ONEOF_ID = "rlgrid-test/OneOf-v0"

CHARSET = "abcdefghijklmnopqrstuvwxyz "
WORDS = ("go to the red box", "open the door", "pick up the key")


class SpaceEnv(gym.Env):
    """A walk on a line of ``size`` cells: LEFT/RIGHT, reward 1 at the right end; what is
    observed depends on the subclass. Randomness comes only from ``self.np_random``."""

    metadata = {"render_modes": []}  # noqa: RUF012

    def __init__(self, size: int = 5):
        self.size = size
        self.action_space = spaces.Discrete(2)
        self.observation_space = self.space()
        self.position, self.word = 0, 0

    def space(self) -> spaces.Space:
        raise NotImplementedError

    def observe(self):
        raise NotImplementedError

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.position = int(self.np_random.integers(0, self.size - 1))
        self.word = int(self.np_random.integers(0, len(WORDS)))
        return self.observe(), {}

    def step(self, action):
        self.position = min(max(self.position + (1 if action == 1 else -1), 0), self.size - 1)
        done = self.position == self.size - 1
        return self.observe(), float(done), done, False, {}


class DictTextEnv(SpaceEnv):
    """Minigrid's kind of observation: a direction, a small uint8 image and a mission text."""

    def space(self):
        return spaces.Dict(
            {
                "direction": spaces.Discrete(4),
                "image": spaces.Box(0, 255, (3, 3, 3), np.uint8),
                "mission": spaces.Text(max_length=40, charset=CHARSET),
            }
        )

    def observe(self):
        image = np.zeros((3, 3, 3), np.uint8)
        image[0, 0, 0] = self.position
        return {"direction": self.word, "image": image, "mission": WORDS[self.word]}


class GraphEnv(SpaceEnv):
    def space(self):
        return spaces.Graph(spaces.Box(0, 10, (2,), np.float32), spaces.Discrete(3))

    def observe(self):
        nodes = np.array([[self.position, self.word]] * (self.position + 2), np.float32)
        edges = np.full(self.position + 1, self.word, np.int64)
        links = np.array([[i, i + 1] for i in range(self.position + 1)], np.int64)
        return spaces.GraphInstance(nodes, edges, links)


class SequenceEnv(SpaceEnv):
    def space(self):
        return spaces.Sequence(spaces.Discrete(self.size))

    def observe(self):
        return tuple(np.int64(i) for i in range(self.position + 1))


class OneOfEnv(SpaceEnv):
    def space(self):
        return spaces.OneOf(
            [spaces.Discrete(self.size), spaces.Text(max_length=40, charset=CHARSET)]
        )

    def observe(self):
        if self.word == 0:
            return (1, WORDS[self.word])
        return (0, np.int64(self.position))


for env_id, cls in [
    (TEXT_ID, DictTextEnv),
    (GRAPH_ID, GraphEnv),
    (SEQUENCE_ID, SequenceEnv),
    (ONEOF_ID, OneOfEnv),
]:
    if env_id not in gym.registry:
        gym.register(id=env_id, entry_point=cls, max_episode_steps=20)
