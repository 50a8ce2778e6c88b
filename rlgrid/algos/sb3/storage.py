"""The files of an SB3 agent, read and written without unpickling anything: weights through
torch's weights-only loader, the replay buffer, VecNormalize's statistics and the evaluations
as plain arrays and CSV (:mod:`.train_stats` has SB3's training statistics). Reading the CSV
files needs no torch: the doctor reads them without loading it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from rlgrid.runs import RunError, check_model_file, write_atomic

BUFFER_ARRAYS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")
EVALUATIONS = "evaluations.csv"
"""The periodic evaluations of a run (SB3 runs), rewritten whole after each."""
EVALUATION_COLUMNS = (
    "timesteps", "success_rate", "optimality_ratio", "mean_return", "solved", "episodes"
)  # fmt: skip
"""``episodes``: how many the evaluation played (fewer than the plan's where its first ones
showed it could not be solved: ``training.assess.periodic_judge``)."""


def read_weights(model: Any, path: Path) -> None:
    """Only the weights, through torch's weights-only loader: a ``.pth`` in the zip that holds
    pickled code (anything but tensors) is refused with one line, and nothing in it runs."""
    import warnings

    check_model_file(path)
    if not zipfile.is_zipfile(path):
        raise RunError(f"{path} is corrupt or truncated: not a model zip")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes about the pickle protocol it meets
            model.set_parameters(str(path), exact_match=True, device=model.device)
    except Exception as error:
        # torch's weights-only loader refuses code with pickle.UnpicklingError (named, not
        # imported: rlgrid has no business with pickle)
        refused = type(error).__name__ == "UnpicklingError"
        if refused or "Weights only load failed" in str(error):
            raise RunError(
                f"{path}: {_pickled_member(path)} holds pickled code, which rlgrid never runs; "
                "it was not loaded"
            ) from None
        if not isinstance(
            error, (ValueError, RuntimeError, KeyError, OSError, EOFError, zipfile.BadZipFile)
        ):
            raise
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RunError(f"{path} does not fit this run's model: {first}") from None


def _pickled_member(path: Path) -> str:
    """The first ``.pth`` file in the zip that torch's weights-only loader refuses (which runs
    nothing); "a .pth file in it" when none can be named."""
    import warnings

    import torch

    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not name.endswith(".pth"):
                    continue
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        torch.load(
                            io.BytesIO(archive.read(name)), map_location="cpu", weights_only=True
                        )
                except Exception:
                    return name
    except (OSError, zipfile.BadZipFile):
        pass
    return "a .pth file in it"


def buffer_bytes(buffer: Any) -> bytes:
    """The filled part of a replay buffer as ``.npz`` (no pickles)."""
    filled = buffer.buffer_size if buffer.full else buffer.pos
    arrays = {
        name: getattr(buffer, name)[:filled]
        for name in BUFFER_ARRAYS
        if getattr(buffer, name, None) is not None
    }
    data = io.BytesIO()
    np.savez(data, pos=np.array(buffer.pos), full=np.array(buffer.full), **arrays)
    return data.getvalue()


def restore_buffer(buffer: Any, data: bytes, path: Path) -> None:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as saved:
            full = bool(saved["full"])
            for name in BUFFER_ARRAYS:
                if name not in saved.files:
                    continue
                target = getattr(buffer, name)
                rows = saved[name]
                if rows.shape[1:] != target.shape[1:] or len(rows) > len(target):
                    raise ValueError(f"{name} has shape {rows.shape}, not {target.shape}")
                target[: len(rows)] = rows
            buffer.pos = int(saved["pos"])
            buffer.full = full
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise RunError(f"{path}: its replay buffer does not fit this run: {error}") from None


def write_evaluations(path: Path, rows: list[tuple]) -> None:
    """``evaluations.csv``, whole: a header and ``rows`` (see :data:`EVALUATION_COLUMNS`)."""
    lines = [",".join(EVALUATION_COLUMNS)]
    lines += [",".join("" if v is None else str(v) for v in row) for row in rows]
    write_atomic(path, "\n".join(lines) + "\n")


def read_evaluations(path: Path) -> list[tuple]:
    """Rows of ``evaluations.csv`` (empty when there is none); runs from before the
    ``episodes`` column have None there."""
    if not path.exists():
        return []
    try:
        lines = path.read_text().splitlines()
        columns = len(EVALUATION_COLUMNS)
        if lines and lines[0] == ",".join(EVALUATION_COLUMNS[:-1]):
            columns -= 1
        elif not lines or lines[0] != ",".join(EVALUATION_COLUMNS):
            raise ValueError("unexpected header")
        rows = []
        for line in lines[1:]:
            values = line.split(",")
            if len(values) != columns:
                raise ValueError(f"{len(values)} values in a row, not {columns}")
            steps, success, ratio, mean_return, solved, *episodes = values
            rows.append(
                (
                    int(steps),
                    float(success) if success else None,
                    float(ratio) if ratio else None,
                    float(mean_return),
                    solved == "True",
                    int(episodes[0]) if episodes else None,
                )
            )
        return rows
    except (OSError, ValueError) as error:
        raise RunError(f"{path} is not an evaluations file rlgrid wrote: {error}") from None


# --- VecNormalize's statistics, as plain arrays (never VecNormalize.save, which pickles) ------

_SETTINGS = ("norm_obs", "norm_reward", "clip_obs", "clip_reward", "gamma", "epsilon")


def _statistics(normalizer: Any) -> dict[str, Any]:
    """Each running mean and variance by name: ``ret``, and ``obs`` (or ``obs.KEY`` for each
    normalized key of a Dict observation) where observations are normalized."""
    found = {"ret": normalizer.ret_rms}
    obs = getattr(normalizer, "obs_rms", None)  # absent with norm_obs = false
    if isinstance(obs, dict):
        found.update({f"obs.{key}": rms for key, rms in obs.items()})
    elif obs is not None:
        found["obs"] = obs
    return found


def normalizer_bytes(normalizer: Any) -> bytes:
    """VecNormalize's statistics and settings as ``.npz``: for each running statistic NAME,
    ``NAME.mean``, ``NAME.var`` and ``NAME.count``; ``settings`` is JSON text."""
    settings = {name: getattr(normalizer, name) for name in _SETTINGS}
    settings["norm_obs_keys"] = normalizer.norm_obs_keys
    arrays = {"settings": np.array(json.dumps(settings))}
    for name, rms in _statistics(normalizer).items():
        arrays[f"{name}.mean"] = np.asarray(rms.mean, dtype=np.float64)
        arrays[f"{name}.var"] = np.asarray(rms.var, dtype=np.float64)
        arrays[f"{name}.count"] = np.array(float(rms.count))
    data = io.BytesIO()
    np.savez(data, **arrays)
    return data.getvalue()


def read_normalizer(normalizer: Any, path: Path, member: str) -> None:
    """Set ``normalizer``'s statistics from the ``member`` of the model zip ``path``."""
    try:
        with zipfile.ZipFile(path) as archive:
            if member not in archive.namelist():
                raise RunError(
                    f"{path} carries no normalization statistics ({member}), which this run's "
                    "normalize needs; it was not loaded"
                )
            data = archive.read(member)
        with np.load(io.BytesIO(data), allow_pickle=False) as saved:
            for name, rms in _statistics(normalizer).items():
                mean, var = saved[f"{name}.mean"], saved[f"{name}.var"]
                if mean.shape != np.shape(rms.mean) or var.shape != np.shape(rms.var):
                    raise ValueError(f"{name} has shape {mean.shape}, not {np.shape(rms.mean)}")
                rms.mean, rms.var = mean.astype(np.float64), var.astype(np.float64)
                rms.count = float(saved[f"{name}.count"])
    except (ValueError, TypeError, KeyError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise RunError(
            f"{path}: its normalization statistics do not fit this run: {error}"
        ) from None
