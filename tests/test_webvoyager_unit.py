"""WebVoyager's pure parts: tasks and patches, the native dialect, the element list, blocked pages."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import ROOT, webbench
from webbench.core.action import parse_action
from webbench.core.env import EnvConfig
from webbench.core.suite import SuiteError, get_suite, select_tasks
from webbench.suites._webvoyager_data import (
    PATCHED_FILE,
    PATCHES_FILE,
    REFERENCE_FILE,
    TASKS_FILE,
    load_tasks,
    read_task_records,
)
from webbench.suites._webvoyager_dialect import (
    FORMAT_ERROR,
    FormatError,
    Native,
    blocked_reason,
    element_line,
    element_list,
    extract_information,
    from_canonical,
    parse_reply,
)

SUITE = get_suite("webvoyager")


def voyager_data(shared_data):
    return shared_data / "webvoyager"


def test_the_original_data_has_643_tasks_with_a_reference_answer_each(shared_data):
    tasks = SUITE.run_tasks(None, voyager_data(shared_data), {"patches": "none"})
    assert len(tasks) == 643 and len({t.id for t in tasks}) == 643
    assert all(t.meta["reference"] and t.meta["reference"]["type"] in ("golden", "possible") for t in tasks)
    first = tasks[0]
    assert (first.id, first.meta["web_name"], first.meta["web"]) == (
        "Allrecipes--0",
        "Allrecipes",
        "https://www.allrecipes.com/",
    )
    assert sum(t.meta["reference"]["type"] == "golden" for t in tasks) == 143


def test_magnitude_patches_give_exactly_the_published_patched_file(shared_data):
    folder = voyager_data(shared_data)
    tasks = SUITE.run_tasks(None, folder, {"patches": "magnitude"})
    published = read_task_records(folder / PATCHED_FILE)
    assert len(tasks) == len(published) == 590
    assert [(t.id, t.goal, t.meta["web_name"], t.meta["web"]) for t in tasks] == [
        (r["id"], r["ques"], r["web_name"], r["web"]) for r in published
    ]
    patches = json.loads((folder / PATCHES_FILE).read_text())
    rewritten = [t for t in tasks if "new" in patches.get(t.id, {})]
    assert len(rewritten) == 68 and all(t.goal == patches[t.id]["new"] for t in rewritten)
    assert all(t.meta["reference"] is not None for t in tasks)  # removed tasks took their references along


def copy_data(shared_data, tmp_path):
    folder = tmp_path / "wv"
    (folder / "magnitude_patches").mkdir(parents=True)
    for name in (TASKS_FILE, REFERENCE_FILE, PATCHES_FILE):
        shutil.copy(voyager_data(shared_data) / name, folder / name)
    return folder


def test_a_patch_whose_prev_does_not_match_is_refused_by_name(shared_data, tmp_path):
    folder = copy_data(shared_data, tmp_path)
    lines = (folder / TASKS_FILE).read_text().splitlines()
    changed = [json.loads(line) for line in lines]
    target = next(r for r in changed if r["id"] == "Apple--4")
    target["ques"] += " (edited)"
    (folder / TASKS_FILE).write_text("\n".join(json.dumps(r) for r in changed))
    with pytest.raises(SuiteError, match=r"1 patch\(es\) refused.*Apple--4"):
        SUITE.run_tasks(None, folder, {"patches": "magnitude"})
    assert len(SUITE.run_tasks(None, folder, {"patches": "none"})) == 643


def test_removals_drop_the_reference_answer_too(tmp_path):
    folder = tmp_path / "wv"
    (folder / "magnitude_patches").mkdir(parents=True)
    tasks = [
        {"web_name": "Site", "id": f"Site--{i}", "ques": f"q{i}", "web": "https://site.example/"}
        for i in range(3)
    ]
    (folder / TASKS_FILE).write_text("\n".join(json.dumps(t) for t in tasks) + "\n")
    answers = [{"id": i, "type": "possible", "ans": f"a{i}"} for i in range(3)]
    (folder / REFERENCE_FILE).write_text(json.dumps({"Site": {"notice": "", "answers": answers}}))
    patches = {
        "Site--1": {"reason": "gone", "remove": True},
        "Site--2": {"reason": "r", "prev": "q2", "new": "Q2"},
    }
    (folder / PATCHES_FILE).write_text(json.dumps(patches))
    loaded = load_tasks("webvoyager", folder, "magnitude")
    assert [(t.id, t.goal, t.meta["reference"]["ans"]) for t in loaded] == [
        ("Site--0", "q0", "a0"),
        ("Site--2", "Q2", "a2"),
    ]


def test_one_subset_per_site(shared_data):
    tasks = SUITE.run_tasks(None, voyager_data(shared_data), {})
    subsets = SUITE.subsets(tasks)
    assert len(subsets) == 15 and sum(len(ids) for ids in subsets.values()) == 643
    chosen = select_tasks(SUITE, tasks, subset="cambridge-dictionary")
    assert chosen and {t.meta["web_name"] for t in chosen} == {"Cambridge Dictionary"}


def test_a_users_own_task_file_is_read_and_a_bad_line_is_named(tmp_path):
    good = tmp_path / "mine.jsonl"
    good.write_text(
        json.dumps({"web_name": "Mine", "id": "Mine--0", "ques": "Find it", "web": "https://x.example/"})
    )
    (task,) = SUITE.run_tasks(None, good, {})
    assert (task.id, task.goal, task.meta["reference"]) == ("Mine--0", "Find it", None)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text() + "\n" + json.dumps({"id": "Mine--1", "ques": "x", "web": "https://x/"}))
    with pytest.raises(SuiteError, match=r"bad.jsonl: line 2: field 'web_name' missing"):
        SUITE.run_tasks(None, bad, {})


def test_the_cli_refuses_an_unknown_patch_set_with_a_usage_error(tmp_path):
    result = webbench(
        "eval", "--suite", "webvoyager", "--data", str(ROOT / "webbench" / "tasks" / "webvoyager-mini"),
        "--agent", "scripted", "--patches", "bogus", "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "use one of none, magnitude" in result.stderr


# -- the native dialect ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Click [12]", Native("click", "12")),
        ("Click 7", Native("click", "7")),
        ("Type [3]; vegetarian lasagna", Native("type", "3", "vegetarian lasagna")),
        ("Type [3] [hello]", Native("type", "3", "hello")),
        ("Scroll [WINDOW]; down", Native("scroll", "WINDOW", "down")),
        ("Scroll [5]; up", Native("scroll", "5", "up")),
        ("Wait", Native("wait")),
        ("GoBack", Native("goback")),
        ("Google", Native("google")),
        ("ANSWER; 312 reviews", Native("answer", None, "312 reviews")),
        # upstream's order: Click is tried before ANSWER, so an answer naming a click is a click
        ("ANSWER; Click 3 to see more", Native("click", "3")),
        # Type is tried before ANSWER too
        ("ANSWER; Type 2 words", Native("type", "2", "words")),
        # Wait, GoBack and Google count only at the start; the patterns are case-sensitive
        ("I will Wait", Native(None)),
        ("click [3]", Native(None)),
        ("answer; 5", Native(None)),
        # the answer stops at the first closing bracket
        ("ANSWER; [4.6 stars] and more", Native("answer", None, "4.6 stars")),
    ],
)
def test_actions_match_upstreams_patterns_in_order(text, expected):
    assert extract_information(text) == expected


def test_a_reply_needs_both_thought_and_action():
    assert parse_reply("Thought: the box.\nAction: Type [0]; chili") == Native("type", "0", "chili")
    for reply in (
        "Action: Click [1]",
        "Thought: hmm, Click [1]",
        "Click [1]",
        "thought: x\naction: Click [1]",
    ):
        with pytest.raises(FormatError, match="Both 'Thought' and 'Action'") as info:
            parse_reply(reply)
        assert str(info.value) == FORMAT_ERROR
    # the action is the piece after "Action:" up to any "Observation:" (upstream's re.split)
    assert parse_reply("Thought: a\nAction: Wait\nObservation: ANSWER; x") == Native("wait")
    # what follows a second "Thought:" is cut off: the third piece is the first action
    assert parse_reply("Thought: a\nAction: GoBack\nThought: b\nAction: Google") == Native("goback")


def test_canonical_actions_map_to_webvoyagers():
    cases = {
        'click("4")': Native("click", "4"),
        'type("2", "chili", enter=True)': Native("type", "2", "chili", enter=True),
        'type("2", "chili")': Native("type", "2", "chili", enter=False),
        'scroll("down")': Native("scroll", "WINDOW", "down"),
        'scroll("left")': Native(None),
        "go_back()": Native("goback"),
        "noop()": Native("wait"),
        'answer("42")': Native("answer", None, "42"),
        'goto("https://x.example/")': Native(None),
    }
    assert {text: from_canonical(parse_action(text)) for text in cases} == cases


# -- the element list ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("item", "line"),
    [
        ({"text": "", "tag": "input", "type": "text", "ariaLabel": "Search"}, '[0]: <input> "Search";'),
        ({"text": "", "tag": "input", "type": "search", "ariaLabel": None}, '[0]: <input> "";'),
        ({"text": "", "tag": "textarea", "type": "textarea", "ariaLabel": None}, '[0]: <textarea> "";'),
        ({"text": "", "tag": "button", "type": "submit", "ariaLabel": "Go"}, '[0]: <button> "Go";'),
        ({"text": "", "tag": "input", "type": "checkbox", "ariaLabel": "Agree"}, None),
        ({"text": "", "tag": "a", "type": None, "ariaLabel": "Home"}, None),
        ({"text": "Search", "tag": "button", "type": "submit", "ariaLabel": None}, '[0]: <button> "Search";'),
        (
            {"text": "Go", "tag": "button", "type": "submit", "ariaLabel": "Go now"},
            '[0]: <button> "Go", "Go now";',
        ),
        ({"text": "Go", "tag": "button", "type": "submit", "ariaLabel": "Go"}, '[0]: <button> "Go";'),
        ({"text": "Vegetarian", "tag": "a", "type": None, "ariaLabel": None}, '[0]: "Vegetarian";'),
        ({"text": "News", "tag": "li", "type": None, "ariaLabel": "Latest"}, '[0]: "News", "Latest";'),
        ({"text": "x" * 199, "tag": "td", "type": None, "ariaLabel": None}, f'[0]: "{"x" * 199}";'),
        ({"text": "x" * 200, "tag": "td", "type": None, "ariaLabel": None}, None),
        ({"text": '<img src="a.png">', "tag": "a", "type": None, "ariaLabel": None}, None),
    ],
)
def test_element_list_entries_follow_upstreams_format(item, line):
    assert element_line(0, item) == line


def test_the_element_list_joins_the_listed_entries_with_tabs_keeping_their_numbers():
    items = [
        {"text": "", "tag": "input", "type": "text", "ariaLabel": "Query"},
        {"text": "", "tag": "a", "type": None, "ariaLabel": None},  # not listed; its box stays
        {"text": "Home", "tag": "a", "type": None, "ariaLabel": None},
    ]
    assert element_list(items) == '[0]: <input> "Query";\t[2]: "Home";'


# -- blocked pages ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "text", "frames", "blocked"),
    [
        ("Just a moment...", "Checking your browser", [], True),
        ("Access Denied", "You don't have permission to access this server.", [], True),
        (
            "Amazon.com",
            "Type the characters you see. Sorry, we just need to make sure you're not a robot.",
            [],
            True,
        ),
        ("Google", "Our systems have detected unusual traffic from your computer network.", [], True),
        ("Booking", "", ["https://www.google.com/recaptcha/api2/anchor?k=x"], True),
        ("Home", "Please verify you are human to continue.", [], True),
        ("Recipes", "Garden Zucchini Lasagna 4.7 stars", [], False),
        ("Benchmarks", "We find that CAPTCHAs block 12% of the episodes.", [], False),
        ("News", "Access denied to reporters, says the minister. " + "More text. " * 400, [], False),
    ],
)
def test_blocked_pages_are_recognised_and_ordinary_ones_are_not(title, text, frames, blocked):
    assert (blocked_reason(title, text, frames) is not None) is blocked


def test_a_page_blocked_mid_episode_is_an_env_error_with_the_reason_and_url(tmp_path):
    from webbench.core.env import WebEnv
    from webbench.core.types import Observation, Task
    from webbench.run.episode import Episode, EpisodeRunner, Limits
    from webbench.suites.webvoyager import PageBlocked

    class Env(WebEnv):
        def start(self, task, seed):
            return Observation(goal=task.goal), {}

        def act(self, action):
            raise PageBlocked("https://site.example/sorry", "page title 'Access Denied'")

        def invalid(self, raw, reason):
            raise AssertionError(reason)

        def finish(self):
            return {}

    class Agent:
        def reset(self, task):
            pass

        def act(self, obs):
            return 'click("1")'

    runner = EpisodeRunner(Env(EnvConfig()), Agent(), Limits(max_steps=3), tmp_path)
    record = runner.run(Episode(Task("webvoyager", "Site--0", "Find it"), 0, 0))
    assert (record.status, record.end_reason, record.steps) == ("env_error", "blocked", 1)
    assert record.details == {
        "blocked_url": "https://site.example/sorry",
        "blocked_reason": "page title 'Access Denied'",
    }
    assert record.metrics == {"success": 0.0, "judge_undecided": 0.0} and "blocked at" in record.error
