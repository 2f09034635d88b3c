"""Stand-in sites that outlive the command that started them (``webbench sites up --backend standins``).

``start()`` launches a keeper process in a session of its own (``python -m webbench.sites.detached``):
it enters the stand-in context manager (``webbench.sites.standins.standin_sites``, or the
``module:function`` named by ``$WEBBENCH_STANDINS``), serves a small control API on 127.0.0.1
(``GET /alive``, ``POST /reset?site=...``) and writes the state file (its pid, the control URL, the
site map) once every site is up. The site processes are the keeper's children and exit with it, even
when it is killed. ``stop()`` sends SIGTERM to the keeper's process group, SIGKILL after a grace
period, and removes the state file. Nothing else keeps state: the file is the only record.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import webbench
from webbench.core.errors import UsageError
from webbench.data import data_home
from webbench.sites.process import SiteError, wait_for

DEFAULT_FACTORY = "webbench.sites.standins:standin_sites"
FACTORY_VARIABLE = "WEBBENCH_STANDINS"
_MODULE = "webbench.sites.detached"
_PACKAGE_ROOT = str(Path(webbench.__file__).resolve().parents[1])


def state_path() -> Path:
    """Return the state file of the running stand-ins: ``<data home>/sites.json``."""
    return data_home() / "sites.json"


def log_path() -> Path:
    """Return the keeper's log file (the stand-ins' standard error): ``<data home>/sites.log``."""
    return data_home() / "sites.log"


def factory_name() -> str:
    """Return the ``module:function`` that starts the stand-ins (``$WEBBENCH_STANDINS`` or the default)."""
    return os.environ.get(FACTORY_VARIABLE) or DEFAULT_FACTORY


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name.partition(":")[0])
    except ImportError as exc:
        raise UsageError(f"stand-in sites {name}: cannot be loaded ({exc})") from exc


def load_factory(name: str) -> Callable[..., Any]:
    """Return the function ``module:function``; UsageError when it cannot be imported."""
    function = getattr(_module(name), name.partition(":")[2] or "standin_sites", None)
    if not callable(function):
        raise UsageError(f"stand-in sites {name}: no such function")
    return function


def offered_sites() -> tuple[str, ...] | None:
    """Return the sites the stand-in module offers (its ``STANDIN_SITES``), or None when it does not say."""
    sites = getattr(_module(factory_name()), "STANDIN_SITES", None)
    return tuple(sites) if sites else None


def _alive(pid: int) -> bool:
    """True while process ``pid`` runs and is a keeper (a reaped or zombie process is not)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return status != "Z" and _MODULE.encode() in cmdline


def read_state() -> dict[str, Any] | None:
    """Return the state of the running stand-ins, or None (no file, unreadable, or its keeper gone)."""
    try:
        state = json.loads(state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not isinstance(state.get("pid"), int) or not _alive(state["pid"]):
        return None
    return state


def _write_state(state: dict[str, Any]) -> None:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.part-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(state, out, indent=2)
    os.replace(tmp, path)


def _log_tail(lines: int = 3) -> str:
    with contextlib.suppress(OSError):
        tail = log_path().read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
        return " | ".join(tail) or "empty log"
    return "no log"


def start(sites: list[str], timeout: float = 60.0) -> dict[str, Any]:
    """Start the keeper for ``sites`` and return its state once every site is up.

    UsageError when stand-ins already run; SiteError (with the log's last lines) when the keeper
    exits or is not ready within ``timeout`` seconds (it is stopped then).
    """
    running = read_state()
    if running is not None:
        raise UsageError(
            f"stand-in sites already run (pid {running['pid']}); run 'webbench sites down' first"
        )
    state_path().unlink(missing_ok=True)
    log_path().parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    with log_path().open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", _MODULE, "--factory", factory_name(), "--sites", ",".join(sites)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            start_new_session=True,
        )
    try:
        wait_for(lambda: proc.poll() is not None or read_state() is not None, timeout, "stand-in sites")
    except BaseException:  # not ready, or Ctrl-C: nothing stays behind
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    state = read_state()
    if state is None:
        proc.wait()
        raise SiteError(f"stand-in sites exited with code {proc.returncode}: {_log_tail()}")
    return state


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop(state: dict[str, Any], grace: float = 10.0) -> None:
    """End the keeper of ``state`` (SIGTERM to its group, SIGKILL after ``grace`` s); remove the state."""
    pid = state["pid"]
    _signal_group(pid, signal.SIGTERM)
    try:
        wait_for(lambda: not _alive(pid), grace, f"stand-in keeper {pid}")
    except SiteError:
        _signal_group(pid, signal.SIGKILL)
        wait_for(lambda: not _alive(pid), grace, f"stand-in keeper {pid} after SIGKILL")
    state_path().unlink(missing_ok=True)


