"""The ``rlgrid`` command's entry point, outside the rlgrid package on purpose: importing rlgrid
loads gymnasium and numpy (half a second), and a Ctrl+C during that import would print a
traceback or numpy's misleading "PyCapsule_Import" error. Stops are handled here first: until a
command handles them itself (training saves its run), they end the process with one line and
exit code 130."""

import contextlib
import os
import signal


def _interrupted(signum: int, frame: object) -> None:
    with contextlib.suppress(OSError):
        os.write(2, f"error: interrupted by {signal.Signals(signum).name}\n".encode())
    os._exit(130)


def main() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupted)
    from rlgrid.cli.app import main as run

    run()


if __name__ == "__main__":
    main()
