"""A periodic evaluation plays a short screen first and the whole plan only where the screen
could pass; solved always comes from the whole plan."""

import numpy as np
import pytest

from rlgrid.algos.sb3.storage import EVALUATIONS, read_evaluations, write_evaluations
from rlgrid.config import build_config
from rlgrid.envs.oracle import oracle_actions
from rlgrid.families.warehouse.episodes import plan_cells
from rlgrid.runs import RunError
from rlgrid.training import assess


def config_for(episodes: int = 1000):
    return build_config(
        None,
        {"algo": "a2c", "env.grid": "12x12", "env.targets": "anywhere", "env.random_start": True,
         "eval.episodes": episodes, "timesteps": 1000},
        {},
    )  # fmt: skip


class Oracle:
    """A greedy agent that reads the robot's and the target's cells (the tests give it those
    instead of the encoding) and walks a shortest path, except towards ``blind`` targets, where
    it walks into the top wall and stays."""

    greedy = True

    def __init__(self, config, blind: set[int] = frozenset()) -> None:
        self.layout, self.blind = config.env.floor, blind

    def act_batch(self, cells: np.ndarray) -> np.ndarray:
        robot, target = cells[:, 0], cells[:, 1]
        best = oracle_actions(self.layout, robot, target)
        return np.where(np.isin(target, list(self.blind)), 3, best)


@pytest.fixture
def by_cells(monkeypatch):
    """The warehouse's evaluation hands the agent the robot's and target's cells."""
    from rlgrid.families.warehouse import family

    class Cells:
        def __init__(self, settings) -> None:
            pass

        def encode(self, robot, target):
            return np.stack([robot, target], axis=1)

    monkeypatch.setattr(family, "encoding", Cells)


def test_an_agent_that_fails_in_the_screen_is_judged_on_the_screen_alone(by_cells):
    config = config_for()
    screen = assess.plan(config, episodes=assess.SCREEN)
    _, targets = plan_cells(config.env, screen)
    agent = Oracle(config, blind={int(targets[7])})  # the 8th screen episode fails
    judgement = assess.periodic_judge(config, agent)
    assert not judgement.solved
    assert judgement.result.episodes == assess.SCREEN
    assert judgement.result == assess.evaluate(config, Oracle(config, agent.blind), screen)
    whole = assess.judge(config, Oracle(config, agent.blind))
    assert not whole.solved and whole.result.episodes == 1000


def test_an_agent_that_passes_the_screen_plays_the_whole_plan(by_cells):
    config = config_for()
    _, targets = plan_cells(config.env, assess.plan(config))
    late = {int(t) for t in targets[500:]} - {int(t) for t in targets[: assess.SCREEN]}
    agent = Oracle(config, blind={min(late)})  # fails only after the screen
    judgement = assess.periodic_judge(config, agent)
    assert judgement.result.episodes == 1000 and not judgement.solved
    assert judgement == assess.judge(config, Oracle(config, agent.blind))

    solver = assess.periodic_judge(config, Oracle(config))
    assert solver.solved and solver.result.episodes == 1000  # solved from every episode
    assert solver == assess.judge(config, Oracle(config))


def test_a_short_plan_is_never_screened(by_cells):
    config = config_for(episodes=150)
    _, targets = plan_cells(config.env, assess.plan(config))
    judgement = assess.periodic_judge(config, Oracle(config, blind={int(targets[0])}))
    assert judgement.result.episodes == 150


def test_evaluations_record_how_many_episodes_each_played_and_old_files_still_read(tmp_path):
    rows = [(2000, 0.25, 1.5, 0.25, False, 100), (4000, 1.0, 1.01, 1.0, True, 1000)]
    write_evaluations(tmp_path / EVALUATIONS, rows)
    assert read_evaluations(tmp_path / EVALUATIONS) == rows
    old = tmp_path / "old.csv"
    old.write_text(
        "timesteps,success_rate,optimality_ratio,mean_return,solved\n2000,0.5,,0.5,False\n"
    )
    assert read_evaluations(old) == [(2000, 0.5, None, 0.5, False, None)]
    old.write_text("timesteps,success_rate,optimality_ratio,mean_return,solved\n2000,0.5,,0.5\n")
    with pytest.raises(RunError, match="not an evaluations file"):
        read_evaluations(old)
