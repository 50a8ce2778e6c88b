"""The tangram family: assemble the seven pieces into a silhouette (``rlgrid/Tangram-v0``).

What it offers beyond a plain gymnasium env: an exact solver as its oracle (``rlgrid eval
--oracle`` plays an assembly it finds; check-env counts each silhouette's assemblies), action
masks, a q-table over the numbered boards of a fixed set of silhouettes, and a curriculum (pieces
of a known assembly placed in advance, fewer as the agent succeeds). Solved: every evaluation
episode fills its silhouette (or, with ``eval.reward_threshold``, a success rate of at least it:
the evaluation's mean return is its success rate).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal

import gymnasium as gym
from pydantic import Field, field_validator, model_validator

from rlgrid.envs import wrappers
from rlgrid.envs.registration import TANGRAM_ID
from rlgrid.errors import InvalidValueError, setting
from rlgrid.evaluation import EvalResult, EvalSettings, Judgement, evaluate
from rlgrid.families.base import EnvSettings, EvalPlan, Family, RewardSetup
from rlgrid.families.gymnasium import make_env

FLOOR_KEYS = ("silhouettes", "silhouette_seed", "canvas")
"""The settings ``rlgrid eval`` and ``render`` may change for a trained agent."""


class TangramSettings(EnvSettings):
    """Which puzzles, and how an agent acts on them and sees them (see the README's tangram
    section)."""

    id: str = TANGRAM_ID
    silhouettes: str = "square"
    """square, a classic figure's name, classics, a silhouette file, random:N or random."""
    silhouette_seed: int = Field(0, ge=0)
    """Seed of generated silhouettes (random:N)."""
    canvas: int | None = Field(None, ge=1, le=32)
    """Cells a side of the board (default: the largest silhouette; 8 for generated ones)."""
    actions: Literal["gap", "anywhere"] = "gap"
    """gap: the pieces that cover the first gap (152 actions); anywhere: any shape at any cell."""
    obs: Literal["window", "canvas", "state"] | None = None
    """window (default with gap actions), canvas (default with anywhere) or state (q-table)."""
    window: int = Field(4, ge=1, le=16)
    """Cells seen on each side of the gap (window obs)."""
    reward: Literal["sparse", "area", "solvable"] = "sparse"
    """sparse: 1 when the silhouette is filled; area: also each piece's share when placed;
    solvable: also potential shaping by the solver (the placement that makes the silhouette
    impossible to fill costs 1 at once)."""
    preplaced: int = Field(0, ge=0, le=6)
    """Pieces of a known assembly in place at every start of a training episode."""
    curriculum: bool = False
    """Training episodes start with 6 pieces in place, one fewer each time the last episodes
    at a level succeed often enough (evaluations never have any in place)."""

    @field_validator("silhouettes")
    @classmethod
    def _known(cls, value: str) -> str:
        from rlgrid.envs.tangram.silhouettes import parse_set

        parse_set(value, 0)  # one line naming the file, row and column where it is malformed
        return value

    @model_validator(mode="after")
    def _state_from_empty(self) -> TangramSettings:
        if self.obs == "state" and (self.preplaced or self.curriculum):
            raise ValueError(
                "obs state numbers the boards reached from an empty silhouette: it does not go "
                "with preplaced pieces or the curriculum"
            )
        return self

    def label(self) -> str:
        return f"tangram {self.silhouettes}"

    def env_kwargs(self) -> dict[str, Any]:
        """The env constructor's arguments (the curriculum is a training wrapper)."""
        return self.model_dump(exclude={"id", "wrappers", "curriculum"})


