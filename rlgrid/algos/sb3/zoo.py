"""RL Baselines3 Zoo's hyperparameter syntax as rlgrid reads it: ``lin_X`` schedules, the
``normalize`` setting, ``train_freq`` as a list, and one line for each Zoo key that rlgrid sets
elsewhere or does not offer. Nothing here imports torch until a ``normalize`` table is checked.

Zoo writes some values as Python text (``policy_kwargs: "dict(net_arch=[64, 64])"``); rlgrid
runs no text from a config, so those are refused with the same value written as TOML."""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

from rlgrid.errors import setting

LINEAR = "lin_"
"""``lin_X``: a linear schedule from X at the start of training to 0 at its end."""

ELSEWHERE = {
    "n_timesteps": f"the budget is {setting('timesteps')} (timesteps = N at the top of a config)",
    "policy": "rlgrid picks the policy (MlpPolicy, with the features extractor the observations "
    "need); shape it with net_arch or policy_kwargs",
    "env_wrapper": f"wrap the env with {setting('env.wrappers')}",
    "vec_env_wrapper": "rlgrid builds the VecEnv itself; normalize (VecNormalize) is the VecEnv "
    "wrapper it offers",
    "callback": "rlgrid's own callback records episodes, checkpoints and evaluates: use "
    f"{setting('save_freq')}, the [eval] table and {setting('until_solved')}",
    "frame_stack": "not offered: rlgrid's evaluations and renders play the policy one "
    "observation at a time, so a policy trained on stacked frames could not be judged",
    "monitor_kwargs": "rlgrid records every episode in metrics.csv itself",
    "noise_type": "action noise is for continuous-action algorithms (TD3, SAC), which rlgrid "
    "does not offer",
    "noise_std": "action noise is for continuous-action algorithms (TD3, SAC), which rlgrid "
    "does not offer",
    "replay_buffer_class": "rlgrid uses SB3's ReplayBuffer, which it saves as plain arrays",
}
"""RL Zoo keys that are not constructor arguments in rlgrid: what to use instead."""

_LINEAR_MINIMUM = {"learning_rate": "in (0, 1]"}


def elsewhere(key: str) -> str | None:
    """One line for an RL Zoo key rlgrid sets elsewhere or does not offer; None for others."""
    if key not in ELSEWHERE:
        return None
    return f"{key!r} (an RL Zoo key) is not a hyperparameter in rlgrid: {ELSEWHERE[key]}"


def linear_start(value: Any) -> float | None:
    """X of a ``lin_X`` value (checked before); None for anything else."""
    if isinstance(value, str) and value.startswith(LINEAR):
        return float(value.removeprefix(LINEAR))
    return None


def check_schedule(key: str, value: Any, schedules: list[str]) -> None:
    """``lin_X`` is allowed on arguments the constructor takes as a schedule (``schedules``),
    with a finite X that the argument allows; refused anywhere else."""
    if not (isinstance(value, str) and value.startswith(LINEAR)):
        if key in schedules and isinstance(value, str):
            raise ValueError(
                f"{key!r} must be a number or lin_X (a linear schedule from X to 0), not {value!r}"
            )
        return
    if key not in schedules:
        which = ", ".join(schedules)
        raise ValueError(f"{key!r} = {value!r}: lin_X schedules are only for {which}")
    try:
        start = float(value.removeprefix(LINEAR))
    except ValueError:
        raise ValueError(
            f"{key!r} = {value!r}: X of lin_X must be a number, e.g. lin_0.001"
        ) from None
    if not math.isfinite(start):
        raise ValueError(f"{key!r} = {value!r}: X of lin_X must be a finite number")
    if key == "learning_rate" and not 0 < start <= 1:
        raise ValueError(f"{key!r} = {value!r}: X is outside (0, 1]")
    if key != "learning_rate" and start <= 0:
        raise ValueError(f"{key!r} = {value!r}: X must be above 0")


def train_freq(value: Any, n_envs: int = 1) -> tuple[int, str] | None:
    """DQN's ``train_freq`` given as a list ``[4, "step"]`` (Zoo's and TOML's form) as the tuple
    SB3 needs; None for any other value. Refused when it is no (count, unit) pair, and in
    episodes with more than one env (SB3 counts the episodes of one env only)."""
    if not isinstance(value, list):
        return None
    pair = len(value) == 2 and value[1] in ("step", "episode")
    count = value[0] if pair else None
    if isinstance(count, int) and not isinstance(count, bool) and count >= 1:
        if value[1] == "episode" and n_envs > 1:
            raise ValueError(
                f"'train_freq' = {value!r} counts episodes, which SB3 does with one env only: "
                "set n_envs = 1, or count steps"
            )
        return count, value[1]
    raise ValueError(
        f"'train_freq' = {value!r}: give a whole number, or [count, unit] such as "
        '[4, "step"] or [1, "episode"]'
    )


