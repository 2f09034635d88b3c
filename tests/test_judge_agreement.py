"""Judge-versus-people agreement: kappa on hand-computed tables, the labels file, the command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from report_runs import make_run

from webbench.cli import main
from webbench.core.record import EpisodeRecord
from webbench.report.agreement import (
    LabelsError,
    agreement,
    cohen_kappa,
    confusion,
    kappa_interval,
    read_labels,
)


def test_kappa_of_hand_computed_tables():
    # p_o = 35/50 = 0.7; judge yes 25/50, human yes 30/50; p_e = .5*.6 + .5*.4 = 0.5; kappa = 0.4
    assert cohen_kappa(20, 5, 10, 15) == pytest.approx(0.4)
    # p_o = 1; p_e = .6*.6 + .4*.4 = 0.52; kappa = 1
    assert cohen_kappa(3, 0, 0, 2) == pytest.approx(1.0)
    # always disagreeing, balanced: p_o = 0; p_e = 0.5; kappa = -1
    assert cohen_kappa(0, 4, 4, 0) == pytest.approx(-1.0)
    # p_o = 6/10; judge yes 0.6, human yes 0.6; p_e = .36 + .16 = 0.52; kappa = 0.08 / 0.48
    assert cohen_kappa(4, 2, 2, 2) == pytest.approx((0.6 - 0.52) / 0.48)


def test_kappa_is_undefined_when_chance_agreement_is_one_or_no_pairs():
    assert math.isnan(cohen_kappa(5, 0, 0, 0))
    assert math.isnan(cohen_kappa(0, 0, 0, 0))


def test_kappa_matches_statsmodels_on_random_tables():
    from statsmodels.stats.inter_rater import cohens_kappa

    rng = np.random.default_rng(3)
    for _ in range(50):
        a, b, c, d = (int(x) for x in rng.integers(1, 30, size=4))
        # statsmodels' table: rows rater 1 (judge), columns rater 2 (human), category order yes, no
        expected = cohens_kappa(np.array([[a, b], [c, d]])).kappa
        assert cohen_kappa(a, b, c, d) == pytest.approx(expected)


def test_confusion_counts_pairs_and_the_interval_brackets_kappa():
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    table = confusion(pairs)
    assert (table.both, table.judge_only, table.human_only, table.neither) == (20, 5, 10, 15)
    assert table.observed == pytest.approx(0.7)
    low, high = kappa_interval(pairs, resamples=500, seed=1)
    assert low < 0.4 < high
    assert kappa_interval(pairs, resamples=500, seed=1) == (low, high)  # seeded: repeatable


def _record(task: str, episode: int, success: bool, status: str = "ok") -> EpisodeRecord:
    return EpisodeRecord(suite="webvoyager", task_id=task, episode=episode, success=success, status=status)


def test_agreement_leaves_out_unscored_and_unlabelled_episodes():
    records = [
        _record("a", 0, True),
        _record("b", 0, False),
        _record("c", 0, True),
        _record("d", 0, False, status="env_error"),  # blocked: never judged
        _record("e", 0, True),  # no label
    ]
    labels = {("a", 0): True, ("b", 0): True, ("c", 0): True, ("d", 0): False, ("z", 0): True}
    result = agreement(records, labels, resamples=200)
    assert result.table.n == 3
    assert (result.table.both, result.table.human_only) == (2, 1)
    assert (result.not_scored, result.unlabelled, result.unmatched_labels) == (1, 1, 1)
    assert [d[1] for d in result.disagreements] == ["b"]
    data = result.to_dict()
    assert data["kappa"] is None or isinstance(data["kappa"], float)
    json.dumps(data)


def test_labels_read_from_csv_and_jsonl(tmp_path):
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text("task_id,episode,human_success\nAllrecipes--0,0,1\nAllrecipes--1,0,false\n")
    assert read_labels(csv_file) == {("Allrecipes--0", 0): True, ("Allrecipes--1", 0): False}
    jsonl = tmp_path / "labels.jsonl"
    jsonl.write_text('{"task_id": "x", "episode": 1, "human_success": true}\n\n')
    assert read_labels(jsonl) == {("x", 1): True}


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("l.csv", "task_id,human_success\nx,1\n", "header lacks episode"),
        ("l.csv", "task_id,episode,human_success\nx,0,maybe\n", "line 2: human_success must be"),
        ("l.csv", "task_id,episode,human_success\nx,zero,1\n", "line 2: episode must be an integer"),
        ("l.jsonl", '{"task_id": "x", "episode": 0}\n', "line 1: missing human_success"),
        ("l.jsonl", "not json\n", "line 1: not JSON"),
        (
            "l.jsonl",
            '{"task_id": "x", "episode": 0, "human_success": 1}\n'
            '{"task_id": "x", "episode": 0, "human_success": 0}\n',
            "labelled twice",
        ),
        ("l.jsonl", "\n", "no labels"),
    ],
)
def test_bad_labels_files_are_one_line_errors(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LabelsError, match=message):
        read_labels(path)


def test_command_prints_kappa_and_json(tmp_path, capsys):
    run = make_run(
        tmp_path, "r1", "scripted", {"t1": [True, False], "t2": [True], "t3": [False]}, suite="webvoyager"
    )
    labels = tmp_path / "labels.csv"
    labels.write_text("task_id,episode,human_success\nt1,0,1\nt1,1,1\nt2,0,1\nt3,0,0\n")
    assert main(["judge-agreement", str(run), "--labels", str(labels), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # judge: T F T F, people: T T T F -> both 2, human_only 1, neither 1; p_o 0.75, p_e .5*.75+.5*.25
    assert data["confusion"]["judge_success_human_success"] == 2
    assert data["raw_agreement"] == pytest.approx(0.75)
    assert data["kappa"] == pytest.approx((0.75 - 0.5) / 0.5)
    assert main(["judge-agreement", str(run), "--labels", str(labels)]) == 0
    assert "Cohen's kappa 0.500" in capsys.readouterr().out
    assert main(["judge-agreement", str(run), "--labels", str(tmp_path / "none.csv")]) == 2
    assert "no such labels file" in capsys.readouterr().err
