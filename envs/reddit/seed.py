"""The forum's seed: users, forums, submissions, comments and votes (listed in envs/README.md)."""

from __future__ import annotations

from typing import Any

PASSWORD = "test1234"


def _user(name: str, bio: str, subscriptions: list[str]) -> dict[str, Any]:
    return {"password": PASSWORD, "biography": bio, "subscriptions": subscriptions}


def _forum(name: str, title: str, description: str, sidebar: str, owner: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "description": description,
        "sidebar": sidebar,
        "moderators": [owner],
    }


def _post(pid: int, forum: str, title: str, body: str, url: str, author: str, day: str, score: int) -> dict:
    return {
        "id": pid,
        "forum": forum,
        "title": title,
        "body": body,
        "url": url,
        "author": author,
        "created_at": f"{day} 15:00",
        "base_score": score,
        "votes": {},
    }


def _comment(cid: int, pid: int, author: str, body: str, parent: int | None, day: str) -> dict:
    return {
        "id": cid,
        "post": pid,
        "author": author,
        "body": body,
        "parent": parent,
        "created_at": f"{day} 18:00",
        "base_score": 1,
        "votes": {},
    }


def seed() -> dict[str, Any]:
    """Return a fresh copy of the forum's seed state."""
    users = {
        "MarvelsGrantMan136": _user("MarvelsGrantMan136", "", ["books", "MachineLearning"]),
        "Sorkill": _user("Sorkill", "Reader, writer, tinkerer.", ["books", "DIY"]),
        "jaw_dropper": _user("jaw_dropper", "GPUs go brrr.", ["MachineLearning"]),
        "ziggy_stardust": _user("ziggy_stardust", "", ["DIY", "television"]),
        "bookworm42": _user("bookworm42", "42 books a year.", ["books"]),
    }
    forums = [
        _forum(
            "books", "Books", "The place to discuss books.", "Be civil. No spoilers in titles.", "Sorkill"
        ),
        _forum(
            "MachineLearning",
            "Machine Learning",
            "News and papers about machine learning.",
            "Tag papers.",
            "jaw_dropper",
        ),
        _forum("DIY", "Do It Yourself", "Home improvement and repairs.", "Show your work.", "ziggy_stardust"),
        _forum("television", "Television", "TV news and discussion.", "Mark spoilers.", "MarvelsGrantMan136"),
    ]
    posts = [
        _post(
            1,
            "MachineLearning",
            "NVIDIA RTX 4090",
            "Is it worth it for training small models at home?",
            "",
            "jaw_dropper",
            "2023-01-05",
            12,
        ),
        _post(
            59421,
            "books",
            "Friendly reminder bookshop.org exists",
            "It supports local bookstores.",
            "https://bookshop.org",
            "Sorkill",
            "2023-02-10",
            120,
        ),
        _post(
            59447,
            "books",
            "Appalachian Prison Book Project seeks notebook donations",
            "Any unused notebooks help.",
            "",
            "bookworm42",
            "2023-02-11",
            45,
        ),
        _post(
            119019,
            "DIY",
            "How can I bring an HDMI cable from my PC downstairs to my TV upstairs?",
            "The wall has no conduit. Any ideas?",
            "",
            "ziggy_stardust",
            "2023-03-01",
            7,
        ),
        _post(
            120000,
            "television",
            "Star Trek: Strange New Worlds renewed for season 3",
            "Great news for fans.",
            "",
            "MarvelsGrantMan136",
            "2023-03-15",
            30,
        ),
        _post(
            120001,
            "books",
            "What is the best book you read this year?",
            "Mine was Project Hail Mary.",
            "",
            "MarvelsGrantMan136",
            "2023-03-20",
            9,
        ),
    ]
    posts[3]["votes"]["MarvelsGrantMan136"] = 1
    comments = [
        _comment(1235250, 59421, "MarvelsGrantMan136", "I buy all my books there now.", None, "2023-02-10"),
        _comment(1235251, 59421, "bookworm42", "Same here!", 1235250, "2023-02-11"),
        _comment(1235300, 119019, "Sorkill", "Use an HDMI over ethernet extender.", None, "2023-03-01"),
        _comment(1235400, 120001, "Sorkill", "The Left Hand of Darkness.", None, "2023-03-21"),
    ]
    return {
        "users": users,
        "forums": {f["name"]: f for f in forums},
        "posts": {p["id"]: p for p in posts},
        "comments": {c["id"]: c for c in comments},
    }
