"""``rlgrid doctor``: why is my agent not learning, and what will fix it. Takes a run folder, a
preset, or train's own flags, and prints the findings as a table with the fix to try."""

from __future__ import annotations

import inspect
import json
import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

from rlgrid.cli import train as train_command
from rlgrid.cli.options import RUN_HELP
from rlgrid.findings import Diagnosis, Finding

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "dim"}
OWN_FLAGS = {
    "env.max_steps": "--max-steps", "env.reward": "--reward", "env.obs": "--obs",
    "env.grid": "--grid", "env.window": "--window", "env.targets": "--targets",
    "episodes": "--episodes", "timesteps": "--timesteps", "seed": "--seed",
    "until_solved": "--until-solved", "algo": "--algo",
}  # fmt: skip
"""Settings that ``rlgrid train`` has a flag for; an ``hp.KEY`` is ``--hp KEY=VALUE``, another
``env.KEY`` is ``--env-kwargs KEY=VALUE``, anything else is said as a config line."""
NOT_TRAIN = ("name", "resume", "threads", "trust_env_module")


def doctor(run: Path | None, json_output: bool, runs_dir: Path, **flags: Any) -> None:
    """Diagnose a config before training, or a run after (or during) it: measured on random
    episodes and the run's own records, each finding with the numbers that show it and the
    change to try. Exit 0 when nothing is wrong, 1 when something is.

    Examples: rlgrid doctor --config configs/broken/proximity_bonus_10x10.toml

    rlgrid doctor --grid 10x10 --algo a2c --reward exploration

    rlgrid doctor latest
    """
    from rlgrid.doctor.diagnose import diagnose_run, diagnose_settings

    given = {key: value for key, value in flags.items() if _given(key, value)}
    if run is not None:
        if run.suffix == ".toml" and run.is_file():
            raise typer.BadParameter(
                f"{run} is a config file: diagnose it with --config {run}", param_hint="RUN"
            )
        if given:
            raise typer.BadParameter(
                f"a run is diagnosed with its own settings; drop {', '.join(_flag_names(given))}",
                param_hint="RUN",
            )
        from rlgrid.cli.options import chosen_run

        diagnosis, run_folder = diagnose_run(chosen_run(run, runs_dir))
        base = ["rlgrid", "train", "--config", str(run_folder / "config.toml")]
    else:
        preset, settings, hyper = train_command.train_settings(**flags)
        _, diagnosis = diagnose_settings(preset, settings, hyper, _subject(preset, given))
        base = ["rlgrid", "train", *_given_words(given)]
    command = fix_command(base, diagnosis.findings)
    if json_output:
        typer.echo(json.dumps({**diagnosis.to_dict(), "try": command}, indent=1))
    else:
        _print(diagnosis, command)
    if not diagnosis.healthy:
        raise typer.Exit(1)


def fix_command(base: list[str], findings: list[Finding]) -> str | None:
    """``base`` (a train command) with every error's and warning's fix as flags; None when
    there is nothing to change on the command line."""
    from rlgrid.doctor.diagnose import apply_fixes

    given, hp = apply_fixes({}, {}, findings)
    changes = {**given, **{f"hp.{key}": value for key, value in hp.items()}}
    words = [word for key, value in changes.items() for word in change_words(key, value)]
    if not words:
        return None
    return shlex.join(_replaced(base, words))


def change_words(key: str, value: Any) -> list[str]:
    """One change as train's flags (empty where no flag sets it): ``--flag VALUE``, or a
    switch alone (``--until-solved``) for a true on/off setting."""
    text = _value_text(value)
    if key.startswith("hp."):
        return ["--hp", f"{key.removeprefix('hp.')}={text}"]
    if key == "env.random_start":
        return ["--random-start" if value else "--fixed-start"]
    if key in OWN_FLAGS:
        if isinstance(value, bool):
            return [OWN_FLAGS[key]] if value else []
        return [OWN_FLAGS[key], text]
    if key.startswith("env."):
        return ["--env-kwargs", f"{key.removeprefix('env.')}={text}"]
    return []


def change_text(key: str, value: Any) -> str:
    """One change as the user would type it: flags, or the config line where no flag sets it."""
    words = change_words(key, value)
    if words:
        return shlex.join(words)
    section, _, name = key.rpartition(".")
    return f"[{section}] {name} = {json.dumps(value)}" if section else f"{key} = {value!r}"


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _replaced(base: list[str], words: list[str]) -> list[str]:
    """``base`` + ``words``, where a flag in ``words`` that takes one value and is already in
    ``base`` replaces it there (and an ``--hp KEY=`` the same key); a switch already there is
    not repeated."""
    result = list(base)
    index = 0
    while index < len(words):
        flag = words[index]
        value = (
            words[index + 1]
            if index + 1 < len(words) and not words[index + 1].startswith("--")
            else None
        )
        index += 1 if value is None else 2
        if value is None:
            if flag not in result:
                result.append(flag)
            continue
        same = [
            i
            for i in range(len(result) - 1)
            if result[i] == flag
            and (flag not in ("--hp", "--env-kwargs") or _key(result[i + 1]) == _key(value))
        ]
        other = {"--episodes": "--timesteps", "--timesteps": "--episodes"}.get(flag)
        same += [i for i in range(len(result) - 1) if result[i] == other]
        for i in sorted(same, reverse=True):
            del result[i : i + 2]
        result += [flag, value]
    return result


