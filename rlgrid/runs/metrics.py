"""``metrics.csv``: one typed row per finished episode (:class:`EpisodeRow`), appended as
training goes and read back with a last line torn by a crash left out."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from rlgrid.runs.atomic import AppendedFile, write_atomic
from rlgrid.runs.folder import METRICS, RunError


class EpisodeRow(NamedTuple):
    """One finished episode: a line of ``metrics.csv``, its fields in the file's column order.

    ``ret`` is the column ``return`` (a Python keyword cannot name a field): the env's own,
    unshaped return; ``shaped_return`` is the one the agent learned from."""

    episode: int
    timesteps: int
    length: int
    ret: float
    success: bool | None
    epsilon: float | None
    shortest_path_length: int
    shaped_return: float


_COLUMN_NAMES = {"ret": "return"}
"""The columns of ``metrics.csv`` that are named otherwise than their :class:`EpisodeRow` field."""
METRIC_COLUMNS = tuple(_COLUMN_NAMES.get(field, field) for field in EpisodeRow._fields)
"""The header of ``metrics.csv``."""


def metrics_text(rows: Sequence[EpisodeRow], header: bool = True) -> str:
    """Rows as ``metrics.csv`` lines (with the header line when ``header``). Plain tuples in the
    column order are written the same as :class:`EpisodeRow` ones."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(METRIC_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def read_metrics(run: Path) -> list[EpisodeRow]:
    """Rows of an existing ``metrics.csv``, typed. A last line cut off by a crash (no newline at
    its end) is left out: rows are appended as training goes, and a dead process can leave half
    of one."""
    path = run / METRICS
    if not path.exists():
        return []
    try:
        text = path.read_text()
        if text and not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]
        reader = csv.reader(io.StringIO(text))
        if tuple(next(reader)) != METRIC_COLUMNS:
            raise ValueError("unexpected header")
        return [
            EpisodeRow(
                int(e),
                int(t),
                int(n),
                float(r),
                _flag(s),
                float(eps) if eps else None,
                int(best),
                float(shaped),
            )
            for e, t, n, r, s, eps, best, shaped in reader
        ]
    except (ValueError, StopIteration, OSError, csv.Error) as error:
        raise RunError(f"{path} is not a metrics file rlgrid wrote: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _flag(text: str) -> bool | None:
    if text not in ("True", "False", ""):
        raise ValueError(f"success must be True, False or empty, not {text!r}")
    return None if text == "" else text == "True"


class MetricsLog:
    """``metrics.csv`` as training goes: rows are appended (and flushed) as episodes finish, and
    made durable (fsync) before every checkpoint, so a crash loses no episode that the newest
    checkpoint counts. Opening keeps the first ``keep`` episodes already there: those that the
    state training resumes from has seen; later rows belong to training that is replayed."""

    def __init__(self, run: Path, keep: int) -> None:
        self.path = run / METRICS
        rows = read_metrics(run)[:keep]
        if len(rows) != keep or any(row.episode != i for i, row in enumerate(rows)):
            raise RunError(
                f"{self.path} holds {len(rows)} episodes in order, but the run's saved state "
                f"counts {keep}"
            )
        self.rows: list[EpisodeRow] = rows
        """The rows kept from before this training session."""
        write_atomic(self.path, metrics_text(rows))
        self._file = AppendedFile(self.path)

    def append(self, rows: Sequence[EpisodeRow]) -> None:
        """Write ``rows`` (or plain tuples in the column order) at the end and flush them."""
        if rows:
            self._file.write(metrics_text(rows, header=False))

    def sync(self) -> None:
        self._file.sync()

    def close(self) -> None:
        self._file.close()


def fair_start(rows: Sequence[EpisodeRow]) -> int:
    """The first step at which the episodes ended so far are a fair sample: every lane has
    played a whole episode of the longest length seen. Before it, lanes that run side by side
    have finished only their short episodes (on the warehouse: the successes; a failure runs to
    the time limit), and the average would start at a false 100%. The number of lanes is read
    off the first episode: all lanes start together, and the step counter counts every lane."""
    first = rows[0]
    lanes = max(first.timesteps // max(first.length, 1), 1)
    return lanes * max(row.length for row in rows)
