"""Training configuration: TOML presets merged with command-line flags, validated into one frozen
object. Nothing here imports typer; nothing here evaluates config text (TOML is only parsed).
"""

from __future__ import annotations

import difflib
import sys
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rlgrid.algos.qtable import QTableParams
from rlgrid.algos.registry import ALGOS
from rlgrid.algos.sb3_params import A2CParams, DQNParams, PPOParams
from rlgrid.envs.factory import is_warehouse
from rlgrid.envs.layout import GridSize, parse_grid
from rlgrid.envs.observations import parse_encoding
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.envs.warehouse import default_max_steps
from rlgrid.errors import InvalidValueError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PARAMS: dict[str, type[BaseModel]] = {
    "q-table": QTableParams,
    "a2c": A2CParams,
    "dqn": DQNParams,
    "ppo": PPOParams,
}
"""Each algorithm's hyperparameter model, read from the config table named like the algorithm."""


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class EnvSettings(_Strict):
    """Which environment to train on; the warehouse options apply to the warehouse only."""

    id: str = WAREHOUSE_ID
    grid: str | None = None
    """Warehouse size as RxC text, e.g. "6x6" (default 4x5; a map or layout sets it)."""
    map: str | None = None
    """A text map of shelves (see README); in a config file, relative to the file."""
    layout: str | None = None
    """A generated layout: aisles:RxC or random:RxC[:DENSITY]."""
    layout_seed: int | None = Field(None, ge=0)
    """Seed of the generated layout (default 0)."""
    layouts: int | None = Field(None, ge=1, le=10_000)
    """How many generated layouts (seeds layout_seed on) episodes are spread over (default 1)."""
    targets: Literal["classic", "anywhere"] | None = None
    random_start: bool | None = None
    max_steps: int | None = Field(None, ge=1)
    obs: str | None = None
    """Observation encoding, e.g. offset or offset+window (default: coords for q-table, offset
    for a2c/dqn/ppo)."""
    window: int | None = Field(None, ge=1, le=32)
    """Radius of the window encoding (default 4: 9x9 cells)."""
    reward: str | None = None
    """sparse, proximity, exploration, direction, potential, or kinds joined with + (default:
    sparse for q-table, potential for a2c/dqn/ppo)."""

    @field_validator("reward")
    @classmethod
    def _reward_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from rlgrid.envs.rewards import parse_reward

        return "+".join(parse_reward(value)) or "sparse"

    @field_validator("obs")
    @classmethod
    def _obs_text(cls, value: str | None) -> str | None:
        return None if value is None else "+".join(parse_encoding(value))

    @field_validator("grid")
    @classmethod
    def _grid_text(cls, value: str | None) -> str | None:
        return None if value is None else str(parse_grid(value))

    @model_validator(mode="after")
    def _warehouse_options(self) -> EnvSettings:
        if not is_warehouse(self.id):
            given = [k for k in WAREHOUSE_OPTIONS if getattr(self, k) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} only apply to {WAREHOUSE_ID}")
            return self
        if self.map is not None and self.layout is not None:
            raise ValueError("give a map or a generated layout, not both")
        shaped = self.map is not None or self.layout is not None
        for key in ("grid", "targets"):
            if shaped and getattr(self, key) is not None:
                raise ValueError(f"{key} comes from the map or layout; drop {key!r}")
        if not shaped and (self.layout_seed is not None or self.layouts is not None):
            raise ValueError("layout_seed and layouts need a generated layout")
        if self.map is not None:
            self.built_layout()  # a malformed map is one line naming its row and column
        return self

    def layout_spec(self) -> str | None:
        """The layout as ``map:FILE``, ``aisles:RxC`` or ``random:...``; None for an open grid."""
        return f"map:{self.map}" if self.map is not None else self.layout

    def built_layout(self) -> Any:
        from rlgrid.envs.maps import layout_from_spec

        return layout_from_spec(self.layout_spec(), self.layout_seed or 0, self.layouts or 1)

    def warehouse_layout(self) -> Any:
        """The warehouse's layout: the map's, the generated one, or the open grid."""
        if self.layout_spec() is not None:
            return self.built_layout()
        from rlgrid.envs.layout import Layout

        return Layout.open_grid(*self.grid_size(), self.targets or "classic")

    def label(self) -> str:
        """A short name of the warehouse floor for titles: 6x6, map NAME, aisles:32x32 ..."""
        if self.map is not None:
            return f"map {Path(self.map).name}"
        if self.layout is not None:
            count = f" x{self.layouts}" if (self.layouts or 1) > 1 else ""
            return f"{self.layout} seed {self.layout_seed or 0}{count}"
        return str(self.grid_size())

    def resolved(self) -> EnvSettings:
        """Every warehouse option spelled out, so a run folder says exactly what it used."""
        if not is_warehouse(self.id):
            return self
        if self.layout_spec() is None:
            grid = self.grid_size()
            update: dict[str, Any] = {"grid": str(grid), "targets": self.targets or "classic"}
        else:
            grid = self.built_layout().tile_size
            generated = self.layout is not None
            update = {
                "layout_seed": (self.layout_seed or 0) if generated else None,
                "layouts": (self.layouts or 1) if generated else None,
            }
        return self.model_copy(
            update={
                **update,
                "random_start": bool(self.random_start),
                "max_steps": self.max_steps or default_max_steps(*grid),
            }
        )

    def grid_size(self) -> GridSize:
        if self.layout_spec() is not None:
            return GridSize(*self.built_layout().tile_size)
        return parse_grid(self.grid or "4x5")

    def kwargs(self) -> dict[str, Any]:
        """Constructor kwargs for ``gymnasium.make``."""
        if not is_warehouse(self.id):
            return {}
        resolved = self.resolved()
        kwargs: dict[str, Any] = {
            "random_start": resolved.random_start,
            "max_steps": resolved.max_steps,
        }
        spec = resolved.layout_spec()
        if spec is None:
            rows, cols = resolved.grid_size()
            kwargs.update(rows=rows, cols=cols, targets=resolved.targets)
        else:
            kwargs.update(
                layout=spec, layout_seed=resolved.layout_seed or 0, layouts=resolved.layouts or 1
            )
        return kwargs

    def on(self, **changes: Any) -> EnvSettings:
        """These settings on another grid, map or layout (``None`` values are not given): a new
        grid, map or layout replaces the old one and its time limit."""
        changes = {key: value for key, value in changes.items() if value is not None}
        data = self.model_dump()
        if changes.keys() & {"grid", "map", "layout"}:
            shape = ("grid", "map", "layout", "layout_seed", "layouts", "max_steps")
            data.update(dict.fromkeys(shape))
            if "grid" not in changes:
                data["targets"] = None
        data.update(changes)
        try:
            return EnvSettings.model_validate(data)
        except ValidationError as error:
            raise InvalidValueError(_describe(error, {"": "env"})) from None


