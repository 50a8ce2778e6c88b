import numpy as np
import pytest

from rlgrid.envs.maps import aisles, layout_from_spec, parse_map, random_layout
from rlgrid.errors import MapError
from tests.conftest import brute_force_distances

GOOD = """\
S....
.##.T
.##..
....T
"""


def test_a_map_with_starts_and_targets():
    layout = parse_map(GOOD)
    assert layout.size == (4, 5)
    assert layout.home == (0, 0)
    assert not layout.free[1, 1] and not layout.free[2, 2]
    assert layout.start_mask.sum() == 1
    assert {tuple(map(int, c)) for c in np.argwhere(layout.target_mask)} == {(1, 4), (3, 4)}
    assert layout.shortest_path_length((0, 0), (3, 4)) == 7


def test_without_s_or_t_any_free_cell_serves():
    layout = parse_map("..#\n...\n")
    assert layout.start_mask.sum() == layout.target_mask.sum() == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the map is empty"),
        ("...\n..\n", "row 2 has 2 cells but row 1 has 3"),
        ("..x\n...\n", "row 1, column 3: unknown character 'x'"),
        ("###\n###\n", "no free cell"),
        ("S.#T\n..#.\n", "row 1, column 4: this target cell cannot be reached"),
        ("S#.\n##.\n", "row 1, column 3: this target cell cannot be reached"),
        ("." * 1025 + "\n", "over the 1024 cells a side limit"),
    ],
)
def test_malformed_maps_name_the_row_and_column(text, message):
    with pytest.raises(MapError, match=message):
        parse_map(text, "shelves.txt")


@pytest.mark.parametrize("seed", range(25))
def test_generated_layouts_are_connected(seed):
    rng = np.random.default_rng(seed)
    for layout in (aisles(20, 31, rng), random_layout(15, 15, 0.3, rng)):
        reachable = brute_force_distances(layout.free, layout.home) >= 0
        assert np.array_equal(reachable, layout.free)
        assert layout.target_mask.any()


def test_aisle_targets_are_pick_faces():
    layout = aisles(12, 20, np.random.default_rng(0))
    shelf = ~layout.free
    for r, c in np.argwhere(layout.target_mask):
        neighbours = [(r + dr, c + dc) for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        assert any(0 <= a < 12 and 0 <= b < 20 and shelf[a, b] for a, b in neighbours)


def test_layout_specs_are_seeded():
    assert np.array_equal(
        layout_from_spec("random:10x10:0.3", seed=4).free,
        layout_from_spec("random:10x10:0.3", seed=4).free,
    )
    with pytest.raises(MapError, match="unknown layout"):
        layout_from_spec("maze:10x10")
    with pytest.raises(MapError, match="lower the density"):
        layout_from_spec("random:10x10:0.89")


def test_batched_lanes_replay_the_env_around_shelves():
    from rlgrid.envs.batched import BatchedWarehouse, WarehouseLanes
    from rlgrid.envs.warehouse import WarehouseEnv

    envs = [WarehouseEnv(layout="aisles:8x9", random_start=True) for _ in range(3)]
    lanes = WarehouseLanes(BatchedWarehouse(3, envs[0].layout, True, envs[0].max_steps))
    obs = lanes.reset(seed=5)
    assert np.array_equal(obs, np.stack([e.reset(seed=5 + i)[0] for i, e in enumerate(envs)]))
    rng = np.random.default_rng(0)
    for _ in range(500):
        actions = rng.integers(4, size=3)
        step = lanes.step(actions)
        for i, env in enumerate(envs):
            optimal = env.shortest_path_length
            o, _, term, trunc, _ = env.step(int(actions[i]))
            assert np.array_equal(step.final_obs[i], o) and step.terminated[i] == term
            assert step.shortest_path_length[i] == optimal
            if term or trunc:
                o, _ = env.reset()
            assert np.array_equal(step.obs[i], o)


def test_moves_into_shelves_leave_the_robot_in_place():
    from rlgrid.envs.moves import Action
    from rlgrid.envs.warehouse import WarehouseEnv

    env = WarehouseEnv(layout=parse_map("S.#T\n....\n"))
    env.reset(seed=0)
    env.robot = (0, 1)
    env.step(Action.RIGHT)
    assert env.robot == (0, 1)
    env.step(Action.DOWN)
    assert env.robot == (1, 1)
