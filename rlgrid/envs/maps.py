"""Warehouse layouts with shelves: text maps, and generated aisle and random layouts.

Map text, one line per row: ``#`` shelf, ``.`` floor, ``S`` a cell a start may be drawn from,
``T`` a cell a target may be placed on (both floor). Without ``S`` any floor cell may start, without
``T`` any floor cell may be a target; episodes without a random start begin on the first start
cell. Lines starting with ``;`` are comments.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from rlgrid.envs.grid import MAX_SIDE, parse_grid
from rlgrid.envs.layout import Layout
from rlgrid.envs.layout_set import LayoutSet
from rlgrid.errors import MapError

MAP_CHARACTERS = "#.ST"
MAX_ATTEMPTS = 100


def parse_map(text: str, source: str = "map") -> Layout:
    """A layout from map text; every malformed case is one line naming the row and column."""
    lines = [line.rstrip("\r") for line in text.split("\n") if not line.startswith(";")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise MapError(f"{source}: the map is empty")
    width = len(lines[0])
    if len(lines) > MAX_SIDE or width > MAX_SIDE:
        raise MapError(
            f"{source}: the map is {len(lines)}x{width}, over the {MAX_SIDE} cells a side limit"
        )
    for row, line in enumerate(lines, start=1):
        if len(line) != width:
            raise MapError(
                f"{source}: row {row} has {len(line)} cells but row 1 has {width}; "
                "every row needs the same length"
            )
        for col, char in enumerate(line, start=1):
            if char not in MAP_CHARACTERS:
                raise MapError(
                    f"{source}: row {row}, column {col}: unknown character {char!r} "
                    "(use # shelf, . floor, S start, T target)"
                )
    grid = np.array([list(line) for line in lines])
    free = grid != "#"
    if not free.any():
        raise MapError(f"{source}: the map has no free cell")
    starts = grid == "S" if (grid == "S").any() else free
    targets = grid == "T" if (grid == "T").any() else free
    home = tuple(int(v) for v in np.argwhere(starts)[0])
    return _connected(free, starts, targets, home, source)


def _connected(
    free: np.ndarray, starts: np.ndarray, targets: np.ndarray, home: tuple[int, int], source: str
) -> Layout:
    probe = Layout(free=free, start_mask=free, target_mask=free, home=home)
    reachable = probe.distance_map(home) >= 0
    for mask, what in ((starts, "start"), (targets, "target")):
        stranded = np.argwhere(mask & ~reachable)
        if len(stranded):
            row, col = (int(v) + 1 for v in stranded[0])
            raise MapError(
                f"{source}: row {row}, column {col}: this {what} cell cannot be reached from the "
                f"start at row {home[0] + 1}, column {home[1] + 1}"
            )
    if not (targets & reachable).sum() - targets[home]:
        raise MapError(f"{source}: no target can be reached from the start")
    return Layout(free=free, start_mask=starts, target_mask=targets, home=home)


def read_map(path: Path) -> Layout:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise MapError(f"map file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MapError(f"map file {path}: cannot read it: {error}") from None
    return parse_map(text, str(path))


def aisles(rows: int, cols: int, rng: np.random.Generator) -> Layout:
    """A warehouse floor: shelf rows two cells deep between one-cell aisles, aisles around the
    edge, and cross-aisles at seeded intervals of 4 to 8 columns. Targets are the pick faces (floor
    cells beside a shelf); starts any floor cell. Connected by construction."""
    if rows < 5 or cols < 5:
        raise MapError(f"an aisles layout needs at least 5x5, got {rows}x{cols}")
    free = np.ones((rows, cols), dtype=bool)
    shelf_rows = [r for r in range(1, rows - 1) if r % 3 != 0]
    cross, c = {0, cols - 1}, 0
    while c < cols - 1:
        c += int(rng.integers(4, 9))
        cross.add(min(c, cols - 1))
    for r in shelf_rows:
        for c in range(1, cols - 1):
            if c not in cross:
                free[r, c] = False
    if rows % 3 != 1:  # keep a full aisle along the bottom edge
        free[rows - 1, :] = True
    shelf = ~free
    beside = np.zeros_like(shelf)
    beside[1:, :] |= shelf[:-1, :]
    beside[:-1, :] |= shelf[1:, :]
    beside[:, 1:] |= shelf[:, :-1]
    beside[:, :-1] |= shelf[:, 1:]
    targets = free & beside
    return _connected(free, free, targets, (0, 0), f"aisles:{rows}x{cols}")


def random_layout(rows: int, cols: int, density: float, rng: np.random.Generator) -> Layout:
    """Shelves on a ``density`` share of the cells at random; cells cut off from the start are
    shelved too. Retried (at most 100 times) until at least half the grid stays reachable."""
    if not 0.0 <= density < 0.9:
        raise MapError(f"random layout density must be in [0, 0.9), got {density}")
    for _ in range(MAX_ATTEMPTS):
        free = rng.random((rows, cols)) >= density
        free[0, 0] = True
        probe = Layout(free=free, start_mask=free, target_mask=free)
        reachable = probe.distance_map((0, 0)) >= 0
        if reachable.sum() >= max(2, rows * cols // 2):
            return Layout(free=reachable, start_mask=reachable, target_mask=reachable)
    raise MapError(
        f"no connected {rows}x{cols} layout at density {density} in {MAX_ATTEMPTS} tries; "
        "lower the density"
    )


def layout_from_spec(spec: str, seed: int = 0, count: int = 1) -> Layout:
    """``map:FILE``, ``aisles:RxC`` or ``random:RxC[:DENSITY]`` (density 0.2 by default).

    ``count`` generated layouts (seeds ``seed`` to ``seed + count - 1``) make a
    :class:`LayoutSet`. Layouts are cached (a map per file version), so every env made from the
    same spec shares one layout and its shortest-path table."""
    kind, _, rest = spec.partition(":")
    if kind == "map":
        if count != 1:
            raise MapError(f"layout {spec!r} is one map; several layouts need aisles or random")
        path = Path(rest)
        try:
            changed = path.stat().st_mtime_ns
        except OSError:
            return read_map(path)  # the one-line error for a missing or unreadable file
        return _read_unchanged(path.resolve(), changed)
    if kind not in ("aisles", "random"):
        raise MapError(f"unknown layout {spec!r}: use map:FILE, aisles:RxC or random:RxC[:DENSITY]")
    if count < 1:
        raise MapError(f"the number of layouts must be at least 1, got {count}")
    return _generated(spec, seed, count)


@functools.lru_cache(maxsize=16)
def _read_unchanged(path: Path, modified: int) -> Layout:
    """:func:`read_map` once per file version, so every env made from a map (each evaluation
    during training, say) shares one layout and its shortest-path table."""
    return read_map(path)


@functools.lru_cache(maxsize=16)
def _generated(spec: str, seed: int, count: int) -> Layout:
    if count == 1:
        return _generate(spec, seed)
    return LayoutSet.stack([_generate(spec, seed + i) for i in range(count)])


def _generate(spec: str, seed: int) -> Layout:
    kind, _, rest = spec.partition(":")
    rng = np.random.default_rng(seed)
    if kind == "aisles":
        rows, cols = parse_grid(rest)
        return aisles(rows, cols, rng)
    grid, _, density = rest.partition(":")
    rows, cols = parse_grid(grid)
    try:
        share = float(density) if density else 0.2
    except ValueError:
        raise MapError(f"layout {spec!r}: density {density!r} is not a number") from None
    return random_layout(rows, cols, share, rng)


def parse_floor(text: str) -> str:
    """A warehouse floor as one word, for studies: ``RxC`` (an open grid), ``aisles:RxC``,
    ``random:RxC[:DENSITY]`` or ``map:FILE``. Checked now; a map's path is made absolute."""
    text = text.strip()
    if ":" not in text:
        return str(parse_grid(text))
    if text.startswith("map:"):
        path = Path(text[4:]).expanduser().resolve()
        read_map(path)
        return f"map:{path}"
    layout_from_spec(text)
    return text


def floor_label(floor: str) -> str:
    """A floor as a folder-name part: ``6x6``, ``aisles-32x32``, ``map-shelves_16x16``."""
    if floor.startswith("map:"):
        return f"map-{Path(floor[4:]).stem}"
    if floor.startswith("env:"):  # another env, by id: rlgrid/Warehouse-v0, module:Id
        return floor[4:].replace("/", "-").replace(":", "-")
    return floor.replace(":", "-")
