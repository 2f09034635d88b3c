"""Where a browser worker's memory goes: peak PSS per process kind, for variants of the launch.

Each variant runs in a process of its own (spawned): ``BrowserSession.launch(args=...)`` with
the variant's extra Chromium switches (and, for ``driver_v8`` variants, V8 flags for
Playwright's node driver), then on the WebArena-Infinity gmail app: an episode, a page load,
``observe``, 10 clicks on the category tabs with an observation each, a new episode, 10 more.
After every step the process tree's PSS is read from ``/proc/<pid>/smaps_rollup``; the
breakdown printed is the one at the peak, by process kind (worker's Python, node driver,
Chromium's browser, renderer, GPU, network, storage, zygote...), each as total = anon + file.
Variants alternate in rounds; the figure quoted is the median peak over the rounds.

    python benchmarks/browser_memory.py [--rounds 3] [--variants default,single]
    python benchmarks/browser_memory.py --miniwob --variants default,single   # a MiniWoB env (6 tasks x 5)

"anon" (Pss_Anon + Pss_Shmem) is the steady part: the file-backed part is mostly Chromium's
code pages, shared with every other Chromium on the machine, so it shrinks as they multiply.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, TASKS, process_parents  # noqa: E402

APP = ROOT.parent / "shared" / "data" / "webarena-infinity" / "apps" / "gmail"
STEPS = 10
#: name -> (extra Chromium switches, V8 flags for the node driver or None), on top of the launch's
#: own (``CHROMIUM_FLAGS``, ``DRIVER_NODE_OPTIONS``); the ones tried and not taken.
VARIANTS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "default": ((), None),
    "renderer-limit": (("--renderer-process-limit=1",), None),
    "no-isolation": (("--disable-site-isolation-trials",), None),
    "js-small": (("--js-flags=--max-lazy --optimize-for-size",), None),
    "single": (("--single-process",), None),
    "driver-jitless": ((), "--jitless"),
    "driver-pool": ((), "--v8-pool-size=1"),
    "driver-old": ((), "--max-old-space-size=96"),
}


def _kind(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    # Chromium's helpers rewrite their command line into one string: split it into words again.
    words = [w for a in argv for w in a.decode("utf-8", "replace").split()]
    head = Path(words[0]).name if words else ""
    if "python" in head:
        return "python"
    if head == "chromedriver":
        return head
    if head == "node" or (words and "cli.js" in " ".join(words[:3])):
        return "node driver"
    kind = next((w.split("=", 1)[1] for w in words if w.startswith("--type=")), "browser")
    if kind == "utility":
        sub = next((w.split("=", 1)[1] for w in words if w.startswith("--utility-sub-type=")), "?")
        return sub.split(".")[0] + " service"
    return kind


def _rollup(pid: int) -> tuple[int, int]:
    """Return (Pss_Anon + Pss_Shmem, Pss_File) of ``pid`` in kB (0, 0 if gone)."""
    anon = file = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("Pss_Anon", "Pss_Shmem"):
                anon += int(rest.split()[0])
            elif key == "Pss_File":
                file += int(rest.split()[0])
    except OSError:
        pass
    return anon, file


def breakdown(root: int) -> dict[str, tuple[int, int, int]]:
    """Return {process kind: (count, anon kB, file kB)} of ``root`` and its descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, _) in process_parents().items():
        children[ppid].append(pid)
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    todo = [root]
    while todo:
        pid = todo.pop()
        anon, file = _rollup(pid)
        entry = kinds[_kind(pid)]
        entry[0] += 1
        entry[1] += anon
        entry[2] += file
        todo.extend(children.get(pid, []))
    return {k: tuple(v) for k, v in kinds.items()}


def _total(parts: dict[str, tuple[int, int, int]]) -> int:
    return sum(anon + file for _, anon, file in parts.values())


def run_variant(name: str, url: str, results) -> None:
    """Run the workload under variant ``name``; put (name, peak breakdown, step times) on ``results``.

    A variant that fails puts (name, its one-line error, []).
    """
    import os

    args, driver_v8 = VARIANTS[name]
    if driver_v8:
        os.environ["NODE_OPTIONS"] = driver_v8  # this spawned process only: its driver inherits it
    try:
        results.put((name, *(_miniwob(args) if url == "miniwob" else _workload(args, url))))
    except Exception as exc:
        results.put((name, f"{type(exc).__name__}: {str(exc).splitlines()[0]}", []))


