"""program_html's page side: reading locators on the live browser, and the five ``func:`` helpers.

:class:`ProgramHtmlReader` implements :class:`webbench.metrics.webarena.PageReader` on the
episode's :class:`~webbench.browser.session.BrowserSession`, as web-arena-x/webarena's
``HTMLContentEvaluator`` reads a target (LIVE-SUITES.md 1.4):

* ``url``: ``"last"`` reads the agent's current tab; a URL (or a ``func:`` helper's URL) is
  opened in a NEW tab of the episode's context, waited on until its load event (the official
  code sleeps 3 s instead), read, and closed, so that evaluation never moves the agent's page.
* ``locator``: ``""`` is the page HTML (what Playwright's ``page.content()`` returns);
  ``document.…`` / ``[...document.…`` is a JS expression evaluated in the page (so the
  unbalanced-bracket selectors of the task file work as in the browser), after the target's
  ``prep_actions`` (the first that throws ends them, as officially: one ``try`` around the loop);
  ``func:…`` calls a helper. The value is given as Python ``str()`` of the JSON value (``null``
  and ``undefined`` -> "None", ``true`` -> "True", arrays and objects as Python reprs); a script
  that throws or does not return in time, or an empty result, gives "".
* helpers come from :data:`HELPER_FUNCTIONS` by name (the call is parsed, never evaluated).
  The shopping helpers call Magento's admin REST API through the STOREFRONT base URL with the
  official admin account; every request has a time-out (the official ones have none).

Values are read over CDP (``Runtime.evaluate``, by value, promises awaited) with a time-out, not
with Playwright's ``page.evaluate`` (which has none). The results agree for every JSON value;
``NaN``, ``Infinity`` and ``-0`` are converted as Playwright does; a ``Date`` or a DOM node
comes back as ``{}`` (Playwright would give a datetime; no task locator returns one).

A navigation that fails, a helper request that fails or a site answering what the official
code asserts against raises :class:`PageReadError` (the episode is an env_error, the site named).
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from webbench.browser import cdp
from webbench.browser.actions import short_error
from webbench.browser.session import BrowserSession
from webbench.metrics.webarena import parse_helper_call

#: The official shopping admin account (``ACCOUNTS["shopping_site_admin"]``).
SHOP_ADMIN = {"username": "admin", "password": "admin1234"}
LATEST_ORDER_QUERY = {
    "searchCriteria[sortOrders][0][field]": "created_at",
    "searchCriteria[sortOrders][0][direction]": "DESC",
    "searchCriteria[pageSize]": "1",
}
#: What Playwright's ``page.content()`` returns: the doctype, then the document element's HTML.
CONTENT_JS = (
    "(() => { let html = ''; if (document.doctype) html = new XMLSerializer().serializeToString("
    "document.doctype); if (document.documentElement) html += document.documentElement.outerHTML; "
    "return html; })()"
)
#: gitlab_get_project_memeber_role: the role cell of the row whose Account sub-label is ``@user``.
MEMBER_ROLE_JS = """(account) => {
    const labels = document.querySelectorAll("td[data-label='Account'] span.gl-avatar-labeled-sublabel");
    let index = -1;
    for (let i = 0; i < labels.length; i++) {
        if (labels[i].outerText === '@' + account) { index = i; break; }
    }
    return document.querySelectorAll("td.col-max-role span")[index].outerText;
}"""
_UNSERIALIZABLE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf"), "-0": -0.0}


class PageReadError(RuntimeError):
    """program_html could not read a target: a page that does not load, a helper request that fails."""


def _evaluate(page: Page, expression: str, timeout_ms: float) -> Any:
    """Return the value of ``expression`` in ``page`` as Playwright's ``evaluate`` gives it.

    Raises cdp.ScriptError when it throws, PlaywrightError on a time-out (the script is then
    interrupted) or a closed page.
    """
    session = page.context.new_cdp_session(page)
    try:
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        try:
            reply = cdp.send(session, "Runtime.evaluate", params, timeout_ms)
        except PlaywrightError:
            with contextlib.suppress(PlaywrightError):
                cdp.send(session, "Runtime.terminateExecution", {}, timeout_ms)
            raise
    finally:
        with contextlib.suppress(PlaywrightError):
            session.detach()
    if "exceptionDetails" in reply:
        details = reply["exceptionDetails"]
        text = details.get("exception", {}).get("description") or details.get("text", "exception")
        raise cdp.ScriptError(str(text).splitlines()[0])
    result = reply["result"]
    if "unserializableValue" in result:
        raw = result["unserializableValue"]
        return _UNSERIALIZABLE[raw] if raw in _UNSERIALIZABLE else int(raw.rstrip("n"))
    return result.get("value")


@dataclass(frozen=True)
class HelperEnv:
    """What a helper may use: the site map, the page it runs on, and the time-out of each call."""

    sites: dict[str, str]
    page: Page | None
    timeout: float

    def shop(self) -> str:
        """Return the storefront base URL (the shopping helpers' REST API is reached through it)."""
        base = self.sites.get("SHOPPING")
        if not base:
            raise PageReadError("the shopping helpers need the SHOPPING base URL, which is not configured")
        return base.rstrip("/")

    def request(self, method: str, url: str, body: Any = None, token: str | None = None) -> Any:
        """Return the JSON of a REST call (status 200 required, as the official asserts)."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise PageReadError(f"{method} {url}: HTTP {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise PageReadError(f"{method} {url}: {exc}") from None

    def admin_token(self) -> str:
        """Return a Magento admin token (``POST /rest/default/V1/integration/admin/token``)."""
        return str(self.request("POST", f"{self.shop()}/rest/default/V1/integration/admin/token", SHOP_ADMIN))

    def reviews(self, sku: str) -> list[dict[str, Any]]:
        """Return the product's reviews (``GET /rest/V1/products/<sku>/reviews``), oldest first."""
        url = f"{self.shop()}/rest/V1/products/{urllib.parse.quote(sku)}/reviews"
        reviews = self.request("GET", url, token=self.admin_token())
        if not isinstance(reviews, list):
            raise PageReadError(f"GET {url}: expected a list of reviews")
        return reviews


def reddit_get_post_url(env: HelperEnv, url: str) -> str:
    """Return ``scheme://netloc/f/<forum>/<id>/`` for a ``/f/<forum>/<id>/...`` URL, else ``url``."""
    parsed = urllib.parse.urlparse(url)
    parts = parsed.path.split("/")
    if len(parts) < 4 or parts[1] != "f":
        return url
    return f"{parsed.scheme}://{parsed.netloc}/f/{parts[2]}/{parts[3]}/"


def shopping_get_latest_order_url(env: HelperEnv) -> str:
    """Return ``{SHOPPING}/sales/order/view/order_id/<increment id>/`` of the newest order."""
    query = urllib.parse.urlencode(LATEST_ORDER_QUERY)
    url = f"{env.shop()}/rest/V1/orders?{query}"
    orders = env.request("GET", url, token=env.admin_token())
    try:
        order_id = int(orders["items"][0]["increment_id"])
    except (KeyError, IndexError, TypeError, ValueError):
        raise PageReadError(f"GET {url}: no order with an increment_id in the reply") from None
    return f"{env.shop()}/sales/order/view/order_id/{order_id}/"


def shopping_get_sku_latest_review_author(env: HelperEnv, sku: str) -> str:
    """Return the nickname of the product's last review, or "" when it has none."""
    reviews = env.reviews(sku)
    return str(reviews[-1]["nickname"]) if reviews else ""


def shopping_get_sku_latest_review_rating(env: HelperEnv, sku: str) -> str:
    """Return the first rating's percent of the product's last review as a string, or "" when none.

    As officially, the first review's first rating must be named "Rating".
    """
    reviews = env.reviews(sku)
    if not reviews:
        return ""
    try:
        if reviews[0]["ratings"][0]["rating_name"] != "Rating":
            raise PageReadError(f"reviews of {sku}: the first rating is not named 'Rating'")
        return str(reviews[-1]["ratings"][0]["percent"])
    except (KeyError, IndexError, TypeError):
        raise PageReadError(f"reviews of {sku}: a review without ratings") from None


def gitlab_get_project_memeber_role(env: HelperEnv, page: str, account_name: str) -> str:
    """Return the max-role text of ``account_name``'s row on a GitLab members page, "" on any error."""
    if env.page is None:
        return ""
    try:
        return str(_evaluate(env.page, cdp.call(MEMBER_ROLE_JS, account_name), env.timeout * 1000))
    except PlaywrightError:
        return ""


#: The ``func:`` helpers by name (``webbench.metrics.webarena.HELPERS`` lists the same names).
HELPER_FUNCTIONS: dict[str, Callable[..., str]] = {
    "reddit_get_post_url": reddit_get_post_url,
    "shopping_get_latest_order_url": shopping_get_latest_order_url,
    "shopping_get_sku_latest_review_author": shopping_get_sku_latest_review_author,
    "shopping_get_sku_latest_review_rating": shopping_get_sku_latest_review_rating,
    "gitlab_get_project_memeber_role": gitlab_get_project_memeber_role,
}


class ProgramHtmlReader:
    """The PageReader of a live episode: reads program_html targets on ``session``'s context."""

    def __init__(self, session: BrowserSession, sites: dict[str, str], timeout: float = 10.0) -> None:
        self.session = session
        self.sites = dict(sites)
        self.timeout = timeout

    def call_helper(self, call: str, page: Page | None) -> str:
        """Return the value of a ``func:`` call (the text after ``func:``) run on ``page``."""
        name, args = parse_helper_call(call)
        env = HelperEnv(self.sites, page, self.timeout)
        return HELPER_FUNCTIONS[name](env, *args)

    def read(self, url: str, locator: str, prep_actions: Sequence[str]) -> str:
        """Return the target's value as Python ``str()`` of it (see the module doc)."""
        if url.startswith("func"):
            url = self.call_helper(url.split("func:", 1)[-1], self.session.page)
        if url == "last":
            return self._read_on(self.session.page, locator, prep_actions)
        with self.session.side_tab() as tab:
            try:
                tab.goto(url, wait_until="load", timeout=self.timeout * 1000)
            except PlaywrightError as exc:
                raise PageReadError(f"program_html: could not load {url}: {short_error(exc)}") from None
            return self._read_on(tab, locator, prep_actions)

    def _read_on(self, page: Page, locator: str, prep_actions: Sequence[str]) -> str:
        timeout_ms = self.timeout * 1000
        if not locator.strip():
            try:
                return str(_evaluate(page, CONTENT_JS, timeout_ms))
            except PlaywrightError as exc:
                raise PageReadError(f"program_html: could not read the HTML of {page.url}: {exc}") from None
        if locator.startswith("func:"):
            return self.call_helper(locator.split("func:", 1)[1], page)
        with contextlib.suppress(PlaywrightError):
            for action in prep_actions:
                _evaluate(page, f"(() => {action})()", timeout_ms)
        try:
            value = str(_evaluate(page, f"(() => {locator})()", timeout_ms))
        except PlaywrightError:
            return ""
        return value or ""
