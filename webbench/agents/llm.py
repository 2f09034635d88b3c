"""``llm``: a ReAct agent for every suite, on any OpenAI-compatible endpoint.

Each step is one stateless request: a system prompt (the task format and the
canonical action syntax) and a user message with the task, the dialogue, the
previous actions, the last action's error, the page text trimmed to a token budget
and, for vision models, the last screenshots: ``screenshots`` of them, by default as many as the
suite publishes (``obs.extra["context_screenshots"]``: WebVoyager's 3), else 1. The model
answers ``Thought: ...`` then ``Action: ...``; a reply whose action does not parse is sent back once with the
reason. Prompts (images as placeholders), replies, parsed actions and token usage
go to ``step_trace``, which the harness stores with the step.
"""

from __future__ import annotations

import re
from typing import Any

from webbench.core.action import ACTIONS, ActionParseError, parse_action
from webbench.core.types import Observation, Task
from webbench.core.usage import add_usage
from webbench.llm.client import LLMClient, message, without_images
from webbench.llm.settings import LLMSettings, shared_cache

#: What each canonical action does, for the system prompt.
ACTION_HELP = {
    "click": "click element 12",
    "type": "type text into element 12; enter=True presses Enter afterwards",
    "select": "choose an option of the drop-down element 12",
    "hover": "move the mouse over element 12",
    "press": 'press a key or combination ("Enter", "Control+a")',
    "scroll": "scroll the page: up, down, left or right",
    "goto": "open a URL in the current tab",
    "go_back": "go back one page",
    "go_forward": "go forward one page",
    "new_tab": "open a new tab",
    "switch_tab": "focus the tab with this index (0 is the first)",
    "close_tab": "close the current tab",
    "say": "send a message to the user you are talking with",
    "answer": 'finish the task with this answer ("N/A" if the task cannot be done)',
    "noop": "do nothing this step",
    "click_xy": "click at page coordinates x, y (pixels)",
}
_EXAMPLE_ARGS = {
    "element": '"12"',
    "text": '"hello"',
    "option": '"Blue"',
    "key": '"Enter"',
    "direction": '"down"',
    "url": '"https://example.com"',
    "index": "1",
    "x": "80",
    "y": "120",
}
CHARS_PER_TOKEN = 4


def action_syntax(names: tuple[str, ...] | list[str] | None = None) -> str:
    """Return one line per canonical action (all, or ``names``): an example call and what it does."""
    lines = []
    for name in names or ACTIONS:
        spec = ACTIONS[name]
        args = [_EXAMPLE_ARGS.get(param, '"..."') for param, _ in spec.params]
        args += [f"{kw}={default!r}" for kw, _, default in spec.keywords]
        call = f"{name}({', '.join(args)})"
        lines.append(f"  {call:<34} {ACTION_HELP.get(name, '')}".rstrip())
    return "\n".join(lines)


def system_prompt(actions: tuple[str, ...] | list[str] | None = None, vision: bool = False) -> str:
    """Return the agent's system prompt (our own wording) for the given actions."""
    shot = " and a screenshot of it" if vision else ""
    return (
        "You operate a web browser to complete a task for a user, one action per turn.\n\n"
        "Each turn you are shown the task, the current page as text" + shot + " (elements you can act on "
        "carry an id in square brackets, e.g. [12]), the conversation with the user when there is one, "
        "the actions taken so far, and the error of the last action if it failed.\n\n"
        "Reply in exactly this form:\n"
        "Thought: <brief reasoning about the page and what to do next>\n"
        "Action: <exactly one action>\n\n"
        "Actions (element ids are quoted strings):\n" + action_syntax(actions) + "\n\n"
        "When the task asks for information, finish with answer(...) holding it; when the task is "
        "done, finish with answer(...) too."
    )


def trim_text(text: str, max_tokens: int) -> str:
    """Return ``text`` cut to about ``max_tokens`` tokens (4 characters each), saying how much was cut."""
    limit = max(0, int(max_tokens)) * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [page text cut: {len(text) - limit} more characters]"


def observation_prompt(
    obs: Observation, history: list[str], max_obs_tokens: int, vision: bool, images: int = 1
) -> str:
    """Return the user message of one step (the ``images`` screenshots are attached separately)."""
    parts = [f"Task: {obs.goal}"]
    if obs.url:
        parts.append(f"URL: {obs.url}")
    if len(obs.tabs) > 1:
        parts.append("Tabs: " + " | ".join(f"{i}: {t}" for i, t in enumerate(obs.tabs)))
    if obs.dialogue:
        parts.append("Conversation so far:\n" + "\n".join(f"  {t.speaker}: {t.text}" for t in obs.dialogue))
    steps = obs.history or history
    if steps:
        parts.append("Previous actions:\n" + "\n".join(f"  {i}. {a}" for i, a in enumerate(steps, 1)))
    else:
        parts.append("Previous actions: none")
    if obs.error:
        parts.append(f"Error of the last action: {obs.error}")
    parts.append("Page:\n" + (trim_text(obs.text, max_obs_tokens) if obs.text else "(no page text)"))
    if vision and images > 1:
        parts.append(f"The last {images} screenshots are attached, oldest first; the last is the page now.")
    elif vision and images:
        parts.append("A screenshot of the page is attached.")
    parts.append("What is your next action?")
    return "\n\n".join(parts)


