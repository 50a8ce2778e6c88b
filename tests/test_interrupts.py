import os
import signal

import pytest

from rlgrid import interrupts


@pytest.fixture
def own_handlers():
    """The test process's signal handlers, put back afterwards (a stopped StopRequests leaves
    SIGINT and SIGTERM ignored, as the process is about to end)."""
    saved = {sig: signal.getsignal(sig) for sig in interrupts.STOP_SIGNALS}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_third_signal_while_a_forced_stop_records_the_run_is_ignored(monkeypatch, own_handlers):
    # Ctrl+C held down: the second signal forces the stop and on_force marks the run; a third
    # arriving meanwhile must neither run on_force again nor end the process before it is done.
    monkeypatch.setattr(os, "_exit", lambda code: (_ for _ in ()).throw(SystemExit(code)))
    calls = []
    with interrupts.StopRequests() as stop:
        stop.armed = True

        def force(name):
            os.kill(os.getpid(), signal.SIGINT)  # the third Ctrl+C, during the record
            calls.append(name)

        stop.on_force = force
        os.kill(os.getpid(), signal.SIGINT)  # the first: a request
        assert stop.requested == "SIGINT"
        with pytest.raises(SystemExit) as ended:
            os.kill(os.getpid(), signal.SIGINT)  # the second: forced
        assert ended.value.code == 130
        assert calls == ["SIGINT"]  # on_force ran once and to its end
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
