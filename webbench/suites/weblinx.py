"""WebLINX: conversational web navigation, replayed turn by turn from recorded demonstrations.

An episode is one demonstration. Each evaluated navigator turn (a browser action or a
``say``) is a step: the agent sees the dialogue so far, the recorded page and its
elements, and the gold history (teacher forcing); its action is scored against the
recorded one with the official metrics (:mod:`webbench.metrics.weblinx`). The turns are
those of the official dataset (intents click, change, textInput, scroll, load, submit and
navigator chat, with a "good" screenshot) that pass the official reference filter.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webbench.core.action import Action
from webbench.core.env import EnvConfig
from webbench.core.metric import MetricSpec
from webbench.core.suite import SuiteError, SuiteOption
from webbench.core.types import Observation, Task, Turn
from webbench.data import data_home
from webbench.data.sources import DataSource, HubDataset
from webbench.metrics.weblinx import (
    QUIRKS,
    UNKNOWN,
    PageBoxes,
    WebAction,
    keep_reference,
    metric_names,
    parse_fixes,
    prediction,
    score_turn,
    sum_turns,
    turn_values,
)
from webbench.metrics.weblinx_actions import format_native, from_canonical, parse_native
from webbench.suites._replay import GoldStep, ReplayEnv, ReplaySuite
from webbench.suites._weblinx_data import Demo, RawTurn, WeblinxDataError, read_goal, read_splits

SPLITS = ("train", "valid", "test_iid", "test_geo", "test_vis", "test_cat", "test_web")
OOD_SPLITS = ("test_geo", "test_vis", "test_cat", "test_web")
#: Browser intents of the official dataset's turns (plus navigator chat turns).
DATASET_INTENTS = frozenset({"click", "change", "textinput", "scroll", "load", "submit"})
_NEEDS_ELEMENT = frozenset({"click", "change", "submit"})


def _describe(name: str) -> str:
    base = name.removesuffix("_cond")
    what = {
        "overall": "per-turn overall score",
        "intent_match": "intent match (IM)",
        "element_group": "element group (IoU)",
        "text_group": "text group (max of chrF, URLF)",
    }.get(base)
    if what is None:
        intent, _, metric = base.partition("_")
        what = f"{'intent match' if metric == 'im' else metric} on {intent} turns"
    if name.endswith("_cond"):
        variant = ", conditional (turns whose intent matches)"
    elif base == "intent_match" or base.endswith("_im"):
        variant = ""
    else:
        variant = ", unconditional (a wrong intent scores 0)"
    return f"{what}: mean over turns{variant}"


def _specs() -> tuple[MetricSpec, ...]:
    return tuple(
        MetricSpec(
            name,
            _describe(name),
            aggregation="ratio",
            numerator=f"{name}.sum",
            denominator=f"{name}.n",
            headline=name == "overall",
            group_by="split",
        )
        for name in metric_names()
    )


def _fixes_option(text: str) -> str:
    """Return the canonical comma list of quirk names (argparse type of ``--fixes``)."""
    try:
        return ",".join(sorted(parse_fixes(text)))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _require_extras() -> None:
    try:
        import lxml.html  # noqa: F401
        import sacrebleu  # noqa: F401
    except ImportError as exc:
        raise SuiteError(
            f"the weblinx suite needs lxml and sacrebleu ({exc.name} is missing): "
            "pip install 'webbench[weblinx]'"
        ) from exc


def data_root(data: Path | None) -> Path:
    """Return the WebLINX data folder: ``data`` or ``<data home>/weblinx``."""
    return Path(data) if data is not None else data_home() / "weblinx"


@dataclass
class GoldTurn:
    """The reference of one step and the page its prediction's element is looked up on."""

    reference: WebAction
    page: PageBoxes
    turn_index: int


def _gold_args(turn: RawTurn) -> dict[str, Any]:
    if turn.type == "chat":
        return {"speaker": "navigator", "utterance": turn.utterance}
    args = dict(turn.args)
    if turn.uid is not None and turn.intent not in ("load", "scroll"):
        args["uid"] = turn.uid
    return args


