import random
import warnings

import gymnasium as gym
import numpy as np
import pytest

import rlgrid
from rlgrid.envs import rendering
from rlgrid.envs.moves import Action
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.envs.warehouse import WarehouseEnv
from rlgrid.errors import InvalidValueError
from tests.conftest import run_python


def placed(env, robot, target):
    """Put the robot and target of a reset env where a test needs them."""
    env.reset(seed=0)
    env.robot, env.target = robot, target
    return env


def test_registered_on_import_and_made_with_kwargs():
    env = gym.make(WAREHOUSE_ID, rows=10, cols=10)
    obs, info = env.reset(seed=3)
    assert info["shortest_path_length"] >= 2
    assert env.unwrapped.rows == 10 and env.unwrapped.cols == 10
    assert env.observation_space.high.tolist() == [9, 9, 9, 9]
    assert obs.shape == (4,)
    assert rlgrid.__version__


def test_made_by_module_prefix_without_importing_rlgrid():
    code = (
        "import sys, gymnasium as gym\n"
        "env = gym.make('rlgrid:rlgrid/Warehouse-v0', rows=3, cols=4)\n"
        "print(env.reset(seed=0)[0].tolist(), 'pygame' in sys.modules, 'torch' in sys.modules)"
    )
    obs, pygame_loaded, torch_loaded = run_python(code).rsplit(" ", 2)
    assert obs.startswith("[0, 0, ")
    assert (pygame_loaded, torch_loaded.strip()) == ("False", "False")


@pytest.mark.parametrize(
    ("action", "expected"),
    [(Action.LEFT, (2, 1)), (Action.DOWN, (3, 2)), (Action.RIGHT, (2, 3)), (Action.UP, (1, 2))],
)
def test_each_action_moves_one_cell(action, expected):
    env = placed(WarehouseEnv(5, 5), (2, 2), (4, 4))
    obs, reward, terminated, truncated, info = env.step(action)
    assert env.robot == expected
    assert obs.tolist() == [*expected, 4, 4]
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert info["is_success"] is False


@pytest.mark.parametrize(
    ("cell", "action"),
    [
        ((0, 0), Action.LEFT),
        ((0, 0), Action.UP),
        ((3, 4), Action.RIGHT),
        ((3, 4), Action.DOWN),
        ((0, 4), Action.UP),
        ((3, 0), Action.LEFT),
    ],
)
def test_moves_into_the_border_leave_the_robot_in_place(cell, action):
    env = placed(WarehouseEnv(4, 5), cell, (2, 2))
    obs, *_ = env.step(action)
    assert env.robot == cell
    assert obs[:2].tolist() == list(cell)


def test_reaching_the_target_terminates_with_reward_one():
    env = placed(WarehouseEnv(4, 5), (1, 1), (1, 3))
    _, reward, terminated, truncated, info = env.step(Action.RIGHT)
    assert (reward, terminated, truncated) == (0.0, False, False)
    _, reward, terminated, truncated, info = env.step(Action.RIGHT)
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["is_success"] is True
    assert isinstance(reward, float)


def test_default_time_limit_is_four_times_rows_plus_cols():
    env = gym.make(WAREHOUSE_ID, rows=4, cols=5)
    env.reset(seed=0)
    assert env.unwrapped.max_steps == 36
    for step in range(1, 37):
        _, reward, terminated, truncated, info = env.step(Action.UP)  # stays at (0, 0)
        assert not terminated
        assert truncated == (step == 36)
    assert info["is_success"] is False
    assert reward == 0.0


def test_time_limit_is_settable():
    env = gym.make(WAREHOUSE_ID, rows=6, cols=6, max_steps=5)
    env.reset(seed=0)
    results = [env.step(Action.LEFT)[3] for _ in range(5)]
    assert results == [False, False, False, False, True]


def test_observations_are_int32_like_the_space():
    env = gym.make(WAREHOUSE_ID, rows=6, cols=7, targets="anywhere", random_start=True)
    obs, _ = env.reset(seed=1)
    env.action_space.seed(1)
    for _ in range(300):
        assert obs.dtype == np.int32 == env.observation_space.dtype
        assert env.observation_space.contains(obs)
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            obs, _ = env.reset()


