"""How the CLI words the settings that errors name: each config key as the flag that sets it.

The library writes a setting by its config key (:func:`rlgrid.errors.setting`); this table is the
one place that knows which flag sets which key.
"""

from __future__ import annotations

FLAGS = {
    "resume": "rlgrid train --resume",
    "hp": "--hp",
    "eval.all_targets": "--all-targets",
    "eval.episodes": "--episodes",
    "eval.seed": "--seed",
    "eval.reward_threshold": "reward_threshold in the config's [eval] table",
    "env.id": "--env",
    "env.map": "--map",
    "env.kwargs": "--env-kwargs",
    "env.wrappers": "--wrapper",
    "a2c.device": "--device",
    "dqn.device": "--device",
    "ppo.device": "--device",
    "maskable-ppo.device": "--device",
    "a2c.n_envs": "--n-envs",
    "dqn.n_envs": "--n-envs",
    "ppo.n_envs": "--n-envs",
    "maskable-ppo.n_envs": "--n-envs",
    "q-table.n_envs": "--n-envs",
}
"""Keys whose flag is not ``--`` and the key's last part with dashes."""


def flag(key: str) -> str:
    """The flag that sets config key ``key``: ``until_solved`` is ``--until-solved``,
    ``env.grid`` is ``--grid``, an algorithm's ``a2c.gamma`` is ``--hp gamma``."""
    if key in FLAGS:
        return FLAGS[key]
    from rlgrid.algos.registry import ALGOS  # only when an error is worded: keeps --help quick

    section, _, name = key.rpartition(".")
    if section in ALGOS:
        return f"--hp {name}"
    return "--" + name.replace("_", "-")
