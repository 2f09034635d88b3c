"""Step latency of the WebArena env on the stand-in shop against a plain Playwright loop.

Both loop between the shop's home page and a product page by clicking a link (home: "Radiant Tee",
product page: "One Stop Market"), on the same Chromium, alternating step by step:

- webbench: ``WebArenaEnv.step("click [id]")`` in WebArena's dialect, the id read from the previous
  observation's accessibility-tree text by role and name: parsing, the click at the element's
  centre, the wait for the page, the official observation (AX tree + DOM snapshot, viewport
  pruning, the text) and the early-stop rules. A new episode every 20 steps (not timed).
- plain: Playwright ``locator.click()`` on a CSS selector, then ``DOMSnapshot.captureSnapshot`` and
  ``Accessibility.getFullAXTree`` over CDP, what the reference runner fetches each step (raw data,
  no text), as in ``benchmarks/browser_step.py``.

    python benchmarks/webarena_step.py --steps 40
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_step import PlainLoop, Target  # noqa: E402

from webbench.agents.webarena_plans import tree_nodes  # noqa: E402
from webbench.core.env import EnvConfig  # noqa: E402
from webbench.core.suite import get_suite  # noqa: E402
from webbench.core.types import Task  # noqa: E402

LINKS = Target(
    ("Radiant Tee", "One Stop Market"), ('a:text-is("Radiant Tee")', 'a:text-is("One Stop Market")')
)
EPISODE_STEPS = 20
CONFIG = {
    "sites": ["shopping"],
    "task_id": "bench",
    "require_login": False,
    "storage_state": None,
    "start_url": "__SHOPPING__/",
    "intent": "browse",
    "require_reset": False,
    "eval": {
        "eval_types": ["string_match"],
        "reference_answers": {"exact_match": "x"},
        "reference_url": "",
        "program_html": [],
    },
}


class EnvLoop:
    """The step loop through the WebArena env, in its dialect."""

    def __init__(self, env) -> None:
        self.env, self.obs = env, None

    def reset(self) -> None:
        """Start an episode on the shop's home page."""
        self.obs, _info = self.env.reset(
            options={"task": Task("webarena", "bench", "browse", "mini", CONFIG)}
        )

    def step(self, step: int) -> float:
        """Return the time of one ``click [id]`` step (action and next observation)."""
        name = LINKS.name(step)
        node = next(n for n, role, text in tree_nodes(self.obs.text) if role == "link" and text == name)
        started = time.perf_counter()
        self.obs, _reward, done, _truncated, _info = self.env.step(f"click [{node}]")
        elapsed = time.perf_counter() - started
        if done or self.obs.error:
            raise RuntimeError(f"step {step} ended the episode: {self.obs.error}")
        return elapsed


def main() -> None:
    """Print the step medians of webbench's WebArena env and the plain loop, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    env = get_suite("webarena").make_env(EnvConfig(split="mini", services={"standins": ["shopping"]}))
    try:
        ours = EnvLoop(env)
        ours.reset()
        home = env.site_urls()["SHOPPING"] + "/"
        plain = PlainLoop(env.session.browser, home, LINKS)
        plain.reset(None)
        times_ours, times_plain = [], []
        for step in range(args.steps):
            if step and step % EPISODE_STEPS == 0:
                ours.reset()
                plain.reset(None)
            times_ours.append(ours.step(step))
            times_plain.append(plain.step(step))
        plain.close()
    finally:
        env.close()
    m_ours, m_plain = statistics.median(times_ours), statistics.median(times_plain)
    print(
        f"WebArena stand-in shop step: webbench {m_ours * 1000:.1f} ms, "
        f"plain Playwright {m_plain * 1000:.1f} ms, ratio {m_ours / m_plain:.2f}x ({args.steps} steps each)"
    )


if __name__ == "__main__":
    main()
