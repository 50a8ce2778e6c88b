"""Exact optima of small tabular envs, from their own transition tables.

gymnasium's toy-text envs (FrozenLake, Taxi, CliffWalking) carry their dynamics as ``P``, a dict
``state -> action -> [(probability, next_state, reward, terminated), ...]``, and their start
states as ``initial_state_distrib``. :func:`model_of` reads both into arrays; :func:`optimum`
runs value iteration on them, :func:`policy_return` evaluates a fixed policy and
:func:`best_stationary` finds the best policy that sees the state only (not the time left).

Returns are measured as rlgrid's evaluations measure them: the undiscounted sum of an episode's
rewards, cut off by the env's time limit (``horizon`` steps). With a horizon the value iteration
is finite-horizon (``horizon`` backups from zero), so the optimum is exact for that time limit;
without one it iterates the undiscounted backup until it stops changing. Besides the mean, each
gives the standard deviation of the return (from its second moment, by the same recursion): what
the noise of an evaluation over ``n`` episodes is measured against.

With a time limit the exact optimum may need a policy that watches the clock (on FrozenLake8x8 it
takes risks when few steps are left); a q-table, like any policy of the observation alone, can
reach :func:`best_stationary` at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CONVERGED = 1e-12
"""Without a horizon, iterate until no value changes by more than this (relative)."""
MAX_SWEEPS = 100_000
"""Without a horizon, give up after this many backups (a policy could gain reward forever)."""
MAX_ROUNDS = 100
"""Rounds of policy improvement :func:`best_stationary` takes at most."""
START_DISCOUNTS = (1.0, 0.999, 0.99, 0.9)
"""The discounts of the policies :func:`best_stationary` improves from."""


@dataclass(frozen=True)
class TabularModel:
    """An env's dynamics as arrays: row ``state * n_actions + action`` lists that pair's outcomes
    in the env's own order, padded with outcomes of probability 0 to ``K`` columns."""

    n_states: int
    n_actions: int
    start: np.ndarray
    """Probability of each state at reset, shape (states,)."""
    prob: np.ndarray
    """Shape (states * actions, K), as the next three."""
    next_state: np.ndarray
    reward: np.ndarray
    terminated: np.ndarray

    def goal_reward(self) -> float:
        """The reward of reaching the goal: the highest reward of an outcome that ends the
        episode (FrozenLake's 1 beside its holes' 0, Taxi's 20, CliffWalking's -1)."""
        ending = self.terminated & (self.prob > 0)
        return float(self.reward[ending].max()) if ending.any() else float("inf")

    @property
    def deterministic(self) -> bool:
        """Whether every action has one outcome (the start may still be drawn at random)."""
        return bool(np.all(self.prob.max(axis=1) == 1.0))

    def backup(self, values: np.ndarray, gamma: float = 1.0) -> np.ndarray:
        """Per state and action: the expected reward plus ``values`` of where it leads (0 after
        the episode ends), discounted by ``gamma``, shape (states, actions)."""
        later = np.where(self.terminated, 0.0, gamma * values[self.next_state])
        return (self.prob * (self.reward + later)).sum(axis=1).reshape(self.n_states, -1)


@dataclass(frozen=True)
class Return:
    """The return of ``policy`` from the start distribution: its mean and standard deviation.
    ``policy`` is the action of each state (for a finite horizon, with all ``horizon`` steps to
    go)."""

    mean: float
    std: float
    horizon: int | None
    policy: np.ndarray


def model_of(env: Any) -> TabularModel | None:
    """The dynamics of ``env`` (a gymnasium env, wrapped or not) from its unwrapped env's ``P``
    and ``initial_state_distrib``; None where it has no such table."""
    base = getattr(env, "unwrapped", env)
    table, start = getattr(base, "P", None), getattr(base, "initial_state_distrib", None)
    if not isinstance(table, dict) or not table or start is None:
        return None
    try:
        start = np.asarray(start, dtype=np.float64).ravel()
        n_states = len(start)
        n_actions = len(table[0])
        width = max(len(outcomes) for actions in table.values() for outcomes in actions.values())
        shape = (n_states * n_actions, width)
        prob, reward = np.zeros(shape), np.zeros(shape)
        next_state = np.zeros(shape, dtype=np.int64)
        terminated = np.ones(shape, dtype=bool)
        filled = np.zeros(n_states * n_actions, dtype=bool)
        for state, actions in table.items():
            if len(actions) != n_actions:
                return None
            for action, outcomes in actions.items():
                row = int(state) * n_actions + int(action)
                filled[row] = True
                for column, (p, nxt, r, done) in enumerate(outcomes):
                    prob[row, column], next_state[row, column] = p, int(nxt)
                    reward[row, column], terminated[row, column] = r, bool(done)
    except (TypeError, ValueError, KeyError, IndexError):
        return None
    if not filled.all() or next_state.min() < 0 or next_state.max() >= n_states:
        return None
    return TabularModel(n_states, n_actions, start, prob, next_state, reward, terminated)


