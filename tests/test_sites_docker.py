"""``webbench sites``: the compose files, the exact docker commands of every action and flavour, the
runner, the HTTP health lines, bad input, and the detached stand-ins' state file (with real loopback
processes). Nothing pulls or runs an image: there is no Docker daemon or registry here.
"""

from __future__ import annotations

import http.server
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import ROOT, WEBARENA_SITES, marked_processes, webbench

from webbench.cli import main
from webbench.core.errors import UsageError
from webbench.sites import docker, health
from webbench.sites.process import SiteError, wait_for

DOCKER = ROOT / "docker"
TESTS = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------------
# The exact commands (written out here, not computed from the module under test).

SHOPPING_UP = [
    [
        "docker",
        "run",
        "--name",
        "shopping",
        "-d",
        "--pull",
        "never",
        "-p",
        "127.0.0.1:7770:80",
        "shopping_final_0712",
    ],
    [
        "docker",
        "exec",
        "shopping",
        "sh",
        "-c",
        "until mysqladmin ping -u magentouser -pMyPassword --silent >/dev/null 2>&1; do sleep 1; done",
    ],
    [
        "docker",
        "exec",
        "shopping",
        "/var/www/magento2/bin/magento",
        "setup:store-config:set",
        "--base-url=http://127.0.0.1:7770",
    ],
    [
        "docker",
        "exec",
        "shopping",
        "mysql",
        "-u",
        "magentouser",
        "-pMyPassword",
        "magentodb",
        "-e",
        'UPDATE core_config_data SET value="http://127.0.0.1:7770/" WHERE path = "web/secure/base_url";',
    ],
    ["docker", "exec", "shopping", "/var/www/magento2/bin/magento", "cache:flush"],
]
ADMIN_UP_ON_HOST = [
    [
        "docker",
        "run",
        "--name",
        "shopping_admin",
        "-d",
        "--pull",
        "never",
        "-p",
        "0.0.0.0:7780:80",
        "shopping_admin_final_0719",
    ],
    [
        "docker",
        "exec",
        "shopping_admin",
        "sh",
        "-c",
        "until mysqladmin ping -u magentouser -pMyPassword --silent >/dev/null 2>&1; do sleep 1; done",
    ],
    [
        "docker",
        "exec",
        "shopping_admin",
        "/var/www/magento2/bin/magento",
        "setup:store-config:set",
        "--base-url=http://wa.example:7780",
    ],
    [
        "docker",
        "exec",
        "shopping_admin",
        "mysql",
        "-u",
        "magentouser",
        "-pMyPassword",
        "magentodb",
        "-e",
        'UPDATE core_config_data SET value="http://wa.example:7780/" WHERE path = "web/secure/base_url";',
    ],
    [
        "docker",
        "exec",
        "shopping_admin",
        "php",
        "/var/www/magento2/bin/magento",
        "config:set",
        "admin/security/password_is_forced",
        "0",
    ],
    [
        "docker",
        "exec",
        "shopping_admin",
        "php",
        "/var/www/magento2/bin/magento",
        "config:set",
        "admin/security/password_lifetime",
        "0",
    ],
    ["docker", "exec", "shopping_admin", "/var/www/magento2/bin/magento", "cache:flush"],
]
FORUM_UP = [
    [
        "docker",
        "run",
        "--name",
        "forum",
        "-d",
        "--pull",
        "never",
        "-p",
        "127.0.0.1:9999:80",
        "postmill-populated-exposed-withimg",
    ]
]
GITLAB_UP = [
    [
        "docker",
        "run",
        "--name",
        "gitlab",
        "-d",
        "--pull",
        "never",
        "-p",
        "127.0.0.1:8023:8023",
        "gitlab-populated-final-port8023",
        "/opt/gitlab/embedded/bin/runsvdir-start",
    ],
    ["docker", "exec", "gitlab", "sh", "-c", "until gitlab-ctl status >/dev/null 2>&1; do sleep 1; done"],
    [
        "docker",
        "exec",
        "gitlab",
        "sed",
        "-i",
        "s|^external_url.*|external_url 'http://127.0.0.1:8023'|",
        "/etc/gitlab/gitlab.rb",
    ],
    ["docker", "exec", "gitlab", "gitlab-ctl", "reconfigure"],
]
WIKIPEDIA_UP = [
    [
        "docker",
        "run",
        "--name",
        "wikipedia",
        "-d",
        "--pull",
        "never",
        "-p",
        "127.0.0.1:8888:80",
        "-v",
        "/srv/zim:/data",
        "ghcr.io/kiwix/kiwix-serve:3.3.0",
        "wikipedia_en_all_maxi_2022-05.zim",
    ],
]
V_SHOPPING_UP = [
    [
        "docker",
        "run",
        "--name",
        "webarena-verified-shopping",
        "-d",
        "--pull",
        "never",
        "-p",
        "127.0.0.1:7770:80",
        "-p",
        "127.0.0.1:7771:8877",
        "am1n3e/webarena-verified-shopping:latest",
    ],
    ["docker", "exec", "webarena-verified-shopping", "env-ctrl", "start", "--wait", "--timeout", "900"],
    [
        "docker",
        "exec",
        "webarena-verified-shopping",
        "env-ctrl",
        "init",
        "--base-url",
        "http://127.0.0.1:7770/",
    ],
]
V_GITLAB_UP = [
    [
        "docker",
        "run",
        "--name",
        "webarena-verified-gitlab",
        "-d",
        "--pull",
        "never",
        "--shm-size",
        "2g",
        "-p",
        "127.0.0.1:8023:8023",
        "-p",
        "127.0.0.1:8024:8877",
        "am1n3e/webarena-verified-gitlab:latest",
    ],
    ["docker", "exec", "webarena-verified-gitlab", "env-ctrl", "start", "--wait", "--timeout", "900"],
    [
        "docker",
        "exec",
        "webarena-verified-gitlab",
        "env-ctrl",
        "init",
        "--base-url",
        "http://127.0.0.1:8023/",
    ],
]
V_WIKIPEDIA_RUN = [
    "docker",
    "run",
    "--name",
    "webarena-verified-wikipedia",
    "-d",
    "--pull",
    "never",
    "-p",
    "127.0.0.1:8888:8080",
    "-p",
    "127.0.0.1:8889:8877",
    "-v",
    "webarena-verified-wikipedia-data:/data:ro",
    "am1n3e/webarena-verified-wikipedia:latest",
]
STATUS = ["docker", "ps", "-a", "--format", "{{.Names}}\t{{.Image}}\t{{.Status}}"]


