"""Grid sizes: rows x columns, checked, and parsed from text such as ``6x6``."""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from rlgrid.errors import InvalidValueError

MAX_SIDE = 1024
"""The largest number of rows or columns a grid may have."""

_GRID_TEXT = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")


class GridSize(NamedTuple):
    rows: int
    cols: int

    def __str__(self) -> str:
        return f"{self.rows}x{self.cols}"


def check_grid_size(rows: object, cols: object) -> GridSize:
    """Return ``GridSize(rows, cols)`` or raise :class:`InvalidValueError` saying what is wrong."""
    for name, value in (("rows", rows), ("cols", cols)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise InvalidValueError(f"grid {name} must be an integer, got {value!r}")
        if not 1 <= value <= MAX_SIDE:
            raise InvalidValueError(f"grid {name} must be between 1 and {MAX_SIDE}, got {value}")
    if rows * cols < 2:
        raise InvalidValueError("a 1x1 grid has no room for both a start and a target cell")
    return GridSize(int(rows), int(cols))


def parse_grid(text: str) -> GridSize:
    """Parse grid text ``RxC`` (rows x cols), e.g. ``6x6``, ``4x5``, ``10 X 10``."""
    match = _GRID_TEXT.match(text)
    if match is None:
        raise InvalidValueError(
            f"invalid grid {text!r}: expected ROWSxCOLS such as 6x6 or 4x5 "
            f"(each side 1 to {MAX_SIDE})"
        )
    try:
        return check_grid_size(int(match[1]), int(match[2]))
    except InvalidValueError as error:
        raise InvalidValueError(f"invalid grid {text!r}: {error}") from None
