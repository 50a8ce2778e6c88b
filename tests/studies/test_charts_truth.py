"""The study's learning curves tell the truth: a run stopped by ``until_solved`` ends where it
stopped (no flat line to the end of the budget), and no curve starts at a false 100% success
(lanes that run side by side finish their short, successful episodes first: a failure runs to
the time limit)."""

import numpy as np

from rlgrid import runs
from rlgrid.runs import EpisodeRow, fair_start
from rlgrid.studies.charts import run_curve, sampled
from tests.studies.conftest import fake_run

LIMIT = 20


def lanes_run(folder, lanes=4, rounds=30, solved_at=None, timesteps=None):
    """``lanes`` lanes side by side: each lane's first episode fails at the time limit, while
    lane 0 keeps finishing 2-step successes from the start; later every lane succeeds in 5."""
    rows, number = [], 0
    for step in range(1, rounds * LIMIT + 1):
        ended = []
        if step <= LIMIT and step % 2 == 0:
            ended.append((2, True))  # lane 0: quick successes while the others wander
        if step == LIMIT:
            ended += [(LIMIT, False)] * (lanes - 1)
        if step > LIMIT and step % 5 == 0:
            ended += [(5, True)] * lanes
        for length, success in ended:
            rows.append(EpisodeRow(number, step * lanes, length, float(success), success, None,
                                   2, float(success)))  # fmt: skip
            number += 1
    end = timesteps if timesteps is not None else rows[-1].timesteps
    fake_run(folder, timesteps=end, solved_at=solved_at)
    (folder / runs.METRICS).write_text(runs.metrics_text(rows))
    return rows


def test_the_curve_starts_once_every_lane_could_have_failed(tmp_path):
    rows = lanes_run(tmp_path / "run")
    assert fair_start(rows) == 4 * LIMIT  # lanes read off the first episode (2 steps, at 8)
    curve = run_curve(tmp_path / "run")
    assert curve.steps[0] == 4 * LIMIT
    assert curve.values[0] < 1.0  # the failures that ended at the time limit count
    early = [row.success for row in rows if row.timesteps < 4 * LIMIT]
    assert early and all(early)  # what the old chart started with: a false 100%


def test_a_single_lane_whose_first_episode_failed_starts_below_one(tmp_path):
    folder = tmp_path / "run"
    rows = [EpisodeRow(0, 20, 20, 0.0, False, None, 3, 0.0)]
    rows += [EpisodeRow(i, 20 + 4 * i, 4, 1.0, True, None, 3, 1.0) for i in range(1, 10)]
    fake_run(folder, timesteps=60)
    (folder / runs.METRICS).write_text(runs.metrics_text(rows))
    curve = run_curve(folder)
    assert curve.steps[0] == 20
    assert curve.values[0] == 0.0


def test_a_run_stopped_by_until_solved_ends_at_its_stop(tmp_path):
    rows = lanes_run(tmp_path / "run", rounds=12, solved_at=1_000, timesteps=1_010)
    curve = run_curve(tmp_path / "run")
    assert curve.stopped
    assert curve.end == 1_010
    assert curve.steps[-1] == 1_010  # the last average held until the stop, not beyond
    assert curve.values[-1] == curve.values[-2]
    assert rows[-1].timesteps < 1_010
    points = np.array([0, 100, 1_010, 1_011, 50_000])  # 50,000: another run's budget
    assert np.isnan(sampled(curve, points)[[0, 3, 4]]).all()
    assert not np.isnan(sampled(curve, points)[[1, 2]]).any()


def test_a_run_without_episodes_has_no_curve(tmp_path):
    fake_run(tmp_path / "run", timesteps=40)
    assert run_curve(tmp_path / "run") is None
    (tmp_path / "run" / runs.METRICS).write_text(runs.metrics_text([]))
    assert run_curve(tmp_path / "run") is None
