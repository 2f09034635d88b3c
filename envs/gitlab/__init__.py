"""The code-hosting stand-in (GitLab-shaped): users, groups, projects, issues, members."""

from __future__ import annotations

from envs._web import Site
from envs.gitlab import pages
from envs.gitlab.seed import seed


def build() -> Site:
    """Return the code-hosting site with its seed state and all its routes."""
    site = Site("gitlab", seed)
    pages.install(site)
    return site
