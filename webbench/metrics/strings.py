"""String normalisation shared by answer metrics."""

from __future__ import annotations


def clean_answer(answer: str, strip: bool = True) -> str:
    """Return WebArena's normalised answer: stripped, one pair of surrounding quotes removed, lowercased.

    Source: web-arena-x/webarena ``evaluation_harness/evaluators.py``, ``StringEvaluator.clean_answer``.
    ``strip=False`` is WebArena-Lite's (THUDM/VisualAgentBench ``VAB-WebArena-Lite/new/evaluators.py``):
    the same without the strip (it tries single quotes before double, which gives the same result).
    """
    if strip:
        answer = answer.strip()
    if len(answer) >= 1 and answer[0] == answer[-1] and answer[0] in "'\"":
        answer = answer[1:-1]
    return answer.lower()
