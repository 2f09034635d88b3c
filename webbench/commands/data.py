"""``webbench data``: list, pull and locate the benchmarks' official files; convert Mind2Web ranks.

Each suite declares its sources (``Suite.data_sources()``); this command knows no
benchmark by name except for ``convert-ranks``, which turns MindAct's candidate
ranker output (a pickle) into the JSON ``--ranks`` file of the mind2web suite.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from webbench.core.suite import Suite, get_suite, suite_names
from webbench.data.sources import DataSource


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``data`` and its sub-commands."""
    p = sub.add_parser("data", help="list, pull and locate benchmark data", description=__doc__)
    actions = p.add_subparsers(dest="data_command", metavar="ACTION")
    actions.required = True
    actions.add_parser("list", help="every suite's data sources and whether they are cached")
    pull = actions.add_parser("pull", help="download a suite's data into the cache (verified)")
    pull.add_argument("suite")
    pull.add_argument("--source", help="one source of the suite (see 'webbench data list')")
    path = actions.add_parser("path", help="print where a suite's data is cached")
    path.add_argument("suite")
    path.add_argument("--source", help="one source of the suite")
    convert = actions.add_parser("convert-ranks", help="MindAct ranker pickle -> mind2web --ranks JSON")
    convert.add_argument("input", type=Path)
    convert.add_argument("-o", "--output", type=Path, required=True)
    convert.add_argument(
        "--trust-pickle", action="store_true", help="allow unpickling INPUT (this runs code from the file)"
    )
    p.set_defaults(func=main)


def _sources(suite: Suite, name: str | None, defaults_only: bool) -> list[DataSource]:
    from webbench.cli import UsageError

    sources = list(suite.data_sources())
    if not sources:
        raise UsageError(f"suite {suite.name} has no downloadable data")
    if name is None:
        return [s for s in sources if s.default or not defaults_only]
    chosen = [s for s in sources if s.name == name]
    if not chosen:
        raise UsageError(
            f"suite {suite.name} has no source {name!r}; known: {', '.join(s.name for s in sources)}"
        )
    return chosen


def _list() -> int:
    for name in suite_names():
        try:
            sources = get_suite(name).data_sources()
        except Exception as exc:  # noqa: BLE001 - a broken plug-in must not hide the others
            print(f"{name}: cannot load: {type(exc).__name__}: {exc}")
            continue
        for source in sources:
            files = source.present()
            status = f"{len(files)} file(s) cached" if files else "not cached"
            print(f"{name:14} {source.name:22} {status:18} {source.description}")
            print(f"{'':14} {'':22} licence: {source.licence}; folder: {source.folder()}")
            if source.note:
                print(f"{'':14} {'':22} note: {source.note}")
    return 0


def _pull(suite: Suite, source_name: str | None) -> int:
    from webbench.data.download import DownloadError, pull

    failed = False
    for source in _sources(suite, source_name, defaults_only=True):
        print(f"{suite.name}: pulling {source.name} into {source.folder()}")
        try:
            pull(source)
        except DownloadError as exc:
            print(f"webbench: error: {exc}")
            failed = True
        if source.note:
            print(f"note: {source.note}")
    return 1 if failed else 0


def _convert_ranks(args: argparse.Namespace) -> int:
    from webbench.cli import UsageError
    from webbench.suites.mind2web import ranks_json

    if not args.trust_pickle:
        raise UsageError(
            f"{args.input}: reading a pickle runs code from the file; pass --trust-pickle if you trust it"
        )
    try:
        with args.input.open("rb") as stream:
            results: Any = pickle.load(stream)  # noqa: S301 - only with --trust-pickle
        ranks = ranks_json(results)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError) as exc:
        raise UsageError(f"{args.input}: not MindAct candidate results: {exc}") from exc
    args.output.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=args.output.parent, prefix=f"{args.output.name}.part-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(ranks, out)
    os.replace(tmp, args.output)
    print(f"{len(ranks)} steps' ranks written to {args.output}")
    return 0


def main(args: argparse.Namespace, extra: list[str]) -> int:
    """Run ``webbench data ACTION``; return the exit code."""
    if args.data_command == "list":
        return _list()
    if args.data_command == "convert-ranks":
        return _convert_ranks(args)
    suite = get_suite(args.suite)
    if args.data_command == "pull":
        return _pull(suite, args.source)
    for source in _sources(suite, args.source, defaults_only=False):
        print(source.folder())
    return 0