def test_up_plans_are_the_official_steps():
    assert docker.plan("up", ["shopping"]) == SHOPPING_UP
    assert docker.plan("up", ["shopping_admin"], host="wa.example", bind="0.0.0.0") == ADMIN_UP_ON_HOST
    assert docker.plan("up", ["reddit"]) == FORUM_UP
    assert docker.plan("up", ["gitlab"]) == GITLAB_UP
    assert docker.plan("up", ["wikipedia"], zim_dir=Path("/srv/zim")) == WIKIPEDIA_UP
    # sites run in WebArena's order, each once, whatever order they are named in
    assert docker.plan("up", ["gitlab", "shopping", "gitlab"]) == SHOPPING_UP + GITLAB_UP


def test_reset_down_status_plans():
    assert docker.plan("reset", ["reddit", "gitlab"]) == [
        ["docker", "rm", "-f", "forum"],
        *FORUM_UP,
        ["docker", "rm", "-f", "gitlab"],
        *GITLAB_UP,
    ]
    assert docker.plan("down", ["shopping", "reddit"]) == [
        ["docker", "rm", "-f", "shopping"],
        ["docker", "rm", "-f", "forum"],
    ]
    assert docker.plan("status", ["shopping", "reddit"]) == [
        [*STATUS, "--filter", "name=^shopping$", "--filter", "name=^forum$"]
    ]
    osm = str(Path("/srv/osm").resolve())
    compose = ["docker", "compose", "--project-directory", osm]
    assert docker.plan("up", ["map"], map_dir=Path("/srv/osm")) == [[*compose, "start"]]
    assert docker.plan("reset", ["map"], map_dir=Path("/srv/osm")) == [[*compose, "restart"]]
    assert docker.plan("down", ["map"], map_dir=Path("/srv/osm")) == [[*compose, "stop"]]
    assert docker.plan("status", ["map"], map_dir=Path("/srv/osm")) == [[*compose, "ps"]]