def control(state: dict[str, Any], path: str, method: str = "GET", timeout: float = 30.0) -> Any:
    """Return the JSON answer of the keeper's control API at ``path``; SiteError when it fails."""
    request = urllib.request.Request(
        state["control"] + path, method=method, data=b"" if method == "POST" else None
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback URL
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            reason = json.loads(exc.read())["error"]
        except (ValueError, KeyError, TypeError):
            reason = f"HTTP {exc.code}"
        raise SiteError(f"stand-in sites: {reason}") from exc
    except (OSError, ValueError) as exc:
        raise SiteError(f"stand-in sites: control API not answering ({exc})") from exc


def reset(state: dict[str, Any], site: str, timeout: float = 30.0) -> None:
    """Reset one stand-in site to its seed through the keeper; SiteError when it cannot."""
    control(state, "/reset?" + urllib.parse.urlencode({"site": site}), "POST", timeout)


def alive(state: dict[str, Any], timeout: float = 10.0) -> dict[str, bool]:
    """Return site -> whether its process runs, as the keeper sees it."""
    return control(state, "/alive", timeout=timeout)


def _handler(handle: Any, sites: list[str]) -> type[BaseHTTPRequestHandler]:
    class Control(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            sys.stderr.write(f"control: {format % args}\n")

        def _send(self, code: int, data: Any) -> None:
            body = json.dumps(data).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path != "/alive":
                return self._send(404, {"error": f"no {self.path}"})
            self._send(200, {site: bool(handle.alive(site)) for site in sites})

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            url = urllib.parse.urlsplit(self.path)
            site = urllib.parse.parse_qs(url.query).get("site", [""])[0]
            if url.path != "/reset" or site not in sites:
                return self._send(
                    400, {"error": f"cannot reset {site or 'nothing'}; running: {', '.join(sites)}"}
                )
            try:
                handle.reset(site)
            except Exception as exc:  # noqa: BLE001 - reported to the caller, the keeper stays up
                return self._send(500, {"error": f"{site}: reset failed: {type(exc).__name__}: {exc}"})
            self._send(200, {"reset": site})

    return Control


def keep(factory: Callable[..., Any], sites: list[str]) -> None:
    """In the keeper: start ``sites`` with ``factory``, publish the state, serve until SIGTERM/SIGINT."""
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with factory(sites, slot=0) as handle:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(handle, sites))
        threading.Thread(target=server.serve_forever, name="control", daemon=True).start()
        try:
            state = {
                "backend": "standins",
                "pid": os.getpid(),
                "control": f"http://127.0.0.1:{server.server_address[1]}",
                "sites": sites,
                "urls": dict(handle.urls),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            _write_state(state)
            done.wait()
        finally:
            server.shutdown()
            server.server_close()
            with contextlib.suppress(OSError, ValueError):
                if json.loads(state_path().read_text(encoding="utf-8")).get("pid") == os.getpid():
                    state_path().unlink()


def main(argv: list[str] | None = None) -> None:
    """The keeper's entry point: ``--factory module:function --sites a,b``."""
    parser = argparse.ArgumentParser(prog=_MODULE)
    parser.add_argument("--factory", default=DEFAULT_FACTORY)
    parser.add_argument("--sites", required=True)
    args = parser.parse_args(argv)
    keep(load_factory(args.factory), [s for s in args.sites.split(",") if s])


if __name__ == "__main__":
    main()
