"""The official WebArena sites in Docker: the exact ``docker`` commands for up, status, reset and down.

Two flavours of images, both loaded by the user from their own tar files (``docker load -i``):

- ``webarena``: the original images (``shopping_final_0712``, ``shopping_admin_final_0719``,
  ``postmill-populated-exposed-withimg``, ``gitlab-populated-final-port8023``, Kiwix with the
  Wikipedia ZIM file), the container names, ports and base-URL steps of web-arena-x/webarena's
  ``environment_docker/README.md`` (Magento ``setup:store-config:set --base-url``, the MySQL update of
  ``web/secure/base_url``, ``cache:flush``; GitLab ``external_url`` in ``gitlab.rb`` and
  ``gitlab-ctl reconfigure``). The map is the user's ``openstreetmap-website`` checkout (its own compose
  project, as on the official AMI); there is no image for it, nor for the homepage.
- ``verified``: WebArena-Verified's images (``am1n3e/webarena-verified-<site>``), each with its env-ctrl
  service on container port 8877, started and configured as its own ``ContainerManager`` does
  (``env-ctrl start --wait``, then ``env-ctrl init --base-url``).

``docker run`` never pulls (``--pull never``): the images come from ``docker load``.
Every port is published on ``bind`` (127.0.0.1 unless told otherwise); base URLs use ``host``.
Reset re-creates the containers from the images (the only full reset either flavour has; env-ctrl's
HTTP API offers ``GET /status`` and ``POST /init|/start|/stop``, none of which restores the data).
:func:`plan` is pure; :func:`run` runs a plan with a time-out on every command.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from webbench.core.errors import UsageError
from webbench.sites.process import SiteError

ACTIONS = ("up", "status", "reset", "down")
FLAVOURS = ("webarena", "verified")
#: WebArena's site names, in the order commands run; ``homepage`` is the start page.
SITE_NAMES = ("shopping", "shopping_admin", "reddit", "gitlab", "wikipedia", "map", "homepage")
#: The variable that holds each site's base URL.
VARIABLES = {name: name.upper() for name in SITE_NAMES}
#: Sites started when none are named: the four that need no data besides their image.
DEFAULT_SITES = ("shopping", "shopping_admin", "reddit", "gitlab")
#: The Wikipedia ZIM file the tasks were written against, and the page ``WIKIPEDIA`` points at.
ZIM_FILE = "wikipedia_en_all_maxi_2022-05.zim"
WIKIPEDIA_LANDING = "/wikipedia_en_all_maxi_2022-05/A/User:The_other_Kiwix_guy/Landing"
MAGENTO = "/var/www/magento2/bin/magento"
#: The Magento images' database account (test instances only).
MYSQL = ("-u", "magentouser", "-pMyPassword")
ENV_CTRL_PORT = 8877
#: Seconds a command may take: most are quick; waiting for a site and ``gitlab-ctl reconfigure`` are not.
DEFAULT_TIMEOUT = 600.0
SLOW_TIMEOUT = 1800.0
#: How long the Verified images' ``env-ctrl start --wait`` waits for the site's services.
ENV_CTRL_WAIT_S = 900


@dataclass(frozen=True)
class Container:
    """One site's container: name, image, host port -> container port, and what ``docker run`` adds."""

    site: str
    name: str
    image: str
    port: int
    inner: int
    command: tuple[str, ...] = ()
    ctrl_port: int | None = None
    volumes: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


WEBARENA = {
    "shopping": Container("shopping", "shopping", "shopping_final_0712", 7770, 80),
    "shopping_admin": Container("shopping_admin", "shopping_admin", "shopping_admin_final_0719", 7780, 80),
    "reddit": Container("reddit", "forum", "postmill-populated-exposed-withimg", 9999, 80),
    "gitlab": Container(
        "gitlab",
        "gitlab",
        "gitlab-populated-final-port8023",
        8023,
        8023,
        command=("/opt/gitlab/embedded/bin/runsvdir-start",),
    ),
    "wikipedia": Container(
        "wikipedia", "wikipedia", "ghcr.io/kiwix/kiwix-serve:3.3.0", 8888, 80, command=(ZIM_FILE,)
    ),
}
#: The map of the official set-up: the openstreetmap-website compose project (frontend on port 3000).
WEBARENA_MAP_PORT = 3000
HOMEPAGE_PORT = 4399

