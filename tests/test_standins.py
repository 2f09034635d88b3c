"""WebArena's stand-in sites (envs/) as real local processes: logins, pages, REST, state, reset, clean stops."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import urllib.parse
from collections.abc import Callable

import pytest
from conftest import ROOT, wait_until
from standin_client import Client, Form, form_with_button
from test_infinity_sites import gone, listening

from webbench.core.errors import UsageError
from webbench.sites.process import SiteError
from webbench.sites.standins import STANDIN_SITES, envs_dir, standin_sites

LATEST_ORDERS = (
    "/rest/V1/orders?searchCriteria[sortOrders][0][field]=created_at"
    "&searchCriteria[sortOrders][0][direction]=DESC&searchCriteria[pageSize]=1"
)


@pytest.fixture(scope="module")
def sites():
    with standin_sites(STANDIN_SITES) as started:
        yield started


def admin_token(client: Client) -> str:
    status, token = client.json(
        "/rest/default/V1/integration/admin/token", {"username": "admin", "password": "admin1234"}
    )
    assert status == 200 and isinstance(token, str)
    return token


def log_in(base: str, path: str, button: str, fill: Callable[[Form], dict[str, str]]) -> Client:
    """Return a client logged in through the form at ``path`` whose button reads ``button``, filled by
    ``fill(form)`` (field name -> value)."""
    client = Client(base)
    _, url, page = client.get(path)
    form = form_with_button(page, button)
    client.submit(url, form, fill(form))
    return client


def login_shop(base: str) -> Client:
    return log_in(
        base,
        "/customer/account/login/",
        "Sign In",
        lambda form: {form.labels["Email"]: "emma.lopez@gmail.com", form.labels["Password"]: "Password.123"},
    )


def login_admin(admin: str) -> Client:
    return log_in(
        admin,
        admin,
        "Sign in",
        lambda form: {form.placeholders["user name"]: "admin", form.placeholders["password"]: "admin1234"},
    )


def login_reddit(base: str) -> Client:
    return log_in(
        base,
        "/login",
        "Log in",
        lambda form: {form.labels["Username"]: "MarvelsGrantMan136", form.labels["Password"]: "test1234"},
    )


def login_gitlab(base: str) -> Client:
    def fill(form: Form) -> dict[str, str]:
        assert form.button_test_ids == ["sign-in-button"]
        return {form.test_ids["username-field"]: "byteblaze", form.test_ids["password-field"]: "hello1234"}

    return log_in(base, "/users/sign_in", "Sign in", fill)


def test_html_builder_escapes_text_and_attribute_values():
    from envs._html import Markup, h

    out = h("a", {"href": 'x" onclick="y', "data-on": True, "hidden": None}, "<b>&</b>", h("i", None, "ok"))
    assert out == '<a href="x&quot; onclick=&quot;y" data-on>&lt;b&gt;&amp;&lt;/b&gt;<i>ok</i></a>'
    assert isinstance(out, Markup) and h("input", {"value": "<"}) == '<input value="&lt;">'


# ---- processes ---------------------------------------------------------------------------


def test_each_site_has_a_loopback_url_and_listens_on_loopback_only(sites):
    assert set(sites.urls) == {"SHOPPING", "SHOPPING_ADMIN", "REDDIT", "GITLAB"}
    assert sites.urls["SHOPPING_ADMIN"] == sites.urls["SHOPPING"] + "/admin"
    assert len({sites.urls[k] for k in ("SHOPPING", "REDDIT", "GITLAB")}) == 3
    for url in sites.urls.values():
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+(/admin)?", url)
    assert len(sites.pids()) == 3  # the shop process serves shopping and shopping_admin
    for pid in sites.pids():
        addresses = listening(pid)
        assert len(addresses) == 1 and addresses[0].startswith("127.0.0.1:")
    assert all(sites.alive(site) for site in STANDIN_SITES)
    assert envs_dir() == ROOT / "envs"


@pytest.mark.parametrize("module", ["envs.shopping", "envs.reddit", "envs.gitlab"])
def test_each_site_runs_by_hand_from_the_repo_root(module):
    # By hand there is no parent pipe: stdin at end-of-file must not stop the site.
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--port", "0"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        word, port = proc.stdout.readline().split()
        assert word == "listening" and listening(proc.pid) == [f"127.0.0.1:{port}"]
        status, health = Client(f"http://127.0.0.1:{port}").json("/__webbench__/health")
        assert status == 200 and health == {"site": module.split(".")[1], "status": "ok"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unknown_or_unstarted_sites_are_named():
    with pytest.raises(UsageError, match="'map'"):
        standin_sites(["map"]).__enter__()
    with standin_sites(["reddit"]) as only:
        assert set(only.urls) == {"REDDIT"}
        with pytest.raises(UsageError, match="'gitlab' was not started"):
            only.reset("gitlab")


def test_nothing_is_left_after_the_context_also_on_an_error():
    with pytest.raises(RuntimeError, match="boom"), standin_sites(["shopping", "gitlab"]) as started:
        pids = started.pids()
        assert len(pids) == 2
        raise RuntimeError("boom")
    assert all(gone(pid) for pid in pids)
    assert started.urls == {}


def test_sites_exit_when_their_parent_is_killed():
    script = textwrap.dedent(
        """
        import sys
        from webbench.sites.standins import standin_sites
        with standin_sites(["shopping", "reddit", "gitlab"]) as started:
            print(*started.pids(), flush=True)
            sys.stdin.read()
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 3 and not any(gone(pid) for pid in pids)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_until(lambda: all(gone(pid) for pid in pids), timeout=10)
    finally:
        parent.kill()
        parent.wait()


