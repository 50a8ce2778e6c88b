"""Chaos benchmark: stop real trainings the way users and machines do, resume them, and count
what was lost.

    python benchmarks/chaos.py [--trials 15] [--backends q-table,a2c,ppo,dqn] [--seed 0]
                               [--out DIR] [--only I] [--keep] [--no-disk-full]

Each trial is drawn from a random generator seeded by (--seed, backend, trial number), so
``--only I`` replays trial I's plan (machine timing still varies). A trial:

1. starts a small ``rlgrid train`` as a real subprocess in its own session (its own process
   group, as a shell job), its stdout and stderr either in files or piped (``2>&1 |``) into a
   reader in the same process group: ``tee`` (dies with a group signal, like ``| tee`` on Ctrl+C),
   ``head -c 1`` (gone after the first byte) or ``tee`` killed before the stop;
2. waits for training to have started (a data row in metrics.csv or a checkpoint: never a sleep),
   sometimes starts a second ``--resume`` of the same run, which must be refused naming the
   holder while the first goes on;
3. waits until a random share of the budget is on disk, or until a checkpoint write is under
   way (a ``.tmp`` file in RUN/checkpoints), and stops the training: SIGINT or SIGTERM to the
   group, SIGINT to the process, two signals, or SIGKILL to the group;
4. checks the stop: exit code 130, manifest status "interrupted", nothing that was on disk
   before the stop missing from the saved run, and "resume with: ..." on stderr where it could
   be read (SIGKILL: none of this);
5. resumes with ``rlgrid train --resume RUN`` (sometimes stopping the resume too, and resuming
   again), which must say from which step it goes on (never from before the newest checkpoint
   that was complete when the training died), and checks the completed run: status completed,
   exactly the budget, metrics.csv rows 0..episodes-1 in order with non-decreasing timesteps,
   no ``.tmp`` file left, at most 3 checkpoints, and ``rlgrid eval RUN --json`` works.

A disk-full case follows where the machine allows it (root may mount a tmpfs): training on a
small tmpfs that is then filled must end with one error line and exit code 1, and the run must
resume to completion once space is freed.

The exit code is 1 when any trial failed a check (a lost run, a stop not survived, a wrong
budget), 0 otherwise. Stops slower than --stop-limit seconds are listed but do not fail.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

STOPS = ("int-group", "term-group", "int-pid", "int-int-group", "term-int-group", "kill-group",
         "kill-pid")  # fmt: skip
"""How a trial stops training: the signal(s), and to the process group or the process."""
KILLS = frozenset({"kill-group", "kill-pid"})
"""SIGKILL to the group (``kill -9 -PGID``), or to the training alone, as the OOM killer does."""
SURVIVABLE = frozenset(STOPS) - KILLS
DOUBLE = frozenset({"int-int-group", "term-int-group"})
READERS = ("file", "file", "tee", "head", "dead")
"""Where the output goes: files, ``2>&1 | tee`` (in the group), ``2>&1 | head -c 1``, or a
``tee`` killed before the stop (weights by repetition)."""

READY_DEADLINE = 180.0
"""Seconds a training may take to show it has started (a busy 2-core machine is slow)."""
STOP_DEADLINE = 90.0
"""Seconds a stopped training may take to exit before it counts as hung (and is killed)."""
RUN_DEADLINE = 600.0
"""Seconds a resumed training may take to finish its budget."""

CHECKPOINT = re.compile(r"^(?P<algo>.+)_(?P<count>\d{10})\.(?:zip|npz)$")
TEMP = re.compile(r"^\..+\.tmp$")
RESUMED_AT = re.compile(r"step\s+(?P<step>[\d,]+)")
RESUMED_FROM = re.compile(r"from\s+(?:\S*/)?(?P<name>[^/\s]+_\d{10}\.(?:zip|npz))")


@dataclass(frozen=True)
class Backend:
    name: str
    args: tuple[str, ...]
    budget: int
    unit: str  # "episodes" or "timesteps": what the budget counts, and what checkpoints count

    def command(self, seed: int) -> list[str]:
        flag = "--episodes" if self.unit == "episodes" else "--timesteps"
        return ["train", *self.args, flag, str(self.budget), "--seed", str(seed)]


BACKENDS = {
    "q-table": Backend(
        "q-table", ("--algo", "q-table", "--grid", "6x6", "--save-freq", "1000"), 20_000, "episodes"
    ),
    "a2c": Backend(
        "a2c",
        ("--algo", "a2c", "--grid", "6x6", "--n-envs", "8", "--save-freq", "2000"),
        20_000,
        "timesteps",
    ),
    # 256 steps x 8 envs = 2048 per rollout does not divide 20,000: a rollout that overshoots
    # the budget shows; ten epochs over 2,048 samples make updates long enough to be hit
    "ppo": Backend(
        "ppo",
        (
            "--algo",
            "ppo",
            "--grid",
            "6x6",
            "--n-envs",
            "8",
            "--save-freq",
            "2000",
            "--hp",
            "n_steps=256",
        ),
        20_000,
        "timesteps",
    ),
    "dqn": Backend(
        "dqn",
        (
            "--algo",
            "dqn",
            "--grid",
            "6x6",
            "--n-envs",
            "4",
            "--save-freq",
            "2000",
            "--hp",
            "buffer_size=20000",
        ),
        20_000,
        "timesteps",
    ),
}

LAUNCHER = r"""
import os, signal, sys
kind, log, pidfile = sys.argv[1:4]
command = sys.argv[4:]
signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # as a shell leaves it
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(write_end)
    os.dup2(read_end, 0)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    if kind == "head":
        os.dup2(out, 1)
        os.execvp("head", ["head", "-c", "1"])
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execvp("tee", ["tee", "-a", log])
os.close(read_end)
with open(pidfile, "w") as stream:
    stream.write(str(pid))
