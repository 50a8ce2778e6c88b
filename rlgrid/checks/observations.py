"""Observations of any gymnasium space, as the checks need them: a canonical byte form to
fingerprint episodes with (gymnasium's ``flatten`` refuses Text, Graph, Sequence and OneOf), the
first thing wrong with one, and which parts of a space stable-baselines3 cannot read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

Update = Callable[[bytes], object]
"""Where canonical bytes go: ``hashlib``'s ``update``, or a list's ``append``."""


class NotComparable(TypeError):
    """An observation holds a value that has no canonical byte form."""


def _chunk(update: Update, tag: bytes, payload: bytes) -> None:
    update(tag + len(payload).to_bytes(8, "little") + payload)


def feed(update: Update, value: Any, where: str = "observation") -> None:
    """Pass ``value``'s canonical bytes to ``update``: equal observations give equal bytes, in
    any process. Arrays go by dtype, shape and contents; numbers by value (a numpy integer
    equals the same Python int); mappings by sorted key; tuples and lists element by element
    (named tuples such as ``GraphInstance`` with their type name); strings as UTF-8. Raise
    :class:`NotComparable`, naming ``where``, for any other kind of value."""
    if value is None:
        update(b"N")
    elif isinstance(value, (bool, np.bool_)):
        update(b"B1" if value else b"B0")
    elif isinstance(value, (int, np.integer)):
        _chunk(update, b"I", str(int(value)).encode())
    elif isinstance(value, (float, np.floating)):
        _chunk(update, b"F", float(value).hex().encode())
    elif isinstance(value, (complex, np.complexfloating)):
        _chunk(update, b"C", f"{float(value.real).hex()},{float(value.imag).hex()}".encode())
    elif isinstance(value, str):
        _chunk(update, b"S", value.encode("utf-8", "surrogatepass"))
    elif isinstance(value, (bytes, bytearray, memoryview)):
        _chunk(update, b"Y", bytes(value))
    elif isinstance(value, np.ndarray):
        _feed_array(update, value, where)
    elif isinstance(value, Mapping):
        _feed_mapping(update, value, where)
    elif isinstance(value, (tuple, list)):
        name = type(value).__name__ if hasattr(value, "_fields") else ""
        tag = b"L" if isinstance(value, list) else b"T"
        _chunk(update, tag, f"{name}:{len(value)}".encode())
        for index, item in enumerate(value):
            feed(update, item, f"{where}[{index}]")
    elif hasattr(value, "__array__"):  # array-likes of other libraries
        _feed_array(update, np.asarray(value), where)
    else:
        raise NotComparable(
            f"{where} is a {type(value).__qualname__}, which rlgrid cannot compare (it compares "
            "arrays, numbers, strings, bytes, None, and dicts, tuples and lists of them)"
        )


def _feed_array(update: Update, array: np.ndarray, where: str) -> None:
    header = f"{array.dtype.descr}:{array.shape}".encode()
    if not array.dtype.hasobject:
        _chunk(update, b"A", header)
        _chunk(update, b"D", np.ascontiguousarray(array).tobytes())
        return
    _chunk(update, b"O", header)
    for index, item in enumerate(array.flat):
        feed(update, item, f"{where}.flat[{index}]")


def _feed_mapping(update: Update, mapping: Mapping, where: str) -> None:
    keyed = []
    for key, item in mapping.items():
        parts: list[bytes] = []
        feed(parts.append, key, f"a key of {where}")
        keyed.append((b"".join(parts), key, item))
    keyed.sort(key=lambda entry: entry[0])
    _chunk(update, b"M", str(len(keyed)).encode())
    for key_bytes, key, item in keyed:
        update(key_bytes)
        feed(update, item, f"{where}[{key!r}]")


def canonical_bytes(value: Any) -> bytes:
    """:func:`feed`'s bytes of ``value``, joined."""
    parts: list[bytes] = []
    feed(parts.append, value)
    return b"".join(parts)


def observation_problem(space: gym.Space, obs: Any, path: str = "") -> str | None:
    """What is wrong with ``obs`` as an observation of ``space``, naming the part of it (such
    as ``['image']``): a Box part whose dtype is not exactly the space's, or a part outside its
    space. None when nothing is."""
    parts: list[tuple[Any, gym.Space]] = []
    if isinstance(space, spaces.Dict) and isinstance(obs, Mapping) and set(obs) == set(space):
        parts = [(repr(key), subspace) for key, subspace in space.spaces.items()]
        values = [obs[key] for key in space.spaces]
    elif isinstance(space, spaces.Tuple) and isinstance(obs, tuple) and len(obs) == len(space):
        parts, values = [(str(i), subspace) for i, subspace in enumerate(space.spaces)], list(obs)
    if parts:
        for (key, subspace), value in zip(parts, values, strict=True):
            found = observation_problem(subspace, value, f"{path}[{key}]")
            if found:
                return found
        return None
    if isinstance(space, spaces.Box) and (
        not isinstance(obs, np.ndarray) or obs.dtype != space.dtype
    ):
        dtype = getattr(obs, "dtype", type(obs).__name__)
        return f"observation{path} has dtype {dtype}, the space says {space.dtype}"
    if not space.contains(obs):
        shown = " ".join(repr(obs).split())
        shown = shown if len(shown) <= 80 else shown[:79] + "…"
        return f"observation{path} {shown} is outside {space}"
    return None


_ARRAY_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def sb3_unsupported(space: gym.Space, path: str = "", top: bool = True) -> list[str]:
    """The parts of an observation space that stable-baselines3 cannot train on, each as
    ``"Text (observation['mission'])"``: anything but Box, Discrete, MultiDiscrete, MultiBinary,
    Dict and Tuple (Text, Graph, Sequence, OneOf, a package's own space such as Minigrid's
    MissionSpace), a Tuple, and a Dict or Tuple inside another."""
    where = f"observation{path}"
    found = []
    if not isinstance(space, (*_ARRAY_SPACES, spaces.Dict, spaces.Tuple)):
        return [f"{type(space).__name__} ({where})"]
    if isinstance(space, spaces.Tuple):
        found.append(f"Tuple ({where})")
    elif isinstance(space, spaces.Dict) and not top:
        found.append(f"Dict inside a Dict or Tuple ({where})")
    children: list[tuple[Any, gym.Space]] = []
    if isinstance(space, spaces.Dict):
        children = list(space.spaces.items())
    elif isinstance(space, spaces.Tuple):
        children = list(enumerate(space.spaces))
    for key, subspace in children:
        found += sb3_unsupported(subspace, f"{path}[{key!r}]", top=False)
    return found
