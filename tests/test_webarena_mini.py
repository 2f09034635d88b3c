"""The mini WebArena tasks (``webbench/tasks/webarena-mini/``) on the stand-in sites, end to end.

The task files are checked for the coverage issue 9 asks (every eval type and combination, the five
helpers, ``|OR|``, ``|AND|``, N/A, single characters, ``prep_actions``, logins, resets; Verified
JSON answers and network checks), then ``webbench eval --split mini`` runs them in real Chromium on
the real stand-in processes: the ``scripted`` agent solves every task by its own evaluators (the
fuzzy ones judged by the loopback chat server), the official ``webarena-verified`` CLI gives the
same scores on the layout the run wrote, ``webbench rescore`` re-scores what it can, and the
``random`` agent fails nearly all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import read_jsonl, webbench
from llm_server import ChatServer, Reply, user_text

from webbench.agents.webarena_plans import PLANS, tree_nodes
from webbench.core.suite import get_suite
from webbench.metrics.webarena import HELPERS
from webbench.suites import _webarena_data as data

OFFICIAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "webarena"
FUZZY = {"12", "15"}
OR = " |OR| "


def _tasks():
    return get_suite("webarena").load_tasks("mini", None)


def _split(tasks):
    original = [t for t in tasks if not data.is_verified(t.meta)]
    return original, [t for t in tasks if data.is_verified(t.meta)]


def _targets(config):
    return config["eval"]["program_html"] or []


def test_the_tasks_are_in_the_official_formats_and_cover_what_issue_9_asks():
    original, verified = _split(_tasks())
    assert len(original) >= 40 and len(verified) >= 15
    if (OFFICIAL / "test.raw.json").is_file():
        fields = set(json.loads((OFFICIAL / "test.raw.json").read_text())[0])
        eval_fields = set(json.loads((OFFICIAL / "test.raw.json").read_text())[0]["eval"]) | {"url_note"}
        assert all(set(t.meta) == fields and set(t.meta["eval"]) == eval_fields for t in original)
        official_verified = json.loads(
            (OFFICIAL / "webarena-verified" / "webarena-verified.json").read_text()
        )
        assert all(set(t.meta) == set(official_verified[0]) for t in verified)
    combos = {tuple(t.meta["eval"]["eval_types"]) for t in original}
    assert {("string_match",), ("url_match",), ("program_html",), ("string_match", "url_match"),
            ("url_match", "program_html"), ("string_match", "program_html")} <= combos  # fmt: skip
    answers = [t.meta["eval"]["reference_answers"] or {} for t in original]
    assert {"exact_match", "must_include", "fuzzy_match"} <= {k for a in answers for k in a}
    assert sum(a.get("fuzzy_match") == "N/A" for a in answers) >= 2
    assert {
        t.id
        for t in original
        if isinstance((t.meta["eval"]["reference_answers"] or {}).get("fuzzy_match"), list)
    } == FUZZY
    assert all(
        t.meta["eval"]["string_note"]
        for t in original
        if "N/A" in json.dumps(t.meta["eval"]["reference_answers"])
    )
    assert any(len(x) == 1 for a in answers for x in a.get("must_include", []))
    assert any(t.meta["eval"]["url_note"] == "GOLD in PRED" and OR in t.meta["eval"]["reference_url"]
               for t in original)  # fmt: skip
    targets = [target for t in original for target in _targets(t.meta)]
    assert {"last"} <= {x["url"] for x in targets} and any(x["url"].startswith("__") for x in targets)
    assert any(x["url"].startswith("func:") for x in targets) and any(x["locator"] == "" for x in targets)
    assert any(x["locator"].startswith("document.querySelector") for x in targets)
    assert any("prep_actions" in x for x in targets)
    assert any(OR in c for x in targets for c in x["required_contents"].get("must_include", []))
    assert any("exact_match" in x["required_contents"] for x in targets)
    used = json.dumps([t.meta for t in original])
    assert all(helper in used for helper in HELPERS) and len(HELPERS) == 5
    assert sum(data.AND in t.meta["start_url"] for t in original) >= 2
    logins = {"+".join(data.login_sites(t.meta)) for t in original}
    assert {"shopping", "shopping_admin", "reddit", "gitlab", "gitlab+reddit", ""} <= logins
    assert any(t.meta["require_reset"] for t in original)
    evaluators = [e for t in verified for e in t.meta["eval"]]
    network = [e for e in evaluators if e["evaluator"] == "NetworkEventEvaluator"]
    assert len(network) >= 10 and all(
        e["evaluator"] != "NetworkEventEvaluator" or e["expected"]["url"] for e in network
    )
    expected = [e["expected"] for e in network]
    assert any("post_data" in x for x in expected) and any("query_params" in x for x in expected)
    assert any("response_status" in x for x in expected) and any(x["url"].startswith("^") for x in expected)
    assert any(e.get("should_not_exist") for e in network)
    kinds = {
        (e["expected"]["task_type"], e["expected"]["status"]) for e in evaluators if "results_schema" in e
    }
    assert {
        ("retrieve", "SUCCESS"),
        ("retrieve", "NOT_FOUND_ERROR"),
        ("navigate", "SUCCESS"),
        ("mutate", "SUCCESS"),
    } <= kinds
    assert set(PLANS) == {t.id for t in original + verified}


def test_the_plans_name_elements_by_role_and_name_never_by_id():
    text = "[0] RootWebArea 'Shop' focused: True\n\t[50] link \"Elmer's Glue\" url: x\n\t\t[7] button 'Add to Cart'"
    assert tree_nodes(text) == [
        ("0", "RootWebArea", "Shop"),
        ("50", "link", "Elmer's Glue"),
        ("7", "button", "Add to Cart"),
    ]
    assert all(not (step.name or "").strip("[]").isdigit() for plan in PLANS.values() for step in plan)


def _judge(request) -> Reply:
    """A scripted judge: an early-stop answer is wrong, anything else right."""
    return Reply("incorrect" if "early stop" in user_text(request).lower() else "correct")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return {**env, "OPENAI_API_KEY": "sk-test"}


def _eval(out: Path, agent: str, judge: str, *extra: str):
    return webbench(
        "eval", "--suite", "webarena", "--split", "mini", "--agent", agent, "--workers", "2",
        "--out", str(out), "--run-id", agent, "--judge-base-url", judge, *extra, env=_env(), timeout=1200,
    )  # fmt: skip


@pytest.fixture(scope="module")
def judge():
    with ChatServer(_judge) as server:
        yield server


@pytest.fixture(scope="module")
def scripted_run(tmp_path_factory, judge) -> Path:
    out = tmp_path_factory.mktemp("mini")
    result = _eval(out, "scripted", judge.url)
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "scripted"


def _evaluator_scores(record) -> dict[str, float]:
    details = record["details"]
    if isinstance(details.get("evaluators"), list):  # WebArena-Verified: the library's evaluators
        return {e["evaluator_name"]: e["score"] for e in details["evaluators"]}
    return {name: e["score"] for name, e in details["evaluators"].items()}


@pytest.mark.browser
def test_scripted_solves_every_mini_task_by_its_own_evaluators(scripted_run, judge):
    records = {r["task_id"]: r for r in read_jsonl(scripted_run / "episodes.jsonl")}
    assert set(records) == set(PLANS)
    failed = {k: (r["status"], r.get("error"), r["details"]) for k, r in records.items() if not r["success"]}
    assert failed == {}
    original, verified = _split(_tasks())
    for task in original:
        scores = _evaluator_scores(records[task.id])
        assert set(scores) == set(task.meta["eval"]["eval_types"]) and set(scores.values()) == {1.0}, task.id
    for task in verified:
        scores = _evaluator_scores(records[task.id])
        wanted = {e["evaluator"] for e in task.meta["eval"]}
        assert set(scores) == wanted and set(scores.values()) == {1.0}, task.id
    assert records["13"]["details"]["judgements"] == []  # an "N/A" answer passes without the judge
    judged = [r["details"]["judgements"] for k, r in records.items() if k in FUZZY]
    assert all(len(j) == 1 for j in judged) and len(judge.requests) >= 2
    assert {k for k, r in records.items() if any(r["details"]["site_reset"].values())} == set(records)
    summary = json.loads((scripted_run / "summary.json").read_text())
    assert summary["suites"]["webarena"]["success_rate"] == 1.0 and summary["suites"]["webarena"]["n"] == len(
        PLANS
    )


@pytest.mark.browser
def test_the_official_cli_gives_the_same_scores_on_the_layout_the_run_wrote(scripted_run):
    pytest.importorskip("webarena_verified")
    from test_webarena_verified import official_cli

    records = {int(r["task_id"]): r["score"] for r in read_jsonl(scripted_run / "episodes.jsonl")}
    _original, verified = _split(_tasks())
    assert sorted(
        int(p.name) for p in (scripted_run / "webarena-verified").iterdir() if p.is_dir()
    ) == sorted(int(t.id) for t in verified)
    cli = official_cli(Path("webarena-verified"), cwd=scripted_run)
    assert cli == {int(t.id): records[int(t.id)] for t in verified} and set(cli.values()) == {1.0}


@pytest.mark.browser
def test_rescore_scores_the_mini_run_again_and_names_what_needs_the_live_page(scripted_run, judge, tmp_path):
    result = webbench("rescore", str(scripted_run), "--judge-base-url", judge.url, "--out", str(tmp_path),
                      "--run-id", "again", env=_env())  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "again" / "summary.json").read_text())
    live = {t.id for t in _tasks() if not data.is_verified(t.meta) and _targets(t.meta)}
    assert {e["task_id"] for e in summary["rescore"]["not_rescored"]} == live
    rescored = {r["task_id"]: r for r in read_jsonl(tmp_path / "again" / "episodes.jsonl")}
    again = {k for k, r in rescored.items() if r["details"].get("rescored")}
    assert again == set(PLANS) - live and all(rescored[k]["success"] for k in again)
    assert any(data.is_verified(t.meta) and t.id in again for t in _tasks())


@pytest.mark.browser
def test_the_random_agent_fails_the_tasks_it_could_pass_by_chance(judge, tmp_path):
    # random never answers (its answer is the early stop's), so the tasks that check an answer fail
    # by construction: it runs the others, whose evaluators read only the final URL and the sites
    chance = [t.id for t in _split(_tasks())[0] if "string_match" not in t.meta["eval"]["eval_types"]]
    result = _eval(tmp_path, "random", judge.url, "--max-steps", "8", "--tasks", ",".join(chance))
    assert result.returncode == 0, result.stderr[-3000:]
    records = read_jsonl(tmp_path / "random" / "episodes.jsonl")
    assert len(records) == len(chance) >= 25 and all(r["status"] == "ok" for r in records)
    assert all(r["answer"].startswith("Early stop: ") for r in records)
    assert [r["task_id"] for r in records if r["success"]] == []