os.dup2(write_end, 1)
os.dup2(write_end, 2)
os.close(write_end)
os.execv(command[0], command)
"""
"""Runs as the session leader: forks the reader, which stays in the leader's process group, then
becomes the training (same pid), so ``killpg`` reaches both as it reaches ``rlgrid ... 2>&1 | tee
log`` in a terminal."""


# --- what is on disk --------------------------------------------------------------------------


def metrics_progress(run: Path) -> tuple[int, int] | None:
    """(episodes, timesteps) of the last complete row of RUN/metrics.csv, None without a row."""
    try:
        with open(run / "metrics.csv", "rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - 8192))
            tail = stream.read()
    except OSError:
        return None
    for line in reversed(tail.split(b"\n")[:-1]):  # complete lines only
        fields = line.split(b",")
        try:
            return int(fields[0]) + 1, int(fields[1])
        except (ValueError, IndexError):
            return None  # the header, or the start of a line cut by the 8 KiB window
    return None


def metrics_rows(run: Path) -> list[list[str]]:
    """The complete data rows of RUN/metrics.csv (empty when it is missing)."""
    try:
        text = (run / "metrics.csv").read_text()
    except OSError:
        return []
    lines = text.split("\n")[1:-1]  # the header, and the last line: empty or cut off
    return [line.split(",") for line in lines if line]


def checkpoints(run: Path) -> list[tuple[int, str]]:
    """(count, name) of the complete checkpoint files, oldest first."""
    try:
        names = os.listdir(run / "checkpoints")
    except OSError:
        return []
    return sorted((int(m["count"]), name) for name in names if (m := CHECKPOINT.match(name)))


def temp_files(run: Path) -> list[str]:
    """Temporary files of unfinished writes anywhere in the run folder."""
    found = []
    for folder, _, names in os.walk(run):
        found += [os.path.join(folder, name) for name in names if TEMP.match(name)]
    return found


def progress(run: Path, backend: Backend) -> int:
    """How much of the budget is on disk: metrics rows or the newest checkpoint."""
    done = 0
    row = metrics_progress(run)
    if row is not None:
        done = row[0] if backend.unit == "episodes" else row[1]
    saved = checkpoints(run)
    return max(done, saved[-1][0] if saved else 0)


def started(run: Path) -> bool:
    """The readiness signal: a data row in metrics.csv, or a checkpoint file."""
    return metrics_progress(run) is not None or bool(checkpoints(run))


def read_manifest(run: Path) -> dict:
    try:
        return json.loads((run / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def one_spaced(text: str) -> str:
    return " ".join(text.split())


def tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept)


# --- processes --------------------------------------------------------------------------------


def child_env(threads: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.setdefault("OMP_NUM_THREADS", str(threads))
    env.setdefault("MKL_NUM_THREADS", str(threads))
    env.pop("RLGRID_DEBUG", None)
    return env


@dataclass(eq=False)
class Training:
    """One ``rlgrid`` process in its own session, with where its output went."""

    process: subprocess.Popen
    reader: str
    out: Path  # stdout (file reader) or the combined log (pipe readers)
    err: Path | None  # stderr (file reader only)
    pidfile: Path | None
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr(self) -> str:
        path = self.err if self.err is not None else self.out
        try:
            return path.read_text(errors="replace")
        except OSError:
            return ""

    def output(self) -> str:
        text = self.stderr()
        if self.err is not None:
            with contextlib.suppress(OSError):
                text = self.out.read_text(errors="replace") + "\n" + text
        return text

    def reader_pid(self) -> int | None:
        if self.pidfile is None:
            return None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                return int(self.pidfile.read_text())
            time.sleep(0.01)
        return None

    def kill_reader(self) -> bool:
        """SIGKILL the reader and wait until it is gone (a zombie of the training counts)."""
        pid = self.reader_pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return True
            if state in ("Z", "X"):
                return True
            time.sleep(0.01)
        return False

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def signal_process(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(sig)

    def wait(self, seconds: float) -> int | None:
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None

    def destroy(self) -> None:
        """Kill what is left of the training's process group."""
        if self.process.poll() is None:
            self.signal_group(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        elif os.path.isdir("/proc/self") and group_members(self.pid):
            self.signal_group(signal.SIGKILL)


LEFTOVER_GRACE = 15.0
"""Seconds the rest of a training's process group (a helper, the reader) has to end after it."""


def group_members(pgid: int) -> list[tuple[int, str]]:
    """Living processes (not zombies) of process group ``pgid``: (pid, command line)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid or fields[0] in ("Z", "X"):
                continue
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, IndexError, ValueError):
            continue
        found.append((int(entry), command.decode(errors="replace").strip()[:120]))
    return found


def leftovers(training: Training) -> list[tuple[int, str]]:
    """What is left of an ended training's process group after a grace period (Linux only)."""
    if not os.path.isdir("/proc/self"):
        return []
    end = time.monotonic() + LEFTOVER_GRACE
    while (left := group_members(training.pid)) and time.monotonic() < end:
        time.sleep(0.1)
    return left


ABORT = threading.Event()
"""Set by Ctrl+C on this script: no new process starts, waits end, what runs is killed."""
LIVE: set[Training] = set()
LIVE_LOCK = threading.Lock()


def launch(args: list[str], folder: Path, label: str, reader: str, env: dict) -> Training:
    """Start ``python -m rlgrid ARGS`` in its own session with cwd ``folder``."""
    training = _launch(args, folder, label, reader, env)
    with LIVE_LOCK:
        LIVE.add(training)
    if ABORT.is_set():
        training.destroy()
        raise RuntimeError("chaos interrupted")
    return training


def _launch(args: list[str], folder: Path, label: str, reader: str, env: dict) -> Training:
    if ABORT.is_set():
        raise RuntimeError("chaos interrupted")
    command = [sys.executable, "-m", "rlgrid", *args]
    if reader == "file":
        out, err = folder / f"{label}.out", folder / f"{label}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                cwd=folder,
                env=env,
                start_new_session=True,
            )
        return Training(process, reader, out, err, None)
    log, pidfile = folder / f"{label}.log", folder / f"{label}.reader-pid"
    kind = "head" if reader == "head" else "tee"
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, kind, str(log), str(pidfile), *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=folder,
        env=env,
        start_new_session=True,
    )
    return Training(process, reader, log, None, pidfile)


