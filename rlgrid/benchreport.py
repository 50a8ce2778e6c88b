"""Running ``rlgrid bench`` and reporting it: rich tables on screen, JSON and Markdown on disk,
and each of the issue's targets checked against what was measured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from rlgrid import bench, runs
from rlgrid.envs.layout import GridSize


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def _markdown(title: str, columns: list[str], rows: list[list[str]]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(columns) + " |"]
    lines.append("|" + "---|" * len(columns))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def run_bench(
    grid: GridSize,
    repeats: int,
    algos: list[str],
    grids: list[GridSize],
    rewards: list[str],
    seeds: int,
    budget: int,
    reference_budget: int,
    parts: set[str],
    out: Path,
    presets: list[Path] | None = None,
) -> Path:
    console = Console(width=120)
    folder = runs.create_run(out, "bench", numbered=True)
    report: dict[str, Any] = {"grid": str(grid), "repeats": repeats}
    sections: list[tuple[str, list[str], list[list[str]]]] = []
    targets: list[list[str]] = []

    if "env" in parts:
        with console.status("measuring env throughput"):
            measures = bench.env_throughput(grid, repeats, seconds=0.3)
            sb3 = bench.sb3_throughput(grid, steps=4000, repeats=max(1, min(repeats, 3)))
        seed_rate = measures[0].median
        rows = [
            [
                m.name,
                f"{m.median:,.0f}",
                f"{min(m.values):,.0f}-{max(m.values):,.0f}",
                f"{m.median / seed_rate:,.1f}x",
            ]
            for m in measures
        ]
        sections.append(
            (
                f"env throughput on {grid}, random actions (median of {repeats})",
                ["env", "steps/s", "range", "vs seed env"],
                rows,
            )
        )
        sb3_rows = [[m.name, f"{m.median:,.0f}", f"{m.median / sb3[0].median:,.1f}x"] for m in sb3]
        sections.append(
            (
                f"SB3 A2C training throughput on {grid}",
                ["setup", "steps/s", "vs seed env"],
                sb3_rows,
            )
        )
        biggest = measures[-1].median
        targets.append(["batched env at N=16384", f"{biggest / 1e6:,.1f}M steps/s",
                        ">= 100M steps/s", _met(biggest >= 100e6)])  # fmt: skip
        ratio = sb3[1].median / sb3[0].median
        targets.append(["SB3 A2C on batched x16 vs one seed env", f"{ratio:.1f}x", ">= 12x",
                        _met(ratio >= 12)])  # fmt: skip
        report["env"] = [m.__dict__ for m in measures]
        report["sb3"] = [m.__dict__ for m in sb3]

    if "solve" in parts:
        summaries: list[bench.SolveSummary] = []
        reference = bench.SolveSummary("reference: SB3 A2C defaults on the seed env, 10x10")
        with console.status("timing the reference") as status:
            for seed in range(seeds):
                status.update(f"reference, seed {seed}")
                reference.results.append(
                    bench.reference_solve(GridSize(10, 10), seed, reference_budget, 3600)
                )
        summaries.append(reference)
        with console.status("timing rlgrid") as status:
            for algo in algos:
                for size in grids:
                    for reward in rewards:
                        summary = bench.SolveSummary(f"rlgrid {algo} {size} {reward}")
                        for seed in range(seeds):
                            status.update(f"{summary.label}, seed {seed}")
                            summary.results.append(
                                bench.rlgrid_solve(algo, size, reward, seed, budget, 3600)
                            )
                        summaries.append(summary)
            if "a2c" in algos and GridSize(64, 64) in grids:  # the raw-coordinates preset
                summary = bench.SolveSummary("rlgrid a2c 64x64 default coords")
                for seed in range(seeds):
                    status.update(f"{summary.label}, seed {seed}")
                    summary.results.append(
                        bench.rlgrid_solve(
                            "a2c", GridSize(64, 64), "default", seed, budget * 5, 3600, "coords"
                        )
                    )
                summaries.append(summary)
        columns = ["combination", "solved", "steps", "train s", "process s"]
        rows = [list(s.row().values()) for s in summaries]
        sections.append(
            (
                f"time to solve (median, min-max over {seeds} seeds; budget {budget:,} steps, "
                f"reference {reference_budget:,})",
                columns,
                rows,
            )
        )
        targets += _solve_targets(reference, summaries)
        report["solve"] = [
            {"label": s.label, "runs": [r.__dict__ for r in s.results]} for s in summaries
        ]

    if "presets" in parts:
        summaries = []
        with console.status("timing presets") as status:
            for preset in presets or []:
                summary = bench.SolveSummary(f"preset {preset.name}")
                for seed in range(seeds):
                    status.update(f"{summary.label}, seed {seed}")
                    summary.results.append(bench.preset_solve(preset, seed, 3600))
                summaries.append(summary)
        sections.append(
            (
                f"presets as whole processes (median, min-max over {seeds} seeds)",
                ["combination", "solved", "steps", "train s", "process s"],
                [list(s.row().values()) for s in summaries],
            )
        )
        targets += _preset_targets(summaries)
        report["presets"] = [
            {"label": s.label, "runs": [r.__dict__ for r in s.results]} for s in summaries
        ]

    if targets:
        sections.append(("targets", ["target", "measured", "wanted", "met"], targets))
    markdown = ""
    for title, columns, rows in sections:
        console.print(_table(title, columns, rows))
        markdown += _markdown(title, columns, rows) + "\n"
    report["targets"] = targets
    runs.write_json(folder / "bench.json", report)
    runs.write_atomic(folder / "bench.md", markdown)
    console.print(f"results: {folder}/bench.json, {folder}/bench.md", soft_wrap=True)
    return folder


def _met(ok: bool) -> str:
    return "yes" if ok else "no"


def _solve_targets(
    reference: bench.SolveSummary, summaries: list[bench.SolveSummary]
) -> list[list[str]]:
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
    limits = (
        ("rlgrid a2c 64x64 default", 10),
        ("rlgrid a2c 256x256 default", 60),
        ("rlgrid a2c 64x64 default coords", 60),
    )
    for label, limit in limits:
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
    return rows


PRESET_LIMITS = {
    "qtable_shelves_16x16.toml": ("q-table, 16x16 map, every pair optimal", None),
    "a2c_aisles_32x32.toml": ("a2c, 32x32 aisles, random start, solved", 300),
    "a2c_aisles_64x64.toml": ("a2c, 64x64 aisles, random start, solved", 1200),
}
"""The shelf presets' targets: solved by most seeds, within this many seconds (None: any)."""


def _preset_targets(summaries: list[bench.SolveSummary]) -> list[list[str]]:
    rows = []
    for summary in summaries:
        name = summary.label.removeprefix("preset ")
        if name not in PRESET_LIMITS:
            continue
        what, limit = PRESET_LIMITS[name]
        _, process = summary.medians()
        measured = "not solved" if process is None else f"{process:.1f} s"
        wanted = "solved" if limit is None else f"solved, <= {limit} s"
        ok = process is not None and (limit is None or process <= limit)
        rows.append([f"{what}, whole process", measured, wanted, _met(ok)])
    return rows
