"""Values typed on the command line: TOML literals, so ``0.95``, ``true``, ``[64, 64]`` and
``"text"`` mean what they mean in a preset file. Nothing here evaluates code."""

from __future__ import annotations

import difflib
import sys
from typing import Any

from rlgrid.errors import InvalidValueError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def literal(text: str, where: str) -> Any:
    """A TOML literal; a bare word that is not one is text (``map_name=8x8``). A value that
    starts like a TOML list, table or string but does not parse is refused, rather than taken
    as text."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as error:
        if text[:1] in ("[", "{", '"', "'"):
            raise InvalidValueError(
                f"{where}: {text!r} is not a valid TOML value ({error}); e.g. net_arch=[64,64]"
            ) from None
        return text


def key_values(pairs: list[str], what: str, example: str) -> dict[str, Any]:
    """``key=value`` items as a dict; ``what`` names them in errors (``--hp``)."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidValueError(f"{what} {pair!r}: expected key=value, e.g. {example}")
        result[key] = literal(text, f"{what} {pair!r}")
    return result


_KINDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def kind_problem(value: Any, default: Any) -> str | None:
    """Why ``value`` cannot stand where a constructor's default is ``default`` (a bool, a whole
    number, a number or text: ``is_slippery=flase`` is text, not false); None when it can, or
    when the default says nothing of the type."""
    kind = type(default)
    if kind not in _KINDS:
        return None
    if kind is bool:
        fits = isinstance(value, bool)
    elif kind is float:
        fits = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind is int:
        fits = isinstance(value, int) and not isinstance(value, bool)
    else:
        fits = isinstance(value, str)
    return None if fits else f"must be {_KINDS[kind]} like its default {default!r}, not {value!r}"


def argument_problem(defaults: dict[str, Any], key: str, value: Any) -> str | None:
    """Why ``key=value`` cannot go to a constructor whose keyword arguments (and their defaults)
    are ``defaults``: an argument it does not take (with the close match), or a value of another
    kind than the default's; None when it can."""
    if key not in defaults:
        matches = difflib.get_close_matches(key, list(defaults), n=1, cutoff=0.6)
        hint = f"; did you mean {matches[0]!r}?" if matches else ""
        return f"takes no argument {key!r}{hint} (it takes: {', '.join(defaults) or 'nothing'})"
    problem = kind_problem(value, defaults[key])
    return None if problem is None else f"{key} {problem}"


def split_commas(text: str) -> list[str]:
    """``text`` split at the commas outside brackets, braces and quotes (``[64,64],[32]`` is two
    parts), the parts as they are (not stripped)."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts
