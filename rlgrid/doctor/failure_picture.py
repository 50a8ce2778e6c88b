"""Pictures of where a replayed agent fails (matplotlib's object API, drawn off screen, as PNG
bytes): a floor drawing for envs whose state is a robot and a target on a grid, a contact sheet of
rendered frames for the others."""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from rlgrid.doctor.episodes import Replayed

Cell = tuple[int, int]

SHELF, FLOOR = "#6b5b4b", "#fafafa"
REACHED = "#3fae5a"
"""Faint green: target cells every replayed episode reached."""
START = "#1f5fbf"
LOOP = "#f28e1c"
MAX_LABELLED_SIDE = 24
"""Failing targets carry their count as text on grids up to this many cells a side."""
MAX_GRID_LINES_SIDE = 40
MAX_PANELS = 16
"""Failing episodes a contact sheet shows at most."""


def draws_floor(inner: Any) -> bool:
    """Whether the unwrapped env is a robot and a target on a floor (``layout``, ``robot`` and
    ``target``), which this module draws itself."""
    return all(hasattr(inner, name) for name in ("layout", "robot", "target"))


def picture(
    inner: Any,
    played: list[Replayed],
    title: str,
    frames: Callable[[int], list[np.ndarray]] | None,
) -> bytes | None:
    """Where the replayed episodes ``played`` (see :class:`~rlgrid.doctor.episodes.Replayed`)
    fail: on the floor of an env that :func:`draws_floor`, else a contact sheet of up to
    :data:`MAX_PANELS` failing episodes played differently, each as ``frames(seed)`` gives it
    (first and last frame); None where neither can be drawn."""
    failing = [episode for episode in played if episode.success is False]
    if draws_floor(inner):
        loops: Counter[Cell] = Counter()
        for episode in failing:
            if episode.loop is not None:
                loops.update(set(episode.loop.cells))
        return floor_picture(
            np.asarray(inner.layout.free, dtype=bool),
            Counter(episode.target for episode in failing),
            Counter(episode.start for episode in failing),
            Counter(episode.target for episode in played if episode.success),
            loops,
            title,
        )
    if frames is None:
        return None
    alike = Counter(episode.digest for episode in failing)
    firsts = {episode.digest: episode for episode in reversed(failing)}  # the first of each way
    shown = sorted(firsts.values(), key=lambda episode: (-alike[episode.digest], episode.seed))
    panels = []
    for episode in shown[:MAX_PANELS]:
        caption = f"seed {episode.seed}" + (f" · {episode.label}" if episode.label else "")
        caption += f"\nfailed after {episode.length} steps"
        if alike[episode.digest] > 1:
            caption += f" · {alike[episode.digest]} episodes alike"
        panels.append((frames(episode.seed), caption))
    more = len(shown) - len(panels)
    extra = f" ({more} more ways not shown)" if more > 0 else ""
    each = "each way it fails, most common first" if len(panels) > 1 else "the one way it fails"
    heading = f"{title}\nfirst frame (left) and last frame (right) of {each}{extra}"
    return contact_sheet(panels, heading)


