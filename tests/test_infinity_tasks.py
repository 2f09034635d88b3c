"""WebArena-Infinity data: task loading against the official apps, malformed files, verifiers, data pull."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from webbench.core.errors import UsageError
from webbench.data.archive import MARKER
from webbench.data.download import DownloadError, pull
from webbench.sites.infinity import InfinityServer
from webbench.suites import _infinity_data as data
from webbench.suites._infinity_verify import VerifierTimeout, run_verifier

ROOT = Path(__file__).resolve().parents[1]
INFINITY = ROOT.parent / "shared" / "data" / "webarena-infinity"

#: The data README's table: app -> (function tasks, real easy, medium, hard).
COUNTS = {
    "elation-clinical-records": (55, 20, 20, 80),
    "elation-patient-communication": (58, 20, 20, 80),
    "elation-prescriptions": (56, 20, 20, 80),
    "figma-slides": (61, 20, 20, 80),
    "figma-text-and-typography": (65, 20, 20, 80),
    "gitlab-plan-and-track": (55, 20, 20, 100),
    "gmail": (30, 20, 20, 20),
    "gmail-accounts-and-contacts": (68, 20, 20, 80),
    "handshake-career-exploration": (55, 20, 20, 160),
    "linear-account-settings": (60, 20, 20, 80),
    "paypal-my-wallet": (56, 20, 20, 100),
    "superhuman-general": (60, 20, 20, 80),
    "xero-invoicing": (58, 20, 20, 80),
}


@pytest.fixture(scope="module")
def infinity() -> Path:
    if not INFINITY.is_dir():
        pytest.skip("../shared/data/webarena-infinity is not beside the project")
    return INFINITY


def test_every_app_loads_with_the_readme_counts(infinity):
    function = data.load_tasks(infinity, "function")
    real = data.load_tasks(infinity / "apps", "real")  # the apps folder itself is accepted too
    assert data.app_names(infinity / "apps") == sorted(COUNTS) == list(data.APPS)
    for app, (n_function, easy, medium, hard) in COUNTS.items():
        assert sum(t.meta["app"] == app for t in function) == n_function, app
        mine = [t.meta["difficulty"] for t in real if t.meta["app"] == app]
        assert (mine.count("easy"), mine.count("medium"), mine.count("hard")) == (easy, medium, hard), app
    assert (len(function), len(real)) == (737, 1620)
    assert len({t.id for t in function + real}) == len(function) + len(real)


def test_task_fields(infinity):
    task = next(t for t in data.load_tasks(infinity, "function", ["gmail"]) if t.id == "gmail/task_1")
    assert task.suite == "webarena_infinity" and task.split == "function"
    assert task.goal == "Mark the email 'Q1 Product Roadmap Review' from Sarah Chen as read."
    assert task.meta["verify"] == "function-tasks/task_1.py"
    assert task.meta["verifier"] == str((infinity / "apps/gmail/function-tasks/task_1.py").resolve())
    assert task.meta["difficulty"] == ""
    real = data.load_tasks(infinity, "real", ["gmail"])
    assert real[0].id == "gmail/task_e1" and real[0].meta["difficulty"] == "easy"


def test_named_subsets(infinity):
    real = data.load_tasks(infinity, "real", ["gmail", "xero-invoicing"])
    subsets = data.named_subsets(real)
    assert sorted(subsets) == ["easy", "gmail", "hard", "medium", "xero-invoicing"]
    assert len(subsets["easy"]) == 40 and len(subsets["hard"]) == 100 and len(subsets["gmail"]) == 60
    assert all(i.startswith("gmail/") for i in subsets["gmail"])
    assert sorted(data.named_subsets(data.load_tasks(infinity, "function", ["gmail"]))) == ["gmail"]


def _app(tmp_path: Path, tasks, name="app", task_set="real-tasks.json") -> Path:
    app = tmp_path / "apps" / name
    (app / "real-tasks").mkdir(parents=True)
    (app / "server.py").write_text("")
    (app / "real-tasks" / "t.py").write_text("def verify(url):\n    return True, 'ok'\n")
    (app / task_set).write_text(tasks if isinstance(tasks, str) else json.dumps(tasks))
    return tmp_path


GOOD = {"id": "t1", "instruction": "Do it.", "verify": "real-tasks/t.py", "difficulty": "easy"}


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        ("[{", "not valid JSON"),
        ({"id": "t1"}, "expected a JSON list of tasks"),
        (["x"], "task 1: expected a JSON object"),
        ([{**GOOD, "id": ""}], "task 1: field 'id' must be a non-empty string"),
        ([{**GOOD, "instruction": 3}], "task 1 (t1): field 'instruction' must be a non-empty string"),
        ([GOOD, GOOD], "task 2 (t1): field 'id' repeats"),
        ([{**GOOD, "verify": "../../x.py"}], "task 1 (t1): field 'verify': '../../x.py' is not a .py file"),
        ([{**GOOD, "verify": "real-tasks/none.py"}], "field 'verify': real-tasks/none.py does not exist"),
        ([{**GOOD, "difficulty": "extreme"}], "field 'difficulty' must be one of easy, medium, hard"),
    ],
)
def test_malformed_task_files_name_file_and_field(tmp_path, tasks, expected):
    root = _app(tmp_path, tasks)
    with pytest.raises(data.InfinityDataError) as info:
        data.load_tasks(root, "real")
    message = str(info.value)
    assert expected in message and str(root / "apps/app/real-tasks.json") in message
    assert "\n" not in message and isinstance(info.value, UsageError)


def test_missing_files_and_folders(tmp_path):
    with pytest.raises(data.InfinityDataError, match="not a WebArena-Infinity checkout"):
        data.load_tasks(tmp_path, "real")
    root = _app(tmp_path, [GOOD])
    with pytest.raises(data.InfinityDataError, match=r"function-tasks.json: file not found"):
        data.load_tasks(root, "function")
    with pytest.raises(data.InfinityDataError, match="unknown task set 'both'"):
        data.load_tasks(root, "both")
    with pytest.raises(data.InfinityDataError, match="no such app"):
        data.load_tasks(root, "real", ["nope"])
    assert [t.id for t in data.load_tasks(root, "real")] == ["app/t1"]


class StateSite:
    """A loopback server whose GET /api/state answers ``state`` (404 when None), or never answers."""

    def __init__(self) -> None:
        self.state: dict | None = None
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                if self.path == "/hang":
                    site.release.wait(30)
                    return
                body = json.dumps(site.state).encode()
                self.send_response(200 if site.state is not None else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def state_site():
    site = StateSite()
    yield site
    site.close()


def _verifier(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "task_x.py"
    path.write_text(body)
    return path


def test_official_verifier_against_the_official_server(infinity):
    verifier = infinity / "apps/gmail/function-tasks/task_1.py"
    email = {"subject": "Q1 Product Roadmap Review", "isRead": False}
    with InfinityServer(infinity / "apps/gmail") as server:
        passed, message = run_verifier(verifier, server.url)
        assert (passed, message) == (False, "Could not retrieve application state.")  # no push yet: 404
        import urllib.request

        for read in (False, True):
            body = json.dumps({"emails": [{**email, "isRead": read}]}).encode()
            urllib.request.urlopen(
                urllib.request.Request(f"{server.url}/api/state", body, method="PUT"), timeout=10
            )
            assert run_verifier(verifier, server.url) == (
                read,
                "Email 'Q1 Product Roadmap Review' is " + ("marked as read." if read else "still unread."),
            )


def test_verifier_that_raises_is_a_failure_with_its_message(tmp_path, state_site):
    path = _verifier(tmp_path, "def verify(url):\n    raise KeyError('emails')\n")
    assert run_verifier(path, state_site.url) == (False, "Verifier exception: 'emails'")
    path = _verifier(tmp_path, "x = = 1\n")
    passed, message = run_verifier(path, state_site.url)
    assert not passed and message.startswith("Verifier exception: invalid syntax")
    path = _verifier(tmp_path, "VERIFY = 1\n")
    assert run_verifier(path, state_site.url) == (
        False,
        "Verifier exception: task_x.py defines no verify(server_url) function",
    )
    path = _verifier(tmp_path, "import sys\ndef verify(url):\n    sys.exit(3)\n")
    assert run_verifier(path, state_site.url) == (False, "Verifier exception: 3")


def test_verifier_reads_the_state_and_hangs_are_bounded(tmp_path, state_site):
    path = _verifier(
        tmp_path,
        "import requests\ndef verify(url):\n    s = requests.get(url + '/api/state').json()\n"
        "    return s['done'], f\"done={s['done']}\"\n",
    )
    state_site.state = {"done": 1}
    assert run_verifier(path, state_site.url) == (True, "done=1")
    hang = _verifier(tmp_path, "import requests\ndef verify(url):\n    requests.get(url + '/hang')\n")
    with pytest.raises(VerifierTimeout, match="task_x.py did not return within 0.5 s"):
        run_verifier(hang, state_site.url, timeout=0.5)


# ---- data pull against a loopback server -------------------------------------------------------


ROOT_FOLDER = f"webarena-infinity-{data.COMMIT}"


def build_tarball(
    source: Path, commit: str = data.COMMIT, replace: dict[str, bytes] | None = None, extra=()
) -> bytes:
    """Return a GitHub-style tar.gz of ``source``: top folder ROOT, pax comment; ``extra``: (name, bytes)."""
    root = ROOT_FOLDER
    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer,
        mode="w:gz",
        compresslevel=1,
        format=tarfile.PAX_FORMAT,
        pax_headers={"comment": commit},
    ) as tar:
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source).as_posix()
            if path.is_file():
                body = (replace or {}).get(rel, path.read_bytes())
                info = tarfile.TarInfo(f"{root}/{rel}")
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
        for name, body in extra:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


class TarSite:
    """A loopback HTTP server serving ``body`` at /archive.tar.gz."""

    def __init__(self) -> None:
        self.body = b""
        self.hits = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                site.hits += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(site.body)))
                self.end_headers()
                self.wfile.write(site.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/archive.tar.gz"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def tar_site(monkeypatch, tmp_path):
    monkeypatch.setenv("WEBBENCH_DATA_DIR", str(tmp_path / "cache"))
    site = TarSite()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture(scope="module")
def good_tarball(infinity) -> bytes:
    return build_tarball(infinity, extra=[(f"{ROOT_FOLDER}/apps/gmail/user-manuals/manual.html", b"<html>")])


def test_pull_unpacks_the_pinned_commit_atomically(tar_site, good_tarball):
    tar_site.body = good_tarball
    source = data.data_source(tar_site.url)
    lines: list[str] = []
    [folder] = pull(source, lines.append)
    assert folder == data.default_data() and folder.name == data.COMMIT
    assert lines[-1].startswith(f"unpacked {folder} (")
    assert len(data.load_tasks(folder, "function")) == 737
    assert not (folder / "apps/gmail/user-manuals").exists()  # excluded: the suite does not need it
    assert json.loads((folder / MARKER).read_text())["commit"] == data.COMMIT
    assert sorted(p.name for p in source.folder().iterdir()) == [data.COMMIT]  # no tarball, no staging
    lines.clear()
    assert pull(source, lines.append) == [folder] and lines == [f"present  {folder}"]
    assert tar_site.hits == 1


def _assert_nothing_unpacked(source) -> None:
    assert not (source.folder() / data.COMMIT).exists()
    assert [p.name for p in source.folder().iterdir()] == []


def test_pull_refuses_another_commit(tar_site, infinity):
    tar_site.body = build_tarball(infinity / "apps" / "gmail", commit="0" * 40)
    source = data.data_source(tar_site.url)
    with pytest.raises(DownloadError, match=f"not of commit {data.COMMIT} \\(its pax header says 0000"):
        pull(source, lambda line: None)
    _assert_nothing_unpacked(source)


def test_check_refuses_changed_verifiers(tmp_path, infinity):
    copy = tmp_path / "checkout"
    shutil.copytree(infinity, copy, copy_function=os.link)  # hard links: fast, and the data stays read-only
    data.check_checkout(copy)
    verifier = copy / "apps/gmail/function-tasks/task_1.py"
    verifier.unlink()
    verifier.write_text("def verify(url):\n    return True, ''\n")
    with pytest.raises(ValueError, match="scoring files differ from commit 1ca77813bf8d"):
        data.check_checkout(copy)


@pytest.mark.parametrize(
    "name", [f"{ROOT_FOLDER}/../evil.py", "/etc/evil.py", "../evil.py", "webarena-infinity-other/x.py"]
)
def test_pull_refuses_unsafe_members(tar_site, infinity, name):
    tar_site.body = build_tarball(infinity / "apps" / "gmail" / "css", extra=[(name, b"x")])
    source = data.data_source(tar_site.url)
    with pytest.raises(DownloadError, match="unsafe member path|outside the archive's top folder"):
        pull(source, lambda line: None)
    _assert_nothing_unpacked(source)


def test_pull_refuses_a_corrupt_archive(tar_site):
    tar_site.body = b"not a tarball" * 100
    source = data.data_source(tar_site.url)
    with pytest.raises(DownloadError, match=tar_site.url):
        pull(source, lambda line: None)
    _assert_nothing_unpacked(source)
