"""The shop stand-in (Magento-shaped): the storefront at ``/``, the admin at ``/admin``, the REST API."""

from __future__ import annotations

from envs._web import Site
from envs.shopping import admin, rest, storefront
from envs.shopping.seed import seed


def build() -> Site:
    """Return the shop site with its seed state and all its routes."""
    site = Site("shopping", seed)
    rest.install(site)
    admin.install(site)
    storefront.install(site)
    return site
