"""What every environment family provides: the one interface training, evaluation, the run folder
and the CLI use to talk to an environment.

A family turns its validated settings (the ``[env]`` table, a :class:`EnvSettings` subclass) into
envs, says which episodes an evaluation plays and what counts as solved there, and, where it has
them, offers an oracle, floor options, a renderer and extra env checks. Families know nothing of
algorithms or the CLI: what they need from the rest of a config comes in as plain values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import gymnasium as gym
from pydantic import Field, model_validator

from rlgrid.envs import wrappers
from rlgrid.envs.masks import has_action_masks
from rlgrid.errors import InvalidValueError, setting
from rlgrid.evaluation import EvalResult, EvalSettings, Judgement, evaluate
from rlgrid.findings import Finding
from rlgrid.strict import StrictModel


class WrapperSpec(StrictModel):
    """One gymnasium wrapper of ``[env] wrappers``: its name (see :mod:`rlgrid.envs.wrappers`) and
    constructor kwargs. In a config an item may also be ``"NAME[:key=value,...]"`` text."""

    name: str
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return wrappers.parse_wrapper(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _known(self) -> WrapperSpec:
        """A wrapper of gymnasium, minigrid or rlgrid is checked at once (its kwargs against its
        constructor); an external one only when it is imported, where the user allowed it."""
        if not wrappers.is_external(self.name):
            wrappers.check_kwargs(wrappers.resolve(self.name), self.kwargs, self.name)
        return self


class EnvSettings(StrictModel):
    """The ``[env]`` table: the env id, and the keys of its family."""

    id: str
    wrappers: list[WrapperSpec] = Field(default_factory=list)
    """Gymnasium wrappers around each env, innermost first (after the family's own)."""

    def external_modules(self) -> list[str]:
        """Modules outside gymnasium, minigrid and rlgrid that making these envs imports: the
        env id's ``module:`` prefix and external wrappers."""
        module = self.id.rpartition(":")[0]
        found = [module] if module else []
        found += [
            wrappers.external_module(spec.name)
            for spec in self.wrappers
            if wrappers.is_external(spec.name)
        ]
        return list(dict.fromkeys(found))

    def label(self) -> str:
        """A short name of what the env is made of, for titles (empty where the id says all)."""
        return ""


@dataclass(frozen=True)
class RewardSetup:
    """What a training env needs from the rest of the config to shape its reward: the
    algorithm's discount (potential shaping must use the same) and the ``[shaping]`` scales."""

    gamma: float
    scales: dict[str, float | None]


@dataclass(frozen=True)
class DoctorSetup:
    """What a family's own ``rlgrid doctor`` checks get from the rest of a config: whether the
    algorithm is a table, and the reward setup (discount and shaping scales)."""

    tabular: bool
    reward: RewardSetup


@dataclass(frozen=True)
class EvalPlan:
    """Which greedy episodes an evaluation plays: ``episodes`` seeded ones from ``seed``, or, with
    ``all_targets``, every target (and start) once."""

    episodes: int
    seed: int
    all_targets: bool


PASS, FAIL, SKIP = "pass", "fail", "n/a"
WARN = "warn"
"""What a check finds: it passes, fails, does not apply, or passes with warnings (``WARN``: the
env works, but a checker advises a change; only ``--strict`` counts that as failing)."""


class CheckSubject(Protocol):
    """What a check gets: the env's settings, its seed, and a way to make fresh envs."""

    settings: Any
    seed: int

    def make(self, **make_kwargs: Any) -> gym.Env: ...


@dataclass(frozen=True)
class Check:
    """An extra env check of a family: ``run`` returns (status, detail)."""

    name: str
    run: Callable[[CheckSubject], tuple[str, str]]


class Family(ABC):
    """An environment family. Subclasses set the class data and implement :meth:`claims` and
    :meth:`make`; everything else has a default that fits any gymnasium env."""

    name: ClassVar[str]
    settings_model: ClassVar[type[EnvSettings]]
    eval_defaults: ClassVar[dict[str, int]] = {"episodes": 20, "freq": 10_000}
    """Defaults of ``[eval]`` keys left unset (episodes, freq)."""
    playable: ClassVar[bool] = False
    """Whether its envs can be driven by hand (keyboard play); their unwrapped env then has a
    ``layout``, the ``robot`` and ``target`` cells, ``steps`` and ``max_steps``."""
    draws_text: ClassVar[bool] = False
    """Whether its envs can be watched as text in a terminal (drawn from ``layout``, ``robot``
    and ``target`` of the unwrapped env, or by its ``ansi`` render mode)."""
    plain_algo: ClassVar[str] = "q-table"
    """The algorithm whose defaults describe an env alone, with no trained agent (check-env,
    the oracle, a random agent): the q-table's leave an env's observations and reward as they
    are."""
    guiding_reward: ClassVar[str | None] = None
    """The value of the ``[env]`` key ``reward`` that rewards progress before the goal (the
    doctor's fix for a goal no random episode reaches); None where the family has none."""
    maps_policies: ClassVar[bool] = False
    """Whether a trained policy can be drawn over every cell of the floor (a policy map); see
    :meth:`cell_encoding`."""

    @abstractmethod
    def claims(self, env_id: str) -> bool:
        """Whether envs with this id belong to this family."""

    @abstractmethod
    def make(
        self,
        settings: Any,
        reward: RewardSetup | None = None,
        render_mode: str | None = None,
    ) -> gym.Env:
        """One env from ``settings``: shaped by ``reward`` where given (training), else with the
        env's own reward (evaluation, so returns compare fairly)."""

    def defaults(self, tabular: bool) -> dict[str, dict[str, Any]]:
        """Defaults that depend on the algorithm: ``{"env": {...}, "params": {...}, "budget":
        {"episodes": N}}``, for a tabular algorithm or a deep one (the budget where the
        algorithm's own default does not reach the optimum)."""
        return {}

    def resolved(self, settings: Any) -> Any:
        """``settings`` with every default spelled out, as a run folder records them."""
        return settings

    def training_envs(self, settings: Any, reward: RewardSetup) -> TrainingEnvs:
        """What an agent trains on (see :class:`rlgrid.algos.base.EnvMaker`)."""
        return TrainingEnvs(settings.id, settings.id, lambda: self.make(settings, reward))

    def every_target(self, settings: Any, eval_settings: EvalSettings) -> bool:
        """Whether evaluations play every target once by default."""
        return False

    def evaluate(
        self, settings: Any, policy: Any, plan: EvalPlan, encoded: bool = True
    ) -> EvalResult:
        """Play ``policy`` (an agent with ``act``; None for the family's oracle) greedily."""
        if policy is None:
            raise InvalidValueError(f"the oracle walks shortest paths; {settings.id} has none")
        if plan.all_targets:
            raise InvalidValueError(
                f"playing every target once works where targets exist; {settings.id} has none"
            )
        env = self.make(settings)
        try:
            return evaluate(env, policy.act, [None] * plan.episodes, plan.seed)
        finally:
            env.close()

    def plan_words(self, settings: Any, plan: EvalPlan) -> str:
        """How an evaluation's episodes are chosen, for its title."""
        return f"{plan.episodes} episodes, seed {plan.seed}"

    def check_judgeable(self, settings: Any, eval_settings: EvalSettings) -> None:
        """Raise when ``until_solved`` could never stop: there is no definition of solved."""
        return None

    @abstractmethod
    def judge(self, settings: Any, result: EvalResult, eval_settings: EvalSettings) -> Judgement:
        """The family's one definition of solved, and a score (higher is better)."""

    def hopeless(self, settings: Any, result: EvalResult, eval_settings: EvalSettings) -> bool:
        """Whether ``result``, the plan's first episodes, shows that :meth:`judge` cannot find
        the whole plan solved (``assess.periodic_judge``); False where a part cannot tell."""
        return False

    success_words: ClassVar[str | None] = None
    """What a successful episode does, in plain words (``reach their target``), where the
    family judges by success; None where it judges by the mean return."""

    def solved_means(self, settings: Any, eval_settings: EvalSettings, episodes: int) -> str | None:
        """What :meth:`judge` asks of an evaluation of ``episodes`` episodes, in plain words
        (``100% at ratio <= 1.05``); None where it has no definition of solved."""
        return None

    def on_floor(self, settings: Any, changes: dict[str, Any]) -> Any:
        """``settings`` on another floor: ``changes`` are the settings that choose it (``rlgrid
        eval`` and ``render`` may change them for a trained agent)."""
        names = ", ".join(setting(f"env.{key}") for key in changes)
        raise InvalidValueError(f"{names}: {settings.id} has no floor to change")

    def policy_fits(self, trained: Any, other: Any, tabular: bool) -> None:
        """Raise when a policy trained on ``trained`` cannot read observations of ``other``."""
        return None

    def checks(self) -> list[Check]:
        """Extra checks of ``rlgrid check-env`` for this family's envs."""
        return []

    def diagnose(self, settings: Any, setup: DoctorSetup) -> list[Finding]:
        """``rlgrid doctor``'s findings only this family can make, from ``settings`` alone."""
        return []

    def paths_beside(self, key: str, value: str, folder: Path) -> str:
        """``value`` of ``[env]`` ``key`` with its relative paths made absolute in ``folder``."""
        return value

    def action_name(self, action: int) -> str:
        """How a watcher names ``action`` in its status line."""
        return str(action)

    def action_namer(self, settings: Any) -> Callable[[int], str]:
        """How a watcher names the actions of envs made from ``settings``."""
        return self.action_name

    def cell_encoding(self, settings: Any) -> Any:
        """For a family that :attr:`maps_policies`: the observation encoding of ``settings``,
        whose ``encode(robot_cells, target_cells)`` gives the observations of flat cells."""
        raise InvalidValueError(f"{settings.id} has no cells to map a policy over")


@dataclass
class TrainingEnvs:
    """Envs an agent trains on, for a family with no batched env of its own: ``make`` builds one
    (shaped) env; SB3 steps several in a DummyVecEnv, the q-table in plain lanes."""

    env_id: str
    label: str
    make: Callable[[], gym.Env]
    _spaces: tuple[Any, Any] | None = None
    _masked: bool | None = None

    def spaces(self) -> tuple[Any, Any]:
        if self._spaces is None:
            self._look()
        return self._spaces  # type: ignore[return-value]

    def masked(self) -> bool:
        """Whether the envs say which actions they allow (an ``action_masks()`` method)."""
        if self._masked is None:
            self._look()
        return bool(self._masked)

    def _look(self) -> None:
        """Make one env and note its spaces and whether it has action masks."""
        env = self.make()
        try:
            self._spaces = (env.observation_space, env.action_space)
            self._masked = has_action_masks(env)
        finally:
            env.close()

    def vec_env(self, n: int) -> tuple[Any, str] | None:
        return None

    def lanes(self, n: int) -> Any:
        from rlgrid.envs.batched import GymnasiumLanes

        return GymnasiumLanes(n, self.make)

    def policy_kwargs(self) -> dict[str, Any]:
        return {}