def test_a_dead_site_is_reported():
    with standin_sites(["reddit"]) as only:
        (pid,) = only.pids()
        subprocess.run(["kill", "-9", str(pid)], check=True)
        assert wait_until(lambda: not only.alive("reddit"), timeout=10)
        with pytest.raises(SiteError, match="stand-in reddit"):
            only.reset("reddit")


# ---- logins ------------------------------------------------------------------------------


def test_shop_login_form_and_logged_in_check(sites):
    base = sites.urls["SHOPPING"]
    status, url, _ = Client(base).get("/wishlist/")
    assert urllib.parse.urlsplit(url).path == "/customer/account/login/"  # redirected while logged out
    bad = Client(base)
    _, page_url, page = bad.get("/customer/account/login/")
    form = form_with_button(page, "Sign In")
    assert set(form.labels) >= {"Email", "Password"}
    _, _, answer = bad.submit(
        page_url, form, {form.labels["Email"]: "emma.lopez@gmail.com", form.labels["Password"]: "nope"}
    )
    assert "sign-in was incorrect" in answer
    client = login_shop(base)
    status, url, page = client.get("/wishlist/")
    assert status == 200 and url == base + "/wishlist/"
    assert "Sony WH-1000XM3" in page and 'class="products-grid wishlist"' in page


def test_admin_login_form_and_dashboard(sites):
    admin = sites.urls["SHOPPING_ADMIN"]
    _, url, page = Client(admin).get(admin + "/dashboard")
    assert url.rstrip("/") == admin and "Dashboard" not in page
    client = login_admin(admin)
    status, url, page = client.get(admin + "/dashboard")
    assert status == 200 and "Dashboard" in page
    assert (
        Client(sites.urls["SHOPPING"]).get("/wishlist/")[1].endswith("/customer/account/login/")
    )  # separate logins


def test_forum_login_form_and_account_page(sites):
    base = sites.urls["REDDIT"]
    _, url, page = Client(base).get("/user/MarvelsGrantMan136/account")
    assert url == base + "/login" and "Delete" not in page
    client = login_reddit(base)
    status, url, page = client.get("/user/MarvelsGrantMan136/account")
    assert status == 200 and url.endswith("/account") and "Delete" in page


def test_gitlab_login_form_and_profile(sites):
    base = sites.urls["GITLAB"]
    _, url, _ = Client(base).get("/-/profile")
    assert url == base + "/users/sign_in"
    client = login_gitlab(base)
    status, url, page = client.get("/-/profile")
    assert status == 200 and url == base + "/-/profile" and "Byte Blaze" in page


def test_webarena_verified_header_logins(sites):
    shop, admin, reddit = sites.urls["SHOPPING"], sites.urls["SHOPPING_ADMIN"], sites.urls["REDDIT"]
    headers = {"X-M2-Customer-Auto-Login": "emma.lopez@gmail.com:Password.123"}
    assert Client(shop).get("/wishlist/", headers)[1] == shop + "/wishlist/"
    wrong = {"X-M2-Customer-Auto-Login": "emma.lopez@gmail.com:nope"}
    assert Client(shop).get("/wishlist/", wrong)[1] == shop + "/customer/account/login/"
    assert (
        "Dashboard"
        in Client(admin).get(admin + "/dashboard", {"X-M2-Admin-Auto-Login": "admin:admin1234"})[2]
    )
    page = Client(reddit).get(
        "/user/MarvelsGrantMan136/account", {"X-Postmill-Auto-Login": "MarvelsGrantMan136:test1234"}
    )[2]
    assert "Delete" in page


