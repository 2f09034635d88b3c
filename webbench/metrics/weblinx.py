"""WebLINX turn-level metrics, as the official ``weblinx`` package (0.3.2) computes them.

A turn pairs a prediction with a reference (:class:`WebAction`: intent, arguments and
the element with its box). :func:`score_turn` returns the turn's intent match (IM),
IoU, chrF and URLF, ``None`` where a metric does not apply; :func:`turn_values` turns
that into the per-turn value of every reported metric, conditional and unconditional;
:func:`keep_reference` is the official reference-turn filter.

The official pipeline has quirks. They are reproduced by default; each can be turned
off by name (``fixes``), see :data:`QUIRKS` and ``docs/weblinx.md``.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from webbench.metrics.quirks import parse_quirks

UID_KEY = "data-webtasks-id"
UNKNOWN = "<unk>"

#: The official intents (``weblinx.processing.intent.Intent``), by normalised name.
INTENTS = (
    "say",
    "click",
    "hover",
    "textinput",
    "submit",
    "change",
    "load",
    "scroll",
    "copy",
    "paste",
    "tabcreate",
    "tabremove",
    "tabswitch",
)
ELEMENT_INTENTS = frozenset({"click", "hover", "textinput", "submit", "change", "scroll", "copy", "paste"})
TEXT_INTENTS = frozenset({"say", "textinput", "copy", "paste", "load", "change"})
#: Reference intents whose turn is dropped when its element cannot be identified.
ELEMENT_REQUIRED = frozenset({"change", "click", "textinput", "submit"})

#: The per-intent scores the official aggregation reports (``intent_to_metrics``, without exact match).
INTENT_METRICS: dict[str, tuple[str, ...]] = {
    "change": ("im", "iou"),
    "click": ("im", "iou"),
    "load": ("im", "urlf"),
    "say": ("im", "chrf"),
    "scroll": ("im",),
    "submit": ("im", "iou"),
    "textinput": ("im", "chrf", "iou"),
}

#: Quirks of the official code, reproduced unless named in ``fixes``.
QUIRKS: dict[str, str] = {
    "round2": "per-turn scores are rounded to 2 decimals (numpy half-to-even) before the overall "
    "score and the means; fixed: no rounding",
    "urlf-lstrip": 'URLF strips "www." with str.lstrip, which removes any leading "w" and "." '
    '("web.de" -> "eb.de"); fixed: only a "www." prefix is removed',
    "scroll-iou": "scroll counts as an element intent: a matched scroll scores IoU 0 (its reference "
    "has no element), which enters the overall score and the element group; fixed: scroll has no IoU",
    "numeric-text": "the official output parser turns a predicted argument that reads as a number "
    '(text_input(text="42")) into a number, which then scores chrF 0 (and finds no element for a '
    "numeric uid); fixed: arguments stay strings",
    "empty-text": "sacrebleu's chrF of an empty text against an empty reference is 0; fixed: 1 when "
    "prediction and reference are equal",
}


def parse_fixes(text: str | Iterable[str] | None) -> frozenset[str]:
    """Return the set of quirk names in ``text`` (comma-separated, or ``all``); ValueError if unknown."""
    return parse_quirks(text, QUIRKS)


def normalize_intent(name: Any) -> str:
    """Return the official intent of ``name`` (``lower().strip().replace("_", "")``), or ``<unk>``."""
    if not isinstance(name, str):
        return UNKNOWN
    intent = name.lower().strip().replace("_", "")
    return intent if intent in INTENTS else UNKNOWN


@dataclass(frozen=True)
class Box:
    """An element's box in page pixels, as in the bboxes files."""

    left: float
    top: float
    right: float
    bottom: float
    width: float
    height: float

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Box:
        """Return the Box of a bboxes entry; KeyError when a side is missing, ValueError when not a number."""
        left, top, right, bottom = data["left"], data["top"], data["right"], data["bottom"]
        width, height = data.get("width", right), data.get("height", bottom)
        for name, value in zip(_BOX_FIELDS, (left, top, right, bottom, width, height), strict=True):
            if value.__class__ not in (int, float):
                raise ValueError(f"{name} must be a number")
        if "width" not in data:
            width = right - left
        if "height" not in data:
            height = bottom - top
        return cls(float(left), float(top), float(right), float(bottom), float(width), float(height))


