import json
import pickle

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.runs import write_atomic
from tests.conftest import HEAVY_CHECK, REPO, CreatesAFile, run_python

SEED_PRESET = str(REPO / "configs" / "qtable_4x5.toml")


def train(tmp_path, *args):
    result = CliRunner().invoke(app, ["train", "--runs-dir", str(tmp_path / "runs"), *args])
    return result


def evaluation(run):
    return json.loads((run / "eval.json").read_text())["result"]


@pytest.mark.slow
def test_seed_preset_learns_every_target_by_a_shortest_path(tmp_path):
    result = train(tmp_path, "--config", SEED_PRESET)
    assert result.exit_code == 0, result.output
    run = tmp_path / "runs" / "q-table_1000ep"
    assert f"results: {run}" in result.stdout
    found = evaluation(run)
    assert found["episodes"] == 12  # every classic target of 4x5 once
    assert found["success_rate"] == 1.0
    assert found["optimality_ratio"] == 1.0
    assert found["optimal_episodes"] == 12
    again = CliRunner().invoke(app, ["eval", str(run), "--all-targets", "--json"])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["optimal_episodes"] == 12


@pytest.mark.slow
def test_run_folder_holds_what_the_readme_promises(tmp_path):
    assert train(tmp_path, "--grid", "4x4", "--episodes", "300", "--seed", "3").exit_code == 0
    run = tmp_path / "runs" / "q-table_300ep"
    names = {p.name for p in run.iterdir()}
    assert names == {
        ".lock",
        "config.toml",
        "manifest.json",
        "model.npz",
        "metrics.csv",
        "learning_curve.png",
        "eval.json",
    }
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["seed"] == 3
    assert manifest["episodes"] == 300
    assert manifest["command"] == ["rlgrid", "train", "--runs-dir", str(tmp_path / "runs"),
                                   "--grid", "4x4", "--episodes", "300", "--seed", "3"]  # fmt: skip
    assert manifest["versions"]["numpy"] == np.__version__
    lines = (run / "metrics.csv").read_text().splitlines()
    header = "episode,timesteps,length,return,success,epsilon,shortest_path_length,shaped_return"
    assert lines[0] == header
    assert len(lines) == 301
    assert sum(int(line.split(",")[2]) for line in lines[1:]) <= manifest["timesteps"]
    with Image.open(run / "learning_curve.png") as image:
        assert image.size == (800, 550)
    config = (run / "config.toml").read_text()
    assert 'grid = "4x4"' in config and "max_steps = 32" in config
    with np.load(run / "model.npz", allow_pickle=False) as model:
        assert model["q"].shape == (4, 4, 4, 4, 4)


@pytest.mark.slow
def test_same_seed_same_metrics_other_seed_other_metrics(tmp_path):
    for name, seed in [("a", "1"), ("b", "1"), ("c", "2")]:
        result = train(
            tmp_path, "--grid", "5x5", "--episodes", "400", "--seed", seed, "--name", name
        )
        assert result.exit_code == 0
    metrics = {n: (tmp_path / "runs" / n / "metrics.csv").read_text() for n in "abc"}
    assert metrics["a"] == metrics["b"]
    assert metrics["a"] != metrics["c"]


def test_saved_model_acts_like_the_live_one(tmp_path):
    from rlgrid.algos.base import Hooks
    from rlgrid.algos.qtable.agent import QTableAgent
    from rlgrid.config import build_config
    from rlgrid.training.states import training_envs

    flags = {"algo": "q-table", "env.grid": "5x4", "env.targets": "anywhere", "episodes": 300}
    config = build_config(None, {**flags, "env.random_start": True}, {"n_envs": 8})
    env = training_envs(config)
    live = QTableAgent(config, env)
    live.learn(tmp_path, Hooks(should_stop=lambda: False, report=lambda e, t: None))
    live.save(tmp_path)
    loaded = QTableAgent.load(config, env, tmp_path, resume=True)
    assert np.array_equal(live.q, loaded.q)
    assert loaded.progress == live.progress
    grid = np.indices((5, 4, 5, 4)).reshape(4, -1).T
    assert [live.act(s) for s in grid] == [loaded.act(s) for s in grid]
    assert len({live.act(s) for s in grid}) == 4