# ---- REST --------------------------------------------------------------------------------


def test_rest_admin_token_latest_order_and_reviews(sites):
    client = Client(sites.urls["SHOPPING"])
    status, answer = client.json(
        "/rest/default/V1/integration/admin/token", {"username": "admin", "password": "x"}
    )
    assert status == 401 and "message" in answer
    assert client.json(LATEST_ORDERS)[0] == 401
    token = admin_token(client)
    status, orders = client.json(LATEST_ORDERS, token=token)
    assert status == 200 and [o["increment_id"] for o in orders["items"]] == ["000000190"]
    status, reviews = client.json("/rest/V1/products/B07HZB38XH/reviews", token=token)
    assert status == 200 and [r["nickname"] for r in reviews] == ["Morgan", "Riley"]
    assert reviews[-1]["ratings"][0]["percent"] == 80
    assert client.json("/rest/V1/products/B09P7BFL4H/reviews", token=token) == (200, [])
    assert client.json("/rest/V1/products/NOPE/reviews", token=token)[0] == 404


def test_latest_order_page_is_the_customer_order_view(sites):
    shop = login_shop(sites.urls["SHOPPING"])
    _, _, page = shop.get("/sales/order/view/order_id/190/")
    assert (
        "Order # 000000190" in page and 'class="order-details-items ordered"' in page and "B09P7BFL4H" in page
    )
    _, _, history = shop.get("/sales/order/history/")
    assert history.index("000000190") < history.index("000000178")  # newest first


# ---- state changes and reset ------------------------------------------------------------


def test_an_order_review_and_address_change_then_reset(sites):
    base = sites.urls["SHOPPING"]
    shop, api = login_shop(base), Client(base)
    token = admin_token(api)
    _, url, page = shop.get("/radiant-tee.html")
    cart = form_with_button(page, "Add to Cart")
    shop.submit(url, cart, {"qty": "2"})
    _, url, page = shop.get("/checkout/")
    _, done_url, done = shop.submit(url, form_with_button(page, "Place Order"), {})
    assert "000000191" in done and "/checkout/onepage/success/" in done_url
    _, orders = api.json(LATEST_ORDERS, token=token)
    assert orders["items"][0]["increment_id"] == "000000191"
    ordered = {(i["sku"], i["qty_ordered"]) for i in orders["items"][0]["items"]}
    assert ordered == {("24-UG06", 1), ("WS12", 2)}  # the seed cart's bottle and the two tees
    assert "You have no items in your shopping cart." in shop.get("/checkout/cart/")[2]
    _, url, page = shop.get("/radiant-tee.html")
    review = form_with_button(page, "Submit Review")
    shop.submit(url, review, {"nickname": "Emma", "title": "Nice", "detail": "Soft.", "rating": "3"})
    _, reviews = api.json("/rest/V1/products/WS12/reviews", token=token)
    assert (reviews[-1]["nickname"], reviews[-1]["ratings"][0]["percent"]) == ("Emma", 60)
    _, url, page = shop.get("/customer/address/edit/?type=shipping")
    edit = form_with_button(page, "Save Address")
    shop.submit(url, edit, {edit.labels["Street Address"]: "5 Main St", "default_shipping": "1"})
    _, _, book = shop.get("/customer/address/")
    assert "5 Main St" in book and "101 S San Mateo Dr" in book  # shipping changed, billing kept

    sites.reset("shopping")
    _, orders = api.json(LATEST_ORDERS, token=token)
    assert orders["items"][0]["increment_id"] == "000000190"
    assert [r["nickname"] for r in api.json("/rest/V1/products/WS12/reviews", token=token)[1]] == ["Sam"]
    assert "5 Main St" not in shop.get("/customer/address/")[2]
    status, url, _ = shop.get("/wishlist/")
    assert url == base + "/wishlist/"  # the login survives a reset


