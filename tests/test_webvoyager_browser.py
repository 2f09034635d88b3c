"""WebVoyager in a real Chromium through Selenium: set-of-marks boxes, the element list, each native
action, the parsing-order quirks, the format-error and failed-action turns, the judge and blocked pages."""

from __future__ import annotations

import io

import pytest

from tests.conftest import ROOT
from tests.llm_server import ChatServer, Reply
from webbench.core.env import EnvConfig
from webbench.core.types import Task
from webbench.llm.settings import LLMSettings
from webbench.sites.process import SiteProcess
from webbench.suites._webvoyager_browser import SeleniumSession
from webbench.suites._webvoyager_dialect import CANNOT_EXECUTE, FORMAT_ERROR, element_list
from webbench.suites.webvoyager import STANDINS_DIR, PageBlocked, WebVoyagerEnv

FIXTURE = (ROOT / "tests" / "fixtures" / "webvoyager" / "marks.html").as_uri()
#: The boxes of the fixture page, worked out by hand from its CSS: (tag, left, top, width, height).
EXPECTED_BOXES = [
    ("a", 10, 10, 100, 20),  # Home
    ("button", 200, 10, 80, 30),  # Go (its span is no candidate)
    ("a", 10, 60, 200, 20),  # the link; its span is dropped as the child of a marked link
    ("button", 20, 110, 50, 20),  # inside the clickable card: the card is dropped (innermost only)
    ("span", 600, 100, 100, 20),  # the span with a role; its only child link is dropped
    ("input", 10, 250, 200, 24),
    ("a", 970, 300, 54, 20),  # clipped at the viewport's right edge
    ("li", 10, 400, 600, 20),  # 250 characters of text: boxed, not listed
]  # the 3x3 link, the covered link and the link below the fold get no box


pytestmark = pytest.mark.browser


@pytest.fixture
def session():
    session = SeleniumSession()
    session.new_episode()
    yield session
    session.end_episode()


def boxes(items):
    return [
        (item["tag"], *(round(r[key]) for key in ("left", "top", "width", "height")))
        for item in items
        for r in item["rects"]
    ]


def dark_pixels(png: bytes, row: int, x0: int, x1: int) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(1 for x in range(x0, x1) if image.getpixel((x, row)) < 60)


def test_set_of_marks_boxes_follow_webvoyagers_rules_and_are_removed_after_the_screenshot(session, tmp_path):
    assert session.goto(FIXTURE) is None
    assert session.driver.execute_script("return [innerWidth, innerHeight]") == [1024, 768]
    items, png = session.mark_page()
    assert boxes(items) == EXPECTED_BOXES
    (tmp_path / "marks.png").write_bytes(png)
    assert session.driver.execute_script("return document.getElementById('__webbench_marks__')") is None
    plain = session.driver.get_screenshot_as_png()
    # the 2px dashed outline of box 7 (the list item at y=400) is in the marked screenshot only
    assert dark_pixels(png, 398, 8, 612) > 100 and dark_pixels(plain, 398, 8, 612) == 0
    from PIL import Image

    assert Image.open(io.BytesIO(png)).size == (1024, 768)


def test_each_box_is_drawn_where_its_element_is_with_its_number_as_label(session):
    from webbench.browser.marks import CONTAINER_ID
    from webbench.suites._webvoyager_browser import _MARKS

    session.goto(FIXTURE)
    items = session.driver.execute_script(_MARKS, {"action": "collect"})
    marks = [
        {"label": i, "x": r["left"], "y": r["top"], "width": r["width"], "height": r["height"]}
        for i, item in enumerate(items)
        for r in item["rects"]
    ]
    drawn = session.driver.execute_script(
        _MARKS, {"action": "draw", "marks": marks, "container": CONTAINER_ID, "style": "webvoyager"}
    )
    placed = session.driver.execute_script(
        "return [...document.getElementById(arguments[0]).children].map(b => {"
        " const r = b.getBoundingClientRect(); const l = b.firstChild;"
        " return [l.textContent, r.left, r.top, r.width, r.height, b.style.outline,"
        " l.getBoundingClientRect().top - r.top]; });",
        CONTAINER_ID,
    )
    assert drawn == 8
    assert [tuple(p[:5]) for p in placed] == [(str(i), *box[1:]) for i, box in enumerate(EXPECTED_BOXES)]
    assert {p[5] for p in placed} == {"rgb(0, 0, 0) dashed 2px"}
    # the label sits 19px above the box, or at the top of the viewport for boxes near it
    assert [p[6] for p in placed] == [-10, -10, -19, -19, -19, -19, -19, -19]


