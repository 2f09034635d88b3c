"""The code-hosting site's pages and actions (GitLab-shaped URLs and markup)."""

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
    to_int,
    web_url,
)
from envs.gitlab.seed import ROLES

MINUTES = "%Y-%m-%d %H:%M"
COOKIE = "_gitlab_session"
SIGN_IN = "/users/sign_in"
NAME = r"[A-Za-z0-9_.-]+"
PROJECT = rf"/(?P<ns>{NAME})/(?P<proj>{NAME})"
VISIBILITY = {
    "private": "Private - Project access must be granted explicitly to each user.",
    "internal": "Internal - The project can be accessed by any logged in user.",
    "public": "Public - The project can be accessed without any authentication.",
}


def install(site: Site) -> None:
    """Register the site's routes on ``site``."""
    state = lambda: site.state  # noqa: E731 (reset swaps the dict, so read it each time)

    def current(request: Request) -> str | None:
        name = site.session_user(request, COOKIE)
        return name if name in state()["users"] else None

    def page(
        request: Request, title: str, *content: object, sidebar: object = None, status: int = 200
    ) -> Response:
        user = current(request)
        account = (
            [
                link(f"/{user}", f"@{user}"),
                link("/-/profile", "Edit profile"),
                link("/users/sign_out", "Sign out"),
            ]
            if user
            else [link(SIGN_IN, "Sign in")]
        )
        nav = h(
            "nav",
            {"aria-label": "Main"},
            link("/dashboard/projects", "Projects"),
            link("/dashboard/issues", "Issues"),
            link("/explore/projects", "Explore"),
            account,
        )
        aside = h("aside", {"class": "right-sidebar"}, sidebar) if sidebar is not None else None
        main = h("main", {"id": "content-body"}, h("h1", {"class": "page-title"}, title), content, aside)
        return html_page(
            document(f"{title} \u00b7 GitLab", [h("header", {"class": "navbar"}, nav), main]), status
        )

    need_login = login_required(current, SIGN_IN)

    def visible(project: dict[str, Any], user: str | None) -> bool:
        return project["visibility"] == "public" or (user is not None and user in project["members"])

    def role(project: dict[str, Any], user: str | None) -> int:
        return project["members"].get(user, 0) if user else 0

    def find(request: Request, ns: str, proj: str) -> dict[str, Any] | None:
        project = state()["projects"].get(f"{ns}/{proj}")
        return project if project is not None and visible(project, current(request)) else None

    def project_path(project: dict[str, Any]) -> str:
        return f"/{project['namespace']}/{project['path']}"

    def project_nav(project: dict[str, Any]) -> object:
        base = project_path(project)
        return h(
            "nav",
            {"class": "project-nav", "aria-label": "Project navigation"},
            link(base, "Project information"),
            link(f"{base}/-/issues", "Issues"),
            link(f"{base}/-/project_members", "Members"),
        )

    # ---- sign-in and profile --------------------------------------------------------------

    def sign_in_page(request: Request, error: str = "") -> Response:
        body = form(
            SIGN_IN,
            h("p", {"class": "flash-alert", "role": "alert"}, error) if error else None,
            field(
                "Username or email",
                "user[login]",
                request.form.get("user[login]", ""),
                id="user_login",
                **{"data-testid": "username-field", "autocomplete": "username"},
            ),
            field(
                "Password",
                "user[password]",
                kind="password",
                id="user_password",
                **{"data-testid": "password-field", "autocomplete": "current-password"},
            ),
            button("Sign in", **{"data-testid": "sign-in-button", "class": "btn btn-confirm"}),
            id="new_user",
        )
        return page(request, "Sign in", body)

    @site.route("GET", SIGN_IN)
    def sign_in_form(request: Request) -> Response:
        return redirect("/dashboard/projects") if current(request) else sign_in_page(request)

    @site.route("POST", SIGN_IN)
    def sign_in(request: Request) -> Response:
        login = request.form.get("user[login]", "").strip()
        record = state()["users"].get(login)
        if record is None or record["password"] != request.form.get("user[password]"):
            return sign_in_page(request, "Invalid login or password.")
        return site.session_cookie(redirect("/dashboard/projects", 303), COOKIE, login)

    @site.route("GET", "/users/sign_out")
    def sign_out(request: Request) -> Response:
        return redirect(SIGN_IN).set_cookie(COOKIE, "")

    @site.route("GET", "/")
    def root(request: Request) -> Response:
        return redirect("/dashboard/projects" if current(request) else SIGN_IN)

    @site.route("GET", "/-/profile")
    @need_login
    def profile(request: Request, user: str) -> Response:
        record = state()["users"][user]
        body = form(
            "/-/profile",
            field("Full name", "user[name]", record["name"], id="user_name"),
            field("Your status", "user[status][message]", record["status"], id="user_status_message"),
            field("Website url", "user[website_url]", record["website"], id="user_website_url"),
            field("Bio", "user[bio]", record["bio"], "textarea", id="user_bio"),
            button("Update profile settings"),
            id="edit_user",
        )
        message = (
            h("p", {"class": "flash-notice"}, "Profile was successfully updated")
            if request.query.get("saved")
            else None
        )
        return page(request, "Edit Profile", message, body)

    @site.route("POST", "/-/profile")
    @need_login
    def profile_save(request: Request, user: str) -> Response:
        record = state()["users"][user]
        record["name"] = request.form.get("user[name]", record["name"]).strip() or record["name"]
        record["status"] = request.form.get("user[status][message]", record["status"]).strip()
        record["website"] = web_url(request.form.get("user[website_url]", record["website"]))
        record["bio"] = request.form.get("user[bio]", record["bio"]).strip()
        return redirect("/-/profile?saved=1", 303)

    # ---- dashboards -----------------------------------------------------------------------

    def project_list(projects: list[dict[str, Any]]) -> object:
        items = [
            h(
                "li",
                {"class": "project-row"},
                link(project_path(p), f"{p['namespace']} / {p['name']}", **{"class": "project-name"}),
                " ",
                h("span", {"class": "project-description"}, p["description"]),
            )
            for p in projects
        ]
        return h("ul", {"class": "projects-list", "data-qa-selector": "projects_list"}, items)

    @site.route("GET", "/dashboard/projects")
    @need_login
    def my_projects(request: Request, user: str) -> Response:
        mine = [p for p in state()["projects"].values() if user in p["members"]]
        return page(request, "Projects", project_list(mine))

    @site.route("GET", "/explore/projects")
    def explore(request: Request) -> Response:
        user = current(request)
        return page(
            request,
            "Explore projects",
            project_list([p for p in state()["projects"].values() if visible(p, user)]),
        )

    def issue_list(request: Request, project_issues: list[tuple[dict[str, Any], dict[str, Any]]]) -> object:
        wanted = request.query.get("state", "opened")
        label = request.query.get("label_name", "")
        assignee = request.query.get("assignee_username", "")
        rows = []
        for project, issue in project_issues:
            if (wanted != "all" and issue["state"] != wanted) or (label and label not in issue["labels"]):
                continue
            if assignee and assignee not in issue["assignees"]:
                continue
            url = f"{project_path(project)}/-/issues/{issue['iid']}"
            rows.append(
                h(
                    "li",
                    {"class": "issue"},
                    link(url, issue["title"], **{"class": "issue-title-text"}),
                    f" {project['namespace']}/{project['path']}#{issue['iid']}",
                    f" \u00b7 opened by {issue['author']}",
                    [h("span", {"class": "gl-label"}, name) for name in issue["labels"]],
                )
            )
        tabs = h(
            "nav",
            {"class": "issues-state-filters"},
            [link(f"?state={s}", s.title()) for s in ("opened", "closed", "all")],
        )
        return [
            tabs,
            h("ul", {"class": "issues-list"}, rows) if rows else h("p", None, "There are no issues to show."),
        ]

    @site.route("GET", "/dashboard/issues")
    @need_login
    def my_issues(request: Request, user: str) -> Response:
        if "assignee_username" not in request.query:
            request.query["assignee_username"] = user
        pairs = [
            (p, i) for p in state()["projects"].values() if visible(p, user) for i in p["issues"].values()
        ]
        return page(request, "Issues", issue_list(request, pairs))

    # ---- users and groups -----------------------------------------------------------------

    @site.route("GET", rf"/(?P<name>{NAME})")
    def namespace(request: Request, name: str) -> Response:
        user = current(request)
        record = state()["users"].get(name)
        projects = [p for p in state()["projects"].values() if p["namespace"] == name and visible(p, user)]
        if record is not None:
            status = (
                h(
                    "div",
                    {"class": "cover-status"},
                    h("span", {"class": "emoji", "aria-hidden": "true"}, "\U0001f534"),
                    record["status"],
                )
                if record["status"]
                else None
            )
            website = (
                link(record["website"], record["website"], itemprop="url") if record["website"] else None
            )
            header = h(
                "div",
                {"class": "profile-header"},
                h("h2", {"class": "user-name"}, record["name"]),
                h("p", {"class": "user-username"}, f"@{name}"),
                status,
                h("p", {"class": "profile-user-bio"}, record["bio"]),
                h("p", None, website),
            )
            return page(
                request,
                record["name"],
                h(
                    "div",
                    {"class": "user-profile"},
                    header,
                    h("h2", None, "Personal projects"),
                    project_list(projects),
                ),
            )
        group = state()["groups"].get(name)
        if group is None:
            return not_found(request.path)
        return page(request, group["name"], h("p", None, f"@{name}"), project_list(projects))

    # ---- projects -------------------------------------------------------------------------

    @site.route("GET", PROJECT)
    def project_page(request: Request, ns: str, proj: str) -> Response:
        project = find(request, ns, proj)
        if project is None:
            return not_found(request.path)
        opened = sum(1 for i in project["issues"].values() if i["state"] == "opened")
        header = h(
            "div",
            {"class": "project-home-panel"},
            h(
                "span",
                {"class": "visibility-icon", "title": VISIBILITY[project["visibility"]]},
                project["visibility"].title(),
            ),
            h("div", {"class": "home-panel-description-markdown"}, h("p", None, project["description"])),
            h("p", None, link(f"{project_path(project)}/-/issues", f"{opened} open issues")),
        )
        return page(request, project["name"], project_nav(project), header)

    @site.route("GET", rf"{PROJECT}/-/issues")
    def issues(request: Request, ns: str, proj: str) -> Response:
        project = find(request, ns, proj)
        if project is None:
            return not_found(request.path)
        new = link(f"{project_path(project)}/-/issues/new", "New issue") if current(request) else None
        pairs = [(project, i) for i in project["issues"].values()]
        return page(request, "Issues", project_nav(project), new, issue_list(request, pairs))

    def member_names(project: dict[str, Any]) -> list[tuple[str, str]]:
        return [("", "Unassigned")] + [(name, name) for name in project["members"]]

    @site.route("GET", rf"{PROJECT}/-/issues/new")
    @need_login
    def new_issue(request: Request, user: str, ns: str, proj: str) -> Response:
        project = find(request, ns, proj)
        if project is None:
            return not_found(request.path)
        body = form(
            f"{project_path(project)}/-/issues",
            field("Title", "issue[title]", id="issue_title"),
            field("Description", "issue[description]", kind="textarea", id="issue_description"),
            select("Assignee", "issue[assignee_username]", member_names(project), "", id="issue_assignee"),
            field("Labels", "issue[labels]", id="issue_labels", placeholder="comma-separated"),
            field("Due date", "issue[due_date]", kind="date", id="issue_due_date"),
            button("Create issue", **{"data-testid": "issuable-create-button"}),
            id="new_issue",
        )
        return page(request, "New Issue", project_nav(project), body)

    @site.route("POST", rf"{PROJECT}/-/issues")
    @need_login
    def create_issue(request: Request, user: str, ns: str, proj: str) -> Response:
        project = find(request, ns, proj)
        if project is None:
            return not_found(request.path)
        title = request.form.get("issue[title]", "").strip()
        if not title:
            return page(
                request,
                "New Issue",
                h("p", {"class": "flash-alert", "role": "alert"}, "Title can't be blank"),
                link(f"{project_path(project)}/-/issues/new", "Back"),
                status=400,
            )
        assignee = request.form.get("issue[assignee_username]", "")
        due = request.form.get("issue[due_date]", "").strip()
        iid = max(project["issues"], default=0) + 1
        project["issues"][iid] = {
            "iid": iid,
            "title": title,
            "description": request.form.get("issue[description]", "").strip(),
            "author": user,
            "assignees": [assignee] if assignee in state()["users"] else [],
            "labels": [x.strip() for x in request.form.get("issue[labels]", "").split(",") if x.strip()],
            "state": "opened",
            "due_date": due if re.fullmatch(r"\d{4}-\d{2}-\d{2}", due) else "",
            "created_at": now(MINUTES),
            "notes": [],
        }
        return redirect(f"{project_path(project)}/-/issues/{iid}", 303)

    def find_issue(request: Request, ns: str, proj: str, iid: str) -> tuple[dict, dict] | tuple[None, None]:
        project = find(request, ns, proj)
        issue = project["issues"].get(int(iid)) if project else None
        return (project, issue) if issue else (None, None)

    @site.route("GET", rf"{PROJECT}/-/issues/(?P<iid>\d+)")
    def issue_page(request: Request, ns: str, proj: str, iid: str) -> Response:
        project, issue = find_issue(request, ns, proj, iid)
        if issue is None:
            return not_found(request.path)
        base = f"{project_path(project)}/-/issues/{issue['iid']}"
        user = current(request)
        assignees = [link(f"/{name}", state()["users"][name]["name"]) for name in issue["assignees"]] or [
            "None"
        ]
        sidebar = [
            h(
                "div",
                {"class": "block assignee"},
                h("div", {"class": "title"}, "Assignee"),
                h("div", {"class": "value"}, assignees),
            ),
            h(
                "div",
                {"class": "block labels"},
                h("div", {"class": "title"}, "Labels"),
                h(
                    "div",
                    {"class": "value"},
                    [h("span", {"class": "gl-label"}, name) for name in issue["labels"]] or "None",
                ),
            ),
            h(
                "div",
                {"class": "block due_date", "data-testid": "sidebar-due-date"},
                h("div", {"class": "title"}, "Due date"),
                h("div", {"class": "value"}, issue["due_date"] or "None"),
            ),
        ]
        notes = [
            h(
                "li",
                {"class": "note timeline-entry"},
                h("span", {"class": "note-header-author-name"}, note["author"]),
                f" {note['created_at']}",
                h("div", {"class": "note-text timeline-discussion-body"}, note["body"]),
            )
            for note in issue["notes"]
        ]
        actions = (
            [
                form(
                    f"{base}/notes",
                    field("Comment", "note[note]", kind="textarea", id="note-body"),
                    button("Comment"),
                ),
                form(
                    f"{base}/toggle", button("Close issue" if issue["state"] == "opened" else "Reopen issue")
                ),
            ]
            if user
            else None
        )
        state_label = "Open" if issue["state"] == "opened" else "Closed"
        body = [
            h("span", {"class": "issuable-status-badge"}, state_label),
            h("p", None, f"Created {issue['created_at']} by ", link(f"/{issue['author']}", issue["author"])),
            h(
                "div",
                {"class": "title-container"},
                h("h2", {"class": "title", "data-qa-selector": "title_content"}, issue["title"]),
            ),
            h("div", {"class": "detail-page-description"}, h("p", None, issue["description"])),
            h("ul", {"id": "notes-list", "class": "notes main-notes-list timeline"}, notes),
            actions,
        ]
        return page(
            request, f"{issue['title']} (#{issue['iid']})", project_nav(project), body, sidebar=sidebar
        )

    @site.route("POST", rf"{PROJECT}/-/issues/(?P<iid>\d+)/notes")
    @need_login
    def add_note(request: Request, user: str, ns: str, proj: str, iid: str) -> Response:
        project, issue = find_issue(request, ns, proj, iid)
        if issue is None:
            return not_found(request.path)
        text = request.form.get("note[note]", "").strip()
        if text:
            issue["notes"].append({"author": user, "body": text, "created_at": now(MINUTES)})
        return redirect(f"{project_path(project)}/-/issues/{issue['iid']}", 303)

    @site.route("POST", rf"{PROJECT}/-/issues/(?P<iid>\d+)/toggle")
    @need_login
    def toggle_issue(request: Request, user: str, ns: str, proj: str, iid: str) -> Response:
        project, issue = find_issue(request, ns, proj, iid)
        if issue is None:
            return not_found(request.path)
        issue["state"] = "closed" if issue["state"] == "opened" else "opened"
        return redirect(f"{project_path(project)}/-/issues/{issue['iid']}", 303)

    # ---- members --------------------------------------------------------------------------

    @site.route("GET", rf"{PROJECT}/-/project_members")
    def members(request: Request, ns: str, proj: str) -> Response:
        project = find(request, ns, proj)
        if project is None:
            return not_found(request.path)
        head = h("tr", None, [h("th", {"scope": "col"}, c) for c in ("Account", "Source", "Max role")])
        rows = [
            h(
                "tr",
                {"data-testid": "members-table-row"},
                h(
                    "td",
                    {"data-label": "Account"},
                    h(
                        "div",
                        {"class": "gl-avatar-labeled"},
                        h(
                            "a",
                            {"href": f"/{name}", "class": "gl-avatar-labeled-label"},
                            state()["users"][name]["name"],
                        ),
                        " ",
                        h("span", {"class": "gl-avatar-labeled-sublabel"}, f"@{name}"),
                    ),
                ),
                h("td", {"data-label": "Source"}, "Direct member"),
                h("td", {"data-label": "Max role", "class": "col-max-role"}, h("span", None, ROLES[level])),
            )
            for name, level in project["members"].items()
        ]
        table = h(
            "table",
            {"class": "table b-table gl-table", "data-testid": "members-table"},
            h("thead", None, head),
            h("tbody", None, rows),
        )
        invite = (
            form(
                f"{project_path(project)}/-/project_members",
                h("h2", None, "Invite members"),
                field("Username", "user", id="invite-username"),
                select("Select a role", "access_level", list(ROLES.items()), 10, id="invite-role"),
                button("Invite", **{"data-testid": "invite-button"}),
            )
            if role(project, current(request)) >= 40
            else None
        )
        message = (
            h("p", {"class": "flash-notice", "role": "status"}, request.query["invited"])
            if request.query.get("invited")
            else None
        )
        return page(request, "Project members", project_nav(project), message, invite, table)

    @site.route("POST", rf"{PROJECT}/-/project_members")
    @need_login
    def invite(request: Request, user: str, ns: str, proj: str) -> Response:
        project = find(request, ns, proj)
        if project is None or role(project, user) < 40:
            return not_found(request.path)
        name = request.form.get("user", "").strip().lstrip("@")
        level = to_int(request.form.get("access_level"), 0)
        if name not in state()["users"] or level not in ROLES:
            return page(
                request,
                "Project members",
                h(
                    "p",
                    {"class": "flash-alert", "role": "alert"},
                    f"User not found or role not valid: {name}",
                ),
                status=400,
            )
        project["members"][name] = level
        return redirect(
            f"{project_path(project)}/-/project_members?invited=Members+were+successfully+added", 303
        )