def run_once(args: list[str], folder: Path, label: str, env: dict, seconds: float) -> tuple:
    """Run ``python -m rlgrid ARGS`` to its end; (exit code or None when it hung, stdout,
    stderr)."""
    training = launch(args, folder, label, "file", env)
    code = training.wait(seconds)
    training.destroy()
    out = training.out.read_text(errors="replace")
    return code, out, training.stderr()


def wait_until(condition, deadline: float, process: Training | None = None, pause=0.02) -> str:
    """Poll ``condition`` until it holds ("ok"), the process ends ("ended") or the deadline
    passes ("timeout")."""
    end = time.monotonic() + deadline
    while True:
        if ABORT.is_set():
            return "timeout"
        if condition():
            return "ok"
        if process is not None and process.process.poll() is not None:
            return "ok" if condition() else "ended"
        if time.monotonic() > end:
            return "timeout"
        time.sleep(pause)


# --- one trial --------------------------------------------------------------------------------


@dataclass
class Plan:
    seed: int
    reader: str
    timing: str  # "progress" or "write"
    share: float  # of the budget on disk before the stop (timing "progress")
    writes: int  # checkpoint writes let by before the stop (timing "write")
    stop: str
    gap: float  # seconds between the two signals of a double stop
    second_writer: bool
    restops: list[tuple[float, str]]  # (share of what is left, stop) for stopped resumes

    def describe(self) -> str:
        when = (
            f"at {self.share:.0%} on disk"
            if self.timing == "progress"
            else f"during checkpoint write {self.writes + 1}"
        )
        text = f"seed {self.seed}, {self.stop} {when}, output {self.reader}"
        if self.second_writer:
            text += ", second writer"
        if self.restops:
            text += ", resume stopped by " + " then ".join(stop for _, stop in self.restops)
        return text


def draw_plan(rng: random.Random) -> Plan:
    timing = "write" if rng.random() < 0.3 else "progress"
    if timing == "write" and rng.random() < 0.6:
        stop = rng.choice(sorted(KILLS))
    else:
        stop = rng.choices(STOPS, weights=(3, 3, 2, 2, 2, 2, 2))[0]
    restops = []
    if rng.random() < 0.35:
        restops.append((rng.uniform(0.0, 0.6), rng.choice(STOPS)))
        if rng.random() < 0.4:
            restops.append((rng.uniform(0.0, 0.6), rng.choice(STOPS)))
    return Plan(
        seed=rng.randrange(1000),
        reader=rng.choice(READERS),
        timing=timing,
        share=rng.uniform(0.02, 0.7),
        writes=rng.randrange(3),
        stop=stop,
        gap=rng.uniform(0.0, 0.5),
        second_writer=rng.random() < 0.2,
        restops=restops,
    )


@dataclass
class Trial:
    backend: str
    index: int
    plan: Plan
    folder: Path
    problems: list[str] = field(default_factory=list)
    stops: int = 0  # survivable stops delivered
    survived: int = 0  # ... that ended with 130, "interrupted" and nothing lost
    kills: int = 0
    missed: int = 0  # the process had finished before the stop
    in_write: int = 0  # stops that landed while a .tmp file was there
    resumed_exact: bool = False
    stop_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def to_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k not in ("plan", "folder")}
        return {**data, "plan": self.plan.__dict__, "folder": str(self.folder)}