def target_sequence(env, seed, resets):
    first = env.reset(seed=seed)[0]
    return [first[2:].tolist()] + [env.reset()[0][2:].tolist() for _ in range(resets - 1)]


def test_consecutive_seeded_resets_reproduce_and_leave_global_random_alone():
    random.seed(123)
    before = random.getstate()
    a = target_sequence(WarehouseEnv(10, 10), seed=5, resets=40)
    b = target_sequence(WarehouseEnv(10, 10), seed=5, resets=40)
    c = target_sequence(WarehouseEnv(10, 10), seed=6, resets=40)
    assert a == b
    assert a != c
    assert random.getstate() == before


def test_reseeding_the_same_env_restarts_the_sequence():
    env = WarehouseEnv(8, 8, targets="anywhere", random_start=True)
    assert target_sequence(env, 9, 20) == target_sequence(env, 9, 20)


def placements(env, resets=600):
    env.reset(seed=0)
    starts, targets = set(), set()
    for _ in range(resets):
        env.reset()
        starts.add(env.start)
        targets.add(env.target)
        assert env.target != env.start
    return starts, targets


def test_classic_placement_fixed_start():
    starts, targets = placements(WarehouseEnv(4, 5, targets="classic"))
    assert starts == {(0, 0)}
    assert targets == {(r, c) for r in range(1, 4) for c in range(1, 5)}


def test_anywhere_placement_fixed_start():
    starts, targets = placements(WarehouseEnv(4, 5, targets="anywhere"))
    assert starts == {(0, 0)}
    assert targets == {(r, c) for r in range(4) for c in range(5)} - {(0, 0)}


def test_random_start_with_anywhere_targets():
    starts, targets = placements(WarehouseEnv(3, 4, targets="anywhere", random_start=True))
    assert starts == {(r, c) for r in range(3) for c in range(4)}
    assert targets == starts


def test_random_start_with_classic_targets():
    starts, targets = placements(WarehouseEnv(3, 4, targets="classic", random_start=True))
    assert len(starts) == 12
    assert targets == {(r, c) for r in range(1, 3) for c in range(1, 4)}


def test_info_carries_the_shortest_path_length():
    env = WarehouseEnv(6, 9, targets="anywhere", random_start=True)
    env.reset(seed=2)
    for _ in range(50):
        _, info = env.reset()
        manhattan = abs(env.start[0] - env.target[0]) + abs(env.start[1] - env.target[1])
        assert info["shortest_path_length"] == manhattan
        _, _, _, _, info = env.step(Action.DOWN)
        assert info["shortest_path_length"] == manhattan


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"targets": "everywhere"}, "unknown target placement"),
        ({"max_steps": 0}, "max_steps must be a positive integer"),
        ({"max_steps": 2.5}, "max_steps must be a positive integer"),
        ({"render_mode": "video"}, "unknown render_mode"),
        ({"random_start": "yes"}, "random_start must be true or false"),
        ({"rows": 0}, "rows must be between"),
        ({"cols": 4.0}, "cols must be an integer"),
    ],
)
def test_bad_constructor_arguments(kwargs, message):
    with pytest.raises(InvalidValueError, match=message):
        WarehouseEnv(**kwargs)


def test_bad_action_is_refused():
    env = WarehouseEnv()
    env.reset(seed=0)
    with pytest.raises(InvalidValueError, match="action must be one of"):
        env.step(4)


def test_no_pygame_unless_a_pixel_mode_renders():
    code = (
        "import sys, gymnasium as gym, rlgrid\n"
        "env = gym.make('rlgrid/Warehouse-v0', render_mode='ansi')\n"
        "env.reset(seed=0); env.step(1); env.render(); env.close()\n"
        "print('pygame' in sys.modules)\n"
        "env = gym.make('rlgrid/Warehouse-v0', render_mode='rgb_array')\n"
        "env.reset(seed=0); print('pygame' in sys.modules); env.render()\n"
        "print('pygame' in sys.modules)\n"
    )
    assert run_python(code).split() == ["False", "False", "True"]


