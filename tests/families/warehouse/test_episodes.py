import numpy as np
import pytest

from rlgrid.envs.oracle import oracle_actions
from rlgrid.families import EvalPlan
from rlgrid.families.warehouse import episodes
from rlgrid.families.warehouse.settings import WarehouseSettings


class Erring:
    """A deterministic policy that is right in most states and wrong in some: it walks a
    shortest path except where a fixed pseudo-random function of the robot's and the target's
    cells says otherwise, so its episodes succeed, go round loops of many lengths, or bump
    into shelves and stay."""

    greedy = True

    def __init__(self, layout, salt: int) -> None:
        self.layout, self.salt = layout, salt

    def act_batch(self, cells: np.ndarray) -> np.ndarray:
        robot, target = cells[:, 0], cells[:, 1]
        mixed = (robot * 7919 + target * 104729 + self.salt) * 2654435761 % 1000003
        return np.where(mixed % 8 == 0, mixed % 4, oracle_actions(self.layout, robot, target))


def cells(robot: np.ndarray, target: np.ndarray) -> np.ndarray:
    return np.stack([robot, target], axis=1)


@pytest.mark.parametrize(
    ("floor", "salt"),
    [
        ({"layout": "aisles:16x16", "layout_seed": 3}, 0),
        ({"layout": "random:12x12", "layout_seed": 1, "layouts": 4}, 1),
        ({"grid": "9x9", "targets": "anywhere"}, 2),
    ],
)
def test_ending_loops_early_gives_the_same_result_as_playing_to_the_time_limit(floor, salt):
    settings = WarehouseSettings(**floor, random_start=True).resolved()
    plan = EvalPlan(episodes=400, seed=5, all_targets=False)
    policy = Erring(settings.floor, salt)
    played_out = episodes.play(settings, policy.act_batch, cells, plan, greedy=False)
    cut_short = episodes.play(settings, policy.act_batch, cells, plan, greedy=True)
    assert cut_short == played_out
    assert 0.05 < played_out.success_rate < 0.95  # some episodes loop, some reach the target


def test_loops_of_every_length_are_caught_within_a_few_rounds():
    # The robot walks a fixed cycle of cells; the detector must say so soon after it closes,
    # whatever the cycle's length and however long the walk before it.
    for lead in (0, 1, 5, 17):
        for length in (1, 2, 3, 7, 40):
            path = list(range(100, 100 + lead)) + [1000 + k % length for k in range(400)]
            loops = episodes._Loops(np.array([path[0]]))
            caught = next(
                step
                for step, cell in enumerate(path[1:], start=1)
                if loops.closed(np.array([0]), np.array([cell])).size
            )
            assert lead + length <= caught <= 2 * (lead + length) + length, (lead, length, caught)


def test_a_policy_that_is_not_greedy_is_played_to_the_time_limit():
    # A random agent's robot comes back to cells all the time without looping: its episodes
    # must not be cut short. (The warehouse family reads the policy's greedy attribute.)
    from rlgrid.evaluation.random_agent import RandomAgent
    from rlgrid.families.warehouse.family import WarehouseFamily

    settings = WarehouseSettings(grid="8x8", targets="anywhere", random_start=True).resolved()
    plan = EvalPlan(episodes=300, seed=2, all_targets=False)
    result = WarehouseFamily().evaluate(settings, RandomAgent(4, 0), plan)
    assert result.success_rate > 0.3  # a random walk on 8x8 finds many targets in time


@pytest.mark.parametrize(
    ("floor", "random_start"),
    [
        ({"grid": "7x9", "targets": "anywhere"}, False),
        ({"grid": "7x9", "targets": "anywhere"}, True),
        ({"layout": "aisles:12x16", "layouts": 3}, True),  # several layouts need random starts
    ],
)
def test_a_seeded_plan_is_the_episodes_the_env_draws_after_reset_with_that_seed(
    floor, random_start
):
    import gymnasium as gym

    settings = WarehouseSettings(**floor, random_start=random_start).resolved()
    starts, targets = episodes.plan_cells(
        settings, EvalPlan(episodes=60, seed=11, all_targets=False)
    )
    env = gym.make(
        "rlgrid/Warehouse-v0", layout=settings.floor, random_start=random_start, max_steps=50
    ).unwrapped
    cols = settings.floor.size.cols
    env.reset(seed=11)
    drawn = []
    for _ in range(60):
        drawn.append((env.start[0] * cols + env.start[1], env.target[0] * cols + env.target[1]))
        env.reset()
    assert drawn == list(zip(starts.tolist(), targets.tolist(), strict=True))