def test_admin_edits_then_reset(sites):
    admin = sites.urls["SHOPPING_ADMIN"]
    client = login_admin(admin)
    edit_url = admin + "/catalog/product/edit/id/6/"
    _, url, page = client.get(edit_url)
    form = form_with_button(page, "Save")
    assert form.labels["Price"] == "product[price]" and form.fields["product[price]"] == "22.00"
    client.submit(url, form, {"product[price]": "19.50"})
    assert 'value="19.50"' in client.get(edit_url)[2]
    assert "$19.50" in Client(sites.urls["SHOPPING"]).get("/radiant-tee.html")[2]
    order_url = admin + "/sales/order/view/order_id/188/"
    _, url, page = client.get(order_url)
    client.submit(
        url,
        form_with_button(page, "Submit Comment"),
        {"history[comment]": "Shipped today", "history[status]": "complete"},
    )
    page = client.get(order_url)[2]
    assert re.search(r'id="order_status">Complete<', page)
    assert re.search(
        r'class="note-list"><li class="note-list-item">.*?class="note-list-comment">Shipped today<', page
    )

    sites.reset("shopping_admin")  # the admin and the storefront share one state
    assert "$22.00" in Client(sites.urls["SHOPPING"]).get("/radiant-tee.html")[2]
    assert re.search(r'id="order_status">Processing<', client.get(order_url)[2])


def test_forum_post_comment_vote_forum_then_reset(sites):
    base = sites.urls["REDDIT"]
    client = login_reddit(base)
    _, url, page = client.get("/submit/books")
    form = form_with_button(page, "Create submission")
    assert {"Title", "URL", "Body", "Forum"} <= set(form.labels)
    _, post_url, post = client.submit(
        url,
        form,
        {
            form.labels["Title"]: "A new <b>post</b>",
            form.labels["Body"]: "Hello",
            "submission[forum]": "books",
        },
    )
    assert re.fullmatch(re.escape(base) + r"/f/books/120002/a-new-b-post-b", post_url)
    assert "A new &lt;b&gt;post&lt;/b&gt;" in post and "<b>post</b>" not in post  # escaped
    status, _, refused = client.submit(
        url, form, {form.labels["Title"]: "x", form.labels["URL"]: "javascript:alert(1)"}
    )
    assert status == 400 and "must start with http" in refused
    _, comment_url, page = client.submit(
        post_url, form_with_button(post, "Post"), {"comment[comment]": "First!"}
    )
    assert "/-/comment/" in comment_url and 'class="comment__body">First!<' in page
    _, url, page = client.get("/f/books/59421/friendly-reminder-bookshop-org-exists")
    assert re.search(r'class="submission__vote"><form [^>]*class="vote"', page)
    client.post("/sv/59421", {"choice": "1"})
    page = client.get("/f/books/59421")[2]
    assert re.search(r'class="submission__vote"><form [^>]*class="vote vote--user-upvoted"', page)
    _, url, page = client.get("/create_forum")
    client.submit(
        url,
        form_with_button(page, "Create forum"),
        {
            "forum[name]": "cmu_lti",
            "forum[title]": "CMU LTI",
            "forum[description]": "Language tech",
            "forum[sidebar]": "Hi",
        },
    )
    edit = client.get("/f/cmu_lti/edit")[2]
    assert 'id="forum_description"' in edit and ">Language tech</textarea>" in edit

    sites.reset("reddit")
    assert Client(base).get("/f/books/120002")[0] == 404
    assert Client(base).get("/f/cmu_lti")[0] == 404
    assert re.search(r'class="submission__vote"><form [^>]*class="vote"', client.get("/f/books/59421")[2])


def test_gitlab_members_markup_and_invite_then_reset(sites):
    base = sites.urls["GITLAB"]
    client = login_gitlab(base)
    members = "/byteblaze/dotfiles/-/project_members"
    assert Client(base).get(members)[0] == 404  # private project: members only
    page = client.get(members)[2]
    accounts = re.findall(
        r'<td data-label="Account">.*?<span class="gl-avatar-labeled-sublabel">(.*?)</span>', page
    )
    roles = re.findall(r'<td [^>]*class="col-max-role"><span>(.*?)</span></td>', page)
    assert list(zip(accounts, roles, strict=True)) == [
        ("@byteblaze", "Owner"),
        ("@abisubramanya27", "Developer"),
        ("@lahwaacz", "Reporter"),
    ]
    form = form_with_button(page, "Invite")
    client.submit(
        base + members, form, {form.labels["Username"]: "vinta", form.labels["Select a role"]: "40"}
    )
    assert re.search(r"@vinta</span>.*?col-max-role\"><span>Maintainer</span>", client.get(members)[2])
    _, url, page = client.get("/a11yproject/a11yproject.com/-/issues/new")
    _, issue_url, issue = client.submit(
        url,
        form_with_button(page, "Create issue"),
        {"issue[title]": "Typo in footer", "issue[due_date]": "2024-01-31"},
    )
    assert issue_url == base + "/a11yproject/a11yproject.com/-/issues/4"
    assert 'data-qa-selector="title_content">Typo in footer<' in issue and ">2024-01-31<" in issue

    sites.reset("gitlab")
    assert "@vinta" not in client.get(members)[2]
    assert client.get("/a11yproject/a11yproject.com/-/issues/4")[0] == 404