def _key(item: str) -> str:
    return item.partition("=")[0]


def _subject(preset: Path | None, given: dict[str, Any]) -> str:
    return (
        str(preset)
        if preset is not None
        else "the config of: rlgrid train " + " ".join(_given_words(given))
    )


def _given(name: str, value: Any) -> bool:
    """Whether train's flag ``name`` was given (a switch that is off by default is not, unless
    it has an off form: ``--fixed-start``)."""
    return value not in (None, []) and (value is not False or name == "random_start")


def _flag_names(given: dict[str, Any]) -> list[str]:
    return [
        "--fixed-start"
        if name == "random_start" and value is False
        else "--" + name.replace("_", "-").replace("map-file", "map")
        for name, value in given.items()
    ]


def _given_words(given: dict[str, Any]) -> list[str]:
    """train's flags as the user gave them (from their values)."""
    words: list[str] = []
    for name, value in given.items():
        flag = _flag_names({name: value})[0]
        if isinstance(value, bool):  # a switch: its name says on or off
            words.append(flag)
        elif isinstance(value, list):
            for item in value:
                words += [flag, str(item)]
        else:
            words += [flag, str(getattr(value, "value", value))]
    return words


def _print(diagnosis: Diagnosis, command: str | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    from rlgrid.cli.output import console

    out = console()
    out.print(f"doctor: {diagnosis.subject}", soft_wrap=True, highlight=False)
    findings = diagnosis.sorted()
    if findings:
        table = Table(show_lines=True, expand=True)
        table.add_column("severity", no_wrap=True)
        for name, ratio in (("what", 4), ("evidence", 4), ("fix", 3)):
            table.add_column(name, ratio=ratio, overflow="fold")
        for index, finding in enumerate(findings):
            fix = finding.fix
            changes = "\n".join(
                escape(change_text(k, v)) for k, v in (fix.changes if fix else {}).items()
            )
            words = escape(fix.words) if fix else ""
            last_cause = (
                not finding.symptom and index + 1 < len(findings) and (findings[index + 1].symptom)
            )
            table.add_row(
                f"[{SEVERITY_STYLE[finding.severity]}]{finding.severity}[/]"
                + ("\n[dim]symptom[/]" if finding.symptom else ""),
                f"[bold]{finding.check}[/]: {escape(finding.what)}",
                escape(finding.evidence),
                "\n".join(part for part in (changes, f"[dim]{words}[/]" if words else "") if part),
                end_section=last_cause,
            )
        out.print(table)
    shown = (
        ("replay_model", "replayed"),
        ("replay_picture", "where it fails"),
        ("replay_watch", "watch one fail"),
    )
    for key, words in shown:
        if key in diagnosis.measured:
            out.print(f"{words}: {diagnosis.measured[key]}", soft_wrap=True, highlight=False)
    if diagnosis.healthy:
        solved = diagnosis.measured.get("solved")
        out.print(
            "verdict: the run solved its task; nothing wrong found."
            if solved
            else "verdict: nothing wrong found; train it."
        )
        return
    wrong = [finding for finding in findings if finding.severity != "note"]
    counts = " and ".join(
        _count(sum(finding.severity == severity for finding in wrong), severity)
        for severity in ("error", "warning")
        if any(finding.severity == severity for finding in wrong)
    )
    symptoms = sum(finding.symptom for finding in wrong)
    if symptoms:
        counts += f" ({symptoms} of them symptoms in what the run did)"
    meaning = (
        "rlgrid train refuses it as it is"
        if any(f.check in ("config", "algorithm") for f in wrong)
        else "it will not learn well as it is"
        if any(f.severity == "error" and not f.symptom for f in wrong)
        else "something keeps it from learning well"
    )
    out.print(f"verdict: {counts}: {meaning}.")
    if command is not None:
        causes = any(not f.symptom and f.fix and f.fix.changes for f in wrong)
        out.print(f"try (the fixes of {'the causes' if causes else 'every finding'} above):")
        out.print(f"  {command}", soft_wrap=True, highlight=False, markup=False)


def _count(number: int, word: str) -> str:
    return "" if number == 0 else f"{number} {word}{'s' if number > 1 else ''}"


def _signature() -> inspect.Signature:
    """doctor's parameters: RUN, --json, then train's settings flags (not its run-folder ones)."""
    own = inspect.signature(_doctor_params, eval_str=True).parameters.values()
    trains = [
        parameter
        for name, parameter in inspect.signature(
            train_command.train, eval_str=True
        ).parameters.items()
        if name not in NOT_TRAIN
    ]
    return inspect.Signature([*own, *trains])


def _doctor_params(
    run: Annotated[
        Path | None,
        typer.Argument(
            metavar="RUN",
            help="A run folder: diagnose its config and what its training did. " + RUN_HELP,
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the findings as JSON.", show_default=False)
    ] = False,
) -> None:
    """Only its signature is used: doctor's own parameters."""


doctor.__signature__ = _signature()  # type: ignore[attr-defined]
doctor.__annotations__ = {
    name: parameter.annotation for name, parameter in doctor.__signature__.parameters.items()
}