_LABEL = r"^[ \t]*\**[ \t]*{}[ \t]*\**[ \t]*:[ \t]*\**[ \t]*"
_ACTION_RE = re.compile(_LABEL.format("action") + r"(.*)$", re.IGNORECASE | re.MULTILINE)
_THOUGHT_RE = re.compile(
    _LABEL.format("thought") + r"(.*?)(?=" + _LABEL.format("action") + r"|\Z)", re.I | re.M | re.S
)


def action_lines(reply: str) -> list[str]:
    """Return the text after each ``Action:`` label of a reply, in order (a well-formed reply has one)."""
    return _ACTION_RE.findall(reply)


def parse_reply(reply: str) -> tuple[str | None, str | None]:
    """Return (thought, action text) of a ``Thought: ... Action: ...`` reply; None for what is missing.

    The last ``Action:`` line counts; surrounding backticks are removed.
    """
    thought_match = _THOUGHT_RE.search(reply)
    thought = thought_match.group(1).strip() if thought_match else None
    actions = action_lines(reply)
    if not actions:
        return thought, None
    action = actions[-1].strip().strip("`").strip()
    return thought, action or None


def check_reply(reply: str) -> tuple[str | None, str | None, str | None]:
    """Return (thought, action text, error): error says why the reply has no valid canonical action."""
    thought, action = parse_reply(reply)
    if action is None:
        return thought, None, "the reply has no 'Action:' line"
    try:
        parse_action(action)
    except ActionParseError as exc:
        return thought, action, str(exc)
    return thought, action, None


class LLMAgent:
    """A ReAct agent: ``--agent llm --agent-arg model=NAME [base_url=URL] [vision=true]``."""

    uses_llm_settings = True
    uses_suite_actions = True

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        vision: bool = False,
        temperature: float | None = 0.0,
        max_tokens: int | None = 512,
        seed: int | None = None,
        max_obs_tokens: int = 4000,
        timeout: float = 60.0,
        max_retries: int = 5,
        retry_base: float = 1.0,
        max_concurrency: int = 8,
        screenshots: int | None = None,
        prices: str | dict[str, Any] | None = None,
        llm_settings: dict[str, Any] | None = None,
        suite_actions: list[str] | None = None,
    ) -> None:
        settings = LLMSettings.from_dict(llm_settings)
        self.client = LLMClient(
            model,
            base_url=base_url,
            api_key_env=api_key_env,
            timeout=timeout,
            max_retries=max_retries,
            retry_base=retry_base,
            max_concurrency=max_concurrency,
            cache=shared_cache(settings),
            prices=prices,
        )
        self.vision = bool(vision)
        self.params = {"temperature": temperature, "max_tokens": max_tokens, "seed": seed}
        self.max_obs_tokens = int(max_obs_tokens)
        self.screenshots = int(screenshots) if screenshots is not None else None
        self._shots: list[bytes] = []
        self.step_trace: dict[str, Any] = {}
        self._history: list[str] = []
        self._system = system_prompt(suite_actions, self.vision)

    def reset(self, task: Task) -> None:
        """Start a task: forget the history."""
        self._history = []
        self._shots = []
        self.step_trace = {}

    def act(self, obs: Observation) -> str:
        """Return the next action (canonical text, or the raw text if the model never gave one)."""
        if self.vision and obs.screenshot is not None:
            self._shots.append(obs.screenshot)
        keep = self.screenshots if self.screenshots is not None else obs.extra.get("context_screenshots", 1)
        images = self._shots[-int(keep) :] if self.vision and obs.screenshot is not None and keep else []
        prompt = observation_prompt(obs, self._history, self.max_obs_tokens, self.vision, len(images))
        messages = [message("system", self._system), message("user", prompt, images)]
        calls: list[dict[str, Any]] = []
        usage: dict[str, Any] = {}
        self.step_trace = {"calls": calls, "usage": usage}
        reply = self._call(messages, calls, usage)
        thought, action, error = check_reply(reply)
        if error is not None:
            self.step_trace["first_parse_error"] = error
            messages = [
                *messages,
                message("assistant", reply),
                message(
                    "user",
                    f"Your reply could not be used: {error}. Answer again in the form\n"
                    'Thought: ...\nAction: <one action, e.g. click("12")>',
                ),
            ]
            reply = self._call(messages, calls, usage)
            thought, action, error = check_reply(reply)
        chosen = action if action is not None else reply.strip()
        self.step_trace.update({"thought": thought, "action": chosen, "parse_error": error})
        self._history.append(chosen)
        return chosen

    def _call(
        self, messages: list[dict[str, Any]], calls: list[dict[str, Any]], usage: dict[str, Any]
    ) -> str:
        completion = self.client.complete(messages, **self.params)
        calls.append(
            {
                "messages": without_images(messages),
                "reply": completion.text,
                "usage": completion.usage(),
                "cached": completion.cached,
                "finish_reason": completion.finish_reason,
            }
        )
        add_usage(usage, completion.usage())
        return completion.text

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()