def test_reset_only_touches_its_own_site(sites):
    shop = login_shop(sites.urls["SHOPPING"])
    _, url, page = shop.get("/affirm-water-bottle.html")
    shop.submit(url, form_with_button(page, "Add to Wish List"), {})
    sites.reset("gitlab")
    assert "Affirm Water Bottle" in shop.get("/wishlist/")[2]
    sites.reset("shopping")
    assert "Affirm Water Bottle" not in shop.get("/wishlist/")[2]


# ---- in a real browser -------------------------------------------------------------------


@pytest.mark.browser
def test_playwright_logs_into_each_site_with_the_official_locators(sites):
    from webbench.browser.session import BrowserSession

    member_role = """(user) => {
        const accounts = document.querySelectorAll("td[data-label='Account'] span.gl-avatar-labeled-sublabel");
        let index = -1;
        for (let i = 0; i < accounts.length; i++) { if (accounts[i].outerText === '@' + user) { index = i; break; } }
        return document.querySelectorAll("td.col-max-role span")[index].outerText;
    }"""
    with BrowserSession.launch() as session:
        session.new_episode()
        page = session.page
        shop, admin = sites.urls["SHOPPING"], sites.urls["SHOPPING_ADMIN"]
        reddit, gitlab = sites.urls["REDDIT"], sites.urls["GITLAB"]

        page.goto(f"{shop}/customer/account/login/", timeout=10_000)
        page.get_by_label("Email", exact=True).fill("emma.lopez@gmail.com", timeout=5_000)
        page.get_by_label("Password", exact=True).fill("Password.123", timeout=5_000)
        page.get_by_role("button", name="Sign In").click(timeout=5_000)
        page.wait_for_url(f"{shop}/customer/account/", timeout=10_000)
        page.goto(f"{shop}/wishlist/", timeout=10_000)
        assert page.url == f"{shop}/wishlist/"

        page.goto(admin, timeout=10_000)
        page.get_by_placeholder("user name").fill("admin", timeout=5_000)
        page.get_by_placeholder("password").fill("admin1234", timeout=5_000)
        page.get_by_role("button", name="Sign in").click(timeout=5_000)
        page.wait_for_url(f"{admin}/dashboard/", timeout=10_000)
        assert "Dashboard" in page.content()

        page.goto(f"{reddit}/login", timeout=10_000)
        page.get_by_label("Username").fill("MarvelsGrantMan136", timeout=5_000)
        page.get_by_label("Password").fill("test1234", timeout=5_000)
        page.get_by_role("button", name="Log in").click(timeout=5_000)
        page.wait_for_url(f"{reddit}/", timeout=10_000)
        page.goto(f"{reddit}/user/MarvelsGrantMan136/account", timeout=10_000)
        assert "Delete" in page.content()

        page.goto(f"{gitlab}/users/sign_in", timeout=10_000)
        page.get_by_test_id("username-field").fill("byteblaze", timeout=5_000)
        page.get_by_test_id("password-field").fill("hello1234", timeout=5_000)
        page.get_by_test_id("sign-in-button").click(timeout=5_000)
        page.wait_for_url(f"{gitlab}/dashboard/projects", timeout=10_000)
        page.goto(f"{gitlab}/-/profile", timeout=10_000)
        assert page.url == f"{gitlab}/-/profile"
        page.goto(f"{gitlab}/byteblaze/dotfiles/-/project_members", timeout=10_000)
        assert page.evaluate(member_role, "abisubramanya27") == "Developer"
        assert page.evaluate(member_role, "lahwaacz") == "Reporter"

        state = page.context.storage_state()
        assert {c["name"] for c in state["cookies"]} >= {"PHPSESSID", "admin", "_gitlab_session"}
        session.end_episode()
