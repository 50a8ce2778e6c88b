"""What a study runs (:class:`StudySpec`, one :class:`Job` per combination and seed) and the study
folder that holds it (:class:`Study`): ``study.json`` with the spec and the failures, ``runs/``
with one ordinary run folder per job."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from rlgrid import runs
from rlgrid.envs.maps import floor_label
from rlgrid.errors import InvalidValueError, RlgridError, setting

STUDY_FILE = "study.json"


ENV = "env:"
"""A study's floor that is another env: ``env:ID`` (its own floor, its own reward)."""
OWN_REWARD = "default"
"""The reward of a study of other envs: the env's own (no ``--reward``)."""


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

    def default_name(self) -> str:
        grids = "-".join(floor_label(grid) for grid in self.grids)
        parts = ["compare", "-".join(self.algos), grids, "-".join(self.rewards),
                 f"{self.seeds}seeds"]  # fmt: skip
        if self.config:
            parts.append(Path(self.config).stem)
        if self.timesteps:
            parts.append(str(self.timesteps))
        if self.until_solved:
            parts.append("until-solved")
        return "_".join(parts).replace("+", "-")

    def combinations(self) -> list[tuple[str, str, str]]:
        return [(a, g, r) for a in self.algos for g in self.grids for r in self.rewards]

    def jobs(self) -> list[Job]:
        return [Job(a, g, r, s) for a, g, r in self.combinations() for s in range(self.seeds)]


@dataclass(frozen=True)
class Job:
    algo: str
    grid: str
    reward: str
    seed: int

    @property
    def combination(self) -> tuple[str, str, str]:
        return self.algo, self.grid, self.reward

    @property
    def name(self) -> str:
        grid = floor_label(self.grid)
        return f"{self.algo}_{grid}_{self.reward.replace('+', '-')}_seed{self.seed}"

    def train_args(self, spec: StudySpec) -> list[str]:
        reward = ["--reward", self.reward] if self.reward != OWN_REWARD else []
        args = ["train", "--algo", self.algo, *floor_flags(self.grid), *reward,
                "--seed", str(self.seed), "--threads", "1"]  # fmt: skip
        if spec.config:
            args += ["--config", spec.config]
        if spec.timesteps:
            args += ["--timesteps", str(spec.timesteps)]
        if spec.until_solved:
            args.append("--until-solved")
        return args


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
            if study.spec != spec:
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
