"""MiniWoB++ (package ``miniwob`` 1.1.0): all 128 registered gymnasium tasks, live in Chromium.

One Chromium per env is reused across tasks and episodes: a task change only loads
the task's page. Each episode starts from the state of a fresh browser, whatever ran
before it (see ``SharedBrowser``). Canonical actions map onto MiniWoB actions (see
``MiniWoBEnv.act``).
Per-episode metrics: ``success`` (raw reward == 1, the papers' success rate),
``reward`` (the env's time-decayed reward) and ``raw_reward``.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from webbench.core.action import Action
from webbench.core.env import EnvConfig, StepResult, WebEnv
from webbench.core.metric import MetricSpec
from webbench.core.suite import Suite
from webbench.core.types import Element, Observation, Task

T = TypeVar("T")

#: MiniWoB's screen: the task area the agent sees, in page pixels.
SCREEN_W, SCREEN_H = 160, 210
_MODIFIERS = {"control": "C-", "ctrl": "C-", "shift": "S-", "alt": "A-", "meta": "M-", "cmd": "M-"}
_KEY_ALIASES = {"esc": "Escape", "return": "Enter", "space": "Space", "del": "Delete"}


def _import_miniwob():
    import gymnasium
    import miniwob

    gymnasium.register_envs(miniwob)
    return gymnasium


@cache
def _task_table() -> dict[str, tuple[str, bool]]:
    """Return {task id: (entry point, nondeterministic)} for every registered MiniWoB env."""
    gymnasium = _import_miniwob()
    table = {}
    for env_id, spec in gymnasium.registry.items():
        match = re.fullmatch(r"miniwob/(.+)-v1", env_id)
        if match:
            table[match.group(1)] = (str(spec.entry_point), bool(spec.nondeterministic))
    return dict(sorted(table.items()))


def _description(entry_point: str) -> str:
    import importlib

    module, _, name = entry_point.partition(":")
    doc = getattr(importlib.import_module(module), name).__doc__ or ""
    match = re.search(r"## Description\s+(.+?)(?:\n\s*\n|$)", doc, re.S)
    return " ".join(match.group(1).split()) if match else ""


def miniwob_key(key: str) -> str:
    """Return MiniWoB's key syntax for a canonical key ("Control+a" -> "C-a", "Enter" -> "<Enter>").

    A ValueError says why ``key`` names no key (an unknown modifier, nothing after the last "+").
    """
    if key == "+" or key.endswith("++"):
        head, base = key[:-2], "+"
    else:
        head, _, base = key.rpartition("+")
    if not base:
        raise ValueError(f"no key after the modifiers in {key!r}")
    mods = head.split("+") if head else []
    prefix = ""
    for mod in mods:
        if mod.strip().lower() not in _MODIFIERS:
            raise ValueError(f"unknown modifier {mod!r} in key {key!r}")
        prefix += _MODIFIERS[mod.strip().lower()]
    if len(base) == 1:
        return prefix + base
    base = _KEY_ALIASES.get(base.lower(), base)
    return f"{prefix}<{base[0].upper()}{base[1:]}>"


def _png(screenshot: Any) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(screenshot).save(buffer, format="PNG")
    return buffer.getvalue()


def dom_to_elements(dom: list[dict[str, Any]]) -> tuple[list[Element], str]:
    """Return (elements, text listing) of MiniWoB ``dom_elements``.

    Text pseudo-elements (negative refs) are folded into their parent's text; the
    listing shows one element a line, indented by depth: ``[ref] tag "text" attr=...``.
    """
    children_text: dict[int, list[str]] = {}
    for node in dom:
        if node["ref"] < 0 and node["text"]:
            children_text.setdefault(node["parent"], []).append(node["text"])
    depth: dict[int, int] = {0: -1}
    elements, lines = [], []
    for node in dom:
        ref = int(node["ref"])
        if ref < 0:
            continue
        depth[ref] = depth.get(int(node["parent"]), -1) + 1
        text = " ".join(filter(None, [node["text"], *children_text.get(ref, [])]))
        attrs = {k: str(node[k]) for k in ("id", "classes", "value") if node.get(k)}
        if node["flags"][0]:
            attrs["focused"] = "true"
        if "options" in node:
            attrs["options"] = " | ".join(node["options"])
        box = tuple(float(node[k][0]) for k in ("left", "top", "width", "height"))
        elements.append(Element(str(ref), node["tag"], text, box, attrs))  # type: ignore[arg-type]
        shown = "".join(f" {k}={v!r}" for k, v in attrs.items())
        quoted = f' "{text}"' if text else ""
        lines.append(f"{'  ' * depth[ref]}[{ref}] {node['tag']}{quoted}{shown}")
    return elements, "\n".join(lines)


def _select_option_js() -> str:
    return (
        "var el = core.previousDOMInfo[arguments[0]];"
        "if (!el || !el.options) return 'element ' + arguments[0] + ' is not a <select>';"
        "for (var i = 0; i < el.options.length; i++) {"
        "  if (el.options[i].text.trim() === arguments[1] || el.options[i].value === arguments[1]) {"
        "    el.selectedIndex = i;"
        "    el.dispatchEvent(new Event('input', {bubbles: true}));"
        "    el.dispatchEvent(new Event('change', {bubbles: true}));"
        "    return true; } }"
        "return 'no option ' + JSON.stringify(arguments[1]);"
    )


#: Input types that take no typed text (the DOM listing's tag is ``input_<type>``).
_UNTYPABLE_INPUTS = {"checkbox", "radio", "button", "submit", "reset", "image", "file", "color", "range"}
_EDITABLE_JS = "var el = core.previousDOMInfo[arguments[0]]; return !!(el && el.isContentEditable);"

_OPTIONS_JS = (
    "return arguments[0].map(function (ref) { var el = core.previousDOMInfo[ref];"
    " return el && el.options ? Array.from(el.options).map(function (o) { return o.text.trim(); }) : []; });"
)


class SharedBrowser:
    """The Chromium every task of one env runs in, and what an episode leaves in it outside the page.

    Before each episode, ``move_pointer_away()`` takes the mouse off the page (a fresh
    browser has no hover); ``_BEGIN_JS`` resets what lives in the page (and refuses to
    start in a window whose size changed, which ``restore_size()`` puts back); then
    ``close_other_windows()`` closes the windows the page opened (and the episode is
    begun again if there were any). ``close()`` quits the browser and kills whatever of
    it is left, so a browser whose chromedriver died goes at once.
    """

    def __init__(self) -> None:
        from webbench.browser.chromium import find_chromium, start_selenium_chrome

        self.mark = uuid.uuid4().hex
        self.driver = start_selenium_chrome(find_chromium(), mark=self.mark)
        self.window = self.driver.get_window_size()
        self.handle = self.driver.current_window_handle
        #: The page's inner size in the fresh window (known once a page is loaded).
        self.inner: list[int] | None = None
        #: Whether an action moved the mouse since ``move_pointer_away()`` last ran.
        self.pointer_moved = False

    def move_pointer_away(self) -> None:
        """If an action moved the mouse since the last call, move it off the page."""
        if self.pointer_moved:
            move = {"type": "mouseMoved", "x": -1, "y": -1}
            _dismissing_alerts(lambda: self.driver.execute_cdp_cmd("Input.dispatchMouseEvent", move))
            self.pointer_moved = False

    def close_other_windows(self) -> bool:
        """Close the windows other than ours (the page opened them); return whether there were any.

        Not while an alert is open: chromedriver then never answers for the window list.
        """
        extra = [handle for handle in self.driver.window_handles if handle != self.handle]
        for handle in extra:
            self.driver.switch_to.window(handle)
            self.driver.close()
        if extra:
            self.driver.switch_to.window(self.handle)
        return bool(extra)

    def restore_size(self) -> None:
        """Give the window its size at start."""
        self.driver.set_window_size(self.window["width"], self.window["height"])

    def close(self) -> None:
        """Quit the browser and its driver, then kill what is left of them (all of it if the driver died)."""
        from webbench.browser.chromium import kill_marked

        try:
            self.driver.quit()
        finally:
            kill_marked(self.mark)


def _dismissing_alerts(call: Callable[[], T]) -> T:
    """Return ``call()``, called once more if an open alert made it fail (chromedriver dismissed it)."""
    from selenium.common.exceptions import UnexpectedAlertPresentException

    try:
        return call()
    except UnexpectedAlertPresentException:
        return call()


class MiniWoBEnv(WebEnv):
    """A webbench env over the real ``miniwob`` envs, sharing one Chromium across tasks."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__(config)
        self._shared: SharedBrowser | None = None
        self._inner = None
        self._subdomain: str | None = None
        self._obs: Observation | None = None
        self._refs: set[str] = set()
        self._last_metadata: dict[str, Any] = {}

    # -- browser and task switching -------------------------------------------------
    def _browser(self) -> SharedBrowser:
        if self._shared is None:
            self._shared = SharedBrowser()
        return self._shared

    def _load(self, subdomain: str):
        from miniwob.action import ActionSpaceConfig
        from miniwob.constants import ALL_POSSIBLE_KEYS

        _import_miniwob()
        config = ActionSpaceConfig.get_preset("all_supported")
        config.allowed_keys = ALL_POSSIBLE_KEYS
        self._key_index = {key: i for i, key in enumerate(ALL_POSSIBLE_KEYS)}
        self._action_types = {t.name: i for i, t in enumerate(config.action_types)}
        self._inner = _shared_env_class()(subdomain, self._browser(), action_space_config=config)
        self._subdomain = subdomain

    def close(self) -> None:
        """Quit the browser (and its driver); kill it if its driver is dead."""
        shared, self._shared, self._inner = self._shared, None, None
        if shared is not None:
            shared.close()

    # -- observations -----------------------------------------------------------------
    def _observe(
        self, raw: dict[str, Any], step: int, history: list[str], error: str | None = None
    ) -> Observation:
        dom = [dict(node) for node in raw.get("dom_elements", ())]
        selects = [node["ref"] for node in dom if node["tag"] == "select"]
        if selects and self._inner is not None:
            options = self._inner.instance.driver.execute_script(_OPTIONS_JS, selects)
            for node in dom:
                if node["tag"] == "select":
                    node["options"] = options[selects.index(node["ref"])]
        elements, listing = dom_to_elements(dom)
        self._refs = {e.id for e in elements}
        screenshot = raw.get("screenshot")
        obs = Observation(
            goal=str(raw.get("utterance", "")),
            url=self._inner.instance.url if self._inner is not None else "",
            text=listing,
            elements=elements,
            screenshot=_png(screenshot) if self.config.screenshots and screenshot is not None else None,
            history=history,
            error=error,
            step=step,
            extra={"fields": [list(f) for f in raw.get("fields", ())]},
        )
        return obs

    def start(self, task: Task, seed: int | None) -> tuple[Observation, dict[str, Any]]:
        if task.id != self._subdomain or self._inner is None:
            self._load(task.id)
        raw, info = self._inner.reset(seed=seed, options={"record_screenshots": self.config.screenshots})
        self._last_metadata = {}
        self._obs = self._observe(raw, 0, [])
        return self._obs, {"fields": raw.get("fields")}

    # -- actions ------------------------------------------------------------------------
    def _miniwob_action(self, kind: str, **fields: Any):
        from miniwob.action import ActionTypes

        return self._inner.create_action(ActionTypes[kind], **fields)

    def _element_error(self, action: Action) -> str | None:
        if action.element is not None and action.element not in self._refs:
            return f"{action.name}(): no element {action.element!r} on the page"
        return None

    def _takes_text(self, element: Element) -> bool:
        """Return whether typing into ``element`` can enter text: a text input, a textarea, a
        select (typing picks an option) or an editable element."""
        tag = element.tag
        if tag in ("textarea", "select") or (tag.startswith("input_") and tag[6:] not in _UNTYPABLE_INPUTS):
            return True
        return bool(self._inner.instance.driver.execute_script(_EDITABLE_JS, int(element.id)))

    def _translate(self, action: Action) -> list[Any] | str:
        """Return the MiniWoB actions for ``action``, or a message saying why it cannot run."""
        error = self._element_error(action)
        if error:
            return error
        name, args = action.name, action.args
        if name == "click":
            return [self._miniwob_action("CLICK_ELEMENT", ref=int(args["element"]))]
        if name == "type":
            target = self._obs.element(args["element"])  # type: ignore[union-attr]
            if not self._takes_text(target):
                return f"type(): element {target.id!r} ({target.tag}) is not a text field: nothing was typed"
            steps = [
                self._miniwob_action(
                    "FOCUS_ELEMENT_AND_TYPE_TEXT", ref=int(args["element"]), text=args["text"]
                )
            ]
            if args["enter"]:
                steps.append(self._miniwob_action("PRESS_KEY", key=self._key_index["<Enter>"]))
            return steps
        if name == "press":
            try:
                key = miniwob_key(args["key"])
            except ValueError as exc:
                return f"press(): {exc}"
            if key not in self._key_index:
                return f"press(): MiniWoB cannot press {args['key']!r}"
            return [self._miniwob_action("PRESS_KEY", key=self._key_index[key])]
        if name == "scroll":
            if args["direction"] not in ("up", "down"):
                return "scroll(): MiniWoB scrolls up or down only"
            kind = "SCROLL_UP_COORDS" if args["direction"] == "up" else "SCROLL_DOWN_COORDS"
            return [self._miniwob_action(kind, coords=[SCREEN_W / 2, SCREEN_H / 2])]
        if name in ("hover", "click_xy"):
            if name == "hover":
                x, y, w, h = self._obs.element(args["element"]).bbox  # type: ignore[union-attr]
                coords, kind = [x + w / 2, y + h / 2], "MOVE_COORDS"
            else:
                coords, kind = [args["x"], args["y"]], "CLICK_COORDS"
            return [self._miniwob_action(kind, coords=coords)]
        if name == "select":
            driver = self._inner.instance.driver
            result = driver.execute_script(_select_option_js(), int(args["element"]), args["option"])
            if result is not True:
                return f"select(): {result}"
            return [self._miniwob_action("NONE")]
        if name == "noop":
            return [self._miniwob_action("NONE")]
        return f"{name}() is not available in MiniWoB++"

    def _advance(self, actions: list[Any], history_item: str, error: str | None) -> StepResult:
        reward, done, info, raw = 0.0, False, {}, {}
        for mw_action in actions:
            raw, reward, done, _trunc, info = self._inner.step(mw_action)
            if info.get("action_error"):
                error = f"{history_item}: {info['action_error']}"
                break
            if done:
                break
        step = self._obs.step + 1 if self._obs else 1
        history = [*(self._obs.history if self._obs else []), history_item]
        if done:
            self._last_metadata = info
            obs = Observation(
                goal=self._obs.goal if self._obs else "", step=step, history=history, error=error
            )
            return obs, float(reward), True, False, self._final(info)
        self._obs = self._observe(raw, step, history, error)
        return self._obs, float(reward), False, False, {}

    def act(self, action: Action) -> StepResult:
        translated = self._translate(action)
        if isinstance(translated, str):
            return self._advance([self._miniwob_action("NONE")], str(action), translated)
        return self._advance(translated, str(action), None)

    def invalid(self, raw: str, reason: str) -> StepResult:
        return self._advance([self._miniwob_action("NONE")], raw, f"unparsable action: {reason}")

    # -- scoring ------------------------------------------------------------------------
    @staticmethod
    def _final(metadata: dict[str, Any], end_reason: str = "done") -> dict[str, Any]:
        raw_reward = float(metadata.get("raw_reward", -1.0))
        reward = float(metadata.get("env_reward", raw_reward))
        success = raw_reward == 1.0
        return {
            "success": success,
            "score": 1.0 if success else 0.0,
            "metrics": {"success": 1.0 if success else 0.0, "reward": reward, "raw_reward": raw_reward},
            "end_reason": end_reason,
            "details": {"reason": metadata.get("reason"), "elapsed_s": metadata.get("elapsed")},
        }

    def finish(self) -> dict[str, Any]:
        """End the episode early: the page's verdict if it has one, else -1 (as MiniWoB's time-out)."""
        if self._last_metadata:
            return self._final(self._last_metadata)
        metadata = self._inner.instance.get_metadata() if self._inner is not None else {}
        if metadata.get("done"):
            return self._final(metadata, "page_done")
        return self._final(
            {"raw_reward": -1.0, "env_reward": -1.0, "reason": "stopped by the harness"}, "stopped"
        )


