"""UI plans that solve the mini WebArena tasks (``webbench/tasks/webarena-mini/``), as data for the
``scripted`` agent.

``PLANS`` maps a task id of ``--split mini`` (``mini.json``, ids 1-46, and the WebArena-Verified
tasks of ``mini-verified.json``, ids 101-117) to its steps, which :class:`PlanPlayer` plays. A step
that acts on an element names it the way the accessibility tree does: the ``nth`` node (tree order)
whose role is ``role`` and whose name is exactly ``name`` (``None``: any name). The agent finds its id in each
step's observation text (``[12] link 'Radiant Tee'``), never from a fixed id, and answers in
WebArena's dialect:

- ``click``: ``click [id]``
- ``type``: ``type [id] [text] [1]`` with ``enter``, else ``[0]`` (``type`` appends to the field)
- ``clear``: ``click [id]``, ``press [Control+a]``, ``press [Backspace]`` (empties a filled field)
- ``tab_focus``, ``goto``, ``press``: the action with ``text`` as its argument
- ``stop``: ``stop [text]``, the answer (for a Verified task: WebArena-Verified's JSON)

``goto`` URLs use the published domain names the agent is shown (``http://onestopmarket.com``),
which the env maps back to the stand-ins. Each plan starts on its task's start page, logged in as
the task says, on the stand-ins' seed data (``envs/README.md``).
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any, NamedTuple

from webbench.core.types import Observation


class Step(NamedTuple):
    """One UI step: ``action`` on the ``nth`` node with ``role`` and exact ``name``, or a page action."""

    action: str
    role: str = ""
    name: str | None = None
    text: str = ""
    nth: int = 0
    enter: bool = False


SHOP = "http://onestopmarket.com"


def click(role: str, name: str | None, nth: int = 0) -> Step:
    """Return a click on the ``nth`` node with ``role`` and ``name``."""
    return Step("click", role, name, nth=nth)


def fill(role: str, name: str | None, text: str, enter: bool = False, nth: int = 0) -> Step:
    """Return typing ``text`` into the ``nth`` node with ``role`` and ``name`` (then Enter: ``enter``)."""
    return Step("type", role, name, text, nth, enter)


def replace(role: str, name: str | None, text: str) -> list[Step]:
    """Return the steps that empty a filled text field and type ``text`` into it."""
    return [Step("clear", role, name), fill(role, name, text)]


def stop(answer: str) -> Step:
    """Return the final ``stop [answer]``."""
    return Step("stop", text=answer)


def verified(task_type: str, data: Any = None, status: str = "SUCCESS") -> Step:
    """Return the ``stop`` whose answer is WebArena-Verified's JSON response."""
    response = {"task_type": task_type, "status": status, "retrieved_data": data, "error_details": None}
    return stop(json.dumps(response))


_SEARCH_GLUE = [fill("searchbox", "Search", "glue", enter=True)]
_REVIEW = [
    fill("textbox", "Nickname", "Kai"),
    fill("textbox", "Summary", "Great fit"),
    fill("textbox", "Review", "Fits well and feels soft."),
    click("button", "Submit Review"),
]

