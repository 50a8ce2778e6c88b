"""The issue's targets, each checked against what ``rlgrid bench`` measured: one row of text per
target (what, measured, wanted, met), for the targets table."""

from __future__ import annotations

import statistics

from rlgrid.bench.measures import Measure
from rlgrid.bench.solving import SolveSummary
from rlgrid.bench.speed import Throughput, best_width

TARGET_COLUMNS = ["target", "measured", "wanted", "met"]


def env_targets(env: list[Measure], sb3: list[Measure]) -> list[list[str]]:
    """The batched env's speed at N=16384; SB3 A2C on the batched env against one seed env."""
    biggest = env[-1].median
    ratio = sb3[1].median / sb3[0].median
    return [
        ["batched env at N=16384", f"{biggest / 1e6:,.1f}M steps/s", ">= 100M steps/s",
         _met(biggest >= 100e6)],
        ["SB3 A2C on batched x16 vs one seed env", f"{ratio:.1f}x", ">= 12x", _met(ratio >= 12)],
    ]  # fmt: skip


def _met(ok: bool) -> str:
    return "yes" if ok else "no"


def solve_targets(reference: SolveSummary, summaries: list[SolveSummary]) -> list[list[str]]:
    """Default a2c on 10x10 against the reference; the big grids within their time limits."""
    rows = []
    ref_train, ref_process = reference.medians()
    by_label = {s.label: s for s in summaries}
    default = by_label.get("rlgrid a2c 10x10 default")
    if default is not None and ref_train is not None:
        train, process = default.medians()
        if train is None:
            rows.append(["default a2c solves 10x10", "not solved", "solved", "no"])
        else:
            rows.append(
                [
                    "default a2c 10x10, training time vs reference",
                    f"{ref_train / train:.1f}x",
                    ">= 10x",
                    _met(ref_train / train >= 10),
                ]
            )
            rows.append(["default a2c 10x10, whole process vs reference",
                         f"{ref_process / process:.1f}x", ">= 4x",
                         _met(ref_process / process >= 4)])  # fmt: skip
    for label, limit in (("rlgrid a2c 64x64 default", 10), ("rlgrid a2c 256x256 default", 60)):
        summary = by_label.get(label)
        if summary is not None:
            _, process = summary.medians()
            measured = "not solved" if process is None else f"{process:.1f} s"
            rows.append(
                [
                    f"{label.removeprefix('rlgrid ')} (anywhere, random start), whole process",
                    measured,
                    f"<= {limit} s",
                    _met(process is not None and process <= limit),
                ]
            )
    coords = by_label.get("preset a2c_64x64_coords.toml")
    if coords is not None:
        rows.append(every_seed_row(
            "a2c 64x64 raw coordinates preset (anywhere, random start), whole process", coords,
            COORDS_LIMIT))  # fmt: skip
    return rows


COORDS_LIMIT = 60
"""Seconds the raw-coordinates 64x64 training may take as a whole process, on every seed."""


def every_seed_row(what: str, summary: SolveSummary, limit: float) -> list[str]:
    """A target that every seed must meet: solved, and its whole process within ``limit``."""
    solved = summary.solved()
    seconds = [r.process_seconds for r in solved]
    if len(solved) == len(summary.results) > 0:
        measured = f"max {max(seconds):.1f} s (median {statistics.median(seconds):.1f} s)"
        return [what, measured, f"every seed <= {limit} s", _met(max(seconds) <= limit)]
    measured = f"{len(solved)}/{len(summary.results)} seeds solved"
    return [what, measured, f"every seed <= {limit} s", "no"]


PRESET_LIMITS = {
    "qtable_shelves_16x16.toml": ("q-table, 16x16 map, every pair, solved", None),
    "a2c_aisles_32x32.toml": ("a2c, 32x32 aisles, random start, solved", 20),
    "a2c_aisles_64x64.toml": ("a2c, 64x64 aisles, random start, solved", 40),
}
"""The shelf presets' targets: solved by most seeds, the median whole process of the seeds
within this many seconds (None: any)."""