def optimum(model: TabularModel, horizon: int | None) -> Return:
    """The largest expected return from the start distribution within ``horizon`` steps (None:
    no time limit), and the standard deviation of the return of a policy that reaches it."""
    return _iterate(model, horizon, policy=None)


def policy_return(model: TabularModel, policy: np.ndarray, horizon: int | None) -> Return:
    """The return of the stationary ``policy`` (one action per state)."""
    return _iterate(model, horizon, policy=np.asarray(policy, dtype=np.int64))


def best_stationary(model: TabularModel, horizon: int | None) -> Return:
    """The best return of a policy that sees the state only (not the time left), found by policy
    improvement from the first steps of finite-horizon value iteration with discounts
    :data:`START_DISCOUNTS` (a discount breaks the ties between reaching a goal sooner or later,
    which a stationary policy cannot leave open): each round changes the actions whose
    advantage, summed over the steps and weighted by how often the policy is in that state then,
    is positive (or only the best one, when changing all does not help), while the return grows.
    Without a time limit the optimal policy is stationary already."""
    if horizon is None:
        return optimum(model, horizon)
    found: list[Return] = []
    for gamma in START_DISCOUNTS:
        start = _first_step(model, horizon, gamma)
        if not any(np.array_equal(start, other.policy) for other in found):
            found.append(_improve(model, policy_return(model, start, horizon)))
    return max(found, key=lambda result: result.mean)


def _first_step(model: TabularModel, horizon: int, gamma: float) -> np.ndarray:
    value = np.zeros(model.n_states)
    q = model.backup(value, gamma)
    for _ in range(horizon):
        q = model.backup(value, gamma)
        value = q.max(axis=1)
    return np.argmax(q, axis=1)


def _improve(model: TabularModel, best: Return) -> Return:
    horizon = int(best.horizon or 0)
    for _ in range(MAX_ROUNDS):
        advantage = _advantage(model, best.policy, horizon)
        if advantage.max() <= CONVERGED:
            break
        gain = advantage.max(axis=1) > CONVERGED
        changed = np.where(gain, advantage.argmax(axis=1), best.policy)
        candidate = policy_return(model, changed, horizon)
        if candidate.mean <= best.mean + CONVERGED:
            state, action = np.unravel_index(advantage.argmax(), advantage.shape)
            changed = best.policy.copy()
            changed[state] = action
            candidate = policy_return(model, changed, horizon)
            if candidate.mean <= best.mean + CONVERGED:
                break
        best = candidate
    return best


def _advantage(model: TabularModel, policy: np.ndarray, horizon: int) -> np.ndarray:
    """Per state and action: the gain of taking that action instead of ``policy``'s once, summed
    over the steps with the probability of being in the state at that step."""
    states = np.arange(model.n_states)
    rows = states * model.n_actions + policy
    occupancy = np.empty((horizon, model.n_states))
    where = model.start.copy()
    for step in range(horizon):
        occupancy[step] = where
        flow = model.prob[rows] * ~model.terminated[rows] * where[:, None]
        where = np.bincount(model.next_state[rows].ravel(), flow.ravel(), model.n_states)
    gain = np.zeros((model.n_states, model.n_actions))
    value = np.zeros(model.n_states)
    for to_go in range(1, horizon + 1):
        q = model.backup(value)
        value = q[states, policy]
        gain += occupancy[horizon - to_go][:, None] * (q - value[:, None])
    return gain


def _iterate(model: TabularModel, horizon: int | None, policy: np.ndarray | None) -> Return:
    states = np.arange(model.n_states)
    square_reward = (model.prob * model.reward**2).sum(axis=1).reshape(model.n_states, -1)
    value = np.zeros(model.n_states)
    second = np.zeros(model.n_states)  # E[return^2]
    chosen = np.zeros(model.n_states, dtype=np.int64) if policy is None else policy
    sweeps = horizon if horizon is not None else MAX_SWEEPS
    for _ in range(sweeps):
        q = model.backup(value)
        # return^2 = r^2 + 2 r G' + G'^2, with G' the return from the next state
        later = np.where(model.terminated, 0.0, 2 * model.reward * value[model.next_state])
        later += np.where(model.terminated, 0.0, second[model.next_state])
        q2 = square_reward + (model.prob * later).sum(axis=1).reshape(model.n_states, -1)
        chosen = np.argmax(q, axis=1) if policy is None else policy
        new_value, new_second = q[states, chosen], q2[states, chosen]
        change = max(np.abs(new_value - value).max(), np.abs(new_second - second).max())
        value, second = new_value, new_second
        if horizon is None and change <= CONVERGED * max(1.0, np.abs(second).max()):
            break
    else:
        if horizon is None:
            raise ValueError(f"the values did not converge in {MAX_SWEEPS:,} sweeps")
    mean = float(model.start @ value)
    variance = float(model.start @ second) - mean**2
    return Return(mean, float(np.sqrt(max(variance, 0.0))), horizon, chosen)
