"""The doctor's replay of a trained agent (:mod:`.episodes`): where failing episodes are trapped
in loops, a warning with the cycle they repeat and what to change; where the agent fails, a
warning naming the worst targets, starts or silhouettes, with a picture
(:mod:`.failure_picture`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from rlgrid.config import TrainConfig, default_budget
from rlgrid.doctor import failure_picture
from rlgrid.doctor.episodes import Loop, Replayed, frames, replay
from rlgrid.findings import NOTE, WARNING, Finding, Fix
from rlgrid.runs import write_atomic
from rlgrid.training.assess import judgeable
from rlgrid.training.states import latest_model, training_envs

LOOPS, WHERE = "evaluation loops", "where the agent fails"
SHOWN = 5
"""Cells, silhouettes or cycle lengths an evidence line names."""


def replay_agent(run: Path, config: TrainConfig) -> tuple[Any, Path]:
    """The agent to replay and the file it comes from: what ``rlgrid eval RUN`` plays, the
    agent training ended with (the model file, or during training or after a crash the newest
    checkpoint), not the best one kept on the way: a collapse after a peak must show."""
    from rlgrid.algos.registry import agent_class

    model = latest_model(run, config)
    return agent_class(config.algo).load(config, training_envs(config), run, model), model


def replay_findings(
    run: Path,
    config: TrainConfig,
    agent: Any,
    out: Path | None,
    episodes: int = 100,
    seed: int | None = None,
    *,
    model: Path | None = None,
) -> tuple[list[Finding], dict[str, Any], Path | None]:
    """Replay ``agent`` (see :func:`replay_agent`; ``model`` is its file, for the command that
    watches an episode again) on the config's evaluation env for ``episodes`` greedy episodes,
    episode k from ``reset(seed=seed + k)`` (default ``seed``: the run's ``[eval]`` one): a
    warning where failing episodes loop, and one saying where it fails, with a picture written
    to ``out`` (a PNG file; None: no picture). No failures: no finding and no picture. Returns
    the findings, the numbers measured and the picture written (None where none was)."""
    seed = config.eval.seed if seed is None else seed
    env = config.family.make(config.env)
    try:
        played = replay(env, agent, episodes, seed, config.algorithm.tabular())
    finally:
        env.close()
    failing = [episode for episode in played if episode.success is False]
    looping = [episode for episode in failing if episode.loop is not None]
    known = sum(episode.success is not None for episode in played)
    measured: dict[str, Any] = {
        "replay_episodes": len(played),
        "replay_seed": seed,
        "replay_success_rate": (known - len(failing)) / known if known else None,
        "replay_failing": len(failing),
        "replay_looping": len(looping),
    }
    if model is not None:
        measured["replay_model"] = str(model)
    if not known:
        said = f"{config.env.id} does not say whether an episode succeeds (info['is_success'])"
        return [Finding(NOTE, WHERE, "the replay cannot tell failures apart", said)], measured, None
    if not failing:
        return [], measured, None
    findings = [_loop_finding(config, failing, looping)] if looping else []
    picture = None if out is None else _draw(config, agent, env.unwrapped, played, run, out)
    if picture is not None:
        measured["replay_picture"] = str(picture)
    mode = "--ansi" if config.family.draws_text else "--human"
    watch = f"rlgrid render {model or run} {mode} --seed {failing[0].seed} --episodes 1"
    measured["replay_watch"] = watch
    findings.append(_where_finding(played, failing))
    return findings, measured, picture


def _draw(
    config: TrainConfig, agent: Any, inner: Any, played: list[Replayed], run: Path, out: Path
) -> Path | None:
    """The picture of where the agent fails, written to ``out``; None where the env can be
    neither drawn as a floor nor rendered as ``rgb_array``."""
    seed, last = played[0].seed, played[-1].seed
    failed = sum(episode.success is False for episode in played)
    title = f"Where {run.name} fails: {failed} of {len(played)} greedy episodes"
    title += f" (seeds {seed} to {last})"
    env = None
    renders = "rgb_array" in inner.metadata.get("render_modes", ())
    if renders and not failure_picture.draws_floor(inner):
        env = config.family.make(config.env, render_mode="rgb_array")
    try:
        shoot = None
        if env is not None and env.render_mode == "rgb_array":
            shoot = lambda seed: frames(env, agent, seed)  # noqa: E731
        data = failure_picture.picture(inner, played, title, shoot)
    finally:
        if env is not None:
            env.close()
    if data is None:
        return None
    write_atomic(out, data)
    return out


UNTAUGHT = (
    "train longer: no reward ever reached the states it loops in, so it takes the first of "
    "tied actions there"
)
TAUGHT = "train longer: the goal's value has not yet reached the states it loops in"


def _loop_finding(config: TrainConfig, failing: list[Replayed], looping: list[Replayed]) -> Finding:
    """Loops: how many failing episodes loop, their most common cycle, and the fix: a longer
    budget, with the reason that is true of this agent."""
    loops = [episode.loop for episode in looping if episode.loop is not None]
    lengths = Counter(loop.steps for loop in loops).most_common()
    steps, many = lengths[0]
    (cells, count), *_ = Counter(loop.cells for loop in loops if loop.steps == steps).most_common()
    spread = ", ".join(f"{n} step{'s' * (n > 1)} x{k}" for n, k in sorted(lengths)[:SHOWN])
    evidence = (
        f"{len(looping)} of {len(failing)} failing episodes loop until the time limit; most "
        f"common: {Loop(steps, cells).words()} ({count} episodes"
        + (f"; {many} in {steps}-step cycles" if many > count else "")
        + f"); cycle lengths: {spread}"
    )
    unit, total = config.budget.unit, config.budget.total
    changes: dict[str, Any] = {
        unit: max(4 * total, default_budget(config.algorithm, config.family, unit) or 0)
    }
    if not config.until_solved and judgeable(config):
        changes["until_solved"] = True
    zero = [loop.zero_valued for loop in loops if loop.zero_valued is not None]
    if zero:
        states = sum(loop.steps for loop in loops)
        evidence += (
            f"; {sum(zero)} of the {states} states they loop through are still 0 in the table"
        )
        words = UNTAUGHT if 2 * sum(zero) >= states else TAUGHT
    else:
        words = "train longer"
        guide, reward = config.family.guiding_reward, getattr(config.env, "reward", None)
        if guide is not None and reward != guide:
            changes["env.reward"] = guide
            words += f", with the {guide} reward: it pays progress, not loops"
    what = "the greedy agent gets trapped in loops: it repeats a state until the time limit"
    return Finding(WARNING, LOOPS, what, evidence, Fix(changes, words))


def _where_finding(played: list[Replayed], failing: list[Replayed]) -> Finding:
    """Where it fails: the targets, starts or silhouettes that fail most (failed of played)."""
    parts = [f"{len(failing)} of {len(played)} replayed episodes fail"]
    aspects = {"targets": "target", "starts": "start", "silhouettes": "label"}
    for name, aspect in aspects.items():
        tried = Counter(getattr(e, aspect) for e in played if getattr(e, aspect) is not None)
        failed = Counter(getattr(e, aspect) for e in failing if getattr(e, aspect) is not None)
        if name == "starts" and len(tried) == 1:
            parts.append(f"every episode starts at {next(iter(tried))}")
        elif failed:
            worst = sorted(failed, key=lambda key: (-failed[key] / tried[key], -failed[key]))
            named = ", ".join(f"{key} {failed[key]}/{tried[key]}" for key in worst[:SHOWN])
            more = f" and {len(worst) - SHOWN} more" if len(worst) > SHOWN else ""
            parts.append(f"failing {name} (failed/played): {named}{more}")
    if len(parts) == 1:
        parts.append("failing seeds: " + ", ".join(str(e.seed) for e in failing[:SHOWN]))
    what = f"{len(failing) / len(played):.0%} of greedy episodes fail"
    words = "see the picture and watch one failing episode (below)"
    return Finding(WARNING, WHERE, what, "; ".join(parts), Fix(words=words))