def test_the_element_list_is_in_webvoyagers_format(session):
    session.goto(FIXTURE)
    items, _ = session.mark_page()
    assert element_list(items) == (
        '[0]: "Home";\t[1]: <button> "Go";\t[2]: "Inner";\t[3]: <button> "In";\t[4]: "Role";'
        '\t[5]: <input> "Query";\t[6]: "Edge";'
    )


# -- the env on the stand-in sites -----------------------------------------------------------------
@pytest.fixture(scope="module")
def standins():
    process = SiteProcess("webvoyager-standins", "webbench.sites._webvoyager_standins", [str(STANDINS_DIR)])
    process.start()
    yield process.url.removeprefix("http://")
    process.stop()


def make_env(standins, **options):
    config = EnvConfig(
        options={"search_page": "http://search.webvoyager.test/", **options}, services={"standin": standins}
    )
    return WebVoyagerEnv(config)


def task(web: str, task_id: str = "Recipes--0") -> Task:
    return Task(
        "webvoyager", task_id, "Find a recipe", "", {"web_name": "Recipes", "web": web, "reference": None}
    )


def number(obs, text: str) -> str:
    return next(e.id for e in obs.elements if text in (e.text, e.attrs.get("aria-label")))


def reply(action: str) -> str:
    return f"Thought: the next step.\nAction: {action}"


@pytest.fixture
def env(standins):
    env = make_env(standins)
    yield env
    env.close()


def url_of(env) -> str:
    return env.session.url()


def test_type_clears_types_and_presses_enter_click_keeps_the_tab(env):
    obs, _ = env.reset(options={"task": task("http://recipes.webvoyager.test/")})
    assert obs.text == '[0]: <input> "Search recipes";\t[1]: <button> "Search";' and obs.screenshot
    obs, *_ = env.step(reply(f"Type [{number(obs, 'Search recipes')}]; lasagna"))
    assert url_of(env) == "http://recipes.webvoyager.test/search?q=lasagna" and obs.error is None
    # the box holds "lasagna": Type clears it first
    obs, *_ = env.step(reply(f"Type [{number(obs, 'Search recipes')}]; chili"))
    assert url_of(env) == "http://recipes.webvoyager.test/search?q=chili"
    # typing into something that is no text box: upstream's warning in the next observation
    obs, *_ = env.step(reply(f"Type [{number(obs, 'Search')}]; x"))
    assert obs.error.startswith("note: The web element you're trying to type may not be a textbox")
    assert obs.screenshot
    obs, *_ = env.step(reply(f"Click [{number(obs, 'Spicy Black Bean Chili')}]"))
    assert url_of(env) == "http://recipes.webvoyager.test/recipe/black-bean-chili"


def test_scroll_window_moves_two_thirds_of_the_window_and_goback_google_wait(env):
    obs, _ = env.reset(options={"task": task("http://recipes.webvoyager.test/recipe/banana-bread")})
    obs, *_ = env.step(reply("Scroll [WINDOW]; down"))
    assert env.session.driver.execute_script("return scrollY") == 512
    obs, *_ = env.step(reply("Scroll [WINDOW]; up"))
    assert env.session.driver.execute_script("return scrollY") == 0
    obs, *_ = env.step(reply("Google"))
    assert url_of(env) == "http://search.webvoyager.test/" and obs.screenshot
    obs, *_ = env.step(reply("GoBack"))
    assert url_of(env) == "http://recipes.webvoyager.test/recipe/banana-bread"
    obs, *_ = env.step(reply("Wait"))
    assert url_of(env) == "http://recipes.webvoyager.test/recipe/banana-bread" and obs.screenshot
    assert obs.step == 5 and env._history[-1] == "Wait"


def test_a_link_opening_a_new_tab_opens_in_the_same_tab(env):
    obs, _ = env.reset(options={"task": task("http://papers.webvoyager.test/abs/2401.00017")})
    obs, *_ = env.step(reply(f"Click [{number(obs, 'Back to the list')}]"))
    assert url_of(env) == "http://papers.webvoyager.test/" and len(env.session.driver.window_handles) == 1


