import json

import pytest

from rlgrid.errors import InvalidValueError, RlgridError
from rlgrid.studies.spec import STUDY_FILE, Job, Study, StudySpec
from tests.studies.conftest import fake_run


def test_default_name_spells_out_the_settings():
    spec = StudySpec(["a2c", "ppo"], ["6x6", "aisles:32x32"], ["sparse", "offset+potential"], 3)
    assert spec.default_name() == (
        "compare_a2c-ppo_6x6-aisles-32x32_sparse-offset-potential_3seeds"
    )
    budget = StudySpec(["a2c"], ["6x6"], ["sparse"], 1, timesteps=5000, until_solved=True)
    assert budget.default_name() == "compare_a2c_6x6_sparse_1seeds_5000_until-solved"


def test_one_job_per_combination_and_seed_in_order():
    spec = StudySpec(["a2c", "q-table"], ["4x4", "5x5"], ["sparse"], 2)
    assert spec.combinations() == [
        ("a2c", "4x4", "sparse"),
        ("a2c", "5x5", "sparse"),
        ("q-table", "4x4", "sparse"),
        ("q-table", "5x5", "sparse"),
    ]
    jobs = spec.jobs()
    assert len(jobs) == 8
    assert jobs[:2] == [Job("a2c", "4x4", "sparse", 0), Job("a2c", "4x4", "sparse", 1)]
    assert jobs[1].combination == ("a2c", "4x4", "sparse")


def test_job_names_and_train_arguments():
    job = Job("ppo", "aisles:16x16", "offset+potential", 2)
    assert job.name == "ppo_aisles-16x16_offset-potential_seed2"
    assert Job("a2c", "map:/maps/shelves.txt", "sparse", 0).name == "a2c_map-shelves_sparse_seed0"
    plain = StudySpec(["ppo"], ["aisles:16x16"], ["offset+potential"], 3)
    assert job.train_args(plain) == [
        "train", "--algo", "ppo", "--layout", "aisles:16x16", "--reward", "offset+potential",
        "--seed", "2", "--threads", "1",
    ]  # fmt: skip
    budget = StudySpec(["ppo"], ["aisles:16x16"], ["sparse"], 3, 9000, until_solved=True)
    assert job.train_args(budget)[-3:] == ["--timesteps", "9000", "--until-solved"]
    assert Job("a2c", "6x6", "sparse", 0).train_args(plain)[3:5] == ["--grid", "6x6"]


def test_a_study_folder_is_created_then_reopened_with_the_same_settings(tmp_path):
    spec = StudySpec(["a2c"], ["4x4"], ["sparse"], 2, 100)
    study = Study.create_or_open(tmp_path, "s", spec)
    assert study.folder == tmp_path / "s" and study.runs_dir.is_dir()
    saved = json.loads((tmp_path / "s" / STUDY_FILE).read_text())
    assert saved == {
        "spec": {"algos": ["a2c"], "grids": ["4x4"], "rewards": ["sparse"], "seeds": 2,
                 "timesteps": 100, "until_solved": False, "config": None},
        "failures": {},
    }  # fmt: skip
    study.failures["a2c_4x4_sparse_seed1"] = "boom"
    study.save()
    again = Study.create_or_open(tmp_path, "s", StudySpec(["a2c"], ["4x4"], ["sparse"], 2, 100))
    assert again.failures == {"a2c_4x4_sparse_seed1": "boom"}
    assert Study.open(tmp_path / "s") == again


def test_other_settings_under_the_same_name_are_refused(tmp_path):
    Study.create_or_open(tmp_path, "s", StudySpec(["a2c"], ["4x4"], ["sparse"], 1))
    with pytest.raises(InvalidValueError, match="other settings; use another name"):
        Study.create_or_open(tmp_path, "s", StudySpec(["ppo"], ["4x4"], ["sparse"], 1))


def test_bad_names_and_bad_study_files(tmp_path):
    spec = StudySpec(["a2c"], ["4x4"], ["sparse"], 1)
    with pytest.raises(RlgridError):
        Study.create_or_open(tmp_path, "a/b", spec)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / STUDY_FILE).write_text('{"spec": {"algos": ["a2c"]}}')
    with pytest.raises(RlgridError, match="is not a study file"):
        Study.open(tmp_path / "x")


def test_pending_jobs_are_those_not_completed(tmp_path):
    spec = StudySpec(["a2c"], ["4x4"], ["sparse"], 3)
    study = Study.create_or_open(tmp_path, "s", spec)
    first, second, third = spec.jobs()
    fake_run(study.runs_dir / first.name, status="completed")
    fake_run(study.runs_dir / second.name, status="interrupted")
    assert study.status(first) == "completed"
    assert study.status(second) == "interrupted"
    assert study.status(third) is None
    assert study.pending_jobs() == [second, third]


def test_a_study_of_other_envs_trains_each_with_its_own_reward_and_the_preset():
    spec = StudySpec(["ppo"], ["env:MiniGrid-Empty-8x8-v0", "env:rlgrid/Warehouse-v0"],
                     ["default"], 1, config="/presets/p.toml")  # fmt: skip
    jobs = spec.jobs()
    assert [job.name for job in jobs] == [
        "ppo_MiniGrid-Empty-8x8-v0_default_seed0",
        "ppo_rlgrid-Warehouse-v0_default_seed0",
    ]
    assert jobs[0].train_args(spec) == [
        "train", "--algo", "ppo", "--env", "MiniGrid-Empty-8x8-v0", "--seed", "0",
        "--threads", "1", "--config", "/presets/p.toml",
    ]  # fmt: skip
    assert spec.default_name().endswith("_default_1seeds_p")


def test_a_warehouse_study_names_its_reward():
    spec = StudySpec(["a2c"], ["6x6"], ["potential"], 1)
    assert spec.jobs()[0].train_args(spec)[5:7] == ["--reward", "potential"]
