"""How fast does ``rlgrid --help`` start? Medians of repeated runs, against references measured
in the same run: a bare Python start and ``import torch`` (what --help must not load).

    python benchmarks/startup.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

RLGRID = str(Path(sys.executable).with_name("rlgrid"))

CASES = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "rlgrid --help": [RLGRID, "--help"],
    "rlgrid --version": [RLGRID, "--version"],
    "python -c 'import torch' (what --help avoids)": [sys.executable, "-c", "import torch"],
}


def median_seconds(command: list[str], repeats: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    results = {name: median_seconds(cmd, args.repeats) for name, cmd in CASES.items()}
    floor = results["python -c pass (floor)"][0]
    table = Table(title=f"start-up time, {args.repeats} runs each")
    for column in ("command", "median s", "min s", "max s", "x python floor"):
        table.add_column(column, justify="left" if column == "command" else "right")
    for name, (median, low, high) in results.items():
        table.add_row(name, f"{median:.3f}", f"{low:.3f}", f"{high:.3f}", f"{median / floor:.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()
