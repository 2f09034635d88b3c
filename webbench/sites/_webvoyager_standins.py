"""Launcher: serve WebVoyager's stand-in sites (``envs/webvoyager/server.py``) on 127.0.0.1.

Run as ``python -m webbench.sites._webvoyager_standins FOLDER``: imports ``FOLDER/server.py`` as a
module, builds its server with ``make_server(("127.0.0.1", 0))``, announces the port and serves until
the parent goes away (see :mod:`webbench.sites.process`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from webbench.core.modules import import_file
from webbench.sites.process import announce, exit_with_parent


def main(argv: list[str]) -> None:
    """Serve the stand-in sites of the folder ``argv[0]`` until the parent exits."""
    exit_with_parent()
    module = import_file(Path(argv[0]).resolve() / "server.py", "webvoyager_standins_server")
    server = module.make_server(("127.0.0.1", 0))
    announce(server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