def _history_item(turn: RawTurn) -> str:
    if turn.type == "chat":
        return format_native("say", {"speaker": turn.speaker, "utterance": turn.utterance})
    return format_native(turn.intent if turn.intent != UNKNOWN else turn.raw_intent, _gold_args(turn))


def dataset_turns(turns: list[RawTurn]) -> Iterator[tuple[RawTurn, str | None]]:
    """Yield (turn, screenshot) for each turn of the official dataset, in order.

    Browser turns of the dataset intents and navigator chat turns are kept when their
    screenshot (for chat turns without one: the latest earlier turn's) has status "good";
    click, change and submit turns without an element are dropped.
    """
    last: tuple[str | None, str | None] = (None, None)
    for turn in turns:
        shot = (turn.screenshot, turn.screenshot_status) if turn.screenshot else None
        if turn.type == "chat" and shot is None:
            shot = last
        if turn.screenshot:
            last = (turn.screenshot, turn.screenshot_status)
        if shot is None or shot[0] is None or shot[1] != "good":
            continue
        if turn.type == "chat":
            if turn.speaker == "navigator":
                yield turn, shot[0]
        elif turn.intent in DATASET_INTENTS and not (turn.intent in _NEEDS_ELEMENT and turn.element is None):
            yield turn, shot[0]


