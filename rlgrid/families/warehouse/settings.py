"""The warehouse's ``[env]`` and ``[shaping]`` settings, parsed once into typed values."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_serializer, field_validator, model_validator

from rlgrid.envs.grid import GridSize, parse_grid
from rlgrid.envs.layout import Layout
from rlgrid.envs.observations import DEFAULT_WINDOW, parse_encoding
from rlgrid.envs.registration import WAREHOUSE_ID
from rlgrid.envs.rewards import parse_reward
from rlgrid.envs.warehouse import default_max_steps
from rlgrid.errors import InvalidValueError, setting
from rlgrid.families.base import EnvSettings
from rlgrid.strict import StrictModel

DEFAULT_GRID = GridSize(4, 5)
FLOOR_KEYS = ("grid", "map", "layout", "layout_seed", "layouts")


class WarehouseSettings(EnvSettings):
    """Which warehouse to train on. A floor is an open grid (``grid``), a text map (``map``) or a
    generated layout (``layout``), never two of them."""

    id: str = WAREHOUSE_ID
    grid: GridSize | None = None
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
    """Where targets go on an open grid (default classic: never row 0 or column 0)."""
    random_start: bool = False
    """Start episodes on a random cell instead of (0, 0)."""
    max_steps: int | None = Field(None, ge=1)
    """Time limit (default 4 * (rows + cols) of the floor)."""
    obs: str | None = None
    """Observation encoding, e.g. offset or offset+window (default: coords for q-table, offset
    for a2c/dqn/ppo)."""
    window: int = Field(DEFAULT_WINDOW, ge=1, le=32)
    """Radius of the window encoding (default 4: 9x9 cells)."""
    reward: str | None = None
    """sparse, proximity, exploration, direction, potential, or kinds joined with + (default:
    sparse for q-table, potential for a2c/dqn/ppo)."""

    @model_validator(mode="before")
    @classmethod
    def _rows_and_cols(cls, data: Any) -> Any:
        """``rows`` and ``cols``, as ``gym.make`` takes them (``--env-kwargs rows=10 cols=10``),
        are the grid."""
        if not isinstance(data, dict) or ("rows" not in data and "cols" not in data):
            return data
        data = dict(data)
        rows, cols = data.pop("rows", DEFAULT_GRID.rows), data.pop("cols", DEFAULT_GRID.cols)
        if data.get("grid") is not None:
            raise ValueError(
                f"give the size as {setting('env.grid')} or as rows and cols, not both"
            )
        data["grid"] = f"{rows}x{cols}"
        return data

    @field_validator("grid", mode="before")
    @classmethod
    def _grid_text(cls, value: Any) -> Any:
        return parse_grid(value) if isinstance(value, str) else value

    @field_serializer("grid")
    def _grid_out(self, grid: GridSize | None) -> str | None:
        return None if grid is None else str(grid)

    @field_validator("reward")
    @classmethod
    def _reward_text(cls, value: str | None) -> str | None:
        return None if value is None else "+".join(parse_reward(value)) or "sparse"

    @field_validator("obs")
    @classmethod
    def _obs_text(cls, value: str | None) -> str | None:
        return None if value is None else "+".join(parse_encoding(value))

    @model_validator(mode="after")
    def _one_floor(self) -> WarehouseSettings:
        if self.map is not None and self.layout is not None:
            raise ValueError("give a map or a generated layout, not both")
        shaped = self.map is not None or self.layout is not None
        for key in ("grid", "targets"):
            if shaped and getattr(self, key) is not None:
                raise ValueError(f"{key} comes from the map or layout; drop {key!r}")
        if not shaped and (self.layout_seed is not None or self.layouts is not None):
            raise ValueError("layout_seed and layouts need a generated layout")
        if (self.layouts or 1) > 1 and not self.random_start:
            raise ValueError("training on several layouts needs random starts")
        if self.map is not None:
            _ = self.floor  # a malformed map is one line naming its row and column
        return self

    def layout_spec(self) -> str | None:
        """The layout as ``map:FILE``, ``aisles:RxC`` or ``random:...``; None for an open grid."""
        return f"map:{self.map}" if self.map is not None else self.layout

    @cached_property
    def floor(self) -> Layout:
        """The floor's layout, built once: the map's, the generated one(s), or the open grid."""
        spec = self.layout_spec()
        if spec is None:
            return Layout.open_grid(*self.size, self.targets or "classic")
        from rlgrid.envs.maps import layout_from_spec

        return layout_from_spec(spec, self.layout_seed or 0, self.layouts or 1)

    @property
    def size(self) -> GridSize:
        """Rows and columns of the floor (of one layout where there are several)."""
        if self.layout_spec() is None:
            return self.grid or DEFAULT_GRID
        return GridSize(*self.floor.tile_size)

    @property
    def time_limit(self) -> int:
        return self.max_steps or default_max_steps(*self.size)

    @property
    def encoding_name(self) -> str:
        return self.obs or "coords"

    def label(self) -> str:
        """A short name of the floor for titles: 6x6, map NAME, aisles:32x32 seed 0 ..."""
        if self.map is not None:
            return f"map {Path(self.map).name}"
        if self.layout is not None:
            count = f" x{self.layouts}" if (self.layouts or 1) > 1 else ""
            return f"{self.layout} seed {self.layout_seed or 0}{count}"
        return str(self.size)

    def resolved(self) -> WarehouseSettings:
        """Every option spelled out, so a run folder says exactly what it used."""
        if self.layout_spec() is None:
            update: dict[str, Any] = {"grid": self.size, "targets": self.targets or "classic"}
        else:
            generated = self.layout is not None
            update = {
                "layout_seed": (self.layout_seed or 0) if generated else None,
                "layouts": (self.layouts or 1) if generated else None,
            }
        return self.model_copy(update={**update, "max_steps": self.time_limit})

    def on(self, changes: dict[str, Any]) -> WarehouseSettings:
        """These settings on another floor (``changes``: floor keys with values): a new grid,
        map or layout replaces the old one and its time limit."""
        data = self.model_dump()
        if changes.keys() & {"grid", "map", "layout"}:
            data.update(dict.fromkeys((*FLOOR_KEYS, "max_steps")))
            if "grid" not in changes:
                data["targets"] = None
        data.update(changes)
        try:
            return WarehouseSettings.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            message = first.get("ctx", {}).get("error", first["msg"])
            raise InvalidValueError(f"env: {message}") from None


class ShapingSettings(StrictModel):
    """Scale of each shaping kind; unset means the default scaled to the grid (see README)."""

    proximity: float | None = Field(None, ge=0)
    exploration: float | None = Field(None, ge=0)
    direction: float | None = Field(None, ge=0)
    potential: float | None = Field(None, ge=0)