_MAP_VOLUMES = (
    "webarena-verified-map-tile-db:/data/database",
    "webarena-verified-map-routing-car:/data/routing/car",
    "webarena-verified-map-routing-bike:/data/routing/bike",
    "webarena-verified-map-routing-foot:/data/routing/foot",
    "webarena-verified-map-nominatim-db:/data/nominatim/postgres",
    "webarena-verified-map-nominatim-flatnode:/data/nominatim/flatnode",
    "webarena-verified-map-website-db:/var/lib/postgresql/14/main",
    "webarena-verified-map-tiles:/data/tiles",
    "webarena-verified-map-style:/data/style",
)


def _verified(site: str, port: int, inner: int, ctrl: int, **extra: tuple[str, ...]) -> Container:
    return Container(
        site,
        f"webarena-verified-{site}",
        f"am1n3e/webarena-verified-{site}:latest",
        port,
        inner,
        ctrl_port=ctrl,
        **extra,
    )


#: Ports as in WebArena-Verified's own docker-compose.yml.
VERIFIED = {
    "shopping": _verified("shopping", 7770, 80, 7771),
    "shopping_admin": _verified("shopping_admin", 7780, 80, 7781),
    "reddit": _verified("reddit", 9999, 80, 9998),
    "gitlab": _verified("gitlab", 8023, 8023, 8024, options=("--shm-size", "2g")),
    "wikipedia": _verified(
        "wikipedia", 8888, 8080, 8889, volumes=("webarena-verified-wikipedia-data:/data:ro",)
    ),
    "map": _verified("map", 3030, 8080, 3031, volumes=_MAP_VOLUMES, options=("--platform", "linux/amd64")),
}


@dataclass(frozen=True)
class Options:
    """Where the ports are published and what the optional sites need."""

    bind: str = "127.0.0.1"
    zim_dir: Path | None = None
    map_dir: Path | None = None


def containers(flavour: str) -> dict[str, Container]:
    """Return the site -> container table of ``flavour``; UsageError for an unknown flavour."""
    if flavour not in FLAVOURS:
        raise UsageError(f"unknown image flavour {flavour!r}; known: {', '.join(FLAVOURS)}")
    return WEBARENA if flavour == "webarena" else VERIFIED


def supported(flavour: str) -> tuple[str, ...]:
    """Return the sites ``flavour`` can start, in :data:`SITE_NAMES` order."""
    table = containers(flavour)
    return tuple(s for s in SITE_NAMES if s in table or (flavour == "webarena" and s == "map"))


def check_names(sites: Iterable[str]) -> list[str]:
    """Return ``sites`` without repeats, in their order; UsageError naming a site WebArena does not have."""
    chosen = list(dict.fromkeys(sites))
    for site in chosen:
        if site not in SITE_NAMES:
            raise UsageError(f"unknown site {site!r}; known: {', '.join(SITE_NAMES)}")
    return chosen


def check_sites(sites: Iterable[str], flavour: str) -> list[str]:
    """Return ``sites`` in run order, checked: UsageError naming an unknown site or one without an image."""
    chosen = check_names(sites)
    for site in chosen:
        if site not in supported(flavour):
            raise UsageError(
                f"{site}: no {flavour} image; serve it as docker/README.md says and set {VARIABLES[site]}"
            )
    return [s for s in SITE_NAMES if s in chosen]


def base_url(site: str, flavour: str, host: str = "127.0.0.1") -> str:
    """Return the site's root URL on ``host`` (no trailing slash)."""
    if flavour == "webarena" and site == "map":
        return f"http://{host}:{WEBARENA_MAP_PORT}"
    return f"http://{host}:{containers(flavour)[site].port}"


def site_urls(sites: Iterable[str], flavour: str, host: str = "127.0.0.1") -> dict[str, str]:
    """Return the WebArena variables of ``sites``: ``{"SHOPPING": ..., "SHOPPING_ADMIN": ".../admin"}``."""
    urls = {}
    for site in sites:
        url = base_url(site, flavour, host)
        url += {"shopping_admin": "/admin", "wikipedia": WIKIPEDIA_LANDING}.get(site, "")
        urls[VARIABLES[site]] = url
    return urls


