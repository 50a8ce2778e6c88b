"""Policy maps: for one target, the greedy action and the state value in every cell.

The agreement is the fraction of cells whose greedy action lies on a shortest path to the target
(it shortens the breadth-first-search distance by one): 100% is a perfect policy for that target,
and the cells that disagree show where the agent has not learned yet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlgrid.envs.layout import Cell, Layout
from rlgrid.envs.moves import Action
from rlgrid.errors import InvalidValueError, setting
from rlgrid.runs import write_atomic

ARROWS = {Action.LEFT: "←", Action.DOWN: "↓", Action.RIGHT: "→", Action.UP: "↑"}
ARROW_DELTAS = {Action.LEFT: (-1, 0), Action.DOWN: (0, -1), Action.RIGHT: (1, 0), Action.UP: (0, 1)}
MAX_ARROWS_SIDE = 48
"""Above this many rows or columns the picture shows the value heatmap without arrows."""


@dataclass
class PolicyMap:
    layout: Layout
    target: Cell
    actions: np.ndarray
    """Greedy action per cell; -1 on the target and on blocked cells."""
    values: np.ndarray
    """State value per cell (max Q, or the critic's value); nan on the target and blocked cells."""
    agreement: float


def farthest_target(layout: Layout) -> Cell:
    """The allowed target farthest (by shortest path) from the start cell."""
    targets = layout.target_flat[layout.target_flat != layout.home_flat]
    distances = layout.distances(np.full(len(targets), layout.home_flat), targets)
    return divmod(int(targets[np.argmax(distances)]), layout.size.cols)


def parse_cell(text: str, layout: Layout) -> Cell:
    try:
        row, col = (int(part) for part in text.split(","))
    except ValueError:
        raise InvalidValueError(
            f"{setting('target')} {text!r}: expected ROW,COL such as 3,4"
        ) from None
    if not layout.in_bounds((row, col)) or not layout.free[row, col]:
        raise InvalidValueError(
            f"{setting('target')} {text!r} is not a free cell of the {layout.size} grid"
        )
    return row, col


def build(layout: Layout, target: Cell, encode: Any, agent: Any) -> PolicyMap:
    rows, cols = layout.size
    target_flat = target[0] * cols + target[1]
    cells = np.flatnonzero(layout.free.ravel())
    cells = cells[cells != target_flat]
    targets = np.full(len(cells), target_flat)
    obs = encode(cells, targets)
    actions = np.asarray(agent.act_batch(obs), dtype=np.int64).reshape(-1)
    values = np.asarray(agent.values_batch(obs), dtype=np.float64).reshape(-1)
    after = layout.transitions[cells * 4 + actions]
    on_path = layout.distances(after, targets) == layout.distances(cells, targets) - 1
    action_grid = np.full(rows * cols, -1, dtype=np.int64)
    value_grid = np.full(rows * cols, np.nan)
    action_grid[cells] = actions
    value_grid[cells] = values
    return PolicyMap(
        layout,
        target,
        action_grid.reshape(rows, cols),
        value_grid.reshape(rows, cols),
        float(on_path.mean()) if len(cells) else 1.0,
    )


def as_text(policy: PolicyMap) -> str:
    """Arrows, ``T`` for the target and ``#`` for blocked cells, then the agreement."""
    lines = []
    for r in range(policy.layout.size.rows):
        row = []
        for c in range(policy.layout.size.cols):
            if (r, c) == policy.target:
                row.append("T")
            elif not policy.layout.free[r, c]:
                row.append("#")
            else:
                row.append(ARROWS[Action(int(policy.actions[r, c]))])
        lines.append(" ".join(row))
    lines.append(
        f"target {policy.target}: {100 * policy.agreement:.1f}% of cells on a shortest path"
    )
    return "\n".join(lines) + "\n"


def save_picture(policy: PolicyMap, path: Path, title: str) -> tuple[int, int]:
    """The value heatmap with arrows and the target marked, written atomically as PNG; returns
    the picture's (width, height)."""
    from matplotlib.figure import Figure

    rows, cols = policy.layout.size
    scale = min(0.5, 9.0 / max(rows, cols))
    figure = Figure(figsize=(max(4.0, cols * scale + 1.8), max(3.5, rows * scale + 1.2)))
    axes = figure.subplots()
    image = axes.imshow(policy.values, cmap="viridis", origin="upper")
    figure.colorbar(image, ax=axes, label="state value")
    if max(rows, cols) <= MAX_ARROWS_SIDE:
        r, c = np.nonzero(policy.actions >= 0)
        acts = policy.actions[r, c]
        dx = np.array([ARROW_DELTAS[Action(a)][0] for a in acts], dtype=float)
        dy = np.array([ARROW_DELTAS[Action(a)][1] for a in acts], dtype=float)
        axes.quiver(c, r, dx, dy, color="white", pivot="middle", scale=1.6, scale_units="xy",
                    width=0.004 + 0.1 / max(rows, cols) / 10)  # fmt: skip
    axes.plot(policy.target[1], policy.target[0], marker="*", color="#d98c1f", markersize=16,
              markeredgecolor="black")  # fmt: skip
    axes.set_title(f"{title}\ntarget {policy.target}: {100 * policy.agreement:.1f}% of cells on "
                   "a shortest path", fontsize=10)  # fmt: skip
    axes.set_xticks([])
    axes.set_yticks([])
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_atomic(path, buffer.getvalue())
    width, height = figure.get_size_inches() * figure.dpi
    return round(width), round(height)
