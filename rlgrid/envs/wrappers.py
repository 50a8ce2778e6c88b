"""Gymnasium wrappers named in a config: ``NAME[:key=value,...]`` text, resolved to classes and
applied in order.

A bare name is looked up in ``gymnasium.wrappers``, then ``minigrid.wrappers`` (when minigrid is
installed), then rlgrid's own wrappers; a dotted name from gymnasium, minigrid or rlgrid works too
(``minigrid.wrappers.FlatObsWrapper``, as RL Zoo's ``env_wrapper`` spells it). Any other dotted
name (``mypkg.wrappers.Scale``) is *external*: importing it runs its code, so it is imported only
where the user asked for it (a training they start; a run folder needs ``trust_env_module``).
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from typing import Any

import gymnasium as gym

from rlgrid.errors import InvalidValueError, RlgridError
from rlgrid.literals import argument_problem, literal, split_commas

KNOWN_PACKAGES = ("gymnasium", "minigrid", "rlgrid")
"""Packages whose wrappers are imported by name without asking."""
_SEARCHED = ("gymnasium.wrappers", "minigrid.wrappers", "rlgrid.envs.success")
"""Where a bare name is looked up, in order."""
_MANAGED = {"self", "env"}


def parse_wrapper(text: str) -> dict[str, Any]:
    """``NAME[:key=value,...]`` as ``{"name": NAME, "kwargs": {...}}``; values are TOML literals
    (``max_episode_steps=100``, ``shape=[64,64]``), and a bare word that is not one is text."""
    name, _, rest = text.strip().partition(":")
    name = name.strip()
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise InvalidValueError(
            f"wrapper {text!r}: expected NAME[:key=value,...], e.g. "
            "FlattenObservation or TimeLimit:max_episode_steps=100"
        )
    kwargs: dict[str, Any] = {}
    for item in _parts(rest) if rest.strip() else []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise InvalidValueError(
                f"wrapper {text!r}: {item.strip()!r} is not key=value (e.g. {name}:key=1)"
            )
        if key in kwargs:
            raise InvalidValueError(f"wrapper {text!r}: {key} is given twice")
        kwargs[key] = literal(value, f"wrapper {text!r}")
    return {"name": name, "kwargs": kwargs}


def _parts(text: str) -> list[str]:
    """``text`` split at commas outside brackets, braces and quotes, empty parts dropped."""
    return [part for part in split_commas(text) if part.strip()]


def is_external(name: str) -> bool:
    """Whether ``name`` comes from a module outside gymnasium, minigrid and rlgrid."""
    return "." in name and name.split(".")[0] not in KNOWN_PACKAGES


def external_module(name: str) -> str:
    return name.rpartition(".")[0]


def resolve(name: str) -> type:
    """The wrapper class ``name`` stands for; one line when there is none."""
    if "." in name:
        module_name, _, attribute = name.rpartition(".")
        module = _import(module_name, name)
        found = getattr(module, attribute, None)
        if found is None:
            raise InvalidValueError(
                f"wrapper {name!r}: module {module_name!r} has no {attribute!r}"
            )
        return _wrapper_class(found, name)
    for module_name in _SEARCHED:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found = getattr(module, name, None)
        if isinstance(found, type) and issubclass(found, gym.Wrapper):
            return found
    known = known_names()
    matches = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(matches)}?" if matches else ""
    raise InvalidValueError(
        f"unknown wrapper {name!r}{hint} (a gymnasium, minigrid or rlgrid wrapper by name, or "
        "module.Class for your own)"
    )


def known_names() -> list[str]:
    """Every wrapper name a bare name can stand for."""
    names: list[str] = []
    for module_name in _SEARCHED:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        names += [
            key
            for key, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, gym.Wrapper) and key not in names
        ]
    return names


def _import(module_name: str, name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        hint = " (install rlgrid's minigrid extra)" if module_name.startswith("minigrid") else ""
        raise InvalidValueError(
            f"wrapper {name!r}: cannot import {module_name!r} ({error}){hint}"
        ) from None
    except Exception as error:  # the module's own code failed
        raise RlgridError(
            f"wrapper {name!r}: importing {module_name!r} failed: {type(error).__name__}: {error}"
        ) from error


def _wrapper_class(found: Any, name: str) -> type:
    if isinstance(found, type) and issubclass(found, gym.Wrapper):
        return found
    raise InvalidValueError(f"wrapper {name!r} is not a gymnasium wrapper class")


def check_kwargs(cls: type, kwargs: dict[str, Any], name: str) -> None:
    """Refuse keys the wrapper's constructor does not take, arguments it needs and values of
    another kind than their default's (where its signature says)."""
    parameters = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    defaults = {key: p.default for key, p in parameters.items() if key not in _MANAGED}
    for key, value in kwargs.items():
        problem = argument_problem(defaults, key, value)
        if problem is not None:
            raise InvalidValueError(f"wrapper {name} {problem}")
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    for key, parameter in parameters.items():
        required = parameter.default is inspect.Parameter.empty and parameter.kind in named
        if required and key not in _MANAGED and key not in kwargs:
            raise InvalidValueError(f"wrapper {name} needs {key}: {name}:{key}=VALUE")


def apply(env: gym.Env, wrappers: list[Any]) -> gym.Env:
    """``env`` inside each wrapper of ``wrappers`` (with ``name`` and ``kwargs``), in order."""
    for spec in wrappers:
        cls = resolve(spec.name)
        try:
            env = cls(env, **spec.kwargs)
        except Exception as error:  # the wrapper's own code: any failure is about this env
            first = (str(error).strip().splitlines() or [""])[0]
            raise InvalidValueError(
                f"wrapper {spec.name} cannot wrap this env, which observes "
                f"{env.observation_space}: {type(error).__name__}: {first}"
            ) from None
    return env
