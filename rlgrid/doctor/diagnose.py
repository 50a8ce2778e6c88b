"""``rlgrid doctor``'s diagnoses: of a config before training (refused or not), and of a run
folder after or during training. Each returns a :class:`~rlgrid.findings.Diagnosis`; the CLI
prints it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from rlgrid.algos.registry import ALGOS
from rlgrid.config import TrainConfig, build_config, default_budget, read_preset
from rlgrid.doctor.config_checks import check_config
from rlgrid.doctor.numbers import check_numbers
from rlgrid.doctor.probe import Probe, probe
from rlgrid.errors import IncompatibleError, InvalidValueError
from rlgrid.families import DoctorSetup
from rlgrid.findings import ERROR, NOTE, Diagnosis, Finding, Fix

PICTURE = "doctor_failures.png"
"""Where ``rlgrid doctor RUN`` draws where the agent fails, in the run folder."""


def diagnose_config(config: TrainConfig, subject: str, seed: int = 0) -> Diagnosis:
    """Everything the doctor can tell about ``config`` before training: its family's findings
    from the settings, the generic ones measured on random episodes, and its numbers."""
    family = config.family
    setup = DoctorSetup(tabular=config.algorithm.tabular(), reward=config.reward_setup())
    misfit = _misfit(config)
    if misfit is not None:
        return Diagnosis(subject, [misfit])
    findings = list(family.diagnose(config.env, setup))
    random = probe(config, seed)
    generic, measured = check_config(config, random)
    findings += _masks_ignored(config, random, seed)
    findings += _not_named_twice(findings, generic)
    findings += check_numbers(config)
    return Diagnosis(subject, findings, measured)


def diagnose_run(path: Path) -> tuple[Diagnosis, Path]:
    """A run folder after or during training: its config as before training,
    then what its records show (trends of success, lengths, returns and training statistics)
    and what its agent does when replayed (loops, where it fails: a picture beside its files).
    Returns the diagnosis and the run folder."""
    from rlgrid.doctor.replay import replay_agent, replay_findings
    from rlgrid.doctor.run_files import read_run
    from rlgrid.doctor.run_status import settled, status_findings
    from rlgrid.doctor.trends import trend_findings
    from rlgrid.runs.folder import find_run, read_manifest
    from rlgrid.training.states import load_run_config

    run, _ = find_run(path)
    config = load_run_config(run)
    diagnosis = diagnose_config(config, str(run))
    diagnosis.findings += status_findings(run, read_manifest(run))
    trends, measured = trend_findings(run, config)
    diagnosis.findings += [replace(finding, symptom=True) for finding in trends]
    diagnosis.measured.update(measured)
    agent, model = replay_agent(run, config)
    replayed, measured, _ = replay_findings(run, config, agent, run / PICTURE, model=model)
    diagnosis.findings += [replace(finding, symptom=True) for finding in replayed]
    diagnosis.measured.update(measured)
    return settled(diagnosis, read_run(run).solved), run


def diagnose_settings(
    preset: Path | None, given: dict[str, Any], hp: dict[str, Any], subject: str
) -> tuple[TrainConfig | None, Diagnosis]:
    """Build the config as ``rlgrid train`` would and diagnose it. A config that train would
    refuse is a finding too (with the setting that makes it pass, where one hyperparameter
    does): the config is then None."""
    if preset is not None:
        read_preset(preset)  # a missing or malformed file is a usage error, not a finding
    try:
        config = build_config(preset, given, hp)
    except InvalidValueError as error:
        return None, Diagnosis(subject, [_refused(error, preset, given, hp)])
    return config, diagnose_config(config, subject)


def apply_fixes(
    given: dict[str, Any], hp: dict[str, Any], findings: list[Finding]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``given`` and ``hp`` with the changes of every error's and warning's fix applied (the
    worst finding's where two change the same setting): the causes' fixes where they change any
    setting, else the symptoms' (a run whose settings look right)."""
    given, hp = dict(given), dict(hp)
    done: set[str] = set()
    budgets = ("episodes", "timesteps")
    wrong = [
        finding
        for finding in Diagnosis("", findings).sorted()
        if finding.severity != NOTE and finding.fix is not None and finding.fix.changes
    ]
    causes = [finding for finding in wrong if not finding.symptom]
    for finding in causes or wrong:
        for key, value in finding.fix.changes.items():
            if key in done:
                continue
            done.add(key)
            if key.startswith("hp."):
                hp[key.removeprefix("hp.")] = value
            else:
                if key in budgets:  # one budget: the other unit's goes
                    given.pop(budgets[1 - budgets.index(key)], None)
                given[key] = value
    return given, hp


