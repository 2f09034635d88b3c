"""WebLINX scoring throughput: the pure turn scorer, and `webbench eval --agent oracle` end to end.

Generates synthetic demonstrations in the official layout (pages of about 1,500 elements
and 150 KB, like real WebLINX pages), then prints medians over repeated runs:

    python benchmarks/weblinx_scoring.py [--demos 20] [--turns 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webbench.metrics.weblinx import Box, ElementRef, PageBoxes, WebAction, prediction, score_turn  # noqa: E402


def box(i: int) -> dict[str, float]:
    x, y, w, h = (i * 37) % 1200, (i * 23) % 3000, 40 + i % 200, 16 + i % 40
    return {"x": x, "y": y, "width": w, "height": h, "left": x, "top": y, "right": x + w, "bottom": y + h}


def write_demo(folder: Path, turns: int, elements: int) -> None:
    """Write one synthetic demonstration: alternating instructor chat, clicks, text inputs and says."""
    for sub in ("pages", "bboxes", "screenshots"):
        (folder / sub).mkdir(parents=True)
    body = "".join(
        f'<div class="c{i % 7}" data-webtasks-id="u{i}"><span>item {i} lorem ipsum dolor</span></div>'
        for i in range(elements)
    )
    html = f"<html><body>{body}</body></html>"
    boxes = {f"u{i}": box(i) for i in range(elements)}
    data = []
    for i in range(turns):
        if i % 4 in (0, 3):
            speaker = "instructor" if i % 4 == 0 else "navigator"
            data.append({"type": "chat", "speaker": speaker, "utterance": f"step {i}", "timestamp": i})
            continue
        uid = f"u{(i * 31) % elements}"
        intent, args = ("click", {}) if i % 4 == 1 else ("textInput", {"text": f"query {i}"})
        args |= {
            "element": {"attributes": {"data-webtasks-id": uid}, "bbox": boxes[uid], "tagName": "DIV"},
            "metadata": {"url": "https://example.com/", "viewportWidth": 1280, "viewportHeight": 720},
        }
        page = f"page-{i}-0.html"
        (folder / "pages" / page).write_text(html)
        (folder / "bboxes" / f"bboxes-{i}.json").write_text(json.dumps(boxes))
        state = {"page": page, "screenshot": f"screenshot-{i}-0.png", "screenshot_status": "good"}
        action = {"intent": intent, "arguments": args}
        data.append({"type": "browser", "timestamp": i, "action": action, "state": state})
    (folder / "replay.json").write_text(json.dumps({"created": 0, "data": data}))
    (folder / "form.json").write_text(json.dumps({"description": "synthetic"}))


def time_scorer(n: int) -> float:
    """Return scored turns per second of the pure scorer (textinput: IoU and chrF)."""
    page = PageBoxes(frozenset({"a", "b"}), {"a": Box(0, 0, 10, 10, 10, 10), "b": Box(5, 5, 15, 15, 10, 10)})
    ref = WebAction("textinput", {"text": "climate news today"}, ElementRef("a", page.boxes["a"]))
    start = time.perf_counter()
    for i in range(n):
        pred = prediction("textinput", {"text": f"climate news {i}", "uid": "b"}, page, frozenset())
        score_turn(pred, ref)
    return n / (time.perf_counter() - start)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--demos", type=int, default=20)
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--elements", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rates = [time_scorer(20_000) for _ in range(args.repeat)]
    print(f"pure scorer: median {statistics.median(rates):,.0f} turns/s (textinput: IoU + chrF)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "weblinx"
        names = [f"syn{i:04d}" for i in range(args.demos)]
        for name in names:
            write_demo(data / "demonstrations" / name, args.turns, args.elements)
        (data / "splits.json").write_text(json.dumps({"valid": names}))
        steps = args.demos * sum(1 for i in range(args.turns) if i % 4 != 0)
        page_kb = (data / "demonstrations" / names[0] / "pages" / "page-1-0.html").stat().st_size / 1024
        walls = []
        for run in range(args.repeat):
            command = [sys.executable, "-m", "webbench", "eval", "--suite", "weblinx", "--data", str(data)]
            command += ["--split", "valid", "--agent", "oracle", "--out", tmp, "--run-id", f"r{run}"]
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            walls.append(time.perf_counter() - start)
        wall = statistics.median(walls)
        print(
            f"webbench eval --agent oracle: {args.demos} demos, {steps} scored turns, pages {page_kb:.0f} KB "
            f"with {args.elements} elements: median {wall:.2f} s wall ({steps / wall:.0f} turns/s, "
            f"{1000 * wall / steps:.1f} ms per turn including start-up)"
        )


if __name__ == "__main__":
    main()
