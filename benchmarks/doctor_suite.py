"""Does ``rlgrid doctor`` name what is wrong, and does its fix work? For each broken config in
``configs/broken/`` (the seed's failures and the classic mistakes): what the doctor names, then a
whole ``rlgrid train`` process before (the config as it is) and after (the doctor's ``try``
command: every fix applied), each with its own temporary runs folder. Prints a markdown table.

    python benchmarks/doctor_suite.py [--only NAME[,NAME...]] [--seeds N]

Runs one training at a time (torch on one thread, rlgrid's default); the whole suite took 8 minutes
here with one seed. Before runs are capped by each config's budget (at most about 90 s here).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "configs" / "broken"
RLGRID = str(Path(sys.executable).with_name("rlgrid"))


@dataclass(frozen=True)
class Outcome:
    """One ``rlgrid train`` process: refused (no run folder), or its run's result."""

    refused: bool
    solved: bool = False
    success: float = 0.0
    steps: int = 0
    seconds: float = 0.0


def doctor(config: Path) -> dict:
    """``rlgrid doctor --config CONFIG --json`` (exit 1 is a diagnosis, not a failure)."""
    done = subprocess.run(
        [RLGRID, "doctor", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"rlgrid doctor failed on {config}:\n{done.stderr}")
    return json.loads(done.stdout)


def train(command: list[str], runs_dir: Path, seed: int) -> Outcome:
    """Run ``command`` (an ``rlgrid train ...``) into ``runs_dir`` and read its run folder."""
    started = time.perf_counter()
    done = subprocess.run(
        [RLGRID, *command[1:], "--runs-dir", str(runs_dir), "--seed", str(seed)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    folders = [path for path in runs_dir.iterdir() if path.is_dir()] if runs_dir.exists() else []
    if not folders:
        if done.returncode == 0:
            raise SystemExit(f"{shlex.join(command)} wrote no run folder:\n{done.stdout}")
        return Outcome(refused=True, seconds=seconds)
    run = folders[0]
    manifest = json.loads((run / "manifest.json").read_text())
    evaluation = json.loads((run / "eval.json").read_text())
    solved_at = manifest.get("solved_at")
    return Outcome(
        refused=False,
        solved=bool(evaluation.get("solved")),
        success=float(evaluation["result"]["success_rate"]),
        steps=int(solved_at["timesteps"] if solved_at else manifest["timesteps"]),
        seconds=seconds,
    )


def named(diagnosis: dict) -> str:
    """The errors and warnings the doctor names: ``check`` (severity): the first clause."""
    return (
        "<br>".join(
            f"{finding['check']} ({finding['severity']}): {finding['what'].split(':')[0]}"
            for finding in diagnosis["findings"]
            if finding["severity"] != "note"
        )
        or "nothing"
    )


def fix_flags(command: list[str] | None, config: Path) -> str:
    """The flags the ``try`` command adds to ``rlgrid train --config CONFIG``."""
    if command is None:
        return "none"
    flags = command[2:]
    if flags[:2] == ["--config", str(config)]:
        flags = flags[2:]
    return f"`{shlex.join(flags)}`" if flags else "none"


def summary(outcomes: list[Outcome]) -> list[str]:
    """Solved (k/N), success %, steps and seconds (medians over seeds)."""
    if all(outcome.refused for outcome in outcomes):
        return ["refused", "", "", f"{statistics.median(o.seconds for o in outcomes):.1f}"]
    ran = [outcome for outcome in outcomes if not outcome.refused]
    solved = sum(outcome.solved for outcome in ran)
    steps = statistics.median(outcome.steps for outcome in ran)
    return [
        f"{solved}/{len(outcomes)}" if len(outcomes) > 1 else ("yes" if solved else "no"),
        f"{statistics.median(outcome.success for outcome in ran):.1%}",
        f"{steps:,.0f}",
        f"{statistics.median(outcome.seconds for outcome in ran):.1f}",
    ]


def measure(config: Path, seeds: int, scratch: Path) -> list[str]:
    """One table row: the diagnosis, then every seed before and after."""
    diagnosis = doctor(config)
    fix = shlex.split(diagnosis["try"]) if diagnosis.get("try") else None
    before_command = ["rlgrid", "train", "--config", str(config)]
    before, after = [], []
    for seed in range(seeds):
        before.append(train(before_command, scratch / f"{config.stem}-before-{seed}", seed))
        print(f"  {config.stem} seed {seed} before: {before[-1]}", file=sys.stderr)
        if fix is not None:
            after.append(train(fix, scratch / f"{config.stem}-after-{seed}", seed))
            print(f"  {config.stem} seed {seed} after: {after[-1]}", file=sys.stderr)
    after_cells = summary(after) if after else ["", "", "", ""]
    return [
        f"`{config.stem}`",
        named(diagnosis),
        fix_flags(fix, config),
        *summary(before),
        *after_cells,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="config names (file stems), comma-separated")
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0 to N-1 (default 1)")
    args = parser.parse_args()
    configs = sorted(path.relative_to(ROOT) for path in BROKEN.glob("*.toml"))
    if args.only:
        wanted = {name.strip().removesuffix(".toml") for name in args.only.split(",")}
        unknown = wanted - {config.stem for config in configs}
        if unknown:
            known = ", ".join(config.stem for config in configs)
            raise SystemExit(f"unknown config {sorted(unknown)[0]!r} (known: {known})")
        configs = [config for config in configs if config.stem in wanted]
    header = ["config", "doctor names", "fix", "before: solved", "success", "steps", "s",
              "after: solved", "success", "steps", "s"]  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="doctor_suite_") as scratch:
        for config in configs:
            rows.append(measure(config, args.seeds, Path(scratch)))
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
