"""Stopping real trainings as a terminal, ``timeout``, CI and the OOM killer do, then resuming.

Each training is a real ``python -m rlgrid`` process in its own session (a shell job: its own
process group), stopped with signals to the group (Ctrl+C is SIGINT to the whole foreground
group), sometimes with its output piped into a reader that dies first (``2>&1 | tee log`` and
Ctrl+C: ``tee`` dies with the same signal). Waits are on what training leaves on disk (a
metrics row, a checkpoint, a ``.tmp`` file of a write under way) with generous deadlines that
only fail the test; nothing here sleeps to let training "get going". The group is frozen
(SIGSTOP) when the moment has come and signalled while frozen, so a busy machine, which may let
training run on for seconds before this process looks again, cannot let the run end first: the
budgets can be small.

What a stop leaves on disk is resumed and evaluated in this process (``CliRunner``): the same
code as ``rlgrid train --resume`` and ``rlgrid eval``, without importing torch again in a new
process each time; resumes that are themselves stopped are real processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rlgrid.cli.app import app
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")

DEADLINE = 600.0
"""Seconds any wait may take before the test fails (a loaded 2-core machine is slow)."""

QTABLE = ["train", "--algo", "q-table", "--grid", "6x6", "--save-freq", "1000"]
QTABLE_EPISODES = 10_000
A2C = ["train", "--algo", "a2c", "--grid", "6x6", "--n-envs", "8", "--save-freq", "1000"]
A2C_STEPS = 6_000
# 64 steps x 8 envs = 512 per rollout, which does not divide 3,000: a rollout that overshoots
# the budget shows as a wrong count
PPO = ["train", "--algo", "ppo", "--grid", "6x6", "--n-envs", "8", "--save-freq", "1000",
       "--hp", "n_steps=64"]  # fmt: skip
PPO_STEPS = 3_000
DQN = ["train", "--algo", "dqn", "--grid", "6x6", "--n-envs", "4", "--save-freq", "1000",
       "--hp", "buffer_size=5000", "--hp", "learning_starts=500"]  # fmt: skip
DQN_STEPS = 4_000

CHECKPOINT = re.compile(r"^.+_(\d{10})\.(?:zip|npz)$")
TEMP = re.compile(r"^\..+\.tmp$")

LAUNCHER = r"""
import os, signal, sys
log, pidfile = sys.argv[1:3]
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(write_end)
    os.dup2(read_end, 0)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execvp("tee", ["tee", log])
os.close(read_end)
with open(pidfile, "w") as stream:
    stream.write(str(pid))
