"""Where benchmark data is cached, and (per suite) how it is fetched."""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """Return the data cache folder: ``$WEBBENCH_DATA_DIR``, else ``~/.cache/webbench``."""
    return Path(os.environ.get("WEBBENCH_DATA_DIR") or Path.home() / ".cache" / "webbench")
