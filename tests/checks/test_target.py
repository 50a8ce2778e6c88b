import json

import pytest

from rlgrid.checks.target import CheckTarget, fingerprint, fingerprint_in_subprocess, one_line
from rlgrid.errors import InvalidValueError, MapError
from rlgrid.families.gymnasium import GymnasiumSettings
from rlgrid.families.warehouse.family import WarehouseFamily
from rlgrid.families.warehouse.settings import WarehouseSettings


def warehouse(**settings):
    return CheckTarget(WarehouseSettings(**settings), seed=3, resets=10)


def test_the_family_makes_the_env_of_the_settings():
    target = warehouse(grid="5x7", max_steps=30)
    assert isinstance(target.family, WarehouseFamily)
    env = target.make()
    assert (env.unwrapped.rows, env.unwrapped.cols, env.unwrapped.max_steps) == (5, 7, 30)
    env.close()


@pytest.mark.parametrize(
    "settings",
    [
        WarehouseSettings(layout="aisles:9x11", layout_seed=2, layouts=3, random_start=True),
        WarehouseSettings(grid="5x6", targets="anywhere", max_steps=12, obs="coords"),
        GymnasiumSettings(id="CartPole-v1"),
    ],
)
def test_settings_come_back_whole_from_json(settings):
    target = CheckTarget(settings, seed=7, resets=5)
    data = json.loads(json.dumps(target.to_json()))
    assert CheckTarget.from_json(data, seed=7, resets=5) == target


def test_fingerprints_tell_envs_and_seeds_apart():
    target = warehouse(grid="5x5")
    assert fingerprint(target) == fingerprint(warehouse(grid="5x5"))
    assert fingerprint(target) != fingerprint(warehouse(grid="5x6"))
    assert fingerprint(target) != fingerprint(CheckTarget(target.settings, seed=4, resets=10))
    assert fingerprint(target, resets=2) != fingerprint(target)


@pytest.mark.slow
def test_a_second_process_rebuilds_the_env_from_its_json_settings():
    target = warehouse(layout="random:9x9:0.3", layout_seed=5, random_start=True)
    assert fingerprint_in_subprocess(target) == fingerprint(target)
    other = warehouse(layout="random:9x9:0.3", layout_seed=6, random_start=True)
    assert fingerprint_in_subprocess(other) != fingerprint(target)


def test_a_map_floor_is_rebuilt_in_a_second_process(tmp_path):
    floor = tmp_path / "floor.txt"
    floor.write_text("S....\n.##.T\n.....\n.##.T\n")
    target = warehouse(map=str(floor), random_start=True)
    assert target.to_json()["map"] == str(floor)
    assert fingerprint_in_subprocess(target) == fingerprint(target)


def test_a_failing_second_process_is_one_line_naming_its_error():
    target = CheckTarget(GymnasiumSettings(id="nosuchmodule:Foo-v0"), resets=1)
    with pytest.raises(RuntimeError, match=r"^the second process failed: .*nosuchmodule") as info:
        fingerprint_in_subprocess(target)
    assert "\n" not in str(info.value)


def test_validate_refuses_unknown_ids_and_bad_floors_in_one_line():
    with pytest.raises(InvalidValueError, match="did you mean CartPole-v1"):
        CheckTarget(GymnasiumSettings(id="CartPol-v1")).validate()
    with pytest.raises(MapError, match="unknown layout 'bogus:3'"):
        warehouse(layout="bogus:3").validate()
    warehouse(layout="aisles:9x9").validate()
    CheckTarget(GymnasiumSettings(id="CartPole-v1")).validate()


def test_one_line_drops_colours_and_cuts_long_text():
    assert one_line("\x1b[33mWARN: a\n  b\x1b[0m") == "a b"
    cut = one_line("x" * 300, limit=20)
    assert len(cut) == 20 and cut.endswith("…")
