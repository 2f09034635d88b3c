"""Unpacking an archive source (e.g. a GitHub commit's tarball) into the cache, all or nothing.

The tarball is downloaded with :func:`webbench.data.download.fetch` (verified byte
count, sha256 when known), its pax header checked against the pinned commit, its
regular files below the archive's top folder written into a staging folder beside the
destination (member paths that are absolute or climb out with ``..`` are refused;
links and devices are skipped), the suite's ``check`` run on the staging folder, and
only then the folder renamed into place with a marker file. An interrupted or
failed pull leaves no folder under the real name; the tarball is deleted either way.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from webbench.data.download import DownloadError, fetch
from webbench.data.sources import Archive, DataSource

#: Written last into an unpacked folder: what it was unpacked from.
MARKER = ".webbench-archive.json"


def _member_path(name: str, root: str) -> str | None:
    """Return the member's path below ``root`` (None for the root itself); ValueError when unsafe."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"unsafe member path {name!r}")
    if not path.parts or path.parts[0] != root:
        raise ValueError(f"member {name!r} is outside the archive's top folder {root!r}")
    rest = path.parts[1:]
    return "/".join(rest) if rest else None


def unpack(tarball: Path, dest: Path, archive: Archive) -> tuple[int, int]:
    """Write the archive's regular files (below its root, not excluded) into ``dest``.

    Returns (files written, members skipped). Raises ValueError when the commit in the
    pax header is not ``archive.commit`` or a member path is unsafe, tarfile.TarError
    when the archive is corrupt.
    """
    written = skipped = 0
    with tarfile.open(tarball, "r:*") as tar:
        member = tar.next()
        if archive.commit is not None and tar.pax_headers.get("comment") != archive.commit:
            found = tar.pax_headers.get("comment", "none")
            raise ValueError(f"the archive is not of commit {archive.commit} (its pax header says {found})")
        while member is not None:
            rel = _member_path(member.name, archive.root)
            if rel is None or member.isdir() or archive.skips(rel):
                pass
            elif not member.isreg():
                skipped += 1
            else:
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
                written += 1
            member = tar.next()
    return written, skipped


def pull_archive(source: DataSource, report: Callable[[str], None]) -> Path:
    """Download and unpack ``source.archive`` into the cache (unless already there); return the folder.

    Raises DownloadError (naming the URL and the reason) when the download fails or the
    archive does not verify; nothing is left under the destination name then.
    """
    try:
        return _pull(source, report)
    except (ValueError, OSError, tarfile.TarError) as exc:
        assert source.archive is not None
        raise DownloadError(f"{source.archive.url}: {exc}") from exc


def _pull(source: DataSource, report: Callable[[str], None]) -> Path:
    archive = source.archive
    assert archive is not None
    dest = source.folder() / archive.folder
    if (dest / MARKER).is_file():
        report(f"present  {dest}")
        return dest
    if dest.exists():
        raise ValueError(f"{dest} exists but was not unpacked by webbench: remove it and pull again")
    tarball = source.folder() / f"{archive.folder}.tar.gz"
    try:
        fetch(archive.url, tarball, sha256=archive.sha256)
        staging = Path(tempfile.mkdtemp(dir=source.folder(), prefix=f"{archive.folder}.part-"))
        try:
            written, skipped = unpack(tarball, staging, archive)
            if archive.check is not None:
                archive.check(staging)
            info = {"url": archive.url, "commit": archive.commit, "files": written, "skipped": skipped}
            (staging / MARKER).write_text(json.dumps(info) + "\n", encoding="utf-8")
            os.replace(staging, dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tarball.unlink()
    report(f"unpacked {dest} ({written} files{f', {skipped} links skipped' if skipped else ''})")
    return dest