def _misfit(config: TrainConfig) -> Finding | None:
    """The algorithm cannot work on the env at all (train refuses it): the first algorithm that
    can, as the fix."""
    from rlgrid.algos.registry import misfit
    from rlgrid.training.states import training_envs

    try:
        training_envs(config)
    except IncompatibleError as error:
        envs = config.family.training_envs(config.env, config.reward_setup())
        masked = envs.masked()
        fits = [
            name
            for name, other in ALGOS.items()
            if misfit(other, *envs.spaces(), config.env.id, masked) is None
        ]
        changes = {"algo": fits[0], **_budget_of(fits[0], config)} if fits else {}
        return Finding(ERROR, "algorithm", "the algorithm cannot work on this env", str(error),
                       Fix(changes))  # fmt: skip
    return None


def _budget_of(algo: str, config: TrainConfig) -> dict[str, int]:
    """A budget ``algo`` counts, where the config's is in a unit it does not count."""
    algorithm = ALGOS[algo]
    if config.budget.unit in algorithm.budget_units:
        return {}
    unit = algorithm.budget_units[0]
    return {unit: default_budget(algorithm, config.family, unit) or algorithm.default_budget}


def _masks_ignored(config: TrainConfig, masked: Probe, seed: int) -> list[Finding]:
    """An env with action masks trained by an algorithm that ignores them: it picks among all
    actions, and the env ends an episode at a refused one (the tangram)."""
    if masked.allowed is None or config.algorithm.uses_masks or masked.success_rate is None:
        return []
    unmasked = probe(config, seed, masked=False)
    rate, allowed = unmasked.success_rate or 0.0, masked.success_rate
    if rate >= allowed / 2:
        return []
    actions = config.family.make(config.env).action_space.n
    users = [name for name, other in ALGOS.items() if other.uses_masks and not other.tabular()]
    return [
        Finding(
            ERROR,
            "action masks",
            f"{config.algo} ignores the env's action masks: it picks among all {actions} actions "
            "where only a few are allowed, and learns little but which ones the env refuses",
            f"random episodes reach the goal {rate:.1%} of the time picking any action, "
            f"{allowed:.1%} among the allowed ones ({masked.allowed:.1f} allowed per step on "
            "average)",
            Fix({"algo": users[0]}, f"{users[0]} acts only among the allowed actions"),
        )
    ]


def _not_named_twice(family: list[Finding], generic: list[Finding]) -> list[Finding]:
    """The generic findings whose check the family's findings do not already name (the
    warehouse says more about its own time limit than random episodes can)."""
    named = {finding.check for finding in family}
    return [finding for finding in generic if finding.check not in named]


def _refused(
    error: InvalidValueError, preset: Path | None, given: dict[str, Any], hp: dict[str, Any]
) -> Finding:
    """The finding for a config train refuses: the hyperparameter whose default makes it pass,
    where there is one."""
    algo = given.get("algo") or (read_preset(preset).get("algo") if preset else None)
    fix = None
    if isinstance(algo, str) and algo in ALGOS:
        table = read_preset(preset).get(algo, {}) if preset else {}
        for key in [*hp, *(table if isinstance(table, dict) else {})]:
            default = _default(algo, key)
            if default is None:
                continue
            try:
                build_config(preset, given, {**hp, key: default})
            except InvalidValueError:
                continue
            fix = Fix({f"hp.{key}": default}, "the algorithm's default")
            break
    return Finding(ERROR, "config", "rlgrid train refuses this config", str(error), fix)


def _default(algo: str, key: str) -> Any:
    """The default of hyperparameter ``key`` of ``algo``: rlgrid's field default, else the SB3
    constructor's; None where there is none."""
    params = ALGOS[algo].params
    field = params.model_fields.get(key)
    if field is not None:
        return field.default
    defaults = getattr(params(), "constructor_defaults", None)
    return None if defaults is None else defaults().get(key)