def ctrl_url(site: str, host: str = "127.0.0.1") -> str:
    """Return the env-ctrl URL of a Verified site."""
    return f"http://{host}:{VERIFIED[site].ctrl_port}"


def _run(box: Container, flavour: str, options: Options) -> list[str]:
    volumes = list(box.volumes)
    if box.site == "wikipedia":
        if options.zim_dir is not None:
            volumes = [f"{options.zim_dir.resolve()}:/data" + (":ro" if flavour == "verified" else "")]
        elif flavour == "webarena":
            raise UsageError(f"wikipedia: pass --zim-dir, the folder that holds {ZIM_FILE}")
    ports = [f"{options.bind}:{box.port}:{box.inner}"]
    if box.ctrl_port is not None:
        ports.append(f"{options.bind}:{box.ctrl_port}:{ENV_CTRL_PORT}")
    command = ["docker", "run", "--name", box.name, "-d", "--pull", "never", *box.options]
    for port in ports:
        command += ["-p", port]
    for volume in volumes:
        command += ["-v", volume]
    return [*command, box.image, *box.command]


def _until(name: str, probe: str) -> list[str]:
    """A command that returns once ``probe`` succeeds inside the container (polled every second)."""
    return ["docker", "exec", name, "sh", "-c", f"until {probe}; do sleep 1; done"]


def _magento_base_url(name: str, url: str) -> list[list[str]]:
    mysql_ping = shlex.join(["mysqladmin", "ping", *MYSQL, "--silent"])
    update = f'UPDATE core_config_data SET value="{url}/" WHERE path = "web/secure/base_url";'
    return [
        _until(name, f"{mysql_ping} >/dev/null 2>&1"),
        ["docker", "exec", name, MAGENTO, "setup:store-config:set", f"--base-url={url}"],
        ["docker", "exec", name, "mysql", *MYSQL, "magentodb", "-e", update],
    ]


def _setup_webarena(box: Container, url: str) -> list[list[str]]:
    name = box.name
    if box.site == "shopping":
        return [*_magento_base_url(name, url), ["docker", "exec", name, MAGENTO, "cache:flush"]]
    if box.site == "shopping_admin":
        no_forced_reset = [
            ["docker", "exec", name, "php", MAGENTO, "config:set", f"admin/security/{key}", "0"]
            for key in ("password_is_forced", "password_lifetime")
        ]
        return [
            *_magento_base_url(name, url),
            *no_forced_reset,
            ["docker", "exec", name, MAGENTO, "cache:flush"],
        ]
    if box.site == "gitlab":
        return [
            _until(name, "gitlab-ctl status >/dev/null 2>&1"),
            [
                "docker",
                "exec",
                name,
                "sed",
                "-i",
                f"s|^external_url.*|external_url '{url}'|",
                "/etc/gitlab/gitlab.rb",
            ],
            ["docker", "exec", name, "gitlab-ctl", "reconfigure"],
        ]
    return []


def _setup_verified(box: Container, url: str) -> list[list[str]]:
    ctl = ["docker", "exec", box.name, "env-ctrl"]
    return [
        [*ctl, "start", "--wait", "--timeout", str(ENV_CTRL_WAIT_S)],
        [*ctl, "init", "--base-url", f"{url}/"],
    ]


def _map_compose(options: Options, verb: str) -> list[str]:
    if options.map_dir is None:
        raise UsageError("map: pass --map-dir, your openstreetmap-website checkout (docker/README.md)")
    return ["docker", "compose", "--project-directory", str(options.map_dir.resolve()), verb]


