"""The warehouse robot environment: reach the package on an R x C grid.

A pure, seeded state machine in the style of gymnasium's toy-text envs: randomness only through
``self.np_random``, observations of exactly the declared dtype, pygame only for pixel render modes.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlgrid.envs.layout import Cell, Layout
from rlgrid.envs.layout_set import LayoutSet
from rlgrid.envs.moves import Action, next_cell
from rlgrid.envs.observations import DEFAULT_WINDOW, Encoding
from rlgrid.envs.rewards import KINDS, Shaper, Shaping
from rlgrid.errors import InvalidValueError


def default_max_steps(rows: int, cols: int) -> int:
    """The default time limit: 4 * (rows + cols) steps, twice the longest shortest path."""
    return 4 * (rows + cols)


class WarehouseEnv(gym.Env[np.ndarray, np.int64]):
    """A robot starts at (0, 0) (or a random cell) and must reach a package placed at random.

    Actions: LEFT=0, DOWN=1, RIGHT=2, UP=3; a move into the border or a blocked cell leaves the
    robot in place. Observation: ``[robot_row, robot_col, target_row, target_col]`` (int32), or
    another encoding (``obs``). Reward 1 and ``terminated`` on reaching the target, 0 otherwise,
    plus any shaping bonus (``reward``); ``truncated`` after ``max_steps`` steps. ``info`` holds
    ``shortest_path_length`` (from the episode's start to its target) on every reset and step, and
    ``is_success`` on every step (True only on the step that reaches the target, so an outer time
    limit that cuts an episode short still reports a failure). With shaping, ``info["raw_reward"]``
    is the unshaped reward, and ``info["raw_return"]`` its episode total when an episode ends.

    Args:
        rows, cols: grid size.
        targets: ``"classic"`` (the seed's rule: never row 0 or column 0) or ``"anywhere"`` (any
            cell but the start).
        random_start: start each episode on a random cell instead of (0, 0).
        layout: shelves, as a :class:`Layout` or ``map:FILE``, ``aisles:RxC`` or
            ``random:RxC[:DENSITY]`` (see :mod:`rlgrid.envs.maps`); it sets the grid size, the
            cells starts and targets come from, and the fixed start. ``layout_seed`` seeds
            generated layouts; ``layouts`` > 1 stacks that many (seeds ``layout_seed`` on) into
            one :class:`~rlgrid.envs.layout.LayoutSet`, each episode in one of them.
        max_steps: time limit in steps; default ``4 * (rows + cols)`` (of one layout).
        render_mode: ``None``, ``"ansi"``, ``"rgb_array"`` or ``"human"``.
        obs: observation encoding as the ``--obs`` text: ``coords`` (default), ``offset``,
            ``onehot``, ``offset+window`` ... (see :mod:`rlgrid.envs.observations`); ``window``
            is the radius of the window part.
        reward: ``sparse`` (default) or shaping as the ``--reward`` text: ``potential``,
            ``proximity+exploration`` ... (see :mod:`rlgrid.envs.rewards`); ``gamma`` is the
            discount potential shaping assumes (use the learner's), ``shaping`` optional scales
            by kind, as the ``[shaping]`` config table (``{"potential": 2.0}``).
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["ansi", "rgb_array", "human"],
        "render_fps": 4,
    }

    def __init__(
        self,
        rows: int = 4,
        cols: int = 5,
        targets: str = "classic",
        random_start: bool = False,
        max_steps: int | None = None,
        render_mode: str | None = None,
        layout: str | Layout | None = None,
        layout_seed: int = 0,
        layouts: int = 1,
        obs: str = "coords",
        window: int = DEFAULT_WINDOW,
        reward: str = "sparse",
        gamma: float = 0.99,
        shaping: dict[str, float] | None = None,
    ) -> None:
        if layout is None:
            self.layout = Layout.open_grid(rows, cols, targets)
        elif isinstance(layout, Layout):
            self.layout = layout
        else:
            from rlgrid.envs.maps import layout_from_spec

            self.layout = layout_from_spec(layout, layout_seed, layouts)
        if isinstance(self.layout, LayoutSet) and not random_start:
            raise InvalidValueError("training on several layouts needs random starts")
        rows, cols = self.layout.tile_size
        self.targets = targets
        if not isinstance(random_start, bool | np.bool_):
            raise InvalidValueError(f"random_start must be true or false, got {random_start!r}")
        self.random_start = bool(random_start)
        if max_steps is None:
            max_steps = default_max_steps(rows, cols)
        if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
            raise InvalidValueError(f"max_steps must be a positive integer, got {max_steps!r}")
        self.max_steps = max_steps
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InvalidValueError(
                f"unknown render_mode {render_mode!r}: choose one of "
                f"{', '.join(self.metadata['render_modes'])}"
            )
        self.render_mode = render_mode

        self.action_space = spaces.Discrete(len(Action))
        if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 32:
            raise InvalidValueError(f"window must be an integer from 1 to 32, got {window!r}")
        if not isinstance(obs, str):
            raise InvalidValueError(f"obs must be text such as 'offset', got {obs!r}")
        self.encoding = Encoding(obs, self.layout, window)
        self.observation_space = self.encoding.space
        self._plain_obs = self.encoding.parts == ("coords",)
        self.shaper = _shaper(reward, self.layout, self.max_steps, gamma, shaping)
        self.raw_return = 0.0
        self.robot: Cell = self.layout.home
        self.target: Cell = self.layout.home
        self.start: Cell = self.layout.home
        self.steps = 0
        self.shortest_path_length = 0
        self.last_action: int | None = None
        self.last_reward = 0.0
        self._drawer = None
        self._window = None

    @property
    def rows(self) -> int:
        return self.layout.size.rows

    @property
    def cols(self) -> int:
        return self.layout.size.cols

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.start, self.target = self.layout.draw_episode(self.np_random, self.random_start)
        if options:
            self._apply_reset_options(options)
        self.robot = self.start
        self.steps = 0
        self.last_action = None
        self.last_reward = 0.0
        self.shortest_path_length = self.layout.shortest_path_length(self.start, self.target)
        if self.shaper is not None:
            self.shaper.start(np.zeros(1, dtype=np.int64), self._flat(self.robot))
            self.raw_return = 0.0
        if self.render_mode == "human":
            self.render()
        return self._observation(), {"shortest_path_length": self.shortest_path_length}

    def _apply_reset_options(self, options: dict[str, Any]) -> None:
        """``options={"start": (r, c), "target": (r, c)}`` sets either cell, for exhaustive
        evaluation and for tests; the random draw happens anyway so seeding stays aligned."""
        unknown = set(options) - {"start", "target"}
        if unknown:
            raise InvalidValueError(f"unknown reset options {sorted(unknown)}: use start, target")
        cells = {}
        for key in ("start", "target"):
            if key not in options:
                continue
            value = options[key]
            cell = tuple(int(v) for v in value) if len(value) == 2 else None
            if cell is None or not self.layout.in_bounds(cell) or not self.layout.free[cell]:
                raise InvalidValueError(f"reset option {key}={value!r} is not a free cell")
            cells[key] = cell
        self.start = cells.get("start", self.start)
        self.target = cells.get("target", self.target)
        if self.start == self.target:
            raise InvalidValueError(f"start and target are the same cell {self.start}")

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise InvalidValueError(f"action must be one of 0, 1, 2, 3, got {action!r}")
        action = int(action)
        before = self.robot
        self.robot = next_cell(self.layout, self.robot, action)
        self.steps += 1
        terminated = self.robot == self.target
        truncated = not terminated and self.steps >= self.max_steps
        reward = 1.0 if terminated else 0.0
        info: dict[str, Any] = {
            "shortest_path_length": self.shortest_path_length,
            "is_success": terminated,
        }
        if self.shaper is not None:
            self.raw_return += reward
            info["raw_reward"] = reward
            if terminated or truncated:
                info["raw_return"] = self.raw_return
            flat = self._flat
            ended = np.array([terminated])
            reward += float(
                self.shaper.bonus(flat(before), flat(self.robot), flat(self.target), ended)[0]
            )
        self.last_action = action
        self.last_reward = reward
        if self.render_mode == "human":
            self.render()
        return self._observation(), reward, terminated, truncated, info

    def _flat(self, cell: Cell) -> np.ndarray:
        return np.array([cell[0] * self.layout.size.cols + cell[1]], dtype=np.int64)

    def _observation(self) -> np.ndarray:
        if self._plain_obs:
            return np.array([*self.robot, *self.target], dtype=np.int32)
        return self.encoding.encode(self._flat(self.robot), self._flat(self.target))[0]

    def status_line(self) -> str:
        action = "-" if self.last_action is None else Action(self.last_action).name
        return f"Action: {action}   step {self.steps}   reward {self.last_reward:g}"

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None:
            gym.logger.warn(
                "render() called without a render_mode; pass render_mode='ansi', 'rgb_array' or "
                "'human' when making the env"
            )
            return None
        if self.render_mode == "ansi":
            from rlgrid.envs.rendering import ansi_text

            return ansi_text(self.layout, self.robot, self.target)
        if self._drawer is None:
            from rlgrid.envs.rendering import FrameDrawer

            self._drawer = FrameDrawer(self.layout)
        surface = self._drawer.draw(self.robot, self.target, self.status_line())
        if self.render_mode == "rgb_array":
            return self._drawer.to_array(surface)
        if self._window is None:
            from rlgrid.envs.rendering import Window

            self._window = Window(
                self._drawer.size, "rlgrid warehouse", self.metadata["render_fps"]
            )
        self._window.show(surface)
        return None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the state, not the drawing: a copy draws afresh, and opens its own window."""
        return {**self.__dict__, "_drawer": None, "_window": None}

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None
        self._drawer = None


def _shaper(
    reward: str, layout: Layout, max_steps: int, gamma: float, scales: dict[str, float] | None
) -> Shaper | None:
    """The shaping of one env from its plain-data options; None for the sparse reward."""
    if not isinstance(reward, str):
        raise InvalidValueError(f"reward must be text such as 'potential', got {reward!r}")
    if isinstance(gamma, bool) or not isinstance(gamma, int | float) or not 0 < gamma <= 1:
        raise InvalidValueError(f"gamma must be a number in (0, 1], got {gamma!r}")
    if scales is not None and not isinstance(scales, dict):
        raise InvalidValueError(f"shaping must map kinds to scales, got {scales!r}")
    scales = dict(scales or {})
    for kind, scale in scales.items():
        if kind not in KINDS:
            raise InvalidValueError(f"unknown shaping scale {kind!r}: use {', '.join(KINDS)}")
        if isinstance(scale, bool) or not isinstance(scale, int | float) or scale < 0:
            raise InvalidValueError(f"shaping scale {kind} must be a number >= 0, got {scale!r}")
    built = Shaping.build(reward, layout, max_steps, float(gamma), scales)
    return Shaper(built, layout, 1) if built.kinds else None
