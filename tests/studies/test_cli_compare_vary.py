"""``rlgrid compare --vary KEY=V1,V2``: env settings as one more axis of a study, as users see it
(the tangram's algorithm x curriculum x reward, the warehouse's observations)."""

import json

import pytest

from rlgrid.config import read_preset
from rlgrid.studies import compare as compare_module
from rlgrid.studies.execute import Outcome
from rlgrid.studies.spec import Study
from tests.studies.conftest import compare, fake_run, metrics

TANGRAM = ["--env", "rlgrid/Tangram-v0", "--algo", "maskable-ppo,ppo", "--seeds", "2",
           "--timesteps", "2000", "--workers", "1"]  # fmt: skip


@pytest.fixture
def ran(monkeypatch):
    """Fake local workers: every job leaves a completed run folder; the jobs run, in order."""
    jobs = []

    def run_local(study, job):
        jobs.append(job)
        fake_run(study.runs_dir / job.name, evaluation=metrics(0.5, None, solved=False))
        return Outcome(job, 0)

    monkeypatch.setattr(compare_module, "run_local", run_local)
    return jobs


def table_rows(stdout: str) -> list[list[str]]:
    """The last line of the printed table's header and the first line of each of its rows, as
    their cells (longer cells wrap onto more lines)."""
    header = [line.split("┃")[1:-1] for line in stdout.splitlines() if line.startswith("┃")]
    rows = [line.split("│")[1:-1] for line in stdout.splitlines() if line.startswith("│")]
    cells = [header[-1], *(row for row in rows if row[0].strip())]
    return [[cell.strip() for cell in row] for row in cells]


def test_the_tangram_varies_curriculum_and_reward(tmp_path, ran):
    result = compare(tmp_path, *TANGRAM, "--vary", "curriculum=false,true", "--reward",
                     "sparse,area", "--name", "t")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(ran) == 16
    first = ran[0]
    assert first.name == "maskable-ppo_rlgrid-Tangram-v0_sparse_curriculum-false_seed0"
    args = first.train_args(Study.open(tmp_path / "t").spec)
    assert args[3:9] == ["--env", "rlgrid/Tangram-v0", "--reward", "sparse", "--seed", "0"]
    assert args[args.index("--env-kwargs") + 1] == "curriculum=false"
    rows = table_rows(result.stdout)
    assert rows[0][:5] == ["algo", "grid", "reward", "curriculum", "runs"]
    assert [row[:5] for row in rows[1:]] == [
        [algo, "env:rlgrid/Tangram-v0", reward, curriculum, "2/2"]  # "done" wraps
        for algo in ("maskable-ppo", "ppo")
        for reward in ("sparse", "area")
        for curriculum in ("false", "true")
    ]
    assert rows[1][5] == "0.500"  # (0.500-0.500) on the next line
    assert "…" not in result.stdout  # nothing cut short: the table is wider than 140 instead


def test_vary_reward_is_the_same_study_as_reward(tmp_path, ran):
    by_reward = compare(tmp_path, *TANGRAM, "--reward", "sparse,area", "--vary",
                        "curriculum=false,true")  # fmt: skip
    assert by_reward.exit_code == 0, by_reward.output
    folders = list(tmp_path.iterdir())
    by_vary = compare(tmp_path, *TANGRAM, "--vary", "reward=sparse,area", "--vary",
                      "curriculum=false,true")  # fmt: skip
    assert by_vary.exit_code == 0, by_vary.output
    assert list(tmp_path.iterdir()) == folders  # the same study folder, resumed
    assert folders[0].name == (
        "compare_maskable-ppo-ppo_rlgrid-Tangram-v0_sparse-area_curriculum-false-true_2seeds_2000"
    )
    assert "16 finished runs kept, 0 to run" in by_vary.stderr


