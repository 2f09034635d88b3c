"""The fingerprint of a suite's ``--data``: one sha256 for a file or a whole folder.

A file's is the sha256 of its bytes. A folder's is the sha256 of the listing of its
files (symbolic links followed, sorted by relative POSIX path), one line per file:
``<relative path>\\0<sha256 of its bytes>\\n``; so renaming, adding, removing or editing
any file changes it. Every byte is read (streamed, 1 MiB at a time): a size-and-time
listing would miss an edit that keeps the size, and hashing runs at disk speed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from webbench.core.errors import UsageError
from webbench.data.download import sha256_of


def data_sha256(path: Path) -> str:
    """Return the hex sha256 of the file or folder ``path``; a usage error when it is neither."""
    if path.is_file():
        return sha256_of(path)
    if not path.is_dir():
        raise UsageError(f"--data {path}: no such file or folder")
    listing = hashlib.sha256()
    for file in sorted(
        (p for p in path.rglob("*") if p.is_file()), key=lambda p: p.relative_to(path).as_posix()
    ):
        listing.update(f"{file.relative_to(path).as_posix()}\0{sha256_of(file)}\n".encode())
    return listing.hexdigest()
