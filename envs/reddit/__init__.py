"""The forum stand-in (Postmill-shaped): forums, submissions, comments, votes, users."""

from __future__ import annotations

from envs._web import Site
from envs.reddit import pages
from envs.reddit.seed import seed


def build() -> Site:
    """Return the forum site with its seed state and all its routes."""
    site = Site("reddit", seed)
    pages.install(site)
    return site
