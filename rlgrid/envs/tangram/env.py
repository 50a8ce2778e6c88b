"""The tangram puzzle as a gymnasium env: fill a silhouette with the seven pieces.

A pure, seeded state machine: every episode draws a silhouette (one of a fixed set, or a freshly
generated one), optionally with some pieces of a known assembly already in place; each step
places one remaining piece. The episode ends when the silhouette is filled (success, reward 1)
or when no remaining piece fits where the action space allows (failure). An action whose
placement does not fit also ends the episode as a failure: that is what agents without action
masks meet (``action_masks()`` gives the mask for those with them).
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlgrid.envs.tangram.board import Actions, Board, placement_of
from rlgrid.envs.tangram.observations import DEFAULT_WINDOW, Encoder
from rlgrid.envs.tangram.pieces import COUNTS, PIECES
from rlgrid.envs.tangram.placements import ACTION_SPACES, Canvas
from rlgrid.envs.tangram.silhouettes import Silhouette, SilhouetteSet, generate, parse_set
from rlgrid.envs.tangram.solver import Solver
from rlgrid.envs.tangram.states import enumerate_states
from rlgrid.errors import InvalidValueError

REWARDS = ("sparse", "area", "solvable")


class TangramEnv(gym.Env[Any, np.int64]):
    """Assemble the seven tangram pieces into a silhouette.

    Args:
        silhouettes: ``square`` (default), a classic figure's name, ``classics``, a silhouette
            file, ``random:N`` (N generated ones) or ``random`` (a new one every episode); or a
            :class:`SilhouetteSet`.
        silhouette_seed: seed of generated silhouettes (``random:N``).
        canvas: cells a side of the board (default: the largest silhouette, 8 for generated
            ones); actions and ``canvas`` observations are over it.
        actions: ``gap`` (default: pieces that cover the first gap, 152 actions) or
            ``anywhere`` (any shape at any cell); see :mod:`.placements`.
        obs: ``window`` (default with gap actions), ``canvas`` (default with anywhere) or
            ``state`` (a number per reachable board, for a q-table); see :mod:`.observations`.
        window: cells seen on each side of the gap (``window`` obs).
        reward: ``sparse`` (1 when filled), ``area`` (also each piece's share of the
            silhouette when placed) or ``solvable`` (also potential shaping with the solver:
            ``gamma * solvable(after) - solvable(before)``, so the placement that makes the
            silhouette impossible to fill costs 1 at once; potential-based, it leaves the best
            policy as it is); ``info["raw_return"]`` is always the sparse return.
        gamma: the discount ``solvable`` shaping assumes (use the learner's).
        preplaced: pieces of a known assembly already in place at the start.
        render_mode: ``None``, ``"ansi"`` or ``"rgb_array"``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 2}

    def __init__(
        self,
        silhouettes: str | SilhouetteSet = "square",
        silhouette_seed: int = 0,
        canvas: int | None = None,
        actions: str = "gap",
        obs: str | None = None,
        window: int = DEFAULT_WINDOW,
        reward: str = "sparse",
        gamma: float = 0.99,
        preplaced: int = 0,
        render_mode: str | None = None,
    ) -> None:
        self.set = (
            parse_set(silhouettes, silhouette_seed) if isinstance(silhouettes, str) else silhouettes
        )
        rows, cols = self.set.bounds
        if canvas is not None:
            if isinstance(canvas, bool) or not isinstance(canvas, int) or canvas < 1:
                raise InvalidValueError(f"canvas must be a positive integer, got {canvas!r}")
            if canvas < max(rows, cols):
                raise InvalidValueError(
                    f"canvas {canvas} is smaller than the silhouettes ({rows}x{cols} cells)"
                )
            rows = cols = canvas
        self.canvas = Canvas.of(rows, cols)
        if actions not in ACTION_SPACES:
            raise InvalidValueError(f"unknown actions {actions!r}: choose gap or anywhere")
        self.actions = Actions(self.canvas, actions)
        if reward not in REWARDS:
            raise InvalidValueError(f"unknown reward {reward!r}: choose {', '.join(REWARDS)}")
        self.reward, self.gamma = reward, float(gamma)
        if isinstance(preplaced, bool) or not isinstance(preplaced, int):
            raise InvalidValueError(f"preplaced must be an integer, got {preplaced!r}")
        if not 0 <= preplaced < PIECES:
            raise InvalidValueError(f"preplaced must be from 0 to {PIECES - 1}, got {preplaced}")
        self.preplaced = preplaced
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InvalidValueError(
                f"unknown render_mode {render_mode!r}: choose ansi or rgb_array"
            )
        self.render_mode = render_mode
        obs = obs or ("window" if actions == "gap" else "canvas")
        states = None
        if obs == "state":
            if preplaced:
                raise InvalidValueError(
                    "obs state numbers the boards reached from an empty silhouette: it does not "
                    "go with preplaced pieces or the curriculum"
                )
            if self.set.fixed is None:
                raise InvalidValueError(
                    "obs state numbers the boards of a fixed set of silhouettes; "
                    "random silhouettes have no end of them"
                )
            targets = [self.canvas.mask(s.triangles) for s in self.set.fixed]
            states = enumerate_states(self.actions, targets)
        self.encoder = Encoder(obs, rows, cols, window, states)
        self.observation_space = self.encoder.space
        self.action_space = spaces.Discrete(self.actions.n)
        self.solver = Solver(self.canvas)
        self._solutions: dict[int, list[int]] = {}
        self.silhouette: Silhouette = (
            self.set.fixed[0] if self.set.fixed else generate(np.random.default_rng(0), rows, cols)
        )
        self.index = 0
        self.board = Board.start(self.canvas, self.canvas.mask(self.silhouette.triangles))
        self._mask = self.actions.mask(self.board)
        self.raw_return = 0.0
        self.steps = 0
        self._solvable = True

    # --- the episode -------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """``options``: ``silhouette`` (index into a fixed set, for evaluations that play each
        once) and ``preplaced`` (pieces already in place, for a curriculum)."""
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"silhouette", "preplaced"}
        if unknown:
            raise InvalidValueError(
                f"unknown reset options {sorted(unknown)}: use silhouette, preplaced"
            )
        fixed = self.set.fixed
        if fixed is None:
            self.index = -1
            self.silhouette = generate(self.np_random, self.canvas.rows, self.canvas.cols)
            self.solver = Solver(self.canvas)  # what it remembers is of no use on the next one
        else:
            drawn = int(self.np_random.integers(len(fixed)))
            self.index = int(options.get("silhouette", drawn)) % len(fixed)
            self.silhouette = fixed[self.index]
        self.board = Board.start(self.canvas, self.canvas.mask(self.silhouette.triangles))
        preplaced = int(options.get("preplaced", self.preplaced))
        if preplaced:
            solution = self._solution()
            for i in sorted(self.np_random.choice(len(solution), preplaced, replace=False)):
                self.board.place(solution[i])
        self._mask = self.actions.mask(self.board)
        self._solvable = self.reward != "solvable" or self._can_fill()
        self.raw_return = 0.0
        self.steps = 0
        return self._observation(), {"preplaced": preplaced, "is_success": False}

    def _can_fill(self) -> bool:
        """Whether the pieces left can fill what is left (the solver)."""
        board = self.board
        return board.free == 0 or self.solver.solve(board.free, tuple(board.counts)) is not None

    def _solution(self) -> list[int]:
        """A known assembly of this episode's silhouette (placement ids)."""
        if self.index in self._solutions:
            return self._solutions[self.index]
        known = self.silhouette.solution
        if known is not None:
            found = [placement_of(self.canvas, kind, tris) for kind, tris in known]
        else:
            found = self.solver.solve(self.board.target, COUNTS)
            if found is None:
                raise InvalidValueError(f"silhouette {self.silhouette.name} has no assembly")
        if self.index >= 0:
            self._solutions[self.index] = found
        return found

    def step(self, action: int) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise InvalidValueError(
                f"action must be from 0 to {self.actions.n - 1}, got {action!r}"
            )
        placement = self.actions.placement(self.board, int(action))
        self.steps += 1
        info: dict[str, Any] = {}
        if not self._mask[int(action)]:
            success, reward = False, 0.0
            info["invalid"] = True
        else:
            self.board.place(placement)
            success = self.board.free == 0
            reward = 1.0 if success else 0.0
        self._mask = self.actions.mask(self.board)
        terminated = success or info.get("invalid", False) or not self._mask.any()
        self.raw_return += reward
        info.update(is_success=success, raw_reward=reward, pieces_left=sum(self.board.counts))
        if self.reward == "area" and not info.get("invalid"):
            share = self.canvas.bits[placement].bit_count() / self.board.target.bit_count()
            reward += share
        elif self.reward == "solvable":
            before, self._solvable = self._solvable, not info.get("invalid") and self._can_fill()
            reward += self.gamma * self._solvable - before
        if terminated:
            info["raw_return"] = self.raw_return
        return self._observation(), reward, bool(terminated), False, info

    def action_masks(self) -> np.ndarray:
        """Which actions place a piece that fits (sb3-contrib's MaskablePPO reads this)."""
        return self._mask.copy()

    def oracle_action(self) -> int | None:
        """An action that keeps the puzzle solvable (the solver's); None where none does."""
        found = self.solver.solve(self.board.free, tuple(self.board.counts))
        if not found:
            return None
        return self.actions.action_of(self.board, found[0])

    def _observation(self) -> Any:
        return self.encoder(self.board, self.index)

    # --- pictures ----------------------------------------------------------------------------

    def placed(self) -> list:
        return [self.canvas.placements[p] for p in self.board.placed]

    def render(self) -> Any:
        if self.render_mode is None:
            gym.logger.warn("render() without a render_mode: make the env with one")
            return None
        from rlgrid.envs.tangram import rendering

        if self.render_mode == "ansi":
            return rendering.text(self.canvas, self.silhouette.triangles, self.placed())
        cell = max(48, 384 // max(self.canvas.rows, self.canvas.cols))  # readable when small
        return rendering.frame(self.canvas, self.silhouette.triangles, self.placed(), cell)
