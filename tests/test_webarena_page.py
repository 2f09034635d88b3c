"""program_html's page side in a real Chromium: locators, new tabs, prep_actions, the five helpers
against a loopback server with Magento-shaped REST endpoints and a GitLab-shaped members page."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse

import pytest

from webbench.browser.session import BrowserSession
from webbench.metrics.webarena import HELPERS, evaluate
from webbench.suites._webarena_page import (
    HELPER_FUNCTIONS,
    HelperEnv,
    PageReadError,
    ProgramHtmlReader,
    reddit_get_post_url,
)

TOKEN = "tok-123"
PAGE = """<!DOCTYPE html><html><head><title>Edit rule</title></head><body>
<div title="What’s on your mind?"><textarea>Please refund &amp; thanks</textarea></div>
<ul><li>a</li><li>b</li></ul>
<div data-index="actions"><span class="admin__collapsible-title"
  onclick="document.getElementById('discount').value = '20'">Actions</span></div>
<input name="discount_amount" id="discount" value="">
<span id="empty"></span>
</body></html>"""
LOADED = """<!DOCTYPE html><html><head><title>late</title></head>
<body onload="document.title = 'loaded'"><img src="/slow-image"></body></html>"""
POST = "<html><head><title>Post 12 in books</title></head><body><h1 class='submission__title'>Hi</h1></body></html>"
ORDER = (
    "<html><head><title>Order 187</title></head><body><span class='order-status'>Pending</span></body></html>"
)
MEMBERS = """<html><body><table>
<tr><td data-label="Account"><span class="gl-avatar-labeled-sublabel">@byteblaze</span></td>
    <td class="col-max-role"><span>Owner</span></td></tr>
<tr><td data-label="Account"><span class="gl-avatar-labeled-sublabel">@yjlou</span></td>
    <td class="col-max-role"><span>Developer</span></td></tr>
</table></body></html>"""
REVIEWS = {
    "B01": [
        {"nickname": "first", "ratings": [{"rating_name": "Rating", "percent": 40}]},
        {"nickname": "Emma", "ratings": [{"rating_name": "Rating", "percent": 80}]},
    ],
    "B02": [],
    "B03": [{"nickname": "x", "ratings": [{"rating_name": "Quality", "percent": 60}]}],
}


class Shop:
    """A loopback server: pages, Magento's admin REST endpoints (token, orders, reviews), a members page."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.seen: list[tuple[str, str, str | None]] = []
        shop = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def send(self, status: int, body: str, kind: str = "text/html; charset=utf-8") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def authorised(self) -> bool:
                return self.headers.get("Authorization") == f"Bearer {TOKEN}"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                shop.seen.append(("POST", self.path, self.headers.get("Content-Type")))
                if self.path == "/rest/default/V1/integration/admin/token" and body == {
                    "username": "admin",
                    "password": "admin1234",
                }:
                    self.send(200, json.dumps(TOKEN), "application/json")
                else:
                    self.send(401, json.dumps({"message": "bad login"}), "application/json")

            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                shop.seen.append(("GET", self.path, self.headers.get("Authorization")))
                query = urllib.parse.parse_qs(url.query)
                if url.path == "/rest/V1/orders" and self.authorised():
                    assert query == {
                        "searchCriteria[sortOrders][0][field]": ["created_at"],
                        "searchCriteria[sortOrders][0][direction]": ["DESC"],
                        "searchCriteria[pageSize]": ["1"],
                    }
                    self.send(200, json.dumps({"items": [{"increment_id": "000000187"}]}), "application/json")
                elif url.path.startswith("/rest/V1/products/") and self.authorised():
                    sku = url.path.split("/")[4]
                    if sku == "HANG":
                        shop.release.wait(30)
                        return
                    self.send(200, json.dumps(REVIEWS[sku]), "application/json")
                elif url.path.startswith("/rest/"):
                    self.send(401, "{}", "application/json")
                elif url.path == "/slow-image":
                    shop.release.wait(0.3)
                    self.send(200, "", "image/gif")
                else:
                    pages = {
                        "/page.html": PAGE,
                        "/loaded.html": LOADED,
                        "/f/books/12/": POST,
                        "/sales/order/view/order_id/187/": ORDER,
                        "/byteblaze/dotfiles/-/project_members": MEMBERS,
                    }
                    self.send(200 if url.path in pages else 404, pages.get(url.path, "not found"))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def shop():
    server = Shop()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with BrowserSession.launch() as session:
        yield session


