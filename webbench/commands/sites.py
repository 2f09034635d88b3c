"""``webbench sites up|status|reset|down``: the WebArena sites, as local stand-ins or in Docker.

Backends: ``standins`` (the default: the small offline sites of ``envs/``, kept running by a
background process until ``down``), ``docker`` (the official WebArena images) and ``verified``
(WebArena-Verified's images). ``up`` prints the ``export`` lines of the site variables; ``status``
prints one line per site (up, down, login page ok); ``--dry-run`` prints the docker commands and runs
nothing. See docker/README.md for loading the images.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from webbench.core.errors import UsageError
from webbench.sites import detached, docker, health
from webbench.sites.process import SiteError

BACKENDS = ("standins", "docker", "verified")
_FLAVOUR = {"docker": "webarena", "verified": "verified"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sites`` to the sub-commands."""
    p = sub.add_parser("sites", help="start, check, reset and stop the WebArena sites", description=__doc__)
    p.add_argument("action", choices=docker.ACTIONS, metavar="{" + ",".join(docker.ACTIONS) + "}")
    p.add_argument("--sites", help=f"comma-separated sites (default: {','.join(docker.DEFAULT_SITES)})")
    p.add_argument("--backend", default="standins", help=f"{' | '.join(BACKENDS)} (default: standins)")
    p.add_argument("--dry-run", action="store_true", help="print the docker commands, run nothing")
    p.add_argument("--host", default="127.0.0.1", help="host name in the base URLs (default: 127.0.0.1)")
    p.add_argument("--bind", default="127.0.0.1", help="address the docker ports are published on")
    p.add_argument("--zim-dir", type=Path, help=f"folder holding {docker.ZIM_FILE} (wikipedia)")
    p.add_argument("--map-dir", type=Path, help="your openstreetmap-website checkout (map, docker backend)")
    p.add_argument("--timeout", type=float, default=docker.DEFAULT_TIMEOUT, help="seconds per command")
    p.set_defaults(func=main)


def _sites(args: argparse.Namespace) -> list[str] | None:
    if args.sites is None:
        return None
    sites = [s.strip() for s in args.sites.split(",") if s.strip()]
    if not sites:
        raise UsageError("--sites: no site named")
    return docker.check_names(sites)


def _report(urls: dict[str, str], timeout: float) -> bool:
    results = health.check(urls, timeout)
    for result in results:
        print(result.line())
    return all(r.ok for r in results)


def _exports(urls: dict[str, str]) -> None:
    for variable, url in urls.items():
        print(f"export {variable}={url}")


def _docker(args: argparse.Namespace, sites: list[str] | None) -> int:
    flavour = _FLAVOUR[args.backend]
    chosen = docker.check_sites(sites or docker.DEFAULT_SITES, flavour)
    commands = docker.plan(args.action, chosen, flavour, args.host, args.bind, args.zim_dir, args.map_dir)
    if args.dry_run:
        for command in commands:
            print(shlex.join(command))
        return 0
    if args.action != "status":
        docker.run(commands, args.timeout)
    else:  # the sites may run elsewhere (--host): their health lines come even without docker here
        try:
            for out in docker.run(commands, args.timeout):
                print(out.rstrip())
        except SiteError as exc:
            print(f"docker: {exc}")
    if args.action == "down":
        return 0
    urls = docker.site_urls(chosen, flavour, args.host)
    ok = _report(urls, health.DEFAULT_TIMEOUT)
    if flavour == "verified":
        for site in chosen:
            ready, message = docker.env_ctrl_status(docker.ctrl_url(site, args.host))
            print(f"{docker.VARIABLES[site]:<15} {message}")
            ok = ok and ready
    if args.action in ("up", "reset"):
        _exports(urls)
    return 0 if ok else 1


def _standins(args: argparse.Namespace, sites: list[str] | None) -> int:
    if args.dry_run:
        raise UsageError("--dry-run: only for the docker and verified backends (stand-ins run no docker)")
    state = detached.read_state()
    if args.action == "up":
        offered = detached.offered_sites()
        if sites is None:
            if offered is None:
                raise UsageError(f"stand-in sites {detached.factory_name()}: no STANDIN_SITES; pass --sites")
            sites = list(offered)
        missing = [s for s in sites if offered is not None and s not in offered]
        if missing:
            raise UsageError(f"no stand-in for {', '.join(missing)}; stand-ins: {', '.join(offered or ())}")
        state = detached.start(sites)
        print(f"stand-in sites up (pid {state['pid']}; state in {detached.state_path()})")
        _report(state["urls"], health.DEFAULT_TIMEOUT)
        _exports(state["urls"])
        return 0
    if state is None:
        print(f"no stand-in sites running (no live state in {detached.state_path()})")
        return 0 if args.action == "down" else 1
    if args.action == "down":
        detached.stop(state)
        print(f"stand-in sites stopped (pid {state['pid']})")
        return 0
    chosen = sites or state["sites"]
    if args.action == "reset":
        for site in chosen:
            detached.reset(state, site)
            print(f"{site}: reset")
        return 0
    running = detached.alive(state)
    ok = _report(state["urls"], health.DEFAULT_TIMEOUT)
    for site in chosen:
        print(f"{site:<15} process {'running' if running.get(site) else 'NOT running'}")
    return 0 if ok and all(running.get(s) for s in chosen) else 1


def main(args: argparse.Namespace, extra: list[str]) -> int:
    """Run ``webbench sites ACTION``; return the exit code (1 when a site is down or a command fails)."""
    if args.backend not in BACKENDS:
        raise UsageError(f"unknown backend {args.backend!r}; known: {', '.join(BACKENDS)}")
    sites = _sites(args)
    try:
        if args.backend == "standins":
            return _standins(args, sites)
        return _docker(args, sites)
    except SiteError as exc:
        print(f"webbench: error: {exc}", file=sys.stderr)
        return 1
