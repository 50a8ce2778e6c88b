"""``rlgrid doctor``'s warehouse findings, from the settings alone: the time limit against the
floor, shaping that pays for not arriving (the seed's proximity and exploration traps), and
observations that cannot see what the policy needs (shelves, the grid's size)."""

from __future__ import annotations

import math

from rlgrid.envs.observations import MAPS, parse_encoding
from rlgrid.envs.rewards import GOAL, Shaping
from rlgrid.envs.warehouse import default_max_steps
from rlgrid.families.base import DoctorSetup
from rlgrid.families.warehouse.settings import WarehouseSettings
from rlgrid.findings import ERROR, WARNING, Finding, Fix

LONG_TIME_LIMIT = 10
"""A time limit this many times the default (twice the longest shortest path) is as good as
none: random episodes last hundreds of steps and the goal reward reaches the start discounted to
nothing (the seed's 10x10 ran with none). The 10x10 q-table preset's 400 steps (5x) learns well."""
RAW_SIDE = 64
"""Raw coordinates (and their one-hot and scaled forms) train on floors up to this side (the
64x64 coordinates preset solves in about 116,000 steps); beyond it the numbers a network reads
grow with the floor, and nothing it learned at one cell carries to the next."""


def diagnose(settings: WarehouseSettings, setup: DoctorSetup) -> list[Finding]:
    return [
        *_time_limit(settings),
        *_shaping(settings, setup),
        *_observation(settings, setup),
    ]


def _time_limit(settings: WarehouseSettings) -> list[Finding]:
    rows, cols = settings.size
    default = default_max_steps(rows, cols)
    if settings.time_limit < LONG_TIME_LIMIT * default:
        return []
    return [
        Finding(
            WARNING,
            "time limit",
            f"the time limit of {settings.time_limit:,} steps is as good as none on a "
            f"{rows}x{cols} floor: early episodes wander for hundreds of steps, so few targets "
            "are tried, and every evaluation episode of a policy that loops costs the whole limit "
            "(the seed's A2C on raw coordinates and a sparse reward never learned so)",
            f"time limit {settings.time_limit:,} = {settings.time_limit / default:,.0f}x the "
            f"default {default} (twice the longest shortest path, {rows - 1 + cols - 1})",
            Fix({"env.max_steps": default}, "the default time limit"),
        )
    ]


def _shaping(settings: WarehouseSettings, setup: DoctorSetup) -> list[Finding]:
    if not settings.reward or settings.reward == "sparse":
        return []
    shaping = Shaping.build(
        settings.reward,
        settings.floor,
        settings.time_limit,
        setup.reward.gamma,
        setup.reward.scales,
    )
    free = int(settings.floor.free.sum())
    limit = settings.time_limit
    most = {
        # a bonus per step in the nearest band, every step of an episode spent next to the target
        "proximity": (limit * shaping.scales.get("proximity", 0.0), "circling next to the target"),
        # a bonus per new cell: touring every free cell but the target
        "exploration": (
            min(limit, free - 1) * shaping.scales.get("exploration", 0.0),
            "touring the floor",
        ),
        # a bonus per move that shortens the path: stepping back and forth pays every other step
        "direction": (
            math.ceil(limit / 2) * shaping.scales.get("direction", 0.0),
            "stepping back and forth",
        ),
    }
    kinds = [kind for kind in shaping.kinds if kind in most]
    if not kinds:
        return []
    total = sum(most[kind][0] for kind in kinds)
    parts = ", ".join(
        f"{kind} {shaping.scales[kind]:g} x {most[kind][1]}: {most[kind][0]:.2f}" for kind in kinds
    )
    fix = Fix(
        {"env.reward": "potential"},
        "potential-based shaping guides the same way and cannot change the best policy",
    )
    if total >= GOAL:
        return [
            Finding(
                ERROR,
                "shaping",
                f"an episode that never reaches the target earns more from shaping ({total:.2f}) "
                f"than reaching it pays ({GOAL:g}): the agent learns to collect the bonus instead",
                f"in one {limit}-step episode: {parts}; goal reward {GOAL:g}",
                fix,
            )
        ]
    return [
        Finding(
            WARNING,
            "shaping",
            f"{' and '.join(kinds)} shaping is not potential-based: it can change which policy "
            "is best (an episode that never arrives still earns a bonus)",
            f"most a failing {limit}-step episode earns: {parts} ({total / GOAL:.0%} of the goal "
            "reward)",
            fix,
        )
    ]


def _observation(settings: WarehouseSettings, setup: DoctorSetup) -> list[Finding]:
    parts = parse_encoding(settings.encoding_name)
    sees_map = any(part in MAPS for part in parts)
    floor = settings.floor
    shelves = int((~floor.free).sum())
    several = (settings.layouts or 1) > 1
    position_only = "offset" in parts
    if shelves and not sees_map and (position_only or several):
        why = (
            "it says where the target is from the robot, not where the robot is"
            if position_only
            else f"its numbers are the same on all {settings.layouts} layouts"
        )
        return [
            Finding(
                ERROR,
                "observation",
                f"the floor has shelves the policy cannot see: observation "
                f"{settings.encoding_name!r} has no map part, and {why}",
                f"{shelves:,} shelf cells on {settings.label()}; observation parts: "
                f"{', '.join(parts)}",
                Fix(
                    {"env.obs": "offset+window"},
                    "the window part shows the shelves around the robot",
                ),
            )
        ]
    side = max(settings.size)
    size_bound = [part for part in parts if part in ("coords", "scaled", "onehot")]
    if size_bound and not setup.tabular and side > RAW_SIDE:
        return [
            Finding(
                WARNING,
                "observation",
                f"observation {settings.encoding_name!r} depends on the floor's size: on "
                f"{settings.size} a network reads positions up to {side - 1} and must learn every "
                "cell apart",
                f"{size_bound[0]} on a {side}-cell side (trains up to about {RAW_SIDE})",
                Fix(
                    {"env.obs": "offset"},
                    "offset (target minus robot) is the same at every size",
                ),
            )
        ]
    return []