_BOX_FIELDS = ("left", "top", "right", "bottom", "width", "height")


@dataclass(frozen=True)
class ElementRef:
    """The element of an action: its uid (None when it has none) and its box (None when unknown)."""

    uid: str | None
    box: Box | None


@dataclass(frozen=True)
class WebAction:
    """One action, predicted or reference: normalised intent, arguments, and element."""

    intent: str
    args: Mapping[str, Any] = field(default_factory=dict)
    element: ElementRef | None = None


@dataclass(frozen=True)
class PageBoxes:
    """What identifies elements on a turn's page: the uids in its HTML and the bboxes file."""

    uids: frozenset[str] = frozenset()
    boxes: Mapping[str, Box] = field(default_factory=dict)

    def element(self, uid: Any) -> ElementRef | None:
        """Return the element ``uid`` if the page has it and a box for it (official ``get_element_info``)."""
        if not uid or not isinstance(uid, str) or not self.uids or uid not in self.uids:
            return None
        box = self.boxes.get(uid)
        return ElementRef(uid, box) if box is not None else None

    def element_at(self, x: Any, y: Any) -> ElementRef | None:
        """Return the smallest non-empty element whose (rounded-out) box holds (x, y), if any."""
        if not isinstance(x, int | float) or not isinstance(y, int | float):
            return None
        best, best_size = None, None
        for uid, box in self.boxes.items():
            inside = math.floor(box.left) <= x <= math.ceil(box.right)
            if inside and math.floor(box.top) <= y <= math.ceil(box.bottom):
                size = box.width * box.height
                if size != 0 and (best_size is None or size < best_size):
                    best, best_size = uid, size
        return self.element(best)


def official_value(value: Any) -> Any:
    """Return ``value`` as the official output parser reads it: number-like strings become numbers."""
    if not isinstance(value, str):
        return value
    try:
        if "." in value:
            return float(value)
        if value.isdigit() or (value.startswith("-") and value[1:].isdigit()):
            return int(value)
    except ValueError:
        return value
    return value


def _coords(args: Mapping[str, Any]) -> tuple[Any, Any] | None:
    if "x" in args and "y" in args:
        return args["x"], args["y"]
    sides = ("top", "left", "right", "bottom")
    if all(k in args for k in sides):
        if not all(isinstance(args[k], int) and not isinstance(args[k], bool) for k in sides):
            return None
        return (args["left"] + args["right"]) / 2, (args["top"] + args["bottom"]) / 2
    return None


def prediction(intent: str, args: Mapping[str, Any], page: PageBoxes, fixes: frozenset[str]) -> WebAction:
    """Return the predicted WebAction: arguments read as the official parser does, element inferred.

    The element of an element intent is found by ``uid`` (or ``data-webtasks-id``), else by
    the x/y coordinates (or the centre of top/left/right/bottom), on the reference turn's page.
    """
    if "numeric-text" not in fixes:
        args = {k: official_value(v) for k, v in args.items()}
    args = dict(args)
    for key in ("x", "y", "top", "left", "right", "bottom"):
        if key in args:
            args[key] = _number(args[key])
    element = None
    if intent in ELEMENT_INTENTS:
        uid = args.get("uid", args.get(UID_KEY))
        if "uid" in args or UID_KEY in args:
            element = page.element(uid)
        elif (coords := _coords(args)) is not None and None not in coords:
            element = page.element_at(*coords)
    return WebAction(intent, args, element)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


