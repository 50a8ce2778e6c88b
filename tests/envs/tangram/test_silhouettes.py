from collections import deque
from functools import cache

import numpy as np
import pytest

from rlgrid.envs.tangram.pieces import AREA, COUNTS, KINDS, SQUARE_SOLUTION, normalised
from rlgrid.envs.tangram.placements import Canvas
from rlgrid.envs.tangram.silhouettes import (
    GENERATED_SIZE,
    Silhouette,
    classic,
    classics,
    generate,
    generated,
    load,
    parse,
    parse_set,
    to_text,
)
from rlgrid.envs.tangram.solver import Solver
from rlgrid.errors import InvalidValueError, MapError, RlgridError

SQUARE = "####\n" * 4
ASSEMBLIES = {
    "arrow": 18,
    "boat": 7,
    "candle": 4,
    "cat": 4,
    "fish": 19,
    "hexagon-1": 4,
    "hexagon-2": 56,
    "hexagon-3": 24,
    "hexagon-4": 8,
    "house": 10,
    "parallelogram": 12,
    "pentagon-1": 20,
    "pentagon-2": 16,
    "rectangle": 36,
    "right-trapezoid-1": 12,
    "right-trapezoid-2": 36,
    "square": 8,
    "swan": 3,
    "trapezoid": 12,
    "triangle": 12,
}
"""Assemblies of each shipped figure (pieces of a kind alike), as the README lists them."""


@cache
def canvas(rows: int, cols: int) -> Canvas:
    return Canvas(rows, cols)


def assemblies(silhouette: Silhouette) -> int:
    board = canvas(silhouette.rows, silhouette.cols)
    return Solver(board).count(board.mask(silhouette.triangles), COUNTS)


def neighbours(triangle):
    """The triangles sharing an edge with ``triangle`` (written out here, apart from the
    generator's own)."""
    r, c, side = triangle
    across = {0: (r - 1, c, 2), 1: (r, c + 1, 3), 2: (r + 1, c, 0), 3: (r, c - 1, 1)}[side]
    return {(r, c, (side + 1) % 4), (r, c, (side + 3) % 4), across}


def connected(triangles) -> bool:
    start = next(iter(triangles))
    seen, queue = {start}, deque([start])
    while queue:
        for other in neighbours(queue.popleft()) & triangles - seen:
            seen.add(other)
            queue.append(other)
    return seen == set(triangles)


# --- the text format --------------------------------------------------------------------------


def test_the_square_parses_to_every_triangle_of_4x4_cells():
    square = parse(SQUARE, "figures/square.txt")
    assert square.name == "square"
    assert (square.rows, square.cols, square.area) == (4, 4, AREA)
    assert square.triangles == {(r, c, s) for r in range(4) for c in range(4) for s in range(4)}


@pytest.mark.parametrize("char", "0123456789abcdefABCDEF.# ")
def test_each_character_names_its_triangles(char):
    """15 full cells, then the character and a cell of the other triangles: 64 in all."""
    bits = {".": 0, " ": 0, "#": 15}.get(char) if char in ".# " else int(char, 16)
    rest = "0123456789abcdef"[15 - bits]
    figure = parse(f"####\n####\n####\n###\n{char}{rest}\n")
    assert {side for r, c, side in figure.triangles if (r, c) == (4, 0)} == {
        side for side in range(4) if bits >> side & 1
    }
    assert {side for r, c, side in figure.triangles if (r, c) == (4, 1)} == {
        side for side in range(4) if not bits >> side & 1
    }


def test_halves_read_as_the_readme_says():
    """9, 3, 6 and c are the upper-left, upper-right, lower-right and lower-left halves."""
    triangle = classic("triangle")
    assert to_text(triangle).splitlines()[-1] == "6######c"
    halves = {"9": {0, 3}, "3": {0, 1}, "6": {1, 2}, "c": {2, 3}}
    for char, sides in halves.items():
        figure = parse(f"{char}{'0123456789abcdef'[15 - int(char, 16)]}\n" + "####\n" * 3 + "###")
        assert {s for r, c, s in figure.triangles if (r, c) == (0, 0)} == sides


