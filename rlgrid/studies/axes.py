"""A study's axes over ``[env]`` settings (``rlgrid compare --vary KEY=V1,V2``): reading them,
the reward as one of them, and every combination's config built once before anything runs, so
that a misspelt key or a bad value is one line and leaves no study folder.

A varied value is what ``rlgrid train --env-kwargs KEY=VALUE`` takes (a TOML literal; a bare word
is text): a key of the family's ``[env]`` table where the family has no constructor kwargs (the
warehouse's ``obs``, the tangram's ``curriculum``), else a keyword argument of the env's
constructor."""

from __future__ import annotations

from pathlib import Path

from rlgrid.config import build_config
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.errors import InvalidValueError, RlgridError, setting
from rlgrid.families import family_for
from rlgrid.families.gymnasium import GymnasiumSettings, check_env_kwargs, resolve_env_id
from rlgrid.literals import literal, split_commas
from rlgrid.studies.spec import ENV, OWN_REWARD, Combination, Job, StudySpec, value_label

REWARD = "reward"
"""The varied key that is the study's reward axis (``--reward``)."""


def split_values(text: str) -> list[str]:
    """``V1,V2,...`` split at the commas outside brackets, braces and quotes (``[64,64],[32]``
    is two values), each stripped."""
    return [value.strip() for value in split_commas(text)]


def _env_ids(floors: list[str]) -> list[str]:
    return [floor.removeprefix(ENV) if floor.startswith(ENV) else WAREHOUSE_ID for floor in floors]


def _absolute(key: str, value: str, env_ids: list[str]) -> str:
    """A value that names files for one of the study's families (a tangram silhouette file) with
    their paths made absolute, so that every run reads the same files wherever it runs."""
    parsed = literal(value, f"{setting('vary')} {key}={value}")
    if not isinstance(parsed, str):
        return value
    for env_id in env_ids:
        beside = family_for(env_id).paths_beside(key, parsed, Path.cwd())
        if beside != parsed:
            return beside
    return value


def parse_vary(items: list[str], floors: list[str]) -> dict[str, list[str]]:
    """``KEY=V1,V2,...`` items as each key's values, in the order given. Refused: an item
    without ``=`` or values, a key given twice, an empty or malformed value, two values that
    would name the same runs (``true,true``)."""
    vary: dict[str, list[str]] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise InvalidValueError(
                f"{setting('vary')} {item!r}: expected KEY=V1,V2,..., e.g. curriculum=false,true"
            )
        if key in vary:
            raise InvalidValueError(
                f"{setting('vary')} {key} is given twice: give its values once, comma-separated"
            )
        values = split_values(text)
        if "" in values:
            raise InvalidValueError(f"{setting('vary')} {item!r}: a value is empty")
        values = [_absolute(key, value, _env_ids(floors)) for value in values]
        labels = [value_label(value) for value in values]
        for i, label in enumerate(labels):
            if label in labels[:i]:
                first = values[labels.index(label)]
                raise InvalidValueError(
                    f"{setting('vary')} {key}: {first!r} and {values[i]!r} would name the same "
                    f"runs ({key}-{label}); give each value once"
                )
        vary[key] = values
    return vary


def reward_axis(
    rewards: list[str] | None, vary: dict[str, list[str]]
) -> tuple[list[str] | None, dict[str, list[str]]]:
    """``--vary reward=X,Y`` is the study's reward axis, the same as ``--reward X,Y`` (the
    warehouse's rewards, or the ``reward`` key of another env's ``[env]``): the rewards and the
    other varied keys. Giving both is refused."""
    if REWARD not in vary:
        return rewards, vary
    if rewards is not None:
        raise InvalidValueError(
            f"{setting('vary')} {REWARD}=... and {setting('env.reward')} set the same thing: "
            "give one"
        )
    given = [str(literal(value, f"{setting('vary')} {REWARD}")) for value in vary[REWARD]]
    return given, {key: values for key, values in vary.items() if key != REWARD}


def combination_words(combination: Combination) -> str:
    """``ppo on rlgrid/Tangram-v0 (reward area, curriculum=true)``."""
    grid = combination.grid.removeprefix(ENV)
    reward = [] if combination.reward == OWN_REWARD else [f"reward {combination.reward}"]
    settings = [f"{key}={value}" for key, value in combination.settings]
    return f"{combination.algo} on {grid} ({', '.join([*reward, *settings]) or 'its defaults'})"


def check_settings(spec: StudySpec) -> None:
    """Build the config of every combination once, with the study's preset, as its runs will:
    first each reward and each varied value alone (a bad one is named), then each whole
    combination (settings that do not go together)."""
    preset = Path(spec.config) if spec.config is not None else None
    algo = spec.algos[0]
    for grid in spec.grids:
        for reward in spec.rewards:
            _build(Job(algo, grid, reward, 0), spec, preset)  # errors name --reward
        own = Job(algo, grid, spec.rewards[0], 0).config_keys(spec)
        for key, values in spec.vary.items():
            if own.get(f"env.{key}") is not None:
                raise InvalidValueError(
                    f"{setting('vary')} {key}: {setting(f'env.{key}')} sets it already; "
                    "vary it there"
                )
            for value in values:
                try:
                    _build(Job(algo, grid, OWN_REWARD, 0, ((key, value),)), spec, preset)
                except RlgridError as error:
                    raise type(error)(
                        f"{setting('vary')} {key}={value}: {_reason(error, preset)}"
                    ) from None
    for combination in spec.combinations():
        job = Job(combination.algo, combination.grid, combination.reward, 0, combination.settings)
        try:
            _build(job, spec, preset)
        except RlgridError as error:
            words = combination_words(combination)
            raise type(error)(f"{words}: {_reason(error, preset)}") from None


def _build(job: Job, spec: StudySpec, preset: Path | None) -> None:
    """``job``'s config, as ``rlgrid train`` builds it; an env's constructor kwargs checked
    against its signature as making it would."""
    config = build_config(preset, job.config_keys(spec), {})
    if isinstance(config.env, GymnasiumSettings) and config.env.kwargs:
        check_env_kwargs(resolve_env_id(config.env.id), dict(config.env.kwargs))


def _reason(error: RlgridError, preset: Path | None) -> str:
    """The message of a config error without where it says the values came from (the preset,
    or ``--env-kwargs``, through which varied values go): they came from ``--vary``."""
    message = str(error.args[0])
    for origin in (str(preset) if preset is not None else "config", setting("env.kwargs")):
        message = message.removeprefix(f"{origin}: ")
    return message
