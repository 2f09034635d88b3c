"""Health of WebArena sites by HTTP: one GET per site (its login page where it has one), with a time-out.

A site is ``down`` (no answer, or an error status), ``up`` (it answers), or ``login page ok`` (its login
form answers with a password field). A site that redirects to another host is reported as such: that is
a Magento or GitLab whose base URL was not set to the address used here.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

#: Where each site's login form is, relative to its variable's URL (LIVE-SUITES.md 1.1).
LOGIN_PATHS = {
    "SHOPPING": "/customer/account/login/",
    "SHOPPING_ADMIN": "",
    "REDDIT": "/login",
    "GITLAB": "/users/sign_in",
}
DEFAULT_TIMEOUT = 10.0
_PASSWORD_FIELD = re.compile(rb"type\s*=\s*[\"']?password", re.IGNORECASE)


@dataclass(frozen=True)
class Health:
    """One site's state: ``up``, ``down`` or ``login page ok``, the URL asked, and why when not ok."""

    variable: str
    state: str
    url: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Return True when the site answers (``up`` or ``login page ok``)."""
        return self.state != "down"

    def line(self) -> str:
        """Return the one-line report: variable, state, URL and detail."""
        return f"{self.variable:<15} {self.state:<14} {self.url}" + (
            f"  ({self.detail})" if self.detail else ""
        )


def probe(variable: str, url: str, timeout: float = DEFAULT_TIMEOUT) -> Health:
    """Return the health of the site ``variable`` at ``url`` from one GET (its login page if it has one)."""
    target = url.rstrip("/") + LOGIN_PATHS[variable] if variable in LOGIN_PATHS else url
    try:
        with urllib.request.urlopen(target, timeout=timeout) as response:  # noqa: S310 - http(s) URL
            final, body = response.geturl(), response.read(2_000_000)
    except urllib.error.HTTPError as exc:
        return Health(variable, "down", target, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:
        return Health(variable, "down", target, str(getattr(exc, "reason", exc))[:200])
    if urllib.parse.urlsplit(final).netloc != urllib.parse.urlsplit(target).netloc:
        return Health(variable, "up", target, f"redirects to {final}: base URL not set to this address")
    if variable in LOGIN_PATHS:
        if _PASSWORD_FIELD.search(body):
            return Health(variable, "login page ok", target)
        return Health(variable, "up", target, "no password field on the login page")
    return Health(variable, "up", target)


def check(urls: dict[str, str], timeout: float = DEFAULT_TIMEOUT) -> list[Health]:
    """Return the health of every site of the site map ``urls`` (variable -> URL), in its order."""
    return [probe(variable, url, timeout) for variable, url in urls.items()]