@pytest.fixture
def reader(browser, shop):
    browser.new_episode()
    assert browser.goto(f"{shop.base}/page.html") is None
    yield ProgramHtmlReader(
        browser, {"SHOPPING": shop.base, "SHOPPING_ADMIN": f"{shop.base}/admin"}, timeout=5.0
    )
    browser.end_episode()


# -- pure -------------------------------------------------------------------------------------
def test_the_registry_holds_exactly_the_five_helpers():
    assert set(HELPER_FUNCTIONS) == HELPERS


@pytest.mark.parametrize(
    "url, post",
    [
        ("http://r:9999/f/books/12/my-post", "http://r:9999/f/books/12/"),
        ("http://r:9999/f/books/12/my-post/-/comment/5", "http://r:9999/f/books/12/"),
        ("http://r:9999/f/books/12", "http://r:9999/f/books/12/"),
        ("http://r:9999/f/books", "http://r:9999/f/books"),  # too short: unchanged
        ("http://r:9999/u/books/12/x", "http://r:9999/u/books/12/x"),  # not a forum URL
    ],
)
def test_reddit_get_post_url(url, post):
    assert reddit_get_post_url(HelperEnv({}, None, 1.0), url) == post


def test_shopping_helpers_need_the_storefront_url():
    with pytest.raises(PageReadError, match="SHOPPING base URL"):
        HELPER_FUNCTIONS["shopping_get_latest_order_url"](
            HelperEnv({"SHOPPING_ADMIN": "http://x/admin"}, None, 1.0)
        )


# -- in Chromium ------------------------------------------------------------------------------
EXPRESSIONS = [
    "document.title",
    "document.querySelector('[title=\"What’s on your mind?\"').querySelector('textarea').value",  # unbalanced [
    "document.querySelector('#nothing')",
    "document.querySelector('#nothing') === null",
    "[...document.querySelectorAll('li')].map(e => e.textContent)",
    "({a: 1, b: [true, null], c: 2.5})",
    "document.querySelectorAll('li').length",
    "document.querySelector('#empty').outerText",
    "undefined",
    "0 / 0",
    "-1 / 0",
    "Promise.resolve('later')",
]


@pytest.mark.browser
def test_js_locators_give_what_str_of_playwrights_evaluate_gives(reader, browser):
    page = browser.page
    for expression in EXPRESSIONS:
        official = str(page.evaluate(f"() => {expression}"))
        assert reader.read("last", expression, []) == official, expression
    assert reader.read("last", "document.querySelector('#nothing') === null", []) == "True"
    assert reader.read("last", "document.querySelector('#nothing')", []) == "None"
    assert (
        reader.read("last", "[...document.querySelectorAll('li')].map(e => e.textContent)", [])
        == "['a', 'b']"
    )
    assert (
        reader.read("last", "({a: 1, b: [true, null], c: 2.5})", [])
        == "{'a': 1, 'b': [True, None], 'c': 2.5}"
    )
    # an exception gives ""
    assert reader.read("last", "document.querySelector('#nothing').value", []) == ""


@pytest.mark.browser
def test_a_script_that_never_returns_gives_an_empty_value_and_the_page_still_works(browser, shop):
    browser.new_episode()
    browser.goto(f"{shop.base}/page.html")
    reader = ProgramHtmlReader(browser, {}, timeout=1.0)
    assert reader.read("last", "document.title && (() => { while (true) {} })()", []) == ""
    assert reader.read("last", "document.title", []) == "Edit rule"
    browser.end_episode()


@pytest.mark.browser
def test_the_empty_locator_is_the_page_html(reader, browser):
    assert reader.read("last", "", []) == browser.page.content()
    assert reader.read("last", "  ", []).startswith("<!DOCTYPE html><html><head><title>Edit rule")


@pytest.mark.browser
def test_a_url_target_is_read_in_a_new_tab_after_its_load_event(reader, browser, shop):
    agent = browser.page
    # the title is set by the body's onload, which waits for a slow image
    assert reader.read(f"{shop.base}/loaded.html", "document.title", []) == "loaded"
    assert browser.page is agent and agent.url == f"{shop.base}/page.html"
    assert len(browser.tabs()) == 1


