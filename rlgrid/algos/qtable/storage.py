"""A q-table's file: the table and, in the same ``.npz``, the state resuming needs (JSON text, no
pickle); every bad file is one line naming it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from rlgrid.algos.tabular import TabularSpace
from rlgrid.runs import RunError, check_model_file, write_atomic

MODEL_FILE = "model.npz"
FORMAT = "rlgrid-q-table-2"


def save_model(path: Path, q: np.ndarray, table: TabularSpace, state: dict) -> None:
    """Write the table (shape ``dims + (actions,)``) and, in the same ``.npz``, the state that
    resuming needs (``state``: JSON text, no pickle)."""
    buffer = io.BytesIO()
    text = json.dumps({"format": FORMAT, "dims": list(table.dims), "low": list(table.low), **state})
    np.savez(buffer, q=q.reshape(*table.dims, q.shape[1]), state=np.array(text))
    write_atomic(path, buffer.getvalue())


def read_state(path: Path) -> dict | None:
    """The state saved beside a table; None when the file has none or cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            state = json.loads(str(archive["state"]))
        return state if isinstance(state, dict) else None
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None


def load_model(path: Path, table: TabularSpace, n_actions: int, env_label: str) -> np.ndarray:
    """Read a q-table without unpickling anything; every bad file is one line naming it."""
    check_model_file(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            q = archive["q"]
    except KeyError:
        raise RunError(f"{path} has no q-table (no array named 'q')") from None
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise RunError(
                f"{path} holds pickled objects; rlgrid never unpickles (it can run code)"
            ) from None
        raise RunError(f"{path} is corrupt or truncated: {_first_line(error)}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise RunError(f"{path} is corrupt or truncated: {_first_line(error)}") from None
    expected = (*table.dims, n_actions)
    if q.shape != expected:
        raise RunError(
            f"{path} holds a q-table of shape {q.shape}{_grid_words(q.shape)}, but {env_label} "
            f"needs {expected}{_grid_words(expected)}"
        )
    if not np.issubdtype(q.dtype, np.floating) or not np.all(np.isfinite(q)):
        raise RunError(f"{path} holds no finite floating-point q-table")
    return np.ascontiguousarray(q, dtype=np.float64).reshape(table.n_states, n_actions)


def _grid_words(shape: tuple[int, ...]) -> str:
    if len(shape) == 5 and shape[:2] == shape[2:4]:
        return f" (a {shape[0]}x{shape[1]} warehouse)"
    return ""


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
