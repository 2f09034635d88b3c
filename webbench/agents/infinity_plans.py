"""UI plans that solve WebArena-Infinity function tasks, as data for the ``scripted`` agent.

``PLANS`` maps a task id (``<app>/<task id>``) to its steps. A step names its target
the way the accessibility tree does: the ``nth`` element (document order; ``-1`` is
the last, e.g. a confirmation dialog's button appended at the end of the page) whose
ARIA ``role`` is ``role`` and whose accessible name is exactly ``name`` (``None``: any
name, e.g. an unlabelled text box). Actions map to canonical actions on that element:

- ``click``: ``click(id)``
- ``type``: ``type(id, text)`` (the field's previous text replaced)

Every plan starts on the app's start page right after the page pushed its seed state,
and each was checked with plain Playwright (``page.get_by_role(role, name=name,
exact=True).nth(nth)``) to make the task's official verifier pass
(``tests/test_infinity_plans.py``).
"""

from __future__ import annotations

from typing import NamedTuple


class Step(NamedTuple):
    """One UI step: an action on the ``nth`` element with ``role`` and exact accessible ``name``."""

    action: str
    role: str
    name: str | None
    text: str = ""
    nth: int = 0


def _edit(field: str, value: str) -> list[Step]:
    return [
        Step("click", "button", f"Edit {field}"),
        Step("type", "textbox", None, value),
        Step("click", "button", "Save"),
    ]


def _confirmed(button: str, nth: int) -> list[Step]:
    return [Step("click", "button", button, nth=nth), Step("click", "button", button, nth=-1)]


def _compose(to: str, subject: str, body: str, last: str) -> list[Step]:
    # Text boxes in page order: "Search mail", To (unnamed), "Subject", the body (unnamed).
    return [
        Step("click", "button", "Compose"),
        Step("type", "textbox", None, to, nth=1),
        Step("type", "textbox", "Subject", subject),
        Step("type", "textbox", None, body, nth=3),
        Step("click", "button", last),
    ]


def _gmail_setting(radio: str) -> list[Step]:
    return [
        Step("click", "button", "Settings"),
        Step("click", "radio", radio),
        Step("click", "button", "Save Changes"),
    ]


_BALANCE = Step("click", "button", "account_balance_wallet Balance")

PLANS: dict[str, list[Step]] = {
    "linear-account-settings/task_1": _edit("Full name", "Jordan Rivera"),
    "linear-account-settings/task_2": _edit("Username", "jrivera"),
    "linear-account-settings/task_3": [
        Step("click", "button", "Edit Email"),
        Step("type", "textbox", "Enter new email address", "jordan.rivera@newcorp.io"),
        Step("click", "button", "Update email"),
    ],
    # Connected accounts in page order: GitHub, GitLab, Slack, Figma, Google.
    "linear-account-settings/task_5": _confirmed("Disconnect", 0),
    "linear-account-settings/task_6": _confirmed("Disconnect", 1),
    "linear-account-settings/task_7": _confirmed("Disconnect", 2),
    # Workspaces in page order: Acme Corp, Side Project Labs, Open Source Collective.
    "linear-account-settings/task_10": _confirmed("Leave workspace", 1),
    "linear-account-settings/task_11": _confirmed("Leave workspace", 2),
    "gmail/task_18": _compose(
        "sarah.chen@techcorp.io", "Meeting Follow-up", "Thanks for the update on the project.", "Send"
    ),
    "gmail/task_19": _compose(
        "david.kim@financeplus.com", "Budget Discussion", "Let us discuss the Q2 budget next week.", "Close"
    ),
    "gmail/task_23": _gmail_setting("Compact"),
    "gmail/task_24": _gmail_setting("Conversation view off"),
    # Currencies in page order: USD (primary), EUR, GBP, CAD (the only one with a Remove button)...
    "paypal-my-wallet/task_16": [_BALANCE, Step("click", "button", "Remove")],
    "paypal-my-wallet/task_17": [_BALANCE, Step("click", "button", "Set Primary")],
}
