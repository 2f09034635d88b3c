"""Importing a Python file as a module: user agents, benchmark verifiers, app servers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


class NotImportable(ImportError):
    """A file that Python cannot load as a module (no loader for it)."""


def import_file(path: Path, name: str, keep: bool = True) -> ModuleType:
    """Return the module of the Python file ``path``, imported under ``name`` (never ``exec`` of text).

    With ``keep`` the module stays in ``sys.modules`` (so that pickling and relative lookups find
    it); without it, it is removed once imported. NotImportable when the file is no module;
    whatever the file raises while it runs propagates (and the module is not kept).
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise NotImportable(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    if not keep:
        sys.modules.pop(name, None)
    return module
