import sys
from types import SimpleNamespace

import pytest

from rlgrid.bench import speed, speed_worker
from rlgrid.bench.speed import SEED_ENV, Throughput
from rlgrid.bench.speed_worker import Timer
from rlgrid.envs.grid import GridSize

WORKER = (
    "import json, sys\n"
    "print('ready', flush=True)\n"
    "sys.stdin.readline()\n"
    "print(json.dumps({'rate': float(sys.argv[1]), 'params': {}}))\n"
)
"""A stand-in worker: warm at once, then its record once told to go."""


def test_workers_side_by_side_start_timing_together_and_report_each():
    commands = [[sys.executable, "-c", WORKER, "10.5"], [sys.executable, "-c", WORKER, "20"]]
    records = speed.run_side_by_side(commands, timeout=60)
    assert [r["rate"] for r in records] == [10.5, 20.0]


def test_a_failing_worker_stops_the_others_with_its_error():
    failing = [sys.executable, "-c", "import sys; sys.exit('no such algorithm: xyz')", "x", "y"]
    with pytest.raises(RuntimeError, match="no such algorithm: xyz"):
        speed.run_side_by_side([[sys.executable, "-c", WORKER, "1"], failing], timeout=60)


def test_throughput_is_measured_alone_and_side_by_side_repeats_interleaved(monkeypatch):
    asked = []

    def run_side_by_side(commands, timeout):
        asked.append((commands[0][3], commands[0][5], len(commands)))
        rate = 100.0 * len(asked)
        return [{"rate": rate + i, "params": {"n_steps": 5}} for i in range(len(commands))]

    monkeypatch.setattr(speed, "run_side_by_side", run_side_by_side)
    told = []
    found = speed.measure_throughput(["a2c"], [16, 64], 2, 0.5, 60, told.append)
    assert asked == [(SEED_ENV, "1", 1), ("a2c", "16", 1), ("a2c", "16", 2), ("a2c", "64", 1),
                     ("a2c", "64", 2)] * 2  # fmt: skip
    reference, narrow, wide = found
    assert reference.alone == [100.0, 600.0] and reference.side == []
    assert narrow.alone == [200.0, 700.0] and narrow.side == [300.0, 301.0, 800.0, 801.0]
    assert wide.params == {"n_steps": 5}
    assert told[:2] == ["training throughput: seed-env x1, repeat 1/2, alone",
                        "training throughput: a2c x16, repeat 1/2, alone"]  # fmt: skip
    assert "training throughput: a2c x64, repeat 2/2, side by side" in told


def test_the_throughput_table_compares_with_the_seed_env_and_alone():
    found = [
        Throughput(SEED_ENV, 1, [900.0, 1000.0, 1100.0], [], {"n_steps": 5}),
        Throughput("a2c", 64, [40_000.0], [30_000.0, 34_000.0], {"n_steps": 5}),
        Throughput("dqn", 1024, [500_000.0], [250_000.0, 250_000.0],
                   {"train_freq": 4, "train_freq_unit": "step", "gradient_steps": 1,
                    "batch_size": 32, "learning_starts": 100, "exploration": 0.05}),
    ]  # fmt: skip
    section = speed.throughput_section(found, 3, GridSize(16, 16))
    assert section.title.startswith("training throughput on the batched warehouse 16x16")
    assert "median of 3" in section.title and "dqn at rlgrid's defaults" in section.title
    assert section.rows == [
        ["SB3 A2C, seed env (reference)", "1", "1,000", "1.0x", "-", "-", "n_steps 5"],
        ["a2c", "64", "40,000", "40.0x", "32,000", "0.80x", "n_steps 5"],
        ["dqn", "1,024", "500,000", "500.0x", "250,000", "0.50x",
         "train_freq 4, gradient_steps 1, batch 32, eps 0.05"],
    ]  # fmt: skip


def test_the_best_width_is_the_fastest_alone():
    found = [Throughput("a2c", 16, [10.0]), Throughput("a2c", 256, [30.0, 50.0, 40.0]),
             Throughput("ppo", 64, [99.0])]  # fmt: skip
    assert speed.best_width(found, "a2c").n_envs == 256
    assert speed.best_width(found, "dqn") is None


def test_the_timer_warms_up_then_times_whole_iterations(monkeypatch):
    clock = iter([0.0, 0.1, 0.6, 0.7, 2.0, 3.4])
    monkeypatch.setattr(speed_worker.time, "perf_counter", lambda: next(clock))
    timer = Timer(seconds=2.5, wait=False, learning_starts=0)  # began at 0.0
    timer.model = SimpleNamespace(num_timesteps=0)
    timer._on_rollout_start()  # 0.1 s: the first iteration starts, warming up
    timer.model.num_timesteps = 80
    timer._on_rollout_start()  # 0.6 s: one whole iteration and 0.5 s: timing from now (0.7 s)
    assert timer.start == (0.7, 80) and timer._on_step()
    timer.model.num_timesteps = 160
    timer._on_rollout_start()  # 1.3 s timed: not yet
    assert timer.result is None and timer._on_step()
    timer.model.num_timesteps = 240
    timer._on_rollout_start()  # 2.7 s timed: the iteration that ended here is the last
    assert timer.result == (160, pytest.approx(2.7)) and not timer._on_step()


def test_the_timer_waits_past_dqns_learning_starts(monkeypatch):
    monkeypatch.setattr(speed_worker.time, "perf_counter", lambda: 100.0)
    timer = Timer(seconds=1.0, wait=False, learning_starts=500)
    timer.began = 0.0
    timer.model = SimpleNamespace(num_timesteps=400)
    timer._on_rollout_start()
    timer._on_rollout_start()
    assert timer.start is None
    timer.model.num_timesteps = 600
    timer._on_rollout_start()
    assert timer.start == (100.0, 600)


@pytest.mark.slow
def test_real_workers_time_rlgrid_and_the_seed_env():
    commands = [[*speed.worker_command("ppo", 4, 0.2, GridSize(5, 5)), "--rollout-cap", "64"],
                speed.worker_command(SEED_ENV, 1, 0.2, GridSize(5, 5))]  # fmt: skip
    ppo, reference = speed.run_side_by_side(commands, timeout=300)
    assert ppo["n_envs"] == 4 and ppo["params"]["n_steps"] == 16  # 64 steps a rollout
    assert ppo["steps"] % 64 == 0 and ppo["seconds"] >= 0.2 and ppo["rate"] > 0
    assert reference["algo"] == SEED_ENV and reference["n_envs"] == 1 and reference["rate"] > 0
