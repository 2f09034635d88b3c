"""The LLM client against a real HTTP server on 127.0.0.1: retries, errors, images, usage, cost."""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest
from llm_server import ChatServer, Raw, Reply, Status

from webbench.llm import LLMClient, LLMConfigError, LLMError, message
from webbench.llm.client import retry_after_s, without_images
from webbench.llm.prices import cost_usd, load_prices

HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def server():
    with ChatServer() as srv:
        yield srv


def client(server: ChatServer, model: str = "gpt-4o", **kwargs) -> LLMClient:
    kwargs.setdefault("retry_base", 0.01)
    return LLMClient(model, base_url=server.url, **kwargs)


def test_429_with_retry_after_then_success_waits_as_asked(server):
    server.push(Status(429, "slow down", {"Retry-After": "0.6"}), Reply("done", 10, 5))
    started = time.monotonic()
    result = client(server).complete(HI)
    assert result.text == "done"
    assert time.monotonic() - started >= 0.6
    assert len(server.requests) == 2


def test_500_forever_gives_up_after_max_retries_with_a_clear_message(server):
    server.responder = lambda _r: Status(500, "backend down")
    with pytest.raises(LLMError, match=r"HTTP 500 .*backend down.*gave up after 3 attempts"):
        client(server, max_retries=2).complete(HI)
    assert len(server.requests) == 3


def test_a_400_is_not_retried(server):
    server.push(Status(400, "bad request"))
    with pytest.raises(LLMError, match="HTTP 400"):
        client(server).complete(HI)
    assert len(server.requests) == 1


def test_connection_errors_are_retried_then_reported():
    srv = ChatServer().start()
    url = srv.url
    srv.stop()
    with pytest.raises(LLMError, match=r"APIConnectionError.*gave up after 2 attempts"):
        LLMClient("m", base_url=url, max_retries=1, retry_base=0.01).complete(HI)


@pytest.mark.parametrize(
    "answer, reason",
    [
        (Raw(b"this is not json"), "malformed reply"),
        (Raw(b'{"choices": []}'), "no choices"),
        (Raw(b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": null}}]}'), "no text"),
    ],
)
def test_malformed_replies_fail_clearly_without_retrying(server, answer, reason):
    server.push(answer)
    with pytest.raises(LLMError, match=reason):
        client(server).complete(HI)
    assert len(server.requests) == 1


def test_api_key_is_sent_but_scrubbed_from_errors(server, monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-very-secret-42")
    server.responder = lambda r: Status(401, "bad key " + r["headers"]["authorization"])
    with pytest.raises(LLMError) as info:
        client(server, api_key_env="MY_KEY").complete(HI)
    assert server.requests[0]["headers"]["authorization"] == "Bearer sk-very-secret-42"
    assert "sk-very-secret-42" not in str(info.value)
    assert "***" in str(info.value)


def test_a_named_key_variable_that_is_unset_is_a_config_error(server, monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(LLMConfigError, match="NO_SUCH_KEY_VAR"):
        client(server, api_key_env="NO_SUCH_KEY_VAR")


def test_openai_base_url_is_honoured(server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    server.push(Reply("via env"))
    assert LLMClient("m").complete(HI).text == "via env"


def test_png_images_travel_as_data_urls_and_traces_hold_placeholders(server):
    png = b"\x89PNG\r\n\x1a\nfake-image-bytes"
    msgs = [message("user", "look", [png, png])]
    client(server).complete(msgs)
    content = server.requests[0]["json"]["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "look"}
    assert [p["type"] for p in content[1:]] == ["image_url", "image_url"]
    url = content[1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == png
    trace = json.dumps(without_images(msgs))
    assert "base64" not in trace and "<image" in trace


def test_sampling_parameters_reach_the_server_and_none_is_dropped(server):
    client(server).complete(HI, temperature=0.3, max_tokens=77, seed=5, top_p=None)
    body = server.requests[0]["json"]
    assert (body["temperature"], body["max_tokens"], body["seed"]) == (0.3, 77, 5)
    assert "top_p" not in body


def test_usage_and_cost_of_a_priced_model(server):
    server.push(Reply("x", 1000, 200))
    result = client(server, "gpt-4o-mini").complete(HI)
    assert (result.input_tokens, result.output_tokens) == (1000, 200)
    assert result.cost_usd == pytest.approx((1000 * 0.15 + 200 * 0.60) / 1e6)
    assert result.usage() == {"input_tokens": 1000, "output_tokens": 200, "cost_usd": result.cost_usd}


def test_cost_is_unknown_for_unlisted_models_and_missing_usage(server):
    server.push(Reply("x", 10, 2), Reply("y", None, None))
    assert client(server, "my-local-model").complete(HI).cost_usd is None
    missing = client(server, "gpt-4o").complete([{"role": "user", "content": "other"}])
    assert (missing.input_tokens, missing.output_tokens, missing.cost_usd) == (0, 0, None)


def test_price_table_is_extended_by_file_env_and_inline(tmp_path, monkeypatch):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"local-llama": {"input": 1, "output": 2}}))
    monkeypatch.setenv("WEBBENCH_LLM_PRICES", str(path))
    table = load_prices({"gpt-4o": {"input": 9, "output": 9}})
    assert cost_usd(table, "local-llama", 1_000_000, 500_000) == pytest.approx(2.0)
    assert table["gpt-4o"] == {"input": 9.0, "output": 9.0}
    assert cost_usd(table, "gpt-4o-2099-01-01", 10, 10) is None  # no prefix guessing


def test_bad_price_files_name_the_file(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"m": {"input": 1}}')
    with pytest.raises(LLMConfigError, match=r"p\.json: model 'm' needs 'input' and 'output'"):
        load_prices(bad)
    bad.write_text("{oops")
    with pytest.raises(LLMConfigError, match="not valid JSON"):
        load_prices(bad)


def test_retry_after_forms():
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_s({}) is None
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 < retry_after_s({"retry-after": later}) <= 30
    assert retry_after_s({"retry-after": "soon"}) is None


def test_concurrent_requests_per_endpoint_are_bounded():
    active, peak, lock = [0], [0], threading.Lock()

    def slow(_request):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        return Reply("ok")

    with ChatServer(slow) as srv:
        llm = LLMClient("m", base_url=srv.url, max_concurrency=2)
        threads = [
            threading.Thread(target=llm.complete, args=([{"role": "user", "content": str(i)}],))
            for i in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(srv.requests) == 6
    assert peak[0] == 2
