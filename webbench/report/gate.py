"""The CI regression gate: decisions, the one-paragraph reason, JUnit XML and Markdown.

A check (one suite, one metric) fails when the candidate is worse than the baseline
by more than ``max_drop`` (on the metric's own scale: 0.02 is two points of a rate)
AND the drop is significant at ``alpha`` under a one-sided test: the exact McNemar
test on per-task success for the success rate, the paired permutation (swap) test over
tasks for any other metric (which is the exact McNemar test again when per-task values
are 0 or 1). The 95 % interval shown is the paired bootstrap's. Everything else
passes, with the reason said.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from webbench.report.compare import SUCCESS_RATE, MetricComparison, SuiteComparison
from webbench.report.runs import RunData

TEST_NAMES = {
    "mcnemar": "one-sided exact McNemar test on per-task success",
    "permutation": "one-sided paired permutation test over tasks",
}


@dataclass
class Check:
    """The gate's verdict on one suite and metric."""

    comparison: MetricComparison
    verdict: str  # regressed | not significant | within tolerance | improved | undefined
    max_drop: float
    alpha: float

    @property
    def failed(self) -> bool:
        """Return whether this check fails the gate."""
        return self.verdict == "regressed"


def decide(comparison: MetricComparison, max_drop: float, alpha: float) -> Check:
    """Return the verdict on one compared metric (see the module docstring)."""
    drop = comparison.drop
    if drop is None:
        verdict = "undefined"
    elif drop <= 0:
        verdict = "improved" if drop < 0 else "within tolerance"
    elif drop <= max_drop:
        verdict = "within tolerance"
    elif comparison.p_worse < alpha:
        verdict = "regressed"
    else:
        verdict = "not significant"
    return Check(comparison, verdict, max_drop, alpha)


def fmt_value(metric: str, value: float | None) -> str:
    """Return a metric value for people: a percentage for the success rate, else 4 significant digits."""
    if value is None:
        return "undefined"
    return f"{value:.1%}" if metric == SUCCESS_RATE else f"{value:.4g}"


def fmt_delta(metric: str, value: float | None) -> str:
    """Return a signed difference: percentage points for the success rate, else 4 significant digits."""
    if value is None:
        return "undefined"
    return f"{value * 100:+.1f} points" if metric == SUCCESS_RATE else f"{value:+.4g}"


def fmt_p(p: float) -> str:
    """Return a p-value with two significant digits (``p < 0.0001`` below that)."""
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.2g}"


def _sentence(check: Check) -> str:
    c = check.comparison
    name = f"{c.suite} {c.metric.replace('_', ' ')}"
    moved = "rose" if (c.delta or 0) > 0 else "fell" if (c.delta or 0) < 0 else "stayed"
    change = (
        f"{name} {moved} from {fmt_value(c.metric, c.base)} to {fmt_value(c.metric, c.cand)} "
        f"({fmt_delta(c.metric, c.delta)}, 95% interval {fmt_delta(c.metric, c.low)} to "
        f"{fmt_delta(c.metric, c.high)}) over {c.tasks} shared tasks"
    )
    if check.verdict == "undefined":
        return f"{name} is undefined on one side (no episode has it), so it was not checked"
    evidence = f"the {TEST_NAMES[c.test]} gives {fmt_p(c.p_worse)}"
    if c.test == "mcnemar":
        evidence = (
            f"{c.base_only} task(s) went from success to failure and {c.cand_only} the other way; " + evidence
        )
    allowed = f"the allowed drop of {fmt_delta(c.metric, check.max_drop).lstrip('+')}"
    if check.verdict == "regressed":
        return f"{change}, more than {allowed}; {evidence}, below alpha {check.alpha:g}, so the drop is real"
    if check.verdict == "not significant":
        return (
            f"{change}, more than {allowed}, but {evidence}, not below alpha {check.alpha:g}: "
            "this is within noise (more tasks or episodes would tell)"
        )
    if check.verdict == "improved":
        return f"{change}: no drop"
    return f"{change}, within {allowed}"


def explain(checks: list[Check], base: RunData, cand: RunData) -> str:
    """Return the one-paragraph reason for the gate's decision."""
    failed = [c for c in checks if c.failed]
    head = "FAIL" if failed else "PASS"
    who = (
        f"The candidate ({cand.agent}, {'baseline file' if cand.is_baseline else 'run'} {cand.path}) was "
        f"compared with the baseline ({base.agent}, {'baseline file' if base.is_baseline else 'run'} "
        f"{base.path})"
    )
    body = "; ".join(_sentence(c) for c in checks)
    if failed:
        names = ", ".join(f"{c.comparison.suite} {c.comparison.metric}" for c in failed)
        end = f"The gate fails because of {names}."
    else:
        end = "No metric dropped by more than allowed with significance, so the gate passes."
    return f"{head}. {who}: {body}. {end}"


def junit_xml(checks: list[Check], paragraph: str) -> str:
    """Return JUnit XML with one test case per suite and metric (a failure for each regression)."""
    suite = ET.Element(
        "testsuite",
        name="webbench gate",
        tests=str(len(checks)),
        failures=str(sum(c.failed for c in checks)),
        errors="0",
        skipped=str(sum(c.verdict == "undefined" for c in checks)),
    )
    for check in checks:
        c = check.comparison
        case = ET.SubElement(suite, "testcase", classname=f"webbench.gate.{c.suite}", name=c.metric, time="0")
        if check.failed:
            ET.SubElement(case, "failure", message=_sentence(check), type="regression").text = paragraph
        elif check.verdict == "undefined":
            ET.SubElement(case, "skipped", message=_sentence(check))
        ET.SubElement(case, "system-out").text = _sentence(check)
    root = ET.Element("testsuites", name="webbench gate")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: str) -> str:
    """Return ``text`` safe inside Markdown (also in a table cell): specials escaped, no raw HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _task_list(label: str, tasks: list[str], limit: int = 50) -> str:
    shown = ", ".join("`" + t.replace("`", "'") + "`" for t in tasks[:limit])
    more = f" and {len(tasks) - limit} more" if len(tasks) > limit else ""
    return f"- {label} ({len(tasks)}): {shown or '-'}{more}"


def markdown(checks: list[Check], comparisons: list[SuiteComparison], paragraph: str) -> str:
    """Return a Markdown summary fit for a pull-request comment."""
    failed = any(c.failed for c in checks)
    lines = [
        f"### webbench gate: {'❌ FAIL' if failed else '✅ PASS'}",
        "",
        md_escape(paragraph),
        "",
        "| suite | metric | baseline | candidate | change (95% interval) | test | verdict |",
        "|---|---|---:|---:|---|---|---|",
    ]
    for check in checks:
        c = check.comparison
        lines.append(
            f"| {md_escape(c.suite)} | {md_escape(c.metric)} | {fmt_value(c.metric, c.base)} | "
            f"{fmt_value(c.metric, c.cand)} | {fmt_delta(c.metric, c.delta)} ({fmt_delta(c.metric, c.low)} "
            f"to {fmt_delta(c.metric, c.high)}) | {c.test}, {fmt_p(c.p_worse)} | "
            f"{'**' + check.verdict + '**' if check.failed else check.verdict} |"
        )
    for comp in comparisons:
        lines += [
            "",
            f"<details><summary>{md_escape(comp.suite)}: tasks that flipped</summary>",
            "",
            _task_list("success -> failure", comp.broken),
            _task_list("failure -> success", comp.fixed),
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"
