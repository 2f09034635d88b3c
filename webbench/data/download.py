"""Verified downloads into the data cache (HTTPS URLs and Hugging Face hub datasets).

A file is written to a temporary name beside its destination, checked (byte count
against ``Content-Length`` and the expected size, sha256 when known) and only then
renamed into place, so an interrupted or corrupt download never leaves a half-written
file under the real name. Hub tokens (``HF_TOKEN`` or a saved login) are sent to the
hub's own host only and never written anywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPException
from pathlib import Path
from urllib.parse import quote

from webbench.data.sources import DataSource, HubDataset, RemoteFile

CHUNK = 1 << 20
DEFAULT_HUB = "https://huggingface.co"


class DownloadError(RuntimeError):
    """A download that failed or did not verify; the message names the URL and the reason."""


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_verified(path: Path, size: int | None, sha256: str | None) -> bool:
    """Return True when ``path`` exists with the expected size and sha256 (those known)."""
    if not path.is_file():
        return False
    if size is not None and path.stat().st_size != size:
        return False
    return sha256 is None or sha256_of(path) == sha256


def fetch(
    url: str,
    dest: Path,
    size: int | None = None,
    sha256: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> bool:
    """Download ``url`` to ``dest`` and verify it; return False when a verified copy was already there.

    Raises DownloadError (and leaves no partial file) when the transfer fails or the
    bytes do not match.
    """
    if is_verified(dest, size, sha256):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(url)
    for name, value in (headers or {}).items():
        request.add_unredirected_header(name, value)
    handle, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f"{dest.name}.part-")
    tmp = Path(tmp_name)
    try:
        digest, count = hashlib.sha256(), 0
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                count += len(chunk)
        if announced is not None and count != int(announced):
            raise DownloadError(f"{url}: transfer cut short ({count} of {announced} bytes)")
        if size is not None and count != size:
            raise DownloadError(f"{url}: got {count} bytes, expected {size}")
        if sha256 is not None and digest.hexdigest() != sha256:
            raise DownloadError(f"{url}: sha256 {digest.hexdigest()} does not match the expected {sha256}")
        os.replace(tmp, dest)
    except (urllib.error.URLError, HTTPException, OSError, ValueError) as exc:
        raise DownloadError(f"{url}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return True


def hub_endpoint() -> str:
    """Return the hub's base URL (``$HF_ENDPOINT`` when set)."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_HUB).rstrip("/")


def _hub_token() -> str | None:
    try:
        from huggingface_hub import get_token
    except ImportError:
        return os.environ.get("HF_TOKEN")
    return get_token()


def hub_files(hub: HubDataset, endpoint: str, token: str | None = None) -> list[RemoteFile]:
    """Return the files of a hub dataset that ``hub.patterns`` select (LFS files with sha256)."""
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.hf_api import RepoFile
    except ImportError as exc:
        raise DownloadError("hub downloads need huggingface_hub: pip install 'webbench[hub]'") from exc
    api = HfApi(endpoint=endpoint, token=token)
    try:
        entries = list(
            api.list_repo_tree(hub.repo_id, repo_type="dataset", revision=hub.revision, recursive=True)
        )
    except Exception as exc:  # noqa: BLE001 - huggingface_hub raises many kinds; all mean "cannot list"
        raise DownloadError(f"cannot list {hub.repo_id} on {endpoint}: {type(exc).__name__}: {exc}") from exc
    files = []
    for entry in entries:
        if not isinstance(entry, RepoFile) or not hub.wants(entry.path):
            continue
        url = f"{endpoint}/datasets/{hub.repo_id}/resolve/{quote(hub.revision)}/{quote(entry.path)}"
        sha = entry.lfs.sha256 if entry.lfs is not None else None
        files.append(RemoteFile(entry.path, url, entry.size, sha))
    return files


def pull(source: DataSource, report: Callable[[str], None] = print) -> list[Path]:
    """Fetch every file of ``source`` into its cache folder (verified); return their paths.

    An archive source is unpacked into its folder (:mod:`webbench.data.archive`), whose
    path is returned first.
    """
    files, headers = list(source.files), {}
    if source.hub is not None:
        endpoint = hub_endpoint()
        token = _hub_token()
        files += hub_files(source.hub, endpoint, token)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if not files:
            raise DownloadError(f"{source.hub.repo_id}: no file matches {', '.join(source.hub.patterns)}")
    paths = []
    if source.archive is not None:
        from webbench.data.archive import pull_archive

        paths.append(pull_archive(source, report))
    for remote in files:
        dest = source.folder() / remote.path
        new = fetch(remote.url, dest, remote.size, remote.sha256, headers if source.hub else None)
        report(f"{'fetched' if new else 'present'}  {dest}")
        paths.append(dest)
    return paths
