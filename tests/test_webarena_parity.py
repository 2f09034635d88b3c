"""Parity with the official evaluators (PyPI ``libwebarena``, the web-arena-x/webarena code) on
generated cases: every task's string reference answers and reference URLs in test.raw.json, with
perturbations (case, quotes, extra words, single characters, ``|OR|``, trailing slashes, query
changes), and program_html on loopback pages in a real Chromium. Same scores, or a named quirk.

Both sides get the same deterministic stand-in for the LLM judge, and, where NLTK's ``punkt_tab``
data is missing (it cannot be downloaded here), the same word tokenizer: the official code would
stop with a LookupError, and the sentence-split difference is covered in test_webarena_metrics.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import SHARED_DATA

from webbench.llm.judges import Judgement
from webbench.metrics import webarena
from webbench.metrics.strings import clean_answer
from webbench.metrics.webarena import evaluate

SITES = {
    "__SHOPPING_ADMIN__": "http://shop.test:7780/admin",
    "__SHOPPING__": "http://shop.test:7770",
    "__REDDIT__": "http://forum.test:9999",
    "__GITLAB__": "http://code.test:8023",
    "__WIKIPEDIA__": "http://wiki.test:8888/wikipedia_en_all_maxi_2022-05/A/User:The_other_Kiwix_guy/Landing",
    "__MAP__": "http://map.test:3000",
}
ENV = {"SHOPPING": "http://shop.test:7770", "SHOPPING_ADMIN": "http://shop.test:7780/admin", "REDDIT": "http://forum.test:9999",
       "GITLAB": "http://code.test:8023", "WIKIPEDIA": "http://wiki.test:8888", "MAP": "http://map.test:3000",
       "HOMEPAGE": "http://home.test:4399"}  # fmt: skip


def fuzzy_verdict(pred: str, reference: str, question: str) -> float:
    """The stand-in judge of both sides: the cleaned reference occurs in the cleaned answer."""
    return float(clean_answer(reference) in pred)


def ua_verdict(pred: str, reference: str, question: str) -> float:
    """The stand-in unachievable judge: the answer gives a reason ("not", "no ", "because")."""
    return float(any(word in pred for word in ("not", "no ", "because")))


class SameJudge:
    def fuzzy_match(self, pred: str, reference: str, question: str) -> Judgement:
        return Judgement("fuzzy_match", fuzzy_verdict(pred, reference, question), True)

    def ua_match(self, pred: str, reference: str, question: str) -> Judgement:
        return Judgement("ua_match", ua_verdict(pred, reference, question), True)


@pytest.fixture(scope="module")
def official():
    """Return libwebarena's evaluators module, its judge and tokenizer set as described above."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENV.items():
            patch.setenv(name, os.environ.get(name) or value)
        evaluators = pytest.importorskip("webarena.evaluation_harness.evaluators")
        patch.setattr(evaluators, "llm_fuzzy_match", fuzzy_verdict)
        patch.setattr(evaluators, "llm_ua_match", ua_verdict)
        tokens, name = webarena._word_tokenizer()
        if name == webarena.TOKENIZER_NO_PUNKT:
            patch.setattr(evaluators, "word_tokenize", tokens)
        patch.setattr(evaluators.time, "sleep", lambda seconds: None)  # it waits 3 s after goto's load
        yield evaluators


def concrete(config: dict) -> dict:
    text = json.dumps(config)
    for placeholder, url in SITES.items():
        text = text.replace(placeholder, url)
    return json.loads(text)


@pytest.fixture(scope="module")
def tasks() -> list[dict]:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the project")
    raw = json.loads((SHARED_DATA / "webarena" / "test.raw.json").read_text())
    return [concrete(task) for task in raw]


def answer_variants(reference_answers: dict) -> list[str]:
    """Return answers built from the references: exact, case, quotes, extra words, pieces, |OR|."""
    texts: list[str] = []
    for approach, value in reference_answers.items():
        if approach == "exact_match":
            texts.append(value)
        elif value == "N/A":
            texts += ["N/A", "n/a", "'N/A'", '"n/a"', "N/A: the item does not exist", "not possible"]
        else:
            texts += list(value)
            texts.append(" ".join(value))
            texts.append(", ".join(value))
            texts += [alt for item in value for alt in item.split(" |OR| ")]
    variants = {"", "N/A", "0", "Early stop: Reach max steps 30"}
    for text in texts:
        variants |= {
            text,
            text.upper(),
            text.title(),
            f"'{text}'",
            f'"{text}"',
            f"\"'{text}'\"",
            f"  {text}  ",
            f"The answer is {text}.",
            f"{text} and more",
            f"${text}.00",
            f"1{text}",
            f"{text}, 1",
            f"{text}. Next sentence",
            text[:1],
            text[1:],
            f"{text} |OR| x",
        }
    return sorted(variants)


def string_tasks(tasks: list[dict]):
    for task in tasks:
        if "string_match" in task["eval"]["eval_types"]:
            yield {**task, "eval": {**task["eval"], "eval_types": ["string_match"]}}


def official_score(evaluator, config_file: Path, answer: str = "", page=None) -> float:
    return evaluator(trajectory=[{"answer": answer}], config_file=config_file, page=page, client=None)


def write(path: Path, config: dict) -> Path:
    path.write_text(json.dumps(config))
    return path