WAREHOUSE_OPTIONS = (
    "grid", "map", "layout", "layout_seed", "layouts", "targets", "random_start", "max_steps",
    "obs", "window", "reward",
)  # fmt: skip


class ShapingSettings(_Strict):
    """Scale of each shaping kind; unset means the default scaled to the grid (see README)."""

    proximity: float | None = Field(None, ge=0)
    exploration: float | None = Field(None, ge=0)
    direction: float | None = Field(None, ge=0)
    potential: float | None = Field(None, ge=0)


class EvalSettings(_Strict):
    """The evaluation at the end of training (and the defaults of ``rlgrid eval``)."""

    episodes: int | None = Field(None, ge=1, le=10_000_000)
    """Seeded episodes, where evaluating every target once is not possible (random starts).
    Default 1000 on the warehouse (evaluated all at once), 20 on other envs."""
    seed: int = Field(10_000, ge=0)
    all_targets: bool | None = None
    """Warehouse: play every target once (every start and target pair with random starts)
    instead of seeded episodes. Default: only where the start is fixed."""
    freq: int | None = Field(None, ge=1)
    """Deep backends: evaluate every this many steps (best checkpoint, --until-solved).
    Default 2000 on the warehouse, 10000 on other envs."""
    max_ratio: float = Field(1.05, ge=1.0)
    """Warehouse: solved when every episode succeeds with at most this optimality ratio."""
    reward_threshold: float | None = None
    """Other envs: solved at this mean return (default: the env spec's reward_threshold)."""


