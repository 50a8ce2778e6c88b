"""A study's charts: a panel of learning curves per floor and varied settings, a line per
algorithm and reward, and a bar per combination, each labelled with what it varies."""

import pytest
from PIL import Image

from rlgrid import runs
from rlgrid.runs import EpisodeRow
from rlgrid.studies.charts import (
    bar_label,
    line_label,
    panel_title,
    study_curves,
    time_to_solve_chart,
)
from rlgrid.studies.results import collect
from rlgrid.studies.spec import Combination, Study, StudySpec
from tests.studies.conftest import fake_run, metrics

TANGRAM = "env:rlgrid/Tangram-v0"


def test_labels_name_the_varied_values():
    varied = Combination("ppo", TANGRAM, "area", (("curriculum", "true"), ("preplaced", "2")))
    assert line_label(varied) == "ppo, area"
    assert line_label(Combination("ppo", "env:CartPole-v1", "default")) == "ppo"
    assert (
        panel_title(TANGRAM, varied.settings) == "rlgrid/Tangram-v0, curriculum=true, preplaced=2"
    )
    assert panel_title("aisles:8x8", ()) == "aisles:8x8"
    assert bar_label(varied) == "ppo rlgrid/Tangram-v0 area curriculum=true preplaced=2"
    assert bar_label(Combination("a2c", "env:CartPole-v1", "default")) == "a2c CartPole-v1"


def trained(study: Study, success: float, episodes: int = 40) -> None:
    """Every run of ``study`` completed, its metrics a success every ``1 / success`` episodes."""
    for job in study.spec.jobs():
        folder = study.runs_dir / job.name
        fake_run(folder, timesteps=episodes * 10, evaluation=metrics(success, None, solved=False))
        rows = [
            EpisodeRow(i, (i + 1) * 10, 10, 1.0, (i * success) % 1 < success, None, -1, 1.0)
            for i in range(episodes)
        ]
        (folder / runs.METRICS).write_text(runs.metrics_text(rows))


@pytest.mark.parametrize(
    ("vary", "size"),
    [
        ({}, (750, 280)),  # one floor, nothing varied: one panel, as before
        ({"curriculum": ["false", "true"]}, (750, 560)),  # a panel each, one above the other
        ({"curriculum": ["false", "true"], "preplaced": ["0", "2"]}, (1200, 560)),  # 2 x 2
    ],
)
def test_a_panel_per_floor_and_varied_settings(tmp_path, vary, size):
    spec = StudySpec(["maskable-ppo", "ppo"], [TANGRAM], ["sparse", "area"], 2, vary=vary)
    study = Study.create_or_open(tmp_path, "s", spec)
    trained(study, 0.5)
    study_curves(study, tmp_path / "curves.png")
    with Image.open(tmp_path / "curves.png") as image:
        assert image.size == size


def test_nine_panels_go_three_abreast(tmp_path):
    vary = {"window": ["1", "2", "3"], "preplaced": ["0", "1", "2"]}
    spec = StudySpec(["ppo"], [TANGRAM], ["sparse"], 1, vary=vary)
    study = Study.create_or_open(tmp_path, "s", spec)
    study_curves(study, tmp_path / "curves.png")  # no runs yet: each panel says so
    with Image.open(tmp_path / "curves.png") as image:
        assert image.size == (1800, 840)


def test_the_time_to_solve_chart_has_a_bar_per_combination(tmp_path):
    vary = {"curriculum": ["false", "true"]}
    spec = StudySpec(["ppo"], [TANGRAM], ["sparse", "area"], 1, vary=vary)
    study = Study.create_or_open(tmp_path, "s", spec)
    trained(study, 1.0)
    time_to_solve_chart(study, collect(study), tmp_path / "solve.png")
    with Image.open(tmp_path / "solve.png") as image:
        assert image.size == (750, round((0.45 * 4 + 1.2) * 100))