@pytest.mark.browser
def test_prep_actions_run_first_and_the_first_failure_ends_them(reader):
    locator = "document.querySelector('[name=\"discount_amount\"').value"
    click = "document.querySelector('[data-index=\"actions\"]').querySelector('.admin__collapsible-title').click()"
    assert reader.read("last", locator, []) == ""
    assert reader.read("last", locator, ["document.querySelector('#nothing').click()", click]) == ""
    assert reader.read("last", locator, [click]) == "20"


@pytest.mark.browser
def test_reddit_helper_url_then_navigation(reader, shop):
    url = f"func:reddit_get_post_url('{shop.base}/f/books/12/my-post/-/comment/5')"
    assert reader.read(url, "document.querySelector('.submission__title').outerText", []) == "Hi"


@pytest.mark.browser
def test_latest_order_url_through_the_storefront_rest_api(reader, shop):
    shop.seen.clear()
    assert reader.read("func:shopping_get_latest_order_url()", "document.title", []) == "Order 187"
    assert shop.seen[0] == ("POST", "/rest/default/V1/integration/admin/token", "application/json")
    assert shop.seen[1][0] == "GET" and shop.seen[1][1].startswith("/rest/V1/orders?")
    assert shop.seen[1][2] == f"Bearer {TOKEN}"


@pytest.mark.browser
def test_review_helpers(reader):
    def helper(call: str) -> str:
        return reader.read("last", f"func:{call}", [])

    assert helper("shopping_get_sku_latest_review_author('B01')") == "Emma"
    assert helper("shopping_get_sku_latest_review_rating('B01')") == "80"
    assert helper("shopping_get_sku_latest_review_author('B02')") == ""
    assert helper("shopping_get_sku_latest_review_rating('B02')") == ""
    with pytest.raises(PageReadError, match="not named 'Rating'"):
        helper("shopping_get_sku_latest_review_rating('B03')")


@pytest.mark.browser
def test_a_helper_request_that_hangs_times_out(browser, shop):
    browser.new_episode()
    reader = ProgramHtmlReader(browser, {"SHOPPING": shop.base}, timeout=0.5)
    with pytest.raises(PageReadError, match="HANG/reviews"):
        reader.read("last", "func:shopping_get_sku_latest_review_author('HANG')", [])
    browser.end_episode()


@pytest.mark.browser
def test_gitlab_member_role_on_the_members_page(reader, shop):
    members = f"{shop.base}/byteblaze/dotfiles/-/project_members"
    assert reader.read(members, "func:gitlab_get_project_memeber_role(__page__, 'yjlou')", []) == "Developer"
    assert reader.read(members, "func:gitlab_get_project_memeber_role(__page__, 'byteblaze')", []) == "Owner"
    assert reader.read(members, "func:gitlab_get_project_memeber_role(__page__, 'nobody')", []) == ""
    assert reader.read("last", "func:gitlab_get_project_memeber_role(__page__, 'yjlou')", []) == ""


@pytest.mark.browser
def test_a_page_that_does_not_load_is_an_error(reader):
    with pytest.raises(PageReadError, match="could not load"):
        reader.read("http://127.0.0.1:9/", "document.title", [])


@pytest.mark.browser
def test_evaluate_with_the_live_reader(reader, browser, shop):
    config = {
        "task_id": 1,
        "intent": "q",
        "eval": {
            "eval_types": ["url_match", "program_html"],
            "reference_url": f"{shop.base}/page.html",
            "program_html": [
                {
                    "url": "last",
                    "locator": "document.querySelector('[title=\"What’s on your mind?\"').querySelector('textarea').value",
                    "required_contents": {"must_include": ["refund & thanks", "nope |OR| please"]},
                },
                {
                    "url": "func:shopping_get_latest_order_url()",
                    "locator": "document.querySelector('.order-status').outerText",
                    "required_contents": {"exact_match": "pending"},
                },
                {
                    "url": f"{shop.base}/byteblaze/dotfiles/-/project_members",
                    "locator": "func:gitlab_get_project_memeber_role(__page__, 'yjlou')",
                    "required_contents": {"must_include": ["Developer"]},
                },
            ],
        },
    }
    result = evaluate(config, "", browser.page.url, reader, None)
    assert result.score == 1.0, result.details()
    config["eval"]["program_html"][1]["required_contents"] = {"exact_match": "complete"}
    assert evaluate(config, "", browser.page.url, reader, None).score == 0.0
    assert browser.page.url == f"{shop.base}/page.html" and len(browser.tabs()) == 1
