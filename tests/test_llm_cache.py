"""The SQLite response cache: keys, rw and replay modes, processes sharing one file."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
from llm_server import ChatServer, Reply

from webbench.llm import LLMCacheMiss, LLMClient, LLMConfigError, ResponseCache
from webbench.llm.cache import open_cache, request_key
from webbench.llm.settings import LLMSettings, shared_cache

HI = [{"role": "user", "content": "hi"}]


def test_key_covers_model_messages_and_parameters():
    base = request_key("m", HI, {"temperature": 0})
    assert base == request_key("m", [{"content": "hi", "role": "user"}], {"temperature": 0})
    assert base != request_key("m2", HI, {"temperature": 0})
    assert base != request_key("m", [{"role": "user", "content": "hi!"}], {"temperature": 0})
    assert base != request_key("m", HI, {"temperature": 0.5})
    assert base != request_key("m", HI, {})


def test_rw_records_once_then_answers_from_the_file(tmp_path):
    path = tmp_path / "c.sqlite"
    with ChatServer() as srv:
        srv.push(Reply("first", 7, 3))
        llm = LLMClient("gpt-4o", base_url=srv.url, cache=ResponseCache(path, "rw"))
        one = llm.complete(HI, temperature=0)
        two = llm.complete(HI, temperature=0)
        llm.complete(HI, temperature=1)
    assert len(srv.requests) == 2
    assert (one.cached, two.cached) == (False, True)
    assert (two.text, two.input_tokens, two.output_tokens, two.cost_usd) == ("first", 7, 3, one.cost_usd)
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_replay_never_touches_the_network_and_a_miss_fails_clearly(tmp_path):
    path = tmp_path / "c.sqlite"
    with ChatServer() as srv:
        srv.push(Reply("recorded"))
        LLMClient("m", base_url=srv.url, cache=ResponseCache(path, "rw")).complete(HI)
        replay = LLMClient("m", base_url=srv.url, cache=ResponseCache(path, "replay"))
        assert replay.complete(HI).text == "recorded"
        with pytest.raises(LLMCacheMiss, match="replay: no cached response .*record it first"):
            replay.complete([{"role": "user", "content": "new"}])
    assert len(srv.requests) == 1


def test_cache_configuration_errors(tmp_path):
    with pytest.raises(LLMConfigError, match="no such file to replay"):
        ResponseCache(tmp_path / "missing.sqlite", "replay")
    with pytest.raises(LLMConfigError, match="needs --llm-cache PATH"):
        open_cache(None, "replay")
    with pytest.raises(LLMConfigError, match="expected one of rw, replay, off"):
        open_cache(tmp_path / "x", "write")
    assert open_cache(tmp_path / "x", "off") is None
    not_db = tmp_path / "text.sqlite"
    not_db.write_text("hello, I am not a database" * 100)
    with pytest.raises(LLMConfigError, match="not a webbench LLM cache"):
        ResponseCache(not_db, "rw")


def test_settings_share_one_cache_per_process(tmp_path):
    settings = LLMSettings(cache=str(tmp_path / "c.sqlite"))
    assert shared_cache(settings) is shared_cache(LLMSettings.from_dict(settings.to_dict()))
    assert shared_cache(LLMSettings()) is None
    with pytest.raises(LLMConfigError, match="unknown key"):
        LLMSettings.from_dict({"cache_path": "x"})


def _writer(path: str, worker: int, n: int) -> None:
    cache = ResponseCache(path, "rw")
    for i in range(n):
        cache.put(f"{worker}-{i}", "m", {"text": f"{worker}/{i}", "input_tokens": 1, "output_tokens": 1})
        assert cache.get(f"{worker}-{i}")["text"] == f"{worker}/{i}"


def test_worker_processes_share_the_file_safely(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    ResponseCache(path, "rw").close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 60)) for w in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert len(ResponseCache(path, "replay")) == 240


def test_run_settings_reach_agents_that_ask_and_resume_may_change_the_cache():
    from webbench.run.evaluate import EvalConfig, agent_kwargs, config_from_manifest, llm_settings
    from webbench.run.store import RunStoreError

    config = EvalConfig(suite="miniwob", agent="llm", agent_args={"model": "m"}, llm_cache="a.sqlite")
    assert agent_kwargs(config, llm_settings(config))["llm_settings"] == llm_settings(config)
    assert llm_settings(config) == {
        "cache": "a.sqlite",
        "cache_mode": "rw",
        "judge_model": None,
        "judge_base_url": None,
        "judge_prompts": None,
        "judge_prompts_sha256": None,
    }
    random_config = EvalConfig(suite="miniwob", agent="random")
    assert "llm_settings" not in agent_kwargs(random_config, llm_settings(random_config))
    manifest = {"config": {**config.__dict__, "judge_model": "j1"}}
    resumed = config_from_manifest(manifest, {}, {"llm_cache": "b.sqlite", "llm_cache_mode": "replay"})
    assert (resumed.llm_cache, resumed.llm_cache_mode, resumed.judge_model) == ("b.sqlite", "replay", "j1")
    kept = config_from_manifest(manifest, {"judge_model": "j1"}, {})
    assert (kept.llm_cache, kept.llm_cache_mode) == ("a.sqlite", "rw")
    with pytest.raises(RunStoreError, match="judge_model 'j2' differs"):
        config_from_manifest(manifest, {"judge_model": "j2"}, {})
