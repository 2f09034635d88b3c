"""The self-contained HTML report: leaderboards, charts, the task matrix, and one page per episode.

Everything is inline (CSS, JS, SVG); nothing is fetched. Strings from runs (task
ids, goals, answers, actions, page text, agent names) reach the page only through
Jinja2 autoescaping, :func:`markupsafe.escape` (charts), or the embedded JSON that
the page's script renders with ``textContent``; that JSON is written with ``<``,
``>``, ``&`` and the JS line separators as ``\\u`` escapes, so no string can close
its ``<script>`` element.

Episode pages of live runs add a filmstrip (each step's kept screenshot with the targeted
element's ``shot_bbox`` outlined), the ``details.evaluators`` breakdown and links to the files of
the episode's artifacts folder (``trace.zip``, ``network.har``); see docs/live-report.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
import shlex
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import pandas as pd
from markupsafe import Markup

from webbench.core.record import EpisodeRecord
from webbench.core.redact import redact
from webbench.core.suite import SuiteError, get_suite
from webbench.report import svg
from webbench.report.aggregate import LENGTH_LABELS, episode_frame, leaderboard, success_by, task_table
from webbench.report.agreement import agreement, describe, judge_pairs
from webbench.report.published import Published
from webbench.report.runs import RunData, suite_specs

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Longest string kept per field of the embedded episode data (the rest is cut, and says so).
MAX_TEXT = 4000
#: Rows of the "success by task" chart; with more tasks, those where agents differ most.
MAX_TASK_ROWS = 60
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
#: Step-trace keys the page leaves in the trajectory file: usage (shown apart) and an LLM agent's
#: ``calls`` (whole prompts; the page shows the last call's reply).
_NOT_EMBEDDED = ("usage", "calls")
#: Files of an episode's artifacts folder the report does not list (its screenshots).
_IMAGES = (".png", ".jpg")
EPISODE_COLUMNS = ["idx", "label", "suite", "task_id", "episode", "status", "success", "score", "steps"]
EPISODE_COLUMNS += ["duration_s", "input_tokens", "output_tokens"]


@dataclass
class ScreenshotPolicy:
    """Link screenshots, or inline them as data URIs until ``cap_bytes`` of images are inlined."""

    inline: bool = False
    cap_bytes: int = 10_000_000
    used: int = 0
    skipped: int = 0


def script_json(data: Any) -> Markup:
    """Return ``data`` as JSON safe inside ``<script type="application/json">`` (no ``</script>``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _cut(value: Any, limit: int = MAX_TEXT) -> Any:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + f" … [cut: {len(text)} characters in all]"


def _inside(relative: str) -> bool:
    """Return True when the relative path ``relative`` stays inside its folder (no '..', not absolute)."""
    parts = relative.replace(os.sep, "/").split("/")
    return bool(relative) and not relative.startswith(("/", os.sep)) and ".." not in parts


def _join_inside(folder: Path, relative: str) -> Path | None:
    """Return ``folder / relative`` when ``relative`` stays inside ``folder`` (no '..', not absolute)."""
    return folder / relative if _inside(relative) else None


def _href(target: Path, out_dir: Path) -> str:
    return quote(os.path.relpath(target, out_dir).replace(os.sep, "/"))


@functools.lru_cache(maxsize=64)
def _folder_href(folder: Path, out_dir: Path) -> str:
    """Return the link from the report's folder to ``folder``, ending in '/' (computed once per run)."""
    return _href(folder, out_dir) + "/"


def _image_type(data: bytes) -> str | None:
    if data.startswith(_PNG):
        return "image/png"
    return "image/jpeg" if data.startswith(_JPEG) else None


def _screenshot(run: RunData, shot: str, out_dir: Path, policy: ScreenshotPolicy) -> str | None:
    """Return the screenshot's link (relative to the report) or data URI; None if it is not usable."""
    folder = run.folder
    if folder is None:
        return None
    if not _inside(shot):
        return None
    trajectories = folder / "trajectories"
    path = trajectories / shot if policy.inline else None
    if path is not None and path.is_file():
        size = path.stat().st_size
        if policy.used + size <= policy.cap_bytes:
            data = path.read_bytes()
            kind = _image_type(data)
            if kind is not None:
                policy.used += size
                return f"data:{kind};base64," + base64.b64encode(data).decode("ascii")
        policy.skipped += 1
    return _folder_href(trajectories, out_dir) + quote(shot.replace(os.sep, "/"))


def _trajectory(run: RunData, record: EpisodeRecord) -> tuple[dict[str, Any] | None, Path | None]:
    rel, folder = record.trajectory, run.folder
    if not rel or folder is None:
        return None, None
    path = _join_inside(folder, rel)
    if path is None or not path.is_file():
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, path
    return (data if isinstance(data, dict) else None), path


def _seconds(value: Any) -> float | None:
    return round(value, 3) if isinstance(value, int | float) else None


def _number_list(value: Any, n: int) -> list[float] | None:
    if not isinstance(value, list | tuple) or len(value) != n:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    return [round(float(v), 1) for v in value]


def _target_box(step: dict[str, Any]) -> list[float] | None:
    """Return the targeted element's box in the kept screenshot's pixels (``shot_bbox`` times
    ``screenshot_scale``), or None when the step has none."""
    target = step.get("target") if isinstance(step.get("target"), dict) else {}
    box = _number_list(target.get("shot_bbox"), 4)
    scale = step.get("screenshot_scale", 1.0)
    if box is None or not isinstance(scale, int | float) or isinstance(scale, bool):
        return None
    return [round(v * scale, 1) for v in box]


def _reply(agent: dict[str, Any]) -> Any:
    """Return the model's last reply of a step (an LLM agent's ``calls``), else its ``reply``."""
    calls = agent.get("calls")
    if isinstance(calls, list) and calls and isinstance(calls[-1], dict) and calls[-1].get("reply"):
        return calls[-1]["reply"]
    return agent.get("reply")


def _step(step: dict[str, Any], run: RunData, out_dir: Path, policy: ScreenshotPolicy, url: str) -> list:
    """Return one step as ``[action, error, agent_s, env_s, url, usage, trace, screenshot, box, size,
    reply, skipped]``.

    ``url`` is set only when the page changed; ``usage`` is ``[input, output, cost]``; ``box`` the
    targeted element on the screenshot (``[x, y, width, height]`` in its pixels), ``size`` the
    screenshot's ``[width, height]``, ``reply`` the LLM's reply, ``skipped`` why no screenshot was
    kept; trailing empty fields are dropped (the report's script reads the same order).
    """
    agent = step.get("agent") if isinstance(step.get("agent"), dict) else {}
    usage = agent.get("usage") if isinstance(agent.get("usage"), dict) else None
    observation = step.get("observation") if isinstance(step.get("observation"), dict) else {}
    item = [
        _cut(step.get("action")),
        _cut(step.get("error")),
        _seconds(step.get("agent_s")),
        _seconds(step.get("env_s")),
        _cut(observation.get("url")) if observation.get("url") != url else None,
        [usage.get("input_tokens"), usage.get("output_tokens"), usage.get("cost_usd")] if usage else None,
        {k: _cut(v) for k, v in agent.items() if k not in _NOT_EMBEDDED} or None,
        _screenshot(run, str(step["screenshot"]), out_dir, policy) if step.get("screenshot") else None,
        _target_box(step),
        _number_list(step.get("screenshot_size"), 2),
        _cut(_reply(agent)),
        _cut(step.get("screenshot_skipped")),
    ]
    while item and item[-1] is None:
        item.pop()
    return item


def _evaluator_entries(details: dict[str, Any]) -> list[dict[str, Any]]:
    """Return ``details["evaluators"]`` as the page shows it: one dict per entry with a
    ``name``, numbers kept, every other value cut text (nested values as JSON).

    The entries are a list of dicts named by ``name`` (or ``evaluator_name``, as
    WebArena-Verified's library writes them), or a dict of name -> entry (WebArena's evaluators)."""
    entries = details.get("evaluators")
    if isinstance(entries, dict):
        entries = [
            {"name": name, **entry} if isinstance(entry, dict) else {"name": name, "value": entry}
            for name, entry in entries.items()
        ]
    if not isinstance(entries, list):
        return []
    shown = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            entry = {"value": entry}
        name = entry.get("name") or entry.get("evaluator_name") or f"evaluator {index + 1}"
        item = {"name": _cut(name)}
        for key, value in entry.items():
            if key in ("name", "evaluator_name") or value is None:
                continue
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            item[str(key)] = round(value, 6) if numeric else _cut(value)
        shown.append(item)
    return shown


def _passed(entry: dict[str, Any]) -> bool | None:
    score = entry.get("score")
    if isinstance(score, bool):
        return score
    return score >= 1.0 if isinstance(score, int | float) else None


def failing_evaluator(record: EpisodeRecord, limit: int = 160) -> str | None:
    """Return why an episode failed, in one line: its first failing ``details.evaluators`` entry
    (name and message, reason, verdict or reply), else its error or end reason; None if it succeeded."""
    if record.success:
        return None
    for entry in _evaluator_entries(record.details):
        if _passed(entry) is False:
            why = next((entry[k] for k in ("message", "reason", "verdict", "reply") if entry.get(k)), "")
            text = f"{entry['name']}: {why}" if why else f"{entry['name']} failed"
            return " ".join(str(text).split())[:limit]
    if record.error:
        return " ".join(record.error.split())[:limit]
    return f"ended: {record.end_reason}" if record.end_reason else None


def _artifacts(traj_path: Path | None, out_dir: Path) -> list[list[str]]:
    """Return ``[name, link, command]`` for each file of the episode's artifacts folder (traces, HAR
    files; not its screenshots); ``command`` opens a Playwright trace (empty for other files)."""
    folder = traj_path.with_suffix("") if traj_path is not None else None
    if folder is None or not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix in _IMAGES:
            continue
        command = ""
        if path.suffix == ".zip" and "trace" in path.name:
            command = "playwright show-trace " + shlex.quote(os.path.relpath(path, out_dir))
        found.append([path.name, _href(path, out_dir), command])
    return found


def episode_data(
    frame: pd.DataFrame, runs: list[RunData], out_dir: Path, policy: ScreenshotPolicy
) -> list[dict[str, Any]]:
    """Return the embedded data of every episode page, indexed like the frame's ``idx``."""
    pages = []
    for row in frame.itertuples(index=False):
        record, run = row.record, runs[row.run]
        trajectory, traj_path = _trajectory(run, record)
        steps, url = [], ""
        for step in (trajectory or {}).get("steps") or []:
            if isinstance(step, dict):
                steps.append(_step(step, run, out_dir, policy, url))
                url = (step.get("observation") or {}).get("url") or url
        task = (trajectory or {}).get("task") or {}
        page = {
            "agent": row.label,
            "run": run.run_id,
            "suite": row.suite,
            "task": row.task_id,
            "episode": row.episode,
            "seed": record.seed,
            "goal": _cut(task.get("goal")),
            "status": row.status,
            "success": row.success,
            "score": row.score,
            "steps_n": row.steps,
            "duration_s": row.duration_s,
            "end_reason": record.end_reason,
            "answer": _cut(record.answer),
            "error": _cut(record.error),
            "traceback": _cut((trajectory or {}).get("traceback"), 3 * MAX_TEXT),
            "metrics": record.metrics,
            "details": {str(k): _cut(v) for k, v in record.details.items() if k != "evaluators"},
            "evaluators": _evaluator_entries(record.details),
            "artifacts": _artifacts(traj_path, out_dir),
            "usage": {k: round(v, 6) if isinstance(v, float) else v for k, v in record.usage.items()},
            "steps": steps,
            "trajectory": _href(traj_path, out_dir) if traj_path else None,
        }
        pages.append({k: v for k, v in page.items() if v not in (None, {}, [])})
    return pages


def _published_rows(published: list[Published], suite: str, columns: set[str]) -> list[dict[str, Any]]:
    rows = []
    for entry in published:
        if entry.suite != suite:
            continue
        matched = {k: v for k, v in entry.metrics.items() if k in columns}
        other = {k: v for k, v in entry.metrics.items() if k not in columns}
        rows.append({"entry": entry, "matched": matched, "other": other})
    return rows


def _reference_tip(entry: Published) -> str:
    return f"{entry.model}: {entry.citation}; {entry.split}; {entry.subset}"


def _task_chart(tasks: pd.DataFrame, agents: list[str]) -> tuple[Markup, str]:
    pivot = tasks.pivot_table(index="task_id", columns="label", values="rate", aggfunc="mean")
    pivot = pivot.reindex(columns=agents)
    order = pivot.mean(axis=1).sort_values()
    caption = f"all {len(pivot)} tasks, hardest first"
    if len(pivot) > MAX_TASK_ROWS:
        spread = (pivot.max(axis=1) - pivot.min(axis=1)) if len(agents) > 1 else 1 - pivot.mean(axis=1)
        keep = spread.sort_values(ascending=False, kind="stable").index[:MAX_TASK_ROWS]
        order = order[order.index.isin(keep)]
        which = "where the agents differ most" if len(agents) > 1 else "with the lowest success"
        caption = f"the {MAX_TASK_ROWS} of {len(pivot)} tasks {which}; the task matrix below has them all"
    n = tasks.set_index(["task_id", "label"])["n"]
    rows = []
    for task_id in order.index:
        rates = [None if pd.isna(pivot.at[task_id, a]) else float(pivot.at[task_id, a]) for a in agents]
        tips = [
            f"{task_id} - {a}: "
            + ("no episode" if r is None else f"{r:.0%} of {int(n[(task_id, a)])} episodes")
            for a, r in zip(agents, rates, strict=True)
        ]
        rows.append((task_id, rates, tips))
    return svg.dot_rows(rows, agents, "success rate by task"), caption


def _grouped_chart(frame: pd.DataFrame, column: str, agents: list[str], order: list[str] | None) -> Markup:
    table = success_by(frame, column)
    categories = order or sorted(table[column].unique())
    categories = [c for c in categories if c in set(table[column])]
    lookup = {(r[column], r["label"]): (r["rate"], r["n"]) for _, r in table.iterrows()}
    values, tips = [], []
    for category in categories:
        cells = [lookup.get((category, a)) for a in agents]
        values.append([None if c is None else float(c[0]) for c in cells])
        tips.append(
            [
                f"{category} - {a}: " + ("no episode" if c is None else f"{c[0]:.0%} of {int(c[1])} episodes")
                for a, c in zip(agents, cells, strict=True)
            ]
        )
    return svg.grouped_columns(categories, agents, values, tips, f"success rate by {column}")


def _cell_tip(eps: list[tuple[int, bool, str, str | None]]) -> str:
    """Return a matrix cell's title: how many episodes failed, and on which evaluator."""
    failed = [why for _, ok, _, why in eps if not ok]
    if not failed:
        return f"all {len(eps)} episodes solved"
    reasons = Counter(why.split(":", 1)[0] if why else "unknown" for why in failed)
    listed = ", ".join(f"{name} ({n})" if n > 1 else name for name, n in reasons.most_common(3))
    return f"{len(failed)} of {len(eps)} episodes failed; failing: {listed}"


def _matrix(tasks: pd.DataFrame, frame: pd.DataFrame, agents: list[str]) -> list[dict[str, Any]]:
    why = [failing_evaluator(record) for record in frame["record"]]
    outcome = dict(zip(frame["idx"], zip(frame["success"], frame["status"], why, strict=True), strict=True))
    by_task: dict[str, dict[str, dict[str, Any]]] = {}
    for r in tasks.to_dict("records"):
        by_task.setdefault(r["task_id"], {})[r["label"]] = {
            "n": r["n"],
            "successes": int(r["successes"]),
            "rate": r["rate"],
            "flaky": bool(r["flaky"]),
            "eps": [(i, *outcome[i]) for i in sorted(r["episodes"])],
        }
        cell = by_task[r["task_id"]][r["label"]]
        cell["tip"] = _cell_tip(cell["eps"])
    rows = []
    for task_id in sorted(by_task):
        cells = by_task[task_id]
        rates = [c["rate"] for c in cells.values()]
        kind = "flaky" if any(c["flaky"] for c in cells.values()) else ""
        if len(set(rates)) > 1:
            kind += " differ"
        if all(r == 0 for r in rates):
            kind += " allfail"
        if all(r == 1 for r in rates):
            kind += " allpass"
        rows.append({"task": task_id, "cells": [cells.get(a) for a in agents], "kind": kind.strip()})
    return rows


def _suite_info(suite: str) -> tuple[str, str]:
    try:
        found = get_suite(suite)
    except SuiteError:
        return suite, ""
    return found.name, found.description


def _notes(runs: list[RunData], suite: str) -> list[str]:
    notes: list[str] = []
    for run in runs:
        summary_path = run.folder / "summary.json" if run.folder else None
        if summary_path is None or not summary_path.is_file():
            continue
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        for note in (summary.get("suites", {}).get(suite) or {}).get("notes") or []:
            if note not in notes:
                notes.append(str(note))
    return notes


def agreement_notes(runs: list[RunData], suite: str, labels: dict[tuple[str, int], bool]) -> list[str]:
    """Return one note per run with labelled episodes of ``suite``: its judge's agreement with people."""
    notes = []
    for run in runs:
        pairs = judge_pairs([r for r in run.records if r.suite == suite], labels)
        if pairs:
            notes.append(f"judge and human labels, {run.label}: {describe(agreement(pairs))}")
    return notes


def suite_sections(
    frame: pd.DataFrame, runs: list[RunData], published: list[Published]
) -> list[dict[str, Any]]:
    """Return the template context of every suite: leaderboard, references, charts, task matrix."""
    tasks = task_table(frame)
    boards = leaderboard(frame, tasks)
    order = [run.label for run in runs]
    sections = []
    for suite, rows in boards.items():
        part, suite_tasks = frame[frame["suite"] == suite], tasks[tasks["suite"] == suite]
        agents = [a for a in order if a in set(part["label"])]
        specs = suite_specs(suite)
        colour = {a: svg.colour(i) for i, a in enumerate(agents)}
        references = _published_rows(published, suite, {"success_rate", *(s.name for s in specs)})
        bars = [
            svg.Bar(
                r["label"],
                r["success_rate"] or 0.0,
                *r["success_rate_ci95"],
                tip=f"{r['label']}: {r['successes']} of {r['n']} episodes succeeded",
                colour=colour[r["label"]],
            )
            for r in rows
        ]
        bars += [
            svg.Bar(
                f"{ref['entry'].model} (paper)",
                ref["matched"]["success_rate"],
                tip=_reference_tip(ref["entry"]),
                reference=True,
            )
            for ref in references
            if "success_rate" in ref["matched"]
        ]
        task_svg, task_caption = _task_chart(suite_tasks, agents)
        k = int(rows[0]["k"]) if rows else 0
        has_usage = bool((part["input_tokens"] + part["output_tokens"]).sum())
        sites = part["site"].nunique()
        name, description = _suite_info(suite)
        sections.append(
            {
                "suite": name,
                "anchor": "suite-" + "".join(c if c.isalnum() else "-" for c in suite),
                "description": description,
                "notes": _notes(runs, suite),
                "specs": specs,
                "rows": rows,
                "references": references,
                "agents": agents,
                "colours": colour,
                "legend": svg.legend(agents),
                "chart_board": svg.interval_bars(bars, "success rate by agent"),
                "chart_tasks": task_svg,
                "chart_tasks_caption": task_caption,
                "chart_sites": _grouped_chart(part, "site", agents, None)
                if 1 < sites < len(suite_tasks)
                else None,
                "chart_length": _grouped_chart(part, "length", agents, list(LENGTH_LABELS)),
                "matrix": _matrix(suite_tasks, part, agents),
                "k": k,
                "has_usage": has_usage,
                # columns after the metrics that reference rows leave blank (all but "source")
                "blank_columns": (3 if k >= 2 else 0) + 5 + (2 if has_usage else 0),
            }
        )
    return sections


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "–" if v is None or pd.isna(v) else f"{v * 100:.1f}%"
    env.filters["num"] = lambda v, d=3: "–" if v is None or pd.isna(v) else f"{v:.{d}f}"
    env.filters["sortv"] = lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else v
    env.filters["heat"] = lambda r: f"hsl({int(r * 120)}, 65%, {88 - int(abs(r - 0.5) * 20)}%)"
    env.globals["inline"] = lambda name: Markup((TEMPLATES / name).read_text(encoding="utf-8"))
    return env


def render_report(
    runs: list[RunData],
    out: Path,
    published: list[Published] | None = None,
    policy: ScreenshotPolicy | None = None,
    title: str = "webbench report",
    labels: dict[tuple[str, int], bool] | None = None,
) -> str:
    """Return the HTML of the report over ``runs``, to be written at ``out`` (links are relative to it);
    with human ``labels`` (``report.agreement.read_labels``), each suite notes each run's judge-human
    agreement."""
    policy = policy or ScreenshotPolicy()
    frame = episode_frame(runs)
    out_dir = Path(out).resolve().parent
    sections = suite_sections(frame, runs, published or [])
    for section in sections if labels else ():
        section["notes"] += agreement_notes(runs, section["suite"], labels)
    episodes = episode_data(frame, runs, out_dir, policy)
    run_rows = [
        {
            "label": run.label,
            "run_id": run.run_id,
            "agent": run.agent,
            "kind": "baseline file" if run.is_baseline else "run folder",
            "href": _href(run.path.resolve(), out_dir),
            "episodes": len(run.records),
            "suites": ", ".join(run.suites),
            "created": run.manifest.get("created", ""),
            "commit": (run.manifest.get("git_commit") or "")[:10],
            "agent_args": json.dumps(redact((run.manifest.get("config") or {}).get("agent_args") or {})),
        }
        for run in runs
    ]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            runs=run_rows,
            sections=sections,
            episode_rows=frame[EPISODE_COLUMNS].to_dict("records"),
            has_usage=bool((frame["input_tokens"] + frame["output_tokens"]).sum()),
            data=script_json({"episodes": episodes}),
            screenshots=policy,
        )
    )
