"""The CI regression gate: decisions, the one-paragraph reason, JUnit XML and Markdown.

A check (one suite, one metric) fails when the candidate is worse than the baseline
by more than ``max_drop`` (on the metric's own scale: 0.02 is two points of a rate)
AND the drop is significant at ``alpha`` under a one-sided test on the design chosen by
:func:`webbench.report.compare.compare_runs` (episodes paired by seed, episodes
stratified by task, or per-task outcomes). The 95 % interval shown is the paired
bootstrap's over tasks. A suite also fails when baseline tasks are missing from the
candidate (unless allowed). Before deciding, each suite's minimum detectable drop of
the success rate (:mod:`webbench.report.power`) is computed; a suite whose design
cannot detect ``max_drop`` is *underpowered*, which the paragraph, the JUnit and the
Markdown say (and ``--require-power`` turns into exit 2).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from webbench.report.compare import SUCCESS_RATE, MetricComparison, OutcomeRule, SuiteComparison
from webbench.report.power import POWER, Design, design_of, min_detectable_drop
from webbench.report.runs import RunData

TEST_NAMES = {
    "mcnemar": "one-sided exact McNemar test on per-task success",
    "permutation": "one-sided paired permutation test over tasks",
    "mcnemar-episode": "one-sided exact McNemar test on episode pairs (same task and seed)",
    "permutation-episode": "one-sided paired permutation test over episode pairs (same task and seed)",
    "stratified-exact": "one-sided exact stratified (Mantel-Haenszel) test on episodes within tasks",
    "stratified-permutation": "one-sided permutation test of episodes within tasks",
}
#: How each design is named in the paragraph (``SuiteComparison.design``).
DESIGN_NAMES = {
    "task": "per-task outcomes",
    "episode": "episodes paired by seed",
    "stratified": "episodes stratified by task",
}


@dataclass
class SuiteGate:
    """What the gate knows of one suite beyond its checks: power, the design, missing tasks."""

    comparison: SuiteComparison
    design: Design
    #: The baseline's success rate on the shared tasks (the simulation's p0).
    base_rate: float
    #: Minimum detectable drop of the success rate (None: no drop down to 0 is detectable).
    mdd: float | None
    max_drop: float
    alpha: float
    allow_missing: bool = False

    @property
    def underpowered(self) -> bool:
        """Return whether this design cannot detect a drop of ``max_drop`` with 80 % power."""
        return self.mdd is None or self.mdd > self.max_drop

    @property
    def missing(self) -> list[str]:
        """Return the baseline tasks the candidate lacks."""
        return self.comparison.base_only_tasks

    @property
    def failed(self) -> bool:
        """Return whether missing tasks fail this suite."""
        return bool(self.missing) and not self.allow_missing


def suite_gate(
    comparison: SuiteComparison,
    max_drop: float,
    alpha: float,
    rule: OutcomeRule = "majority",
    seed: int = 0,
    allow_missing: bool = False,
) -> SuiteGate:
    """Return a suite's power figures (its minimum detectable drop at ``alpha``) and missing tasks."""
    design = design_of(comparison, rule)
    successes = sum(s for s, _ in comparison.base_counts)
    episodes = sum(n for _, n in comparison.base_counts)
    rate = successes / episodes if episodes else 0.0
    mdd = min_detectable_drop(design, rate, alpha, seed=seed)
    return SuiteGate(comparison, design, rate, mdd, max_drop, alpha, allow_missing)


def power_sentence(gate: SuiteGate) -> str:
    """Return what the suite's design can detect (and whether that is enough for ``max_drop``)."""
    c, d = gate.comparison, gate.design
    episodes = sorted(set(d.base_episodes) | set(d.cand_episodes))
    per_task = "-".join(map(str, (episodes[0], episodes[-1]) if len(episodes) > 1 else episodes))
    design = (
        f"{c.suite} was tested on {DESIGN_NAMES[c.design]} ({c.design_reason}; {d.tasks} tasks x "
        f"{per_task} episodes)"
    )
    at = f"at alpha {gate.alpha:g} with {POWER:.0%} power from the baseline's {gate.base_rate:.1%}"
    if gate.mdd is None:
        detect = f"no drop, even to 0%, is detectable {at}"
    else:
        detect = f"the minimum detectable drop {at} is {gate.mdd * 100:.1f} points"
    allowed = f"the allowed drop of {gate.max_drop * 100:.1f} points"
    if gate.underpowered:
        return f"{design}: {detect}, more than {allowed}, so this gate is underpowered"
    return f"{design}: {detect}, within {allowed}"


