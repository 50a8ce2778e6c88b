"""Observation spaces a table can index: every observation maps to one row of the table."""

from __future__ import annotations

import os
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from rlgrid.errors import IncompatibleError, setting

BYTES_PER_VALUE = 8  # float64 values, as the seed's table


@dataclass(frozen=True)
class TabularSpace:
    """A discrete observation space as ``dims``: the number of values of each component."""

    dims: tuple[int, ...]
    low: tuple[int, ...]

    @property
    def n_states(self) -> int:
        return int(np.prod(self.dims, dtype=object))

    def index(self, obs: np.ndarray) -> np.ndarray:
        """Row indices of a batch of observations, shape (batch,) or (batch, components)."""
        values = np.asarray(obs, dtype=np.int64).reshape(len(obs), -1) - np.asarray(self.low)
        return np.ravel_multi_index(tuple(values.T), self.dims)


def tabular_space(space: gym.Space) -> TabularSpace | None:
    """The table layout for ``space``; None where a table cannot index it."""
    if isinstance(space, gym.spaces.Discrete):
        return TabularSpace((int(space.n),), (int(space.start),))
    if isinstance(space, gym.spaces.MultiDiscrete) and space.nvec.ndim == 1:
        return TabularSpace(tuple(int(n) for n in space.nvec), (0,) * len(space.nvec))
    if isinstance(space, gym.spaces.Tuple) and all(
        isinstance(s, gym.spaces.Discrete) for s in space.spaces
    ):
        return TabularSpace(
            tuple(int(s.n) for s in space.spaces), tuple(int(s.start) for s in space.spaces)
        )
    if (
        isinstance(space, gym.spaces.Box)
        and np.issubdtype(space.dtype, np.integer)
        and len(space.shape) == 1
        and np.all(np.isfinite(space.low))
        and np.all(np.isfinite(space.high))
    ):
        low = space.low.astype(np.int64)
        return TabularSpace(
            tuple(int(n) for n in space.high.astype(np.int64) - low + 1),
            tuple(int(v) for v in low),
        )
    return None


def check_table_fits(table: TabularSpace, n_actions: int, limit_mb: float, label: str) -> int:
    """Bytes of a ``states x actions`` float64 table, or an error when over ``limit_mb``."""
    size = table.n_states * n_actions * BYTES_PER_VALUE
    free = _free_memory()
    if free is not None and size <= limit_mb * 2**20 and size > free:
        raise IncompatibleError(
            f"a q-table for {label} needs {_human(size)} ({table.n_states:,} states x {n_actions} "
            f"actions x {BYTES_PER_VALUE} bytes) but only {_human(free)} of memory is free"
        )
    if size > limit_mb * 2**20:
        raise IncompatibleError(
            f"a q-table for {label} needs {_human(size)} ({table.n_states:,} states x {n_actions} "
            f"actions x {BYTES_PER_VALUE} bytes), over the {_human(limit_mb * 2**20)} limit; use a "
            f"smaller grid, or raise the limit with {setting('q-table.max_table_mb')}=N"
        )
    return size


def _free_memory() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not available on this platform
        return None


def _human(size: float) -> str:
    if size >= 1024**6:  # beyond any memory: the order of magnitude says it
        return f"about 10^{len(str(int(size))) - 1} bytes"
    units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    level = 0
    while size >= 1024 and level < len(units) - 1:
        size /= 1024
        level += 1
    return f"{size:,.0f} bytes" if level == 0 else f"{size:,.1f} {units[level]}"
