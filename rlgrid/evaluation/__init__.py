"""Evaluation: greedy episodes (:mod:`.episodes`), their summary (:class:`EvalResult`), the
``[eval]`` settings and the judgement of a result. Which episodes to play and what counts as
solved belong to each environment family (:mod:`rlgrid.families`)."""

from rlgrid.evaluation.episodes import EvalResult, Policy, evaluate, summarise
from rlgrid.evaluation.random_agent import RandomAgent
from rlgrid.evaluation.settings import EvalSettings, Judgement

__all__ = [
    "EvalResult",
    "EvalSettings",
    "Judgement",
    "Policy",
    "RandomAgent",
    "evaluate",
    "summarise",
]
