"""The package's layers, read from its imports: no package imports one above it, siblings in a
layer stay apart, nothing imports in a cycle, and only the CLI prints with typer or rich.

Imports under ``if TYPE_CHECKING:`` are not imports at run time (type hints only) and are left
out; imports inside functions are real imports and count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "rlgrid"

LAYERS: list[tuple[str, ...]] = [
    ("cli",),
    ("studies", "bench", "watch", "checks", "doctor"),
    ("training",),
    ("config",),
    ("families", "algos"),
    ("evaluation", "plots"),
    ("envs", "runs"),
    ("literals",),
    ("errors", "interrupts", "threads", "strict", "findings"),
]
"""Top to bottom (docs/architecture.md says what each holds). A module may import from its own
package and from packages in lower layers only."""

OUTPUT_LIBRARIES = ("typer", "rich", "click")
MAX_LINES = 300


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str) -> set[str]:
    """The modules ``name`` imports at run time (rlgrid's own resolved to modules, others by
    their top-level package)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
        stack.extend(ast.iter_child_nodes(node))
    return found


GRAPH = {name: {m for m in imports_of(name) if m in MODULES} for name in MODULES}


def layer_of(name: str) -> tuple[int, str] | None:
    parts = name.split(".")
    if len(parts) < 2:
        return None  # the package itself and __main__
    for level, packages in enumerate(LAYERS):
        if parts[1] in packages:
            return level, parts[1]
    return None


def test_every_package_has_a_layer():
    missing = sorted({n.split(".")[1] for n in MODULES if n.count(".") and layer_of(n) is None})
    assert missing == ["__main__"]


def test_no_module_imports_from_a_layer_above_or_a_sibling():
    wrong = []
    for name, imported in GRAPH.items():
        mine = layer_of(name)
        if mine is None:
            continue
        for other in imported:
            theirs = layer_of(other)
            if theirs is None or theirs[1] == mine[1]:
                continue
            if theirs[0] <= mine[0]:
                wrong.append(f"{name} imports {other}")
    assert wrong == []


def test_no_import_cycles():
    """Tarjan's strongly connected components over the import graph: each must be one module
    (a package importing its own submodules from ``__init__`` is not a cycle back)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in GRAPH[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


def test_only_the_cli_imports_output_libraries():
    wrong = [
        f"{name} imports {module}"
        for name in MODULES
        if not name.startswith("rlgrid.cli")
        for module in imports_of(name)
        if module.split(".")[0] in OUTPUT_LIBRARIES
    ]
    assert wrong == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_the_checker_sees_a_planted_upward_import(tmp_path, monkeypatch):
    """The checks above can fail: an envs module that imports training is caught."""
    planted = PACKAGE / "envs" / "layout.py"
    GRAPH_WITH = {**GRAPH, "rlgrid.envs.layout": GRAPH["rlgrid.envs.layout"] | {
        "rlgrid.training.session"}}  # fmt: skip
    monkeypatch.setattr("tests.test_architecture.GRAPH", GRAPH_WITH)
    assert planted.exists()
    with pytest.raises(AssertionError, match=r"rlgrid\.envs\.layout imports rlgrid\.training"):
        test_no_module_imports_from_a_layer_above_or_a_sibling()
