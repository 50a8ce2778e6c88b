"""Studies: every combination of algorithms, grids, rewards, varied env settings and seeds as
ordinary rlgrid runs in one study folder, run in parallel (local processes, or Ray tasks),
resumable, summarised.

A study folder holds ``study.json`` (what to run, and the failures), ``runs/`` (one ordinary run
folder per combination and seed), and the results: ``results.csv``, ``results.md``,
``learning_curves.png`` and ``time_to_solve.png``.

- :mod:`rlgrid.studies.spec`: what a study runs (:class:`StudySpec`, :class:`Job`) and its folder
  (:class:`Study`);
- :mod:`rlgrid.studies.axes`: the varied ``[env]`` settings (``--vary KEY=V1,V2``), the reward
  among them, and every combination's config checked before anything runs;
- :mod:`rlgrid.studies.execute`: running jobs as local worker processes, and Ctrl+C;
- :mod:`rlgrid.studies.ray_backend`: running them as Ray tasks;
- :mod:`rlgrid.studies.results`: collecting the runs' outcomes into tables, CSV, Markdown;
- :mod:`rlgrid.studies.charts`: their learning curves and times to solve, drawn;
- :mod:`rlgrid.studies.compare`: what ``rlgrid compare`` does, returned as data for the CLI to
  print.

Nothing here prints: progress goes through a listener the caller passes in.
"""
