"""Mind2Web: official metrics on hand-computed cases, both data shapes, ranks, bad input, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webbench.cli import main
from webbench.core.action import parse_action
from webbench.core.env import EnvConfig
from webbench.metrics import mind2web as m
from webbench.suites.mind2web import SUITE, split_files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mind2web"
TASKS = FIXTURES / "tasks"
ROWS = FIXTURES / "multimodal" / "train.json"
RANKS = FIXTURES / "ranks.json"


# -- pure metrics ------------------------------------------------------------------------------


def test_token_f1_by_hand():
    assert m.token_f1("TYPE New York", "TYPE New York") == 1.0
    assert m.token_f1("TYPE new york", "TYPE New York") == pytest.approx(1 / 3)  # case-sensitive
    assert m.token_f1("TYPE Brooklyn, NY", "TYPE Brooklyn NY") == pytest.approx(2 / 3)  # punctuation kept
    assert m.token_f1("TYPE a a", "TYPE a") == 1.0  # token sets
    assert m.token_f1("CLICK ", "CLICK") == 1.0
    assert m.token_f1("", "  ") == 1.0
    assert m.token_f1("", "CLICK") == 0.0
    assert m.token_f1("SELECT x", "TYPE y") == 0.0


def test_gold_op_string_follows_the_official_answer_text():
    assert m.gold_op_string("CLICK", "ignored") == "CLICK "
    assert m.gold_op_string("TYPE", "line one\nline two") == "TYPE line one"
    assert m.gold_op_string("SELECT", " One Way ") == "SELECT One Way"


def test_predictions_from_actions_and_mindact_answers():
    assert m.action_prediction(parse_action('hover("5")')) == ("5", "CLICK ")
    assert m.action_prediction(parse_action('type("5", "Brooklyn", enter=True)')) == ("5", "TYPE Brooklyn")
    assert m.action_prediction(parse_action('select("5", "One Way")')) == ("5", "SELECT One Way")
    assert m.action_prediction(parse_action('press("Enter")')) == (None, "")
    assert m.mindact_answer("Element: 201\nAction: TYPE\nValue: New York") == ("201", "TYPE New York")
    assert m.mindact_answer("B.\nAction: CLICK") == (None, "CLICK ")
    assert m.mindact_answer("click it") is None


def test_step_without_eligible_gold_scores_zero_everywhere():
    assert m.score_step("7", "CLICK ", [], "CLICK ") == {"element": 0.0, "op_f1": 0.0, "step": 0.0}
    scored = m.score_step("7", "CLICK ", [], "CLICK ", gold_ranks=[60])
    assert scored["step"] == 0.0 and scored["recall@50"] == 0.0


def test_step_scores_and_recall_boundaries():
    scored = m.score_step("7", "TYPE New York", ["7", "8"], "TYPE New York", gold_ranks=[5, 20])
    assert scored == {
        "element": 1.0,
        "op_f1": 1.0,
        "step": 1.0,
        "recall@5": 0.0,  # rank 5 is not < 5
        "recall@10": 1.0,
        "recall@20": 1.0,
        "recall@50": 1.0,
    }
    assert m.score_step(None, "CLICK ", ["7"], "CLICK ")["element"] == 0.0


def test_aggregate_macro_within_a_task():
    info = m.aggregate(
        [
            {"element": 1.0, "op_f1": 1.0, "step": 1.0},
            {"element": 1.0, "op_f1": 0.5, "step": 0.0},
            {"element": 0.0, "op_f1": 0.0, "step": 0.0},
            {"element": 1.0, "op_f1": 1.0, "step": 1.0},
        ]
    )
    metrics = info["metrics"]
    assert metrics["element_accuracy"] == 0.75 and metrics["element_accuracy_sum"] == 3.0
    assert metrics["op_f1"] == pytest.approx(2.5 / 4)
    assert metrics["step_success"] == 0.5 and metrics["steps"] == 4.0
    assert metrics["task_success"] == 0.0 and info["success"] is False
    assert "ranked_steps" not in metrics


# -- loading both shapes -------------------------------------------------------------------------


def env_for(**options):
    return SUITE.make_env(EnvConfig(options=options))


def all_observations(task, **options):
    env = env_for(**options)
    return [step.observation for step in env.steps(task)], [step.gold for step in env.steps(task)]


def test_both_shapes_give_the_same_tasks_and_observations():
    nested = SUITE.load_tasks("train", TASKS)
    rows = SUITE.load_tasks("train", ROWS)
    assert [(t.id, t.goal) for t in nested] == [(t.id, t.goal) for t in rows]
    assert [t.id for t in nested] == ["task-flights", "task-menu"]
    for a, b in zip(nested, rows, strict=True):
        obs_a, gold_a = all_observations(a)
        obs_b, gold_b = all_observations(b)
        assert [(o.text, o.history, [(e.id, e.tag, e.attrs, e.bbox) for e in o.elements]) for o in obs_a] == [
            (o.text, o.history, [(e.id, e.tag, e.attrs, e.bbox) for e in o.elements]) for o in obs_b
        ]
        assert gold_a == gold_b


def test_observation_fields():
    flights = SUITE.load_tasks("train", TASKS)[0]
    observations, golds = all_observations(flights)
    second = observations[1]
    assert second.goal == "Find one-way flights from New York to Toronto."
    assert second.history == ["[link]  Flights -> CLICK"]
    assert [e.id for e in second.elements] == ["201", "202", "203"]  # sorted by id: no gold position leak
    assert second.element("201").attrs == {"type": "text", "placeholder": "From"}
    assert second.element("201").bbox == (201.0, 10.0, 100.0, 20.0)
    assert golds[2] == {"ids": ["301"], "op": "SELECT One Way", "ranks": None}


def test_parquet_rows(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = json.loads(ROWS.read_text())
    for row in rows:  # the published parquet files hold every candidate as a JSON string
        for key in ("pos_candidates", "neg_candidates"):
            row[key] = [c if isinstance(c, str) else json.dumps(c) for c in row[key]]
    path = tmp_path / "data" / "train-00000-of-00001.parquet"
    path.parent.mkdir()
    pq.write_table(pa.Table.from_pylist(rows), path)
    assert split_files(tmp_path, "train") == [path]
    tasks = SUITE.load_tasks("train", tmp_path)
    assert [t.id for t in tasks] == ["task-flights", "task-menu"]
    observations, golds = all_observations(tasks[1])
    assert golds[1]["ids"] == ["501", "503"]


def test_ranks_restrict_candidates_and_gold():
    flights = SUITE.load_tasks("train", TASKS)[0]
    observations, golds = all_observations(flights, ranks=str(RANKS), top_k=2)
    assert [e.id for e in observations[0].elements] == ["101", "102"]  # ranks 0 and 1, in rank order
    assert [e.id for e in observations[1].elements] == ["202", "203"]
    assert golds[1]["ids"] == [] and golds[1]["ranks"] == [3]


def test_unranked_step_has_no_eligible_candidate(tmp_path):
    ranks = tmp_path / "ranks.json"
    ranks.write_text(json.dumps({"task-flights_a1": {"101": 0}}))
    flights = SUITE.load_tasks("train", TASKS)[0]
    observations, golds = all_observations(flights, ranks=str(ranks))
    assert golds[1]["ids"] == [] and observations[1].elements == []


# -- crafted predictions through the env ---------------------------------------------------------


def play(task, actions, **options):
    env = env_for(**options)
    env.reset(options={"task": task})
    info = {}
    for action in actions:
        _, _, done, _, info = env.step(action)
    assert done
    return info


def test_crafted_predictions_by_hand():
    flights = SUITE.load_tasks("train", TASKS)[0]
    info = play(flights, ['click("101")', 'type("201", "new york")', 'select("302", "One Way")'])
    metrics = info["metrics"]
    # steps: (1, 1, 1), (1, F1 {TYPE,new,york} vs {TYPE,New,York} = 1/3, 0), (0, 1, 0)
    assert metrics["element_accuracy"] == pytest.approx(2 / 3)
    assert metrics["op_f1"] == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert metrics["step_success"] == pytest.approx(1 / 3)
    assert metrics["task_success"] == 0.0


def test_hover_enter_steps_and_mindact_answers():
    menu = SUITE.load_tasks("train", TASKS)[1]
    assert play(menu, ['hover("401")', "Element: 503\nAction: CLICK"])["metrics"]["step_success"] == 1.0
    flights = SUITE.load_tasks("train", TASKS)[0]
    answers = ["Element: 101\nAction: CLICK", "Element: 201\nAction: TYPE\nValue: New York", "nonsense"]
    metrics = play(flights, answers)["metrics"]
    assert metrics["step_success"] == pytest.approx(2 / 3)
    assert metrics["element_accuracy"] == pytest.approx(2 / 3)


# -- end to end through the CLI ------------------------------------------------------------------


def summary_of(tmp_path, *args):
    out = tmp_path / "runs"
    code = main(["eval", "--suite", "mind2web", "--agent", "oracle", "--out", str(out), *args])
    assert code == 0
    [run] = list(out.iterdir())
    return json.loads((run / "summary.json").read_text())["suites"]["mind2web"], run


@pytest.mark.parametrize("data", [TASKS, ROWS], ids=["task-nested", "rows"])
def test_oracle_scores_one(tmp_path, data):
    summary, _ = summary_of(tmp_path, "--split", "train", "--data", str(data))
    for name, value in summary["metrics"].items():
        assert value == (None if name.startswith("recall") else 1.0), name
    assert "no --ranks" in summary["notes"][0]


def test_oracle_with_ranks_by_hand(tmp_path):
    summary, _ = summary_of(tmp_path, "--data", str(TASKS), "--ranks", str(RANKS), "--top-k", "5")
    metrics = summary["metrics"]
    # flights: gold of a3 ranked 7 >= 5 -> step 0: per-task (1, 1, 0); menu (1, 1)
    assert metrics["step_success"] == pytest.approx((2 / 3 + 1) / 2)
    assert metrics["step_success_micro"] == pytest.approx(4 / 5)
    assert metrics["task_success"] == 0.5
    assert metrics["recall@5"] == pytest.approx(4 / 5) and metrics["recall@10"] == 1.0
    assert "top-5" in summary["notes"][0]


def test_oracle_on_empty_positives(tmp_path):
    summary, _ = summary_of(tmp_path, "--split", "test_task", "--data", str(TASKS))
    metrics = summary["metrics"]
    assert metrics["step_success"] == 0.5 and metrics["element_accuracy"] == 0.5 and metrics["op_f1"] == 0.5
    assert metrics["task_success"] == 0.0


def test_bad_options_are_usage_errors(tmp_path):
    base = ["eval", "--suite", "mind2web", "--agent", "oracle", "--data", str(TASKS), "--out", str(tmp_path)]
    assert main([*base, "--ranks", str(tmp_path / "missing.json")]) == 2
    assert main([*base, "--top-k", "0"]) == 2


def test_bad_json_names_the_file(tmp_path, capsys):
    bad = tmp_path / "train" / "train_0.json"
    bad.parent.mkdir()
    bad.write_text('[{"annotation_id": "x", "actions": [}')
    assert main(["eval", "--suite", "mind2web", "--agent", "oracle", "--data", str(tmp_path)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_missing_annotation_id_names_record_and_field(tmp_path, capsys):
    tasks = json.loads((TASKS / "train" / "train_0.json").read_text())
    del tasks[1]["annotation_id"]
    bad = tmp_path / "train.json"
    bad.write_text(json.dumps(tasks))
    assert main(["eval", "--suite", "mind2web", "--agent", "oracle", "--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "record 1" in err and "'annotation_id'" in err


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda t: t["actions"][1]["operation"].update(op="DRAG"),
            "'actions[1].operation.op': unknown action",
        ),
        (lambda t: t["actions"][2].pop("operation"), "field 'actions[2].operation': missing"),
        (
            lambda t: t["actions"][0].update(pos_candidates=["{bad"]),
            "'actions[0].pos_candidates[0]': not valid",
        ),
    ],
)
def test_bad_step_fails_only_its_task(tmp_path, mutate, expected):
    tasks = json.loads((TASKS / "train" / "train_0.json").read_text())
    mutate(tasks[0])
    data = tmp_path / "train.json"
    data.write_text(json.dumps(tasks))
    _, run = summary_of(tmp_path, "--data", str(data))
    episodes = {e["task_id"]: e for e in map(json.loads, (run / "episodes.jsonl").read_text().splitlines())}
    assert episodes["task-menu"]["status"] == "ok" and episodes["task-menu"]["success"]
    failed = episodes["task-flights"]
    assert failed["status"] == "env_error"
    assert f"{data}: record 0: " in failed["error"] and expected in failed["error"]