def png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def floor_picture(
    free: np.ndarray,
    failed_targets: Counter[Cell],
    failed_starts: Counter[Cell],
    reached_targets: Counter[Cell],
    loop_cells: Counter[Cell],
    title: str,
) -> bytes:
    """The floor (shelves dark) with the target cells of failing episodes in red (darker: more
    of them), their start cells as blue circles and the cells they loop through as orange
    diamonds (larger: more episodes), and the targets of succeeding episodes faintly green."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    rows, cols = free.shape
    side = min(0.6, 9.0 / max(rows, cols))  # inches a cell
    figure = Figure(
        figsize=(max(6.0, cols * side + 2.6), max(5.0, rows * side + 2.2)), layout="constrained"
    )
    axes = figure.subplots()
    axes.imshow(~free, cmap=ListedColormap([FLOOR, SHELF]), vmin=0, vmax=1,
                interpolation="nearest")  # fmt: skip
    reached = np.zeros(free.shape, dtype=bool)
    for cell in reached_targets:
        reached[cell] = cell not in failed_targets
    green = np.zeros((*free.shape, 4))
    green[reached] = (*_rgb(REACHED), 0.3)
    axes.imshow(green, interpolation="nearest")
    counts = np.zeros(free.shape)
    for cell, count in failed_targets.items():
        counts[cell] = count
    most = max(failed_targets.values(), default=1)
    reds = ListedColormap(colormaps["Reds"](np.linspace(0.3, 1.0, 256)))  # 1 is no white
    image = axes.imshow(np.ma.masked_equal(counts, 0), cmap=reds, vmin=0.5, vmax=most + 0.5,
                        interpolation="nearest")  # fmt: skip
    bar = figure.colorbar(image, ax=axes, fraction=0.046, pad=0.03)
    bar.set_label("failing episodes with their target here")
    bar.locator = MaxNLocator(integer=True, nbins=min(most, 8))
    bar.update_ticks()
    if max(rows, cols) <= MAX_LABELLED_SIDE:
        for (r, c), count in failed_targets.items():  # in the cell's corner: markers go mid-cell
            axes.text(c - 0.44, r - 0.4, str(count), ha="left", va="top", fontsize=7, zorder=4,
                      color="white" if count > most / 2 else "black")  # fmt: skip
    cell_points = side * 72
    _scatter(axes, loop_cells, cell_points, "D", LOOP, (0.2, 0.45))
    _scatter(axes, failed_starts, cell_points, "o", START, (0.35, 0.85))
    if max(rows, cols) <= MAX_GRID_LINES_SIDE:
        axes.set_xticks(np.arange(-0.5, cols), minor=True)
        axes.set_yticks(np.arange(-0.5, rows), minor=True)
        axes.grid(which="minor", color="#d8d8d8", linewidth=0.6)
        axes.tick_params(which="minor", length=0)
    axes.set_xlim(-0.5, cols - 0.5)
    axes.set_ylim(rows - 0.5, -0.5)
    axes.set_xlabel("column")
    axes.set_ylabel("row")
    axes.set_title(title, fontsize=11)
    shown = [
        (bool(failed_targets), Patch(facecolor="#d73027", label="target of failing episodes "
                                     "(count)")),
        (bool(failed_starts), Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                                     markeredgecolor=START, markersize=9,
                                     label="start of failing episodes (size: count)")),
        (bool(loop_cells), Line2D([], [], marker="D", linestyle="", markerfacecolor=LOOP,
                                  markeredgecolor="black", markersize=7,
                                  label="cell failing episodes loop in (size: count)")),
        (bool(reached.any()), Patch(facecolor=REACHED, alpha=0.3,
                                    label="target reached in every episode")),
        (not free.all(), Patch(facecolor=SHELF, label="shelf")),
    ]  # fmt: skip
    handles = [handle for present, handle in shown if present]
    figure.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return png(figure)


def _scatter(
    axes: Any, counts: Counter[Cell], cell_points: float, marker: str, colour: str,
    widths: tuple[float, float],
) -> None:  # fmt: skip
    """Markers on the cells of ``counts`` (a hollow circle, or another marker filled with
    ``colour``), their width from ``widths[0]`` cells (one episode) to ``widths[1]`` (the most),
    at least 4 points."""
    if not counts:
        return
    most, (least, biggest) = max(counts.values()), widths
    cells = list(counts)
    width = [
        max(4.0, cell_points * (least + (biggest - least) * math.sqrt(counts[c] / most)))
        for c in cells
    ]
    hollow = marker == "o"
    axes.scatter([c for _, c in cells], [r for r, _ in cells], s=[w * w for w in width],
                 marker=marker, facecolors="none" if hollow else colour,
                 edgecolors=colour if hollow else "black", linewidths=1.6 if hollow else 0.8,
                 zorder=3)  # fmt: skip


def contact_sheet(panels: list[tuple[list[np.ndarray], str]], title: str) -> bytes:
    """One panel per episode: its frames side by side (first frame, last frame) with a caption
    under them, four panels a row."""
    from matplotlib.figure import Figure

    images = [(side_by_side(frames), caption) for frames, caption in panels]
    across = min(4, len(images))
    down = math.ceil(len(images) / across)
    aspect = max(image.shape[0] / image.shape[1] for image, _ in images)
    height = (3.6 * aspect + 0.55) * down + 0.8  # 3.6 inches a panel wide, two caption lines
    figure = Figure(figsize=(max(7.5, 3.6 * across), height), layout="constrained")
    grid = figure.subplots(down, across, squeeze=False)
    for axes in grid.flat:
        axes.set_axis_off()
    for axes, (image, caption) in zip(grid.flat, images, strict=False):
        axes.set_axis_on()
        axes.imshow(image)
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_xlabel(caption, fontsize=8)
    figure.suptitle(title, fontsize=11)
    return png(figure)


def side_by_side(frames: list[np.ndarray], gap: int = 12) -> np.ndarray:
    """RGB frames in a row on white, each centred in the height of the tallest."""
    height = max(frame.shape[0] for frame in frames)
    width = sum(frame.shape[1] for frame in frames) + gap * (len(frames) - 1)
    joined = np.full((height, width, 3), 255, dtype=np.uint8)
    left = 0
    for frame in frames:
        top = (height - frame.shape[0]) // 2
        joined[top : top + frame.shape[0], left : left + frame.shape[1]] = frame[..., :3]
        left += frame.shape[1] + gap
    return joined


def _rgb(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)