PLANS: dict[str, list[Step]] = {
    # ---- mini.json: WebArena's format ------------------------------------------------------
    "1": [click("link", "Radiant Tee"), stop("WS12")],
    "2": [click("link", "Products"), stop("12")],
    "3": [click("link", "Friendly reminder bookshop.org exists"), stop("Sorkill")],
    "4": [click("link", "Issues", nth=1), stop("2")],
    "5": [
        click("link", "byteblaze / a11y-webring.club"),
        Step("goto", text="http://gitlab.com/byteblaze"),
        stop("Busy"),
    ],
    "6": [click("link", "My Orders"), stop("000000190")],
    "7": [click("link", "My Orders"), stop("1")],
    "8": [stop("books, MachineLearning")],
    "9": [click("link", "Broken link on the resources page"), stop("byteblaze; label: bug")],
    "10": [click("link", "View", nth=1), stop("$51.98")],
    "11": [click("link", "Friendly reminder bookshop.org exists"), stop("2")],
    "12": [stop("Too strong")],
    "13": [fill("searchbox", "Search", "Tesla Model 3", enter=True), stop("N/A")],
    "14": [stop("N/A")],
    "15": [stop("A community-driven effort to make digital accessibility easier.")],
    "16": [click("link", "My Orders"), click("link", "View Order", nth=1), stop("")],
    "17": [click("link", "Issues", nth=1), click("link", "Closed"), stop("")],
    "18": [click("link", "DIY"), click("link", "Submit a post"), stop("")],
    "19": [click("link", "Products"), click("link", "Edit", nth=5), stop("")],
    "20": [click("link", "Members"), stop("")],
    "21": [*_SEARCH_GLUE, stop("$8.49")],
    "22": [click("link", "Dark mode contrast too low"), stop("vinta")],
    "23": [*replace("spinbutton", "Qty", "3"), click("button", "Add to Cart"), stop("")],
    "24": [
        *_SEARCH_GLUE,
        click("link", "Elmer's Washable School Glue Sticks, 0.21 oz, 30 Count"),
        click("button", "Add to Wish List"),
        stop(""),
    ],
    "25": [
        click("button", "Add to Cart"),
        Step("goto", text=f"{SHOP}/checkout/cart/"),
        click("link", "Proceed to Checkout"),
        click("button", "Place Order"),
        stop(""),
    ],
    "26": [*_REVIEW, stop("")],
    "27": [
        click("link", "Change Shipping Address"),
        *replace("textbox", "Phone Number", "6505550000"),
        click("button", "Save Address"),
        stop(""),
    ],
    "28": [
        click("link", "Newsletter Subscriptions"),
        click("checkbox", "General Subscription"),
        click("button", "Save"),
        stop(""),
    ],
    "29": [fill("textbox", "Comment", "Shipped today"), click("button", "Submit Comment"), stop("")],
    "30": [click("link", "View", nth=0), click("button", "Cancel"), stop("")],
    "31": [
        click("link", "Edit", nth=6),
        *replace("textbox", "Price", "9.50"),
        click("button", "Save"),
        stop(""),
    ],
    "32": [
        click("link", "Edit", nth=5),
        *replace("textbox", "Quantity", "150"),
        click("button", "Save"),
        stop(""),
    ],
    "33": [fill("textbox", "Comment", "Refund issued"), click("button", "Submit Comment"), stop("$283.00")],
    "34": [
        click("button", "Upvote", nth=0),
        Step("goto", text="http://reddit.com/f/books"),
        click("button", "Downvote", nth=2),
        stop(""),
    ],
    "35": [
        click("link", "What is the best book you read this year?"),
        fill("textbox", "Comment", "Dune, by Frank Herbert"),
        click("button", "Post"),
        stop(""),
    ],
    "36": [
        click("link", "Submit a post"),
        fill("textbox", "Title", "Best wall anchors for drywall?"),
        fill("textbox", "Body", "Looking for recommendations."),
        click("button", "Create submission"),
        stop(""),
    ],
    "37": [
        Step("goto", text="http://reddit.com/user/MarvelsGrantMan136/edit_biography"),
        fill("textbox", "Biography", "Avid reader and TV fan"),
        click("button", "Save"),
        stop(""),
    ],
    "38": [
        click("link", "Submit a post"),
        fill("textbox", "Title", "Project Hail Mary"),
        fill("textbox", "Body", "A great read about a lone astronaut."),
        click("button", "Create submission"),
        stop(""),
    ],
    "39": [click("link", "DIY"), click("button", "Subscribe"), stop("")],
    "40": [fill("textbox", "Username", "yjlou"), click("button", "Invite"), stop("")],
    "41": [
        click("link", "Issues", nth=1),
        click("link", "New issue"),
        fill("textbox", "Title", "Broken badge on the home page"),
        click("button", "Create issue"),
        stop(""),
    ],
    "42": [fill("textbox", "Comment", "I can take this one."), click("button", "Comment"), stop("")],
    "43": [
        click("link", "Add a post about focus order"),
        fill("textbox", "Comment", "Covered in the docs."),
        click("button", "Comment"),
        click("button", "Close issue"),
        stop(""),
    ],
    "44": [
        *replace("textbox", "Your status", "On vacation"),
        click("button", "Update profile settings"),
        stop(""),
    ],
    "45": [
        Step("tab_focus", text="1"),
        fill("textbox", "URL", "http://gitlab.com/a11yproject/a11yproject.com"),
        fill("textbox", "Title", "The A11Y Project"),
        click("button", "Create submission"),
        stop(""),
    ],
    "46": [Step("tab_focus", text="1"), Step("tab_focus", text="0"), stop("B09P7BFL4H")],
    # ---- mini-verified.json: WebArena-Verified's format --------------------------------------
    "101": [click("link", "Radiant Tee"), verified("retrieve", ["WS12"])],
    "102": [verified("retrieve", ["$278.00"])],
    "103": [
        fill("searchbox", "Search", "Tesla Model 3", enter=True),
        verified("retrieve", None, "NOT_FOUND_ERROR"),
    ],
    "104": [verified("retrieve", ["books", "MachineLearning"])],
    "105": [verified("retrieve", ["Developer"])],
    "106": [verified("retrieve", ["November 3, 2022"])],
    "107": [click("link", "My Wish List"), verified("navigate")],
    "108": [click("link", "Closed"), verified("navigate")],
    "109": [fill("textbox", "Biography", "I am a robot"), click("button", "Save"), verified("mutate")],
    "110": [click("button", "Upvote"), verified("mutate")],
    "111": [click("button", "Add to Wish List"), verified("mutate")],
    "112": [
        fill("textbox", "Comment", "Packed and ready"),
        click("button", "Submit Comment"),
        verified("mutate"),
    ],
    "113": [click("link", "View", nth=0), click("button", "Cancel"), verified("mutate")],
    "114": [fill("textbox", "Title", "Broken badge"), click("button", "Create issue"), verified("mutate")],
    "115": [fill("textbox", "Username", "yjlou"), click("button", "Invite"), verified("mutate")],
    "116": [fill("textbox", "Comment", "Dune"), click("button", "Post"), verified("mutate")],
    "117": [verified("retrieve", [1])],
}