class Stopper:
    """Stops trainings and checks how they stopped, for one trial."""

    def __init__(self, trial: Trial, backend: Backend, run: Path, args) -> None:
        self.trial, self.backend, self.run, self.args = trial, backend, run, args
        self.floor = 0
        """The least the next resume may start from (budget units): what a stop saved, or the
        newest checkpoint complete when a process died."""
        self.floor_steps = 0
        self.kept: list[list[list[str]]] = []
        """metrics.csv rows that a stop saved (those its saved state counts), one list per stop:
        the completed run must begin with each, unchanged."""
        """The same in timesteps, for the step the resume names."""

    def problem(self, text: str) -> None:
        self.trial.problems.append(text)

    def wait_for_moment(
        self, training: Training, timing: str, share: float, writes: int, start: int
    ) -> tuple[str, bool]:
        """Wait for the stop's moment; ("ok" | "ended" | "timeout", whether the group is frozen
        (SIGSTOP) in a checkpoint write, its ``.tmp`` file there: timing "write")."""
        run, backend = self.run, self.backend
        if timing == "write":
            seen: set[str] = set()
            folder = run / "checkpoints"

            def temps() -> list[str]:
                try:
                    return [n for n in os.listdir(folder) if TEMP.match(n)]
                except OSError:
                    return []

            def writing() -> bool:
                fresh = [n for n in temps() if n not in seen]
                seen.update(fresh)
                if not fresh or len(seen) <= writes:
                    return False
                training.signal_group(signal.SIGSTOP)  # freeze, then look: still writing?
                if temps():
                    return True
                training.signal_group(signal.SIGCONT)  # it had finished: wait for another
                return False

            state = wait_until(writing, RUN_DEADLINE, training, pause=0.0005)
            return state, state == "ok"
        target = start + share * (backend.budget - start)
        state = wait_until(lambda: progress(run, backend) >= target, RUN_DEADLINE, training)
        return state, False

    def deliver(self, training: Training, stop: str, gap: float, frozen: bool) -> None:
        first = {
            "int-group": signal.SIGINT,
            "term-group": signal.SIGTERM,
            "int-pid": signal.SIGINT,
            "int-int-group": signal.SIGINT,
            "term-int-group": signal.SIGTERM,
            "kill-group": signal.SIGKILL,
            "kill-pid": signal.SIGKILL,
        }[stop]
        if stop in ("int-pid", "kill-pid"):
            training.signal_process(first)
        else:
            training.signal_group(first)
        if frozen and stop != "kill-group":
            training.signal_group(signal.SIGCONT)  # the signal is taken as it wakes
        if stop in DOUBLE:
            time.sleep(gap)  # the gap between two Ctrl+C presses is the point here
            training.signal_group(signal.SIGINT)

    def stop(
        self,
        training: Training,
        timing: str,
        share: float,
        writes: int,
        stop: str,
        gap: float,
        start: int,
    ) -> str:
        """Stop ``training`` at its moment and check the stop; "stopped", "finished" (it ended
        before the moment) or "broken" (it never started, or hung)."""
        trial, run, backend = self.trial, self.run, self.backend
        state, writing = self.wait_for_moment(training, timing, share, writes, start)
        if state == "ended":
            trial.missed += 1
            return "finished"
        if state == "timeout":
            self.problem(f"{stop}: the moment to stop never came within {RUN_DEADLINE:.0f} s")
            training.destroy()
            return "broken"
        on_disk = progress(run, backend)
        rows_on_disk = metrics_progress(run)
        self.deliver(training, stop, gap, writing)
        sent = time.monotonic()
        if stop in KILLS:
            trial.kills += 1
            training.wait(STOP_DEADLINE)
            self.check_leftovers(training, stop)
            left = [Path(p).name for p in temp_files(run)]
            if writing and left:
                trial.in_write += 1
            saved = checkpoints(run)
            self.floor = saved[-1][0] if saved else 0
            self.floor_steps = self.steps_at(self.floor)
            self.keep_rows()
            trial.notes.append(
                f"killed at {on_disk}, newest checkpoint {self.floor}"
                + (f", left {', '.join(left)}" if left else "")
            )
            if saved:  # a killed run is usable as it is, from its newest checkpoint
                for problem in evaluates(run, trial.folder, child_env(self.args.threads)):
                    self.problem(f"after {stop}: {problem}")
            return "stopped"
        trial.stops += 1
        code = training.wait(STOP_DEADLINE)
        seconds = time.monotonic() - sent
        if code is None:
            self.problem(f"{stop}: still running {STOP_DEADLINE:.0f} s after the signal (killed)")
            training.destroy()
            saved = checkpoints(run)
            self.floor = saved[-1][0] if saved else 0
            self.floor_steps = self.steps_at(self.floor)
            self.keep_rows()
            return "broken"
        trial.stop_seconds.append(round(seconds, 2))
        self.check_leftovers(training, stop)
        if writing:
            trial.in_write += 1
        manifest = read_manifest(run)
        bad = []
        if code != 130:
            bad.append(f"exit code {code}, not 130")
        if manifest.get("status") != "interrupted":
            bad.append(f"manifest status {manifest.get('status')!r}, not 'interrupted'")
        saved_count = int(manifest.get(backend.unit) or 0)
        rows = metrics_rows(run)
        if stop in DOUBLE:
            newest = max([c for c, _ in checkpoints(run)] or [0])
            if saved_count < min(newest, on_disk) and manifest.get("status") == "interrupted":
                bad.append(
                    f"saved {saved_count} {backend.unit}, less than the newest checkpoint {newest}"
                )
        else:
            if saved_count < on_disk:
                bad.append(
                    f"saved {saved_count} {backend.unit} but {on_disk} were on disk before the stop"
                )
            if rows_on_disk is not None and int(manifest.get("episodes") or 0) < rows_on_disk[0]:
                bad.append(
                    f"saved {manifest.get('episodes')} episodes but metrics.csv had "
                    f"{rows_on_disk[0]} before the stop"
                )
            if len(rows) != int(manifest.get("episodes") or 0):
                bad.append(
                    f"metrics.csv has {len(rows)} rows for {manifest.get('episodes')} episodes"
                )
        readable = training.reader == "file" or (
            training.reader == "tee" and stop == "int-pid"
        )  # the reader saw all of it
        if readable and code == 130:
            expected = f"resume with: rlgrid train --resume {run.relative_to(self.trial.folder)}"
            said = one_spaced(training.stderr())
            if expected not in said and f"resume with: rlgrid train --resume {run}" not in said:
                bad.append(f"stderr lacks {expected!r}: {tail(training.stderr(), 3)!r}")
        if bad:
            self.problem(
                f"{stop} ({training.reader} output): "
                + "; ".join(bad)
                + f" [stderr: {tail(training.stderr(), 3)}]"
            )
        else:
            trial.survived += 1
        self.floor = saved_count
        self.floor_steps = int(manifest.get("timesteps") or 0)
        self.keep_rows()
        return "stopped"

    def check_leftovers(self, training: Training, what: str) -> None:
        """Once the training has ended, nothing it started may live on in its process group (a
        helper left running holds the output pipe open: ``| tee`` and CI never see its end)."""
        left = leftovers(training)
        if left:
            self.problem(
                f"{what}: {len(left)} process(es) of the training still running "
                f"{LEFTOVER_GRACE:.0f} s after it ended: "
                + "; ".join(f"pid {pid} ({command})" for pid, command in left)
            )
            training.signal_group(signal.SIGKILL)

    def keep_rows(self) -> None:
        """Note the rows that the saved state (at ``floor``) counts."""
        rows = metrics_rows(self.run)
        if self.backend.unit == "episodes":
            kept = rows[: self.floor]
        else:
            kept = list(itertools.takewhile(lambda r: int(r[1]) <= self.floor_steps, rows))
        self.kept.append(kept)

    def steps_at(self, count: int) -> int:
        """Timesteps the run had at ``count`` budget units: the count itself for a step budget,
        the timesteps column of episode count-1 for an episode budget (a lower bound)."""
        if self.backend.unit == "timesteps" or count == 0:
            return count
        rows = metrics_rows(self.run)
        if len(rows) >= count:
            with contextlib.suppress(ValueError, IndexError):
                return int(rows[count - 1][1])
        return 0

    def check_resumed_from(self, text: str, label: str) -> None:
        """The resume says from which step it goes on, and that is not before the floor."""
        said = one_spaced(text)
        if "resum" not in said.lower():
            self.problem(f"{label}: stderr does not say where it resumes from: {tail(text, 3)!r}")
            return
        match = RESUMED_AT.search(said[said.lower().find("resum") :])
        if match is None and "from the start" in said:
            match = {"step": "0"}
        if match is None:
            self.problem(f"{label}: stderr names no step to resume from: {tail(text, 3)!r}")
            return
        step = int(match["step"].replace(",", ""))
        if step < self.floor_steps:
            self.problem(
                f"{label}: resumed at step {step}, before step {self.floor_steps} that "
                f"was saved ({self.floor} {self.backend.unit})"
            )
        named = RESUMED_FROM.search(said)
        if named is not None:
            count = int(CHECKPOINT.match(named["name"])["count"])
            if count < self.floor and self.backend.unit == "episodes":
                self.problem(
                    f"{label}: resumed from {named['name']}, older than the saved "
                    f"{self.floor} {self.backend.unit}"
                )


