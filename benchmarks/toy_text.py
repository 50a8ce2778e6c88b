"""Tabular Q-learning on gymnasium's toy-text envs against their exact optimum: does rlgrid's
q-table reach it at its defaults, and how fast?

    python benchmarks/toy_text.py [--seeds 3] [--eval-episodes 10000]
    python benchmarks/toy_text.py --cases FrozenLake-v1:map_name=8x8 --hp learning_rate=0.02 \
        --episodes 100000 --seeds 10

Each case trains a q-table through rlgrid's training API, exactly as ``rlgrid train --algo
q-table --env ID --env-kwargs ...`` does (a run folder in a temporary folder, the final
evaluation, everything), at the toy-text family's defaults unless ``--hp`` or ``--episodes`` say
otherwise. The trained greedy policy then plays ``--eval-episodes`` episodes (seeded, all at
once), and value iteration on the env's own table gives the optimum within its time limit, the
best return of a policy of the state alone (what a q-table can reach), and the trained policy's
exact expected return. "solved" counts the seeds whose evaluation as rlgrid makes it (the first
1000 of those episodes) the family's judge accepts: within 3 standard errors of the best.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
from rich.console import Console
from rich.table import Table

import rlgrid.families
from rlgrid.config import build_config, parse_hp
from rlgrid.envs.table_lanes import play
from rlgrid.envs.value_iteration import policy_return
from rlgrid.evaluation import summarise
from rlgrid.families.gymnasium import GymnasiumFamily
from rlgrid.families.toy_text import DEFAULT_EPISODES, ToyTextFamily
from rlgrid.literals import key_values
from rlgrid.training import session
from rlgrid.training.states import open_run


def newest(prefix: str) -> str:
    """The newest registered version of ``prefix`` (``Taxi-v`` -> ``Taxi-v4`` on gymnasium 1.4)."""
    versions = [name for name in gym.registry if name.startswith(prefix)]
    return max(versions, key=lambda name: int(name[len(prefix) :] or 0))


DEFAULT_CASES = [
    "FrozenLake-v1",
    "FrozenLake-v1:is_slippery=false",
    "FrozenLake-v1:map_name=8x8",
    newest("Taxi-v"),
    newest("CliffWalking-v"),
]


def family() -> tuple[ToyTextFamily, str]:
    """The registered toy-text family, or one plugged in before the gymnasium fallback."""
    families = rlgrid.families.FAMILIES
    for found in families:
        if isinstance(found, ToyTextFamily):
            return found, ""
    plugged = ToyTextFamily()
    at = next(i for i, f in enumerate(families) if type(f) is GymnasiumFamily)
    rlgrid.families.FAMILIES = (*families[:at], plugged, *families[at:])
    return plugged, " (the toy-text family plugged in by this script: rlgrid does not list it)"


class Quiet:
    def start(self, total: int, unit: str, done: int) -> None: ...
    def update(self, done: int, stats: dict[str, float]) -> None: ...
    def stop(self) -> None: ...
    def note(self, text: str) -> None: ...


def parse_case(text: str) -> tuple[str, dict]:
    env_id, _, rest = text.partition(":")
    pairs = [pair for pair in rest.split(",") if pair.strip()]
    return env_id, key_values(pairs, "--cases", "is_slippery=false") if pairs else {}


def run_case(text: str, args: argparse.Namespace, hp: dict, runs: Path, budget: int) -> dict:
    env_id, kwargs = parse_case(text)
    toy_text, _ = family()
    returns, exact, solved, seconds, steps, episodes = [], [], 0, [], [], 0
    for seed in range(args.seeds):
        given = {"algo": "q-table", "env.id": env_id, "env.kwargs": kwargs or None,
                 "episodes": budget, "seed": seed}  # fmt: skip
        config = build_config(None, given, hp)
        started = time.perf_counter()
        outcome = session.start(config, runs, None, ["benchmarks/toy_text.py", text], Quiet())
        seconds.append(time.perf_counter() - started)
        steps.append(outcome.timesteps)
        episodes = outcome.episodes
        _, config, agent = open_run(outcome.run)
        known = toy_text.optimum(config.env)
        if known is None:
            raise SystemExit(f"{text}: no transition table to compare with")
        first = config.eval.seed + seed * args.eval_episodes  # other episodes for each seed
        lengths, got, _ = play(
            known.model, agent.act_batch, args.eval_episodes, first, known.horizon
        )
        returns.append(got)
        judged = min(config.eval.episodes or len(got), len(got))  # rlgrid's own evaluation
        none = [None] * judged
        result = summarise(lengths[:judged].tolist(), got[:judged].tolist(), none, none)
        solved += toy_text.judge(config.env, result, config.eval).solved
        policy = agent.act_batch(np.arange(known.model.n_states))
        exact.append(policy_return(known.model, policy, known.horizon).mean)
    pooled = np.concatenate(returns)
    return {
        "case": text,
        "optimum": known.best.mean,
        "stationary": known.stationary.mean,
        "mean": pooled.mean(),
        "se": pooled.std(ddof=1) / math.sqrt(len(pooled)) if len(pooled) > 1 else 0.0,
        "exact": min(exact),
        "solved": solved,
        "episodes": episodes,
        "steps": int(np.mean(steps)),
        "seconds": float(np.mean(seconds)),
        "params": config.params,
        "horizon": known.horizon,
    }


def find_budget(
    case: str, args: argparse.Namespace, hp: dict, runs: Path, budget: int, console: Console
) -> str:
    """The smallest budget (doubling from ``budget``) at which every seed is solved."""
    while budget * 2 <= args.max_episodes:
        budget *= 2
        row = run_case(case, args, hp, runs, budget)
        worst = f"greedy exact {row['exact']:.4f} (worst)"
        solved = f"{row['solved']}/{args.seeds} solved"
        console.print(f"{case}: {budget:,} episodes: {solved}, {worst}", style="dim")
        if row["solved"] == args.seeds:
            return (f"{case}: every seed solved from {budget:,} episodes ({row['seconds']:.1f} s "
                    f"per seed; greedy exact {row['exact']:.4f} at worst)")  # fmt: skip
    return f"{case}: not every seed solved within {budget:,} episodes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=DEFAULT_CASES, metavar="ID[:K=V,...]")
    parser.add_argument("--seeds", type=int, default=3)
    budget = f"training budget (default {DEFAULT_EPISODES}, the family's)"
    parser.add_argument("--episodes", type=int, default=None, help=budget)
    parser.add_argument("--eval-episodes", type=int, default=10_000)
    parser.add_argument("--hp", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--find-budget",
        action="store_true",
        help="where a seed is not solved, double the budget until all are",
    )
    parser.add_argument("--max-episodes", type=int, default=1_000_000)  # fmt: skip
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 170)
    _, note = family()
    hp = parse_hp(args.hp)
    rows: list[dict] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for case in args.cases:
            budget = args.episodes or DEFAULT_EPISODES
            rows.append(run_case(case, args, hp, Path(folder), budget))
            console.print(f"{case}: done in {rows[-1]['seconds']:.1f} s per seed", style="dim")
            if args.find_budget and rows[-1]["solved"] < args.seeds:
                notes.append(find_budget(case, args, hp, Path(folder), budget, console))
    params = rows[0]["params"]
    title = (
        f"q-table on toy-text envs{note}: learning_rate {params.learning_rate}, gamma "
        f"{params.gamma}, epsilon {params.epsilon_start}->{params.epsilon_end}, "
        f"{params.n_envs} envs; {args.seeds} seeds, {args.eval_episodes} evaluation episodes each "
        "(greedy exact: the trained policy's expected return, worst seed; solved: by rlgrid's "
        "judge on its evaluation)"
    )
    table = Table(title=title)
    columns = ["env", "time limit", "optimum", "best stationary", "rlgrid mean ± s.e.",
               "greedy exact", "solved", "episodes", "steps", "seconds"]  # fmt: skip
    for name in columns:
        table.add_column(name, justify="left" if name == "env" else "right", no_wrap=True)
    for row in rows:
        table.add_row(
            row["case"],
            str(row["horizon"]),
            f"{row['optimum']:.4f}",
            f"{row['stationary']:.4f}",
            f"{row['mean']:.4f} ± {row['se']:.4f}",
            f"{row['exact']:.4f}",
            f"{row['solved']}/{args.seeds}",
            f"{row['episodes']:,}",
            f"{row['steps']:,}",
            f"{row['seconds']:.1f}",
        )
    console.print(table)
    for line in notes:
        console.print(line)


if __name__ == "__main__":
    main()