#: The WebArena splits whose tasks have a plan in ``PLANS``.
SPLITS = ("mini",)
#: ``scroll [down]`` actions a WebArena plan tries before it gives up on an element (a third would
#: be the official early stop's three equal actions).
SCROLLS = 2
_NODE = re.compile(r"^\s*\[(\d+)\] (\S+) (?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")", re.MULTILINE)


def tree_nodes(text: str) -> list[tuple[str, str, str]]:
    """Return (id, role, name) of each node of a WebArena accessibility-tree observation, in order."""
    return [(m[1], m[2], m[3] if m[4] is None else m[4]) for m in _NODE.finditer(text)]


class PlanPlayer:
    """Plays one mini WebArena task's plan in the dialect, finding each element by role and name."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = deque(steps)
        self.pending: deque[str] = deque()
        self.scrolls = 0
        self.last: Step | None = None

    def act(self, obs: Observation) -> str:
        """Return the next dialect action (``stop [stuck]`` when an element never shows up)."""
        if self.last is not None and "outside the viewport" in (obs.error or ""):
            self.steps.appendleft(self.last)  # listed but below the fold: scroll, then try again
            self.pending.clear()
            self.last = None
            return "scroll [down]"
        if self.pending:
            return self.pending.popleft()
        if not self.steps:
            return "stop []"
        step = self.steps[0]
        if step.action in ("stop", "goto", "tab_focus", "press"):
            self.steps.popleft()
            self.last = None
            return f"{step.action} [{step.text}]"
        nodes = tree_nodes(obs.text)
        found = [n for n, role, name in nodes if role == step.role and step.name in (None, name)]
        if not -len(found) <= step.nth < len(found):
            self.scrolls += 1
            return "scroll [down]" if self.scrolls <= SCROLLS else "stop [stuck]"
        self.last = self.steps.popleft()
        self.scrolls = 0
        node = found[step.nth]
        if step.action == "clear":
            self.pending.extend(["press [Control+a]", "press [Backspace]"])
            return f"click [{node}]"
        if step.action == "type":
            return f"type [{node}] [{step.text}] [{int(step.enter)}]"
        return f"click [{node}]"
