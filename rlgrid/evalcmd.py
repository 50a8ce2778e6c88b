"""What ``rlgrid eval`` does: a run, the oracle, or both on the same episodes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rlgrid.config import build_config
from rlgrid.evaluation import EvalResult
from rlgrid.training import evaluation_of, on_other_env, open_run


@dataclass(frozen=True)
class EvalReport:
    title: str
    how: str
    agent: EvalResult | None
    oracle: EvalResult | None


def evaluate_command(
    run: Path | None,
    floor: dict[str, object],
    random_start: bool,
    episodes: int | None,
    seed: int | None,
    all_targets: bool,
    oracle: bool,
    *,
    trust_env_module: bool = False,
) -> EvalReport:
    """Evaluate ``run`` (on another floor where ``floor`` names one) and, with ``oracle``, the
    shortest-path oracle on the same episodes; without a run, the oracle alone on ``floor``."""
    if run is None:
        flags = {f"env.{key}": value for key, value in floor.items()}
        flags["env.random_start"] = random_start or None
        config = build_config(None, {"algo": "q-table", **flags}, {})
        agent, title = None, f"oracle on {config.env.label()}"
    else:
        folder, config, agent = open_run(run, trust_env_module=trust_env_module)
        moved = any(value is not None for value in floor.values())
        config = on_other_env(config, **floor)
        title = f"{folder} on {config.env.label()}" if moved else str(folder)
    mine = evaluation_of(config, agent, episodes, seed, all_targets) if agent is not None else None
    best = evaluation_of(config, None, episodes, seed, all_targets) if oracle else None
    if all_targets:
        pairs = "start and target pair" if config.env.resolved().random_start else "target"
        how = f"every {pairs} once"
    else:
        count = (mine or best).episodes
        how = f"{count} episodes, seed {config.eval.seed if seed is None else seed}"
    return EvalReport(title, how, mine, best)