class TrainConfig(_Strict):
    algo: str
    seed: int = Field(0, ge=0)
    episodes: int | None = Field(None, ge=1)
    """Budget in episodes (default 1000 when neither budget is set)."""
    timesteps: int | None = Field(None, ge=1)
    """Budget in environment steps."""
    save_freq: int | None = Field(None, ge=1)
    """Write a checkpoint every this many units of the budget (steps, or episodes for a q-table
    episode budget); default 10000, and 1,000,000 for a q-table step budget (a q-table learns
    about a million steps a second: every 10000 would be a hundred files a second)."""
    keep_checkpoints: int = Field(3, ge=1)
    """How many of the newest checkpoints to keep (the best model is kept apart)."""
    until_solved: bool = False
    """Stop once a periodic evaluation finds the task solved (see [eval])."""
    threads: int | None = Field(None, ge=1, le=256)
    """Deep backends: torch's thread count (default 1, which measured fastest here; see
    rlgrid/threads.py); --threads overrides it. It changes speed, and float rounding only (weights
    differ by about 1e-6): set it to repeat a run bit for bit."""
    env: EnvSettings = EnvSettings()
    shaping: ShapingSettings = ShapingSettings()
    eval: EvalSettings = EvalSettings()
    q_table: QTableParams | None = Field(None, alias="q-table")
    a2c: A2CParams | None = None
    dqn: DQNParams | None = None
    ppo: PPOParams | None = None

    @field_validator("algo")
    @classmethod
    def _known_algo(cls, value: str) -> str:
        if value not in ALGOS:
            raise ValueError(_unknown("algorithm", value, list(ALGOS)))
        return value

    @model_validator(mode="after")
    def _one_budget(self) -> TrainConfig:
        if (self.episodes is None) == (self.timesteps is None):
            raise ValueError("give a budget in episodes or in timesteps, not both")
        if self.episodes is not None and ALGOS[self.algo].budget == "timesteps":
            raise ValueError(f"{self.algo} counts its budget in timesteps: use timesteps")
        return self

    def checkpoint_every(self) -> int:
        """``save_freq``, or its default (see the field)."""
        if self.save_freq is not None:
            return self.save_freq
        return 1_000_000 if ALGOS[self.algo].tabular_only and self.timesteps else 10_000

    @property
    def params(self) -> Any:
        """The chosen algorithm's hyperparameters (its defaults when the config has no table)."""
        return getattr(self, self.algo.replace("-", "_")) or PARAMS[self.algo]()

    def gamma(self) -> float:
        """The discount the algorithm uses (potential shaping must use the same)."""
        params = self.params
        if hasattr(params, "gamma"):
            return float(params.gamma)
        return float(params.algorithm_kwargs().get("gamma", 0.99))

    def shaping_for(self, layout: Any, max_steps: int) -> Any:
        """The warehouse's reward shaping, or None for sparse reward."""
        from rlgrid.envs.rewards import Shaping

        text = self.env.reward or "sparse"
        if text == "sparse":
            return None
        scales = self.shaping.model_dump()
        return Shaping.build(text, layout, max_steps, self.gamma(), scales)

    def budget_label(self) -> str:
        return f"{self.timesteps}" if self.timesteps is not None else f"{self.episodes}ep"

    def to_toml_dict(self) -> dict[str, Any]:
        """The resolved config as TOML data: only the chosen algorithm's table, no empty keys."""
        data = self.model_copy(update={"env": self.env.resolved()}).model_dump(
            by_alias=True, exclude_none=True
        )
        for name in PARAMS:
            data.pop(name, None)
        data[self.algo] = self.params.model_dump(exclude_none=True)
        return data


def _unknown(what: str, value: str, known: list[str]) -> str:
    matches = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean {matches[0]!r}?" if matches else ""
    return f"unknown {what} {value!r}{hint} (known: {', '.join(known)})"


