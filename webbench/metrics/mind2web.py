"""Mind2Web action-prediction scoring, as MindAct's official evaluator computes it (pure functions).

Per step: the gold elements are the positive candidates ranked inside the top-k (all
positives when no ranks are given). If there is none, the step scores 0 on every
metric; it is not skipped. Otherwise element accuracy is "the predicted element is a
gold element", operation F1 is the token-set F1 of ``"OP value"`` strings (whitespace
tokens, case-sensitive, no punctuation stripping), and step success is "element right
and F1 == 1". A task succeeds when every step does. Averages are macro (mean over
tasks of the per-task mean; the paper's numbers) and micro (over all steps); recall@k
is the share of steps with a gold candidate ranked below k.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from webbench.core.action import Action

RECALL_KS = (5, 10, 20, 50)
OPS = ("CLICK", "TYPE", "SELECT")
_ACTION = re.compile(r"Action: (CLICK|SELECT|TYPE)")
_VALUE = re.compile(r"Value: (.*)$", re.M)
_ELEMENT = re.compile(r"Element: *(\S+)")


def token_f1(pred: str, label: str) -> float:
    """Return the official token-set F1 of two operation strings (1 when both are empty)."""
    p, g = set(pred.strip().split()), set(label.strip().split())
    if not p and not g:
        return 1.0
    if not p or not g:
        return 0.0
    tp = len(p & g)
    if tp == 0:
        return 0.0
    precision, recall = tp / len(p), tp / len(g)
    return 2 * precision * recall / (precision + recall)


def parse_answer_ops(text: str) -> str:
    """Return the ``"OP value"`` string MindAct's ``postprocess_action`` reads from an answer text."""
    text = text.strip()
    action = _ACTION.search(text)
    value = _VALUE.search(text)
    return (action.group(1) if action else "").strip() + " " + (value.group(1) if value else "").strip()


def gold_op_string(op: str, value: str) -> str:
    """Return the gold ``"OP value"`` string as the official evaluator builds it (via its answer text)."""
    target = f"Action: {op}\n" + (f"Value: {value}" if op != "CLICK" else "")
    return parse_answer_ops(target)


def mindact_answer(text: str) -> tuple[str | None, str] | None:
    """Return (element, op string) of a MindAct-style answer (``Element: <id>`` plus ``Action:``
    and ``Value:`` lines), or None when ``text`` has no ``Action:`` line."""
    if not _ACTION.search(text):
        return None
    element = _ELEMENT.search(text)
    return (element.group(1) if element else None), parse_answer_ops(text)


def action_prediction(action: Action) -> tuple[str | None, str]:
    """Return (element, op string) of a canonical action: click/hover -> ``CLICK``,
    ``type(id, text)`` -> ``TYPE text``, ``select(id, option)`` -> ``SELECT option``; other
    actions predict no operation."""
    if action.name in ("click", "hover"):
        return action.element, "CLICK "
    if action.name == "type":
        return action.element, f"TYPE {action.args['text']}"
    if action.name == "select":
        return action.element, f"SELECT {action.args['option']}"
    return action.element, ""


def score_step(
    pred_element: str | None,
    pred_op: str,
    gold_ids: Sequence[str],
    gold_op: str,
    gold_ranks: Sequence[int] | None = None,
) -> dict[str, float]:
    """Return one step's scores: ``element``, ``op_f1``, ``step`` and, with ranks, ``recall@k``.

    ``gold_ids`` are the eligible gold elements (inside the top-k); none scores 0 on all.
    ``gold_ranks`` are the ranks of every positive candidate (for recall).
    """
    scores: dict[str, float] = {}
    if gold_ranks is not None:
        for k in RECALL_KS:
            scores[f"recall@{k}"] = float(any(rank < k for rank in gold_ranks))
    if not gold_ids:
        return {"element": 0.0, "op_f1": 0.0, "step": 0.0, **scores}
    element = float(pred_element is not None and pred_element in gold_ids)
    f1 = token_f1(pred_op, gold_op)
    return {"element": element, "op_f1": f1, "step": float(element == 1.0 and f1 == 1.0), **scores}


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def aggregate(scores: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Return an episode's final info: per-task means (macro over episodes), micro sums, task success."""
    metrics: dict[str, float] = {"steps": float(len(scores))}
    for key, name in (("element", "element_accuracy"), ("op_f1", "op_f1"), ("step", "step_success")):
        values = [s.get(key, 0.0) for s in scores]
        metrics[name] = _mean(values)
        metrics[f"{name}_sum"] = float(sum(values))
    for k in RECALL_KS:
        key = f"recall@{k}"
        if scores and key in scores[0]:
            metrics[f"recall_{k}_hits"] = float(sum(s.get(key, 0.0) for s in scores))
            metrics["ranked_steps"] = float(len(scores))
    success = bool(scores) and all(s.get("step") == 1.0 for s in scores)
    metrics["task_success"] = float(success)
    return {"success": success, "score": metrics["step_success"], "metrics": metrics}
