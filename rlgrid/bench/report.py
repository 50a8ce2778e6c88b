"""A whole ``rlgrid bench`` run: the measures and timings of the parts asked for, as tables of
rows (:class:`Section`), with the issue's targets checked (:mod:`.targets`), and ``bench.json``
and ``bench.md`` written to a new run folder. Nothing is printed here: the CLI shows the sections
and reports progress through the ``progress`` callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlgrid import runs
from rlgrid.bench import measures, solving, speed_part, tangram_part
from rlgrid.bench.section import Section
from rlgrid.bench.solving import SolveSummary
from rlgrid.bench.speed_part import SpeedSetup
from rlgrid.bench.tangram_part import TangramSetup
from rlgrid.bench.targets import TARGET_COLUMNS, env_targets, preset_targets, solve_targets
from rlgrid.envs.grid import GridSize

Progress = Callable[[str], None]
"""Told what is being measured now (``reference, seed 0``), for a spinner."""

PARTS = ("env", "solve", "presets", "tangram", "speed")
SOLVE_COLUMNS = ["combination", "solved", "steps", "train s", "process s"]
COORDS_PRESET = Path("configs/a2c_64x64_coords.toml")
"""The raw-coordinates 64x64 preset, timed by the solve part where a2c on 64x64 is asked for
(from rlgrid's folder, where the preset is)."""
TIMEOUT = 3600
"""Seconds each training process may take."""


@dataclass(frozen=True)
class BenchReport:
    """What a bench run found: its tables (the targets last), and where they were written."""

    folder: Path
    sections: list[Section]
    data: dict[str, Any]
    """The contents of ``bench.json``."""

    @property
    def files(self) -> list[Path]:
        return [self.folder / "bench.json", self.folder / "bench.md"]


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
    progress: Progress | None = None,
    tangram: TangramSetup | None = None,
    speed: SpeedSetup | None = None,
) -> BenchReport:
    """Measure ``parts`` (env, solve, presets, tangram: ``tangram`` says what, default
    :class:`TangramSetup`; speed: ``speed`` says what, default :class:`SpeedSetup`), then write
    ``bench.json`` and ``bench.md`` to a new numbered folder ``bench`` in ``out`` (made first,
    so a bad ``out`` fails at once)."""
    tell = progress or (lambda text: None)
    folder = runs.create_run(out, "bench", numbered=True)
    data: dict[str, Any] = {"grid": str(grid), "repeats": repeats}
    sections: list[Section] = []
    targets: list[list[str]] = []

    if "env" in parts:
        tell("measuring env throughput")
        env = measures.env_throughput(grid, repeats, seconds=0.3)
        sb3 = measures.sb3_throughput(grid, steps=4000, repeats=max(1, min(repeats, 3)))
        sections += env_sections(grid, repeats, env, sb3)
        targets += env_targets(env, sb3)
        data["env"] = [m.__dict__ for m in env]
        data["sb3"] = [m.__dict__ for m in sb3]

    if "solve" in parts:
        summaries = time_solving(algos, grids, rewards, seeds, budget, reference_budget, tell)
        title = (
            f"time to solve (median, min-max over {seeds} seeds; budget {budget:,} steps, "
            f"reference {reference_budget:,})"
        )
        sections.append(solve_section(title, summaries))
        targets += solve_targets(summaries[0], summaries)
        data["solve"] = [s.data() for s in summaries]

    if "presets" in parts:
        tell("timing presets")
        summaries = solving.time_presets(presets or [], seeds, TIMEOUT, tell)
        title = f"presets as whole processes (median, min-max over {seeds} seeds)"
        sections.append(solve_section(title, summaries))
        targets += preset_targets(summaries)
        data["presets"] = [s.data() for s in summaries]

    if "tangram" in parts:
        part = tangram_part.measure(tangram or TangramSetup(), seeds, TIMEOUT, tell)
        sections += part.sections
        targets += part.targets
        data["tangram"] = part.data

    if "speed" in parts:
        part = speed_part.measure(speed or SpeedSetup(), repeats, seeds, TIMEOUT, tell)
        sections += part.sections
        targets += part.targets
        data["speed"] = part.data

    if targets:
        sections.append(Section("targets", TARGET_COLUMNS, targets))
    data["targets"] = targets
    runs.write_json(folder / "bench.json", data)
    runs.write_atomic(folder / "bench.md", markdown(sections))
    return BenchReport(folder, sections, data)


def markdown(sections: list[Section]) -> str:
    """``bench.md``: each section as a Markdown table under a heading."""
    return "".join(section.markdown() + "\n" for section in sections)


def env_sections(
    grid: GridSize, repeats: int, env: list[measures.Measure], sb3: list[measures.Measure]
) -> list[Section]:
    """The env throughput and SB3 throughput tables, each against its first (seed env) measure."""
    seed_rate = env[0].median
    rows = [
        [
            m.name,
            f"{m.median:,.0f}",
            f"{min(m.values):,.0f}-{max(m.values):,.0f}",
            f"{m.median / seed_rate:,.1f}x",
        ]
        for m in env
    ]
    sb3_rows = [[m.name, f"{m.median:,.0f}", f"{m.median / sb3[0].median:,.1f}x"] for m in sb3]
    return [
        Section(
            f"env throughput on {grid}, random actions (median of {repeats})",
            ["env", "steps/s", "range", "vs seed env"],
            rows,
        ),
        Section(
            f"SB3 A2C training throughput on {grid}", ["setup", "steps/s", "vs seed env"], sb3_rows
        ),
    ]


def time_solving(
    algos: list[str],
    grids: list[GridSize],
    rewards: list[str],
    seeds: int,
    budget: int,
    reference_budget: int,
    tell: Progress,
) -> list[SolveSummary]:
    """The reference on 10x10 (first), then rlgrid on every combination, ``seeds`` seeds each,
    and the raw-coordinates 64x64 preset (:data:`COORDS_PRESET`) where a2c on 64x64 is asked
    for."""
    tell("timing the reference")
    reference = SolveSummary("reference: SB3 A2C defaults on the seed env, 10x10")
    for seed in range(seeds):
        tell(f"reference, seed {seed}")
        reference.results.append(
            solving.reference_solve(GridSize(10, 10), seed, reference_budget, TIMEOUT)
        )
    summaries = [reference]
    tell("timing rlgrid")
    for algo in algos:
        for size in grids:
            for reward in rewards:
                summary = SolveSummary(f"rlgrid {algo} {size} {reward}")
                for seed in range(seeds):
                    tell(f"{summary.label}, seed {seed}")
                    summary.results.append(
                        solving.rlgrid_solve(algo, size, reward, seed, budget, TIMEOUT)
                    )
                summaries.append(summary)
    if "a2c" in algos and GridSize(64, 64) in grids and COORDS_PRESET.is_file():
        summary = SolveSummary(f"preset {COORDS_PRESET.name}")
        for seed in range(seeds):
            tell(f"{summary.label}, seed {seed}")
            summary.results.append(solving.preset_solve(COORDS_PRESET, seed, TIMEOUT))
        summaries.append(summary)
    return summaries


def solve_section(title: str, summaries: list[SolveSummary]) -> Section:
    return Section(title, SOLVE_COLUMNS, [list(s.row().values()) for s in summaries])
