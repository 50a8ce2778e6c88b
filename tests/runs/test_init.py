"""The ``rlgrid.runs`` package: every name reachable from the package, its submodules' import
boundaries, and no side effect when it is imported."""

import ast
import sys
from pathlib import Path

import pytest

from rlgrid import runs
from rlgrid.errors import RlgridError
from rlgrid.runs import atomic, folder, lock, metrics
from tests.conftest import run_python

PACKAGE = Path(runs.__file__).parent


def test_every_name_is_reexported_from_the_submodule_that_defines_it():
    homes = {module: vars(module) for module in (atomic, folder, lock, metrics)}
    assert len(runs.__all__) == len(set(runs.__all__))
    for name in runs.__all__:
        defined_in = [m for m, names in homes.items() if name in names]
        assert defined_in, f"{name} is defined in no submodule"
        assert all(vars(m)[name] is getattr(runs, name) for m in defined_in), name


def test_the_names_the_codebase_uses_are_there():
    used = ["CHECKPOINTS", "CONFIG", "CURVE", "EVALUATION", "LOCK", "MANIFEST", "MAP", "METRICS",
            "METRIC_COLUMNS", "MetricsLog", "RunError", "RunLock", "check_closed",
            "check_model_file", "check_name", "checkpoint_files", "checkpoint_path",
            "clean_temp_files", "create_run", "find_run", "new_manifest", "prune_checkpoints",
            "read_json", "read_manifest", "read_metrics", "update_manifest", "write_atomic",
            "write_json", "EpisodeRow", "metrics_text", "open_regular", "versions"]  # fmt: skip
    assert [name for name in used if not hasattr(runs, name)] == []
    assert issubclass(runs.RunError, RlgridError)


def _rlgrid_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("name", ["__init__", "atomic", "folder", "lock", "metrics"])
def test_submodules_import_only_errors_and_each_other(name):
    imported = _rlgrid_imports(PACKAGE / f"{name}.py")
    ours = {m for m in imported if m == "rlgrid" or m.startswith("rlgrid.")}
    allowed = {"rlgrid.errors"} | {f"rlgrid.runs.{m}" for m in ("atomic", "folder")}
    if name == "__init__":
        allowed |= {"rlgrid.runs.lock", "rlgrid.runs.metrics"}
    if name == "atomic":
        allowed = {"rlgrid.errors"}
    assert ours <= allowed, ours - allowed
    assert not {m for m in imported if m.split(".")[0] in ("typer", "rich")}


def test_importing_runs_loads_no_cli_library():
    out = run_python(
        "import sys; import rlgrid.runs\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'rich', 'click'}))"
    )
    assert out.strip() == "[]"


@pytest.mark.skipif(sys.platform == "win32", reason="umask is POSIX")
def test_importing_runs_leaves_the_umask_alone():
    # os.umask is watched: setting it, even to set it back, is process-global and races with
    # threads that create files meanwhile
    out = run_python(
        "import os\n"
        "os.umask(0o037)\n"
        "calls = []\n"
        "real = os.umask\n"
        "os.umask = lambda mask: (calls.append(oct(mask)), real(mask))[1]\n"
        "import rlgrid.runs, rlgrid.runs.atomic, rlgrid.runs.folder, rlgrid.runs.lock\n"
        "import rlgrid.runs.metrics\n"
        "print(calls)\n"
        "os.umask = real\n"
        "print(oct(os.umask(0o022)))\n"
    )
    assert out.split("\n")[:2] == ["[]", "0o37"]
