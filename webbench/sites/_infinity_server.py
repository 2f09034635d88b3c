"""Launcher: serve one WebArena-Infinity app with the app's own, unmodified ``server.py`` on 127.0.0.1.

Run as ``python -m webbench.sites._infinity_server APP_DIR``. Upstream's ``__main__``
binds every interface (``('', port)``) and serves the working directory; this launcher
imports the app's ``server.py`` from its file path as a module (its ``__main__`` block
does not run), builds the module's own ``ThreadedHTTPServer`` with the module's own
``AppHandler`` on ``('127.0.0.1', 0)``, serving files from ``APP_DIR``, announces the
port and serves until its parent goes away (see :mod:`webbench.sites.process`).
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path
from types import ModuleType

from webbench.core.modules import import_file
from webbench.sites.process import announce, exit_with_parent


def load_server_module(app_dir: Path) -> ModuleType:
    """Return the app's ``server.py`` imported as a module named after the app."""
    name = "webarena_infinity_server_" + re.sub(r"\W", "_", app_dir.name)
    return import_file(app_dir / "server.py", name)


def main(argv: list[str]) -> None:
    """Serve the app folder ``argv[0]`` on 127.0.0.1 (a port the system picks) until the parent exits."""
    exit_with_parent()
    app_dir = Path(argv[0]).resolve()
    module = load_server_module(app_dir)
    handler = functools.partial(module.AppHandler, directory=str(app_dir))
    server = module.ThreadedHTTPServer(("127.0.0.1", 0), handler)
    announce(server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