def preset_targets(summaries: list[SolveSummary]) -> list[list[str]]:
    rows = []
    for summary in summaries:
        name = summary.label.removeprefix("preset ")
        if name not in PRESET_LIMITS:
            continue
        what, limit = PRESET_LIMITS[name]
        _, process = summary.medians()
        solved = f"{len(summary.solved())}/{len(summary.results)} seeds solved"
        measured = solved if process is None else f"{process:.1f} s (median; {solved})"
        wanted = "solved" if limit is None else f"solved, median <= {limit} s"
        ok = process is not None and (limit is None or process <= limit)
        rows.append([f"{what}, whole process", measured, wanted, _met(ok)])
    return rows


TANGRAM_PRESETS = {
    "maskable_ppo_tangram_square.toml": "maskable-ppo",
    "qtable_tangram_square.toml": "q-table",
}
"""The tangram square's presets and the algorithm each names."""
SOLVER_LIMIT = 0.1
"""Seconds the solver may take on a generated silhouette (median): "well under a second"."""
SQUARE_LIMIT = 120
"""Seconds a whole training process may take to solve the square."""
GENERALISATION = 0.9
"""Greedy success wanted on unseen generated silhouettes."""


def tangram_targets(
    count_median: float,
    total_median: float,
    presets: list[SolveSummary],
    generalisation: tuple[float, int] | None = None,
) -> list[list[str]]:
    """The solver's median seconds (counting alone, and with a fresh canvas: the target is
    checked on the latter); each square preset solved by every seed (its evaluation: 100
    greedy episodes all fill the square) and by every seed within :data:`SQUARE_LIMIT`; and,
    where a run was evaluated, its success rate over that many generated silhouettes."""
    rows = [
        ["tangram solver counts every assembly of a generated silhouette, cold (median)",
         f"{1000 * count_median:.2f} ms ({1000 * total_median:.2f} ms with a fresh canvas)",
         f"< {1000 * SOLVER_LIMIT:.0f} ms", _met(total_median < SOLVER_LIMIT)],
    ]  # fmt: skip
    for summary in presets:
        name = summary.label.removeprefix("preset ")
        what = f"tangram square, {TANGRAM_PRESETS.get(name, name)}"
        solved = summary.solved()
        every = len(solved) == len(summary.results) > 0
        rows.append([f"{what}: greedy success 100% over 100 episodes",
                     f"{len(solved)}/{len(summary.results)} seeds", "every seed",
                     _met(every)])  # fmt: skip
        seconds = [r.process_seconds for r in solved]
        measured = (
            f"max {max(seconds):.1f} s (median {statistics.median(seconds):.1f} s)"
            if seconds
            else "not solved"
        )
        rows.append([f"{what}: trained, whole process", measured,
                     f"every seed <= {SQUARE_LIMIT} s",
                     _met(every and max(seconds) <= SQUARE_LIMIT)])  # fmt: skip
    if generalisation is not None:
        rate, episodes = generalisation
        rows.append([f"tangram generalisation: greedy success on {episodes} unseen generated "
                     "silhouettes", f"{100 * rate:.1f}%", f">= {100 * GENERALISATION:.0f}%",
                     _met(rate >= GENERALISATION)])  # fmt: skip
    return rows


A2C_SPEED = 60_000
"""Training steps per second wanted of SB3 A2C on the batched warehouse at its best batch width,
alone on a quiet machine."""
SIDE_BY_SIDE = 1.3
"""Most a training may slow down with an identical one beside it (whole process seconds)."""


def speed_targets(
    found: list[Throughput], alone: SolveSummary | None, side: SolveSummary | None
) -> list[list[str]]:
    """A2C's best throughput alone; two trainings side by side, each against its seed alone."""
    rows = []
    best = best_width(found, "a2c")
    if best is not None:
        rate = statistics.median(best.alone)
        rows.append(["SB3 A2C on the batched warehouse at its best batch width (alone)",
                     f"{rate:,.0f} steps/s at n_envs {best.n_envs:,}",
                     f">= {A2C_SPEED:,} steps/s (quiet machine)",
                     _met(rate >= A2C_SPEED)])  # fmt: skip
    if alone is not None and side is not None:
        by_seed = {r.seed: r.process_seconds for r in alone.results}
        ratios = [r.process_seconds / by_seed[r.seed] for r in side.results]
        rows.append(["two trainings side by side, each within 1.3x of alone (whole process)",
                     f"max {max(ratios):.2f}x (median {statistics.median(ratios):.2f}x)",
                     f"each <= {SIDE_BY_SIDE}x", _met(max(ratios) <= SIDE_BY_SIDE)])  # fmt: skip
    return rows
