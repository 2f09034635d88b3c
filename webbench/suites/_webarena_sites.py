"""WebArena's sites: where they are, whether they are up, and logging into them (LIVE-SUITES.md 1.1).

A site map is ``dict[str, str]`` keyed by the variable name (``SHOPPING`` -> base URL), read from the
environment variables (:func:`sites_from_env`) or a ``--sites FILE`` JSON object
(:func:`sites_from_file`). Values are used as given: the official ``WIKIPEDIA`` is a landing page,
``SHOPPING_ADMIN`` ends in ``/admin``.

Logins use the official accounts and forms with Playwright (labels, placeholders, test ids) and
return the context's storage state; :func:`logged_in` runs the official logged-in check on a
storage state. WebArena-Verified's images also accept header logins (:data:`HEADER_LOGINS`).
Every request has a time-out.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from webbench.core.suite import SuiteError
from webbench.data.records import read_json_file
from webbench.suites._webarena_data import SITE_OF, SITE_VARS

#: Seconds a health-check request, a login page or a logged-in check may take.
SITE_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Account:
    """One site's official test account, its login form and its logged-in check."""

    user: str
    password: str
    #: Path of the form below the site's base URL ("" for the admin: its base URL itself).
    form: str
    #: How each field is found: ("label" | "placeholder" | "test_id", text), user then password.
    fields: tuple[tuple[str, str], tuple[str, str]]
    #: The submit button: ("role", its name) or ("test_id", the id).
    submit: tuple[str, str]
    #: Path checked while logged in, and the text it must contain (None: it must not redirect).
    check: str
    check_text: str | None = None


ACCOUNTS: dict[str, Account] = {
    "shopping": Account(
        "emma.lopez@gmail.com",
        "Password.123",
        "/customer/account/login/",
        (("label", "Email"), ("label", "Password")),
        ("role", "Sign In"),
        "/wishlist/",
    ),
    "shopping_admin": Account(
        "admin",
        "admin1234",
        "",
        (("placeholder", "user name"), ("placeholder", "password")),
        ("role", "Sign in"),
        "/dashboard",
        "Dashboard",
    ),
    "reddit": Account(
        "MarvelsGrantMan136",
        "test1234",
        "/login",
        (("label", "Username"), ("label", "Password")),
        ("role", "Log in"),
        "/user/MarvelsGrantMan136/account",
        "Delete",
    ),
    "gitlab": Account(
        "byteblaze",
        "hello1234",
        "/users/sign_in",
        (("test_id", "username-field"), ("test_id", "password-field")),
        ("test_id", "sign-in-button"),
        "/-/profile",
    ),
}
#: WebArena-Verified's images log a request in from one header (``--login headers``).
HEADER_LOGINS = {
    "shopping_admin": ("X-M2-Admin-Auto-Login", "admin:admin1234"),
    "shopping": ("X-M2-Customer-Auto-Login", "emma.lopez@gmail.com:Password.123"),
    "reddit": ("X-Postmill-Auto-Login", "MarvelsGrantMan136:test1234"),
}


class LoginFailed(RuntimeError):
    """A login did not give a logged-in session; the message names the site and the account."""


def _check_urls(values: Mapping[str, Any], source: str) -> dict[str, str]:
    sites = {}
    for name, url in values.items():
        if name not in SITE_VARS:
            raise SuiteError(f"{source}: unknown site {name!r}; known: {', '.join(SITE_VARS)}")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise SuiteError(f"{source}: {name}: {url!r} is not an http(s) URL")
        sites[name] = url
    return sites


