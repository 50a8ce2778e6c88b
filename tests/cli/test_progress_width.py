"""The training progress line stays whole at any terminal width: the percentage, the time spent
and the time left always show (rich's own columns turned them into an ellipsis at 80 to 100
columns); the bar shrinks and the statistics give way, least useful first."""

import io

import pytest
from rich.console import Console

from rlgrid.cli.progress import RichReporter, clock, fit, statistics

STATS = {"timesteps": 12_300, "length": 12.34, "return": 0.45, "success": 0.5}


def drawn(width: int, stats: dict = STATS) -> str:
    """The progress line at 12% of 100,000 steps after 12 s, as a terminal ``width`` wide
    shows it."""
    out = Console(width=width, file=io.StringIO(), color_system=None)
    reporter = RichReporter(out)
    reporter.start(100_000, "steps", 0)
    reporter.started -= 12.0
    reporter.update(12_300, stats)
    out.print(reporter.progress.get_renderable())
    reporter.stop()
    return out.file.getvalue().strip("\n").splitlines()[-1]


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_the_percentage_and_eta_stay_whole(width):
    line = drawn(width)
    assert len(line) <= width
    assert "12%" in line
    assert "eta 0:01:" in line  # 87,700 steps at about 1,000 a second
    assert "0:00:12" in line
    assert "…" not in line and "..." not in line


def test_statistics_give_way_least_useful_first():
    assert "success 50% (last 100)" in drawn(80)
    assert "steps/s" not in drawn(80)
    wide = drawn(120)
    assert "success 50%  return 0.45  len 12.3 (last 100)  1,025 steps/s" in wide
    assert "success" not in drawn(100, {**STATS, "success": float("nan")})  # not known


def test_the_bar_shrinks_to_its_minimum_before_anything_is_left_out():
    head = "12% 0:00:12 eta 0:01:27"
    parts = statistics(1000.0, STATS)
    bar, line = fit(80, head, parts)
    assert 10 <= bar <= 40
    assert len("training") + 1 + bar + 1 + len(line) <= 80
    assert fit(200, head, parts)[0] == 40


def test_times_read_as_rich_writes_them():
    assert clock(12.4) == "0:00:12"
    assert clock(3725) == "1:02:05"
    assert clock(None) == clock(float("inf")) == "-:--:--"
