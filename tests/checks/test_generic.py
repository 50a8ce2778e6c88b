import gymnasium as gym
import pytest

from rlgrid.checks import generic
from rlgrid.checks.target import FAIL, PASS, WARN, CheckTarget
from rlgrid.families.gymnasium import GymnasiumSettings
from rlgrid.families.warehouse.settings import WarehouseSettings
from tests.broken_env import BROKEN_ID, BrokenWarehouseEnv

BROKEN = CheckTarget(GymnasiumSettings(id=f"tests.broken_env:{BROKEN_ID}"), resets=20)
SOUND = CheckTarget(WarehouseSettings(grid="5x7", random_start=True, max_steps=30), 4, 20)


# the defective env warns on every step; the checks below capture what they need themselves
pytestmark = pytest.mark.filterwarnings("ignore:.*WARN:")


@pytest.mark.parametrize(
    ("check", "found"),
    [
        (generic.gymnasium_unwrapped, "not within the observation space"),
        (generic.sb3_checker, "Expected: int32, actual dtype: int64"),
    ],
)
def test_the_checkers_raise_on_the_seed_defects(check, found):
    # run_checks turns what a check raises into a failed row (see test_run)
    with pytest.raises(AssertionError, match=found):
        check(BROKEN)


@pytest.mark.parametrize(
    ("check", "found"),
    [
        (generic.same_seed_same_episodes, "randomness must come only from self.np_random"),
        (generic.global_rngs_untouched, "Python's random"),
        (generic.observations_in_space, "dtype int64, the space says int32"),
    ],
)
def test_the_seed_defects_fail_their_checks(check, found):
    status, detail = check(BROKEN)
    assert status == FAIL
    assert found in detail


@pytest.mark.parametrize(
    "check",
    [
        generic.gymnasium_unwrapped,
        generic.gymnasium_made,
        generic.sb3_checker,
        generic.same_seed_same_episodes,
        generic.global_rngs_untouched,
        generic.observations_in_space,
        generic.time_limit,
        generic.throughput,
    ],
)
@pytest.mark.slow
def test_a_sound_warehouse_passes(check):
    status, detail = check(SOUND)
    assert status == PASS, detail


class Unlimited(CheckTarget):
    """The broken env as it is, without the time limit the gymnasium family gives every env."""

    def make(self, render_mode=None):
        return BrokenWarehouseEnv()


def test_an_env_without_time_limit_fails_that_check():
    status, detail = generic.time_limit(Unlimited(BROKEN.settings))
    assert status == FAIL and "no time limit" in detail


def test_the_time_limit_is_the_wrapper_or_the_env_own():
    cartpole = gym.make("CartPole-v1")
    assert generic.declared_time_limit(cartpole) == (500, "TimeLimit wrapper")
    assert generic.declared_time_limit(cartpole.unwrapped) == (None, "")
    assert generic.declared_time_limit(SOUND.make()) == (30, "the env's max_steps")
    assert "30 steps (the env's max_steps)" in generic.time_limit(SOUND)[1]


@pytest.mark.slow
def test_gymnasium_warnings_warn_and_the_wrapped_advice_does_not():
    cartpole = CheckTarget(GymnasiumSettings(id="CartPole-v1"))
    # gymnasium's own checker warns about CartPole's infinite velocity bounds: a warning row
    status, detail = generic.gymnasium_unwrapped(cartpole)
    assert status == WARN and "2 warning(s)" in detail and "infinity" in detail
    assert generic.sb3_checker(cartpole)[0] == PASS
    status, detail = generic.gymnasium_made(SOUND)
    assert status == PASS and "is different from the unwrapped" not in detail


def test_every_generic_check_has_a_unique_name():
    names = [check.name for check in generic.GENERIC_CHECKS]
    assert len(names) == len(set(names)) == 9
    assert "reaching the target" not in names