def test_comments_blank_lines_short_lines_and_crlf_are_read():
    text = (
        "; a square\r\n\r\n   \r\n####  ; the top row\r\n####\r\n; between\r\n####\r\n####\r\n\r\n"
    )
    assert parse(text).triangles == parse(SQUARE).triangles


def test_empty_rows_and_columns_around_the_figure_are_dropped():
    shifted = parse("\n......\n" + "".join(f"..{row}\n" for row in SQUARE.split()))
    assert shifted.triangles == parse(SQUARE).triangles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("####\n##x#\n####\n####\n", "shapes/bad.txt: row 2, column 3: unknown character 'x'"),
        ("; title\n####\n###\t\n", "shapes/bad.txt: row 2, column 4 (line 3): unknown character"),
        ("; nothing\n\n....\n", "shapes/bad.txt: the silhouette is empty"),
        (
            "####\n" * 3,
            "shapes/bad.txt: the silhouette covers 48 triangles but the seven pieces cover 64",
        ),
        ("####\n" * 4 + "9", "covers 66 triangles"),
    ],
)
def test_each_malformed_case_is_one_line_naming_file_row_and_column(text, expected):
    with pytest.raises(MapError) as caught:
        parse(text, "shapes/bad.txt")
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message and message.startswith("shapes/bad.txt: ")


def test_load_names_the_figure_after_its_file(tmp_path):
    path = tmp_path / "kite.txt"
    path.write_text(to_text(classic("swan")))
    kite = load(path)
    assert kite.name == "kite" and kite.triangles == classic("swan").triangles
    with pytest.raises(MapError, match=r"silhouette file .*missing\.txt does not exist"):
        load(tmp_path / "missing.txt")
    with pytest.raises(MapError, match="is a folder"):
        load(tmp_path)


