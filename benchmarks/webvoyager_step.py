"""One WebVoyager step in webbench against a plain Selenium loop doing what upstream's run.py does.

A step is: mark the page (set-of-marks), take the screenshot, remove the marks, build the element
list, then one action (``Scroll [WINDOW]; down``, then ``up``, alternating, so that every step marks
a different viewport). Both run on a generated page of ``--links`` links, text boxes and buttons
(about the size of a WebVoyager site's viewport), each in a browser of its own, alternating step by
step in the same run; medians over ``--steps`` steps of each.

- webbench: ``WebVoyagerEnv.step`` (native reply parsed; ``marks.js`` picks the elements and their
  tag, type and ARIA label in one script, draws every box in one overlay, removes it in one call).
- plain: upstream's round trips: one script that picks the elements (the same rules) and appends one
  box element per rectangle to the page, returning them; the screenshot; then for every element
  three WebDriver calls (tag name, ``type``, ``aria-label``) to build the list, one call per box to
  remove it, and the scroll. Upstream's fixed sleeps after actions (2-10 s) are left out of both.

    python benchmarks/webvoyager_step.py --steps 40
"""

from __future__ import annotations

import argparse
import statistics
import time
from urllib.parse import quote

from webbench.browser.marks import MARKS_JS
from webbench.core.env import EnvConfig
from webbench.core.types import Task
from webbench.suites._webvoyager_browser import SeleniumSession
from webbench.suites._webvoyager_dialect import element_line
from webbench.suites.webvoyager import WebVoyagerEnv


def bench_page(links: int) -> str:
    """Return a data URL of a tall page with ``links`` links, a text box and a button every 10 links."""
    rows = []
    for i in range(links):
        rows.append(f"<li><a href='#l{i}'>Result link number {i}</a></li>")
        if i % 10 == 0:
            rows.append(f"<li><input type='text' aria-label='Box {i}'> <button>Go {i}</button></li>")
    style = "ul{columns:4;list-style:none}li{margin:6px 0}"
    return "data:text/html," + quote(f"<title>bench</title><style>{style}</style><ul>{''.join(rows)}</ul>")


#: Draws one box element per rectangle on the page itself, as upstream does, and returns them.
PLAIN_DRAW = (
    "const boxes = [];"
    "arguments[0].forEach((item, index) => item.rects.forEach(r => {"
    " const box = document.createElement('div');"
    " box.style.cssText = `outline:2px dashed #000;position:fixed;left:${r.left}px;top:${r.top}px;"
    "width:${r.width}px;height:${r.height}px;pointer-events:none;box-sizing:border-box;z-index:2147483647`;"
    " const label = document.createElement('span'); label.textContent = index; box.appendChild(label);"
    " document.body.appendChild(box); boxes.push(box); }));"
    "return boxes;"
)


def plain_step(driver, direction: str) -> str:
    """Do one step the way upstream's loop does; return the element list."""
    items = driver.execute_script(f"return ({MARKS_JS})(arguments[0]);", {"action": "collect"})
    boxes = driver.execute_script(PLAIN_DRAW, [{"rects": item["rects"]} for item in items])
    driver.get_screenshot_as_png()
    lines = []
    for index, item in enumerate(items):
        element = item["element"]
        described = {
            "text": item["text"],
            "tag": element.tag_name,
            "type": element.get_attribute("type"),
            "ariaLabel": element.get_attribute("aria-label"),
        }
        line = element_line(index, described)
        if line:
            lines.append(line)
    for box in boxes:
        driver.execute_script("arguments[0].remove()", box)
    driver.execute_script(f"window.scrollBy(0, {512 if direction == 'down' else -512});")
    return "\t".join(lines)


def main() -> None:
    """Run both loops, alternating, and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--links", type=int, default=400)
    args = parser.parse_args()
    page = bench_page(args.links)
    env = WebVoyagerEnv(EnvConfig())
    plain = SeleniumSession()
    times: dict[str, list[float]] = {"webbench": [], "plain": []}
    try:
        env.reset(options={"task": Task("webvoyager", "b", "bench", "", {"web": page, "web_name": "bench"})})
        plain.new_episode()
        plain.goto(page)
        for step in range(args.steps):
            direction = "down" if step % 2 == 0 else "up"
            started = time.perf_counter()
            env.step(f"Thought: bench\nAction: Scroll [WINDOW]; {direction}")
            times["webbench"].append(time.perf_counter() - started)
            started = time.perf_counter()
            plain_step(plain.driver, direction)
            times["plain"].append(time.perf_counter() - started)
    finally:
        env.close()
        plain.end_episode()
    medians = {kind: statistics.median(values) * 1000 for kind, values in times.items()}
    items = len(env._elements)
    print(f"{args.links} links ({items} marked elements in the last viewport), {args.steps} steps each")
    for kind, value in medians.items():
        print(f"  {kind:<9} median step {value:7.1f} ms")
    print(f"  plain / webbench: {medians['plain'] / medians['webbench']:.2f}x")


if __name__ == "__main__":
    main()