class TangramFamily(Family):
    name = "tangram"
    settings_model = TangramSettings
    eval_defaults: ClassVar[dict[str, int]] = {"episodes": 100, "freq": 5_000}
    draws_text = True
    plain_algo = "maskable-ppo"  # the q-table's numbered boards exist for fixed sets only
    guiding_reward = "solvable"
    success_words = "fill their silhouette"

    def claims(self, env_id: str) -> bool:
        return env_id.rpartition(":")[2] == TANGRAM_ID

    def defaults(self, tabular: bool) -> dict[str, dict[str, Any]]:
        """q-table: a row per board (obs state); deep backends: 8 envs at a time."""
        if tabular:
            return {"env": {"obs": "state"}, "budget": {"episodes": 2000}}
        return {"params": {"n_envs": 8}}

    def make(
        self,
        settings: TangramSettings,
        reward: RewardSetup | None = None,
        render_mode: str | None = None,
    ) -> gym.Env:
        """A training env (``reward`` given) has the settings' reward, pre-placed pieces and
        curriculum; an evaluation env has the sparse reward and starts empty."""
        kwargs = settings.env_kwargs()
        if reward is None:
            kwargs.update(reward="sparse", preplaced=0)
        else:
            kwargs["gamma"] = reward.gamma
        extra = {} if render_mode is None else {"render_mode": render_mode}
        env = make_env(settings.id, kwargs, **extra)
        if reward is not None and settings.curriculum:
            from rlgrid.envs.tangram.curriculum import Curriculum

            env = Curriculum(env)
        return wrappers.apply(env, settings.wrappers)

    def evaluate(
        self, settings: TangramSettings, policy: Any, plan: EvalPlan, encoded: bool = True
    ) -> EvalResult:
        """Episode k plays silhouette k of a fixed set (cycling), a generated one otherwise;
        ``policy`` None is the oracle: the solver's assembly, piece by piece."""
        env = self.make(settings)
        try:
            core = env.unwrapped
            fixed = core.set.fixed
            plans = [
                {"silhouette": k % len(fixed)} if fixed else None for k in range(plan.episodes)
            ]
            act = policy.act if policy is not None else lambda obs, mask=None: _oracle(core)
            return evaluate(env, act, plans, plan.seed)
        finally:
            env.close()

    def plan_words(self, settings: TangramSettings, plan: EvalPlan) -> str:
        return f"{plan.episodes} episodes of {settings.silhouettes}, seed {plan.seed}"

    def check_judgeable(self, settings: Any, eval_settings: EvalSettings) -> None:
        return None  # filling every silhouette is always a definition of solved

    def solved_means(self, settings: Any, eval_settings: EvalSettings, episodes: int) -> str:
        threshold = eval_settings.reward_threshold
        return "100%" if threshold is None else f"at least {100 * threshold:g}%"

    def judge(
        self, settings: TangramSettings, result: EvalResult, eval_settings: EvalSettings
    ) -> Judgement:
        """Solved: every episode fills its silhouette, or, where ``eval.reward_threshold`` is
        set, a success rate of at least it. Score: the success rate."""
        success = result.success_rate if result.success_rate is not None else 0.0
        threshold = eval_settings.reward_threshold
        solved = success >= threshold if threshold is not None else success == 1.0
        return Judgement(result, solved, (success,))

    def hopeless(
        self, settings: TangramSettings, result: EvalResult, eval_settings: EvalSettings
    ) -> bool:
        """Without a threshold, one silhouette left unfilled: the whole cannot reach 100%."""
        success = result.success_rate
        return eval_settings.reward_threshold is None and success is not None and success < 1.0

    def on_floor(self, settings: TangramSettings, changes: dict[str, Any]) -> TangramSettings:
        wrong = [key for key in changes if key not in FLOOR_KEYS]
        if wrong:
            raise InvalidValueError(
                f"{setting(f'env.{wrong[0]}')}: a trained tangram agent can change only "
                f"{', '.join(FLOOR_KEYS)}"
            )
        return TangramSettings.model_validate({**settings.model_dump(), **changes})

    def policy_fits(self, trained: TangramSettings, other: TangramSettings, tabular: bool) -> None:
        """The window observation reads any canvas; canvas observations need the same canvas;
        a q-table's rows are the boards of the silhouettes it learned."""
        mine_env, asked_env = self.make(trained), self.make(other)
        mine, asked = mine_env.observation_space, asked_env.observation_space
        if mine_env.action_space != asked_env.action_space:
            raise InvalidValueError(
                f"this run acts anywhere on a {mine_env.unwrapped.canvas.rows}-cell canvas; "
                f"{other.silhouettes} needs another one; train with {setting('env.actions')} gap "
                "for a policy that works on any canvas"
            )
        if (tabular or trained.obs == "state") and trained.silhouettes != other.silhouettes:
            raise InvalidValueError(
                f"obs state numbers the boards of {trained.silhouettes}; it cannot play "
                f"{other.silhouettes}"
            )
        if mine != asked:
            raise InvalidValueError(
                f"this run observes the whole canvas ({mine.shape[0]} values), which "
                f"{other.silhouettes} does not fit; train with {setting('env.obs')} window for a "
                "policy that works on any canvas"
            )

    def checks(self) -> list:
        from rlgrid.families.tangram.checks import CHECKS

        return CHECKS

    def paths_beside(self, key: str, value: str, folder: Path) -> str:
        """The silhouette files among ``silhouettes`` (a part ending in ``.txt`` or holding a
        ``/``)."""
        if key != "silhouettes":
            return value
        from rlgrid.envs.tangram.silhouettes import is_file

        parts = [part.strip() for part in value.split(",")]
        return ",".join(
            str(folder / Path(part).expanduser()) if is_file(part) else part for part in parts
        )

    def action_namer(self, settings: TangramSettings) -> Callable[[int], str]:
        """Names of the settings' actions: the shape, and the gap or the cell it goes to."""
        from rlgrid.envs.tangram.placements import action_words

        env = self.make(settings)
        canvas = env.unwrapped.canvas
        env.close()
        return lambda action: action_words(action, settings.actions, canvas.rows, canvas.cols)


def _oracle(core: Any) -> int:
    action = core.oracle_action()
    if action is None:  # the silhouette has no assembly: any move ends the episode as failed
        return 0
    return action
