import ast
from pathlib import Path

import pytest

import rlgrid.studies
from rlgrid.errors import InvalidValueError
from rlgrid.studies import compare as compare_module
from rlgrid.studies.compare import StudyStatus, check_spec, compare_study, report_study
from rlgrid.studies.execute import Outcome
from rlgrid.studies.results import RESULT_FILES, columns
from rlgrid.studies.spec import StudySpec
from tests.studies.conftest import fake_run, metrics

SPEC = StudySpec(["a2c", "q-table"], ["4x4"], ["sparse"], 2)


class Recorder:
    """A listener that writes down what it hears."""

    def __init__(self):
        self.events = []

    def planned(self, kept, pending):
        self.events.append(("planned", kept, pending))

    def started(self, pending):
        self.events.append(("started", pending))

    def finished(self, outcome):
        self.events.append(("finished", outcome.job.name, outcome.state))

    def stopped(self):
        self.events.append(("stopped",))


class Workers:
    """Fake local workers: each job "trains" by writing a completed run folder, solved, unless
    ``fail`` names it; the jobs run are listed in ``ran``."""

    def __init__(self):
        self.ran: list[str] = []
        self.fail: dict[str, str] = {}

    def run_local(self, study, job):
        self.ran.append(job.name)
        if job.name in self.fail:
            return Outcome(job, 1, self.fail[job.name])
        fake_run(study.runs_dir / job.name, timesteps=500, seconds=1.0,
                 evaluation=metrics(1.0, 1.0, solved=True))  # fmt: skip
        return Outcome(job, 0)


@pytest.fixture
def workers(monkeypatch):
    fake = Workers()
    monkeypatch.setattr(compare_module, "run_local", fake.run_local)
    return fake


def test_a_study_runs_every_job_and_returns_its_table(tmp_path, workers):
    recorder = Recorder()
    report = compare_study(SPEC, None, tmp_path, 2, "local", None, recorder)
    folder = tmp_path / SPEC.default_name()
    assert sorted(workers.ran) == sorted(job.name for job in SPEC.jobs())
    assert report.folder == folder
    assert report.status is StudyStatus.FINISHED
    assert report.columns == columns(SPEC)
    both = ["2/2 done", "1.000 (1.000-1.000)", "1.000 (1.000-1.000)", "-", "2/2", "500 (500-500)",
            "1.0 (1.0-1.0)"]  # fmt: skip
    assert report.rows == [["a2c", "4x4", "sparse", *both], ["q-table", "4x4", "sparse", *both]]
    assert report.failures == {}
    assert report.files == [folder / name for name in RESULT_FILES]
    assert all(path.exists() for path in report.files)
    assert recorder.events[:2] == [("planned", 0, 4), ("started", 4)]
    assert sorted(recorder.events[2:6]) == sorted(
        ("finished", job.name, "done") for job in SPEC.jobs()
    )
    assert recorder.events[6:] == [("stopped",)]


def test_rerunning_runs_only_what_is_not_completed(tmp_path, workers):
    first = SPEC.jobs()[0]
    workers.fail = {first.name: "error: it broke"}
    report = compare_study(SPEC, "s", tmp_path, 1, "local", None)
    assert report.status is StudyStatus.FAILED
    assert report.failures == {first.name: "error: it broke"}
    assert report.rows[0][3] == "1/2 done, 1 failed"
    workers.ran, workers.fail = [], {}
    recorder = Recorder()
    again = compare_study(SPEC, "s", tmp_path, 1, "local", None, recorder)
    assert workers.ran == [first.name]
    assert recorder.events[0] == ("planned", 3, 1)
    assert again.status is StudyStatus.FINISHED and again.failures == {}


def test_failures_come_back_sorted_by_name(tmp_path, workers):
    workers.fail = {job.name: f"error {job.name}" for job in SPEC.jobs()[1:]}
    report = compare_study(SPEC, "s", tmp_path, 3, "local", None)
    assert list(report.failures) == sorted(job.name for job in SPEC.jobs()[1:])
    assert report.status is StudyStatus.FAILED


def test_an_interrupted_study_says_so_and_still_writes_its_results(tmp_path, monkeypatch):
    def execute(study, jobs, workers, submit, on_done):  # Ctrl+C after the first run ended
        on_done(submit(jobs[0]))
        return False

    monkeypatch.setattr(compare_module, "execute", execute)
    monkeypatch.setattr(compare_module, "run_local", Workers().run_local)
    recorder = Recorder()
    report = compare_study(SPEC, "s", tmp_path, 1, "local", None, recorder)
    assert report.status is StudyStatus.INTERRUPTED
    assert report.failures == {}
    assert report.rows[0][3] == "1/2 done"
    assert recorder.events[-2:] == [("finished", SPEC.jobs()[0].name, "done"), ("stopped",)]
    assert all(path.exists() for path in report.files)


def test_the_listener_hears_stopped_when_running_breaks(tmp_path, monkeypatch):
    def broken(*args):
        raise OSError("disk gone")

    monkeypatch.setattr(compare_module, "execute", broken)
    recorder = Recorder()
    with pytest.raises(OSError, match="disk gone"):
        compare_study(SPEC, "s", tmp_path, 1, "local", None, recorder)
    assert recorder.events == [("planned", 0, 4), ("started", 4), ("stopped",)]


def test_report_study_rebuilds_without_running(tmp_path, workers):
    compare_study(SPEC, "s", tmp_path, 2, "local", None)
    workers.ran = []
    for name in RESULT_FILES:
        (tmp_path / "s" / name).unlink()
    report = report_study(tmp_path / "s")
    assert workers.ran == []
    assert report.status is StudyStatus.FINISHED
    assert report.rows[1][:4] == ["q-table", "4x4", "sparse", "2/2 done"]
    assert all(path.exists() for path in report.files)


def test_report_of_a_study_with_failures(tmp_path, workers):
    workers.fail = {SPEC.jobs()[0].name: "boom"}
    compare_study(SPEC, "s", tmp_path, 2, "local", None)
    report = report_study(tmp_path / "s")
    assert report.status is StudyStatus.FAILED
    assert report.failures == {SPEC.jobs()[0].name: "boom"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (StudySpec(["a2c", "sarsa"], ["4x4"], ["sparse"], 1), "unknown algorithm 'sarsa'"),
        (StudySpec(["a2c"], ["4x4"], ["potentail"], 1), "unknown reward"),
        (StudySpec([], ["4x4"], ["sparse"], 1), "at least one algorithm, grid and reward"),
        (StudySpec(["a2c"], [], ["sparse"], 1), "at least one algorithm, grid and reward"),
    ],
)
def test_bad_settings_are_refused_before_any_folder(tmp_path, spec, message):
    with pytest.raises(InvalidValueError, match=message):
        check_spec(spec)
    with pytest.raises(InvalidValueError, match=message):
        compare_study(spec, "s", tmp_path, 1, "local", None)
    assert list(tmp_path.iterdir()) == []


def test_nothing_in_the_package_prints_or_imports_the_cli_libraries():
    for path in sorted(Path(rlgrid.studies.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                modules = []
            for module in modules:
                assert module.split(".")[0] not in ("typer", "rich", "click"), (path, module)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", (path, node.lineno)
