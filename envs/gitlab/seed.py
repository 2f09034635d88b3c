"""The code-hosting site's seed: users, groups, projects, members, issues (listed in envs/README.md)."""

from __future__ import annotations

from typing import Any

PASSWORD = "hello1234"
ROLES = {10: "Guest", 20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner"}


def _user(name: str, website: str = "", status: str = "", bio: str = "") -> dict[str, Any]:
    return {"name": name, "password": PASSWORD, "website": website, "status": status, "bio": bio}


def _issue(
    iid: int, title: str, text: str, author: str, assignees: list[str], labels: list[str], **extra
) -> dict:
    issue = {
        "iid": iid,
        "title": title,
        "description": text,
        "author": author,
        "assignees": assignees,
        "labels": labels,
        "state": "opened",
        "due_date": "",
        "created_at": "2023-03-01 10:00",
        "notes": [],
    }
    issue.update(extra)
    return issue


def _project(
    namespace: str, path: str, text: str, visibility: str, members: dict[str, int], issues: list
) -> dict:
    return {
        "namespace": namespace,
        "path": path,
        "name": path,
        "description": text,
        "visibility": visibility,
        "members": dict(members),
        "issues": {issue["iid"]: issue for issue in issues},
    }


def seed() -> dict[str, Any]:
    """Return a fresh copy of the code-hosting site's seed state."""
    users = {
        "byteblaze": _user(
            "Byte Blaze", "https://byteblaze.github.io", "Busy", "Open source, accessibility, agents."
        ),
        "abisubramanya27": _user("Abishek S"),
        "lahwaacz": _user("Jakub Klinkovsky", status="Hacking"),
        "yjlou": _user("Yi-Jheng Lou"),
        "vinta": _user("Vinta Chen", "https://vinta.ws"),
        "koush": _user("Koushik Dutta"),
    }
    groups = {"a11yproject": {"name": "The A11Y Project", "members": {"byteblaze": 50, "vinta": 30}}}
    projects = [
        _project(
            "a11yproject",
            "a11yproject.com",
            "The A11Y Project is a community-driven effort to make digital accessibility easier.",
            "public",
            {"byteblaze": 40, "vinta": 30, "koush": 10},
            [
                _issue(
                    1,
                    "Broken link on the resources page",
                    "The link to the WCAG quick reference returns 404.",
                    "vinta",
                    ["byteblaze"],
                    ["bug"],
                    due_date="2023-04-30",
                ),
                _issue(
                    2,
                    "Add a post about focus order",
                    "Explain why the tab order must follow the reading order.",
                    "koush",
                    [],
                    ["content"],
                ),
                _issue(
                    3,
                    "Dark mode contrast too low",
                    "Body text fails 4.5:1 in dark mode.",
                    "byteblaze",
                    ["vinta"],
                    ["bug", "design"],
                    state="closed",
                ),
            ],
        ),
        _project(
            "byteblaze",
            "dotfiles",
            "My dotfiles: shell, editor and terminal settings.",
            "private",
            {"byteblaze": 50, "abisubramanya27": 30, "lahwaacz": 20},
            [
                _issue(
                    1,
                    "Document the install script",
                    "Say which tools the script needs.",
                    "byteblaze",
                    ["byteblaze"],
                    [],
                )
            ],
        ),
        _project(
            "byteblaze",
            "a11y-webring.club",
            "A webring for digital accessibility practitioners.",
            "public",
            {"byteblaze": 50, "yjlou": 40},
            [
                _issue(
                    1, "Add my site to the webring", "Please add https://yjlou.dev.", "yjlou", [], ["request"]
                )
            ],
        ),
        _project("byteblaze", "planner", "A simple weekly planner.", "private", {"byteblaze": 50}, []),
    ]
    return {
        "users": users,
        "groups": groups,
        "projects": {f"{p['namespace']}/{p['path']}": p for p in projects},
    }