def second_writer(stopper: Stopper, first: Training, folder: Path, env: dict) -> None:
    """While ``first`` trains, a second ``--resume`` must be refused in one line naming the
    holder, and ``first`` must go on."""
    run = stopper.run
    code, _, err = run_once(["train", "--resume", str(run)], folder, "second", env, STOP_DEADLINE)
    if first.process.poll() is not None:
        stopper.trial.notes.append("second writer: the first had finished (not judged)")
        return
    lines = [line for line in err.strip().splitlines() if line.strip()]
    bad = []
    if code != 1:
        bad.append(f"exit code {code}, not 1")
    if len(lines) != 1:
        bad.append(f"{len(lines)} lines on stderr, not 1")
    if str(first.pid) not in err:
        bad.append(f"the holder's pid {first.pid} is not named")
    if bad:
        stopper.problem(
            "second --resume while training: " + "; ".join(bad) + f" [stderr: {tail(err, 3)}]"
        )


def evaluates(run: Path, folder: Path, env: dict) -> list[str]:
    """``rlgrid eval RUN --json`` exits 0 and prints JSON; else what went wrong."""
    code, out, err = run_once(["eval", str(run), "--json"], folder, "eval", env, STOP_DEADLINE)
    if code != 0:
        return [f"rlgrid eval --json exit code {code} [{tail(err, 2)}]"]
    try:
        json.loads(out)
    except ValueError:
        return [f"rlgrid eval --json printed no JSON: {out[:80]!r}"]
    return []