#: One round trip for what miniwob reads with four: the episode state and, while the
#: episode runs, the utterance and the DOM (the same page functions miniwob calls).
_STATE_JS = (
    "var m = {done: WOB_DONE_GLOBAL, env_reward: WOB_REWARD_GLOBAL,"
    " raw_reward: WOB_RAW_REWARD_GLOBAL, reason: WOB_REWARD_REASON};"
    "if (m.done && arguments[0]) return [m];"
    "return [m, core.getUtterance(), core.getDOMInfo()];"
)
#: One round trip for miniwob's force_stop, set_seed, set_mode and startEpisodeReal, with
#: the page put back as a fresh one has it first. Null is returned, and nothing done, when
#: the window's inner size is not arguments[2], the fresh one. startEpisodeReal itself
#: empties the selection and scrolls the window to the top; what the previous episode left
#: besides (the focus, the scroll of any element, web storage, the cookies a served page
#: set) is reset after its end and before the new problem is drawn.
_BEGIN_JS = (
    "var fresh = arguments[2];"
    "if (fresh && (window.innerWidth !== fresh[0] || window.innerHeight !== fresh[1])) return null;"
    "core.endEpisode(0);"
    "if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();"
    "document.querySelectorAll('*').forEach(function (el) {"
    "  if (el.scrollTop) el.scrollTop = 0; if (el.scrollLeft) el.scrollLeft = 0; });"
    "localStorage.clear(); sessionStorage.clear();"
    "document.cookie.split(';').forEach(function (cookie) { var name = cookie.split('=')[0].trim();"
    "  if (name) document.cookie = name + '=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/'; });"
    "if (arguments[0] !== null) Math.seedrandom(arguments[0]);"
    "core.setDataMode(arguments[1]);"
    "core.startEpisodeReal();"
    "return WOB_TASK_READY;"
)