# -- the four metrics ------------------------------------------------------------------


@cache
def _chrf_metric():
    import sacrebleu

    return sacrebleu.metrics.CHRF(char_order=6, word_order=0, beta=2)


def chrf(pred_text: Any, ref_text: Any, fixes: frozenset[str] = frozenset()) -> float:
    """Return sacrebleu's sentence chrF (char order 6, beta 2) / 100; 0 unless both are strings."""
    if type(pred_text) is not str or type(ref_text) is not str:
        return 0.0
    if "empty-text" in fixes and pred_text == ref_text:
        return 1.0
    return _chrf_metric().sentence_score(pred_text, [ref_text]).score / 100


def iou(pred: ElementRef | None, ref: ElementRef | None) -> float:
    """Return the intersection over union of two elements' boxes; 0 when either box is missing.

    Boxes of zero total area (where the official code divides by zero) score 0.
    """
    if pred is None or ref is None or pred.box is None or ref.box is None:
        return 0.0
    a, b = pred.box, ref.box
    inter = max(0.0, min(a.right, b.right) - max(a.left, b.left)) * max(
        0.0, min(a.bottom, b.bottom) - max(a.top, b.top)
    )
    union = (a.right - a.left) * (a.bottom - a.top) + (b.right - b.left) * (b.bottom - b.top) - inter
    return inter / union if union else 0.0


def _url_tokens(url: str, fixes: frozenset[str]) -> set[str]:
    parsed = urllib.parse.urlparse(url)
    # the official lstrip("www.") strips the characters "w" and "." (quirk urlf-lstrip)
    official = parsed.netloc.lstrip("www.")  # noqa: B005
    host = parsed.netloc.removeprefix("www.") if "urlf-lstrip" in fixes else official
    tokens = [host]
    if parsed.path.strip("/"):
        tokens += parsed.path.strip("/").split("/")
    return set(tokens)


def urlf(pred_url: Any, ref_url: Any, fixes: frozenset[str] = frozenset()) -> float:
    """Return the F1 of the URL token sets ([host without www.] + path segments; query ignored)."""
    if not pred_url or not ref_url or not isinstance(pred_url, str) or not isinstance(ref_url, str):
        return 0.0
    try:
        pred, ref = _url_tokens(pred_url, fixes), _url_tokens(ref_url, fixes)
    except ValueError:
        return 0.0
    match = len(pred & ref)
    if match == 0:
        return 0.0
    recall, precision = match / len(ref), match / len(pred)
    return 2 * recall * precision / (precision + recall)


def _text(action: WebAction) -> Any:
    args = action.args
    if action.intent == "textinput":
        return args.get("text") if "text" in args else args.get("value")
    key = {"say": "utterance", "load": "url", "change": "value"}.get(action.intent)
    return args.get(key) if key else None


def round2(value: float | None) -> float | None:
    """Return ``value`` rounded to 2 decimals as pandas/numpy round (half to even on x * 100)."""
    return None if value is None else round(value * 100.0) / 100.0


# -- one turn --------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnScore:
    """The official per-turn scores of one reference turn; None where a metric does not apply."""

    ref_intent: str
    im: float
    iou: float | None = None
    chrf: float | None = None
    urlf: float | None = None

    def overall(self) -> float | None:
        """Return the turn's overall score: IoU x chrF, else URLF, else chrF, else IoU (None if none)."""
        if self.iou is not None and self.chrf is not None:
            return self.iou * self.chrf
        for value in (self.urlf, self.chrf, self.iou):
            if value is not None:
                return value
        return None

    def text_group(self) -> float | None:
        """Return max(chrF, URLF) over the applicable ones (None if neither applies)."""
        values = [v for v in (self.chrf, self.urlf) if v is not None]
        return max(values) if values else None

    def unconditional(self) -> TurnScore:
        """Return the scores with every metric set to 0 when the intent is wrong."""
        if self.im:
            return self
        return replace(self, iou=0.0, chrf=0.0, urlf=0.0)