def verify_completed(stopper: Stopper, folder: Path, env: dict) -> None:
    """The contract for a finished run."""
    run, backend = stopper.run, stopper.backend
    manifest = read_manifest(run)
    bad = []
    if manifest.get("status") != "completed":
        bad.append(f"status {manifest.get('status')!r}, not 'completed'")
    done = manifest.get(backend.unit)
    if done != backend.budget:
        bad.append(f"{done} {backend.unit}, not the budget {backend.budget}")
    rows = metrics_rows(run)
    episodes = [row[0] for row in rows]
    if episodes != [str(i) for i in range(len(rows))]:
        first = next((i for i, e in enumerate(episodes) if e != str(i)), None)
        bad.append(
            f"metrics.csv episodes are not 0..n-1 in order (row {first} says "
            f"{episodes[first] if first is not None else '?'})"
        )
    if len(rows) != manifest.get("episodes"):
        bad.append(f"metrics.csv has {len(rows)} rows for {manifest.get('episodes')} episodes")
    try:
        steps = [int(row[1]) for row in rows]
    except (ValueError, IndexError):
        steps = None
        bad.append("metrics.csv has a malformed row")
    down = [i for i, (a, b) in enumerate(itertools.pairwise(steps or [])) if b < a]
    if down:
        at = down[0]
        bad.append(
            f"metrics.csv timesteps go down at episode {at + 1} ({steps[at]} -> {steps[at + 1]})"
        )
    for kept in stopper.kept:
        if rows[: len(kept)] != kept:
            at = next(i for i, r in enumerate(kept) if i >= len(rows) or rows[i] != r)
            bad.append(
                f"metrics.csv no longer begins with the {len(kept)} rows a stop saved (row {at}: "
                f"{','.join(kept[at])} became {','.join(rows[at]) if at < len(rows) else 'none'})"
            )
            break
    left = temp_files(run)
    if left:
        bad.append(f".tmp files left: {', '.join(Path(p).name for p in left)}")
    kept = checkpoints(run)
    if len(kept) > 3:
        bad.append(f"{len(kept)} checkpoints kept, not at most 3")
    bad += evaluates(run, folder, env)
    if bad:
        stopper.problem("completed run: " + "; ".join(bad))
    else:
        stopper.trial.resumed_exact = True


def run_trial(backend: Backend, index: int, plan: Plan, folder: Path, args) -> Trial:
    trial = Trial(backend.name, index, plan, folder)
    env = child_env(args.threads)
    runs_dir, name = folder / "runs", f"{backend.name}-{index}"
    run = runs_dir / name
    stopper = Stopper(trial, backend, run, args)
    started_here: list[Training] = []
    try:
        command = [*backend.command(plan.seed), "--runs-dir", "runs", "--name", name]
        training = launch(command, folder, "train", plan.reader, env)
        started_here.append(training)
        ready = wait_until(lambda: started(run), READY_DEADLINE, training)
        if ready != "ok":
            training.wait(STOP_DEADLINE)
            training.destroy()
            reason = "ended" if ready == "ended" else f"not within {READY_DEADLINE:.0f} s"
            stopper.problem(
                f"training never showed it started ({reason}; exit code "
                f"{training.process.returncode}) [{tail(training.output(), 3)}]"
            )
            return trial
        if plan.second_writer:
            second_writer(stopper, training, folder, env)
        if plan.reader == "dead" and not training.kill_reader():
            trial.notes.append("the reader could not be killed")
        state = stopper.stop(training, plan.timing, plan.share, plan.writes, plan.stop, plan.gap, 0)
        if state == "finished":
            code = training.wait(STOP_DEADLINE)
            if code != 0:
                stopper.problem(
                    f"training ended by itself with exit code {code} [{tail(training.output(), 3)}]"
                )
            trial.notes.append("finished before the stop")
            verify_completed(stopper, folder, env)
            return trial
        restops = list(plan.restops)
        for attempt in range(1, 6):
            label = f"resume-{attempt}"
            resume = launch(["train", "--resume", f"runs/{name}"], folder, label, "file", env)
            started_here.append(resume)
            if restops:
                share, stop = restops.pop(0)
                before = set(checkpoints(run))
                inode = _inode(run / "metrics.csv")
                rows_before = len(metrics_rows(run))

                def resumed(before=before, inode=inode, rows_before=rows_before) -> bool:
                    if set(checkpoints(run)) - before:
                        return True
                    return (
                        _inode(run / "metrics.csv") != inode
                        and len(metrics_rows(run)) > rows_before
                    )

                ready = wait_until(resumed, READY_DEADLINE, resume)
                if ready == "ok" and resume.process.poll() is None:
                    stopper.check_resumed_from(resume.stderr(), label)
                    start = progress(run, backend)
                    state = stopper.stop(resume, "progress", share, 0, stop, plan.gap, start)
                    if state in ("stopped", "broken"):
                        continue
            code = resume.wait(RUN_DEADLINE)
            if code is None:
                stopper.problem(f"{label}: did not finish within {RUN_DEADLINE:.0f} s")
                resume.destroy()
                return trial
            if code != 0:
                stopper.problem(f"{label}: exit code {code} [{tail(resume.stderr(), 3)}]")
                return trial
            stopper.check_leftovers(resume, f"{label} (completed)")
            stopper.check_resumed_from(resume.stderr(), label)
            if f"results: runs/{name}" not in resume.out.read_text() and str(run) not in (
                resume.out.read_text()
            ):
                trial.notes.append(f"{label}: stdout does not say 'results: runs/{name}'")
            break
        verify_completed(stopper, folder, env)
    except Exception as error:  # a bug in this script must not hide the other trials
        stopper.problem(f"chaos script error: {type(error).__name__}: {error}")
    finally:
        for process in started_here:
            process.destroy()
    return trial


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


