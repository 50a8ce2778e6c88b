"""The tangram through every command: check-env, train (q-table and maskable-ppo learn the
square), eval against the oracle and a random agent, render, and one-line errors."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from typer.testing import CliRunner

from rlgrid.cli.app import app

runner = CliRunner()
TANGRAM = ["--env", "rlgrid/Tangram-v0"]


@pytest.mark.slow  # every check, the solver's and the oracle's included
def test_check_env_passes_with_the_solver_the_oracle_and_the_masks():
    done = runner.invoke(app, ["check-env", *TANGRAM, "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    rows = {row["name"]: row for row in report["checks"]}
    assert rows["silhouettes have assemblies"]["status"] == "pass"
    assert (
        "8 assemblies (32 with every piece its own)"
        in rows["silhouettes have assemblies"]["detail"]
    )
    assert rows["action masks"]["status"] == "pass"
    assert report["ok"]


@pytest.mark.slow  # learns, then plays beside the oracle and a random agent, then records
def test_q_table_learns_the_square_far_better_than_random(tmp_path):
    runs = tmp_path / "runs"
    done = runner.invoke(
        app,
        ["train", *TANGRAM, "--algo", "q-table", "--episodes", "1200", "--runs-dir", str(runs)],
    )
    assert done.exit_code == 0, done.output
    (run,) = runs.iterdir()
    evaluation = json.loads((run / "eval.json").read_text())
    assert evaluation["result"]["success_rate"] == 1.0 and evaluation["solved"]
    compared = runner.invoke(app, ["eval", str(run), "--oracle", "--random", "--json"])
    assert compared.exit_code == 0, compared.output
    data = json.loads(compared.output)
    assert data["agent"]["success_rate"] == 1.0 == data["oracle"]["success_rate"]
    assert data["random"]["success_rate"] < 0.1  # the random masked agent: about 2%
    gif = tmp_path / "square.gif"
    shown = runner.invoke(app, ["render", str(run), "--record", str(gif), "--episodes", "1"])
    assert shown.exit_code == 0, shown.output
    with Image.open(gif) as picture:
        assert picture.n_frames == 8  # the empty square, then one frame per piece


def test_the_oracle_and_a_random_agent_alone_on_generated_silhouettes():
    done = runner.invoke(
        app,
        ["eval", "--oracle", "--random", *TANGRAM, "--env-kwargs", "silhouettes=random:50",
         "silhouette_seed=3", "--episodes", "50", "--json"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["oracle"]["success_rate"] == 1.0
    assert data["random"]["success_rate"] < 0.2


def test_text_rendering_draws_the_pieces(tmp_path):
    done = runner.invoke(app, ["render", *TANGRAM, "--ansi", "--episodes", "1"])
    assert done.exit_code == 0, done.output
    assert "episode 1/1  step 0" in done.output and "...." in done.output


def test_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("####\n##x#\n####\n####\n")
    done = runner.invoke(app, ["check-env", *TANGRAM, "--env-kwargs", f"silhouettes={bad}"])
    assert done.exit_code == 2
    assert f"{bad}: row 2, column 3: unknown character 'x'" in done.output
    assert len(done.output.strip().splitlines()) == 1
    table = runner.invoke(
        app,
        ["train", *TANGRAM, "--algo", "q-table", "--env-kwargs", "silhouettes=random",
         "--runs-dir", str(tmp_path / "runs")],
    )  # fmt: skip
    assert table.exit_code == 2
    assert "random silhouettes have no end of them" in table.output
    assert not (tmp_path / "runs").exists()


SQUARE_PPO = """
algo = "maskable-ppo"
seed = 0
timesteps = 20000
until_solved = true

[env]
id = "rlgrid/Tangram-v0"
silhouettes = "square"
actions = "gap"
obs = "window"
reward = "sparse"

[maskable-ppo]
n_envs = 8
n_steps = 128

[eval]
episodes = 10
freq = 1024
"""
"""``configs/maskable_ppo_tangram_square.toml`` with rollouts of 1,024 steps instead of 16,384
and an evaluation every 1,024 steps (one silhouette: every greedy episode is the same): solved at
about 3,000 steps instead of 35,000."""


@pytest.mark.slow
def test_maskable_ppo_solves_the_square(tmp_path):
    preset = tmp_path / "square.toml"
    preset.write_text(SQUARE_PPO)
    runs = tmp_path / "runs"
    done = runner.invoke(app, ["train", "--config", str(preset), "--runs-dir", str(runs)])
    assert done.exit_code == 0, done.output
    assert "solved at step" in done.output
    (run,) = runs.iterdir()
    assert json.loads((run / "manifest.json").read_text())["solved_at"]["timesteps"] < 20_000
    assert json.loads((run / "eval.json").read_text())["result"]["success_rate"] == 1.0


def test_a2c_without_masks_trains_where_no_reward_is_seen_yet(tmp_path):
    """Placements that do not fit end a2c's episodes at once, so its first rollouts earn nothing:
    their explained variance is nan, which is not a diverged training."""
    runs = tmp_path / "runs"
    done = runner.invoke(
        app, ["train", *TANGRAM, "--algo", "a2c", "--timesteps", "400", "--runs-dir", str(runs)]
    )
    assert done.exit_code == 0, done.output
    (run,) = runs.iterdir()
    lengths = (run / "metrics.csv").read_text().splitlines()[1:]
    assert len(lengths) > 50  # most episodes end at their first, disallowed, placement