class WeblinxEnv(ReplayEnv):
    """Replays a WebLINX demonstration; native or canonical actions are scored officially."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__(config)
        self.fixes = parse_fixes(config.options.get("fixes"))
        self.root = data_root(config.data)

    def parse(self, text: str) -> Action:
        """Return the action in ``text``: native WebLINX dialect or canonical syntax."""
        return parse_native(text)

    def _observation(self, demo: Demo, turns: list[RawTurn], turn: RawTurn, shot: str | None) -> Observation:
        before = turns[: turn.index]
        browser = [t for t in before if t.type == "browser"]
        if turn.type == "browser":
            browser.append(turn)
        page_turn = next((t for t in reversed(browser) if demo.page(t) is not None), None)
        page = demo.page(page_turn) if page_turn is not None else None
        url_turn = next((t for t in reversed(browser) if t.url), None)
        instructions = [t.utterance for t in before if t.type == "chat" and t.speaker == "instructor"]
        viewport = next((t.viewport for t in reversed(browser) if t.viewport), None)
        return Observation(
            goal=instructions[-1] if instructions else "",
            url=url_turn.url if url_turn is not None and url_turn.url else "",
            text=page.html if page is not None else "",
            elements=page.elements() if page is not None else [],
            screenshot=demo.screenshot(shot) if self.config.screenshots else None,
            dialogue=[Turn(t.speaker, t.utterance) for t in before if t.type == "chat"],
            history=[_history_item(t) for t in before],
            step=0,
            extra={"demo": demo.name, "turn_index": turn.index, "viewport": viewport},
        )

    def steps(self, task: Task) -> Iterator[GoldStep]:
        demo = Demo(self.root / "demonstrations" / task.id)
        turns = demo.turns
        step = 0
        for turn, shot in dataset_turns(turns):
            element = demo.reference_element(turn) if turn.type == "browser" else None
            following = turns[turn.index + 1] if turn.index + 1 < len(turns) else None
            next_intent = following.intent if following is not None else None
            next_uid = following.uid if following is not None else None
            if not keep_reference(turn.intent, element, next_intent, next_uid):
                continue
            page = demo.page(turn) if turn.type == "browser" else None
            gold = GoldTurn(
                WebAction(turn.intent, _gold_args(turn), element),
                page.page_boxes if page is not None else PageBoxes(),
                turn.index,
            )
            obs = self._observation(demo, turns, turn, shot)
            obs.step = step
            step += 1
            yield GoldStep(obs, gold, format_native(turn.intent, _gold_args(turn)))

    def score_step(self, step: GoldStep, action: Action | None, raw: str) -> dict[str, float]:
        gold: GoldTurn = step.gold
        pred = None
        if action is not None:
            intent, args = from_canonical(action)
            pred = prediction(intent, args, gold.page, self.fixes)
        return turn_values(score_turn(pred, gold.reference, self.fixes))

    def aggregate(self, task: Task, scores: list[dict[str, float]]) -> dict[str, Any]:
        metrics = sum_turns(scores)
        perfect = bool(scores) and all(
            s.get("intent_match") == 1.0 and s.get("overall", 1.0) == 1.0 for s in scores
        )
        return {
            "success": perfect,
            "score": float(metrics.get("overall", 0.0)),
            "metrics": metrics,
            "details": {"demo": task.id, "turns": len(scores), "fixes": sorted(self.fixes)},
        }


#: The hub files the suite reads: splits and each demonstration's replay, form, pages and boxes.
HUB_PATTERNS = (
    "splits.json",
    "demonstrations/*/metadata.json",
    "demonstrations/*/form.json",
    "demonstrations/*/replay.json",
    "demonstrations/*/pages/*",
    "demonstrations/*/bboxes/*",
)


class WeblinxSuite(ReplaySuite):
    """The WebLINX suite: demonstrations of ``splits.json``; ``test_ood`` = the four OOD splits."""

    name = "weblinx"
    description = "WebLINX: conversational web navigation, turn-level replay of real demonstrations"
    metrics = _specs()
    options = (
        SuiteOption(
            "fixes",
            "official-code quirks to correct (comma list, or 'all'): " + ", ".join(QUIRKS),
            type=_fixes_option,  # type: ignore[arg-type]
        ),
    )
    default_max_steps = 10_000

    def splits(self) -> list[str]:
        return [*SPLITS, "test_ood"]

    def default_split(self) -> str:
        return "valid"

    def data_sources(self) -> tuple[DataSource, ...]:
        return (
            DataSource(
                "weblinx",
                "WebLINX demonstrations (replay, pages, boxes; no screenshots) and splits.json from the hub",
                "CC BY-NC-SA 4.0 (research-only terms)",
                hub=HubDataset("McGill-NLP/WebLINX-full", patterns=HUB_PATTERNS),
                note="screenshots are not pulled; the suite does not need them",
            ),
        )

    def load_tasks(self, split: str | None, data: Path | None) -> list[Task]:
        _require_extras()
        root = data_root(data)
        splits_path = root / "splits.json"
        if not splits_path.exists():
            raise SuiteError(
                f"no WebLINX data at {root} ({splits_path.name} is missing): "
                "run 'webbench data pull weblinx' or pass --data (see docs/weblinx.md)"
            )
        try:
            splits = read_splits(splits_path)
            wanted = OOD_SPLITS if split == "test_ood" else (split or self.default_split(),)
            tasks = []
            for name in wanted:
                if name not in splits:
                    raise SuiteError(f"{splits_path}: has no split {name!r}")
                for demo in splits[name]:
                    folder = root / "demonstrations" / demo
                    goal = read_goal(folder) if folder.is_dir() else ""
                    tasks.append(Task(self.name, demo, goal, name))
        except WeblinxDataError as exc:
            raise SuiteError(str(exc)) from exc
        return tasks

    def make_env(self, config: EnvConfig) -> WeblinxEnv:
        return WeblinxEnv(config)

    def summary_notes(self, config: EnvConfig) -> list[str]:
        fixes = parse_fixes(config.options.get("fixes"))
        notes = [
            "metrics are means over turns (micro); with several splits (test_ood), the mean of "
            "the per-split values, as the leaderboard's TEST_OOD"
        ]
        if fixes:
            notes.append(f"scored with fixes {', '.join(sorted(fixes))}: not the official numbers")
        else:
            notes.append("official scoring, quirks reproduced (see docs/weblinx.md; --fixes to correct)")
        return notes


SUITE = WeblinxSuite()
