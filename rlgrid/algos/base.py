"""What every training backend shares: its episode records, its counters and the hooks through
which the training run watches it (progress, stop requests, periodic evaluation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rlgrid.errors import RlgridError
from rlgrid.evaluation import Judgement
from rlgrid.runs import EpisodeRow


class DivergedError(RlgridError):
    """Training produced non-finite weights or losses; the model is not saved."""


@dataclass
class EpisodeRows:
    """Per finished episode, in the order they finished (the columns of ``metrics.csv``)."""

    episode: list[int] = field(default_factory=list)
    timesteps: list[int] = field(default_factory=list)
    length: list[int] = field(default_factory=list)
    ret: list[float] = field(default_factory=list)
    success: list[bool | None] = field(default_factory=list)
    epsilon: list[float | None] = field(default_factory=list)
    shortest_path_length: list[int] = field(default_factory=list)
    shaped_return: list[float] = field(default_factory=list)
    """The return the agent learned from (``ret`` is the env's own, unshaped)."""

    def add(self, *, episode, timesteps, length, ret, shaped, success, epsilon, shortest) -> None:
        self.episode.append(int(episode))
        self.timesteps.append(int(timesteps))
        self.length.append(int(length))
        self.ret.append(float(ret))
        self.success.append(None if success is None else bool(success))
        self.epsilon.append(None if epsilon is None else float(epsilon))
        self.shortest_path_length.append(int(shortest))
        self.shaped_return.append(float(shaped))

    def records(self, start: int = 0) -> list[EpisodeRow]:
        """Rows from ``start`` on, as the typed records of ``metrics.csv``."""
        columns = (self.episode, self.timesteps, self.length, self.ret, self.success,
                   self.epsilon, self.shortest_path_length, self.shaped_return)  # fmt: skip
        return [EpisodeRow(*row) for row in zip(*(c[start:] for c in columns), strict=True)]

    def recent(self, window: int = 100, fair_after: int = 0) -> dict[str, float]:
        """Means over the last ``window`` episodes, for progress lines; unknown (nan) before
        step ``fair_after``, where the episodes ended so far are not yet a fair sample (envs
        side by side have finished only their short episodes, the successes)."""
        if not self.length or self.timesteps[-1] < fair_after:
            return {"length": float("nan"), "return": float("nan"), "success": float("nan")}
        known = [s for s in self.success[-window:] if s is not None]
        return {
            "length": float(np.mean(self.length[-window:])),
            "return": float(np.mean(self.ret[-window:])),
            "success": float(np.mean(known)) if known else float("nan"),
        }


@dataclass
class Hooks:
    should_stop: Callable[[], bool]
    report: Callable[[int, int], None]
    """Called with (episodes, timesteps) as episodes finish."""
    judge: Callable[[Any], Judgement | None] | None = None
    """Evaluates the agent; the deep backends call it every ``eval.freq`` steps."""
    persist: Callable[[], None] = lambda: None
    """Makes the episode rows so far durable; called before every checkpoint is written."""


def counters_of(state: Any) -> dict[str, int] | None:
    """``timesteps`` and ``episodes`` of a saved training state; None when it has none."""
    try:
        return {"timesteps": int(state["timesteps"]), "episodes": int(state["episodes"])}
    except (KeyError, TypeError, ValueError):
        return None


class EnvMaker(Protocol):
    """What an agent trains on, as its environment family provides it."""

    env_id: str
    label: str
    """How messages name the env: ``the 6x6 warehouse``, ``CartPole-v1``."""

    def spaces(self) -> tuple[Any, Any]:
        """The (observation, action) spaces of the training envs."""

    def make(self) -> Any:
        """One training env (shaped, observing through its encoding)."""

    def vec_env(self, n: int) -> tuple[Any, str] | None:
        """The family's own batched SB3 VecEnv of ``n`` envs and its name, or None."""

    def lanes(self, n: int) -> Any:
        """``n`` episodes stepped together, for the q-table."""

    def policy_kwargs(self) -> dict[str, Any]:
        """Policy kwargs the observations need (a features extractor)."""

    def masked(self) -> bool:
        """Whether the envs say which actions they allow (an ``action_masks()`` method). Optional:
        an EnvMaker without it has no masks (see :func:`has_masks`)."""


def has_masks(envs: EnvMaker) -> bool:
    """Whether ``envs`` say which actions they allow; an EnvMaker that does not say has no masks."""
    masked = getattr(envs, "masked", None)
    return bool(masked()) if masked is not None else False


class Agent(Protocol):
    greedy: bool
    """True: ``act`` and ``act_batch`` are functions of their input, the same action for the
    same observation every time (an evaluation may then end an episode that comes back to a state
    it was in as the loop it is)."""
    rows: EpisodeRows
    episodes: int
    timesteps: int
    solved_at: dict | None
    last_checkpoint: Path | None
    """The newest checkpoint this agent wrote or was resumed from."""

    def learn(self, run: Path, hooks: Hooks) -> bool:
        """Train until the budget is spent (True) or a hook stops it (False). Checkpoints
        (every ``save_freq`` units of the budget) carry everything resuming needs."""

    def save(self, run: Path) -> None:
        """Write the model file, with everything resuming needs, atomically."""

    @staticmethod
    def read_counters(path: Path) -> dict[str, int] | None:
        """``timesteps`` and ``episodes`` of the state in a model file; None if it has none."""

    @classmethod
    def load(
        cls, config: Any, envs: EnvMaker, run: Path, model: Path | None = None, resume: bool = False
    ) -> Agent:
        """The agent of ``model`` (the run's model file by default); with ``resume`` its
        training state too."""

    def act(self, obs: np.ndarray, mask: np.ndarray | None = None) -> int:
        """The greedy action for ``obs``: among the allowed ones where ``mask`` (one bool per
        action) is given and the agent acts with masks; the others ignore it (the env's own
        treatment of an action it does not allow applies)."""

    def act_batch(self, obs: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
        """Greedy actions for a batch of observations (the same as ``act`` on each), with
        ``masks`` (observations x actions) as ``act``'s mask."""

    def values_batch(self, obs: np.ndarray) -> np.ndarray:
        """State values for a batch of observations (for policy maps)."""
