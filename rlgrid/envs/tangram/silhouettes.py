"""The tangram's target shapes: the classic figures shipped with rlgrid, silhouette files,
generated silhouettes, and the ``silhouettes`` setting that chooses among them.

A silhouette and its text format are in :mod:`.silhouette_format`, generated ones in
:mod:`.generate`; this module gathers them (import from here). The classic figures are text files
in ``figures/`` (package data), each one solvable by the exact solver (tests check every one).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from rlgrid.envs.tangram.generate import generate, generated
from rlgrid.envs.tangram.pieces import SQUARE_SOLUTION
from rlgrid.envs.tangram.silhouette_format import Silhouette, Solution, load, parse, to_text
from rlgrid.errors import InvalidValueError

__all__ = [
    "DEFAULT_SET",
    "FIGURES",
    "GENERATED_SIZE",
    "Silhouette",
    "SilhouetteSet",
    "Solution",
    "classic",
    "classics",
    "generate",
    "generated",
    "is_file",
    "load",
    "parse",
    "parse_set",
    "to_text",
]

FIGURES = Path(__file__).with_name("figures")
"""The classic figures, one ``NAME.txt`` each."""
DEFAULT_SET = "square"
GENERATED_SIZE = 8
"""Cells a side of the box generated silhouettes stay within."""


@cache
def _classics() -> tuple[Silhouette, ...]:
    found = []
    for path in sorted(FIGURES.glob("*.txt")):
        figure = load(path)
        if figure.name == "square":  # the one assembly known by construction
            figure = Silhouette(figure.name, figure.triangles, SQUARE_SOLUTION)
        found.append(figure)
    return tuple(found)


def classics() -> dict[str, Silhouette]:
    """Every classic figure by name, in alphabetical order."""
    return {figure.name: figure for figure in _classics()}


def classic(name: str) -> Silhouette:
    """The classic figure ``name``; an unknown name is one line with the names (and a close
    match where there is one)."""
    figures = classics()
    if name not in figures:
        matches = difflib.get_close_matches(name, figures, n=1)
        hint = f" (did you mean {matches[0]!r}?)" if matches else ""
        raise InvalidValueError(
            f"unknown figure {name!r}{hint}; the classic figures: {', '.join(figures)}"
        )
    return figures[name]


@dataclass(frozen=True)
class SilhouetteSet:
    """What the ``silhouettes`` setting chose: a fixed list (``fixed``) an env draws each episode
    from, or, where ``fixed`` is None, a freshly generated silhouette every episode (drawn from
    the env's own ``np_random`` with :func:`generate`). ``max_rows`` x ``max_cols`` is the box
    every silhouette of the set fits in: the bound of generated ones (the same for every seed
    and size of a generated set), the largest figure of a fixed list otherwise."""

    fixed: tuple[Silhouette, ...] | None
    max_rows: int
    max_cols: int

    @property
    def random(self) -> bool:
        """Whether every episode gets a fresh generated silhouette."""
        return self.fixed is None

    @property
    def bounds(self) -> tuple[int, int]:
        """(rows, cols) of the box every silhouette fits in."""
        return self.max_rows, self.max_cols

    @classmethod
    def of(cls, figures: list[Silhouette] | tuple[Silhouette, ...]) -> SilhouetteSet:
        """A fixed list, its box the largest of its figures."""
        return cls(tuple(figures), max(f.rows for f in figures), max(f.cols for f in figures))


def parse_set(spec: str, seed: int = 0, base: Path | None = None) -> SilhouetteSet:
    """The silhouettes a setting names:

    - ``square`` (the default) or another classic figure's name (:func:`classics`);
    - ``classics``: every classic figure;
    - a silhouette file (``figures/cat.txt``, ``shapes/my.txt``): a name ending in ``.txt`` or
      holding a ``/``, relative to ``base`` where given;
    - several of those, separated by commas (``cat,swan,shapes/my.txt``);
    - ``random:N``: N generated silhouettes, the i-th from seed ``[seed, i]``;
    - ``random``: a fresh generated silhouette every episode.

    Generated silhouettes fit in 8x8 cells. Anything else is one line with the choices."""
    spec = spec.strip()
    if spec == "random":
        return SilhouetteSet(None, GENERATED_SIZE, GENERATED_SIZE)
    if spec.startswith("random:"):
        count = spec.removeprefix("random:")
        if not count.isdigit() or not 1 <= int(count) <= MAX_GENERATED:
            raise InvalidValueError(
                f"silhouettes {spec!r}: random:N needs a whole number of silhouettes N from 1 "
                f"to {MAX_GENERATED:,} (random: a new one every episode)"
            )
        figures = _generated(int(count), seed)
        return SilhouetteSet(figures, GENERATED_SIZE, GENERATED_SIZE)
    if spec == "classics":
        return SilhouetteSet.of(_classics())
    return SilhouetteSet.of([_one(part.strip(), base) for part in spec.split(",")])


MAX_GENERATED = 10_000
"""The most silhouettes a random:N set holds (made and kept in memory at once; about 1.5 s)."""


@lru_cache(maxsize=8)
def _generated(count: int, seed: int) -> tuple[Silhouette, ...]:
    """A generated set made once per process: every env of a run draws from the same one."""
    return tuple(generated(count, seed, GENERATED_SIZE, GENERATED_SIZE))


def is_file(part: str) -> bool:
    """Whether one part of the setting names a silhouette file (not a figure)."""
    return part.lower().endswith(".txt") or "/" in part or "\\" in part


def _one(part: str, base: Path | None) -> Silhouette:
    """One classic figure by name or one silhouette file."""
    if is_file(part):
        path = Path(part).expanduser()
        return load(base / path if base is not None and not path.is_absolute() else path)
    names = list(classics())
    if part in names:
        return classic(part)
    matches = difflib.get_close_matches(part, [*names, "classics", "random"], n=1)
    hint = f" (did you mean {matches[0]!r}?)" if matches else ""
    raise InvalidValueError(
        f"unknown silhouettes {part!r}{hint}; use a classic figure ({', '.join(names)}), "
        "classics, a .txt silhouette file, random:N or random"
    )