def test_verified_plans():
    assert docker.plan("up", ["shopping"], "verified") == V_SHOPPING_UP
    assert docker.plan("reset", ["gitlab"], "verified") == [
        ["docker", "rm", "-f", "webarena-verified-gitlab"],
        *V_GITLAB_UP,
    ]
    assert docker.plan("down", ["shopping", "gitlab"], "verified") == [
        ["docker", "rm", "-f", "webarena-verified-shopping"],
        ["docker", "rm", "-f", "webarena-verified-gitlab"],
    ]
    assert docker.plan("up", ["wikipedia"], "verified")[0] == V_WIKIPEDIA_RUN
    with_zim = docker.plan("up", ["wikipedia"], "verified", zim_dir=Path("/srv/zim"))[0]
    assert with_zim[with_zim.index("-v") + 1] == "/srv/zim:/data:ro"
    assert docker.plan("status", ["map"], "verified") == [
        [*STATUS, "--filter", "name=^webarena-verified-map$"]
    ]


def test_site_urls_are_the_webarena_variables():
    assert (
        docker.site_urls(["shopping", "shopping_admin", "reddit", "gitlab", "wikipedia", "map"], "webarena")
        == WEBARENA_SITES
    )
    assert docker.site_urls(["map"], "verified", "h") == {"MAP": "http://h:3030"}
    assert docker.ctrl_url("reddit", "h") == "http://h:9998"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: docker.plan("up", ["shop"]), "unknown site 'shop'"),
        (lambda: docker.plan("start", ["shopping"]), "unknown action 'start'"),
        (lambda: docker.plan("up", ["shopping"], "original"), "unknown image flavour 'original'"),
        (lambda: docker.plan("up", ["homepage"]), "homepage: no webarena image"),
        (lambda: docker.plan("up", ["map"]), "map: pass --map-dir"),
        (lambda: docker.plan("up", ["wikipedia"]), "wikipedia: pass --zim-dir"),
    ],
)
def test_plan_refuses_bad_input(call, message):
    with pytest.raises(UsageError, match=message):
        call()


# ---------------------------------------------------------------------------------------------------
# The command: --dry-run prints the exact commands; bad input is one line and exit code 2.


