"""Action masks: which actions an env allows in its current state, for any gymnasium env that says
so with an ``action_masks()`` method (sb3-contrib's convention), through any wrappers.

gymnasium 1.x wrappers do not forward attributes, so the method is looked up with
``get_wrapper_attr`` (on each wrapper, then on the env inside), as sb3-contrib's
``get_action_masks`` does. Where the env has no such method there is no mask: every action is
allowed, and an action the env cannot take is the env's own business (it may end the episode).
"""

from __future__ import annotations

from typing import Any

import numpy as np

METHOD = "action_masks"
"""The method an env with masks has: it returns one bool per action, True where allowed."""


def has_action_masks(env: Any) -> bool:
    """Whether ``env`` (or an env inside its wrappers) has an ``action_masks()`` method."""
    try:
        env.get_wrapper_attr(METHOD)
    except AttributeError:
        return False
    return True


def action_mask(env: Any) -> np.ndarray | None:
    """The actions ``env`` allows in its current state (one bool per action, True where allowed);
    None where the env has no ``action_masks()`` method."""
    try:
        method = env.get_wrapper_attr(METHOD)
    except AttributeError:
        return None
    return np.asarray(method(), dtype=bool)