@cache
def _shared_env_class():
    """Return the MiniWoBEnvironment subclass whose page lives in a browser we own.

    Its instance keeps miniwob's episode logic (the page's own reward, the same page
    functions, the same order) but batches miniwob's Selenium calls: a reset takes
    two round trips instead of eight, a step three instead of five.
    """
    import time

    from miniwob.action import COORDS_ACTIONS
    from miniwob.dom import DOMElement
    from miniwob.environment import MiniWoBEnvironment
    from miniwob.observation import create_empty_screenshot, create_observation
    from miniwob.screenshot import get_screenshot, pil_to_numpy_array
    from miniwob.selenium_instance import SeleniumInstance
    from selenium.common.exceptions import MoveTargetOutOfBoundsException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as conditions
    from selenium.webdriver.support.wait import WebDriverWait

    class SharedDriverInstance(SeleniumInstance):
        """A SeleniumInstance that loads its task in a shared browser and never quits it."""

        def __init__(self, browser: SharedBrowser, **kwargs):
            super().__init__(**kwargs)
            self.browser = browser

        def create_driver(self):
            self.driver = self.browser.driver
            self.driver.get(self.url)
            WebDriverWait(self.driver, 10).until(
                conditions.element_to_be_clickable((By.ID, self.SYNC_SCREEN_ID))
            )
            self.inner_width, self.inner_height = self.driver.execute_script(
                "return [window.innerWidth, window.innerHeight];"
            )
            if self.browser.inner is None:
                self.browser.inner = [self.inner_width, self.inner_height]

        def close(self):
            self.died = True

        def _observation(self, response, dom_info, use_cached_fields):
            utterance = response["utterance"] if isinstance(response, dict) else response
            if use_cached_fields:
                fields = self.cached_fields
            else:
                fields = (
                    list(response["fields"].items())
                    if isinstance(response, dict)
                    else self.field_extractor(utterance)
                )
                self.cached_fields = fields
            root_dom = DOMElement(dom_info)
            if self.record_screenshots:
                image = get_screenshot(
                    self.driver,
                    true_width=self.inner_width,
                    true_height=self.inner_height,
                    crop_width=self.task_width,
                    crop_height=self.task_height,
                )
                screenshot = pil_to_numpy_array(image)
            else:
                screenshot = create_empty_screenshot(self.task_width, self.task_height)
            return create_observation(utterance, root_dom, screenshot, fields), {"root_dom": root_dom}

        def reset(self, obs, infos, seed):
            self.num_episodes += 1
            if self.refresh_freq and self.num_episodes % self.refresh_freq == 0:
                self.driver.get(self.url)
            self.browser.move_pointer_away()
            ready = self._begin(seed)
            if self.browser.close_other_windows():
                # A page behind another window keeps its old size: check it again alone.
                ready = self._begin(seed)
            if ready is None:
                self.browser.restore_size()
                ready = self._begin(seed)
            if not ready:
                WebDriverWait(self.driver, 1, poll_frequency=0.005).until(
                    lambda driver: driver.execute_script("return WOB_TASK_READY;")
                )
            self.start_time = time.time()
            metadata, response, dom_info = self.driver.execute_script(_STATE_JS, False)
            obs[self.index], extra = self._observation(response, dom_info, use_cached_fields=False)
            metadata.update(extra)
            infos[self.index] = metadata

        def _begin(self, seed):
            return _dismissing_alerts(
                lambda: self.driver.execute_script(_BEGIN_JS, seed, self.mode, self.browser.inner)
            )

        def _perform(self, action, action_space_config) -> str | None:
            """Perform ``action``; return why it could not be, or None."""
            kind = action_space_config.action_types[action["action_type"]]
            if kind in COORDS_ACTIONS:
                self.browser.pointer_moved = True
            try:
                self.perform(action, action_space_config)
            except MoveTargetOutOfBoundsException:
                left, top = action_space_config.compute_raw_coords(action)
                return (
                    f"point ({left:g}, {top:g}) is outside the page"
                    f" ({self.inner_width}x{self.inner_height} pixels): nothing was done"
                )
            return None

        def step(self, action, action_space_config, obs, rewards, dones, infos):
            error = self._perform(action, action_space_config)
            metadata, *page = self.driver.execute_script(_STATE_JS, True)
            rewards[self.index] = self.reward_processor(metadata)
            dones[self.index] = metadata["done"]
            if metadata["done"]:
                obs[self.index], extra = self.get_empty_observation(), {}
            else:
                obs[self.index], extra = self._observation(*page, use_cached_fields=True)
            metadata["elapsed"] = max(0.0, time.time() - self.start_time)
            metadata["action_error"] = error
            metadata.update(extra)
            infos[self.index] = metadata

    class SharedDriverEnv(MiniWoBEnvironment):
        def __init__(self, subdomain, browser: SharedBrowser, **kwargs):
            self._shared_browser = browser
            super().__init__(subdomain=subdomain, **kwargs)

        def _hard_reset_instance(self):
            self.instance = SharedDriverInstance(self._shared_browser, index=0, **self.instance_kwargs)
            self.instance.start()

    return SharedDriverEnv


