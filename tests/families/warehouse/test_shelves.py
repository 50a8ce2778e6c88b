"""Warehouses with shelves end to end: maps through the CLI, shortest paths around shelves in
shaping, evaluation and the oracle, encodings that see the map, layout sets, and drawing."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.envs.layout import Layout
from rlgrid.envs.layout_set import LayoutSet
from rlgrid.envs.maps import layout_from_spec, parse_map
from rlgrid.envs.observations import Encoding
from rlgrid.errors import InvalidValueError
from tests.conftest import brute_force_distances

SMALL = """\
; a small warehouse
.......
.##.##.
.##.##.
.......
.##.##.
.......
"""


def write_map(folder, text=SMALL, name="small.txt"):
    path = folder / name
    path.write_text(text)
    return path


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_distances_match_brute_force_for_every_pair_on_maps():
    for layout in (parse_map(SMALL), layout_from_spec("random:9x11:0.3", seed=3)):
        cells = np.flatnonzero(layout.free)
        cols = layout.size.cols
        for target in cells:
            expected = brute_force_distances(layout.free, divmod(int(target), cols)).ravel()
            found = layout.distances(cells, np.full(len(cells), target))
            assert np.array_equal(found, expected[cells])


def test_a_layout_set_keeps_every_episode_inside_one_layout():
    tiles = [layout_from_spec("aisles:8x9", seed=s) for s in range(3)]
    stacked = LayoutSet.stack(tiles)
    assert stacked.size == (3 * 9 - 1, 9) and stacked.tile_size == (8, 9)
    rng = np.random.default_rng(0)
    starts, targets = stacked.draw_episodes(rng.random(5000), rng.random(5000))
    tile_cells = stacked.tile_rows * 9
    assert np.array_equal(starts // tile_cells, targets // tile_cells)
    assert set(np.unique(starts // tile_cells)) == {0, 1, 2}
    assert not (starts == targets).any()
    for index, tile in enumerate(tiles):
        mine = starts // tile_cells == index
        local = stacked.distances(starts[mine], targets[mine])
        expected = tile.distances(starts[mine] % tile_cells, targets[mine] % tile_cells)
        assert np.array_equal(local, expected) and (local > 0).all()


def test_potential_shaping_pays_by_the_distance_around_shelves():
    from rlgrid.envs.rewards import Shaper, Shaping

    layout = parse_map("....\n.##.\n.#T.\n")
    shaping = Shaping.build("potential", layout, 50, gamma=1.0)
    shaper = Shaper(shaping, layout, 1)
    target = np.array([2 * 4 + 2])
    # (1, 0) -> (2, 0) is closer as the crow flies but farther around the shelves: 4 -> 5 steps
    bonus = shaper.bonus(np.array([4]), np.array([8]), target, np.array([False]))
    assert bonus[0] == pytest.approx(-1.0 / 7)
    # (0, 2) -> (0, 3): 3 -> 2 steps
    bonus = shaper.bonus(np.array([2]), np.array([3]), target, np.array([False]))
    assert bonus[0] == pytest.approx(1.0 / 7)


def test_window_and_planes_show_the_shelves():
    layout = parse_map("...\n.#.\n...\n")
    robot, target = np.array([0]), np.array([8])
    window = Encoding("offset+window", layout, window=1).encode(robot, target)[0]
    assert window[:2].tolist() == [2, 2]
    # the 3x3 window around (0, 0): off the grid above and left counts as shelf
    assert window[2:].reshape(3, 3).tolist() == [[1, 1, 1], [1, 0, 0], [1, 0, 1]]
    planes = Encoding("planes", layout).encode(robot, target)[0].reshape(3, 3, 3)
    assert planes[0].tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert planes[1, 0, 0] == 1 and planes[1].sum() == 1
    assert planes[2, 2, 2] == 1 and planes[2].sum() == 1
    for bad, message in (
        ("window", "does not say where the target is"),
        ("offset+coords", "choose one"),
        ("offset+door", "unknown observation encoding 'door'"),
    ):
        with pytest.raises(InvalidValueError, match=message):
            Encoding(bad, layout)


def test_planes_of_a_layout_set_show_the_robots_own_layout():
    stacked = LayoutSet.stack([parse_map("..\n#.\n"), parse_map("..\n.#\n")])
    cols, tile = 2, stacked.tile_rows * 2
    planes = Encoding("planes", stacked).encode(np.array([tile + 0]), np.array([tile + 1]))
    planes = planes[0].reshape(3, 2, 2)
    assert planes[0].tolist() == [[0, 0], [0, 1]]
    assert planes[1, 0, 0] == 1 and planes[2, 0, cols - 1] == 1


def test_config_rejects_conflicting_floor_settings(tmp_path):
    path = write_map(tmp_path)
    cases = [
        (["--map", path, "--grid", "5x5"], "grid comes from the map or layout"),
        (["--map", path, "--layout", "aisles:9x9"], "a map or a generated layout, not both"),
        (["--layouts", "3"], "need a generated layout"),
        (["--layout", "aisles:9x9", "--layouts", "3"], "needs random starts"),
        (["--map", tmp_path / "nope.txt"], "nope.txt does not exist"),
        (["--map", write_map(tmp_path, "..x\n", "bad.txt")], "row 1, column 3"),
        (["--obs", "coords+offset"], "choose one"),
    ]
    for args, message in cases:
        result = cli("train", "--algo", "a2c", "--runs-dir", tmp_path / "runs", *args)
        assert result.exit_code != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_qtable_learns_a_small_map_exactly_and_the_run_keeps_its_map(tmp_path):
    path = write_map(tmp_path)
    runs = tmp_path / "runs"
    args = [
        "train",
        "--map",
        path,
        "--random-start",
        "--episodes",
        "20000",
        "--reward",
        "potential",
    ]
    result = cli(*args, "--runs-dir", runs, "--name", "q")
    assert result.exit_code == 0, result.stderr
    run = runs / "q"
    assert (run / "map.txt").read_text() == SMALL
    path.unlink()  # the run works without the original file
    result = cli("eval", run, "--all-targets", "--json", "--oracle")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    pairs = 30 * 29  # 30 floor cells, every other one a target
    assert found["agent"]["episodes"] == found["oracle"]["episodes"] == pairs
    assert found["agent"]["optimal_episodes"] == pairs
    assert found["oracle"]["optimal_episodes"] == pairs


def test_oracle_alone_is_exactly_optimal_on_generated_layouts():
    for spec in ("aisles:20x24", "random:15x15:0.3"):
        result = cli("eval", "--oracle", "--layout", spec, "--random-start", "--episodes", "300")
        assert result.exit_code == 0, result.stderr
        assert "oracle on " + spec in result.stdout
        lines = {
            line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line
        }
        assert "300/300" in lines["episodes on a shortest path"]
        assert "1.000" in lines["optimality ratio"]


@pytest.mark.slow
def test_an_offset_window_policy_learns_aisles_and_acts_on_unseen_layouts(tmp_path):
    runs = tmp_path / "runs"
    preset = tmp_path / "aisles.toml"
    # a2c's defaults but a learning rate of 0.002 (0.0007): 85% of unseen layouts at 50,000
    # steps, as the defaults do at 100,000
    preset.write_text(
        'algo = "a2c"\ntimesteps = 50000\n[a2c]\nn_envs = 16\nlearning_rate = 0.002\n'
        '[env]\nlayout = "aisles:9x12"\nlayouts = 8\nrandom_start = true\n'
        'obs = "offset+window"\n[eval]\nepisodes = 300\nfreq = 50000\n'
    )
    result = cli("train", "--config", preset, "--runs-dir", runs, "--name", "w")
    assert result.exit_code == 0, result.stderr
    unseen = ["--layout", "aisles:9x12", "--layout-seed", "100", "--layouts", "20"]

    def success(run):
        result = cli("eval", run, *unseen, "--episodes", "400", "--json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    trained = success(runs / "w")
    assert trained["success_rate"] >= 0.7
    assert trained["optimality_ratio"] <= 1.1
    untrained = cli("train", "--config", preset, "--timesteps", "80", "--runs-dir", runs,
                    "--name", "u")  # fmt: skip
    assert untrained.exit_code == 0, untrained.stderr
    assert success(runs / "u")["success_rate"] < trained["success_rate"] - 0.3


@pytest.mark.slow
def test_size_dependent_runs_refuse_another_map(tmp_path):
    runs = tmp_path / "runs"
    assert cli("train", "--map", write_map(tmp_path), "--episodes", "10", "--runs-dir", runs,
               "--name", "q").exit_code == 0  # fmt: skip
    result = cli("eval", runs / "q", "--layout", "aisles:9x9")
    assert result.exit_code == 2
    assert "a q-table has one row per state" in result.stderr


@pytest.mark.slow
def test_planes_train_through_the_cnn_extractor(tmp_path):
    from rlgrid.training import open_run

    runs = tmp_path / "runs"
    args = ["train", "--algo", "ppo", "--map", write_map(tmp_path), "--obs", "offset+planes",
            "--timesteps", "2048", "--n-envs", "4"]  # fmt: skip
    result = cli(*args, "--runs-dir", runs, "--name", "p")
    assert result.exit_code == 0, result.stderr
    _, _config, agent = open_run(runs / "p")
    extractor = agent.model.policy.features_extractor
    assert type(extractor).__name__ == "MapPlanesExtractor"
    assert extractor.planes == (3, 6, 7)
    assert agent.model.observation_space.shape == (2 + 3 * 6 * 7,)


def test_frames_draw_shelves(tmp_path):
    from rlgrid.envs.warehouse import WarehouseEnv

    env = WarehouseEnv(layout=parse_map("S.#\n..T\n"), render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    cell = frame.shape[1] // 3
    shelf = frame[cell // 2, 2 * cell + cell // 2]
    floor = frame[cell + cell // 2, cell // 2]
    assert not np.array_equal(shelf, floor)
    result = cli("render", "--map", write_map(tmp_path, "S.#\n..T\n"), "--record",
                 tmp_path / "a.gif", "--episodes", "1")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    from PIL import Image

    with Image.open(tmp_path / "a.gif") as gif:
        first = np.asarray(gif.convert("RGB"))
    assert np.array_equal(first[cell // 2, 2 * cell + cell // 2], shelf[:3])


@pytest.mark.slow
def test_check_env_passes_on_a_map_through_a_real_process(run_rlgrid, tmp_path):
    write_map(tmp_path)
    done = run_rlgrid("check-env", "--map", "small.txt", "--random-start", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["passed"] and report["settings"]["map"].endswith("small.txt")
    assert [c["name"] for c in report["checks"] if c["status"] != "pass"] == []


def test_layout_sets_need_same_sized_layouts():
    with pytest.raises(InvalidValueError, match="same size"):
        LayoutSet.stack([Layout.open_grid(3, 3, "anywhere"), Layout.open_grid(3, 4, "anywhere")])


def test_a_malformed_map_is_one_line_for_every_command(tmp_path):
    bad = write_map(tmp_path, ".....\n....x\n", "bad.txt")
    for args in (["check-env", "--map", bad], ["eval", "--oracle", "--map", bad],
                 ["render", "--ansi", "--map", bad]):  # fmt: skip
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr.strip() == (
            f"error: {bad}: row 2, column 5: unknown character 'x' "
            "(use # shelf, . floor, S start, T target)"
        )
