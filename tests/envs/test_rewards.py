import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from rlgrid.envs.layout import Layout
from rlgrid.envs.rewards import Shaper, Shaping, parse_reward
from rlgrid.errors import InvalidValueError


def random_walk_bonuses(text, scales=None, gamma=1.0, episodes=200, seed=0):
    """Total bonus of each of ``episodes`` random-walk episodes on an 8x8 grid."""
    layout = Layout.open_grid(8, 8, "anywhere")
    max_steps = 64
    shaping = Shaping.build(text, layout, max_steps, gamma, scales)
    shaper = Shaper(shaping, layout, 1)
    rng = np.random.default_rng(seed)
    totals, starts = [], []
    for _ in range(episodes):
        robot = np.array([rng.integers(64)])
        target = np.array([(robot[0] + 1 + rng.integers(63)) % 64])
        shaper.start(np.array([0]), robot)
        starts.append(layout.distances(robot, target)[0])
        total = 0.0
        for _ in range(max_steps):
            after = layout.transitions[robot * 4 + rng.integers(4)]
            done = after == target
            total += shaper.bonus(robot, after, target, done)[0]
            robot = after
            if done[0]:
                break
        totals.append(total)
    return np.array(totals), np.array(starts), shaping


@pytest.mark.parametrize("kind", ["proximity", "exploration", "direction"])
def test_default_bonuses_never_reach_the_goal_reward(kind):
    totals, _, shaping = random_walk_bonuses(kind)
    assert totals.max() <= 0.5 + 1e-9
    assert totals.max() > 0  # the bonus is paid at all
    assert shaping.scales[kind] * 64 <= 0.5 + 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["proximity", "exploration", "direction"])
def test_bonus_scale_is_honoured(kind):
    small, _, _ = random_walk_bonuses(kind, {kind: 0.001})
    large, _, _ = random_walk_bonuses(kind, {kind: 0.003})
    assert np.allclose(large, 3 * small)
    assert small.max() > 0


def test_potential_shaping_telescopes():
    # with gamma 1 the episode's bonuses sum to phi(end) - phi(start); phi = -scale * d / (r + c)
    totals, starts, shaping = random_walk_bonuses("potential", {"potential": 2.5}, gamma=1.0)
    assert shaping.scales == {"potential": 2.5}
    layout_norm = 16
    reached = np.isclose(totals, 2.5 * starts / layout_norm)
    assert reached.any()  # episodes that reached the target: phi(goal) = 0
    assert np.all(totals <= 2.5 * starts / layout_norm + 1e-9)


def test_combined_rewards_and_bad_names():
    assert parse_reward("potential+exploration") == ("potential", "exploration")
    assert parse_reward("sparse") == ()
    for bad in ["potentail", "sparse+potential", "potential+potential", ""]:
        with pytest.raises(InvalidValueError):
            parse_reward(bad)


def test_exploration_refuses_what_would_not_fit():
    layout = Layout.open_grid(1024, 1024, "anywhere")
    shaping = Shaping.build("exploration", layout, 100, 0.99)
    with pytest.raises(InvalidValueError, match="visited flags"):
        Shaper(shaping, layout, 1024)


def train(tmp_path, *args):
    return CliRunner().invoke(app, ["train", "--runs-dir", str(tmp_path / "runs"), *args])


@pytest.mark.slow
def test_raw_metrics_are_logged_beside_shaped_ones(tmp_path):
    args = ["--algo", "a2c", "--grid", "6x6", "--timesteps", "2000", "--reward", "potential"]
    assert train(tmp_path, *args, "--name", "r").exit_code == 0
    run = tmp_path / "runs" / "r"
    rows = [line.split(",") for line in (run / "metrics.csv").read_text().splitlines()[1:]]
    raw = {float(row[3]) for row in rows}
    shaped = [float(row[7]) for row in rows]
    assert raw <= {0.0, 1.0}
    assert any(abs(s - float(row[3])) > 1e-6 for s, row in zip(shaped, rows, strict=True))
    found = json.loads((run / "eval.json").read_text())["result"]
    assert 0.0 <= found["mean_return"] <= 1.0  # raw: shaped returns go past both ends


@pytest.mark.slow
def test_shaping_solves_what_sparse_reward_does_not_in_the_same_budget(tmp_path):
    common = ["--algo", "a2c", "--grid", "12x12", "--targets", "anywhere", "--random-start",
              "--timesteps", "4000", "--seed", "1"]  # fmt: skip
    for reward in ("sparse", "potential"):
        assert train(tmp_path, *common, "--reward", reward, "--name", reward).exit_code == 0
    results = {
        reward: json.loads((tmp_path / "runs" / reward / "eval.json").read_text())["result"]
        for reward in ("sparse", "potential")
    }
    assert results["potential"]["success_rate"] == 1.0
    assert results["potential"]["optimality_ratio"] <= 1.05
    assert results["sparse"]["success_rate"] < 0.5


@pytest.mark.slow
def test_an_offset_policy_solves_other_grid_sizes(tmp_path):
    args = ["--algo", "a2c", "--grid", "8x8", "--targets", "anywhere", "--random-start"]
    assert train(tmp_path, *args, "--until-solved", "--name", "o").exit_code == 0
    for grid in ("5x5", "40x40", "9x60"):
        result = CliRunner().invoke(app, ["eval", str(tmp_path / "runs" / "o"), "--grid", grid,
                                          "--json", "--episodes", "200"])  # fmt: skip
        assert result.exit_code == 0, result.output
        found = json.loads(result.stdout)
        assert found["success_rate"] == 1.0 and found["optimality_ratio"] <= 1.05, grid


@pytest.mark.slow
def test_size_dependent_runs_refuse_other_grids(tmp_path):
    assert train(tmp_path, "--algo", "a2c", "--obs", "coords", "--timesteps", "200",
                 "--name", "c").exit_code == 0  # fmt: skip
    assert train(tmp_path, "--episodes", "20", "--name", "q").exit_code == 0
    for name, message in (("c", "depends on the grid size"), ("q", "a q-table has one row")):
        result = CliRunner().invoke(app, ["eval", str(tmp_path / "runs" / name), "--grid", "9x9"])
        assert result.exit_code == 2
        assert message in result.stderr


@pytest.mark.slow
def test_batched_evaluation_equals_playing_episodes_one_by_one(tmp_path):
    from rlgrid.evaluation import evaluate
    from rlgrid.families import EvalPlan
    from rlgrid.training import open_run

    args = ["--algo", "a2c", "--grid", "7x7", "--random-start", "--timesteps", "1000"]
    assert train(tmp_path, *args, "--name", "b").exit_code == 0
    _, config, agent = open_run(tmp_path / "runs" / "b")
    one = evaluate(config.family.make(config.env), agent.act, [None] * 150, seed=3)
    many = config.family.evaluate(config.env, agent, EvalPlan(150, 3, all_targets=False))
    assert one == many
    assert one.episodes == 150
