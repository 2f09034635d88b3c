"""The data-source contract: where a suite's official files come from and where they are cached.

A suite declares its sources with ``Suite.data_sources()``; ``webbench data`` lists,
pulls and locates them, and nothing else needs to know about a new benchmark. A source
is either a fixed list of files at URLs (with size and sha256 when known) or a dataset
on the Hugging Face hub (every file matching its patterns; LFS files carry their sha256).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from webbench.data import data_home


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: where it lands (relative to the source folder) and how to check it."""

    path: str
    url: str
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class HubDataset:
    """A dataset repository on the Hugging Face hub; ``patterns`` select files (fnmatch)."""

    repo_id: str
    revision: str = "main"
    patterns: tuple[str, ...] = ("*",)

    def wants(self, path: str) -> bool:
        """Return True when the repository file ``path`` matches one of the patterns."""
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.patterns)


@dataclass(frozen=True)
class DataSource:
    """A suite's data source; files go to ``data_home()/<name>/``."""

    name: str
    description: str
    licence: str
    files: tuple[RemoteFile, ...] = ()
    hub: HubDataset | None = None
    #: What the user must know (e.g. that some splits are not downloadable).
    note: str = ""
    #: Pulled by ``webbench data pull SUITE``; others only with ``--source NAME`` (e.g. very large ones).
    default: bool = True

    def folder(self) -> Path:
        """Return the cache folder of this source (it may not exist yet)."""
        return data_home() / self.name

    def present(self) -> list[Path]:
        """Return the data files already in the cache folder (temporary files excluded)."""
        folder = self.folder()
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.rglob("*") if p.is_file() and ".part-" not in p.name)