def _workload(args: tuple[str, ...], url: str) -> tuple[dict[str, tuple[int, int, int]], list[float]]:
    """Return the peak breakdown and the step times (click + observe, s) of two episodes on ``url``."""
    import os
    import time

    from webbench.browser.session import BrowserSession
    from webbench.core.action import make_action

    peak: dict[str, tuple[int, int, int]] = {}
    times: list[float] = []
    with BrowserSession.launch(args=args) as session:
        for _episode in range(2):
            session.new_episode()
            if session.goto(url):
                raise RuntimeError(f"{url} did not load")
            obs = session.observe()
            for step in range(STEPS):
                prefix = ("Social", "Primary")[step % 2]
                target = next(e for e in obs.elements if e.tag == "button" and e.text.startswith(prefix))
                started = time.perf_counter()
                error = session.execute(make_action("click", target.id))
                obs = session.observe()
                times.append(time.perf_counter() - started)
                if error:
                    raise RuntimeError(error)
                now = breakdown(os.getpid())
                if _total(now) > _total(peak):
                    peak = now
            session.end_episode()
    return peak, times


def _miniwob(args: tuple[str, ...]) -> tuple[dict[str, tuple[int, int, int]], list[float]]:
    """Return the peak breakdown and the episode times (reset + one step, s) of a MiniWoB env."""
    import os
    import time

    from webbench.browser import chromium

    chromium.CHROMIUM_FLAGS = (*chromium.CHROMIUM_FLAGS, *args)  # this spawned process only
    from webbench.core.env import EnvConfig
    from webbench.core.suite import get_suite

    suite = get_suite("miniwob")
    tasks = {t.id: t for t in suite.load_tasks(None, None)}
    env = suite.make_env(EnvConfig())
    peak: dict[str, tuple[int, int, int]] = {}
    times: list[float] = []
    try:
        for task_id in TASKS.split(","):
            for seed in range(5):
                started = time.perf_counter()
                env.reset(seed=seed, options={"task": tasks[task_id]})
                env.step("noop()")
                times.append(time.perf_counter() - started)
                now = breakdown(os.getpid())
                if _total(now) > _total(peak):
                    peak = now
    finally:
        env.close()
    return peak, times


def _show(name: str, parts: dict[str, tuple[int, int, int]]) -> str:
    cells = ", ".join(
        f"{kind} x{count} {(anon + file) / 1024:.0f} ({anon / 1024:.0f}+{file / 1024:.0f})"
        for kind, (count, anon, file) in sorted(parts.items(), key=lambda kv: -(kv[1][1] + kv[1][2]))
    )
    return f"  {name}: {_total(parts) / 1024:.0f} MB = {cells}"


def main() -> None:
    """Run every variant ``--rounds`` times, alternating; print medians and the last breakdowns."""
    from webbench.sites.infinity import InfinityServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--app", type=Path, default=APP)
    parser.add_argument("--miniwob", action="store_true", help="a MiniWoB env (Chromium variants)")
    args = parser.parse_args()
    names = args.variants.split(",")
    spawn = multiprocessing.get_context("spawn")
    server = InfinityServer(args.app)
    peaks: dict[str, list[int]] = defaultdict(list)
    anons: dict[str, list[int]] = defaultdict(list)
    steps: dict[str, list[float]] = defaultdict(list)
    try:
        url = "miniwob" if args.miniwob else server.start()
        for round_ in range(args.rounds):
            for name in names:
                if not args.miniwob:
                    server.reset()
                results = spawn.Queue()
                proc = spawn.Process(target=run_variant, args=(name, url, results))
                proc.start()
                got, parts, times = results.get(timeout=600)
                proc.join(60)
                if isinstance(parts, str):
                    print(f"  round {round_ + 1} {got}: failed: {parts}", flush=True)
                    continue
                peaks[got].append(_total(parts))
                anons[got].append(sum(anon for _, anon, _ in parts.values()))
                steps[got].extend(times)
                print(_show(f"round {round_ + 1} {got}", parts), flush=True)
    finally:
        server.stop()
    base = statistics.median(peaks[names[0]])
    unit = "episode" if args.miniwob else "step"
    for name in names:
        if not peaks[name]:
            continue
        median, anon = statistics.median(peaks[name]), statistics.median(anons[name])
        print(
            f"{name}: median peak {median / 1024:.0f} MB ({median / base:.2f}x {names[0]}), of it anon "
            f"{anon / 1024:.0f} MB; {unit} median {statistics.median(steps[name]) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