# --- a full disk ------------------------------------------------------------------------------


def disk_full_case(backend: Backend, folder: Path, args) -> tuple[str, list[str]]:
    """Train on a small tmpfs, fill it, expect one error line and exit 1, free space, resume.
    Returns ("ok" | "failed" | "skipped", problems or the reason for skipping)."""
    folder.mkdir(parents=True, exist_ok=True)
    mount = folder / "tmpfs"
    mount.mkdir(exist_ok=True)
    if os.geteuid() != 0:
        return "skipped", ["mounting a tmpfs needs root"]
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={args.tmpfs_size}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return "skipped", [f"mount -t tmpfs failed: {tail(done.stderr, 1) or done.returncode}"]
    problems: list[str] = []
    env = child_env(args.threads)
    run = mount / "runs" / "full"
    filler = mount / "filler"
    training = None
    try:
        command = [*backend.command(7), "--runs-dir", str(mount / "runs"), "--name", "full"]
        training = launch(command, folder, "full", "file", env)
        ready = wait_until(lambda: started(run), READY_DEADLINE, training)
        if ready != "ok":
            code = training.wait(STOP_DEADLINE)
            return "failed", [
                f"training did not start (exit code {code}) [{tail(training.stderr(), 3)}]"
            ]
        with filler.open("wb") as stream:
            chunk = b"\0" * 65536
            with contextlib.suppress(OSError):
                while True:
                    stream.write(chunk)
                    stream.flush()
        code = training.wait(RUN_DEADLINE)
        err = training.stderr()
        lines = [line for line in err.strip().splitlines() if line.strip()]
        if code == 0:
            problems.append("training finished on a full disk (exit code 0)")
        elif code is None:
            problems.append("training hung on a full disk")
            training.destroy()
        else:
            if code != 1:
                problems.append(f"exit code {code} on a full disk, not 1")
            errors = [line for line in lines if line.lower().startswith("error")]
            if len(errors) != 1 or "Traceback" in err:
                problems.append(
                    f"{len(errors)} error lines on a full disk, not one: {tail(err, 4)!r}"
                )
        filler.unlink()
        code, _, err = run_once(
            ["train", "--resume", str(run)], folder, "full-resume", env, RUN_DEADLINE
        )
        if code != 0:
            problems.append(f"resume after freeing space: exit code {code} [{tail(err, 3)}]")
        else:
            trial = Trial(backend.name, -1, draw_plan(random.Random(0)), folder)
            stopper = Stopper(trial, backend, run, args)
            verify_completed(stopper, folder, env)
            problems += trial.problems
    finally:
        if training is not None:
            training.destroy()
        with contextlib.suppress(OSError):
            filler.unlink()
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)
    return ("failed" if problems else "ok"), problems


# --- the report -------------------------------------------------------------------------------

COLUMNS = (
    "backend",
    "trials",
    "stops",
    "survived",
    "kills",
    "in write",
    "missed",
    "resumed exact",
    "lost",
    "max stop s",
    "s/trial",
)


def row(name: str, trials: list[Trial]) -> tuple:
    stops = [s for t in trials for s in t.stop_seconds]
    return (
        name,
        len(trials),
        sum(t.stops for t in trials),
        sum(t.survived for t in trials),
        sum(t.kills for t in trials),
        sum(t.in_write for t in trials),
        sum(t.missed for t in trials),
        sum(t.resumed_exact for t in trials),
        sum(t.failed for t in trials),
        f"{max(stops):.1f}" if stops else "-",
        f"{sum(t.seconds for t in trials) / len(trials):.0f}" if trials else "-",
    )


