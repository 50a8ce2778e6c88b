import pytest
from typer.testing import CliRunner

from rlgrid.algos.registry import ALGOS
from rlgrid.cli.app import app
from rlgrid.config import build_config, parse_hp
from tests.conftest import REPO


def config_error(tmp_path, text, *args):
    preset = tmp_path / "preset.toml"
    preset.write_text(text)
    result = CliRunner().invoke(
        app, ["train", "--config", str(preset), "--runs-dir", str(tmp_path / "runs"), *args]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert not (tmp_path / "runs").exists()
    return lines[0]


GOOD = 'algo = "q-table"\nepisodes = 10\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD + "[q-table]\ngama = 0.5\n",
            "unknown key 'gama' in [q-table]; did you mean 'gamma'?",
        ),
        (GOOD + "[q-table]\ngamma = 1.5\n", "q-table.gamma = 1.5: Input should be less than or"),
        (GOOD + '[q-table]\ngamma = "high"\n', "q-table.gamma = 'high': Input should be a valid"),
        ('algo = "q-table"\nepisodes = -5\n', "episodes = -5: Input should be greater than or"),
        (GOOD + '[env]\ngrid = "6x"\n', "invalid grid '6x'"),
        (GOOD + "[envv]\n", "unknown key 'envv'; did you mean 'env'?"),
        ('algo = "q-tabel"\n', "unknown algorithm 'q-tabel'; did you mean 'q-table'?"),
        (GOOD + "timesteps = 100\n", "not both"),
        (GOOD + '[env]\nid = "CartPole-v1"\ngrid = "4x4"\n', "grid does not apply to CartPole-v1"),
        ("algo = \n", "not valid TOML"),
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path, text, expected):
    line = config_error(tmp_path, text)
    assert str(tmp_path / "preset.toml") in line
    assert expected in line


def test_hp_errors_name_the_flag(tmp_path):
    line = config_error(tmp_path, GOOD, "--hp", "learnig_rate=0.5")
    assert "unknown key 'learnig_rate'" in line and "did you mean 'learning_rate'?" in line
    line = config_error(tmp_path, GOOD, "--hp", "gamma=2")
    assert line.startswith("error: --hp gamma=2: q-table.gamma = 2")


def test_missing_config_file(tmp_path):
    result = CliRunner().invoke(app, ["train", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_flags_override_the_preset():
    preset = REPO / "configs" / "qtable_4x5.toml"
    config = build_config(preset, {"seed": 7, "timesteps": 500, "env.grid": "3x3"}, {"gamma": 0.5})
    assert (config.seed, config.timesteps, config.episodes) == (7, 500, None)
    assert str(config.env.grid) == "3x3"
    assert config.q_table.gamma == 0.5
    assert config.q_table.learning_rate == 0.9


def test_hp_values_are_toml_literals_never_code():
    assert parse_hp(["a=0.5", "b=true", 'c="x"', "d=word", "e=__import__('os')"]) == {
        "a": 0.5,
        "b": True,
        "c": "x",
        "d": "word",
        "e": "__import__('os')",
    }


@pytest.mark.parametrize("preset", sorted((REPO / "configs").glob("*.toml")))
def test_shipped_presets_are_valid(preset):
    config = build_config(preset, {}, {})
    assert config.algo in ALGOS
    assert config.params is not None
