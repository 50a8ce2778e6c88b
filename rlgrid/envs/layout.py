"""Grid layouts: the data that says where the robot may stand, start and find its target.

A :class:`Layout` is data only. The warehouse dynamics, the renderers and the shortest-path code
all read it, so blocked cells (shelves) need no change to any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rlgrid.envs.actions import MOVES
from rlgrid.envs.grid import GridSize, check_grid_size
from rlgrid.errors import InvalidValueError

TARGET_PLACEMENTS = ("classic", "anywhere")
"""``classic``: the seed tutorial's rule, never in row 0 or column 0. ``anywhere``: any free cell
except the episode's start cell."""

Cell = tuple[int, int]

MAX_TABLE_ENTRIES = 2**25
"""Layouts with at most this many (target cell, cell) pairs keep all their shortest-path
lengths in one table (int32, 128 MiB at most); bigger ones keep one map per target."""


@dataclass(frozen=True, eq=False)
class Layout:
    """Where the robot may go (``free``), start (``start_mask``) and find targets (``target_mask``).

    ``home`` is the start cell of episodes without a random start. Arrays are read-only.
    """

    free: np.ndarray
    start_mask: np.ndarray
    target_mask: np.ndarray
    home: Cell = (0, 0)
    _distance_maps: dict[Cell, np.ndarray] = field(default_factory=dict, repr=False)
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in ("free", "start_mask", "target_mask"):
            array = np.array(getattr(self, name), dtype=bool)
            if array.shape != self.free.shape or array.ndim != 2:
                raise InvalidValueError(f"layout {name} must be a 2-D array of the grid's shape")
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if not self.in_bounds(self.home) or not self.free[self.home]:
            raise InvalidValueError(f"layout home cell {self.home} is not a free cell")
        object.__setattr__(self, "start_mask", self.start_mask & self.free)
        object.__setattr__(self, "target_mask", self.target_mask & self.free)
        if self.target_mask.sum() == 1:
            # a start on the only target cell would leave the episode without a target
            object.__setattr__(self, "start_mask", self.start_mask & ~self.target_mask)
        if not self.target_cells_excluding(self.home).size:
            raise InvalidValueError("layout has no target cell apart from the start cell")
        if not self.start_mask.any():
            raise InvalidValueError("layout has no start cell that leaves room for a target")
        object.__setattr__(self, "_start_flat", np.flatnonzero(self.start_mask))
        object.__setattr__(self, "_target_flat", np.flatnonzero(self.target_mask))

    @classmethod
    def open_grid(cls, rows: int, cols: int, targets: str = "classic") -> Layout:
        """An R x C floor with no obstacles, starting at (0, 0), targets placed by ``targets``."""
        size = check_grid_size(rows, cols)
        if targets not in TARGET_PLACEMENTS:
            raise InvalidValueError(
                f"unknown target placement {targets!r}: "
                f"choose one of {', '.join(TARGET_PLACEMENTS)}"
            )
        free = np.ones(size, dtype=bool)
        target_mask = free.copy()
        if targets == "classic":
            if size.rows < 2 or size.cols < 2:
                raise InvalidValueError(
                    f"classic target placement needs at least 2 rows and 2 columns, got {size}; "
                    "use targets='anywhere'"
                )
            target_mask[0, :] = False
            target_mask[:, 0] = False
        return cls(free=free, start_mask=free, target_mask=target_mask)

    @property
    def size(self) -> GridSize:
        return GridSize(*self.free.shape)

    @property
    def is_open(self) -> bool:
        """True when no cell is blocked."""
        return bool(self.free.all())

    def in_bounds(self, cell: Cell) -> bool:
        rows, cols = self.free.shape
        return 0 <= cell[0] < rows and 0 <= cell[1] < cols

    def target_cells_excluding(self, start: Cell) -> np.ndarray:
        """Flat indices of the cells that may hold the target when the start is ``start``."""
        mask = self.target_mask.copy()
        mask[start] = False
        return np.flatnonzero(mask)

    @property
    def target_flat(self) -> np.ndarray:
        """Flat indices (``row * cols + col``) of the cells a target may be placed on."""
        return self._target_flat

    @property
    def home_flat(self) -> int:
        return self.home[0] * self.free.shape[1] + self.home[1]

    def draw_episodes(
        self, start_draws: np.ndarray | None, target_draws: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Starts and targets (flat indices) of episodes from uniform draws in [0, 1).

        ``start_draws`` is None for the fixed start (``home``); a target is never the start. One
        draw picks one cell, so a batch of episodes takes whole arrays of draws at once, and a
        single env (arrays of one) gets exactly the same episodes from the same draws.
        """
        if start_draws is None:
            starts = np.full(len(target_draws), self.home_flat, dtype=np.int64)
        else:
            n = len(self._start_flat)
            starts = self._start_flat[np.minimum((start_draws * n).astype(np.int64), n - 1)]
        targets = self._target_flat
        first, end = self.target_span(starts)
        skip = np.searchsorted(targets, starts)
        start_is_target = targets[np.minimum(skip, len(targets) - 1)] == starts
        count = end - first - start_is_target
        index = first + np.minimum((target_draws * count).astype(np.int64), count - 1)
        index += start_is_target & (index >= skip)
        return starts, targets[index]

    def target_span(self, starts: np.ndarray) -> tuple[np.ndarray | int, np.ndarray | int]:
        """The range of :attr:`target_flat` a start's target is drawn from: all of it here; a
        :class:`LayoutSet` keeps each episode inside its start's layout."""
        return 0, len(self._target_flat)

    def draw_episode(self, rng: np.random.Generator, random_start: bool) -> tuple[Cell, Cell]:
        """Draw an episode's start (``home`` unless ``random_start``) and its target, uniformly
        among the allowed cells, using only ``rng`` (one ``rng.random()`` per cell drawn)."""
        start_draws = np.array([rng.random()]) if random_start else None
        starts, targets = self.draw_episodes(start_draws, np.array([rng.random()]))
        cols = self.free.shape[1]
        return divmod(int(starts[0]), cols), divmod(int(targets[0]), cols)

    @property
    def transitions(self) -> np.ndarray:
        """``next[cell * 4 + action]``: the flat cell each action leads to (blocked moves stay)."""
        table = self._cache.get("transitions")
        if table is None:
            rows, cols = self.free.shape
            r, c = np.divmod(np.arange(rows * cols), cols)
            table = np.empty((rows * cols, len(MOVES)), dtype=np.int64)
            for action, (dr, dc) in MOVES.items():
                nr, nc = np.clip(r + dr, 0, rows - 1), np.clip(c + dc, 0, cols - 1)
                ok = self.free[nr, nc]
                table[:, action] = np.where(ok, nr * cols + nc, r * cols + c)
            table = table.ravel()
            table.setflags(write=False)
            self._cache["transitions"] = table
        return table

    def distances(self, cells: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Shortest path lengths between flat cells and flat targets, element by element."""
        cols = self.free.shape[1]
        if self.is_open:
            cr, cc = np.divmod(cells, cols)
            tr, tc = np.divmod(targets, cols)
            return np.abs(cr - tr) + np.abs(cc - tc)
        if len(self._target_flat) * self.free.size <= MAX_TABLE_ENTRIES:
            table, rank = self._distance_table()
            rows = rank[targets]
            if (rows >= 0).all():
                missing = np.unique(targets[table[rows, 0] == -2])
                for target in missing.tolist():
                    table[rank[target]] = self._bfs(divmod(target, cols)).ravel()
                return table[rows, cells].astype(np.int64)
        result = np.empty(len(cells), dtype=np.int64)
        for target in np.unique(targets):
            chosen = targets == target
            dist = self.distance_map(divmod(int(target), cols)).ravel()
            result[chosen] = dist[cells[chosen]]
        return result

    def _distance_table(self) -> tuple[np.ndarray, np.ndarray]:
        """One row of shortest-path lengths per target cell (-2 until that target first comes
        up), and each cell's row (-1 for cells that are not targets): a batch of episodes is one
        gather."""
        if "distance_table" not in self._cache:
            table = np.full((len(self._target_flat), self.free.size), -2, dtype=np.int32)
            rank = np.full(self.free.size, -1, dtype=np.int64)
            rank[self._target_flat] = np.arange(len(self._target_flat))
            self._cache.update(distance_table=table, target_rank=rank)
        return self._cache["distance_table"], self._cache["target_rank"]

    def distance_map(self, source: Cell) -> np.ndarray:
        """Breadth-first-search step counts from ``source`` to every cell; -1 where unreachable.

        Computed with whole-array wavefronts and cached per source cell.
        """
        cached = self._distance_maps.get(source)
        if cached is None:
            cached = self._bfs(source)
            cached.setflags(write=False)
            self._distance_maps[source] = cached
        return cached

    def _bfs(self, source: Cell) -> np.ndarray:
        dist = np.full(self.free.shape, -1, dtype=np.int32)
        frontier = np.zeros(self.free.shape, dtype=bool)
        frontier[source] = True
        seen = frontier.copy()
        dist[source] = 0
        step = 0
        while frontier.any():
            step += 1
            reached = np.zeros_like(frontier)
            reached[1:, :] |= frontier[:-1, :]
            reached[:-1, :] |= frontier[1:, :]
            reached[:, 1:] |= frontier[:, :-1]
            reached[:, :-1] |= frontier[:, 1:]
            reached &= self.free & ~seen
            dist[reached] = step
            seen |= reached
            frontier = reached
        return dist

    def shortest_path_length(self, start: Cell, target: Cell) -> int:
        """Fewest moves from ``start`` to ``target``; -1 when the target cannot be reached.

        One pair of :meth:`distances`, which uses the closed form on open grids.
        """
        cols = self.free.shape[1]
        cells = np.array([start[0] * cols + start[1]])
        return int(self.distances(cells, np.array([target[0] * cols + target[1]]))[0])

    @property
    def tile_rows(self) -> int:
        """Rows from one layout's first row to the next's in a :class:`LayoutSet` (here the
        whole grid and one more, so every cell is in tile 0)."""
        return self.free.shape[0] + 1

    @property
    def tile_size(self) -> GridSize:
        """The size of one layout: the whole grid here, one tile of a :class:`LayoutSet`."""
        return self.size
