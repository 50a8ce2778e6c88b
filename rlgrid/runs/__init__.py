"""Run folders: created exclusively, never overwritten, every file written atomically, one
writer at a time (a lock the kernel drops when the writer dies), no links out of the folder.

- :mod:`rlgrid.runs.atomic`: atomic writes and safe reads that know nothing about runs
  (``write_atomic``, ``write_json``, ``open_regular``, ``read_json``) and ``RunError``.
- :mod:`rlgrid.runs.folder`: the run folder's contract: its file names, creating and finding a
  run, the manifest, checkpoints, the closed world (no links) and leftover temporary files.
- :mod:`rlgrid.runs.lock`: ``RunLock``, the one writer of a run.
- :mod:`rlgrid.runs.metrics`: ``metrics.csv``, its typed rows (``EpisodeRow``) and ``MetricsLog``.

Every name is re-exported here: ``from rlgrid import runs; runs.write_atomic(...)``.
"""

from rlgrid.runs.atomic import RunError, open_regular, read_json, write_atomic, write_json
from rlgrid.runs.folder import (
    CHECKPOINTS,
    CONFIG,
    CURVE,
    EVALUATION,
    LIBRARIES,
    LOCK,
    MANIFEST,
    MAP,
    METRICS,
    check_closed,
    check_model_file,
    check_name,
    checkpoint_files,
    checkpoint_path,
    clean_temp_files,
    create_run,
    find_run,
    new_manifest,
    prune_checkpoints,
    read_manifest,
    update_manifest,
    versions,
)
from rlgrid.runs.lock import RunLock
from rlgrid.runs.metrics import (
    METRIC_COLUMNS,
    EpisodeRow,
    MetricsLog,
    fair_start,
    metrics_text,
    read_metrics,
)

__all__ = [
    "CHECKPOINTS",
    "CONFIG",
    "CURVE",
    "EVALUATION",
    "LIBRARIES",
    "LOCK",
    "MANIFEST",
    "MAP",
    "METRICS",
    "METRIC_COLUMNS",
    "EpisodeRow",
    "MetricsLog",
    "RunError",
    "RunLock",
    "check_closed",
    "check_model_file",
    "check_name",
    "checkpoint_files",
    "checkpoint_path",
    "clean_temp_files",
    "create_run",
    "fair_start",
    "find_run",
    "metrics_text",
    "new_manifest",
    "open_regular",
    "prune_checkpoints",
    "read_json",
    "read_manifest",
    "read_metrics",
    "update_manifest",
    "versions",
    "write_atomic",
    "write_json",
]
