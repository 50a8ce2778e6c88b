"""What a study runs (:class:`StudySpec`, one :class:`Job` per combination and seed) and the study
folder that holds it (:class:`Study`): ``study.json`` with the spec and the failures, ``runs/``
with one ordinary run folder per job.

Besides algorithms, floors and rewards, a study may vary ``[env]`` settings (:attr:`StudySpec.vary`,
``rlgrid compare --vary KEY=V1,V2``): each job sets its values as ``rlgrid train --env-kwargs``
does, and they name its run (``maskable-ppo_rlgrid-Tangram-v0_area_curriculum-true_seed0``)."""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from rlgrid import runs
from rlgrid.envs.maps import floor_label
from rlgrid.errors import InvalidValueError, RlgridError, setting
from rlgrid.literals import literal

STUDY_FILE = "study.json"


ENV = "env:"
"""A study's floor that is another env: ``env:ID`` (its own floor, its own reward)."""
OWN_REWARD = "default"
"""The reward of a study of other envs: the env's own (no ``--reward``)."""

Setting = tuple[str, str]
"""One varied ``[env]`` setting of a job: its key and its value as a TOML literal's text."""


def floor_flags(floor: str) -> list[str]:
    """The ``rlgrid train`` flags that choose a floor from :func:`parse_floor`, or an env
    (``env:ID``)."""
    if floor.startswith(ENV):
        return ["--env", floor.removeprefix(ENV)]
    if ":" not in floor:
        return ["--grid", floor]
    if floor.startswith("map:"):
        return ["--map", floor[4:]]
    return ["--layout", floor]


_FLOOR_KEYS = {
    "--env": "env.id",
    "--grid": "env.grid",
    "--map": "env.map",
    "--layout": "env.layout",
}


def floor_keys(floor: str) -> dict[str, str]:
    """The config keys that :func:`floor_flags` set."""
    flag, value = floor_flags(floor)
    return {_FLOOR_KEYS[flag]: value}


def value_label(text: str) -> str:
    """A varied value as a part of a folder name: a path's stem (``shapes.txt``: ``shapes``),
    else its letters, digits and dots with every other run of characters a dash
    (``random:20``: ``random-20``)."""
    if "/" in text:
        text = Path(text.strip("\"'")).stem
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


class Combination(NamedTuple):
    """One combination of a study: what its seeds share."""

    algo: str
    grid: str
    reward: str
    settings: tuple[Setting, ...] = ()


@dataclass(frozen=True)
class StudySpec:
    algos: list[str]
    grids: list[str]
    rewards: list[str]
    seeds: int
    timesteps: int | None = None
    until_solved: bool = False
    config: str | None = None
    """A preset every run starts from (an absolute path), its flags on top."""
    vary: dict[str, list[str]] = field(default_factory=dict)
    """``[env]`` keys to vary, each with its values (TOML literals' text), in the order given; a
    study file without it varies none."""

    def default_name(self) -> str:
        grids = "-".join(floor_label(grid) for grid in self.grids)
        parts = ["compare", "-".join(self.algos), grids, "-".join(self.rewards)]
        parts += [
            "-".join([key, *(value_label(value) for value in values)])
            for key, values in self.vary.items()
        ]
        parts.append(f"{self.seeds}seeds")
        if self.config:
            parts.append(Path(self.config).stem)
        if self.timesteps:
            parts.append(str(self.timesteps))
        if self.until_solved:
            parts.append("until-solved")
        return "_".join(parts).replace("+", "-")

    def settings(self) -> list[tuple[Setting, ...]]:
        """Every combination of the varied values (one empty one when nothing varies)."""
        axes = [[(key, value) for value in values] for key, values in self.vary.items()]
        return list(itertools.product(*axes))

    def combinations(self) -> list[Combination]:
        return [
            Combination(a, g, r, s)
            for a in self.algos
            for g in self.grids
            for r in self.rewards
            for s in self.settings()
        ]

    def jobs(self) -> list[Job]:
        return [
            Job(c.algo, c.grid, c.reward, seed, c.settings)
            for c in self.combinations()
            for seed in range(self.seeds)
        ]


@dataclass(frozen=True)
class Job:
    algo: str
    grid: str
    reward: str
    seed: int
    settings: tuple[Setting, ...] = ()

    @property
    def combination(self) -> Combination:
        return Combination(self.algo, self.grid, self.reward, self.settings)

    @property
    def name(self) -> str:
        parts = [self.algo, floor_label(self.grid), self.reward.replace("+", "-")]
        parts += [f"{key}-{value_label(value)}" for key, value in self.settings]
        return "_".join([*parts, f"seed{self.seed}"])

    def train_args(self, spec: StudySpec) -> list[str]:
        reward = ["--reward", self.reward] if self.reward != OWN_REWARD else []
        args = ["train", "--algo", self.algo, *floor_flags(self.grid), *reward,
                "--seed", str(self.seed), "--threads", "1"]  # fmt: skip
        for key, value in self.settings:
            args += ["--env-kwargs", f"{key}={value}"]
        if spec.config:
            args += ["--config", spec.config]
        if spec.timesteps:
            args += ["--timesteps", str(spec.timesteps)]
        if spec.until_solved:
            args.append("--until-solved")
        return args

    def config_keys(self, spec: StudySpec) -> dict[str, Any]:
        """The config keys :meth:`train_args` set (for ``rlgrid.config.build_config``, with
        the spec's preset), to check the job's settings before it runs."""
        kwargs = {
            key: literal(value, f"{setting('vary')} {key}={value}") for key, value in self.settings
        }
        return {
            "algo": self.algo,
            **floor_keys(self.grid),
            "env.reward": self.reward if self.reward != OWN_REWARD else None,
            "env.kwargs": kwargs or None,
            "seed": self.seed,
            "threads": 1,
            "timesteps": spec.timesteps,
            "until_solved": spec.until_solved or None,
        }


@dataclass
class Study:
    folder: Path
    spec: StudySpec
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def runs_dir(self) -> Path:
        return self.folder / "runs"

    def save(self) -> None:
        data = {"spec": asdict(self.spec), "failures": self.failures}
        runs.write_json(self.folder / STUDY_FILE, data)

    @classmethod
    def open(cls, folder: Path) -> Study:
        """The study in ``folder``; a study file from before varied settings varies none."""
        data = runs.read_json(folder / STUDY_FILE)
        try:
            return cls(folder, StudySpec(**data["spec"]), dict(data.get("failures", {})))
        except (KeyError, TypeError) as error:
            raise RlgridError(f"{folder / STUDY_FILE} is not a study file: {error}") from None

    @classmethod
    def create_or_open(cls, parent: Path, name: str, spec: StudySpec) -> Study:
        runs.check_name(name)
        folder = parent / name
        if (folder / STUDY_FILE).exists():
            study = cls.open(folder)
            # the varied keys' order too: it orders the parts of the runs' names
            if study.spec != spec or list(study.spec.vary) != list(spec.vary):
                raise InvalidValueError(
                    f"study {folder} was started with other settings; use another {setting('name')}"
                )
            return study
        (folder / "runs").mkdir(parents=True, exist_ok=True)
        study = cls(folder, spec)
        study.save()
        return study

    def status(self, job: Job) -> str | None:
        manifest = self.runs_dir / job.name / runs.MANIFEST
        if not manifest.exists():
            return None
        return runs.read_json(manifest).get("status")

    def pending_jobs(self) -> list[Job]:
        """The jobs still to run: every one whose run is not completed."""
        return [job for job in self.spec.jobs() if self.status(job) != "completed"]
