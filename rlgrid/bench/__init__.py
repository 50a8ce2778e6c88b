"""Benchmark code: ``rlgrid bench`` and the scripts in ``benchmarks/`` measure rlgrid with it.

- :mod:`.measures`: env and SB3 training throughput, against the seed's env in the same run.
- :mod:`.solving`: time to solve, each training a whole process (``rlgrid train``, the reference).
- :mod:`.tangram`: the tangram's solver timed cold, and agents (a run, the oracle, a random
  masked agent) on the same episodes; :mod:`.tangram_part`: the tangram part as tables.
- :mod:`.report`: a whole ``rlgrid bench`` run as tables of rows, ``bench.json`` and
  ``bench.md`` written (the CLI prints the tables, each a :class:`.section.Section`);
  :mod:`.targets`: the issue's targets checked.
- :mod:`.seed_reference`: the seed tutorial's env and trainers re-typed as the baseline
  (``python -m rlgrid.bench.seed_reference a2c ...`` is the reference's training process).

Nothing here is imported by rlgrid's training, evaluation or env code, and nothing here imports
typer or rich.
"""
