"""`webbench data`: verified downloads from a real HTTP server on 127.0.0.1, hub listing, ranks conversion."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from webbench.cli import main
from webbench.data.download import DownloadError, fetch, pull
from webbench.data.sources import DataSource, RemoteFile
from webbench.suites import autowebbench, mind2web

ROOT = Path(__file__).resolve().parents[1]
AWB = ROOT.parent / "shared" / "data" / "autowebbench" / "full"
M2W_TRAIN = ROOT / "tests" / "fixtures" / "mind2web" / "tasks" / "train" / "train_0.json"


class Site:
    """A loopback HTTP server: static files, a cut-short response, and a minimal hub API."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                path = unquote(urlparse(self.path).path)
                site.hits.append(path)
                site.auth = self.headers.get("Authorization")
                if path == "/cut":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b"x" * 10)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if path.startswith("/api/datasets/") and "/tree/" in path:
                    repo = path[len("/api/datasets/") :].split("/tree/")[0]
                    body = json.dumps(site.tree(repo)).encode()
                    self._send(body, "application/json")
                    return
                if path.startswith("/datasets/") and "/resolve/" in path:
                    repo, rest = path[len("/datasets/") :].split("/resolve/")
                    path = f"/{repo}/{rest.split('/', 1)[1]}"
                if path in site.files:
                    self._send(site.files[path], "application/octet-stream")
                else:
                    self.send_error(404)

            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def tree(self, repo: str) -> list[dict]:
        entries = []
        for path, body in self.files.items():
            if path.startswith(f"/{repo}/"):
                sha = hashlib.sha256(body).hexdigest()
                entries.append(
                    {
                        "type": "file",
                        "oid": sha[:40],
                        "size": len(body),
                        "path": path[len(repo) + 2 :],
                        "lfs": {"oid": sha, "size": len(body), "pointerSize": 130},
                    }
                )
        return entries

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    server = Site()
    yield server
    server.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("WEBBENCH_DATA_DIR", str(folder))
    return folder


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".part-" in p.name] if folder.exists() else []


def test_fetch_verifies_and_skips_a_verified_copy(site, tmp_path):
    site.files["/a.json"] = b'{"x": 1}'
    dest = tmp_path / "sub" / "a.json"
    sha = hashlib.sha256(b'{"x": 1}').hexdigest()
    assert fetch(f"{site.url}/a.json", dest, 8, sha) is True
    assert dest.read_bytes() == b'{"x": 1}'
    assert fetch(f"{site.url}/a.json", dest, 8, sha) is False
    assert site.hits == ["/a.json"]


def test_bad_checksum_leaves_no_file(site, tmp_path):
    site.files["/a.json"] = b"tampered"
    dest = tmp_path / "a.json"
    with pytest.raises(DownloadError, match="sha256"):
        fetch(f"{site.url}/a.json", dest, None, "0" * 64)
    assert not dest.exists() and leftovers(tmp_path) == []
    with pytest.raises(DownloadError, match="expected 99"):
        fetch(f"{site.url}/a.json", dest, 99, None)
    assert not dest.exists()


def test_cut_short_transfer_and_missing_file_leave_no_file(site, tmp_path):
    dest = tmp_path / "a.json"
    with pytest.raises(DownloadError):
        fetch(f"{site.url}/cut", dest)
    with pytest.raises(DownloadError, match="404"):
        fetch(f"{site.url}/missing", dest)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_a_corrupt_cached_file_is_replaced(site, tmp_path):
    body = b"[1, 2, 3]"
    site.files["/a.json"] = body
    dest = tmp_path / "a.json"
    dest.write_bytes(b"[1, 2")
    assert fetch(f"{site.url}/a.json", dest, len(body), hashlib.sha256(body).hexdigest()) is True
    assert dest.read_bytes() == body


def test_autowebbench_pull_with_the_real_checksums_then_eval_from_the_cache(site, cache, tmp_path):
    [source] = autowebbench.SUITE.data_sources()
    for remote in source.files:
        split = remote.path.replace("/test.json", "").replace("/", "_")
        site.files[f"/{remote.path}"] = (AWB / f"{split}.test.json").read_bytes()
    local = dataclasses.replace(
        source, files=tuple(dataclasses.replace(f, url=f"{site.url}/{f.path}") for f in source.files)
    )
    paths = pull(local, report=lambda line: None)
    assert [p.relative_to(cache / "autowebbench").as_posix() for p in paths] == [f.path for f in source.files]
    out = tmp_path / "runs"
    args = ["eval", "--suite", "autowebbench", "--split", "zh_ind", "--agent", "oracle", "--out", str(out)]
    assert main(args) == 0
    [run] = list(out.iterdir())
    summary = json.loads((run / "summary.json").read_text())["suites"]["autowebbench"]
    assert summary["metrics"]["step_success"] == 1.0 and summary["n"] == 70


