"""The warehouse's own checks of ``rlgrid check-env``, run after the generic ones: its episodes end
as its shortest paths say, truncated at the time limit when the robot keeps away from the
target and terminated, with success, when it walks a shortest path to it."""

from __future__ import annotations

from rlgrid.envs.oracle import oracle_action
from rlgrid.families.base import FAIL, PASS, Check, CheckSubject


def truncation_at_the_time_limit(target: CheckSubject) -> tuple[str, str]:
    """Walk away from the target: the episode must be truncated at exactly the settings' time
    limit, and not count as a success."""
    limit = target.settings.time_limit
    env = target.make().unwrapped
    try:
        env.reset(seed=target.seed)
        terminated = truncated = False
        info: dict = {}
        while not (terminated or truncated):
            action = oracle_action(env.layout, env.robot, env.target, away=True)
            _, _, terminated, truncated, info = env.step(action)
        if terminated or env.steps != limit or info.get("is_success") is not False:
            return FAIL, (
                f"an episode kept away from the target ended at step {env.steps} "
                f"(terminated={terminated}, truncated={truncated}, "
                f"is_success={info.get('is_success')}), not truncated at {limit}"
            )
    finally:
        env.close()
    return PASS, f"an episode kept away from the target is truncated at step {limit}"


def reaching_the_target(target: CheckSubject) -> tuple[str, str]:
    """Walk shortest paths: each episode must terminate with reward 1 and ``is_success`` in
    exactly ``shortest_path_length`` steps."""
    env = target.make().unwrapped
    episodes = 20
    try:
        for episode in range(episodes):
            _, info = env.reset(seed=target.seed + episode)
            optimal = info["shortest_path_length"]
            terminated = truncated = False
            reward = 0.0
            while not (terminated or truncated):
                action = oracle_action(env.layout, env.robot, env.target)
                _, reward, terminated, truncated, info = env.step(action)
            if not terminated or reward != 1.0 or info.get("is_success") is not True:
                return FAIL, (
                    f"episode {episode}: walking the shortest path ended with terminated="
                    f"{terminated}, reward={reward}, is_success={info.get('is_success')}"
                )
            if env.steps != optimal:
                return FAIL, f"episode {episode}: reached in {env.steps} steps, info says {optimal}"
    finally:
        env.close()
    return PASS, (
        f"{episodes} episodes walked by shortest path: terminated with reward 1 and "
        "is_success in exactly shortest_path_length steps"
    )


CHECKS: list[Check] = [
    Check("truncation at the time limit", truncation_at_the_time_limit),
    Check("reaching the target", reaching_the_target),
]
"""The warehouse's checks, in the order they are reported (``WarehouseFamily.checks``)."""