def sites_from_env(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Return the site map of the WebArena variables that are set (``SHOPPING=http://...``)."""
    return _check_urls({n: environ[n] for n in SITE_VARS if environ.get(n)}, "environment variable")


def sites_from_file(path: Path) -> dict[str, str]:
    """Return the site map of a ``--sites`` JSON file (an object of variable names to URLs)."""
    value = read_json_file(Path(path), SuiteError)
    if not isinstance(value, dict):
        raise SuiteError(f'--sites {path}: must be a JSON object such as {{"SHOPPING": "http://..."}}')
    return _check_urls(value, f"--sites {path}")


def base_url(site: str, sites: Mapping[str, str]) -> str:
    """Return the base URL of the config site name ``site`` (``shopping_admin``) in ``sites``."""
    return sites[SITE_OF[site]].rstrip("/")


def probe(url: str, timeout: float = SITE_TIMEOUT_S) -> str | None:
    """Return why ``url`` is down (no answer, or a 5xx status), or None when it answers."""
    request = urllib.request.Request(url, headers={"User-Agent": "webbench-health-check"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
            response.read(1)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}" if exc.code >= 500 else None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return str(getattr(exc, "reason", exc))
    return None


def _locator(page: Any, how: tuple[str, str]) -> Any:
    kind, text = how
    if kind == "label":
        return page.get_by_label(text, exact=True)
    if kind == "placeholder":
        return page.get_by_placeholder(text, exact=True)
    if kind == "role":
        return page.get_by_role("button", name=text)
    return page.get_by_test_id(text)


def login(
    browser: Any, site: str, sites: Mapping[str, str], timeout: float = SITE_TIMEOUT_S
) -> dict[str, Any]:
    """Log into ``site`` with its official account in a new context; return the storage state.

    Raises LoginFailed when the form cannot be filled or the logged-in check fails afterwards.
    """
    from playwright.sync_api import Error as PlaywrightError

    account = ACCOUNTS[site]
    base = base_url(site, sites)
    context = browser.new_context()
    try:
        context.set_default_timeout(timeout * 1000)
        page = context.new_page()
        page.goto(base + account.form, wait_until="load")
        _locator(page, account.fields[0]).fill(account.user)
        _locator(page, account.fields[1]).fill(account.password)
        with page.expect_navigation(wait_until="load"):
            _locator(page, account.submit).click()
        state = context.storage_state()
    except PlaywrightError as exc:
        raise LoginFailed(f"site {site}: login as {account.user} failed: {str(exc).splitlines()[0]}") from exc
    finally:
        context.close()
    if not logged_in(browser, site, sites, state, timeout):
        raise LoginFailed(
            f"site {site}: login as {account.user} failed (the logged-in check {account.check})"
        )
    return state


def logged_in(
    browser: Any, site: str, sites: Mapping[str, str], state: dict[str, Any], timeout: float = SITE_TIMEOUT_S
) -> bool:
    """Return True when ``state`` passes the site's official logged-in check."""
    from playwright.sync_api import Error as PlaywrightError

    account = ACCOUNTS[site]
    context = browser.new_context(storage_state=state)
    try:
        url = base_url(site, sites) + account.check
        if account.check_text is None:
            response = context.request.get(url, max_redirects=0, timeout=timeout * 1000)
            return 200 <= response.status < 300
        response = context.request.get(url, timeout=timeout * 1000)
        return response.ok and account.check_text in response.text()
    except PlaywrightError:
        return False
    finally:
        context.close()


def merged(states: list[dict[str, Any]]) -> dict[str, Any]:
    """Return one storage state holding the cookies and origins of ``states``."""
    return {
        "cookies": [cookie for state in states for cookie in state.get("cookies", [])],
        "origins": [origin for state in states for origin in state.get("origins", [])],
    }


def check_sites(needed: list[str], sites: Mapping[str, str], logins: list[str]) -> list[str]:
    """Print one line per site in ``needed`` (missing, down, up, login failing) to stderr; log into
    each of ``logins`` once (a real browser) when every site is up. Return the sites at fault."""
    failed = []
    for name in needed:
        url = sites.get(name)
        problem = probe(url) if url else None
        if url is None:
            line = f"site {name.lower()}: missing (set {name} or give --sites FILE)"
        elif problem:
            line = f"site {name.lower()}: down ({url}: {problem})"
        else:
            line = f"site {name.lower()}: up ({url})"
        print(line, file=sys.stderr)
        if url is None or problem:
            failed.append(name.lower())
    if failed or not logins:
        return failed
    from webbench.browser.session import BrowserSession

    with BrowserSession.launch() as session:
        for site in logins:
            try:
                login(session.browser, site, sites)
            except LoginFailed as exc:
                print(f"site {site}: login failing: {exc}", file=sys.stderr)
                failed.append(site)
            else:
                print(f"site {site}: login ok ({ACCOUNTS[site].user})", file=sys.stderr)
    return failed