def print_table(rows: list[tuple]) -> None:
    widths = [max(len(str(r[i])) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    for r in [COLUMNS, *rows]:
        print(
            "  ".join(
                str(v).rjust(w) if i else str(v).ljust(w)
                for i, (v, w) in enumerate(zip(r, widths, strict=True))
            )
        )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=15, help="trials per backend (15)")
    parser.add_argument("--backends", default="q-table,a2c,ppo,dqn")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="where trial folders go")
    parser.add_argument("--only", type=int, default=None, help="run only this trial number")
    parser.add_argument("--keep", action="store_true", help="keep the folders of good trials")
    parser.add_argument("--no-disk-full", action="store_true", help="skip the disk-full case")
    parser.add_argument("--tmpfs-size", default="8m", help="size of the disk-full tmpfs (8m)")
    parser.add_argument(
        "--jobs", type=int, default=2, help="trials run side by side (2; 1 for quiet timing)"
    )
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS for trainings")
    parser.add_argument(
        "--stop-limit",
        type=float,
        default=10.0,
        help="seconds a stop may take before it is listed as slow (10)",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    unknown = [n for n in names if n not in BACKENDS]
    if unknown:
        parser.error(f"unknown backend {', '.join(unknown)} (known: {', '.join(BACKENDS)})")
    out = args.out or Path(tempfile.mkdtemp(prefix="rlgrid-chaos-"))
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"chaos: {args.trials} trials per backend ({', '.join(names)}), seed {args.seed}, in {out}",
        flush=True,
    )
    began = time.monotonic()
    trials: dict[str, list[Trial]] = {name: [] for name in names}
    indices = [args.only] if args.only is not None else list(range(args.trials))
    jobs = [(name, index) for index in indices for name in names]

    def one(job: tuple[str, int]) -> Trial:
        name, index = job
        plan = draw_plan(random.Random(f"{args.seed}-{name}-{index}"))
        folder = out / f"{name}-{index}"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        t0 = time.monotonic()
        trial = run_trial(BACKENDS[name], index, plan, folder, args)
        trial.seconds = round(time.monotonic() - t0, 1)
        return trial

    signal.signal(signal.SIGTERM, _interrupt)  # stopped as a job: clean up as for Ctrl+C
    signal.signal(signal.SIGINT, _interrupt)  # even where a shell started it ignoring SIGINT
    pool = concurrent.futures.ThreadPoolExecutor(max(1, args.jobs))
    try:
        for trial in pool.map(one, jobs):
            trials[trial.backend].append(trial)
            verdict = "LOST" if trial.failed else "ok"
            print(
                f"  {trial.backend} #{trial.index}: {verdict} in {trial.seconds:.1f} s "
                f"({trial.plan.describe()})",
                flush=True,
            )
            for problem in trial.problems:
                print(f"      - {problem}", flush=True)
            if not trial.failed and not args.keep:
                shutil.rmtree(trial.folder, ignore_errors=True)
    except KeyboardInterrupt:
        ABORT.set()
        pool.shutdown(wait=False, cancel_futures=True)
        with LIVE_LOCK:
            running = list(LIVE)
        for training in running:
            training.destroy()
        print(f"chaos: interrupted; trial folders are in {out}", file=sys.stderr)
        return 130
    pool.shutdown()
    disk: list[tuple[str, str, list[str]]] = []
    if not args.no_disk_full and args.only is None:
        for name in names:
            state, details = disk_full_case(BACKENDS[name], out / f"disk-full-{name}", args)
            disk.append((name, state, details))
            if state == "skipped":
                print(f"  disk full: skipped: {details[0]}", flush=True)
                break
            print(f"  disk full ({name}): {state}", flush=True)
            for problem in details if state == "failed" else []:
                print(f"      - {problem}", flush=True)
            if state == "ok" and not args.keep:
                shutil.rmtree(out / f"disk-full-{name}", ignore_errors=True)
    every = [t for name in names for t in trials[name]]
    print()
    print_table([row(name, trials[name]) for name in names] + [row("overall", every)])
    slow = [(t, s) for t in every for s in t.stop_seconds if s > args.stop_limit]
    for t, s in slow:
        print(f"slow stop: {t.backend} #{t.index} took {s:.1f} s ({t.plan.describe()})")
    failed = [t for t in every if t.failed]
    if failed:
        print("\nlost or broken trials:")
        for t in failed:
            print(f"  {t.backend} #{t.index} ({t.plan.describe()}): {'; '.join(t.problems)}")
            print(
                f"    reproduce: python benchmarks/chaos.py --backends {t.backend} "
                f"--seed {args.seed} --only {t.index} --keep  (folder {t.folder})"
            )
    disk_failed = [d for d in disk if d[1] == "failed"]
    for name, _, details in disk_failed:
        print(f"  disk full ({name}): {'; '.join(details)}")
    (out / "results.json").write_text(
        json.dumps(
            {"trials": [t.to_dict() for t in every], "disk_full": [list(d) for d in disk]}, indent=1
        )
    )
    print(
        f"\n{len(every)} trials in {time.monotonic() - began:.0f} s; details in "
        f"{out / 'results.json'}"
    )
    return 1 if failed or disk_failed else 0


if __name__ == "__main__":
    sys.exit(main())
