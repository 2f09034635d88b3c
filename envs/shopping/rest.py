"""The shop's REST API: what the official WebArena helpers call (admin token, orders, product reviews).

Paths are served with and without the ``/default`` store code (``/rest/V1/...`` and
``/rest/default/V1/...``), as Magento does. The token is the admin's signed name, so it
stays valid across resets.
"""

from __future__ import annotations

import re
from typing import Any

from envs._web import Request, Response, Site, json_answer, to_int
from envs.shopping.seed import ADMIN
from envs.shopping.storefront import order_total

REST = r"/rest(?:/default)?/V1"
NO_PRODUCT = {"message": "The product that was requested doesn't exist. Verify the product and try again."}
UNAUTHORIZED = {
    "message": "The consumer isn't authorized to access %resources.",
    "parameters": {"resources": "self"},
}


def order_json(order: dict[str, Any]) -> dict[str, Any]:
    """Return an order as the REST API lists it (a subset of Magento's fields)."""
    number = int(order["increment_id"])
    return {
        "entity_id": number,
        "increment_id": order["increment_id"],
        "created_at": order["created_at"],
        "status": order["status"],
        "state": order["status"],
        "customer_email": order["customer_email"],
        "grand_total": order_total(order),
        "items": [
            {"sku": i["sku"], "name": i["name"], "price": i["price"], "qty_ordered": i["qty"]}
            for i in order["items"]
        ],
    }


def review_json(review: dict[str, Any], sku: str) -> dict[str, Any]:
    """Return a review as ``GET /V1/products/{sku}/reviews`` lists it."""
    return {
        "id": review["id"],
        "title": review["title"],
        "detail": review["detail"],
        "nickname": review["nickname"],
        "ratings": [
            {
                "vote_id": review["id"],
                "rating_id": 1,
                "percent": review["percent"],
                "value": review["percent"] // 20,
                "rating_name": "Rating",
            }
        ],
        "review_entity": "product",
        "review_type": 2,
        "review_status": review["status_id"],
        "created_at": review["created_at"],
        "entity_pk_value": review["product_id"],
        "store_id": 1,
        "product_sku": sku,
    }


def search(items: list[dict[str, Any]], query: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the page of ``items`` the ``searchCriteria[...]`` query asks for, and the criteria echoed."""
    for key, value in query.items():
        match = re.fullmatch(r"searchCriteria\[filter_groups\]\[(\d+)\]\[filters\]\[(\d+)\]\[field\]", key)
        if match:
            prefix = key[: -len("[field]")]
            wanted = query.get(f"{prefix}[value]", "")
            items = [item for item in items if str(item.get(value, "")) == wanted]
    field = query.get("searchCriteria[sortOrders][0][field]")
    if field:
        descending = query.get("searchCriteria[sortOrders][0][direction]", "ASC").upper() == "DESC"
        items = sorted(items, key=lambda item: str(item.get(field, "")), reverse=descending)
    size = to_int(query.get("searchCriteria[pageSize]"), 0)
    page = max(1, to_int(query.get("searchCriteria[currentPage]"), 1))
    criteria: dict[str, Any] = {"filter_groups": []}
    if size > 0:
        criteria.update(page_size=size, current_page=page)
        return items[(page - 1) * size : page * size], criteria
    return items, criteria


def install(site: Site) -> None:
    """Register the REST routes on ``site``."""

    def token() -> str:
        return f"{ADMIN['username']}.{site.sign('rest:' + ADMIN['username'])}"

    def authorized(request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and value.strip() == token()

    @site.route("POST", f"{REST}/integration/admin/token")
    def admin_token(request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or (body.get("username"), body.get("password")) != (
            ADMIN["username"],
            ADMIN["password"],
        ):
            message = (
                "The account sign-in was incorrect or your account is disabled temporarily. "
                "Please wait and try again later."
            )
            return json_answer({"message": message}, 401)
        return json_answer(token())

    @site.route("GET", f"{REST}/orders")
    def orders(request: Request) -> Response:
        if not authorized(request):
            return json_answer(UNAUTHORIZED, 401)
        everything = [order_json(o) for o in site.state["orders"].values()]
        items, criteria = search(everything, request.query)
        return json_answer({"items": items, "search_criteria": criteria, "total_count": len(everything)})

    def product(sku: str) -> dict[str, Any] | None:
        return next((p for p in site.state["products"].values() if p["sku"] == sku), None)

    @site.route("GET", rf"{REST}/products/(?P<sku>[^/]+)/reviews")
    def reviews(request: Request, sku: str) -> Response:
        if not authorized(request):
            return json_answer(UNAUTHORIZED, 401)
        found = product(sku)
        if found is None:
            return json_answer(NO_PRODUCT, 404)
        return json_answer(
            [review_json(r, sku) for r in site.state["reviews"] if r["product_id"] == found["id"]]
        )

    @site.route("GET", rf"{REST}/products/(?P<sku>[^/]+)")
    def product_json(request: Request, sku: str) -> Response:
        if not authorized(request):
            return json_answer(UNAUTHORIZED, 401)
        found = product(sku)
        if found is None:
            return json_answer(NO_PRODUCT, 404)
        keys = ("id", "sku", "name", "price", "status")
        return json_answer(
            {k: found[k] for k in keys}
            | {
                "extension_attributes": {
                    "stock_item": {"qty": found["qty"], "is_in_stock": bool(found["in_stock"])}
                }
            }
        )
