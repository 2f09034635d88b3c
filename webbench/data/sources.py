"""The data-source contract: where a suite's official files come from and where they are cached.

A suite declares its sources with ``Suite.data_sources()``; ``webbench data`` lists,
pulls and locates them, and nothing else needs to know about a new benchmark. A source
is a fixed list of files at URLs (with size and sha256 when known), a dataset on the
Hugging Face hub (every file matching its patterns; LFS files carry their sha256), or an
archive unpacked into a folder of the cache (e.g. a GitHub commit's tarball).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
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
class Archive:
    """A tar archive unpacked into ``folder`` (relative to the source folder), all or nothing.

    ``root`` is the archive's top folder (stripped); members matching an ``exclude``
    pattern (fnmatch, on paths below the root) are skipped; ``commit``, when set, must be
    the commit id that ``git archive`` writes into the archive's pax header; ``check`` is
    called on the unpacked folder before it is moved into place and raises ValueError
    when the content is wrong.
    """

    url: str
    folder: str
    root: str
    exclude: tuple[str, ...] = ()
    commit: str | None = None
    sha256: str | None = None
    check: Callable[[Path], None] | None = None

    def skips(self, path: str) -> bool:
        """Return True when the member ``path`` (below the root) matches an exclude pattern."""
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.exclude)


@dataclass(frozen=True)
class DataSource:
    """A suite's data source; files go to ``data_home()/<name>/``."""

    name: str
    description: str
    licence: str
    files: tuple[RemoteFile, ...] = ()
    hub: HubDataset | None = None
    archive: Archive | None = None
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
