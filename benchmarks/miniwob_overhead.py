"""Per-episode cost of webbench against a plain gymnasium loop, same scripted policy, same Chromium.

The raw loop is what a user would write: `gymnasium.make("miniwob/<task>-v1")` per task, then
reset/step with the scripted agent's decisions turned into MiniWoB actions. Both sides run
without screenshots. The marginal cost per episode is (T(n2) - T(n1)) / (n2 - n1) episodes,
which cancels start-up (Python, imports, browser launch) on both sides; the whole-run ratio
at n2 is printed too. Medians of --repeats runs.

    python benchmarks/miniwob_overhead.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time

from _common import TASKS, median_of, time_eval

from webbench.agents.scripted import ScriptedAgent
from webbench.browser.chromium import find_chromium
from webbench.core.action import parse_action
from webbench.core.types import Observation, Task
from webbench.run.plan import episode_seed
from webbench.suites.miniwob import dom_to_elements


def raw_loop(episodes: int) -> float:
    """Return the wall time of a plain gymnasium loop over TASKS x episodes."""
    started = time.perf_counter()
    paths = find_chromium()
    os.environ["MINIWOB_CHROME_BINARY"], os.environ["MINIWOB_CHROMEDRIVER"] = paths.browser, paths.driver
    import gymnasium
    import miniwob
    from miniwob.action import ActionTypes

    gymnasium.register_envs(miniwob)
    agent = ScriptedAgent()
    for task_id in TASKS.split(","):
        env = gymnasium.make(f"miniwob/{task_id}-v1")
        for k in range(episodes):
            seed = episode_seed(0, "miniwob", task_id, k)
            raw, _ = env.reset(seed=seed, options={"record_screenshots": False})
            agent.reset(Task("miniwob", task_id, ""))
            for step in range(30):
                elements, text = dom_to_elements([dict(e) for e in raw["dom_elements"]])
                obs = Observation(
                    goal=raw["utterance"],
                    text=text,
                    elements=elements,
                    step=step,
                    extra={"fields": [list(f) for f in raw["fields"]]},
                )
                action = parse_action(agent.act(obs))
                if action.name == "click":
                    mw = env.unwrapped.create_action(ActionTypes.CLICK_ELEMENT, ref=int(action.element))
                elif action.name == "type":
                    mw = env.unwrapped.create_action(
                        ActionTypes.FOCUS_ELEMENT_AND_TYPE_TEXT,
                        ref=int(action.element),
                        text=action.args["text"],
                    )
                elif action.name == "select":
                    driver = env.unwrapped.instance.driver
                    driver.execute_script(
                        "var el = core.previousDOMInfo[arguments[0]];"
                        "for (var o of el.options) if (o.text.trim() === arguments[1]) el.value = o.value;",
                        int(action.element),
                        action.args["option"],
                    )
                    mw = env.unwrapped.create_action(ActionTypes.NONE)
                else:
                    mw = env.unwrapped.create_action(ActionTypes.NONE)
                raw, _reward, done, _trunc, _info = env.step(mw)
                if done:
                    break
        env.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n1", type=int, default=2, help="episodes per task, short run")
    parser.add_argument("--n2", type=int, default=12, help="episodes per task, long run")
    args = parser.parse_args()
    n_tasks = len(TASKS.split(","))
    raw1, raw2 = (median_of(lambda n=n: raw_loop(n), args.repeats) for n in (args.n1, args.n2))
    wb1, wb2 = (median_of(lambda n=n: time_eval(n), args.repeats) for n in (args.n1, args.n2))
    extra = n_tasks * (args.n2 - args.n1)
    raw_ep, wb_ep = (raw2 - raw1) / extra, (wb2 - wb1) / extra
    print(f"tasks: {TASKS} ({n_tasks}); episodes per task {args.n1} and {args.n2}; median of {args.repeats}")
    print(f"raw gymnasium loop: {raw1:.2f} s / {raw2:.2f} s; marginal {raw_ep * 1000:.1f} ms per episode")
    print(f"webbench eval     : {wb1:.2f} s / {wb2:.2f} s; marginal {wb_ep * 1000:.1f} ms per episode")
    print(f"per-episode ratio webbench / raw: {wb_ep / raw_ep:.2f}x (goal <= 1.15x)")
    print(f"whole-run ratio at {args.n2} episodes/task (incl. start-up): {wb2 / raw2:.2f}x")


if __name__ == "__main__":
    main()
