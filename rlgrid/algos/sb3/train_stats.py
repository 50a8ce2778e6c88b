"""``train_stats.csv``: SB3's ``train/`` statistics (losses, entropy, explained variance, the
learning rate...) of a run's updates, one row per update or fewer, for ``rlgrid doctor`` to read
entropy collapse and value-loss blow-up from.

SB3 records them in its logger's ``name_to_value`` at the end of every ``train()``, whatever
its verbosity, and keeps them there until its next ``dump``, which comes after the next rollout
is collected: the callback's rollout start, and the end of training, read them in between. Rows
are appended and flushed as they come, made durable before every checkpoint, and a resumed run
keeps the rows of the state it resumes from (the updates it counts); a last line torn by a crash
is left out when read. Reading needs no torch."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path

from rlgrid.runs import RunError, open_regular, write_atomic
from rlgrid.runs.atomic import AppendedFile

TRAIN_STATS = "train_stats.csv"
STAT_KEYS: dict[str, tuple[str, ...]] = {
    "a2c": (
        "learning_rate", "entropy_loss", "policy_loss", "value_loss", "explained_variance", "std"
    ),
    "ppo": (
        "learning_rate", "entropy_loss", "policy_gradient_loss", "value_loss", "loss",
        "approx_kl", "clip_fraction", "clip_range", "explained_variance", "std",
    ),
    "maskable-ppo": (
        "learning_rate", "entropy_loss", "policy_gradient_loss", "value_loss", "loss",
        "approx_kl", "clip_fraction", "clip_range", "explained_variance",
    ),
    "dqn": ("learning_rate", "loss"),
}  # fmt: skip
"""The ``train/`` keys each algorithm's ``train()`` records (``std`` only for continuous
actions): the columns after ``timesteps`` and ``n_updates``, empty where a value is absent."""
ROW_STEPS = 1_000
ROW_UPDATES = 100
"""A row is written after an update once this many steps or updates (whichever comes first)
have passed since the last row: every update of PPO's long rollouts, every 1,000 steps of a2c's
short ones, every 100 of DQN's updates (one every few steps). The newest updates of a training
session always get their row when it ends."""


def read_train_stats(run: Path) -> list[dict[str, float]]:
    """The rows of the run's ``train_stats.csv`` (none when it has none): column -> value, the
    empty cells left out, ``timesteps`` and ``n_updates`` as ints. Non-finite values stay as they
    were written (``nan``, ``inf``): they are what a diagnosis looks for."""
    path = run / TRAIN_STATS
    if not path.exists():
        return []
    try:
        with open_regular(path) as stream:  # never a named pipe that would block the reader
            text = stream.read().decode()
        if text and not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]
        header, *lines = text.splitlines() or [""]
        columns = header.split(",")
        if columns[:2] != ["timesteps", "n_updates"] or len(set(columns)) != len(columns):
            raise ValueError("unexpected header")
        rows = []
        for line in lines:
            cells = line.split(",")
            if len(cells) != len(columns):
                raise ValueError(f"a row of {len(cells)} cells under {len(columns)} columns")
            row: dict[str, float] = {"timesteps": int(cells[0]), "n_updates": int(cells[1])}
            named = zip(columns[2:], cells[2:], strict=True)
            row.update((name, float(cell)) for name, cell in named if cell != "")
            rows.append(row)
        return rows
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise RunError(f"{path} is not a training statistics file rlgrid wrote: {error}") from None


class TrainStatsLog:
    """``train_stats.csv`` as training goes. Opening keeps the rows of the updates that the state
    training goes on from has made (``n_updates`` of them, at ``timesteps``): later rows belong to
    training that is replayed."""

    def __init__(self, run: Path, algo: str, timesteps: int, n_updates: int) -> None:
        self.path = run / TRAIN_STATS
        self.keys = STAT_KEYS[algo]
        kept = [
            row
            for row in read_train_stats(run)
            if row["n_updates"] <= n_updates and row["timesteps"] <= timesteps
        ]
        write_atomic(self.path, self._lines([("timesteps", "n_updates", *self.keys)], kept))
        last = kept[-1] if kept else {"timesteps": 0, "n_updates": 0}
        self.last = (int(last["timesteps"]), int(last["n_updates"]))
        """Steps and updates at the last row written."""
        self.pending: dict[str, float] | None = None
        """The values of the newest updates, not written yet."""
        self._file = AppendedFile(self.path)

    def _lines(self, head: Sequence[Sequence[str]], rows: Sequence[Mapping[str, float]]) -> str:
        cells = [list(line) for line in head]
        for row in rows:
            values = (row.get(name) for name in self.keys)
            cells.append(
                [str(row["timesteps"]), str(row["n_updates"])]
                + ["" if value is None else repr(float(value)) for value in values]
            )
        return "".join(",".join(line) + "\n" for line in cells)

    def record(self, timesteps: int, n_updates: int, logged: Mapping[str, object]) -> None:
        """Take the ``train/`` values in ``logged`` (SB3's ``name_to_value``) after the updates
        up to ``n_updates``, when there are new ones; write them as a row when enough updates
        have passed (see :data:`ROW_STEPS`), else keep them for :meth:`close`."""
        newest = self.pending["n_updates"] if self.pending is not None else self.last[1]
        if n_updates <= newest:
            return
        row: dict[str, float] = {"timesteps": timesteps, "n_updates": n_updates}
        for name in self.keys:
            value = logged.get(f"train/{name}")
            if isinstance(value, numbers.Real):
                row[name] = float(value)
        self.pending = row
        steps_before, updates_before = self.last
        if timesteps - steps_before >= ROW_STEPS or n_updates - updates_before >= ROW_UPDATES:
            self._write_pending()

    def _write_pending(self) -> None:
        row, self.pending = self.pending, None
        if row is None:
            return
        self._file.write(self._lines((), [row]))
        self.last = (int(row["timesteps"]), int(row["n_updates"]))

    def sync(self) -> None:
        """Make the rows so far durable (before a checkpoint that counts their updates)."""
        self._file.sync()

    def close(self) -> None:
        """Write the row of the last updates (the end of a training session) and close."""
        if not self._file.closed:
            self._write_pending()
            self.sync()
            self._file.close()
