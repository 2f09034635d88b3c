"""``scripted``: hand-written rules that solve a set of MiniWoB++ tasks (the demo agent), UI
plans for a set of WebArena-Infinity function tasks (``webbench.agents.infinity_plans``), and plans
for the ``webvoyager-mini`` tasks written in WebVoyager's dialect (``webbench.agents.webvoyager_plans``)
and for the mini WebArena tasks in WebArena's dialect (``webbench.agents.webarena_plans``).

At the first step of an episode the rule for the task reads the observation (the
DOM listing's elements and MiniWoB's utterance fields in ``obs.extra["fields"]``)
and plans every action; later steps play the plan. On a task it has no rule for,
it does nothing (``noop()``). ``SOLVED_TASKS`` lists the tasks with a rule.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from webbench.agents import webarena_plans, webvoyager_plans
from webbench.agents.infinity_plans import PLANS, Step
from webbench.core.action import format_action, make_action
from webbench.core.types import Element, Observation, Task

Plan = list[str]


def _act(name: str, *args: object, **kwargs: object) -> str:
    return format_action(make_action(name, *args, **kwargs))


def _fields(obs: Observation) -> dict[str, str]:
    return {str(k): str(v) for k, v in obs.extra.get("fields", [])}


def _find(obs: Observation, tag: str | None = None, text: str | None = None) -> list[Element]:
    return [
        e
        for e in obs.elements
        if (tag is None or e.tag == tag) and (text is None or e.text.strip() == text.strip())
    ]


def _click(element: Element) -> str:
    return _act("click", element.id)


def _click_first(obs: Observation, tag: str | None = None, text: str | None = None) -> Plan:
    found = _find(obs, tag, text)
    return [_click(found[0])] if found else []


def _submit(obs: Observation) -> Plan:
    buttons = [e for e in _find(obs, "button") if e.text.strip().lower() in ("submit", "login")]
    return [_click(buttons[0])] if buttons else []


def click_button(obs: Observation) -> Plan:
    """click-test, click-test-2, click-button: the button named in the utterance (or the only one)."""
    target = _fields(obs).get("target")
    return _click_first(obs, "button", target)


def click_link(obs: Observation) -> Plan:
    """click-link: the link span whose text is the target."""
    target = _fields(obs)["target"]
    links = [e for e in _find(obs, text=target) if "alink" in e.attrs.get("classes", "")]
    return [_click(links[0])] if links else _click_first(obs, text=target)


def click_dialog(obs: Observation) -> Plan:
    """click-dialog, click-dialog-2: the dialog's close button, or the button labelled target."""
    target = _fields(obs).get("target", "x")
    if target == "x":
        return _click_first(obs, "button", "Close")
    return _click_first(obs, "button", target)


def enter_text(obs: Observation) -> Plan:
    """enter-text, enter-text-2, enter-text-dynamic: type the (re-cased) text, then submit."""
    fields = _fields(obs)
    text = fields.get("target", fields.get("text", ""))
    case = fields.get("case")
    text = text.upper() if case == "upper" else text.lower() if case == "lower" else text
    box = _find(obs, "input_text")
    return [_act("type", box[0].id, text), *_submit(obs)] if box else []


def focus_text(obs: Observation) -> Plan:
    """focus-text, focus-text-2: click the (n-th) text box."""
    boxes = _find(obs, "input_text")
    index = int(_fields(obs).get("target", "1")) - 1
    return [_click(boxes[index])] if 0 <= index < len(boxes) else []


def click_labels(obs: Observation) -> Plan:
    """click-checkboxes(-large), click-option: click each target's label, then submit."""
    fields = _fields(obs)
    targets = [v for k, v in fields.items() if k.startswith("target")]
    plan = [action for target in targets for action in _click_first(obs, "label", target)]
    return plan + _submit(obs)


def enter_password(obs: Observation) -> Plan:
    """enter-password: the password in both boxes, then submit."""
    password = _fields(obs)["target"]
    return [_act("type", e.id, password) for e in _find(obs, "input_password")] + _submit(obs)


def login_user(obs: Observation) -> Plan:
    """login-user: username and password into their boxes, then Login."""
    fields = _fields(obs)
    plan = []
    for element_id, key in (("username", "username"), ("password", "password")):
        boxes = [e for e in obs.elements if e.attrs.get("id") == element_id]
        if boxes:
            plan.append(_act("type", boxes[0].id, fields[key]))
    return plan + _submit(obs)


def choose_list(obs: Observation) -> Plan:
    """choose-list: select the target option, then submit."""
    selects = _find(obs, "select")
    if not selects:
        return []
    return [_act("select", selects[0].id, _fields(obs)["target"]), *_submit(obs)]


def click_button_sequence(obs: Observation) -> Plan:
    """click-button-sequence: ONE then TWO."""
    return _click_first(obs, "button", "ONE") + _click_first(obs, "button", "TWO")


def click_tab(obs: Observation) -> Plan:
    """click-tab: the tab link "Tab #N"."""
    return _click_first(obs, "a", f"Tab #{_fields(obs)['target']}")


_WIDGET_TAGS = {
    "radio": "input_radio",
    "checkbox": "input_checkbox",
    "text": "input_text",
    "textarea": "textarea",
    "button": "button",
}


def click_widget(obs: Observation) -> Plan:
    """click-widget: the first widget of the named kind."""
    return _click_first(obs, _WIDGET_TAGS.get(_fields(obs)["target"], _fields(obs)["target"]))


