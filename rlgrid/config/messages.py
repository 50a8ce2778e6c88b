"""One line for a config that does not validate: where the value came from, the key, and what is
allowed (with a close match for a misspelt key)."""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from rlgrid.families import family_for


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The settings models an annotation allows (X, or X | None)."""
    return [c for c in (annotation, *typing.get_args(annotation))
            if isinstance(c, type) and issubclass(c, BaseModel)]  # fmt: skip


def allowed_keys(root: type[BaseModel], path: tuple[str, ...], env_id: str) -> list[str]:
    """The keys of the table at ``path`` below ``root``; ``[env]`` is the model of the family
    of ``env_id``."""
    model: type[BaseModel] | None = root
    for part in path:
        if model is None:
            return []
        if model is root and part == "env":
            model = family_for(env_id).settings_model
            continue
        field = next((f for n, f in model.model_fields.items() if part in (n, f.alias)), None)
        candidates = _models(getattr(field, "annotation", None))
        model = candidates[0] if candidates else None
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def describe(
    root: type[BaseModel],
    error: ValidationError,
    source: dict[str, str],
    data: dict[str, Any],
    default_env: str,
) -> str:
    """One line for the first problem: where it came from, the key, what is allowed. Settings
    keep their markers (:func:`rlgrid.errors.setting`), for the CLI to word as flags."""
    first = error.errors()[0]
    loc = tuple(str(part) for part in first["loc"])
    key = ".".join(loc)
    origin = source.get(key, source[""])
    item = next((loc[:n] for n in range(len(loc) - 1, 0, -1) if ".".join(loc[:n]) in source), None)
    if item is not None and key not in source:  # an item of a list given by a flag
        origin = source[".".join(item)]
    env = data.get("env") if isinstance(data.get("env"), dict) else {}
    env_id = str(env.get("id", default_env))
    if first["type"] == "extra_forbidden":
        allowed = allowed_keys(root, loc[:-1], env_id)
        if loc[0] == "env" and len(loc) == 2 and "id" in env:
            return f"{origin}: {loc[-1]} does not apply to {env_id} (its [env] keys: " \
                   f"{', '.join(allowed)})"  # fmt: skip
        matches = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {matches[0]!r}?" if matches else ""
        where = f" in [{'.'.join(loc[:-1])}]" if len(loc) > 1 else ""
        return f"{origin}: unknown key {loc[-1]!r}{where}{hint} (allowed: {', '.join(allowed)})"
    message = first["msg"]
    if first["type"] in ("value_error", "assertion_error") and "error" in first.get("ctx", {}):
        message = Exception.__str__(first["ctx"]["error"])
        if isinstance(first["input"], dict):  # a problem with the table as a whole
            named = [
                k for k in source if k.startswith(f"{key}.") and repr(k.split(".")[-1]) in message
            ]
            if not key:
                named = [k for k in source if k and repr(k) in message]
            return f"{source[named[0]] if named else origin}: {_table(key)}{message}"
    if first["type"] == "missing":
        return f"{origin}: {key!r} is required"
    if not key:
        return f"{origin}: {message}"
    if item is not None and key not in source:
        return f"{origin} {first['input']!r}: {message}"
    return f"{origin}: {key} = {first['input']!r}: {message}"


def _table(key: str) -> str:
    return f"[{key}] " if key else ""
