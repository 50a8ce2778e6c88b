"""The callback through which an SB3 training run records episodes and training statistics,
checkpoints, evaluates and stops: on request, when solved, exactly at the budget, and when its
weights stop being finite."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from stable_baselines3.common.callbacks import BaseCallback

from rlgrid.algos.base import Hooks
from rlgrid.algos.sb3.train_stats import TrainStatsLog

if TYPE_CHECKING:
    from rlgrid.algos.sb3.agent import SB3Agent


class StopNow(Exception):
    """Raised before an optimizer step when a stop was requested."""


class RunCallback(BaseCallback):
    """Records episodes and training statistics, checkpoints, evaluates, stops on request, when
    solved and exactly at the budget, and stops a training whose weights stop being finite.
    :meth:`close` ends its ``train_stats.csv`` (whichever way the training ended)."""

    def __init__(self, agent: SB3Agent, run: Path, hooks: Hooks, total: int) -> None:
        super().__init__()
        self.agent, self.run, self.hooks, self.total = agent, run, hooks, total
        config = agent.config
        done = agent.timesteps
        self.save_every = config.checkpoint_every()
        self.next_save = (done // self.save_every + 1) * self.save_every
        self.next_eval = (done // config.eval.freq + 1) * config.eval.freq
        self.stopped = False
        self.is_dqn = agent.algo == "dqn"
        updates = int(getattr(agent.model, "_n_updates", 0))
        self.train_stats = TrainStatsLog(run, agent.algo, done, updates)

    def _record_train_stats(self) -> None:
        """SB3's ``train/`` values of the newest update (in its logger until the next dump)."""
        model = self.model
        self.train_stats.record(
            int(model.num_timesteps), int(model._n_updates), model.logger.name_to_value
        )

    def _on_rollout_start(self) -> None:  # after every update
        self._record_train_stats()  # non-finite values too, before they stop the training
        self.agent.check_finite()

    def _on_training_end(self) -> None:
        self._record_train_stats()  # the last update is followed by no rollout

    def close(self) -> None:
        self.train_stats.close()

    def _on_step(self) -> bool:
        agent, steps = self.agent, self.num_timesteps
        for info, done in zip(self.locals["infos"], self.locals["dones"], strict=True):
            episode = info.get("episode") if done else None
            if episode is None:
                continue
            agent.rows.add(
                episode=agent.episodes,
                timesteps=steps,
                length=episode["l"],
                ret=info.get("raw_return", episode["r"]),
                shaped=episode["r"],
                success=info.get("is_success"),
                epsilon=self.model.exploration_rate if self.is_dqn else None,
                shortest=info.get("shortest_path_length", -1),
            )
            agent.episodes += 1
        self.hooks.report(agent.episodes, steps)
        if steps >= self.next_save:
            self.hooks.persist()
            self.train_stats.sync()
            agent.save_checkpoint(self.run)
            self.next_save += self.save_every * max(
                1, (steps - self.next_save) // self.save_every + 1
            )
        if self.hooks.should_stop():
            self.stopped = True
            return False
        if self.hooks.judge is not None and steps >= self.next_eval:
            self.next_eval = (steps // agent.config.eval.freq + 1) * agent.config.eval.freq
            if self._evaluate(steps):
                return False
        return steps < self.total or self._rollout_ends_here()

    def _rollout_ends_here(self) -> bool:
        """Whether this step completes an on-policy rollout (``collect_rollouts``' locals, the
        same in SB3's and sb3-contrib's MaskablePPO): SB3 then learns from it and stops
        by itself. Anywhere else, the budget stops collection at once (a run resumed
        mid-rollout would otherwise overshoot its budget by a whole rollout)."""
        n_steps, rollout = self.locals.get("n_steps"), self.locals.get("n_rollout_steps")
        return n_steps is not None and rollout is not None and n_steps + 1 == rollout

    def _evaluate(self, steps: int) -> bool:
        """Periodic evaluation: keep the best model; True when training should stop (solved)."""
        agent = self.agent
        judgement = self.hooks.judge(agent)
        if judgement is None:  # given up: a stop was requested, and the next step stops
            return False
        result = judgement.result
        agent.evaluations.append(
            (
                steps,
                result.success_rate,
                result.optimality_ratio,
                result.mean_return,
                judgement.solved,
                result.episodes,
            )
        )
        agent.save_evaluations(self.run)
        if agent.best_score is None or judgement.score > agent.best_score:
            agent.best_score = judgement.score
            agent.save_best(self.run, judgement)
        if judgement.solved and agent.config.until_solved and agent.solved_at is None:
            agent.solved_at = {"timesteps": steps, "evaluation": result.to_dict()}
            return True
        return False
