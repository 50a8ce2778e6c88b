"""The training algorithms rlgrid offers, with what they can work on as data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlgoInfo:
    name: str
    summary: str
    tabular_only: bool
    """True when the algorithm needs a small discrete observation space (a table of states)."""


ALGOS: dict[str, AlgoInfo] = {
    info.name: info
    for info in [
        AlgoInfo("q-table", "tabular Q-learning, as the seed tutorial", tabular_only=True),
    ]
}


def algorithms_for_continuous_observations() -> list[str]:
    return [name for name, info in ALGOS.items() if not info.tabular_only]
