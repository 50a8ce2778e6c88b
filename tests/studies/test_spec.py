import json

import pytest

from rlgrid import runs
from rlgrid.errors import InvalidValueError, RlgridError
from rlgrid.studies.spec import STUDY_FILE, Combination, Job, Study, StudySpec
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
        Combination("a2c", "4x4", "sparse"),
        Combination("a2c", "5x5", "sparse"),
        Combination("q-table", "4x4", "sparse"),
        Combination("q-table", "5x5", "sparse"),
    ]
    jobs = spec.jobs()
    assert len(jobs) == 8
    assert jobs[:2] == [Job("a2c", "4x4", "sparse", 0), Job("a2c", "4x4", "sparse", 1)]
    assert jobs[1].combination == Combination("a2c", "4x4", "sparse", ())


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
                 "timesteps": 100, "until_solved": False, "config": None, "vary": {}},
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


# --- varied env settings --------------------------------------------------------------------

TANGRAM = StudySpec(["maskable-ppo", "ppo"], ["env:rlgrid/Tangram-v0"], ["sparse", "area"], 2,
                    timesteps=30000, vary={"curriculum": ["false", "true"]})  # fmt: skip


def test_varied_settings_multiply_the_combinations_in_order():
    combinations = TANGRAM.combinations()
    assert len(combinations) == 8 and len(TANGRAM.jobs()) == 16
    assert combinations[:3] == [
        Combination("maskable-ppo", "env:rlgrid/Tangram-v0", "sparse", (("curriculum", "false"),)),
        Combination("maskable-ppo", "env:rlgrid/Tangram-v0", "sparse", (("curriculum", "true"),)),
        Combination("maskable-ppo", "env:rlgrid/Tangram-v0", "area", (("curriculum", "false"),)),
    ]
    two = StudySpec(["a2c"], ["4x4"], ["sparse"], 1, vary={"obs": ["offset", "onehot"],
                                                           "max_steps": ["50", "100"]})  # fmt: skip
    assert two.settings() == [
        (("obs", "offset"), ("max_steps", "50")),
        (("obs", "offset"), ("max_steps", "100")),
        (("obs", "onehot"), ("max_steps", "50")),
        (("obs", "onehot"), ("max_steps", "100")),
    ]
    assert StudySpec(["a2c"], ["4x4"], ["sparse"], 1).settings() == [()]


def test_varied_settings_name_the_study_and_its_runs():
    assert TANGRAM.default_name() == (
        "compare_maskable-ppo-ppo_rlgrid-Tangram-v0_sparse-area_curriculum-false-true_2seeds_30000"
    )
    names = [job.name for job in TANGRAM.jobs()]
    assert names[:3] == [
        "maskable-ppo_rlgrid-Tangram-v0_sparse_curriculum-false_seed0",
        "maskable-ppo_rlgrid-Tangram-v0_sparse_curriculum-false_seed1",
        "maskable-ppo_rlgrid-Tangram-v0_sparse_curriculum-true_seed0",
    ]
    assert len(set(names)) == len(names)
    settings = (("silhouettes", "random:20"), ("canvas", "[8, 8]"), ("x", "/s/shapes.txt"))
    odd = Job("ppo", "env:rlgrid/Tangram-v0", "area", 0, settings)
    assert odd.name == (
        "ppo_rlgrid-Tangram-v0_area_silhouettes-random-20_canvas-8-8_x-shapes_seed0"
    )
    runs.check_name(odd.name)


def test_each_run_gets_its_values_as_env_kwargs():
    job = TANGRAM.jobs()[6]
    assert job == Job("maskable-ppo", "env:rlgrid/Tangram-v0", "area", 0, (("curriculum", "true"),))
    assert job.train_args(TANGRAM) == [
        "train", "--algo", "maskable-ppo", "--env", "rlgrid/Tangram-v0", "--reward", "area",
        "--seed", "0", "--threads", "1", "--env-kwargs", "curriculum=true",
        "--timesteps", "30000",
    ]  # fmt: skip
    assert job.config_keys(TANGRAM) == {
        "algo": "maskable-ppo", "env.id": "rlgrid/Tangram-v0", "env.reward": "area",
        "env.kwargs": {"curriculum": True}, "seed": 0, "threads": 1, "timesteps": 30000,
        "until_solved": None,
    }  # fmt: skip


def test_a_job_config_is_what_its_train_command_builds():
    """The config keys the study checks are those ``rlgrid train`` gets from the job's flags."""
    from rlgrid.config import build_config

    warehouse = StudySpec(["a2c"], ["aisles:8x8"], ["potential"], 1, 5000,
                          vary={"obs": ["onehot"]})  # fmt: skip
    config = build_config(None, warehouse.jobs()[0].config_keys(warehouse), {})
    assert (config.algo, config.timesteps, config.seed) == ("a2c", 5000, 0)
    assert (config.env.layout, config.env.reward, config.env.obs) == (
        "aisles:8x8", "potential", "onehot",
    )  # fmt: skip
    tangram = build_config(None, TANGRAM.jobs()[6].config_keys(TANGRAM), {})
    assert (tangram.env.reward, tangram.env.curriculum) == ("area", True)


def test_a_study_file_without_varied_settings_still_opens(tmp_path):
    """Study files written before ``vary`` existed: no such axis, the same run names."""
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / STUDY_FILE).write_text(json.dumps({
        "spec": {"algos": ["a2c"], "grids": ["4x4"], "rewards": ["sparse"], "seeds": 2,
                 "timesteps": 100, "until_solved": False, "config": None},
        "failures": {"a2c_4x4_sparse_seed1": "boom"},
    }))  # fmt: skip
    study = Study.open(folder)
    assert study.spec.vary == {}
    assert [job.name for job in study.spec.jobs()] == [
        "a2c_4x4_sparse_seed0",
        "a2c_4x4_sparse_seed1",
    ]
    same = StudySpec(["a2c"], ["4x4"], ["sparse"], 2, 100)
    assert Study.create_or_open(tmp_path, "old", same).failures == {"a2c_4x4_sparse_seed1": "boom"}


def test_a_study_with_varied_settings_is_saved_and_resumed(tmp_path):
    study = Study.create_or_open(tmp_path, "t", TANGRAM)
    saved = json.loads((tmp_path / "t" / STUDY_FILE).read_text())
    assert saved["spec"]["vary"] == {"curriculum": ["false", "true"]}
    assert Study.open(tmp_path / "t").spec == TANGRAM
    assert Study.create_or_open(tmp_path, "t", TANGRAM).spec.jobs() == study.spec.jobs()
    other = StudySpec(TANGRAM.algos, TANGRAM.grids, TANGRAM.rewards, 2, 30000,
                      vary={"curriculum": ["true", "false"]})  # fmt: skip
    with pytest.raises(InvalidValueError, match="other settings"):
        Study.create_or_open(tmp_path, "t", other)


def test_the_order_of_the_varied_keys_is_part_of_the_settings(tmp_path):
    """It orders the parts of the run names: the same keys in another order are another study."""
    first = StudySpec(["a2c"], ["4x4"], ["sparse"], 1, vary={"obs": ["onehot"], "window": ["2"]})
    swapped = StudySpec(["a2c"], ["4x4"], ["sparse"], 1,
                        vary={"window": ["2"], "obs": ["onehot"]})  # fmt: skip
    assert first == swapped  # dicts compare without their order
    Study.create_or_open(tmp_path, "s", first)
    with pytest.raises(InvalidValueError, match="other settings"):
        Study.create_or_open(tmp_path, "s", swapped)
