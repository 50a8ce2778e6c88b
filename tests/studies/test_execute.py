import os
import signal
import sys
import threading
import time

import pytest

from rlgrid.studies import execute as execute_module
from rlgrid.studies.execute import (
    INTERRUPTED,
    Outcome,
    command_for,
    execute,
    interrupt_running,
    last_line,
    run_local,
)
from rlgrid.studies.spec import Job, Study, StudySpec


@pytest.fixture
def study(tmp_path):
    return Study.create_or_open(tmp_path, "s", StudySpec(["a2c"], ["4x4"], ["sparse"], 3))


def test_unfinished_runs_are_resumed_not_restarted(study):
    job = Job("a2c", "4x4", "sparse", 0)
    fresh = command_for(study, job, study.runs_dir)
    assert fresh[:3] == [sys.executable, "-Im", "rlgrid"]
    assert fresh[3:] == [*job.train_args(study.spec), "--runs-dir", str(study.runs_dir),
                         "--name", job.name]  # fmt: skip
    (study.runs_dir / job.name).mkdir(parents=True)
    (study.runs_dir / job.name / "manifest.json").write_text('{"status": "interrupted"}')
    assert command_for(study, job, study.runs_dir) == [
        sys.executable, "-Im", "rlgrid",
        "train", "--resume", str(study.runs_dir / job.name), "--threads", "1",
    ]  # fmt: skip


def test_outcome_states():
    job = Job("a2c", "4x4", "sparse", 0)
    assert [Outcome(job, code).state for code in (0, INTERRUPTED, 1, 2)] == [
        "done", "interrupted", "failed", "failed"
    ]  # fmt: skip


def test_last_line_skips_blank_lines():
    assert last_line("Traceback\n  boom\nerror: it broke\n\n  \n") == "error: it broke"
    assert last_line("\n \n") == "no output"


def worker_script(monkeypatch, code: str) -> None:
    """Make every local worker run ``python -c CODE`` instead of rlgrid."""
    monkeypatch.setattr(
        execute_module, "command_for", lambda study, job, runs_dir: [sys.executable, "-c", code]
    )


def test_a_worker_runs_in_a_session_of_its_own_and_reports_its_last_error_line(study, monkeypatch):
    job = study.spec.jobs()[0]
    worker_script(
        monkeypatch, f"import os, sys; sys.exit(0 if os.getsid(0) != {os.getsid(0)} else 3)"
    )
    assert run_local(study, job) == Outcome(job, 0, None)
    worker_script(
        monkeypatch, "import sys; print('out'); sys.stderr.write('a\\nerror: no\\n'); sys.exit(2)"
    )
    assert run_local(study, job) == Outcome(job, 2, "error: no")


def test_interrupt_running_sends_one_sigint_to_each_worker(study, monkeypatch, tmp_path):
    ready = tmp_path / "ready"
    worker_script(
        monkeypatch,
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *_: sys.exit(130))\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "time.sleep(60)\n",
    )
    outcomes = []
    thread = threading.Thread(
        target=lambda: outcomes.append(run_local(study, study.spec.jobs()[0]))
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    interrupt_running()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert [outcome.code for outcome in outcomes] == [INTERRUPTED]


def test_execute_records_failures_and_clears_them_when_a_run_succeeds(study):
    first, second, third = study.spec.jobs()
    study.failures = {first.name: "old error", "other": "kept"}
    codes = {first.name: 0, second.name: 1, third.name: INTERRUPTED}
    heard = []

    def submit(job):
        return Outcome(job, codes[job.name], None if job is third else "it broke")

    assert execute(study, study.spec.jobs(), 2, submit, heard.append) is True
    assert sorted(outcome.job.name for outcome in heard) == sorted(codes)
    expected = {"other": "kept", second.name: "it broke"}
    assert study.failures == expected
    assert Study.open(study.folder).failures == expected  # saved as each run ends


def test_a_failure_without_a_message_records_its_exit_code(study):
    job = study.spec.jobs()[0]
    execute(study, [job], 1, lambda job: Outcome(job, 7), lambda outcome: None)
    assert study.failures == {job.name: "exit 7"}


def test_ctrl_c_stops_execute_interrupts_the_workers_and_restores_the_handlers(study, monkeypatch):
    jobs = study.spec.jobs()
    stop = threading.Event()
    asked = []

    def interrupt_running():
        asked.append(True)
        stop.set()

    monkeypatch.setattr(execute_module, "interrupt_running", interrupt_running)
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def submit(job):
        if job == jobs[0]:
            deadline = time.monotonic() + 30  # execute installs its handlers after submitting
            while signal.getsignal(signal.SIGTERM) in before.values():
                assert time.monotonic() < deadline
                time.sleep(0.001)
            os.kill(os.getpid(), signal.SIGTERM)  # handled in the main thread, inside execute
        stop.wait(timeout=30)  # a run going on until the workers are told to stop
        return Outcome(job, INTERRUPTED if stop.is_set() else 1, "not stopped")

    heard = []
    assert execute(study, jobs, 2, submit, heard.append) is False
    assert asked == [True]
    assert {sig: signal.getsignal(sig) for sig in before} == before
    assert study.failures == {}
    # the two runs going at the stop are recorded as they end; the third never starts
    assert sorted((outcome.job.name, outcome.state) for outcome in heard) == [
        (jobs[0].name, "interrupted"),
        (jobs[1].name, "interrupted"),
    ]