def missing_sentence(gate: SuiteGate) -> str:
    """Return the sentence on baseline tasks missing from the candidate ('' when none)."""
    if not gate.missing:
        return ""
    shown = ", ".join(gate.missing[:20]) + (
        f" and {len(gate.missing) - 20} more" if len(gate.missing) > 20 else ""
    )
    verdict = "allowed by --allow-missing" if gate.allow_missing else "which fails the gate"
    count, suite = len(gate.missing), gate.comparison.suite
    return f"{count} {suite} baseline task(s) are missing from the candidate ({shown}), {verdict}"


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
    if c.test in ("mcnemar", "mcnemar-episode"):
        unit = "task(s)" if c.test == "mcnemar" else "episode pair(s)"
        evidence = (
            f"{c.base_only} {unit} went from success to failure and {c.cand_only} the other way; " + evidence
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


def verdict_word(checks: list[Check], suites: list[SuiteGate]) -> str:
    """Return ``FAIL`` or ``PASS``, with `` (underpowered)`` when some suite's design cannot detect
    the allowed drop.
    """
    failed = any(c.failed for c in checks) or any(g.failed for g in suites)
    word = "FAIL" if failed else "PASS"
    return word + (" (underpowered)" if any(g.underpowered for g in suites) else "")


def explain(checks: list[Check], base: RunData, cand: RunData, suites: list[SuiteGate]) -> str:
    """Return the one-paragraph reason for the gate's decision."""
    failed = [f"{c.comparison.suite} {c.comparison.metric}" for c in checks if c.failed]
    failed += [f"{g.comparison.suite} missing tasks" for g in suites if g.failed]
    who = (
        f"The candidate ({cand.agent}, {'baseline file' if cand.is_baseline else 'run'} {cand.path}) was "
        f"compared with the baseline ({base.agent}, {'baseline file' if base.is_baseline else 'run'} "
        f"{base.path})"
    )
    parts = [power_sentence(g) for g in suites] + [_sentence(c) for c in checks]
    parts += [missing_sentence(g) for g in suites if g.missing]
    if failed:
        end = f"The gate fails because of {', '.join(failed)}."
    else:
        end = "No metric dropped by more than allowed with significance, so the gate passes."
    if any(g.underpowered for g in suites):
        end += " It is underpowered: a drop of the allowed size would likely pass unnoticed."
    return f"{verdict_word(checks, suites)}. {who}: {'; '.join(parts)}. {end}"


def junit_xml(
    checks: list[Check], paragraph: str, suites: list[SuiteGate], require_power: bool = False
) -> str:
    """Return JUnit XML: one test case per suite and metric (a failure for each regression), one
    ``power`` case per suite (skipped when underpowered; an error with ``require_power``) and one
    ``missing_tasks`` case per suite that lacks baseline tasks (a failure unless allowed).
    """
    suite = ET.Element("testsuite", name="webbench gate", errors="0", time="0")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def case(classname: str, name: str, text: str, outcome: str = "", kind: str = "") -> None:
        element = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")
        counts["tests"] += 1
        if outcome:
            counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[outcome]] += 1
            child = ET.SubElement(element, outcome, message=text, **({"type": kind} if kind else {}))
            if outcome == "failure":
                child.text = paragraph
        ET.SubElement(element, "system-out").text = text

    for gate in suites:
        text = power_sentence(gate)
        outcome = ("error" if require_power else "skipped") if gate.underpowered else ""
        case(
            f"webbench.gate.{gate.comparison.suite}",
            "power",
            text,
            outcome,
            "underpowered" if outcome else "",
        )
    for check in checks:
        c = check.comparison
        outcome = "failure" if check.failed else "skipped" if check.verdict == "undefined" else ""
        case(
            f"webbench.gate.{c.suite}",
            c.metric,
            _sentence(check),
            outcome,
            "regression" if check.failed else "",
        )
    for gate in (g for g in suites if g.missing):
        outcome, classname = ("failure" if gate.failed else ""), f"webbench.gate.{gate.comparison.suite}"
        case(classname, "missing_tasks", missing_sentence(gate), outcome, "missing" if outcome else "")
    for key, value in counts.items():
        suite.set(key, str(value))
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


def markdown(checks: list[Check], suites: list[SuiteGate], paragraph: str) -> str:
    """Return a Markdown summary fit for a pull-request comment."""
    word = verdict_word(checks, suites)
    lines = [
        f"### webbench gate: {'❌' if word.startswith('FAIL') else '✅'} {word}",
        "",
        md_escape(paragraph),
        "",
        "| suite | test | minimum detectable drop | allowed drop | power |",
        "|---|---|---:|---:|---|",
    ]
    for gate in suites:
        mdd = "none" if gate.mdd is None else f"{gate.mdd * 100:.1f} points"
        lines.append(
            f"| {md_escape(gate.comparison.suite)} | {DESIGN_NAMES[gate.comparison.design]} | {mdd} | "
            f"{gate.max_drop * 100:.1f} points | {'**underpowered**' if gate.underpowered else 'enough'} |"
        )
    lines += [
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
    for gate in suites:
        comp = gate.comparison
        lines += [
            "",
            f"<details><summary>{md_escape(comp.suite)}: tasks that flipped</summary>",
            "",
            _task_list("success -> failure", comp.broken),
            _task_list("failure -> success", comp.fixed),
        ]
        if gate.missing:
            lines.append(_task_list("missing from the candidate", gate.missing))
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
