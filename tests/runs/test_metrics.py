"""``metrics.csv``: typed rows that survive a crash, in a format that does not change."""

import pytest

from rlgrid import runs
from rlgrid.runs import EpisodeRow

HEADER = "episode,timesteps,length,return,success,epsilon,shortest_path_length,shaped_return\n"


def rows(n, start=0):
    return [(i, 10 * (i + 1), 10, 1.0, True, None, 5, 1.0) for i in range(start, start + n)]


def test_metrics_log_appends_and_keeps_only_what_the_saved_state_counts(tmp_path):
    log = runs.MetricsLog(tmp_path, keep=0)
    log.append(rows(5))
    log.sync()
    log.close()
    assert len(runs.read_metrics(tmp_path)) == 5
    with (tmp_path / runs.METRICS).open("a") as stream:
        stream.write("5,60,10,1.0,Tr")  # half a row: the process died while writing it
    assert len(runs.read_metrics(tmp_path)) == 5
    log = runs.MetricsLog(tmp_path, keep=3)  # resuming from a state that had seen 3 episodes
    assert [row.episode for row in log.rows] == [0, 1, 2]
    assert all(type(row) is EpisodeRow for row in log.rows)
    log.append([EpisodeRow(*row) for row in rows(2, start=3)])
    log.close()
    assert [row[0] for row in runs.read_metrics(tmp_path)] == [0, 1, 2, 3, 4]


def test_metrics_log_refuses_a_file_with_fewer_episodes_than_the_state(tmp_path):
    runs.MetricsLog(tmp_path, keep=0).close()
    with pytest.raises(runs.RunError, match="holds 0 episodes in order, but the run's saved"):
        runs.MetricsLog(tmp_path, keep=4)


def test_a_metrics_field_over_the_csv_limit_is_one_line(tmp_path):
    (tmp_path / runs.METRICS).write_text(
        ",".join(runs.METRIC_COLUMNS) + "\n" + "x" * 200_000 + "\n"
    )
    with pytest.raises(runs.RunError, match="is not a metrics file rlgrid wrote: field larger"):
        runs.read_metrics(tmp_path)


def test_the_columns_are_the_episode_row_fields_with_return_spelled_out():
    assert tuple(HEADER.strip().split(",")) == runs.METRIC_COLUMNS
    assert len(EpisodeRow._fields) == len(runs.METRIC_COLUMNS)
    assert EpisodeRow._fields[3] == "ret" and runs.METRIC_COLUMNS[3] == "return"
    others = [
        (f, c) for f, c in zip(EpisodeRow._fields, runs.METRIC_COLUMNS, strict=True) if f != c
    ]
    assert others == [("ret", "return")]


def test_episode_rows_round_trip_through_metrics_csv_with_their_names(tmp_path):
    written = [
        EpisodeRow(0, 12, 12, -1.5, False, 0.9, 6, -2.25),
        EpisodeRow(
            episode=1,
            timesteps=20,
            length=8,
            ret=1.0,
            success=True,
            epsilon=None,
            shortest_path_length=8,
            shaped_return=1.5,
        ),
        EpisodeRow(2, 29, 9, 0.0, None, 0.05, 0, 0.0),
    ]
    text = runs.metrics_text(written)
    assert text == (
        HEADER + "0,12,12,-1.5,False,0.9,6,-2.25\n1,20,8,1.0,True,,8,1.5\n2,29,9,0.0,,0.05,0,0.0\n"
    )
    (tmp_path / runs.METRICS).write_text(text)
    read = runs.read_metrics(tmp_path)
    assert read == written
    assert [type(row) for row in read] == [EpisodeRow] * 3
    second = read[1]
    assert (second.episode, second.ret, second.success, second.epsilon) == (1, 1.0, True, None)
    assert type(second.length) is int and type(second.shaped_return) is float
    assert read[2].success is None and read[0].success is False


def test_plain_tuples_are_written_as_episode_rows_are(tmp_path):
    plain = rows(3)
    assert runs.metrics_text(plain) == runs.metrics_text([EpisodeRow(*row) for row in plain])
    assert runs.metrics_text(plain, header=False) == "".join(
        f"{i},{10 * (i + 1)},10,1.0,True,,5,1.0\n" for i in range(3)
    )
    log = runs.MetricsLog(tmp_path, keep=0)
    log.append(plain)
    log.close()
    assert runs.read_metrics(tmp_path) == [EpisodeRow(*row) for row in plain]
