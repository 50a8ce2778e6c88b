"""A target shape of the tangram (:class:`Silhouette`) and its text format.

One character per cell, one line per row of cells. A character says which of the cell's four
triangles belong to the silhouette, as a hexadecimal digit whose bits are the triangles
``N=1, E=2, S=4, W=8`` (upper or lower case), or one of two easier names::

    .  or space   empty cell (0)            9  upper-left half (N+W)
    #             full cell (f)             3  upper-right half (N+E)
    1 2 4 8       one triangle: N, E, S, W  6  lower-right half (E+S)
                                            c  lower-left half (S+W)

``;`` starts a comment, to the end of the line; a line holding only a comment is no row. Short
lines end in empty cells, and empty rows and columns around the figure are dropped (its top row
and left column become 0). The seven pieces cover 64 triangles (16 full cells), so every
silhouette has an area of exactly 64; its parts need not touch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rlgrid.envs.tangram.pieces import AREA, Triangle
from rlgrid.errors import MapError

Solution = tuple[tuple[int, tuple[Triangle, ...]], ...]
"""An assembly: (kind index, triangles) for each of the seven pieces."""

CELLS: dict[str, int] = {".": 0, " ": 0, "#": 15} | {
    char: int(char, 16) for char in "0123456789abcdefABCDEF"
}
"""Each character of the text format and its triangles as bits ``N=1, E=2, S=4, W=8``."""
COMMENT = ";"
MAX_BYTES = 64 * 1024
"""The largest silhouette file read (a figure of 64 triangles takes a few hundred bytes)."""


@dataclass(frozen=True)
class Silhouette:
    """A target shape: its triangles, moved so that its top row and left column are 0, and an
    assembly of the seven pieces that fills it where one is known by construction (None where
    the solver has to find one)."""

    name: str
    triangles: frozenset[Triangle]
    solution: Solution | None = None

    def __post_init__(self) -> None:
        if not self.triangles:
            raise MapError(f"silhouette {self.name}: it has no triangles")
        top = min(r for r, _, _ in self.triangles)
        left = min(c for _, c, _ in self.triangles)
        if top or left:
            object.__setattr__(self, "triangles", _moved(self.triangles, top, left))
            if self.solution is not None:
                moved = tuple((kind, tuple(sorted(_moved(piece, top, left))))
                              for kind, piece in self.solution)  # fmt: skip
                object.__setattr__(self, "solution", moved)

    @property
    def rows(self) -> int:
        """Rows of cells its bounding box spans."""
        return max(r for r, _, _ in self.triangles) + 1

    @property
    def cols(self) -> int:
        """Columns of cells its bounding box spans."""
        return max(c for _, c, _ in self.triangles) + 1

    @property
    def area(self) -> int:
        """Triangles it covers (64 for a silhouette the seven pieces can fill)."""
        return len(self.triangles)


def _moved(triangles, top: int, left: int) -> frozenset[Triangle]:
    return frozenset((r - top, c - left, side) for r, c, side in triangles)


def parse(text: str, source: str = "silhouette") -> Silhouette:
    """The silhouette a text describes (named after ``source``'s file stem); anything malformed
    is one :class:`MapError` line naming ``source``, the row and the column."""
    triangles: set[Triangle] = set()
    row = 0
    for number, line in enumerate(text.splitlines(), start=1):
        cells, comment, _ = line.partition(COMMENT)
        if comment and not cells.strip():
            continue
        if not row and not cells.strip():
            continue  # blank lines before the first row
        row += 1
        for col, char in enumerate(cells, start=1):
            bits = CELLS.get(char)
            if bits is None:
                where = f"row {row}, column {col}" + (f" (line {number})" if number != row else "")
                raise MapError(
                    f"{source}: {where}: unknown character {char!r}; a cell is . (empty), "
                    "# (full) or a hexadecimal digit of its triangles N=1 E=2 S=4 W=8 "
                    "(9, 3, 6, c: the upper-left, upper-right, lower-right, lower-left half)"
                )
            triangles.update((row - 1, col - 1, side) for side in range(4) if bits >> side & 1)
    if not triangles:
        raise MapError(f"{source}: the silhouette is empty (no cell holds a triangle)")
    if len(triangles) != AREA:
        raise MapError(
            f"{source}: the silhouette covers {len(triangles)} triangles but the seven pieces "
            f"cover {AREA} (16 full cells; # is 4 triangles, a half cell such as 9 is 2)"
        )
    return Silhouette(Path(source).stem, frozenset(triangles))


def load(path: Path | str) -> Silhouette:
    """The silhouette in a text file, named after the file (``figures/cat.txt``: ``cat``)."""
    path = Path(path)
    try:
        with path.open("rb") as file:  # a bounded read: /dev/zero or a huge file is refused
            raw = file.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise MapError(f"silhouette file {path} is over {MAX_BYTES:,} bytes: not a silhouette")
        text = raw.decode("utf-8-sig")  # a byte-order mark is no cell
    except FileNotFoundError:
        raise MapError(f"silhouette file {path} does not exist") from None
    except IsADirectoryError:
        raise MapError(f"silhouette file {path} is a folder") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MapError(f"silhouette file {path}: cannot read it: {error}") from None
    return parse(text, str(path))


def to_text(silhouette: Silhouette) -> str:
    """The text format of ``silhouette`` (:func:`parse` reads it back): every row as wide as the
    figure, ``.`` for an empty cell, ``#`` for a full one, a lower-case digit otherwise."""
    bits = [[0] * silhouette.cols for _ in range(silhouette.rows)]
    for r, c, side in silhouette.triangles:
        bits[r][c] |= 1 << side
    names = {0: ".", 15: "#"}
    return "".join("".join(names.get(cell, f"{cell:x}") for cell in line) + "\n" for line in bits)
