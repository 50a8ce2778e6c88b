"""Varied env settings (``--vary KEY=V1,V2``): reading them, the reward among them, and every
combination's config checked before anything runs."""

import pytest

from rlgrid.cli.wording import flag
from rlgrid.errors import InvalidValueError, RlgridError
from rlgrid.studies.axes import (
    check_settings,
    combination_words,
    parse_vary,
    reward_axis,
    split_values,
)
from rlgrid.studies.spec import Combination, StudySpec

TANGRAM = "env:rlgrid/Tangram-v0"


def worded(error: pytest.ExceptionInfo) -> str:
    """The message as the CLI prints it (settings as flags)."""
    return error.value.worded(flag)


def tangram(vary: dict[str, list[str]], rewards=("default",), algos=("maskable-ppo",), **spec):
    return StudySpec(list(algos), [TANGRAM], list(rewards), 1, vary=vary, **spec)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("false,true", ["false", "true"]),
        (" sparse , area ", ["sparse", "area"]),
        ("[64,64],[32]", ["[64,64]", "[32]"]),
        ('"a,b",c', ['"a,b"', "c"]),
        ("{x = 1, y = 2},{x = 3}", ["{x = 1, y = 2}", "{x = 3}"]),
        ("random:20", ["random:20"]),
    ],
)
def test_values_split_at_commas_outside_brackets_and_quotes(text, values):
    assert split_values(text) == values


def test_parse_vary_keeps_the_keys_and_values_in_the_order_given():
    vary = parse_vary(["curriculum=false,true", "silhouettes=square,random:20"], [TANGRAM])
    assert vary == {"curriculum": ["false", "true"], "silhouettes": ["square", "random:20"]}
    assert list(vary) == ["curriculum", "silhouettes"]


def test_a_silhouette_file_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    vary = parse_vary(["silhouettes=shapes.txt,square"], [TANGRAM])
    assert vary == {"silhouettes": [str(tmp_path / "shapes.txt"), "square"]}
    assert parse_vary(["obs=offset"], ["6x6"]) == {"obs": ["offset"]}  # not a path: as given


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["curriculum"], "--vary 'curriculum': expected KEY=V1,V2,..., e.g. curriculum=false,true"),
        (["=true"], "--vary '=true': expected KEY=V1,V2"),
        (["curriculum="], "--vary 'curriculum=': expected KEY=V1,V2"),
        (["curriculum=true,"], "--vary 'curriculum=true,': a value is empty"),
        (["curriculum=true", "curriculum=false"], "--vary curriculum is given twice"),
        (["curriculum=true,true"], "'true' and 'true' would name the same runs (curriculum-true)"),
        (["canvas=[1,2"], "--vary canvas=[1,2: '[1,2' is not a valid TOML value"),
    ],
)
def test_malformed_items_are_one_line(items, message):
    with pytest.raises(InvalidValueError) as error:
        parse_vary(items, [TANGRAM])
    assert message in worded(error)
    assert "\n" not in worded(error)


def test_vary_reward_is_the_reward_axis():
    assert reward_axis(None, {"curriculum": ["true"], "reward": ["sparse", '"area"']}) == (
        ["sparse", "area"],
        {"curriculum": ["true"]},
    )
    assert reward_axis(["area"], {"curriculum": ["true"]}) == (["area"], {"curriculum": ["true"]})
    assert reward_axis(None, {}) == (None, {})
    with pytest.raises(InvalidValueError) as error:
        reward_axis(["sparse"], {"reward": ["area"]})
    assert worded(error) == "--vary reward=... and --reward set the same thing: give one"


