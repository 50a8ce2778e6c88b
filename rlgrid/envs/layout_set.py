"""Several layouts of one size played as one: episodes spread over all of them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rlgrid.envs.grid import GridSize
from rlgrid.envs.layout import Cell, Layout
from rlgrid.errors import InvalidValueError


@dataclass(frozen=True, eq=False)
class LayoutSet(Layout):
    """Layouts of one size stacked into one grid, a row of shelves between each two, so that one
    policy trains or is evaluated on many layouts at once. Every episode stays inside the layout
    its start was drawn in (starts are drawn uniformly over all layouts' start cells)."""

    tiles: tuple[Layout, ...] = ()

    @classmethod
    def stack(cls, tiles: list[Layout]) -> LayoutSet:
        rows, cols = tiles[0].size
        if any(tile.size != (rows, cols) for tile in tiles):
            raise InvalidValueError("the layouts of a set must all have the same size")
        gap = np.zeros((1, cols), dtype=bool)

        def stacked(name: str) -> np.ndarray:
            parts = [part for tile in tiles for part in (getattr(tile, name), gap)]
            return np.concatenate(parts[:-1])

        return cls(
            free=stacked("free"),
            start_mask=stacked("start_mask"),
            target_mask=stacked("target_mask"),
            home=tiles[0].home,
            tiles=tuple(tiles),
        )

    def __post_init__(self) -> None:
        super().__post_init__()
        cells = self.tile_rows * self.free.shape[1]
        bounds = np.arange(len(self.tiles) + 1) * cells
        object.__setattr__(self, "_spans", np.searchsorted(self._target_flat, bounds))

    @property
    def tile_rows(self) -> int:
        return self.tiles[0].size.rows + 1

    @property
    def tile_size(self) -> GridSize:
        return self.tiles[0].size

    def _tile_of(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each flat cell's tile and its flat index inside that tile."""
        return np.divmod(flat, self.tile_rows * self.free.shape[1])

    def target_span(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tile, _ = self._tile_of(starts)
        return self._spans[tile], self._spans[tile + 1]

    def distances(self, cells: np.ndarray, targets: np.ndarray) -> np.ndarray:
        tile, local_targets = self._tile_of(targets)
        _, local_cells = self._tile_of(cells)
        result = np.empty(len(cells), dtype=np.int64)
        for index in np.unique(tile):
            chosen = tile == index
            result[chosen] = self.tiles[index].distances(local_cells[chosen], local_targets[chosen])
        return result

    def distance_map(self, source: Cell) -> np.ndarray:
        index, row = divmod(source[0], self.tile_rows)
        dist = np.full(self.free.shape, -1, dtype=np.int32)
        rows = self.tile_size.rows
        top = index * self.tile_rows
        dist[top : top + rows] = self.tiles[index].distance_map((row, source[1]))
        return dist
