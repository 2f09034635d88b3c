"""Judge-human agreement: Cohen's kappa on hand-computed tables, the bootstrap interval, the labels file
and the ``webbench judge-agreement`` command on a real run folder."""

from __future__ import annotations

import json

import pytest

from tests.conftest import webbench
from tests.report_runs import make_run
from webbench.core.errors import UsageError
from webbench.report.agreement import agreement, cohen_kappa, confusion, kappa_interval, read_labels


@pytest.mark.parametrize(
    ("table", "kappa"),
    [
        # p_o = 35/50 = 0.7; p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5
        ((20, 5, 10, 15), 0.4),
        # p_o = 0.6; p_e = 0.6*0.7 + 0.4*0.3 = 0.54; kappa = 0.06/0.46
        ((45, 15, 25, 15), 0.06 / 0.46),
        # every item disagrees, each rater says yes half the time: p_o = 0, p_e = 0.5
        ((0, 5, 5, 0), -1.0),
        # full agreement with both verdicts present
        ((7, 0, 0, 3), 1.0),
        # the judge always says yes, people half the time: p_o = 0.5 = p_e
        ((5, 5, 0, 0), 0.0),
    ],
)
def test_kappa_of_hand_computed_tables(table, kappa):
    assert cohen_kappa(*table) == pytest.approx(kappa)


def test_kappa_is_undefined_without_items_or_when_both_raters_never_vary():
    assert cohen_kappa(0, 0, 0, 0) is None
    assert cohen_kappa(9, 0, 0, 0) is None and cohen_kappa(0, 0, 0, 4) is None


def test_confusion_counts_judge_against_people():
    pairs = [(True, True), (True, False), (False, True), (False, True), (False, False)]
    assert confusion(pairs) == (1, 1, 2, 1)


def test_agreement_and_a_deterministic_bootstrap_interval_around_kappa():
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    result = agreement(pairs)
    assert (result.n, result.both, result.judge_only, result.human_only, result.neither) == (
        50,
        20,
        5,
        10,
        15,
    )
    assert result.raw == pytest.approx(0.7) and result.kappa == pytest.approx(0.4)
    low, high = result.interval
    assert -1 <= low < 0.4 < high <= 1
    assert kappa_interval(pairs) == result.interval  # seeded: the same pairs, the same interval


def test_labels_from_csv_and_jsonl_and_bad_lines_named(tmp_path):
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text("task_id,episode,human_success\nA--0,0,1\nA--1,0,no\nA--2,1,TRUE\n")
    assert read_labels(csv_file) == {("A--0", 0): True, ("A--1", 0): False, ("A--2", 1): True}
    jsonl = tmp_path / "labels.jsonl"
    jsonl.write_text(
        '{"task_id": "A--0", "episode": 0, "human_success": false}\n\n{"task_id": "B", "human_success": 1}\n'
    )
    assert read_labels(jsonl) == {("A--0", 0): False, ("B", 0): True}
    bad = tmp_path / "bad.csv"
    bad.write_text("task_id,episode,human_success\nA--0,0,maybe\n")
    with pytest.raises(UsageError, match=r"bad.csv: line 2: human_success must be"):
        read_labels(bad)


def test_the_command_reproduces_the_hand_computed_kappa_on_a_run(tmp_path):
    # judge verdicts: t0..t24 succeed; people agree on 20 of them and on 15 of the 25 failures
    run = make_run(tmp_path, "r", "a", {f"t{i:02d}": [i < 25] for i in range(50)}, suite="webvoyager")
    rows = ["task_id,episode,human_success"]
    rows += [f"t{i:02d},0,{1 if i < 20 else 0}" for i in range(25)]
    rows += [f"t{i:02d},0,{1 if i < 35 else 0}" for i in range(25, 50)]
    rows.append("elsewhere,0,1")
    labels = tmp_path / "labels.csv"
    labels.write_text("\n".join(rows) + "\n")
    result = webbench("judge-agreement", str(run), "--labels", str(labels), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["kappa"] == pytest.approx(0.4) and figures["raw"] == pytest.approx(0.7)
    assert (figures["both"], figures["judge_only"], figures["human_only"], figures["neither"]) == (
        20,
        5,
        10,
        15,
    )
    assert figures["labels_without_episode"] == 1
    text = webbench("judge-agreement", str(run), "--labels", str(labels))
    assert "Cohen's kappa: 0.400" in text.stdout and "raw agreement: 0.700" in text.stdout
    none = tmp_path / "none.csv"
    none.write_text("task_id,episode,human_success\nzzz,0,1\n")
    refused = webbench("judge-agreement", str(run), "--labels", str(none))
    assert refused.returncode == 2 and "no label names an episode" in refused.stderr


def test_the_html_report_notes_the_agreement_when_labels_are_given(tmp_path):
    run = make_run(tmp_path, "r", "a", {f"t{i:02d}": [i < 25] for i in range(50)}, suite="webvoyager")
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "\n".join(
            json.dumps({"task_id": f"t{i:02d}", "episode": 0, "human_success": i < 20 or 25 <= i < 35})
            for i in range(50)
        )
    )
    out = tmp_path / "report.html"
    result = webbench("report", str(run), "-o", str(out), "--labels", str(labels), "--no-published")
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert "Cohen&#39;s kappa 0.400" in html and "raw agreement 0.700 over 50 labelled episodes" in html
    plain = webbench("report", str(run), "-o", str(tmp_path / "plain.html"), "--no-published")
    assert plain.returncode == 0 and "kappa" not in (tmp_path / "plain.html").read_text()