def test_good_settings_pass():
    check_settings(tangram({"curriculum": ["false", "true"]}, rewards=["sparse", "area"]))
    check_settings(StudySpec(["a2c"], ["4x4", "aisles:8x8"], ["sparse"], 1,
                             vary={"obs": ["offset", "onehot"]}))  # fmt: skip
    check_settings(StudySpec(["q-table"], ["env:FrozenLake-v1"], ["default"], 1,
                             vary={"is_slippery": ["false", "true"]}))  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            tangram({"curiculum": ["true"]}),
            "--vary curiculum=true: curiculum does not apply to rlgrid/Tangram-v0 (its [env] "
            "keys: id, wrappers, silhouettes,",
        ),
        (
            tangram({"curriculum": ["false", "maybe"]}),
            "--vary curriculum=maybe: env.curriculum = 'maybe': Input should be a valid boolean",
        ),
        (
            tangram({"preplaced": ["9"]}),
            "--vary preplaced=9: env.preplaced = 9: Input should be less than or equal to 6",
        ),
        (tangram({"id": ["CartPole-v1"]}), "--vary id: --env sets it already; vary it there"),
        (
            tangram({}, rewards=["sparse", "potential"]),
            "--reward: env.reward = 'potential': Input should be 'sparse'",
        ),
        (
            StudySpec(["ppo"], ["env:CartPole-v1"], ["sparse"], 1),
            "--reward: reward does not apply to CartPole-v1",
        ),
        (
            StudySpec(
                ["q-table"], ["env:FrozenLake-v1"], ["default"], 1, vary={"is_slipery": ["true"]}
            ),
            "--vary is_slipery=true: FrozenLake-v1 takes no argument 'is_slipery'; did you mean "
            "'is_slippery'?",
        ),
        (
            StudySpec(["a2c"], ["4x4"], ["sparse"], 1, vary={"obs": ["offset", "onehott"]}),
            "--vary obs=onehott: env.obs = 'onehott': unknown observation encoding 'onehott'",
        ),
        (
            StudySpec(["a2c"], ["4x4"], ["sparse"], 1, vary={"grid": ["5x5"]}),
            "--vary grid: --grid sets it already; vary it there",
        ),
        (
            StudySpec(["a2c"], ["4x4"], ["sparse"], 1, vary={"reward": ["potential"]}),
            "--vary reward: --reward sets it already; vary it there",
        ),
    ],
)
def test_bad_keys_and_values_are_one_line_naming_them(spec, message):
    with pytest.raises(RlgridError) as error:
        check_settings(spec)
    assert worded(error).startswith(message), worded(error)
    assert "\n" not in worded(error)


def test_a_missing_silhouette_file_is_named(tmp_path):
    missing = str(tmp_path / "shapes.txt")
    with pytest.raises(RlgridError) as error:
        check_settings(tangram({"silhouettes": [missing]}))
    assert (
        worded(error) == f"--vary silhouettes={missing}: silhouette file {missing} does not exist"
    )


def test_the_preset_is_part_of_every_config(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text('[env]\nid = "rlgrid/Tangram-v0"\npreplaced = 9\n')
    spec = StudySpec(["maskable-ppo"], [TANGRAM], ["default"], 1, config=str(preset))
    with pytest.raises(InvalidValueError, match=f"{preset}: env.preplaced = 9"):
        check_settings(spec)


def test_settings_that_do_not_go_together_name_the_combination(tmp_path):
    """A map alone and a generated layout alone make a warehouse config; both do not."""
    floor = tmp_path / "floor.txt"
    floor.write_text("S...\n..T.\n....\n")
    vary = {"map": [str(floor)], "layout": ["aisles:8x8"]}
    for key, values in vary.items():
        check_settings(StudySpec(["a2c"], ["env:rlgrid/Warehouse-v0"], ["sparse"], 1,
                                 vary={key: values}))  # fmt: skip
    with pytest.raises(InvalidValueError) as error:
        check_settings(StudySpec(["a2c"], ["env:rlgrid/Warehouse-v0"], ["sparse"], 1, vary=vary))
    assert worded(error) == (
        f"a2c on rlgrid/Warehouse-v0 (reward sparse, map={floor}, layout=aisles:8x8): "
        "[env] give a map or a generated layout, not both"
    )


def test_combination_words():
    assert combination_words(Combination("ppo", "6x6", "sparse")) == "ppo on 6x6 (reward sparse)"
    own = Combination("ppo", "env:CartPole-v1", "default")
    assert combination_words(own) == "ppo on CartPole-v1 (its defaults)"