os.dup2(write_end, 1)
os.dup2(write_end, 2)
os.close(write_end)
os.execv(sys.argv[3], sys.argv[3:])
"""
"""``rlgrid ... 2>&1 | tee log`` as a shell job: the session leader forks ``tee``, which stays in
its process group, then becomes the training (same pid), so a signal to the group reaches both."""


class Job:
    """``python -m rlgrid ARGS`` in its own session; stdout and stderr in files, or with
    ``tee=True`` both piped into ``tee`` in the same process group."""

    def __init__(self, folder: Path, args: list[str], label: str, tee: bool = False) -> None:
        self.args, self.label = args, label
        command = [sys.executable, "-m", "rlgrid", *args]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.reader_file = folder / f"{label}.reader-pid" if tee else None
        self.out = folder / (f"{label}.log" if tee else f"{label}.out")
        self.err = None if tee else folder / f"{label}.err"
        if tee:
            self.process = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, str(self.out), str(self.reader_file), *command],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd=folder, env=env, start_new_session=True,
            )  # fmt: skip
        else:
            with self.out.open("wb") as out, self.err.open("wb") as err:
                self.process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=folder,
                    env=env, start_new_session=True,
                )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr(self) -> str:
        return (self.err or self.out).read_text(errors="replace")

    def fail(self, why: str) -> None:
        pytest.fail(f"rlgrid {' '.join(self.args)}: {why}; its output:\n{self.stderr()}")

    def wait_for(self, condition, what: str, pause: float = 0.02) -> None:
        """Poll until ``condition()``; fail when the process ends first or at the deadline."""
        end = time.monotonic() + DEADLINE
        while not condition():
            if self.process.poll() is not None:
                if condition():
                    return
                self.fail(f"ended (exit code {self.process.returncode}) before {what}")
            if time.monotonic() > end:
                self.fail(f"not {what} after {DEADLINE:.0f} s")
            time.sleep(pause)

    def signal_group(self, sig: int) -> None:
        os.killpg(self.pid, sig)

    def signal_in_training(
        self, sig: int, run: Path, unit: str, budget: int, ready=None, what: str = ""
    ) -> int:
        """Once ``ready()`` (at once without it), freeze the group, check that its run has not
        reached its budget, send ``sig`` and let the group go on: the signal lands while it
        trains. Returns the budget units that were on disk when the group was frozen."""
        if ready is not None:
            self.wait_for(ready, what)
        self.signal_group(signal.SIGSTOP)
        before = on_disk(run, unit)
        if before >= budget:
            self.signal_group(signal.SIGKILL)
            self.fail(f"its whole budget was on disk before it could be stopped ({what})")
        self.signal_group(sig)
        with contextlib.suppress(ProcessLookupError):
            self.signal_group(signal.SIGCONT)
        return before

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.process.wait()
            self.fail(f"still running {DEADLINE:.0f} s later")
            raise  # not reached

    def kill_reader(self) -> None:
        """SIGKILL ``tee`` and wait until it is gone: the pipe's reader has died first."""
        assert self.reader_file is not None
        self.wait_for(
            lambda: self.reader_file.exists() and self.reader_file.read_text() != "",
            "its reader started",
        )
        pid = int(self.reader_file.read_text())
        os.kill(pid, signal.SIGKILL)

        def gone() -> bool:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return True
            return state in ("Z", "X")  # a zombie of the training: dead, not yet reaped

        self.wait_for(gone, "its reader died")

    def assert_group_ends(self, seconds: float = 30.0) -> None:
        """Once the training has ended, nothing it started lives on in its process group: a
        helper left running would hold the output pipe open, and ``| tee`` or CI would wait for
        its end forever."""
        if not Path("/proc/self/stat").exists():
            return
        end = time.monotonic() + seconds
        while left := group_members(self.pid):
            if time.monotonic() > end:
                self.signal_group(signal.SIGKILL)
                self.fail(f"left {left} running {seconds:.0f} s after it ended")
            time.sleep(0.05)

    def cleanup(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.process.poll() is None or group_members(self.pid):
                self.signal_group(signal.SIGKILL)
        self.process.wait()


def group_members(pgid: int) -> list[str]:
    """Command lines of the living (not zombie) processes of process group ``pgid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                    command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
                    found.append(f"{entry}: {command.decode(errors='replace')[:100]}")
    return found


@pytest.fixture
def jobs(tmp_path):
    """Start jobs in ``tmp_path``; whatever is still running at the end is killed."""
    started: list[Job] = []

    def start(args: list[str], label: str = "train", tee: bool = False) -> Job:
        job = Job(tmp_path, args, f"{label}-{len(started)}", tee)
        started.append(job)
        return job

    yield start
    for job in started:
        job.cleanup()


# --- what is on disk --------------------------------------------------------------------------


def rows(run: Path) -> list[list[str]]:
    """Complete data rows of metrics.csv (a last line cut off by a kill is left out)."""
    try:
        text = (run / "metrics.csv").read_text()
    except OSError:
        return []
    return [line.split(",") for line in text.split("\n")[1:-1] if line]


def has_row(run: Path) -> bool:
    try:
        with open(run / "metrics.csv", "rb") as stream:
            return stream.read(4096).count(b"\n") >= 2  # the header and one complete row
    except OSError:
        return False


def checkpoint_counts(run: Path) -> list[int]:
    try:
        names = os.listdir(run / "checkpoints")
    except OSError:
        return []
    return sorted(int(m[1]) for name in names if (m := CHECKPOINT.match(name)))


def temp_files(run: Path) -> list[str]:
    return [name for _, _, names in os.walk(run) for name in names if TEMP.match(name)]


def on_disk(run: Path, unit: str) -> int:
    """Budget units on disk: the last metrics row's episode count or timesteps, or the newest
    checkpoint, whichever is more."""
    last = rows(run)[-1:]
    done = 0
    if last:
        done = int(last[0][0]) + 1 if unit == "episodes" else int(last[0][1])
    return max([done, *checkpoint_counts(run)])


def manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text())


def resumed_step(text: str) -> int:
    """The step a resume says it goes on from ("... at step 4,000", or "from the start")."""
    said = " ".join(text.split())
    match = re.search(r"resum.*?step\s+([\d,]+)", said, re.IGNORECASE)
    if match is None:
        assert "from the start" in said, f"the resume does not say from which step: {said!r}"
        return 0
    return int(match[1].replace(",", ""))


def assert_interrupted(run: Path, code: int, job: Job, unit: str, before: int | None) -> dict:
    """Exit code 130, status interrupted, and (when ``before`` is given) nothing that was on
    disk before the stop missing from the saved run."""
    assert code == 130, job.stderr()
    state = manifest(run)
    assert state["status"] == "interrupted", state
    if before is not None:
        assert state[unit] >= before, (state, before)
        assert len(rows(run)) == state["episodes"]
    return state


def assert_completed(run: Path, unit: str, budget: int) -> dict:
    """The contract of a finished run: the exact budget, metrics rows 0..episodes-1 in order
    with timesteps never going down, no temporary file, at most 3 checkpoints, and a run that
    ``rlgrid eval --json`` reads."""
    state = manifest(run)
    assert state["status"] == "completed", state
    assert state[unit] == budget, state
    lines = rows(run)
    assert [int(line[0]) for line in lines] == list(range(state["episodes"]))
    steps = [int(line[1]) for line in lines]
    assert steps == sorted(steps)
    assert temp_files(run) == []
    assert len(checkpoint_counts(run)) <= 3
    assert_evaluates(run)
    return state


def assert_evaluates(run: Path) -> None:
    """``rlgrid eval RUN --json`` exits 0 and prints JSON."""
    done = CliRunner().invoke(app, ["eval", str(run), "--json"])
    assert done.exit_code == 0, done.output
    json.loads(done.stdout)


def resume_to_the_end(run: Path, at_least: int) -> None:
    """``rlgrid train --resume RUN`` to completion; it must say it goes on from a step no earlier
    than ``at_least``."""
    done = CliRunner().invoke(app, ["train", "--resume", str(run)])
    assert done.exit_code == 0, done.output
    assert resumed_step(done.stderr) >= at_least, done.stderr


def freeze_in_a_write(job: Job, run: Path) -> list[str]:
    """Wait until a checkpoint write is under way and stop the whole group (SIGSTOP) in it: a
    ``.tmp`` file seen, the group frozen, and the file still there. Returns the frozen temporary
    files; the caller signals and, unless it kills, sends SIGCONT."""
    folder = run / "checkpoints"
    found: list[str] = []

    def writing() -> bool:
        try:
            names = [n for n in os.listdir(folder) if TEMP.match(n)]
        except OSError:
            return False
        if not names:
            return False
        job.signal_group(signal.SIGSTOP)
        with contextlib.suppress(OSError):
            found[:] = [n for n in os.listdir(folder) if TEMP.match(n)]
        if found:
            return True
        job.signal_group(signal.SIGCONT)  # the write ended before the freeze: wait for another
        return False

    job.wait_for(writing, "a checkpoint write was caught under way", pause=0.0005)
    return found


# --- fast: q-table --------------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_with_tee_dead_first_saves_the_run_and_it_resumes(tmp_path, jobs):
    """``rlgrid train ... 2>&1 | tee log``, Ctrl+C: tee is gone before training saves. The
    resume appends to the metrics, and a completed run is not resumed again."""
    from rlgrid.algos.qtable.agent import QTableAgent

    run = tmp_path / "runs" / "q"
    args = [*QTABLE, "--episodes", str(QTABLE_EPISODES), "--runs-dir", "runs", "--name", "q"]
    job = jobs(args, tee=True)
    job.wait_for(lambda: has_row(run), "training had started")
    job.kill_reader()
    before = job.signal_in_training(signal.SIGINT, run, "episodes", QTABLE_EPISODES)
    state = assert_interrupted(run, job.wait(), job, "episodes", before)
    job.assert_group_ends()
    assert 0 < state["episodes"] < QTABLE_EPISODES
    assert QTableAgent.read_counters(run / "model.npz")["episodes"] == state["episodes"]
    written = (run / "metrics.csv").read_text()

    resume_to_the_end(run, at_least=state["timesteps"])
    assert (run / "metrics.csv").read_text().startswith(written)
    state = assert_completed(run, "episodes", QTABLE_EPISODES)
    assert len(state["history"]) == 2  # the first command and its resume
    again = CliRunner().invoke(app, ["train", "--resume", str(run)])
    assert again.exit_code == 1 and "already completed" in again.stderr


@pytest.mark.slow
def test_sigkill_during_a_checkpoint_write_then_resume(tmp_path, jobs):
    """The OOM killer in the middle of writing a checkpoint: the run evaluates as its newest
    intact checkpoint left it, and the resume goes on from there, cleans the half-written file
    and finishes the budget. (Every backend writes its checkpoints through the same atomic
    write: the q-table's is the one that loads no torch.)"""
    run = tmp_path / "runs" / "q"
    # a checkpoint every 250 episodes: 40 writes to catch one of
    args = ["train", "--algo", "q-table", "--grid", "6x6", "--save-freq", "250", "--episodes",
            str(QTABLE_EPISODES), "--runs-dir", "runs", "--name", "q"]  # fmt: skip
    job = jobs(args)
    job.wait_for(lambda: bool(checkpoint_counts(run)), "it wrote a checkpoint")
    frozen = freeze_in_a_write(job, run)
    job.signal_group(signal.SIGKILL)
    job.wait()
    assert set(frozen) <= set(temp_files(run))  # the write was cut off
    intact = checkpoint_counts(run)
    assert len(rows(run)) >= intact[-1], "metrics.csv lacks episodes a checkpoint counts"
    assert_evaluates(run)  # the half-written checkpoint is not the one read

    # the steps of the last episode the newest checkpoint counts: a lower bound
    resume_to_the_end(run, at_least=int(rows(run)[intact[-1] - 1][1]))
    assert_completed(run, "episodes", QTABLE_EPISODES)


# --- slow: the deep backends, and every other way to stop -------------------------------------


@pytest.mark.slow
def test_ctrl_c_to_the_group_saves_an_a2c_run_and_it_resumes(tmp_path, jobs):
    from rlgrid.algos.sb3.agent import SB3Agent

    run = tmp_path / "runs" / "a"
    job = jobs([*A2C, "--timesteps", str(A2C_STEPS), "--runs-dir", "runs", "--name", "a"])
    before = job.signal_in_training(
        signal.SIGINT, run, "timesteps", A2C_STEPS,
        lambda: bool(checkpoint_counts(run)), "it wrote a checkpoint",
    )  # fmt: skip
    state = assert_interrupted(run, job.wait(), job, "timesteps", before)
    assert "resume with: rlgrid train --resume runs/a" in " ".join(job.stderr().split())
    assert_evaluates(run)  # a stopped run is usable as it is
    assert SB3Agent.read_counters(run / "model.zip")["timesteps"] == state["timesteps"]
    written = (run / "metrics.csv").read_text()

    resume_to_the_end(run, at_least=state["timesteps"])
    assert (run / "metrics.csv").read_text().startswith(written)  # the curve goes on
    assert_completed(run, "timesteps", A2C_STEPS)


@pytest.mark.slow
def test_sigterm_to_the_group_as_timeout_and_ci_send_it(tmp_path, jobs):
    """``timeout``, systemd, Slurm and CI cancel with SIGTERM to the group; PPO's rollout of
    512 steps does not divide its budget, so the resumed run must not overshoot it."""
    run = tmp_path / "runs" / "p"
    job = jobs([*PPO, "--timesteps", str(PPO_STEPS), "--runs-dir", "runs", "--name", "p"])
    before = job.signal_in_training(
        signal.SIGTERM, run, "timesteps", PPO_STEPS,
        lambda: bool(checkpoint_counts(run)), "it wrote a checkpoint",
    )  # fmt: skip
    state = assert_interrupted(run, job.wait(), job, "timesteps", before)
    assert "resume with: rlgrid train --resume runs/p" in " ".join(job.stderr().split())

    resume_to_the_end(run, at_least=state["timesteps"])
    assert_completed(run, "timesteps", PPO_STEPS)


@pytest.mark.slow
def test_double_ctrl_c_stops_at_once_as_of_the_newest_checkpoint(tmp_path, jobs):
    """A second Ctrl+C while the first one's save is under way ends the process at once, the run
    marked as its newest saved state left it (the same for every backend: the q-table's is the
    one that loads no torch)."""
    run = tmp_path / "runs" / "q"
    job = jobs([*QTABLE, "--episodes", str(QTABLE_EPISODES), "--runs-dir", "runs", "--name", "q"])
    job.wait_for(lambda: len(checkpoint_counts(run)) >= 2, "it wrote two checkpoints")
    job.signal_group(signal.SIGSTOP)  # look while it is frozen: still training?
    newest = checkpoint_counts(run)[-1]
    assert newest < QTABLE_EPISODES, "its whole budget was on disk before it could be stopped"
    job.signal_group(signal.SIGINT)
    job.signal_group(signal.SIGCONT)
    # Ctrl+C again while the first one's save is under way (the run is marked interrupted, its
    # learning curve not drawn yet), the group frozen to send it: two signals sent before the
    # first is handled arrive as one.
    job.wait_for(lambda: manifest(run)["status"] != "running", "it saved", pause=0.001)
    with contextlib.suppress(ProcessLookupError):
        job.signal_group(signal.SIGSTOP)
    if job.process.poll() is not None:
        job.fail("it ended before a second Ctrl+C could reach it")
    job.signal_group(signal.SIGINT)
    job.signal_group(signal.SIGCONT)
    state = assert_interrupted(run, job.wait(), job, "episodes", None)
    job.assert_group_ends()  # the forced stop leaves no helper behind
    assert state.get("forced"), job.stderr()
    assert "stopped at once by a second SIGINT" in job.stderr()
    assert state["episodes"] >= newest  # at least the checkpoint there was before the stop
    assert "resume with: rlgrid train --resume runs/q" in " ".join(job.stderr().split())

    resume_to_the_end(run, at_least=state["timesteps"])
    assert_completed(run, "episodes", QTABLE_EPISODES)


@pytest.mark.slow
@pytest.mark.parametrize(("args", "budget", "seed"), [(PPO, PPO_STEPS, 1), (DQN, DQN_STEPS, 2)])
def test_sigkill_at_a_random_moment_then_resume(tmp_path, jobs, args, budget, seed):
    """SIGKILL to the group (the OOM killer, ``kill -9``) once a seeded random share of the budget
    is on disk; the resume goes on from the newest checkpoint and finishes the budget."""
    share = random.Random(seed).uniform(0.1, 0.6)
    run = tmp_path / "runs" / "k"
    job = jobs([*args, "--timesteps", str(budget), "--runs-dir", "runs", "--name", "k"])
    job.signal_in_training(
        signal.SIGKILL,
        run,
        "timesteps",
        budget,
        lambda: checkpoint_counts(run) and on_disk(run, "timesteps") >= share * budget,
        f"a checkpoint and {share:.0%} of the budget were on disk",
    )
    job.wait()
    intact = checkpoint_counts(run)
    assert intact, "no checkpoint before the kill"
    assert_evaluates(run)  # a killed run is usable as its newest checkpoint left it

    resume_to_the_end(run, at_least=intact[-1])
    assert_completed(run, "timesteps", budget)


@pytest.mark.slow
def test_sigkill_between_the_last_checkpoint_and_completion_then_resume(tmp_path, jobs):
    """Killed after its budget is spent (its last checkpoint is at the budget) but before the
    run is completed (the final evaluation, the saves): the resume has no step left to train
    and must complete the run, not fail on it."""
    run = tmp_path / "runs" / "a"
    job = jobs([*A2C, "--timesteps", str(A2C_STEPS), "--runs-dir", "runs", "--name", "a"])

    def at_the_budget() -> bool:
        if A2C_STEPS not in checkpoint_counts(run):
            return False
        job.signal_group(signal.SIGSTOP)  # freeze, then look: not completed yet?
        return True

    job.wait_for(at_the_budget, "its last checkpoint was written", pause=0.0005)
    if manifest(run)["status"] == "completed":
        job.signal_group(signal.SIGCONT)
        pytest.skip("the run completed before it could be frozen")
    job.signal_group(signal.SIGKILL)
    job.wait()

    resume_to_the_end(run, at_least=A2C_STEPS)
    assert_completed(run, "timesteps", A2C_STEPS)


@pytest.mark.slow
def test_sigkill_to_the_training_alone_leaves_nothing_behind(tmp_path, jobs):
    """The OOM killer ends one process, not the group: whatever the training started ends with
    it, so ``2>&1 | tee log`` sees the end of its input, and the run resumes."""
    run = tmp_path / "runs" / "q"
    args = [*QTABLE, "--episodes", str(QTABLE_EPISODES), "--runs-dir", "runs", "--name", "q"]
    job = jobs(args, tee=True)
    job.wait_for(lambda: bool(checkpoint_counts(run)), "it wrote a checkpoint")
    os.kill(job.pid, signal.SIGKILL)
    job.wait()
    job.assert_group_ends()  # tee included: the pipe reached its end
    intact = checkpoint_counts(run)
    assert len(rows(run)) >= intact[-1], "metrics.csv lacks episodes a checkpoint counts"

    resume_to_the_end(run, at_least=int(rows(run)[intact[-1] - 1][1]))
    assert_completed(run, "episodes", QTABLE_EPISODES)


@pytest.mark.slow
def test_a_second_resume_is_refused_naming_the_holder(tmp_path, jobs):
    """One writer per run folder: a second ``--resume`` while the run trains gets one line
    naming the process that trains it, and exit code 1; the training goes on unaffected."""
    run = tmp_path / "runs" / "q"
    args = [*QTABLE, "--episodes", "100000000", "--runs-dir", "runs", "--name", "q"]
    first = jobs(args)
    first.wait_for(lambda: has_row(run), "training had started")
    second = jobs(["train", "--resume", str(run)], "second")
    assert second.wait() == 1, second.stderr()
    lines = [line for line in second.stderr().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert str(first.pid) in lines[0]
    assert first.process.poll() is None, "the second resume stopped the first training"
    progress = on_disk(run, "episodes")
    first.wait_for(lambda: on_disk(run, "episodes") > progress, "it went on training")
    first.signal_group(signal.SIGINT)
    assert_interrupted(run, first.wait(), first, "episodes", progress)


@pytest.mark.slow
def test_a_run_resumes_again_after_its_resume_is_stopped(tmp_path, jobs):
    """Kill, resume, Ctrl+C the resume, kill the next one, resume: every stop is resumable."""
    run = tmp_path / "runs" / "a"
    job = jobs([*A2C, "--timesteps", str(A2C_STEPS), "--runs-dir", "runs", "--name", "a"])
    job.signal_in_training(
        signal.SIGKILL, run, "timesteps", A2C_STEPS,
        lambda: bool(checkpoint_counts(run)), "it wrote a checkpoint",
    )  # fmt: skip
    job.wait()
    floor = checkpoint_counts(run)[-1]
    for attempt, sig in enumerate((signal.SIGINT, signal.SIGKILL)):
        resume = jobs(["train", "--resume", str(run)], f"resume{attempt}")
        target = floor + 1000  # a checkpoint this resume wrote itself
        resume.signal_in_training(
            sig, run, "timesteps", A2C_STEPS,
            lambda t=target: max(checkpoint_counts(run), default=0) >= t,
            "the resume wrote a checkpoint",
        )  # fmt: skip
        assert resumed_step(resume.stderr()) >= floor, resume.stderr()
        code = resume.wait()
        if sig == signal.SIGINT:
            floor = assert_interrupted(run, code, resume, "timesteps", target)["timesteps"]
        else:
            floor = checkpoint_counts(run)[-1]

    resume_to_the_end(run, at_least=floor)
    state = assert_completed(run, "timesteps", A2C_STEPS)
    assert len(state["history"]) == 4  # the first command and three resumes


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_stop_lands_within_seconds_in_a_long_ppo_update(tmp_path, jobs):
    """One rollout of 4,096 steps, then an update of 50 epochs over it (tens of seconds): a
    SIGTERM a CPU-second into the update stops training within a few seconds."""
    run = tmp_path / "runs" / "p"
    args = ["train", "--algo", "ppo", "--grid", "6x6", "--n-envs", "4", "--hp", "n_steps=1024",
            "--hp", "n_epochs=50", "--hp", "batch_size=32", "--save-freq", "4096",
            "--timesteps", "8192", "--runs-dir", "runs", "--name", "p"]  # fmt: skip
    job = jobs(args)
    job.wait_for(lambda: 4096 in checkpoint_counts(run), "its rollout ended")

    def cpu_seconds() -> float:
        fields = Path(f"/proc/{job.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    updating = cpu_seconds()
    job.wait_for(lambda: cpu_seconds() >= updating + 1.0, "a CPU-second into the update")
    job.signal_group(signal.SIGTERM)
    sent = time.monotonic()
    code = job.wait()
    took = time.monotonic() - sent
    assert_interrupted(run, code, job, "timesteps", 4096)
    assert took < 15, f"the stop took {took:.1f} s"


@pytest.mark.slow
def test_one_ctrl_c_on_compare_is_one_ctrl_c_for_each_run(tmp_path, jobs):
    """Ctrl+C on ``rlgrid compare`` reaches its runs too (one process group); each run must take
    it as one stop and save all it did, not as a second Ctrl+C forcing it back to its last
    checkpoint; the study stops with every run kept, none of them a failure."""
    runs = tmp_path / "s" / "runs"
    preset = tmp_path / "often.toml"
    preset.write_text("save_freq = 1000\n")  # a checkpoint soon after each run starts
    args = ["compare", "--config", str(preset), "--algo", "a2c", "--grid", "6x6", "--reward",
            "sparse", "--seeds", "2", "--timesteps", "4000000", "--workers", "2", "--runs-dir",
            str(tmp_path), "--name", "s"]  # fmt: skip
    job = jobs(args)
    before: dict[Path, int] = {}

    def both_checkpointed() -> bool:
        # Checkpoints may come faster than metrics are flushed (every second): the newest
        # checkpoint is the lower bound of what each run must keep.
        newest = {run: checkpoint_counts(run) for run in runs.glob("*") if run.is_dir()}
        if len(newest) == 2 and all(newest.values()):
            before.update({run: counts[-1] for run, counts in newest.items()})
        return bool(before)

    job.wait_for(both_checkpointed, "both runs had written a checkpoint")
    job.signal_group(signal.SIGINT)
    assert job.wait() == 130, job.stderr()
    assert "run the same command to resume" in job.stderr()
    assert json.loads((tmp_path / "s" / "study.json").read_text())["failures"] == {}
    for run, steps in before.items():
        state = manifest(run)
        assert state["status"] == "interrupted", state
        assert "forced" not in state, state  # one stop, not a second Ctrl+C
        assert state["timesteps"] >= steps, (run.name, state, steps)
