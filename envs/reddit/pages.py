"""The forum's pages and actions (Postmill-shaped URLs and markup)."""

from __future__ import annotations

import re
from typing import Any

from envs._html import button, document, field, form, h, link, select
from envs._web import (
    Request,
    Response,
    Site,
    html_page,
    login_required,
    not_found,
    now,
    redirect,
    slugify,
    to_int,
    web_url,
)

MINUTES = "%Y-%m-%d %H:%M"
AUTO_LOGIN = "X-Postmill-Auto-Login"
COOKIE = "PHPSESSID"
FORUM_NAME = re.compile(r"[A-Za-z0-9_]{3,25}")
VOTE_CLASS = {1: "vote vote--user-upvoted", -1: "vote vote--user-downvoted", 0: "vote"}


def post_path(post: dict[str, Any]) -> str:
    """Return a submission's canonical path ``/f/<forum>/<id>/<slug>``."""
    return f"/f/{post['forum']}/{post['id']}/{slugify(post['title'])}"


def score(item: dict[str, Any]) -> int:
    """Return a submission's or comment's score (seed score plus the votes cast here)."""
    return item["base_score"] + sum(item["votes"].values())


def install(site: Site) -> None:
    """Register the forum's routes on ``site``."""
    state = lambda: site.state  # noqa: E731 (reset swaps the dict, so read it each time)

    def current(request: Request) -> str | None:
        passwords = {user: record["password"] for user, record in state()["users"].items()}
        return site.logged_in(request, COOKIE, AUTO_LOGIN, passwords)

    def page(
        request: Request, title: str, *content: object, sidebar: object = None, status: int = 200
    ) -> Response:
        user = current(request)
        account = (
            [
                link(f"/user/{user}", user),
                link(f"/user/{user}/account", "Account"),
                link("/logout", "Log out"),
            ]
            if user
            else [link("/login", "Log in")]
        )
        nav = h(
            "nav",
            {"class": "site-nav", "aria-label": "Site"},
            link("/", "Postmill", **{"class": "site-nav__link"}),
            link("/forums", "Forums"),
            link("/submit", "Submit"),
            link("/create_forum", "Create forum"),
            account,
        )
        aside = h("aside", {"id": "sidebar", "class": "sidebar"}, sidebar) if sidebar is not None else None
        main = h(
            "main",
            {"id": "main", "class": "site-content"},
            h("h1", {"class": "page-heading"}, title),
            content,
        )
        return html_page(
            document(f"{title} | Postmill", [h("header", {"class": "site-header"}, nav), main, aside]), status
        )

    need_login = login_required(current, "/login")

    def vote_form(action: str, item: dict[str, Any], user: str | None) -> object:
        mine = item["votes"].get(user, 0) if user else 0
        up = ("0", "Retract upvote") if mine == 1 else ("1", "Upvote")
        down = ("0", "Retract downvote") if mine == -1 else ("-1", "Downvote")
        return form(
            action,
            h(
                "button",
                {
                    "type": "submit",
                    "name": "choice",
                    "value": up[0],
                    "class": "vote__up",
                    "aria-label": up[1],
                },
                "\u25b2",
            ),
            h("span", {"class": "vote__net-score"}, score(item)),
            h(
                "button",
                {
                    "type": "submit",
                    "name": "choice",
                    "value": down[0],
                    "class": "vote__down",
                    "aria-label": down[1],
                },
                "\u25bc",
            ),
            **{"class": VOTE_CLASS[mine]},
        )

    def submission(post: dict[str, Any], user: str | None, full: bool) -> object:
        target = post["url"] or post_path(post)
        comments = sum(1 for c in state()["comments"].values() if c["post"] == post["id"])
        inner = h(
            "div",
            {"class": "submission__inner"},
            h(
                "h1" if full else "h2",
                {"class": "submission__title"},
                link(target, post["title"], **{"class": "submission__link"}),
            ),
            h(
                "p",
                {"class": "submission__info"},
                "Submitted by ",
                link(f"/user/{post['author']}", post["author"], **{"class": "submission__submitter"}),
                f" on {post['created_at']} in ",
                link(f"/f/{post['forum']}", post["forum"]),
            ),
            h("div", {"class": "submission__body"}, post["body"]) if full and post["body"] else None,
            h("nav", {"class": "submission__nav"}, link(post_path(post), f"{comments} comments")),
        )
        return h(
            "article",
            {"class": "submission", "id": f"submission_{post['id']}"},
            h("div", {"class": "submission__vote"}, vote_form(f"/sv/{post['id']}", post, user)),
            inner,
        )

    def listing(request: Request, posts: list[dict[str, Any]]) -> object:
        user = current(request)
        ordered = sorted(posts, key=lambda p: p["id"], reverse=True)
        return (
            h("div", {"class": "submission-list"}, [submission(p, user, False) for p in ordered])
            if ordered
            else h("p", None, "There are no submissions.")
        )

    def subscriptions(request: Request) -> object:
        user = current(request)
        names = state()["users"][user]["subscriptions"] if user else []
        heading = "Subscriptions" if user else "Welcome to Postmill"
        items = [h("li", None, link(f"/f/{name}", name)) for name in names if name in state()["forums"]]
        return h(
            "section",
            {"class": "sidebar__section"},
            h("h2", None, heading),
            h("ul", None, items) if items else h("p", None, "Log in to subscribe to forums."),
        )

    @site.route("GET", "/")
    def front(request: Request) -> Response:
        return page(
            request,
            "Postmill",
            listing(request, list(state()["posts"].values())),
            sidebar=subscriptions(request),
        )

    @site.route("GET", "/forums")
    def forums(request: Request) -> Response:
        rows = [
            h("li", None, link(f"/f/{f['name']}", f["name"]), f" \u2014 {f['title']}: {f['description']}")
            for f in sorted(state()["forums"].values(), key=lambda f: f["name"].lower())
        ]
        return page(request, "List of forums", h("ul", {"class": "forum-list"}, rows))

    def find_forum(name: str) -> dict[str, Any] | None:
        return next((f for f in state()["forums"].values() if f["name"].lower() == name.lower()), None)

    @site.route("GET", r"/f/(?P<name>[^/]+)")
    def forum_page(request: Request, name: str) -> Response:
        forum = find_forum(name)
        if forum is None:
            return not_found(request.path)
        user = current(request)
        subscribed = user is not None and forum["name"] in state()["users"][user]["subscriptions"]
        side = h(
            "section",
            {"class": "sidebar__section forum-sidebar"},
            h("h2", None, forum["title"]),
            h("p", {"class": "forum-description"}, forum["description"]),
            h("div", {"class": "forum-sidebar-content"}, forum["sidebar"]),
            form(f"/f/{forum['name']}/subscribe", button("Unsubscribe" if subscribed else "Subscribe"))
            if user
            else None,
            link(f"/submit/{forum['name']}", "Submit a post"),
            " ",
            link(f"/f/{forum['name']}/edit", "Edit forum") if user in forum["moderators"] else None,
        )
        posts = [p for p in state()["posts"].values() if p["forum"] == forum["name"]]
        return page(request, f"/f/{forum['name']}", listing(request, posts), sidebar=side)

    @site.route("POST", r"/f/(?P<name>[^/]+)/subscribe")
    @need_login
    def subscribe(request: Request, user: str, name: str) -> Response:
        forum = find_forum(name)
        if forum is None:
            return not_found(request.path)
        mine = state()["users"][user]["subscriptions"]
        if forum["name"] in mine:
            mine.remove(forum["name"])
        else:
            mine.append(forum["name"])
        return redirect(f"/f/{forum['name']}", 303)

    def forum_form(action: str, forum: dict[str, Any], with_name: bool, error: str = "") -> object:
        return form(
            action,
            h("p", {"class": "error", "role": "alert"}, error) if error else None,
            field("Name", "forum[name]", forum.get("name", ""), id="forum_name") if with_name else None,
            field("Title", "forum[title]", forum.get("title", ""), id="forum_title"),
            field(
                "Description",
                "forum[description]",
                forum.get("description", ""),
                "textarea",
                id="forum_description",
            ),
            field("Sidebar", "forum[sidebar]", forum.get("sidebar", ""), "textarea", id="forum_sidebar"),
            button("Create forum" if with_name else "Save changes"),
        )

    def forum_fields(request: Request) -> dict[str, str]:
        return {
            key: request.form.get(f"forum[{key}]", "").strip()
            for key in ("name", "title", "description", "sidebar")
        }

    @site.route("GET", "/create_forum")
    @need_login
    def create_forum_form(request: Request, user: str) -> Response:
        return page(request, "Create forum", forum_form("/create_forum", {}, True))

    @site.route("POST", "/create_forum")
    @need_login
    def create_forum(request: Request, user: str) -> Response:
        data = forum_fields(request)
        error = ""
        if not FORUM_NAME.fullmatch(data["name"]):
            error = "The name must be 3 to 25 letters, digits or underscores."
        elif find_forum(data["name"]) is not None:
            error = "A forum by that name already exists."
        elif not data["title"]:
            error = "The title must not be empty."
        if error:
            return page(request, "Create forum", forum_form("/create_forum", data, True, error), status=400)
        state()["forums"][data["name"]] = {**data, "moderators": [user]}
        state()["users"][user]["subscriptions"].append(data["name"])
        return redirect(f"/f/{data['name']}", 303)

    @site.route("GET", r"/f/(?P<name>[^/]+)/edit")
    @need_login
    def edit_forum_form(request: Request, user: str, name: str) -> Response:
        forum = find_forum(name)
        if forum is None or user not in forum["moderators"]:
            return not_found(request.path)
        return page(
            request, f"Editing /f/{forum['name']}", forum_form(f"/f/{forum['name']}/edit", forum, False)
        )

    @site.route("POST", r"/f/(?P<name>[^/]+)/edit")
    @need_login
    def edit_forum(request: Request, user: str, name: str) -> Response:
        forum = find_forum(name)
        if forum is None or user not in forum["moderators"]:
            return not_found(request.path)
        data = forum_fields(request)
        forum.update(
            title=data["title"] or forum["title"], description=data["description"], sidebar=data["sidebar"]
        )
        return redirect(f"/f/{forum['name']}", 303)

    # ---- submissions and comments ---------------------------------------------------------

    def comment_tree(post: dict[str, Any], user: str | None, root: int | None) -> object:
        comments = sorted(state()["comments"].values(), key=lambda c: c["id"])

        def branch(parent: int | None) -> list[object]:
            return [one(c) for c in comments if c["post"] == post["id"] and c["parent"] == parent]

        def one(comment: dict[str, Any]) -> object:
            permalink = f"/f/{post['forum']}/{post['id']}/-/comment/{comment['id']}"
            return h(
                "article",
                {"class": "comment", "id": f"comment_{comment['id']}"},
                h("div", {"class": "comment__vote"}, vote_form(f"/cv/{comment['id']}", comment, user)),
                h(
                    "p",
                    {"class": "comment__info"},
                    link(f"/user/{comment['author']}", comment["author"]),
                    f" {comment['created_at']} ",
                    link(permalink, "Permalink"),
                ),
                h("div", {"class": "comment__body"}, comment["body"]),
                h("div", {"class": "comment__replies"}, branch(comment["id"])),
            )

        if root is not None:
            chosen = state()["comments"].get(root)
            return [one(chosen)] if chosen and chosen["post"] == post["id"] else []
        return branch(None)

    def post_page(request: Request, post: dict[str, Any], root: int | None) -> Response:
        user = current(request)
        reply = (
            form(
                f"/f/{post['forum']}/{post['id']}/-/comment",
                h("input", {"type": "hidden", "name": "parent", "value": root or ""}),
                field("Comment", "comment[comment]", kind="textarea", id="comment_comment"),
                button("Post"),
                **{"class": "comment-form"},
            )
            if user
            else h("p", None, link("/login", "Log in"), " to comment.")
        )
        forum = state()["forums"][post["forum"]]
        side = h(
            "section",
            {"class": "sidebar__section"},
            h("h2", None, link(f"/f/{forum['name']}", forum["title"])),
            h("p", None, forum["description"]),
        )
        comments = h(
            "section",
            {"class": "comments", "id": "comments"},
            h("h2", None, "Comments"),
            reply,
            comment_tree(post, user, root),
        )
        return page(request, post["title"], submission(post, user, True), comments, sidebar=side)

    def find_post(name: str, pid: str) -> dict[str, Any] | None:
        post = state()["posts"].get(int(pid))
        return post if post is not None and post["forum"].lower() == name.lower() else None

    @site.route("GET", r"/f/(?P<name>[^/]+)/(?P<pid>\d+)(?:/(?P<slug>[^/]+))?")
    def show_post(request: Request, name: str, pid: str, slug: str | None) -> Response:
        post = find_post(name, pid)
        return post_page(request, post, None) if post else not_found(request.path)

    @site.route("GET", r"/f/(?P<name>[^/]+)/(?P<pid>\d+)/-/comment/(?P<cid>\d+)")
    def show_comment(request: Request, name: str, pid: str, cid: str) -> Response:
        post = find_post(name, pid)
        if post is None or int(cid) not in state()["comments"]:
            return not_found(request.path)
        return post_page(request, post, int(cid))

    @site.route("POST", r"/f/(?P<name>[^/]+)/(?P<pid>\d+)/-/comment")
    @need_login
    def add_comment(request: Request, user: str, name: str, pid: str) -> Response:
        post = find_post(name, pid)
        if post is None:
            return not_found(request.path)
        body = request.form.get("comment[comment]", "").strip()
        if not body:
            return redirect(post_path(post), 303)
        parent = to_int(request.form.get("parent"), 0)
        comments = state()["comments"]
        cid = max(comments, default=0) + 1
        comments[cid] = {
            "id": cid,
            "post": post["id"],
            "author": user,
            "body": body,
            "parent": parent if parent in comments else None,
            "created_at": now(MINUTES),
            "base_score": 1,
            "votes": {},
        }
        return redirect(f"/f/{post['forum']}/{post['id']}/-/comment/{cid}", 303)

    def cast(request: Request, item: dict[str, Any], user: str, back: str) -> Response:
        choice = to_int(request.form.get("choice"), 0)
        if choice in (1, -1):
            item["votes"][user] = choice
        else:
            item["votes"].pop(user, None)
        return redirect(back, 303)

    @site.route("POST", r"/sv/(?P<pid>\d+)")
    @need_login
    def vote_post(request: Request, user: str, pid: str) -> Response:
        post = state()["posts"].get(int(pid))
        return cast(request, post, user, post_path(post)) if post else not_found(request.path)

    @site.route("POST", r"/cv/(?P<cid>\d+)")
    @need_login
    def vote_comment(request: Request, user: str, cid: str) -> Response:
        comment = state()["comments"].get(int(cid))
        if comment is None:
            return not_found(request.path)
        post = state()["posts"][comment["post"]]
        return cast(request, comment, user, f"/f/{post['forum']}/{post['id']}/-/comment/{comment['id']}")

    def submit_form(
        request: Request, forum: str, data: dict[str, str], error: str = "", status: int = 200
    ) -> Response:
        names = sorted(state()["forums"], key=str.lower)
        body = form(
            f"/submit/{forum}" if forum else "/submit",
            h("p", {"class": "error", "role": "alert"}, error) if error else None,
            field("URL", "submission[url]", data.get("url", ""), "url", id="submission_url"),
            field("Title", "submission[title]", data.get("title", ""), id="submission_title"),
            field("Body", "submission[body]", data.get("body", ""), "textarea", id="submission_body"),
            select(
                "Forum",
                "submission[forum]",
                [(n, n) for n in names],
                data.get("forum", forum),
                id="submission_forum",
            ),
            button("Create submission"),
        )
        return page(request, "Create submission", body, status=status)

    @site.route("GET", r"/submit(?:/(?P<name>[^/]+))?")
    @need_login
    def submit_page(request: Request, user: str, name: str | None) -> Response:
        forum = find_forum(name) if name else None
        return submit_form(request, forum["name"] if forum else "", {})

    @site.route("POST", r"/submit(?:/(?P<name>[^/]+))?")
    @need_login
    def submit(request: Request, user: str, name: str | None) -> Response:
        data = {
            key: request.form.get(f"submission[{key}]", "").strip()
            for key in ("url", "title", "body", "forum")
        }
        forum = find_forum(data["forum"] or name or "")
        error = ""
        if forum is None:
            error = "Choose a forum."
        elif not data["title"]:
            error = "The title must not be empty."
        elif data["url"] and not web_url(data["url"]):
            error = "The URL must start with http:// or https://."
        if error:
            return submit_form(request, name or "", data, error, 400)
        posts = state()["posts"]
        pid = max(posts, default=0) + 1
        posts[pid] = {
            "id": pid,
            "forum": forum["name"],
            "title": data["title"],
            "body": data["body"],
            "url": data["url"],
            "author": user,
            "created_at": now(MINUTES),
            "base_score": 1,
            "votes": {},
        }
        return redirect(post_path(posts[pid]), 303)

    # ---- users and login ------------------------------------------------------------------

    def login_page(request: Request, error: str = "") -> Response:
        body = form(
            "/login_check",
            h("p", {"class": "error", "role": "alert"}, error) if error else None,
            field("Username", "_username", request.form.get("_username", ""), id="login-username"),
            field("Password", "_password", kind="password", id="login-password"),
            button("Log in"),
            **{"class": "form login-form"},
        )
        return page(request, "Log in", body)

    @site.route("GET", "/login")
    def login_form(request: Request) -> Response:
        return redirect("/") if current(request) else login_page(request)

    @site.route("POST", "/login_check")
    def login_check(request: Request) -> Response:
        name = request.form.get("_username", "")
        record = state()["users"].get(name)
        if record is None or record["password"] != request.form.get("_password"):
            return login_page(request, "Invalid credentials.")
        return site.session_cookie(redirect("/", 303), COOKIE, name)

    @site.route("GET", "/logout")
    def logout(request: Request) -> Response:
        return redirect("/").set_cookie(COOKIE, "")

    @site.route("GET", r"/user/(?P<name>[^/]+)")
    def user_page(request: Request, name: str) -> Response:
        record = state()["users"].get(name)
        if record is None:
            return not_found(request.path)
        posts = [p for p in state()["posts"].values() if p["author"] == name]
        comments = sorted(
            (c for c in state()["comments"].values() if c["author"] == name), key=lambda c: -c["id"]
        )
        bio = h(
            "section",
            {"class": "sidebar__section user-bio"},
            h("h2", None, name),
            h("div", {"class": "user-bio__biography"}, record["biography"]),
            link(f"/user/{name}/edit_biography", "Edit biography") if current(request) == name else None,
        )
        items = []
        for c in comments:
            post = state()["posts"][c["post"]]
            items.append(
                h(
                    "li",
                    {"class": "comment"},
                    h("div", {"class": "comment__body"}, c["body"]),
                    " on ",
                    link(f"/f/{post['forum']}/{post['id']}/-/comment/{c['id']}", post["title"]),
                )
            )
        return page(
            request,
            name,
            h("h2", None, "Submissions"),
            listing(request, posts),
            h("h2", None, "Comments"),
            h("ul", None, items),
            sidebar=bio,
        )

    @site.route("GET", r"/user/(?P<name>[^/]+)/account")
    @need_login
    def account(request: Request, user: str, name: str) -> Response:
        if user != name:
            return not_found(request.path)
        body = [
            h(
                "section",
                None,
                h("h2", None, "Biography"),
                link(f"/user/{user}/edit_biography", "Edit biography"),
            ),
            h(
                "section",
                {"class": "delete-account"},
                h("h2", None, "Delete account"),
                h("p", None, "Delete your account and everything you posted. This cannot be undone."),
            ),
        ]
        return page(request, "Account settings", body)

    @site.route("GET", r"/user/(?P<name>[^/]+)/edit_biography")
    @need_login
    def biography_form(request: Request, user: str, name: str) -> Response:
        if user != name:
            return not_found(request.path)
        body = form(
            f"/user/{user}/edit_biography",
            field(
                "Biography",
                "user_biography[biography]",
                state()["users"][user]["biography"],
                "textarea",
                id="user_biography_biography",
            ),
            button("Save"),
        )
        return page(request, "Edit biography", body)

    @site.route("POST", r"/user/(?P<name>[^/]+)/edit_biography")
    @need_login
    def biography_save(request: Request, user: str, name: str) -> Response:
        if user != name:
            return not_found(request.path)
        state()["users"][user]["biography"] = request.form.get("user_biography[biography]", "").strip()
        return redirect(f"/user/{user}", 303)