def test_the_warehouse_varies_its_observations(tmp_path, ran):
    result = compare(tmp_path, "--algo", "a2c", "--grid", "4x4", "--reward", "sparse",
                     "--vary", "obs=offset,onehot", "--seeds", "2", "--name", "w")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [job.name for job in ran] == [
        "a2c_4x4_sparse_obs-offset_seed0", "a2c_4x4_sparse_obs-offset_seed1",
        "a2c_4x4_sparse_obs-onehot_seed0", "a2c_4x4_sparse_obs-onehot_seed1",
    ]  # fmt: skip
    lines = (tmp_path / "w" / "results.csv").read_text().splitlines()
    assert lines[0].startswith("algo,grid,reward,obs,runs,")
    assert [line.split(",")[:5] for line in lines[1:]] == [
        ["a2c", "4x4", "sparse", "offset", "2/2 done"],
        ["a2c", "4x4", "sparse", "onehot", "2/2 done"],
    ]
    study = json.loads((tmp_path / "w" / "study.json").read_text())
    assert study["spec"]["vary"] == {"obs": ["offset", "onehot"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "curiculum=true"], "--vary curiculum=true: curiculum does not apply to "
         "rlgrid/Tangram-v0 (its [env] keys: id, wrappers, silhouettes,"),
        (["--vary", "curriculum=false,maybe"], "--vary curriculum=maybe: env.curriculum = "
         "'maybe': Input should be a valid boolean"),
        (["--vary", "curriculum"], "--vary 'curriculum': expected KEY=V1,V2,..."),
        (["--vary", "curriculum=true,true"], "--vary curriculum: 'true' and 'true' would name"),
        (["--reward", "sparse,potential"], "--reward: env.reward = 'potential': Input should be "
         "'sparse'"),
        (["--reward", "sparse", "--vary", "reward=area"], "--vary reward=... and --reward set "
         "the same thing: give one"),
        (["--vary", "id=CartPole-v1"], "--vary id: --env sets it already; vary it there"),
    ],
)  # fmt: skip
def test_bad_settings_are_one_line_and_leave_no_folder(tmp_path, ran, args, message):
    result = compare(tmp_path, *TANGRAM, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == [] and ran == []


def test_envs_without_a_reward_setting_refuse_reward(tmp_path, ran):
    result = compare(tmp_path, "--env", "CartPole-v1", "--algo", "ppo", "--reward", "sparse")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: --reward: reward does not apply to CartPole-v1 (its [env] keys:"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_real_tangram_study(tmp_path):
    """Two short trainings, maskable-ppo with and without the curriculum on the area reward: each
    run's config holds its combination (the table of every combination is checked above, with
    fake runs)."""
    args = ["--env", "rlgrid/Tangram-v0", "--algo", "maskable-ppo", "--vary",
            "curriculum=false,true", "--reward", "area", "--seeds", "1", "--timesteps",
            "2000", "--workers", "2", "--name", "t"]  # fmt: skip
    result = compare(tmp_path, *args)
    assert result.exit_code == 0, result.output
    study = tmp_path / "t"
    lines = (study / "results.csv").read_text().splitlines()
    assert lines[0].startswith("algo,grid,reward,curriculum,runs,success rate")
    assert [line.split(",")[:5] for line in lines[1:]] == [
        ["maskable-ppo", "env:rlgrid/Tangram-v0", "area", curriculum, "1/1 done"]
        for curriculum in ("false", "true")
    ]
    assert "| algo | grid | reward | curriculum | runs |" in (study / "results.md").read_text()
    for name in ("learning_curves.png", "time_to_solve.png"):
        assert (study / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for curriculum in ("false", "true"):
        name = f"maskable-ppo_rlgrid-Tangram-v0_area_curriculum-{curriculum}_seed0"
        env = read_preset(study / "runs" / name / "config.toml")["env"]
        assert (env["reward"], env["curriculum"]) == ("area", curriculum == "true")
        manifest = json.loads((study / "runs" / name / "manifest.json").read_text())
        assert manifest["status"] == "completed"
    again = compare(tmp_path, *args)
    assert again.exit_code == 0
    assert "2 finished runs kept, 0 to run" in again.stderr