def test_a_silhouette_file_error_names_the_file(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_text("####\n#?##\n")
    with pytest.raises(MapError, match=rf"^{path}: row 2, column 2: unknown"):
        load(path)


def test_to_text_round_trips_every_classic_and_generated_silhouette():
    for figure in [*classics().values(), *generated(20, seed=5)]:
        text = to_text(figure)
        assert parse(text).triangles == figure.triangles
        assert len({len(line) for line in text.splitlines()}) == 1  # every row as wide


def test_a_silhouette_moves_its_triangles_and_solution_to_row_and_column_0():
    moved = Silhouette(
        "moved",
        frozenset((r + 2, c + 3, s) for r, c, s in classic("square").triangles),
        tuple(
            (kind, tuple((r + 2, c + 3, s) for r, c, s in piece)) for kind, piece in SQUARE_SOLUTION
        ),
    )
    assert moved.triangles == classic("square").triangles
    assert moved.solution == SQUARE_SOLUTION


# --- the classic figures ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ASSEMBLIES))
def test_every_classic_figure_is_solvable(name):
    figure = classic(name)
    assert figure.area == AREA
    assert assemblies(figure) == ASSEMBLIES[name] >= 1


def test_every_shipped_figure_is_listed_and_the_square_has_8_assemblies():
    assert sorted(classics()) == sorted(ASSEMBLIES)
    assert ASSEMBLIES["square"] == 8
    square = classic("square")
    assert square.solution == SQUARE_SOLUTION
    assert {t for _, piece in square.solution for t in piece} == square.triangles


def test_an_unknown_figure_names_the_figures_and_a_close_match():
    with pytest.raises(
        InvalidValueError, match=r"^unknown figure 'swna' \(did you mean 'swan'\?\)"
    ):
        classic("swna")
    with pytest.raises(InvalidValueError, match="arrow, boat, candle"):
        classic("dragon")


# --- generated silhouettes --------------------------------------------------------------------


def test_generated_silhouettes_are_connected_within_bounds_and_solved_by_construction():
    shapes = {kind: set(KINDS[kind].shapes) for kind in range(len(KINDS))}
    for seed in range(100):
        figure = generate(np.random.default_rng(seed), max_rows=7, max_cols=8)
        assert figure.rows <= 7 and figure.cols <= 8
        assert figure.area == AREA and connected(figure.triangles)
        pieces = figure.solution
        assert sorted(kind for kind, _ in pieces) == [0, 0, 1, 2, 2, 3, 4]
        assert all(normalised(set(piece)) in shapes[kind] for kind, piece in pieces)
        covered = [t for _, piece in pieces for t in piece]
        assert len(covered) == len(set(covered)) and set(covered) == figure.triangles
        for i, (_, piece) in enumerate(pieces[1:], start=1):  # each touches one placed before
            before = {t for _, earlier in pieces[:i] for t in earlier}
            assert any(neighbours(t) & before for t in piece)
        assert assemblies(figure) >= 1


def test_generated_sets_are_reproducible_and_their_prefixes_stable():
    five = generated(5, seed=3)
    assert generated(5, seed=3) == five
    assert generated(2, seed=3) == five[:2]
    assert [f.name for f in five] == [f"random-3-{i}" for i in range(5)]
    others = generated(5, seed=4)
    assert not {f.triangles for f in five} & {f.triangles for f in others}
    assert five[1] == generate(np.random.default_rng([3, 1]), name="random-3-1")


def test_a_4x4_bound_leaves_only_the_square_and_an_impossible_bound_is_one_line():
    assert generate(np.random.default_rng(0), 4, 4).triangles == classic("square").triangles
    with pytest.raises(InvalidValueError, match="3x5 cells cannot hold the seven pieces"):
        generate(np.random.default_rng(0), 3, 5)
    with pytest.raises(InvalidValueError, match="max_cols must be an integer of at least 2"):
        generate(np.random.default_rng(0), 8, 1)
    with pytest.raises(InvalidValueError, match="non-negative"):
        generated(3, seed=-1)


# --- the silhouettes setting ------------------------------------------------------------------


def test_the_setting_names_figures_files_and_lists(tmp_path):
    default = parse_set("square")
    assert default.fixed == (classic("square"),) and default.bounds == (4, 4)
    assert not default.random
    everything = parse_set("classics")
    assert [f.name for f in everything.fixed] == sorted(ASSEMBLIES)
    assert everything.bounds == (
        max(f.rows for f in everything.fixed),
        max(f.cols for f in everything.fixed),
    )
    (tmp_path / "mine.txt").write_text(to_text(classic("cat")))
    mixed = parse_set("swan, mine.txt", base=tmp_path)
    assert [f.name for f in mixed.fixed] == ["swan", "mine"]
    assert parse_set(str(tmp_path / "mine.txt")).fixed[0].triangles == classic("cat").triangles


def test_the_setting_makes_generated_sets_and_fresh_silhouettes():
    chosen = parse_set("random:4", 7)
    assert chosen.fixed == tuple(generated(4, seed=7)) and not chosen.random
    assert chosen.bounds == (GENERATED_SIZE, GENERATED_SIZE)
    fresh = parse_set("random")
    assert fresh.fixed is None and fresh.random and fresh.bounds == (8, 8)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("sqare", r"unknown silhouettes 'sqare' \(did you mean 'square'\?\); use a classic"),
        ("dragon", r"random:N or random$"),
        ("random:0", r"random:N needs a whole number"),
        ("random:many", r"random:N needs a whole number"),
        ("cat,nope.txt", r"silhouette file nope\.txt does not exist"),
    ],
)
def test_an_unknown_setting_is_one_line_with_the_choices(spec, expected):
    with pytest.raises(RlgridError, match=expected):
        parse_set(spec)


def test_huge_files_and_sets_are_refused(tmp_path):
    from rlgrid.envs.tangram.silhouette_format import MAX_BYTES, load
    from rlgrid.envs.tangram.silhouettes import MAX_GENERATED, parse_set

    big = tmp_path / "big.txt"
    big.write_text("#" * (MAX_BYTES + 1))
    with pytest.raises(MapError, match="over"):
        load(big)
    with pytest.raises(InvalidValueError, match="from 1 to"):
        parse_set(f"random:{MAX_GENERATED + 1}")
