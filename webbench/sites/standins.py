"""WebArena's stand-in sites (the repo's ``envs/``) as local processes: start, reset, health, stop.

Each stand-in is one process serving on a free 127.0.0.1 port (``python -m envs.<name>
--with-parent``, the protocol of :mod:`webbench.sites.process`): ``shopping`` serves
the storefront and, under ``/admin``, ``shopping_admin``; ``reddit`` and ``gitlab``
one site each. A reset is ``POST /__webbench__/reset`` (the state goes back to an
in-memory copy of the seed); health is ``GET /__webbench__/health``. The processes
stop when the context exits, also on an error, and exit by themselves when the
parent dies. Pages, forms and seed records are listed in ``envs/README.md``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import webbench
from webbench.core.errors import UsageError
from webbench.sites.process import SiteError, SiteProcess, wait_for

STANDIN_SITES: tuple[str, ...] = ("shopping", "shopping_admin", "reddit", "gitlab")
#: site name -> (the process that serves it, the WebArena variable, the path of its base URL)
_SERVED_BY: dict[str, tuple[str, str, str]] = {
    "shopping": ("shopping", "SHOPPING", ""),
    "shopping_admin": ("shopping", "SHOPPING_ADMIN", "/admin"),
    "reddit": ("reddit", "REDDIT", ""),
    "gitlab": ("gitlab", "GITLAB", ""),
}
CONTROL = "/__webbench__"


class UnknownStandin(UsageError):
    """A site name with no stand-in (the message names it and the sites there are)."""


def envs_dir() -> Path:
    """Return the repo's ``envs/`` folder (beside the ``webbench`` package of a source checkout)."""
    return Path(webbench.__file__).resolve().parents[1] / "envs"


class StandinSites:
    """The stand-in processes one context started: base URLs by variable name, reset, health, stop."""

    def __init__(self, sites: Iterable[str], slot: int = 0, timeout: float = 10.0) -> None:
        self.sites = tuple(dict.fromkeys(sites))
        for site in self.sites:
            if site not in _SERVED_BY:
                raise UnknownStandin(f"no stand-in site {site!r} (there are: {', '.join(STANDIN_SITES)})")
        #: Time-out of each HTTP call to a stand-in (reset, health), in seconds.
        self.timeout = timeout
        self.urls: dict[str, str] = {}
        self._processes: dict[str, SiteProcess] = {}
        for site in self.sites:
            name = _SERVED_BY[site][0]
            if name not in self._processes:
                self._processes[name] = SiteProcess(
                    f"standin-{name}-{slot}", f"envs.{name}", ["--with-parent"]
                )

    def start(self, timeout: float = 20.0) -> None:
        """Start every process and wait until each answers its health check; SiteError if one does not."""
        if not (envs_dir() / "__init__.py").is_file():
            raise SiteError(
                f"stand-in sites: no envs/ folder at {envs_dir()} (they come with a source checkout)"
            )
        try:
            for name, process in self._processes.items():
                process.start(timeout)
                wait_for(lambda name=name: self._healthy(name), timeout, f"stand-in {name} at {process.url}")
        except BaseException:
            self.stop()
            raise
        for site in self.sites:
            name, variable, path = _SERVED_BY[site]
            self.urls[variable] = self._processes[name].url + path

    def _process(self, site: str) -> tuple[str, SiteProcess]:
        name = _SERVED_BY[site][0] if site in _SERVED_BY else ""
        if name not in self._processes:
            raise UnknownStandin(f"stand-in site {site!r} was not started (started: {', '.join(self.sites)})")
        return name, self._processes[name]

    def _call(self, name: str, method: str, path: str) -> dict:
        process = self._processes[name]
        request = urllib.request.Request(
            f"{process.url}{CONTROL}{path}", data=b"" if method == "POST" else None, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            state = "running" if process.alive() else f"exited ({process.log_tail()})"
            raise SiteError(
                f"stand-in {name}: {method} {CONTROL}{path} failed: {exc} (process {state})"
            ) from exc

    def _healthy(self, name: str) -> bool:
        process = self._processes[name]
        try:
            return self._call(name, "GET", "/health").get("status") == "ok"
        except SiteError:
            if not process.alive():
                raise
            return False

    def reset(self, site: str) -> None:
        """Put ``site`` back to its seed state (``shopping`` and ``shopping_admin`` share one state)."""
        name, _ = self._process(site)
        if self._call(name, "POST", "/reset").get("reset") is not True:
            raise SiteError(f"stand-in {name}: reset was not confirmed")

    def alive(self, site: str) -> bool:
        """Return True while the process serving ``site`` runs and answers its health check."""
        name, process = self._process(site)
        if not process.alive():
            return False
        try:
            return self._healthy(name)
        except SiteError:
            return False

    def pids(self) -> list[int]:
        """Return the process ids of the running stand-in processes."""
        return [p.pgid for p in self._processes.values() if p.pgid is not None and p.alive()]

    def stop(self) -> None:
        """Stop every process (terminate, then kill its group); idempotent."""
        for process in self._processes.values():
            process.stop()
        self.urls.clear()


@contextmanager
def standin_sites(sites: Iterable[str], slot: int = 0) -> Iterator[StandinSites]:
    """Start the processes the named ``sites`` need on free loopback ports; yield them; stop them on exit.

    ``slot`` (a worker's number) only names the processes and their logs, so that the
    stand-ins of parallel workers are told apart; each worker gets its own processes.
    """
    standins = StandinSites(sites, slot)
    try:
        standins.start()
        yield standins
    finally:
        standins.stop()