def sites(capsys, *args: str) -> subprocess.CompletedProcess:
    """Run ``webbench sites ARGS`` in this process; return its exit code and outputs."""
    code = main(["sites", *args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["webbench", "sites", *args], code, out, err)


def test_dry_run_prints_each_command_as_a_shell_line(capsys):
    done = sites(capsys, "up", "--backend", "docker", "--sites", "gitlab,shopping", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [shlex.join(c) for c in SHOPPING_UP + GITLAB_UP]
    done = sites(capsys, "reset", "--backend", "verified", "--sites", "gitlab", "--dry-run")
    assert done.stdout.splitlines() == [
        shlex.join(c) for c in [["docker", "rm", "-f", "webarena-verified-gitlab"], *V_GITLAB_UP]
    ]
    done = sites(capsys, "down", "--backend", "docker", "--dry-run")
    assert done.stdout.splitlines() == [
        f"docker rm -f {name}" for name in ("shopping", "shopping_admin", "forum", "gitlab")
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["up", "--backend", "podman"], "unknown backend 'podman'; known: standins, docker, verified"),
        (["up", "--backend", "docker", "--sites", "shopping,wiki"], "unknown site 'wiki'"),
        (["up", "--sites", "wiki"], "unknown site 'wiki'"),
        (["restart"], "invalid choice: 'restart'"),
        (["up", "--backend", "docker", "--sites", "homepage", "--dry-run"], "homepage: no webarena image"),
        (["up", "--backend", "docker", "--sites", "wikipedia", "--dry-run"], "wikipedia: pass --zim-dir"),
        (["up", "--dry-run"], "--dry-run: only for the docker and verified backends"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, args, message):
    done = sites(capsys, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and message in done.stderr


# ---------------------------------------------------------------------------------------------------
# The compose files: valid (docker-compose config needs no daemon) and the same containers as the plans.


def _compose(path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    if shutil.which("docker-compose") is None:
        pytest.skip(
            "docker-compose is not installed (as root: apt-get install docker-compose; scripts/setup.sh does)"
        )
    return subprocess.run(
        ["docker-compose", "-f", str(path), *args, "config"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.parametrize("name", ["webarena.yml", "verified.yml"])
def test_compose_files_validate(name):
    for profile in ([], ["--profile", "wikipedia"], ["--profile", "map"]):
        done = _compose(DOCKER / name, *profile)
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("flavour", docker.FLAVOURS)
def test_compose_files_hold_the_planned_containers(flavour):
    yaml = pytest.importorskip("yaml")
    path = DOCKER / ("webarena.yml" if flavour == "webarena" else "verified.yml")
    done = _compose(path, env={"WEBBENCH_BIND": "127.0.0.9"})
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    for site, box in docker.containers(flavour).items():
        service = services[site]
        assert (service["image"], service["container_name"]) == (box.image, box.name)
        assert service["pull_policy"] == "never", site
        expected = {f"127.0.0.9:{box.port}:{box.inner}/tcp"}
        if box.ctrl_port is not None:
            expected.add(f"127.0.0.9:{box.ctrl_port}:8877/tcp")
        assert set(service["ports"]) == expected, site
        assert service.get("command", []) == list(box.command), site
        run = docker.plan("up", [site], flavour, zim_dir=Path("/z"))[0]
        assert ("--shm-size" in run) == ("shm_size" in service), site
        assert ("--platform" in run) == ("platform" in service), site
        if flavour == "verified" and site != "wikipedia":
            mounts = [run[i + 1] for i, arg in enumerate(run) if arg == "-v"]
            assert [m.removesuffix(":rw") for m in service.get("volumes", [])] == mounts, site


def test_compose_binds_loopback_by_default():
    for name in ("webarena.yml", "verified.yml"):
        done = _compose(DOCKER / name, "--profile", "map", "--profile", "wikipedia")
        ports = [line.strip() for line in done.stdout.splitlines() if "/tcp" in line]
        assert ports and all(p.startswith("- 127.0.0.1:") for p in ports), ports


# ---------------------------------------------------------------------------------------------------
# The runner: a time-out on every command, one-line failures, a missing container is no failure.


def test_run_returns_outputs_and_fails_in_one_line(tmp_path, capsys):
    assert docker.run([["echo", "a"], ["echo", "b"]]) == ["a\n", "b\n"]
    assert capsys.readouterr().out == "$ echo a\n$ echo b\n"
    with pytest.raises(SiteError, match=r"exit code 3: second\Z"):
        docker.run([["sh", "-c", "echo first >&2; echo second >&2; exit 3"], ["touch", str(tmp_path / "x")]])
    assert not (tmp_path / "x").exists()  # nothing runs after a failure
    with pytest.raises(SiteError, match=r"sleep 30: no result within 0.2 s"):
        docker.run([["sleep", "30"]], timeout=0.2, echo=False)
    with pytest.raises(SiteError, match="not found; install Docker Engine"):
        docker.run([["webbench-no-such-docker", "ps"]], echo=False)


def test_waits_get_the_long_time_out():
    assert docker.command_timeout(GITLAB_UP[1], 5) == docker.SLOW_TIMEOUT
    assert docker.command_timeout(GITLAB_UP[3], 5) == docker.SLOW_TIMEOUT
    assert docker.command_timeout(V_SHOPPING_UP[1], 5) == docker.SLOW_TIMEOUT
    assert docker.command_timeout(SHOPPING_UP[2], 5) == 5


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    """A ``docker`` on PATH that records its arguments (one JSON list a line) and knows no container."""
    log = tmp_path / "docker.log"
    script = tmp_path / "bin" / "docker"
    script.parent.mkdir()
    script.write_text(
        "#!/bin/sh\n"
        f'{sys.executable} -c "import json,sys; print(json.dumps(sys.argv[1:]))" "$@" >> {log}\n'
        'if [ "$1" = rm ]; then echo "Error response from daemon: No such container: $3" >&2; exit 1; fi\n'
        'if [ "$1" = ps ] && [ -n "$FAKE_DOCKER_DOWN" ]; then echo "Cannot connect to the Docker daemon" >&2; exit 1; fi\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    return log


def test_sites_reset_runs_the_plan_then_reports_health(fake_docker):
    done = webbench("sites", "reset", "--backend", "docker", "--sites", "reddit", "--host", "127.0.0.1")
    recorded = [json.loads(line) for line in fake_docker.read_text().splitlines()]
    assert [["docker", *c] for c in recorded] == [["docker", "rm", "-f", "forum"], *FORUM_UP]
    lines = done.stdout.splitlines()
    assert lines[:2] == ["$ docker rm -f forum", "$ " + shlex.join(FORUM_UP[0])]
    # the fake started nothing, so the forum does not answer: one "down" line, exit code 1
    assert lines[2].split()[:2] == ["REDDIT", "down"] and lines[3] == "export REDDIT=http://127.0.0.1:9999"
    assert done.returncode == 1


def test_status_prints_health_even_when_docker_cannot_list(fake_docker, loopback, capsys, monkeypatch):
    monkeypatch.setenv("FAKE_DOCKER_DOWN", "1")
    done = sites(capsys, "status", "--backend", "verified", "--sites", "reddit")
    lines = done.stdout.splitlines()
    assert (
        lines[1]
        == f"docker: {shlex.join(docker.plan('status', ['reddit'], 'verified')[0])}: exit code 1: Cannot connect to the Docker daemon"
    )
    assert lines[2].split()[:2] == ["REDDIT", "down"]
    assert lines[3].startswith("REDDIT          env-ctrl not answering at http://127.0.0.1:9998")
    assert done.returncode == 1


# ---------------------------------------------------------------------------------------------------
# Health lines, against real loopback servers.


@pytest.fixture
def loopback():
    """A loopback HTTP server; ``routes`` maps a path to (status, headers, body)."""
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            status, headers, body = routes.get(self.path, (404, {}, b"no"))
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes
    server.shutdown()
    server.server_close()


def test_health_lines(loopback):
    url, routes = loopback
    port = url.rsplit(":", 1)[1]
    routes["/customer/account/login/"] = (200, {}, b"<input type=password name='login[password]'>")
    routes["/login"] = (200, {}, b"<p>maintenance</p>")
    routes["/users/sign_in"] = (302, {"Location": f"http://localhost:{port}/elsewhere"}, b"")
    routes["/elsewhere"] = (200, {}, b"x")
    routes["/"] = (500, {}, b"")
    routes["/A/Landing"] = (200, {}, b"wiki")
    results = {
        h.variable: h
        for h in health.check(
            {
                "SHOPPING": url,
                "REDDIT": url + "/",
                "GITLAB": url,
                "SHOPPING_ADMIN": url,
                "WIKIPEDIA": url + "/A/Landing",
            }
        )
    }
    assert results["SHOPPING"].state == "login page ok"
    assert (results["REDDIT"].state, results["REDDIT"].detail) == (
        "up",
        "no password field on the login page",
    )
    assert results["GITLAB"].state == "up" and "base URL not set" in results["GITLAB"].detail
    assert (results["SHOPPING_ADMIN"].state, results["SHOPPING_ADMIN"].detail) == ("down", "HTTP 500")
    assert results["WIKIPEDIA"].line() == f"{'WIKIPEDIA':<15} {'up':<14} {url}/A/Landing"
    closed = health.probe("MAP", "http://127.0.0.1:9/", timeout=5)
    assert closed.state == "down" and not closed.ok and "refused" in closed.detail.lower()


def test_env_ctrl_status(loopback):
    url, routes = loopback
    routes["/status"] = (200, {}, json.dumps({"success": True, "message": "ok"}).encode())
    assert docker.env_ctrl_status(url) == (True, "env-ctrl ready")
    routes["/status"] = (500, {}, json.dumps({"success": False, "message": "mysqld down"}).encode())
    assert docker.env_ctrl_status(url) == (False, "env-ctrl not ready: mysqld down")
    routes["/status"] = (200, {}, b"<html>")
    assert docker.env_ctrl_status(url) == (False, f"env-ctrl at {url}: not JSON")
    ready, message = docker.env_ctrl_status("http://127.0.0.1:9")
    assert not ready and message.startswith("env-ctrl not answering at http://127.0.0.1:9")


# ---------------------------------------------------------------------------------------------------
# Stand-ins kept running after `sites up` returns, with real loopback processes (tests/standin_fakes.py).


@pytest.fixture
def standins(tmp_path, monkeypatch):
    """`webbench sites` with the fake stand-ins, a private data dir and a leftover mark, here and in children."""
    mark = uuid.uuid4().hex
    env = {
        "WEBBENCH_DATA_DIR": str(tmp_path / "data"),
        "WEBBENCH_STANDINS": "standin_fakes:standin_sites",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]),
        "WEBBENCH_TEST_MARK": mark,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield {**os.environ, **env}, tmp_path / "data" / "sites.json"
    state = tmp_path / "data" / "sites.json"
    if state.exists():  # a failed test must not leave the keeper running
        pid = json.loads(state.read_text())["pid"]
        os.killpg(pid, signal.SIGKILL)
    wait_for(lambda: not marked_processes(mark), 20, "leftover stand-in processes")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _refused(url: str) -> bool:
    try:
        _get(url)
    except urllib.error.URLError as exc:
        return isinstance(exc.reason, ConnectionRefusedError)
    except OSError:  # reset while the process dies
        return False
    return False


def test_standins_outlive_up_and_go_with_down(standins, capsys):
    env, state_file = standins
    up = webbench("sites", "up", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in up.stdout.splitlines()
        if line.startswith("export ")
    )
    assert sorted(exports) == ["REDDIT", "SHOPPING"]  # the module's STANDIN_SITES
    state = json.loads(state_file.read_text())
    assert state["urls"] == exports and state["sites"] == ["shopping", "reddit"]
    assert 'type="password"' in _get(exports["SHOPPING"] + "/login")  # served after `up` returned

    status = sites(capsys, "status")
    assert status.returncode == 0, status.stdout
    assert "login page ok" in status.stdout and "reddit          process running" in status.stdout

    again = sites(capsys, "up")
    assert again.returncode == 2 and f"already run (pid {state['pid']})" in again.stderr

    reset = sites(capsys, "reset", "--sites", "reddit")
    assert reset.returncode == 0 and reset.stdout == "reddit: reset\n"
    assert _get(exports["REDDIT"] + "/resets") == "1" and _get(exports["SHOPPING"] + "/resets") == "0"
    bad = sites(capsys, "reset", "--sites", "gitlab")
    assert bad.returncode == 1
    assert bad.stderr == "webbench: error: stand-in sites: cannot reset gitlab; running: shopping, reddit\n"

    down = sites(capsys, "down")
    assert down.returncode == 0 and f"stopped (pid {state['pid']})" in down.stdout
    assert not state_file.exists()
    assert all(_refused(url) for url in exports.values())
    after = sites(capsys, "status")
    assert after.returncode == 1 and "no stand-in sites running" in after.stdout


def test_killed_keeper_takes_its_sites_and_its_state_goes_stale(standins, capsys):
    env, state_file = standins
    up = webbench("sites", "up", "--sites", "shopping", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    state = json.loads(state_file.read_text())
    os.killpg(state["pid"], signal.SIGKILL)
    wait_for(lambda: _refused(state["urls"]["SHOPPING"]), 20, "the site after its keeper was killed")
    status = sites(capsys, "status")
    assert status.returncode == 1 and "no stand-in sites running" in status.stdout
    state_file.unlink()


def test_standins_that_fail_to_start_report_one_line(standins, capsys, monkeypatch):
    _, state_file = standins
    unknown = sites(capsys, "up", "--sites", "gitlab")
    assert (
        unknown.returncode == 2
        and unknown.stderr == "webbench: error: no stand-in for gitlab; stand-ins: shopping, reddit\n"
    )
    monkeypatch.setenv("WEBBENCH_STANDINS", "standin_fakes:broken_standin_sites")
    done = sites(capsys, "up", "--sites", "reddit")
    assert done.returncode == 1
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert (
        "stand-in sites exited with code 1" in done.stderr
        and "reddit: exited before listening" in done.stderr
    )
    assert not state_file.exists()


def test_missing_standin_module_is_a_usage_error(standins, capsys, monkeypatch):
    monkeypatch.setenv("WEBBENCH_STANDINS", "no_such_standins:standin_sites")
    done = sites(capsys, "up")
    assert (
        done.returncode == 2
        and "stand-in sites no_such_standins:standin_sites: cannot be loaded" in done.stderr
    )
