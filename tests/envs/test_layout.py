import numpy as np
import pytest

from rlgrid.envs.layout import Layout
from rlgrid.envs.moves import Action, next_cell
from rlgrid.envs.oracle import oracle_action
from rlgrid.errors import InvalidValueError
from tests.conftest import brute_force_distances


def test_classic_targets_avoid_row_0_and_column_0():
    layout = Layout.open_grid(4, 5, "classic")
    assert not layout.target_mask[0, :].any()
    assert not layout.target_mask[:, 0].any()
    assert layout.target_mask[1:, 1:].all()
    assert layout.start_mask.all()


def test_anywhere_targets_cover_every_cell_but_the_start():
    layout = Layout.open_grid(3, 3, "anywhere")
    assert layout.target_mask.all()
    assert (1, 1) not in [divmod(i, 3) for i in layout.target_cells_excluding((1, 1))]
    assert len(layout.target_cells_excluding((1, 1))) == 8


def test_classic_placement_needs_two_rows_and_columns():
    with pytest.raises(InvalidValueError, match="at least 2 rows and 2 columns"):
        Layout.open_grid(1, 6, "classic")
    assert Layout.open_grid(1, 6, "anywhere").size == (1, 6)


def test_unknown_placement_is_refused():
    with pytest.raises(InvalidValueError, match="classic, anywhere"):
        Layout.open_grid(4, 4, "everywhere")


def test_bfs_on_open_grid_is_manhattan():
    layout = Layout.open_grid(7, 9, "anywhere")
    rows, cols = np.indices((7, 9))
    for source in [(0, 0), (3, 4), (6, 8)]:
        manhattan = np.abs(rows - source[0]) + np.abs(cols - source[1])
        assert np.array_equal(layout.distance_map(source), manhattan)


def test_bfs_matches_brute_force_on_random_blocked_layouts():
    rng = np.random.default_rng(7)
    for _ in range(30):
        free = rng.random((8, 11)) > 0.3
        free[0, 0] = True
        layout = Layout(free=free, start_mask=free, target_mask=free)
        for source in map(tuple, np.argwhere(free)[:5]):
            assert np.array_equal(layout.distance_map(source), brute_force_distances(free, source))


def test_shortest_path_goes_around_blocked_cells():
    free = np.ones((3, 3), dtype=bool)
    free[0, 1] = free[1, 1] = False  # a wall between (0, 0) and (0, 2)
    layout = Layout(free=free, start_mask=free, target_mask=free)
    assert layout.shortest_path_length((0, 0), (0, 2)) == 6
    free[2, 1] = False  # now (0, 2) cannot be reached
    closed = Layout(free=free, start_mask=free, target_mask=free)
    assert closed.shortest_path_length((0, 0), (0, 2)) == -1


def test_moves_into_blocked_cells_stay_put():
    free = np.ones((2, 2), dtype=bool)
    free[0, 1] = False
    layout = Layout(free=free, start_mask=free, target_mask=free)
    assert next_cell(layout, (0, 0), Action.RIGHT) == (0, 0)
    assert next_cell(layout, (0, 0), Action.DOWN) == (1, 0)


def test_oracle_walks_a_shortest_path_around_a_wall():
    free = np.ones((3, 3), dtype=bool)
    free[0, 1] = free[1, 1] = False
    layout = Layout(free=free, start_mask=free, target_mask=free)
    cell, steps = (0, 0), 0
    while cell != (0, 2):
        cell = next_cell(layout, cell, oracle_action(layout, cell, (0, 2)))
        steps += 1
    assert steps == 6


def test_layout_validation():
    free = np.ones((2, 2), dtype=bool)
    blocked_home = free.copy()
    blocked_home[0, 0] = False
    with pytest.raises(InvalidValueError, match="home cell"):
        Layout(free=blocked_home, start_mask=blocked_home, target_mask=blocked_home)
    only_home = np.zeros((2, 2), dtype=bool)
    only_home[0, 0] = True
    with pytest.raises(InvalidValueError, match="no target cell apart from the start"):
        Layout(free=free, start_mask=free, target_mask=only_home)


def test_a_single_target_cell_is_never_a_start():
    target = np.zeros((2, 3), dtype=bool)
    target[1, 2] = True
    free = np.ones((2, 3), dtype=bool)
    layout = Layout(free=free, start_mask=free, target_mask=target)
    assert not layout.start_mask[1, 2]
    assert layout.start_mask.sum() == 5