def test_string_match_on_every_task_with_perturbations(official, tasks, tmp_path):
    evaluator = official.StringEvaluator()
    judge = SameJudge()
    counted = passes = 0
    for config in string_tasks(tasks):
        config_file = write(tmp_path / "s.json", config)
        for answer in answer_variants(config["eval"]["reference_answers"]):
            ours = evaluate(config, answer, "", None, judge).score
            theirs = official_score(evaluator, config_file, answer)
            assert ours == theirs, (
                f"task {config['task_id']}, answer {answer!r}: ours {ours}, official {theirs}"
            )
            counted += 1
            passes += int(ours)
    assert counted > 10_000 and 0 < passes < counted
    print(f"string_match parity: {counted} cases, {passes} passing, 0 different")


def url_variants(reference_url: str) -> list[str]:
    finals = set()
    for ref in reference_url.split(" |OR| "):
        finals |= {
            ref,
            ref + "/",
            ref.rstrip("/") + "/extra",
            ref.rstrip("/") + ("&" if "?" in ref else "?") + "page=2",
            ref.replace("http://", "https://"),
            ref.upper(),
            ref.rsplit("/", 1)[0],
            ref.split("?")[0],
            ref.replace("=", "=x", 1),
            ref.replace(".test", ".other", 1),
            ref + "#top",
        }
    return sorted(finals)


def test_url_match_on_every_task_with_a_reference_url(official, tasks, tmp_path):
    evaluator = official.URLEvaluator()
    pseudo = official.PseudoPage
    counted = 0
    passes = 0
    for task in tasks:
        if "url_match" not in task["eval"]["eval_types"]:
            continue
        config = {**task, "eval": {**task["eval"], "eval_types": ["url_match"]}}
        config_file = write(tmp_path / "u.json", config)
        for final in url_variants(task["eval"]["reference_url"]):
            ours = evaluate(config, "", final, None, None).score
            theirs = official_score(evaluator, config_file, page=pseudo(None, final))
            assert ours == theirs, (task["task_id"], final)
            counted += 1
            passes += int(ours)
    assert counted > 2000 and 0 < passes < counted
    print(f"url_match parity: {counted} cases, {passes} passing, 0 different")


@pytest.mark.browser
def test_program_html_on_loopback_pages(official, tmp_path):
    """The official HTMLContentEvaluator on a Playwright page of our session against ours."""
    from test_webarena_page import Shop

    from webbench.browser.session import BrowserSession
    from webbench.suites._webarena_page import ProgramHtmlReader

    shop = Shop()
    title_box = "document.querySelector('[title=\"What’s on your mind?\"').querySelector('textarea').value"
    targets = [
        ("last", "document.title", {"exact_match": "edit rule"}),
        ("last", "document.title", {"exact_match": "'Edit rule'"}),
        ("last", title_box, {"must_include": ["refund & thanks"]}),
        ("last", title_box, {"must_include": ["refund &amp; thanks"]}),
        ("last", title_box, {"must_include": ["nope |OR| PLEASE", "thanks"]}),
        ("last", "document.querySelector('#nothing')", {"exact_match": "None"}),
        ("last", "document.querySelector('#nothing').value", {"exact_match": ""}),
        ("last", "[...document.querySelectorAll('li')].map(e => e.textContent)", {"must_include": ["['a', 'b']"]}),
        ("last", "", {"must_include": ["<title>Edit rule</title>", "Actions"]}),
        ("last", "", {"must_include": ["0"]}),
        (f"{shop.base}/f/books/12/", "document.querySelector('.submission__title').outerText", {"exact_match": "hi"}),
        (f"{shop.base}/byteblaze/dotfiles/-/project_members", "func:gitlab_get_project_memeber_role(__page__, 'yjlou')",
         {"must_include": ["Developer"]}),
        (f"{shop.base}/byteblaze/dotfiles/-/project_members", "func:gitlab_get_project_memeber_role(__page__, 'zz')",
         {"exact_match": ""}),
        ("func:reddit_get_post_url('__last_url__')", "document.title", {"must_include": ["Edit"]}),
    ]  # fmt: skip
    counted = 0
    try:
        with BrowserSession.launch() as session:
            session.new_episode()
            session.goto(f"{shop.base}/page.html")
            reader = ProgramHtmlReader(session, {"SHOPPING": shop.base}, timeout=5.0)
            evaluator = official.HTMLContentEvaluator()
            # the official evaluator gets its own context on the same page (it opens tabs there)
            context = session.browser.new_context()
            own = context.new_page()
            own.goto(f"{shop.base}/page.html")
            page = official.PseudoPage(own, own.url)
            for single in targets:
                for group in ([single], [single, targets[0]], [targets[2], single]):
                    config = {"task_id": 1, "intent": "q", "eval": {"eval_types": ["program_html"], "program_html": [
                        {"url": url, "locator": locator, "required_contents": required} for url, locator, required in group
                    ]}}  # fmt: skip
                    ours = evaluate(config, "", session.page.url, reader, None).score
                    theirs = official_score(evaluator, write(tmp_path / "h.json", config), page=page)
                    assert ours == theirs, group
                    counted += 1
            assert len(session.tabs()) == 1
            context.close()
    finally:
        shop.stop()
    assert counted == 3 * len(targets)
