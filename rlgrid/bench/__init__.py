"""Benchmark code: ``rlgrid bench`` and the scripts in ``benchmarks/`` measure rlgrid with it.

- :mod:`.measures`: env and SB3 training throughput, against the seed's env in the same run.
- :mod:`.solving`: time to solve, each training a whole process (``rlgrid train``, the reference).
- :mod:`.tangram`: the tangram's solver timed cold, and agents (a run, the oracle, a random
  masked agent) on the same episodes; :mod:`.tangram_part`: the tangram part as tables.
- :mod:`.speed`: training throughput per algorithm and batch width, alone and side by side, each
  a whole process (``python -m rlgrid.bench.speed_worker``); :mod:`.speed_part`: the speed part
  as tables (with two preset trainings side by side, and a preset solved at each batch width).
- :mod:`.report`: a whole ``rlgrid bench`` run as tables of rows, ``bench.json`` and
  ``bench.md`` written (the CLI prints the tables, each a :class:`.section.Section`);
  :mod:`.targets`: the issue's targets checked.
- :mod:`.seed_reference`: the seed tutorial's env and trainers re-typed as the baseline
  (``python -m rlgrid.bench.seed_reference a2c ...`` is the reference's training process).

Nothing here is imported by rlgrid's training, evaluation or env code, and nothing here imports
typer or rich.
"""

SPEED_ALGOS = ("a2c", "ppo", "dqn")
SPEED_WIDTHS = (16, 64, 256, 1024)
PAIR_PRESET = "configs/a2c_64x64_coords.toml"
WIDTH_PRESET = "configs/a2c_aisles_32x32.toml"
"""The speed part's defaults (``rlgrid bench --only speed``): the algorithms and batch widths
whose throughput it measures, the preset it trains two side by side and the preset it solves
at each width. Here, so that the CLI's defaults are these without loading the bench."""