RULES: dict[str, Callable[[Observation], Plan]] = {
    "click-test": click_button,
    "click-test-2": click_button,
    "click-button": click_button,
    "click-link": click_link,
    "click-dialog": click_dialog,
    "click-dialog-2": click_dialog,
    "enter-text": enter_text,
    "enter-text-2": enter_text,
    "focus-text": focus_text,
    "focus-text-2": focus_text,
    "click-checkboxes": click_labels,
    "click-checkboxes-large": click_labels,
    "click-option": click_labels,
    "enter-password": enter_password,
    "login-user": login_user,
    "choose-list": choose_list,
    "click-button-sequence": click_button_sequence,
    "click-tab": click_tab,
    "click-widget": click_widget,
}

#: The MiniWoB++ tasks the scripted agent has a rule for.
SOLVED_TASKS = tuple(RULES)


#: Steps a UI plan waits (``noop()``) for its next element to appear before it gives up.
UI_WAIT_STEPS = 3


def ui_step(obs: Observation, step: Step) -> str | None:
    """Return the canonical action of a UI plan step on ``obs`` (None: its element is not there)."""
    matches = [e for e in obs.elements if e.tag == step.role and (step.name is None or e.text == step.name)]
    if not -len(matches) <= step.nth < len(matches):
        return None
    element = matches[step.nth]
    return _act("type", element.id, step.text) if step.action == "type" else _click(element)


_NATIVE = {"click": "Click", "type": "Type", "scroll": "Scroll", "wait": "Wait", "goback": "GoBack"}


def voyager_step(obs: Observation, step: webvoyager_plans.Step) -> str | None:
    """Return the WebVoyager reply (``Thought: ...`` and ``Action: ...``) of a plan step on ``obs``
    (None: its element is not in the observation)."""
    thought = f"Thought: {step.action} {step.target or ''}".rstrip()
    if step.action == "answer":
        return f"{thought}\nAction: ANSWER; {step.text}"
    if step.action == "google":
        return f"{thought}\nAction: Google"
    number = "WINDOW" if step.target == "WINDOW" else None
    if step.target is not None and number is None:
        found = [e for e in obs.elements if step.target in (e.text, e.attrs.get("aria-label"))]
        if not found:
            return None
        number = found[0].id
    action = _NATIVE[step.action] + (f" [{number}]" if number is not None else "")
    return f"{thought}\nAction: {action}" + (f"; {step.text}" if step.text else "")


class ScriptedAgent:
    """MiniWoB++: plans a task's actions at its first step with ``RULES``, then plays them.
    WebArena-Infinity: plays the task's UI plan (``infinity_plans.PLANS``) on each step's
    accessibility tree, then answers ``done``. WebVoyager: plays the task's plan
    (``webvoyager_plans.PLANS``) in WebVoyager's dialect, ending with its answer. Mini WebArena:
    plays ``webarena_plans.PLANS`` (``webarena_plans.PlanPlayer``)."""

    def __init__(self) -> None:
        self.task_id = ""
        self.plan: deque[str] | None = None
        self.ui_plan: deque[Step] | None = None
        self.voyager_plan: deque[webvoyager_plans.Step] | None = None
        self.waited = 0
        self.webarena: webarena_plans.PlanPlayer | None = None

    def reset(self, task: Task) -> None:
        """Forget the previous plan; remember which task's rule (or UI plan) to use."""
        self.task_id = task.id
        self.plan = None
        self.ui_plan = deque(PLANS.get(task.id, ())) if task.suite == "webarena_infinity" else None
        self.voyager_plan = (
            deque(webvoyager_plans.PLANS.get(task.id, ())) if task.suite == "webvoyager" else None
        )
        self.waited = 0
        mini = task.suite == "webarena" and task.split in webarena_plans.SPLITS
        self.webarena = webarena_plans.PlanPlayer(webarena_plans.PLANS.get(task.id, [])) if mini else None

    def act(self, obs: Observation) -> str:
        """Return the next planned action (``noop()`` when there is none)."""
        if self.webarena is not None:
            return self.webarena.act(obs)
        if self.ui_plan is not None:
            return self._play_ui(obs)
        if self.voyager_plan is not None:
            return self._play_voyager(obs)
        if self.plan is None:
            rule = RULES.get(self.task_id)
            self.plan = deque(rule(obs) if rule else [])
        return self.plan.popleft() if self.plan else "noop()"

    def _play_ui(self, obs: Observation) -> str:
        if not self.ui_plan:
            return _act("answer", "done")
        action = ui_step(obs, self.ui_plan[0])
        if action is None:
            self.waited += 1
            return "noop()" if self.waited <= UI_WAIT_STEPS else _act("answer", "stuck")
        self.ui_plan.popleft()
        self.waited = 0
        return action

    def _play_voyager(self, obs: Observation) -> str:
        if not self.voyager_plan:
            return "Thought: no plan\nAction: ANSWER; stuck"
        reply = voyager_step(obs, self.voyager_plan[0])
        if reply is None:
            self.waited += 1
            return (
                "Thought: waiting\nAction: Wait"
                if self.waited <= UI_WAIT_STEPS
                else "Thought: lost\nAction: ANSWER; stuck"
            )
        self.voyager_plan.popleft()
        self.waited = 0
        return reply