def test_autowebbench_sources_name_upstream_files():
    [source] = autowebbench.SUITE.data_sources()
    assert [f.path for f in source.files] == [
        "en/ind/test.json",
        "en/ood/test.json",
        "zh/ind/test.json",
        "zh/ood/test.json",
    ]
    for remote in source.files:
        split = remote.path.replace("/test.json", "").replace("/", "_")
        local = AWB / f"{split}.test.json"
        assert remote.size == local.stat().st_size
        assert remote.sha256 == hashlib.sha256(local.read_bytes()).hexdigest()
        assert remote.url.startswith("https://")


def test_hub_pull_through_the_cli_then_eval_without_data(site, cache, tmp_path, monkeypatch, capsys):
    site.files["/osunlp/Mind2Web/data/train/train_0.json"] = M2W_TRAIN.read_bytes()
    site.files["/osunlp/Mind2Web/README.md"] = b"not selected by the patterns"
    monkeypatch.setenv("HF_ENDPOINT", site.url)
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    assert main(["data", "pull", "mind2web"]) == 0
    pulled = cache / "mind2web" / "data" / "train" / "train_0.json"
    assert pulled.read_bytes() == M2W_TRAIN.read_bytes()
    assert not (cache / "mind2web" / "README.md").exists()
    assert not (cache / "multimodal-mind2web").exists()  # not a default source
    assert site.auth == "Bearer hf_test_token"
    out = capsys.readouterr().out
    assert "password-protected" in out and "hf_test_token" not in out
    assert main(["data", "path", "mind2web", "--source", "mind2web"]) == 0
    assert capsys.readouterr().out.strip() == str(cache / "mind2web")
    runs = tmp_path / "runs"
    assert main(["eval", "--suite", "mind2web", "--agent", "oracle", "--out", str(runs)]) == 0
    [run] = list(runs.iterdir())
    assert (
        json.loads((run / "summary.json").read_text())["suites"]["mind2web"]["metrics"]["step_success"] == 1.0
    )


def test_missing_data_messages(cache, capsys):
    assert main(["eval", "--suite", "mind2web", "--split", "test_task", "--agent", "oracle"]) == 2
    assert "password-protected" in capsys.readouterr().err
    assert main(["eval", "--suite", "autowebbench", "--agent", "oracle"]) == 2
    assert "webbench data pull autowebbench" in capsys.readouterr().err


def test_data_list_and_unknown_source(cache, capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "autowebbench" in out and "multimodal-mind2web" in out and "not cached" in out
    assert main(["data", "pull", "mind2web", "--source", "nope"]) == 2
    assert main(["data", "pull", "miniwob"]) == 2


def test_a_new_suite_declares_sources_and_nothing_else_changes(site, cache):
    body = b"hello"
    source = DataSource(
        "toy", "a toy", "CC0", files=(RemoteFile("x/hello.txt", f"{site.url}/hello", 5, None),)
    )
    site.files["/hello"] = body
    assert pull(source, report=lambda line: None) == [cache / "toy" / "x" / "hello.txt"]
    assert source.present() == [cache / "toy" / "x" / "hello.txt"]


def test_convert_ranks(tmp_path, capsys):
    results = {"scores": {"t_a1": {"101": 0.9}}, "ranks": {"t_a1": {"101": 0, 102: 3.0}}}
    pkl = tmp_path / "scores_all_data.pkl"
    pkl.write_bytes(pickle.dumps(results))
    out = tmp_path / "ranks.json"
    assert main(["data", "convert-ranks", str(pkl), "-o", str(out)]) == 2
    assert "--trust-pickle" in capsys.readouterr().err and not out.exists()
    assert main(["data", "convert-ranks", str(pkl), "-o", str(out), "--trust-pickle"]) == 0
    assert json.loads(out.read_text()) == {"t_a1": {"101": 0, "102": 3}}
    assert mind2web.load_ranks(out, 50) == {"t_a1": {"101": 0, "102": 3}}
    pkl.write_bytes(pickle.dumps([1, 2]))
    assert main(["data", "convert-ranks", str(pkl), "-o", str(out), "--trust-pickle"]) == 2
    assert str(pkl) in capsys.readouterr().err
