"""The ``webbench`` command.

Each sub-command is a module of :mod:`webbench.commands` with ``register(subparsers)``
(adds its parser and sets ``func``); adding a command touches nothing here. A usage
error is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from webbench.core.errors import UsageError

__all__ = ["OneLineParser", "UsageError", "build_parser", "main"]


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage dump) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of ``webbench`` with every command of :mod:`webbench.commands`."""
    import webbench.commands as commands

    parser = OneLineParser(prog="webbench", description="Evaluate web agents on six benchmarks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"webbench.commands.{info.name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``webbench`` command; return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        handler = getattr(args, "func", None)
        if extra and not getattr(args, "accepts_extra", False):
            raise UsageError(f"webbench {args.command}: unrecognized arguments: {' '.join(extra)}")
        return int(handler(args, extra) or 0)
    except UsageError as exc:
        print(f"webbench: error: {exc}", file=sys.stderr)
        return 2