class MiniWoBSuite(Suite):
    """The MiniWoB++ suite: every task registered by ``miniwob``."""

    name = "miniwob"
    description = "MiniWoB++ (miniwob 1.1.0): 128 synthetic web tasks, live in Chromium"
    kind = "live"
    actions = ("click", "type", "select", "hover", "press", "scroll", "click_xy", "noop")
    time_based_reward = True
    default_max_steps = 30
    metrics = (
        MetricSpec("success", "share of episodes with raw reward 1 (papers' success rate)", headline=True),
        MetricSpec("reward", "mean time-decayed reward (failure and time-out count -1)", failure=-1.0),
        MetricSpec("raw_reward", "mean raw (undecayed) reward", failure=-1.0),
    )

    def load_tasks(self, split: str | None, data: Path | None) -> list[Task]:
        return [
            Task(self.name, task_id, _description(entry), "", {"nondeterministic": nondet})
            for task_id, (entry, nondet) in _task_table().items()
        ]

    def make_env(self, config: EnvConfig) -> MiniWoBEnv:
        return MiniWoBEnv(config)

    def preflight(self, config: EnvConfig) -> list[str]:
        """Return what is missing: a Chromium with its chromedriver (miniwob drives it through Selenium)."""
        from webbench.browser.chromium import BrowserNotFound, find_chromium

        try:
            find_chromium()
        except BrowserNotFound as exc:
            return [str(exc)]
        return []


SUITE = MiniWoBSuite()