def test_scroll_on_an_element_focuses_it_and_sends_alt_arrow(env):
    env.reset(options={"task": task("http://recipes.webvoyager.test/")})
    driver = env.session.driver
    driver.execute_script(
        "window.keys = []; document.addEventListener('keydown', e => keys.push([e.key, e.altKey]));"
    )
    obs, *_ = env.step(reply("Scroll [0]; down"))
    assert obs.error is None
    assert driver.execute_script("return [document.activeElement.getAttribute('aria-label'), keys]") == [
        "Search recipes",
        [["Alt", True], ["ArrowDown", True]],
    ]


def test_click_is_matched_before_answer_and_canonical_actions_work_beside_the_dialect(env):
    obs, _ = env.reset(options={"task": task("http://recipes.webvoyager.test/search?q=lasagna")})
    vegetarian = number(obs, "Vegetarian")
    obs, _reward, terminated, *_ = env.step(reply(f"ANSWER; Click {vegetarian} shows the vegetarian ones"))
    assert not terminated and "diet=vegetarian" in url_of(env)
    obs, *_ = env.step('scroll("down")')
    assert obs.error is None and obs.screenshot
    obs, *_ = env.step("go_back()")
    assert url_of(env) == "http://recipes.webvoyager.test/search?q=lasagna"


def test_a_reply_without_thought_or_action_is_a_format_error_turn_without_a_screenshot(env):
    first, _ = env.reset(options={"task": task("http://recipes.webvoyager.test/search?q=lasagna")})
    obs, _r, terminated, *_ = env.step(f"Click [{number(first, 'Vegetarian')}]")
    assert not terminated and obs.error == FORMAT_ERROR and obs.screenshot is None and obs.text == ""
    assert obs.step == 1 and url_of(env) == "http://recipes.webvoyager.test/search?q=lasagna"
    # the numbers of the last screenshot stay valid
    assert [e.id for e in obs.elements] == [e.id for e in first.elements]
    obs, *_ = env.step(reply(f"Click [{number(first, 'Vegetarian')}]"))
    assert "diet=vegetarian" in url_of(env) and obs.screenshot and obs.error is None and obs.step == 2
    assert len(env._shots) == 2  # one screenshot per observed turn, none for the format error


def test_an_action_that_cannot_be_executed_gets_the_fixed_message_without_a_screenshot(env):
    env.reset(options={"task": task("http://recipes.webvoyager.test/")})
    for action in ("Click [99]", "Jump over it", "Type [7]; x"):
        obs, *_ = env.step(reply(action))
        assert obs.error == CANNOT_EXECUTE and obs.screenshot is None, action
    obs, *_ = env.step(reply("Wait"))
    assert obs.error is None and obs.screenshot


def test_the_judge_gets_the_task_the_answer_and_the_last_k_screenshots(standins):
    with ChatServer(lambda request: Reply("All shown. SUCCESS")) as judge:
        config = EnvConfig(
            options={"judge_screenshots": 2},
            services={"standin": standins},
            llm=LLMSettings(judge_base_url=judge.url, judge_model="j").to_dict(),
        )
        env = WebVoyagerEnv(config)
        try:
            env.reset(options={"task": task("http://recipes.webvoyager.test/")})
            for _ in range(3):
                env.step(reply("Wait"))
            obs, reward, terminated, _t, info = env.step(reply("ANSWER; Recipe Box"))
            env.reset(options={"task": task("http://recipes.webvoyager.test/", "Recipes--1")})
            unanswered = env.finish()
        finally:
            env.close()
        requests = list(judge.requests)
    assert terminated and info["success"] and info["answer"] == "Recipe Box"
    assert info["metrics"] == {"success": 1.0, "judge_undecided": 0.0}
    assert info["details"]["screenshots_judged"] == 2
    assert len(requests) == 1  # no call for the episode without an answer
    content = requests[0]["json"]["messages"][1]["content"]
    assert sum(part["type"] == "image_url" for part in content) == 2
    assert "Find a recipe" in content[0]["text"] and "Recipe Box" in content[0]["text"]
    assert unanswered["success"] is False and unanswered["details"]["judges"][0]["note"] == "no answer"


def test_a_captcha_page_blocks_the_episode_with_its_url(env):
    with pytest.raises(PageBlocked) as info:
        env.reset(options={"task": task("http://captcha.webvoyager.test/wall")})
    assert info.value.info == {
        "end_reason": "blocked",
        "details": {
            "blocked_url": "http://captcha.webvoyager.test/wall",
            "blocked_reason": "page title 'Just a moment...'",
        },
    }