def read_preset(path: Path) -> dict[str, Any]:
    """Parse a TOML preset; a missing or malformed file is one line naming it."""
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise InvalidValueError(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidValueError(f"config file {path} is a folder") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidValueError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidValueError(f"{path}: cannot read it: {error}") from None


def parse_hp(pairs: list[str]) -> dict[str, Any]:
    """``--hp key=value`` pairs; values are TOML literals (``0.95``, ``true``, ``"text"``),
    and a bare word that is not one is taken as text. A value that starts like a TOML list,
    table or string but does not parse is refused, rather than taken as text."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidValueError(f"--hp {pair!r}: expected key=value, e.g. --hp gamma=0.95")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError as error:
            if text.strip()[:1] in ("[", "{", '"', "'"):
                raise InvalidValueError(
                    f"--hp {pair!r}: not a valid TOML value ({error}); e.g. --hp net_arch=[64,64]"
                ) from None
            value = text.strip()
        result[key] = value
    return result


def build_config(preset: Path | None, flags: dict[str, Any], hp: dict[str, Any]) -> TrainConfig:
    """Merge the preset file and the flags, then validate. ``flags`` uses config keys
    (``episodes``, ``env.grid``, ...); ``None`` is not given. A run's saved ``config.toml`` is
    read back as a preset."""
    data: dict[str, Any] = {}
    source = {"": str(preset) if preset else "config"}
    if preset is not None:
        data = _merge(data, read_preset(preset))
        _map_beside(data, preset.parent)
    given = {key: value for key, value in flags.items() if value is not None}
    if "episodes" in given or "timesteps" in given:
        data.pop("episodes", None)
        data.pop("timesteps", None)
    for key, value in given.items():
        section, _, name = key.rpartition(".")
        target = data.setdefault(section, {}) if section else data
        target[name] = value
        source[key] = "--" + name.replace("_", "-")
    if "env.map" in given:
        _map_beside(data, Path.cwd())
    algo = data.get("algo")
    if "episodes" not in data and "timesteps" not in data and algo in ALGOS:
        data[ALGOS[algo].budget] = ALGOS[algo].default_budget
    env = data.get("env") if isinstance(data.get("env"), dict) else {}
    warehouse = is_warehouse(str(env.get("id", WAREHOUSE_ID)))
    if isinstance(data.setdefault("eval", {}), dict):
        data["eval"].setdefault("episodes", 1000 if warehouse else 20)
        data["eval"].setdefault("freq", 2000 if warehouse else 10_000)
    if algo in ALGOS and warehouse:
        _warehouse_defaults(data, algo)
    if hp:
        if not isinstance(algo, str) or algo not in PARAMS:
            raise InvalidValueError("--hp needs a known algorithm (--algo or algo in the config)")
        table = data.setdefault(algo, {})
        for key, value in hp.items():
            table[key] = value
            source[f"{algo}.{key}"] = f"--hp {key}={value!r}"
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as error:
        raise InvalidValueError(_describe(error, source)) from None


def _map_beside(data: dict[str, Any], folder: Path) -> None:
    """A relative map path is relative to the config file that names it (or to the current
    folder for --map), so presets and run folders can be used from anywhere."""
    env = data.get("env")
    if isinstance(env, dict) and isinstance(env.get("map"), str):
        env["map"] = str(folder / Path(env["map"]).expanduser())


def _warehouse_defaults(data: dict[str, Any], algo: str) -> None:
    """Defaults that depend on the algorithm: q-table keeps the seed's setup (coords, sparse);
    the deep backends default to what solves big grids (offset, potential, 16 batched envs)."""
    env = data.setdefault("env", {})
    tabular = algo == "q-table"
    env.setdefault("obs", "coords" if tabular else "offset")
    env.setdefault("reward", "sparse" if tabular else "potential")
    if not tabular and isinstance(data.setdefault(algo, {}), dict):
        data[algo].setdefault("n_envs", 16)


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _allowed_keys(path: tuple[str, ...]) -> list[str]:
    model: type[BaseModel] | None = TrainConfig
    for part in path:
        if model is None:
            return []
        field = next(
            (f for n, f in model.model_fields.items() if part in (n, f.alias)),
            None,
        )
        annotation = getattr(field, "annotation", None)
        candidates = (annotation, *typing.get_args(annotation))  # X or X | None
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _describe(error: ValidationError, source: dict[str, str]) -> str:
    """One line for the first problem: where it came from, the key, what is allowed."""
    first = error.errors()[0]
    loc = tuple(str(part) for part in first["loc"])
    key = ".".join(loc)
    origin = source.get(key, source[""])
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        matches = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {matches[0]!r}?" if matches else ""
        where = f" in [{'.'.join(loc[:-1])}]" if len(loc) > 1 else ""
        return f"{origin}: unknown key {loc[-1]!r}{where}{hint} (allowed: {', '.join(allowed)})"
    message = first["msg"]
    if first["type"] in ("value_error", "assertion_error") and "error" in first.get("ctx", {}):
        message = str(first["ctx"]["error"])
        if isinstance(first["input"], dict):  # a problem with the table as a whole
            named = [
                k for k in source if k.startswith(f"{key}.") and repr(k.split(".")[-1]) in message
            ]
            return f"{source[named[0]] if named else origin}: [{key}] {message}"
    if first["type"] == "missing":
        return f"{origin}: {key!r} is required"
    if not key:
        return f"{origin}: {message}"
    return f"{origin}: {key} = {first['input']!r}: {message}"