# --- normalize ---------------------------------------------------------------------------------

_NOT_GIVEN = {"self", "venv", "training"}


def check_normalize(value: Any) -> Any:
    """``normalize``: true or false, or a table of VecNormalize's keyword arguments; Zoo's Python
    text is refused with its TOML form."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and _toml_form(value) is not None:
        raise ValueError(_python_text("normalize", value))
    if not isinstance(value, dict):
        raise ValueError(
            "'normalize' must be true, false or a table such as "
            "{norm_obs = true, norm_reward = false}"
        )
    import inspect

    from stable_baselines3.common.vec_env import VecNormalize

    parameters = inspect.signature(VecNormalize.__init__).parameters
    known = [name for name in parameters if name not in _NOT_GIVEN]
    for key, item in value.items():
        if key not in known:
            raise ValueError(f"unknown key {key!r} (VecNormalize takes {', '.join(known)})")
        _check_normalize_value(key, item, parameters[key].default)
    return value


def _check_normalize_value(key: str, item: Any, default: Any) -> None:
    if isinstance(default, bool):
        if not isinstance(item, bool):
            raise ValueError(f"{key!r} must be true or false, not {item!r}")
    elif isinstance(default, float):
        number = isinstance(item, (int, float)) and not isinstance(item, bool)
        if not number or not math.isfinite(item) or item <= 0 or (key == "gamma" and item > 1):
            allowed = "in (0, 1]" if key == "gamma" else "a finite number above 0"
            raise ValueError(f"{key!r} must be {allowed}, not {item!r}")
    elif not (isinstance(item, list) and all(isinstance(name, str) for name in item)):
        raise ValueError(f"{key!r} must be a list of names, not {item!r}")


def normalize_kwargs(value: Any, gamma: float) -> dict[str, Any] | None:
    """VecNormalize's keyword arguments for ``normalize``; None when it is off. Its discount is
    the algorithm's unless the table gives one (the return it scales rewards by is discounted
    with it)."""
    if not value:
        return None
    kwargs = dict(value) if isinstance(value, dict) else {}
    kwargs.setdefault("gamma", gamma)
    return kwargs


# --- Python text, as TOML ----------------------------------------------------------------------


_EXAMPLES = {
    "normalize": "{norm_obs = true, norm_reward = false}",
    "policy_kwargs": '{net_arch = [64, 64], activation_fn = "ReLU"}',
}


def _python_text(key: str, text: str) -> str:
    """The message for RL Zoo's Python text given as ``key``: its TOML form where it has one."""
    example = _toml_form(text) or _EXAMPLES[key]
    return (
        f"{key!r} is Python text (RL Zoo's form), which rlgrid never runs; write {key} = {example}"
    )


def _toml_form(text: str) -> str | None:
    """Python text written as TOML, where it is a plain value (None for anything else)."""
    try:
        return _toml(_literal(ast.parse(text.strip(), mode="eval").body))
    except (SyntaxError, ValueError):
        return None


def python_text(key: str, value: Any) -> Any:
    """Refuse RL Zoo's Python text for a table setting (``policy_kwargs``)."""
    if isinstance(value, str):
        raise ValueError(_python_text(key, value))
    return value


def _literal(node: ast.AST) -> Any:
    """Numbers, text, booleans, lists, dicts, ``dict(a=...)`` and ``nn.ReLU`` (as its name)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float, str)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Dict) and all(key is not None for key in node.keys):
        return {str(_literal(k)): _literal(v) for k, v in zip(node.keys, node.values, strict=True)}
    call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args
    if call and node.func.id == "dict" and all(k.arg is not None for k in node.keywords):
        return {str(k.arg): _literal(k.value) for k in node.keywords}
    if isinstance(node, ast.Attribute):
        return node.attr  # nn.ReLU, th.optim.Adam: rlgrid names them
    raise ValueError("not a plain value")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    items = (f"{_key(k)} = {_toml(v)}" for k, v in value.items())
    return "{" + ", ".join(items) + "}"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)
