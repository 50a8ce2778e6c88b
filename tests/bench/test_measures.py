import pytest

from rlgrid.bench import measures
from rlgrid.bench.measures import Measure
from rlgrid.envs.grid import GridSize


@pytest.mark.slow
def test_env_throughput_measures_every_env():
    found = measures.env_throughput(GridSize(5, 5), repeats=2, seconds=0.02)
    names = [m.name for m in found]
    assert names[0].startswith("seed env") and names[1].startswith("rlgrid env")
    assert names[2:] == [f"rlgrid batched env, N={n}" for n in measures.BATCH_SIZES]
    assert all(len(m.values) == 2 and min(m.values) > 0 for m in found)


def test_a_measure_is_its_median():
    assert Measure("x", [3.0, 1.0, 2.0], "steps/s").median == 2.0


@pytest.mark.slow
def test_sb3_throughput_trains_on_the_seed_env_and_the_batched_env():
    found = measures.sb3_throughput(GridSize(4, 4), steps=160, repeats=1)
    assert [m.name for m in found] == [
        "SB3 A2C, 1 seed env (reference)",
        "SB3 A2C, rlgrid batched env x16",
    ]
    assert all(len(m.values) == 1 and m.values[0] > 0 for m in found)
