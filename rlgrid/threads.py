"""How many threads a training's torch gets: one, unless asked.

Measured with ``benchmarks/threads.py`` on this project's 2-core machine (whole processes,
``configs/a2c_64x64_coords.toml`` with 30,000 steps): on a quiet machine one thread took 18.4 s
and two 18.8 s; beside other work two threads, spinning while they wait for each other, are slowed
many times over (the DQN CartPole preset: 10,000 steps in 12 minutes instead of 55,000 in 109 s),
and two threads that sleep instead (``OMP_WAIT_POLICY=passive``) took 33.5 s even on a quiet
machine. These networks are small; a second thread buys nothing and risks a lot. So:

* an explicit count (``--threads N``, the config's ``threads``) wins, then ``OMP_NUM_THREADS``;
* otherwise one thread.

numpy's BLAS is left alone: rlgrid never calls it (no matmul, dot or linalg in its envs), and
numpy is loaded at start-up, before any setting could reach it.

With ``--device cuda`` the same count applies: the network's work goes to the GPU, and what stays
on the CPU (the envs, SB3's rollout buffers, the copies to and from the GPU) is what one thread
does well. No GPU has been available to this project, so that path is untested.
"""

from __future__ import annotations

import os
import sys
from typing import Any

NUM_THREADS_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")

_written: str | None = None
"""The OMP_NUM_THREADS value :func:`apply` wrote, so that it is not mistaken for the user's."""


def _environment_request() -> int | None:
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if not value or value == _written:
        return None
    try:
        count = int(value.split(",")[0])
    except ValueError:
        return None
    return count if count >= 1 else None


def choose(requested: int | None) -> tuple[int, str]:
    """The thread count for a training, and why, in a few words."""
    if requested is not None:
        return requested, "requested"
    from_environment = _environment_request()
    if from_environment is not None:
        return from_environment, "OMP_NUM_THREADS"
    return 1, "default: one thread (see benchmarks/threads.py)"


def apply(requested: int | None) -> dict[str, Any]:
    """Give torch the chosen number of threads and return the record for the run manifest.

    With torch loaded this sets its thread count; otherwise it leaves the count in
    ``OMP_NUM_THREADS`` for torch to read when a deep backend loads it (q-table training never
    does: it must not pay for importing torch)."""
    global _written
    count, why = choose(requested)
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(count)
    elif os.environ.get("OMP_NUM_THREADS") != str(count):
        for name in NUM_THREADS_VARIABLES:
            os.environ[name] = str(count)
        _written = str(count)
    return {"torch": count, "why": why}