@pytest.mark.slow
def test_ten_by_ten_with_few_episodes_ends_promptly(tmp_path):
    # the seed's loop stalls here: unvisited states all read 0 and argmax walks LEFT forever
    result = train(tmp_path, "--grid", "10x10", "--episodes", "250", "--n-envs", "1")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "runs" / "q-table_250ep" / "manifest.json").read_text())
    assert manifest["episodes"] == 250
    assert manifest["timesteps"] <= 250 * 80  # the time limit bounds every episode


@pytest.mark.slow
def test_ties_are_broken_at_random(tmp_path):
    # no exploration at all: with argmax's first-of-equals the robot would only ever walk LEFT
    result = train(
        tmp_path, "--grid", "6x6", "--episodes", "50", "--hp", "epsilon_start=0.0", "--n-envs", "1"
    )
    assert result.exit_code == 0
    lines = (tmp_path / "runs" / "q-table_50ep" / "metrics.csv").read_text().splitlines()[1:]
    assert sum(line.split(",")[4] == "True" for line in lines) >= 10


def test_resume_takes_no_other_settings(tmp_path):
    result = CliRunner().invoke(app, ["train", "--resume", str(tmp_path), "--seed", "3"])
    assert result.exit_code == 2
    assert "drop --seed" in result.stderr


@pytest.mark.slow
def test_run_names_never_overwrite(tmp_path):
    for _ in range(3):
        assert train(tmp_path, "--episodes", "20").exit_code == 0
    names = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert names == ["q-table_20ep", "q-table_20ep-2", "q-table_20ep-3"]
    assert train(tmp_path, "--timesteps", "500").exit_code == 0
    assert (tmp_path / "runs" / "q-table_500").is_dir()
    assert train(tmp_path, "--episodes", "20", "--name", "mine").exit_code == 0
    taken = train(tmp_path, "--episodes", "20", "--name", "mine")
    assert taken.exit_code == 2
    assert "already exists" in taken.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", ["a/b", "..", "../up", ".hidden", ""])
def test_bad_run_names_are_refused(tmp_path, name):
    result = train(tmp_path, "--episodes", "5", "--name", name)
    assert result.exit_code == 2
    assert "invalid run name" in result.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.slow
def test_qtable_on_cartpole_names_the_space(tmp_path):
    result = train(tmp_path, "--env", "CartPole-v1")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "q-table needs a small discrete observation space" in lines[0]
    assert "Box(" in lines[0] and "CartPole-v1" in lines[0]
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_table_too_big_is_refused_before_allocating(tmp_path):
    result = train(tmp_path, "--grid", "200x200")
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "needs 47.7 GiB" in line and "limit" in line and "max_table_mb" in line
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_qtable_trains_on_other_discrete_envs(tmp_path):
    result = train(tmp_path, "--env", "FrozenLake-v1", "--episodes", "200")
    assert result.exit_code == 0, result.output
    run = tmp_path / "runs" / "q-table_200ep"
    found = evaluation(run)
    assert 0.0 <= found["mean_return"] <= 1.0
    assert found["success_rate"] == pytest.approx(found["mean_return"])  # 1 at the goal only
    with np.load(run / "model.npz") as model:
        assert model["q"].shape == (16, 4)


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "file.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


# --- bad runs and model files ------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("trained")
    result = CliRunner().invoke(
        app, ["train", "--episodes", "200", "--runs-dir", str(base), "--name", "good"]
    )
    assert result.exit_code == 0
    return base / "good"