def score_turn(pred: WebAction | None, ref: WebAction, fixes: frozenset[str] = frozenset()) -> TurnScore:
    """Return the official per-turn scores of ``pred`` (None: no usable prediction) against ``ref``."""
    if pred is None or pred.intent != ref.intent:
        return TurnScore(ref.intent, 0.0)
    intent = ref.intent
    element_intents = ELEMENT_INTENTS - {"scroll"} if "scroll-iou" in fixes else ELEMENT_INTENTS
    score = TurnScore(
        intent,
        1.0,
        iou(pred.element, ref.element) if intent in element_intents else None,
        chrf(_text(pred), _text(ref), fixes) if intent in TEXT_INTENTS else None,
        urlf(_text(pred), _text(ref), fixes) if intent == "load" else None,
    )
    if "round2" in fixes:
        return score
    return replace(score, iou=round2(score.iou), chrf=round2(score.chrf), urlf=round2(score.urlf))


def turn_values(score: TurnScore) -> dict[str, float]:
    """Return the per-turn value of every reported metric that counts this turn.

    Unconditional names (``overall``, ``element_group``, ...) use the scores zeroed on a
    wrong intent; ``*_cond`` names use the raw scores and skip turns where they do not apply.
    Per-intent names (``click_iou``, ``say_chrf_cond``, ...) count only turns of that reference intent.
    """
    values: dict[str, float | None] = {"intent_match": score.im}
    for suffix, s in (("", score.unconditional()), ("_cond", score)):
        values[f"overall{suffix}"] = s.overall()
        values[f"element_group{suffix}"] = s.iou
        values[f"text_group{suffix}"] = s.text_group()
        for metric in INTENT_METRICS.get(score.ref_intent, ()):
            if metric != "im":
                values[f"{score.ref_intent}_{metric}{suffix}"] = getattr(s, metric)
    if score.ref_intent in INTENT_METRICS:
        values[f"{score.ref_intent}_im"] = score.im
    return {name: value for name, value in values.items() if value is not None}


def metric_names() -> list[str]:
    """Return every metric name :func:`turn_values` can produce, in report order."""
    names = ["overall", "overall_cond", "intent_match"]
    names += ["element_group", "element_group_cond", "text_group", "text_group_cond"]
    for intent, metrics in INTENT_METRICS.items():
        for metric in metrics:
            names += [f"{intent}_im"] if metric == "im" else [f"{intent}_{metric}", f"{intent}_{metric}_cond"]
    return names


def sum_turns(turns: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Return ``{name}.sum`` and ``{name}.n`` for every metric over the turns' values, and the
    per-episode mean ``{name}`` where at least one turn counts."""
    sums = dict.fromkeys(metric_names(), 0.0)
    counts = dict.fromkeys(metric_names(), 0)
    for values in turns:
        for name, value in values.items():
            if name in sums:
                sums[name] += value
                counts[name] += 1
    out: dict[str, float] = {}
    for name in metric_names():
        out[f"{name}.sum"] = sums[name]
        out[f"{name}.n"] = counts[name]
        if counts[name]:
            out[name] = sums[name] / counts[name]
    return out


# -- the reference filter --------------------------------------------------------------


def keep_reference(
    intent: str, element: ElementRef | None, next_intent: str | None, next_uid: str | None
) -> bool:
    """Return whether a reference turn is evaluated (official ``validate_reference_action``).

    A change/click/textinput/submit turn needs an element with a uid on its page (and a box);
    a click followed by a copy, or by a submit on the same uid, is dropped.
    """
    if intent == UNKNOWN:
        return False
    if intent not in ELEMENT_REQUIRED:
        return True
    if element is None or element.uid is None:
        return False
    if intent == "click" and next_intent == "copy":
        return False
    return not (intent == "click" and next_intent == "submit" and next_uid == element.uid)
