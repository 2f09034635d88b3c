"""Judge prompt sets: webbench's templates, safe rendering, the --judge-prompts file and its run flow."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import miniwob_eval, webbench

from webbench.core.errors import UsageError
from webbench.llm.errors import LLMConfigError
from webbench.llm.judge_prompts import (
    PLACEHOLDERS,
    WEBBENCH_PROMPTS,
    WEBBENCH_TEXTS,
    judge_prompts,
    load_prompts_file,
    render,
    template_problem,
)

#: The verdict words each rule parses, which webbench's wording must ask for.
VERDICTS = {
    "fuzzy_match": ("correct", "incorrect", "partially correct"),
    "ua_match": ('"same"', '"different"'),
    "webvoyager_system": ("SUCCESS", "NOT SUCCESS"),
}

UA = "Task {question}; reason {reference}; report {pred}; same or different?"


def test_webbench_templates_use_exactly_their_placeholders_and_name_the_verdicts():
    assert set(WEBBENCH_TEXTS) == set(PLACEHOLDERS)
    for key, text in WEBBENCH_TEXTS.items():
        assert template_problem(text, PLACEHOLDERS[key]) is None, key
    for key, words in VERDICTS.items():
        assert all(word in WEBBENCH_TEXTS[key] for word in words), key
    assert WEBBENCH_PROMPTS.name == "webbench"


def test_render_inserts_values_verbatim_in_one_pass():
    template = 'A={question} B={pred} {"json": 1} {} { question }'
    rendered = render(template, question="{pred}", pred="}{ {{x}} {0}")
    assert rendered == 'A={pred} B=}{ {{x}} {0} {"json": 1} {} { question }'


@pytest.mark.parametrize(
    "template, allowed, problem",
    [
        ("{a} {b}", ("a", "b"), None),
        ("{a} {a}", ("a",), None),
        ("{a}", ("a", "b"), "missing placeholder {b}"),
        ("{a} {c}", ("a",), "unknown placeholder {c} (allowed: {a})"),
        ("{task}", (), "unknown placeholder {task} (allowed: none)"),
        ("{ a } {0} {}", (), None),
    ],
)
def test_template_problem(template, allowed, problem):
    assert template_problem(template, allowed) == problem


def test_overrides_replace_only_their_keys():
    assert judge_prompts(None) is WEBBENCH_PROMPTS
    custom = judge_prompts({"ua_match": UA}, "ab12")
    assert custom.name == "ab12"
    assert custom.texts["ua_match"] == UA
    assert custom.texts["fuzzy_match"] == WEBBENCH_TEXTS["fuzzy_match"]
    assert judge_prompts({"ua_match": UA}).name == "custom"


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "prompts.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_a_valid_file_gives_its_templates_and_sha256(tmp_path):
    path = write(tmp_path, json.dumps({"ua_match": UA, "webvoyager_system": "Say SUCCESS or NOT SUCCESS."}))
    texts, sha256 = load_prompts_file(path)
    assert texts == {"ua_match": UA, "webvoyager_system": "Say SUCCESS or NOT SUCCESS."}
    assert sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"ua_match": ', "not valid JSON (Expecting value at line 1)"),
        (b'{"ua_match": "\xff"}', "not UTF-8 text"),
        ("[1, 2]", "expected a JSON object with any of the keys fuzzy_match, ua_match,"),
        (json.dumps({"fuzzy": UA}), "unknown key 'fuzzy' (known: fuzzy_match, ua_match,"),
        (json.dumps({"ua_match": 3}), "key 'ua_match': expected a non-empty string"),
        (json.dumps({"ua_match": ""}), "key 'ua_match': expected a non-empty string"),
        (json.dumps({"ua_match": "{question} {reference}"}), "key 'ua_match': missing placeholder {pred}"),
        (
            json.dumps({"fuzzy_match": UA + " {answer}"}),
            "key 'fuzzy_match': unknown placeholder {answer} (allowed: {question}, {reference}, {pred})",
        ),
        (
            json.dumps({"webvoyager_user": "{task} {answer}"}),
            "key 'webvoyager_user': missing placeholder {k}",
        ),
        (
            json.dumps({"webvoyager_system": "Judge {task}"}),
            "key 'webvoyager_system': unknown placeholder {task}",
        ),
    ],
)
def test_a_bad_file_is_a_usage_error_naming_the_file_and_key(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(LLMConfigError) as caught:
        load_prompts_file(path)
    assert isinstance(caught.value, UsageError)
    text = str(caught.value)
    assert text.startswith(f"--judge-prompts {path}: ") and message in text
    assert "\n" not in text


def test_a_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(
        LLMConfigError, match=r"none\.json: cannot read the file \(No such file or directory\)"
    ):
        load_prompts_file(tmp_path / "none.json")


def prompts_eval(tmp_path: Path, path: Path, *extra: str):
    return webbench(
        *miniwob_eval(tmp_path / "out", "click-test-2", "random", "--judge-prompts", str(path), *extra)
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (json.dumps({"ua_match": "{question} {reference}"}), "key 'ua_match': missing placeholder {pred}"),
        ("{oops", "not valid JSON"),
    ],
)
def test_eval_with_a_bad_prompts_file_exits_2_before_creating_the_run(tmp_path, content, message):
    path = write(tmp_path, content)
    done = prompts_eval(tmp_path, path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"webbench: error: --judge-prompts {path}: ") and message in line
    assert not (tmp_path / "out").exists()


def test_eval_with_a_missing_prompts_file_exits_2(tmp_path):
    done = prompts_eval(tmp_path, tmp_path / "absent.json")
    assert done.returncode == 2
    assert "absent.json: cannot read the file" in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_prompts_file_reaches_the_env_and_the_manifest_and_defines_the_run(tmp_path):
    from webbench.run.evaluate import EvalConfig, prepare, prepare_resume
    from webbench.run.store import RunStoreError

    path = write(tmp_path, json.dumps({"ua_match": UA}))
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    config = EvalConfig(suite="miniwob", agent="random", task_ids=["click-test-2"], judge_prompts=str(path))
    prepared = prepare(config, tmp_path / "runs", "r")
    run = tmp_path / "runs" / "r"
    manifest = json.loads((run / "manifest.json").read_text())["config"]
    assert (manifest["judge_prompts"], manifest["judge_prompts_sha256"]) == (str(path), sha256)
    llm = prepared.spec.env_config.llm
    assert (llm["judge_prompts"], llm["judge_prompts_sha256"]) == ({"ua_match": UA}, sha256)

    # A resume reads the file again and must find the same bytes; another file is refused.
    assert prepare_resume(run, {"judge_prompts": str(path)}, {}).spec.env_config.llm == llm
    with pytest.raises(RunStoreError, match="judge_prompts .* differs from the run's"):
        prepare_resume(run, {"judge_prompts": str(tmp_path / "other.json")}, {})
    path.write_text(json.dumps({"ua_match": UA + " "}))
    with pytest.raises(LLMConfigError, match=f"the file changed since the run started .*the run's {sha256}"):
        prepare_resume(run, {}, {})
    done = webbench("eval", "--resume", str(run))
    assert done.returncode == 2 and "the file changed since the run started" in done.stderr


def test_without_a_file_the_settings_say_webbench_wording(tmp_path):
    from webbench.run.evaluate import EvalConfig, llm_settings

    llm = llm_settings(EvalConfig(suite="miniwob", agent="random"))
    assert (llm["judge_prompts"], llm["judge_prompts_sha256"]) == (None, None)