def copy_run(source, target):
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def eval_error(path):
    result = CliRunner().invoke(app, ["eval", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_eval_missing_folder(tmp_path):
    assert "does not exist" in eval_error(tmp_path / "nothing")


def test_eval_folder_without_run(tmp_path):
    assert "is not a run folder" in eval_error(tmp_path)


@pytest.mark.slow
def test_eval_run_without_model(tmp_path, trained_run):
    run = copy_run(trained_run, tmp_path / "run")
    (run / "model.npz").unlink()
    assert "model.npz is missing" in eval_error(run)


def test_eval_corrupt_model(tmp_path, trained_run):
    run = copy_run(trained_run, tmp_path / "run")
    (run / "model.npz").write_bytes(b"PK\x03\x04 this is not a zip archive at all")
    assert "corrupt or truncated" in eval_error(run)


def test_eval_truncated_model(tmp_path, trained_run):
    run = copy_run(trained_run, tmp_path / "run")
    data = (run / "model.npz").read_bytes()
    (run / "model.npz").write_bytes(data[: len(data) // 2])
    assert "corrupt or truncated" in eval_error(run)


@pytest.mark.slow
def test_eval_model_for_another_grid(tmp_path, trained_run):
    other = tmp_path / "other"
    assert train(tmp_path, "--grid", "6x6", "--episodes", "20", "--name", "six").exit_code == 0
    run = copy_run(trained_run, other)
    (run / "model.npz").write_bytes((tmp_path / "runs" / "six" / "model.npz").read_bytes())
    line = eval_error(run)
    assert "a 6x6 warehouse" in line and "4x5 warehouse" in line


def test_eval_refuses_pickle_files(tmp_path, trained_run):
    run = copy_run(trained_run, tmp_path / "run")
    marker = tmp_path / "pwned"
    (run / "model.pkl").write_bytes(pickle.dumps(CreatesAFile(marker)))
    line = eval_error(run / "model.pkl")
    assert "pickle" in line and "never unpickles" in line
    assert not marker.exists()


def test_eval_never_unpickles_arrays_in_the_model(tmp_path, trained_run):
    run = copy_run(trained_run, tmp_path / "run")
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = CreatesAFile(marker)
    with (run / "model.npz").open("wb") as stream:
        np.savez(stream, q=evil)
    line = eval_error(run)
    assert "pickled objects" in line
    assert not marker.exists()


def test_eval_a_model_file_inside_a_run(trained_run):
    result = CliRunner().invoke(app, ["eval", str(trained_run / "model.npz"), "--json"])
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)) >= {
        "episodes",
        "success_rate",
        "mean_length",
        "mean_optimal_length",
        "optimality_ratio",
        "mean_return",
    }


def test_eval_episodes_and_seed(trained_run):
    def run_eval(*args):
        result = CliRunner().invoke(app, ["eval", str(trained_run), "--json", *args])
        return json.loads(result.stdout)

    first = run_eval("--episodes", "30", "--seed", "5")
    assert first["episodes"] == 30
    assert first == run_eval("--episodes", "30", "--seed", "5")


@pytest.mark.slow
def test_qtable_training_loads_neither_torch_nor_pygame(tmp_path):
    code = (
        "import sys\n"
        f"sys.argv = ['rlgrid', 'train', '--episodes', '50', '--runs-dir', {str(tmp_path)!r}]\n"
        "from rlgrid.cli.app import app\n"
    )
    # the learning curve is drawn by a forked helper, so matplotlib stays out of this process too
    heavy = run_python(code + HEAVY_CHECK).strip().splitlines()[-1]
    assert heavy == "heavy: []"


def test_until_solved_stops_a_qtable_when_solved(tmp_path):
    """It used to be ignored silently: the q-table trained its whole budget."""
    args = ["train", "--grid", "5x5", "--episodes", "50000", "--until-solved",
            "--runs-dir", str(tmp_path), "--name", "q"]  # fmt: skip
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == 0, outcome.output
    manifest = json.loads((tmp_path / "q" / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["episodes"] < 50000
    assert manifest["solved_at"]["evaluation"]["success_rate"] == 1.0
    assert manifest["solved_at"]["evaluation"]["optimality_ratio"] <= 1.05
    assert json.loads((tmp_path / "q" / "eval.json").read_text())["solved"] is True
