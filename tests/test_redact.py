"""Secrets never reach a run file: redaction by name and by value, in every writer, and on --resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webbench.cli import main
from webbench.core.record import EpisodeRecord
from webbench.core.redact import REDACTED, is_redacted, is_secret_name, redact, redact_text
from webbench.report.html import render_report
from webbench.report.runs import load_run
from webbench.run.evaluate import EvalConfig, config_from_manifest, prepare, prepare_resume
from webbench.run.store import RunStore, RunStoreError

ROOT = Path(__file__).resolve().parents[1]
AUTOWEBBENCH = ROOT.parent / "shared" / "data" / "autowebbench" / "full" / "en_ind.test.json"

#: Secrets of every shape the redaction must catch, as --agent-arg values.
SECRETS = {
    "headers": '{"Authorization": "Bearer abcdef0123456789", "Accept": "application/json"}',
    "hf_token": "hf_AbCdEfGhIjKlMnOpQrStUv",
    "gitlab_pat": "glpat-0123456789abcdefghij",
    "bearer": "opaque-bearer-value",
    "base_url": "https://bob:hunter2@llm.example.com/v1?api_key=qwerty123&page=2",
    "extra": '["--model", "m", "sk-proj-0123456789abcdef"]',
}
CLEAR = (
    "abcdef0123456789",
    "AbCdEfGhIjKl",
    "0123456789abcdefghij",
    "opaque-bearer",
    "hunter2",
    "qwerty123",
    "sk-proj",
)
AGENT = '''
class KeyedAgent:
    """Takes any argument; refuses a redacted one (so that a resume must give secrets again)."""

    def __init__(self, **kwargs):
        if "***" in repr(kwargs):
            raise ValueError("the agent was given a redacted value")

    def act(self, obs):
        return "noop()"
'''


@pytest.mark.parametrize(
    "name",
    ["api_key", "OPENAI_API_KEY", "apiKey", "hf_token", "HF_TOKEN", "hftoken", "gitlab_pat", "PAT", "bearer",
     "Authorization", "X-Api-Key", "cookie", "session_id", "accessToken", "password", "passwd", "client_secret",
     "credentials", "auth"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)
    assert redact({name: "v"}) == {name: REDACTED}


@pytest.mark.parametrize(
    "name",
    ["path", "pattern", "patience", "patch", "max_tokens", "tokenizer", "author", "keyboard", "monkey", "passes",
     "model", "temperature", "base_url", "keys_per_second", "api_key_env", "token_file", "auth_url", "max_obs_tokens"],
)  # fmt: skip
def test_names_that_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)
    assert redact({name: "v"}) == {name: "v"}


def test_redaction_is_recursive_and_keeps_what_is_not_secret() -> None:
    value = {
        "headers": {"Authorization": "anything", "Accept": "json"},
        "clients": [{"name": "a", "token": 123}, {"name": "b", "secret": ["x"]}],
        "use_auth": True,
        "api_key": None,
        "path": "/data/x",
    }
    assert redact(value) == {
        "headers": {"Authorization": REDACTED, "Accept": "json"},
        "clients": [{"name": "a", "token": REDACTED}, {"name": "b", "secret": REDACTED}],
        "use_auth": True,
        "api_key": None,
        "path": "/data/x",
    }
    assert value["headers"]["Authorization"] == "anything"  # a copy: the original is untouched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bearer abcdef0123456789", "Bearer ***"),
        ("authorization: basic dXNlcjpwYXNz", "authorization: basic ***"),
        ("Basic dXNlcjpwYXNz", "Basic ***"),
        ("key sk-proj-0123456789abcdef here", "key *** here"),
        ("hf_AbCdEfGhIjKlMnOpQrSt", "***"),
        ("ghp_AbCdEfGhIjKlMnOpQrStUv", "***"),
        ("glpat-0123456789abcdefghij", "***"),
        ("AKIAABCDEFGHIJKLMNOP", "***"),
        ("https://bob:hunter2@host:8080/v1", "https://bob:***@host:8080/v1"),
        ("postgres://u:p%40ss@db/x", "postgres://u:***@db/x"),
        ("http://host/v1?api_key=abc&page=2&token=", "http://host/v1?api_key=***&page=2&token="),
        # Prose and ids that only look alike stay as they are.
        ("Basic instructions follow", "Basic instructions follow"),
        ("task-0123456789abcdef", "task-0123456789abcdef"),
        ("the hf_model and sk-x", "the hf_model and sk-x"),
        ("https://host:8080/a@b", "https://host:8080/a@b"),
        ("http://host/?page=2&pattern=x", "http://host/?page=2&pattern=x"),
    ],
)
def test_secret_shaped_values(text: str, expected: str) -> None:
    assert redact_text(text) == expected
    assert redact([text]) == [expected]


def test_is_redacted_looks_everywhere() -> None:
    assert is_redacted({"a": [{"b": "https://u:***@h"}]})
    assert not is_redacted({"a": [{"b": "https://u@h"}], "n": 3})


# -- every writer ---------------------------------------------------------------------------------


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """Return (agent file, data file): an agent refusing redacted values, 12 AutoWebBench records."""
    if not AUTOWEBBENCH.is_file():
        pytest.skip("../shared/data is not beside the project")
    agent = tmp_path / "keyed_agent.py"
    agent.write_text(AGENT)
    data = tmp_path / "en_ind.test.json"
    data.write_text(json.dumps(json.loads(AUTOWEBBENCH.read_text(encoding="utf-8"))[:12]))
    return agent, data


def _agent_args(**values: str) -> list[str]:
    return [arg for name, value in values.items() for arg in ("--agent-arg", f"{name}={value}")]


def test_eval_writes_no_secret_and_a_resume_needs_each_again(tmp_path, setup, capsys) -> None:
    agent, data = setup
    common = ["--suite", "autowebbench", "--data", str(data), "--tasks", "en_ind-000"]
    spec = ["--agent", f"{agent}:KeyedAgent"]
    code = main(["eval", *common, *spec, "--out", str(tmp_path), "--run-id", "r", *_agent_args(**SECRETS)])
    assert code == 0, capsys.readouterr().err
    run = tmp_path / "r"
    text = (run / "manifest.json").read_text()
    assert not [part for part in CLEAR if part in text]
    args = json.loads(text)["config"]["agent_args"]
    assert args["headers"] == {"Authorization": REDACTED, "Accept": "application/json"}
    assert args["base_url"] == "https://bob:***@llm.example.com/v1?api_key=***&page=2"
    assert args["extra"] == ["--model", "m", REDACTED]

    capsys.readouterr()
    (run / "episodes.jsonl").write_text("")  # the episode is to be run again
    assert main(["eval", "--resume", str(run), *_agent_args(hf_token=SECRETS["hf_token"])]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "give it again" in err, err
    for name in ("headers", "gitlab_pat", "bearer", "base_url", "extra"):
        assert f"--agent-arg {name}" in err
    assert "--agent-arg hf_token" not in err

    # A value given again must be the one the run had (in its redacted form): another user is refused.
    other = SECRETS | {"base_url": SECRETS["base_url"].replace("bob", "eve")}
    assert main(["eval", "--resume", str(run), *_agent_args(**other)]) == 2
    err = capsys.readouterr().err
    assert "base_url" in err and "differs" in err and "hunter2" not in err

    assert main(["eval", "--resume", str(run), *_agent_args(**SECRETS)]) == 0, capsys.readouterr().err
    assert len(RunStore.open(run).episodes()) == 1


def test_old_manifests_in_clear_are_redacted_by_the_baseline_and_the_report(tmp_path, setup) -> None:
    # A run folder whose manifest an older webbench wrote with nested secrets in clear.
    run = tmp_path / "old"
    config = EvalConfig(
        suite="autowebbench", agent="oracle", agent_args={"headers": {"Cookie": "sid=s3cr3t"}}
    )
    config.judge_base_url = "https://u:hunter2@judge/v1"
    store = RunStore.create(tmp_path, "old", {"run_id": "old", "config": vars(config), "tasks": ["t"]})
    store.append(EpisodeRecord(suite="autowebbench", task_id="t", episode=0, status="ok", success=True))
    baseline = tmp_path / "baseline.json"
    assert main(["gate", "--save-baseline", str(run), "-o", str(baseline)]) == 0
    text = baseline.read_text()
    assert "s3cr3t" not in text and "hunter2" not in text and "https://u:***@judge/v1" in text
    html = render_report([load_run(run)], tmp_path / "report.html")
    assert "s3cr3t" not in html and "Cookie" in html


def test_a_manifest_redacted_by_an_older_webbench_accepts_the_value_again() -> None:
    # Older manifests redacted every name with "token" in it (max_tokens too): any value is accepted.
    saved = {"suite": "autowebbench", "agent": "oracle", "agent_args": {"max_tokens": REDACTED, "model": "m"}}
    with pytest.raises(RunStoreError, match="--agent-arg max_tokens redacted"):
        config_from_manifest({"config": saved}, {}, {})
    config = config_from_manifest({"config": saved}, {"agent_args": {"max_tokens": 512}}, {})
    assert config.agent_args == {"max_tokens": 512, "model": "m"}
    with pytest.raises(RunStoreError, match="model='n' differs"):
        config_from_manifest({"config": saved}, {"agent_args": {"max_tokens": 512, "model": "n"}}, {})


def test_a_redacted_runtime_option_must_be_given_again(tmp_path, setup) -> None:
    _agent, data = setup
    config = EvalConfig(
        suite="autowebbench", agent="oracle", data=str(data), judge_base_url="https://u:pw1234@judge/v1"
    )
    prepare(config, tmp_path, "r")
    with pytest.raises(RunStoreError, match="holds --judge-base-url redacted"):
        prepare_resume(tmp_path / "r", {}, {})
    resumed = prepare_resume(tmp_path / "r", {}, {"judge_base_url": "https://u:pw1234@judge/v1"})
    assert resumed.config.judge_base_url == "https://u:pw1234@judge/v1"