def test_ansi_text_of_a_known_state():
    env = placed(WarehouseEnv(4, 5, render_mode="ansi"), (0, 0), (1, 3))
    assert env.render() == "R _ _ _ _\n_ _ _ T _\n_ _ _ _ _\n_ _ _ _ _\n"
    env.step(Action.DOWN)
    assert env.render() == "_ _ _ _ _\nR _ _ T _\n_ _ _ _ _\n_ _ _ _ _\n"


def test_rgb_array_frame_shows_robot_and_target_in_their_cells():
    env = placed(WarehouseEnv(4, 5, render_mode="rgb_array"), (2, 1), (3, 4))
    frame = env.render()
    cell = rendering.cell_pixels(env.layout)
    assert cell == 64
    assert frame.dtype == np.uint8
    assert frame.shape[1] == 5 * cell
    assert frame.shape[0] > 4 * cell and frame.shape[0] % 2 == 0
    assert frame.shape[2] == 3

    def centre(r, c):
        return tuple(frame[r * cell + cell // 2, c * cell + cell // 2])

    assert centre(2, 1) == rendering.ROBOT
    assert centre(3, 4) == rendering.TARGET
    assert centre(0, 0) == rendering.FLOOR
    assert centre(1, 3) == rendering.FLOOR
    status = frame[4 * cell :, :]
    assert (status == rendering.STATUS_FG).all(axis=-1).any()  # the status line has text


def test_frames_of_big_grids_stay_a_sensible_size():
    env = WarehouseEnv(200, 100, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape[1] == 100 * 8
    assert frame.shape[0] < 200 * 8 + 60


@pytest.mark.parametrize(("rows", "cols"), [(33, 17), (17, 33), (1, 5), (5, 1)])
def test_frames_have_even_sides_padded_not_stretched(rows, cols):
    env = placed(
        WarehouseEnv(rows, cols, targets="anywhere", render_mode="rgb_array"),
        (rows - 1, cols - 1),
        (0, 0),
    )
    frame = env.render()
    cell = rendering.cell_pixels(env.layout)
    assert frame.shape[0] % 2 == 0 and frame.shape[1] % 2 == 0
    assert frame.shape[1] == cols * cell + (cols * cell) % 2
    centre = ((rows - 1) * cell + cell // 2, (cols - 1) * cell + cell // 2)
    assert tuple(frame[centre]) == rendering.ROBOT
    if (cols * cell) % 2:  # the padding column right of the grid is blank
        assert (frame[:, -1] == rendering.STATUS_BG).all()
    if (rows * cell) % 2:  # a padding row carries the line under the grid, the status follows
        assert (frame[rows * cell, : cols * cell] == rendering.GRID_LINE).all()
        assert (frame[rows * cell + 1, : cols * cell] == rendering.STATUS_BG).all()


def test_human_mode_opens_a_window_and_escape_closes_it():
    import pygame

    env = WarehouseEnv(3, 3, render_mode="human")
    env.metadata = {**env.metadata, "render_fps": 1000}
    env.reset(seed=0)
    window = env._window
    assert window is not None and window.is_open
    assert pygame.display.get_surface().get_size() == env._drawer.size
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    env.step(Action.DOWN)
    assert not window.is_open
    env.step(Action.DOWN)  # stepping on after the window closed is fine
    env.close()


def test_render_without_mode_warns_and_returns_none():
    env = WarehouseEnv()
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="without a render_mode"):
        assert env.render() is None


def checker_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught]


@pytest.mark.parametrize(
    "kwargs", [{}, {"rows": 9, "cols": 3, "targets": "anywhere", "random_start": True}]
)
@pytest.mark.slow
def test_gymnasium_checker_has_no_warnings(kwargs):
    from gymnasium.utils.env_checker import check_env

    assert checker_warnings(lambda: check_env(gym.make(WAREHOUSE_ID, **kwargs).unwrapped)) == []
    made = checker_warnings(lambda: check_env(gym.make(WAREHOUSE_ID, **kwargs)))
    assert [m for m in made if "different from the unwrapped version" not in m] == []


def test_stable_baselines3_checker_has_no_warnings():
    from stable_baselines3.common.env_checker import check_env

    assert checker_warnings(lambda: check_env(gym.make(WAREHOUSE_ID, rows=6, cols=6))) == []
