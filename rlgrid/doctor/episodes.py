"""The doctor's replayed episodes: seeded greedy episodes of a trained agent on the evaluation env
(the env's own reward), every state recorded, and the loops a greedy policy gets trapped in.

A state is the observation with, where the unwrapped env has them, its ``robot`` and ``target``
cells (or Minigrid's ``agent_pos`` and ``agent_dir``). A greedy policy on a deterministic env that
meets a state twice repeats the steps between until the time limit; an episode counts as a loop
only where that was seen: from its first repeated state on, every state repeats the one a period
before, over two periods at least, until the time limit cut the episode (an env with random moves
breaks the period and shows no loop). Nothing here knows a family: what it reads of the unwrapped
env it looks for by name, as ``rlgrid render`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rlgrid.evaluation.episodes import play_episode

Cell = tuple[int, int]
STATE_PARTS = ("robot", "target", "agent_pos", "agent_dir")
"""Attributes of the unwrapped env that are part of its state besides the observation."""
SHOWN_CELLS = 5
"""Cells of a cycle its words name."""


@dataclass(frozen=True)
class Loop:
    """The cycle a trapped episode repeats: its length in steps, the robot's cells around it
    (starting from the smallest; empty where the env has no robot) and, for a q-table, how many
    of its states the table values at 0 (None for other agents)."""

    steps: int
    cells: tuple[Cell, ...]
    zero_valued: int | None = None

    def words(self) -> str:
        """The cycle as "2-cell oscillation between (3, 4) and (3, 5)"."""
        distinct = list(dict.fromkeys(self.cells))
        if not distinct:
            return "stuck in one state" if self.steps == 1 else f"a {self.steps}-step cycle"
        if self.steps == 1:
            return f"stuck at {distinct[0]}, its move leaving it in place"
        if len(distinct) == 1:
            return f"a {self.steps}-step cycle at {distinct[0]}"
        if len(distinct) == 2 == self.steps:
            return f"2-cell oscillation between {distinct[0]} and {distinct[1]}"
        path = " -> ".join(map(str, distinct[:SHOWN_CELLS]))
        path += " -> ..." if len(distinct) > SHOWN_CELLS else ""
        return f"a {self.steps}-step cycle through {len(distinct)} cells: {path}"


@dataclass(frozen=True)
class Replayed:
    """One replayed episode: its seed (``rlgrid render --seed`` plays it again), outcome and
    length, start and target cells (None where the env has none), what it was asked to do where
    the env names it (the tangram's silhouette), its loop, and a digest of its states (equal for
    episodes played the same way)."""

    seed: int
    success: bool | None
    length: int
    start: Cell | None
    target: Cell | None
    label: str | None
    loop: Loop | None
    digest: int


class _Recorder:
    """What play_episode's ``watch`` sees of one episode: a key per state, the robot's cells, the
    observations where ``keep``, and what the episode asks (``target``, ``label``)."""

    def __init__(self, inner: Any, keep: bool) -> None:
        self.inner, self.keep = inner, keep
        self.keys: list[int] = []
        self.cells: list[Cell | None] = []
        self.observations: list[np.ndarray] = []
        self.label: str | None = None
        self.target: Cell | None = None

    def __call__(self, obs: Any) -> None:
        inner = self.inner
        if not self.keys:  # what the episode asks, where the env says
            self.label = getattr(getattr(inner, "silhouette", None), "name", None)
            self.target = _cell(getattr(inner, "target", None))
        parts = tuple(_plain(getattr(inner, name)) for name in STATE_PARTS if hasattr(inner, name))
        self.keys.append(hash((_bytes(obs), parts)))
        self.cells.append(_cell(getattr(inner, "robot", None)))
        if self.keep:
            self.observations.append(np.array(obs))


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | str) else tuple(np.asarray(value).ravel().tolist())


def _cell(value: Any) -> Cell | None:
    return None if value is None else (int(value[0]), int(value[1]))


def _bytes(obs: Any) -> bytes:
    if isinstance(obs, dict):
        return b"".join(_bytes(obs[key]) for key in sorted(obs))
    if isinstance(obs, tuple):
        return b"".join(_bytes(part) for part in obs)
    array = np.asarray(obs)
    return array.tobytes() + str(array.shape).encode()


def find_loop(keys: list[int], truncated: bool) -> tuple[int, int] | None:
    """(first step of the cycle, its length) where the episode with these state keys was
    trapped: cut by the time limit, periodic from its first repeated state to its end, over two
    periods at least; else None."""
    if not truncated:
        return None
    seen: dict[int, int] = {}
    for step, key in enumerate(keys):
        if key in seen:
            first, period = seen[key], step - seen[key]
            periodic = all(keys[t] == keys[t - period] for t in range(step, len(keys)))
            return (first, period) if periodic and len(keys) - 1 - first >= 2 * period else None
        seen[key] = step
    return None


def replay(env: Any, agent: Any, episodes: int, seed: int, tabular: bool) -> list[Replayed]:
    """``episodes`` greedy episodes of ``agent`` on ``env``, episode k from ``reset(seed=seed +
    k)``. A ``tabular`` agent's values of the states it loops in are looked up
    (``values_batch``)."""
    inner = env.unwrapped
    played = []
    for number in range(episodes):
        record = _Recorder(inner, keep=tabular)
        episode = play_episode(env, agent.act, seed + number, watch=record)
        found = find_loop(record.keys, episode.truncated)
        loop = None
        if found is not None:
            first, period = found
            cells = [cell for cell in record.cells[first : first + period] if cell is not None]
            if cells:
                turn = min(range(len(cells)), key=lambda k: cells[k:] + cells[:k])
                cells = cells[turn:] + cells[:turn]
            zero = None
            if tabular:
                values = agent.values_batch(np.stack(record.observations[first : first + period]))
                zero = int(np.sum(values == 0))
            loop = Loop(period, tuple(cells), zero)
        success = None if episode.success is None else bool(episode.success)
        played.append(Replayed(seed + number, success, episode.length, record.cells[0],
                               record.target, record.label, loop,
                               hash(tuple(record.keys))))  # fmt: skip
    return played


def frames(env: Any, agent: Any, seed: int) -> list[np.ndarray]:
    """The first and the last frame of the greedy episode from ``reset(seed=seed)`` on ``env``
    (made to render ``rgb_array``)."""
    shots: list[np.ndarray] = []

    def first(obs: Any) -> None:
        if not shots:
            shots.append(np.asarray(env.render()))

    play_episode(env, agent.act, seed, watch=first)
    return [shots[0], np.asarray(env.render())]