def plan(
    action: str,
    sites: Iterable[str] = DEFAULT_SITES,
    flavour: str = "webarena",
    host: str = "127.0.0.1",
    bind: str = "127.0.0.1",
    zim_dir: Path | None = None,
    map_dir: Path | None = None,
) -> list[list[str]]:
    """Return the docker commands (argument lists) that perform ``action`` on ``sites``, in order.

    ``up`` runs each container and sets its base URL; ``reset`` removes and re-creates them the same
    way; ``down`` removes them; ``status`` lists them (``docker ps``). UsageError for an unknown
    action, flavour or site, or a missing ``zim_dir`` / ``map_dir``.
    """
    if action not in ACTIONS:
        raise UsageError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    chosen = check_sites(sites, flavour)
    table, options = containers(flavour), Options(bind, zim_dir, map_dir)
    if action == "status":
        names = [f"name=^{table[s].name}$" for s in chosen if s in table]
        listing = ["docker", "ps", "-a", "--format", "{{.Names}}\t{{.Image}}\t{{.Status}}"]
        commands = [[*listing, *(arg for n in names for arg in ("--filter", n))]] if names else []
        if "map" in chosen and flavour == "webarena":
            commands.append(_map_compose(options, "ps"))
        return commands
    commands: list[list[str]] = []
    for site in chosen:
        if site not in table:
            verb = {"up": "start", "reset": "restart", "down": "stop"}[action]
            commands.append(_map_compose(options, verb))
            continue
        box = table[site]
        if action in ("reset", "down"):
            commands.append(["docker", "rm", "-f", box.name])
        if action in ("up", "reset"):
            url = base_url(site, flavour, host)
            setup = _setup_webarena if flavour == "webarena" else _setup_verified
            commands += [_run(box, flavour, options), *setup(box, url)]
    return commands


def command_timeout(command: Sequence[str], default: float = DEFAULT_TIMEOUT) -> float:
    """Return the time-out of one planned command: :data:`SLOW_TIMEOUT` for the waits, else ``default``."""
    text = " ".join(command)
    slow = ("until ", "gitlab-ctl reconfigure", "env-ctrl start --wait")
    return max(default, SLOW_TIMEOUT) if any(s in text for s in slow) else default


def _gone(command: Sequence[str], stderr: str) -> bool:
    """True for ``docker rm`` of a container that does not exist (nothing to remove is no failure)."""
    return list(command[:2]) == ["docker", "rm"] and "no such container" in stderr.lower()


def run(commands: Sequence[Sequence[str]], timeout: float = DEFAULT_TIMEOUT, echo: bool = True) -> list[str]:
    """Run ``commands`` in order, each with its own time-out; return their standard outputs.

    Each command is printed (as a shell line) before it runs when ``echo``. SiteError (one line) at the
    first command that fails, times out, or cannot start (docker not installed).
    """
    outputs = []
    for command in commands:
        line = shlex.join(command)
        if echo:
            print(f"$ {line}", flush=True)
        limit = command_timeout(command, timeout)
        try:
            done = subprocess.run(
                list(command), capture_output=True, text=True, errors="replace", timeout=limit
            )
        except FileNotFoundError as exc:
            raise SiteError(f"{command[0]}: not found; install Docker Engine (docker/README.md)") from exc
        except subprocess.TimeoutExpired as exc:
            raise SiteError(f"{line}: no result within {limit:g} s") from exc
        if done.returncode != 0 and not _gone(command, done.stderr):
            last = next((x.strip() for x in reversed(done.stderr.splitlines()) if x.strip()), "")
            raise SiteError(f"{line}: exit code {done.returncode}" + (f": {last[:300]}" if last else ""))
        outputs.append(done.stdout)
    return outputs


def env_ctrl_status(url: str, timeout: float = 10.0) -> tuple[bool, str]:
    """Return (ready, message) from a Verified image's ``GET {url}/status``, with a time-out."""
    try:
        with urllib.request.urlopen(f"{url}/status", timeout=timeout) as response:  # noqa: S310 - http URL
            body = response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
    except (OSError, ValueError) as exc:
        return False, f"env-ctrl not answering at {url} ({getattr(exc, 'reason', exc)})"
    try:
        data = json.loads(body)
    except ValueError:
        return False, f"env-ctrl at {url}: not JSON"
    ready = bool(isinstance(data, dict) and data.get("success"))
    return ready, "env-ctrl ready" if ready else f"env-ctrl not ready: {str(data.get('message', ''))[:120]}"
