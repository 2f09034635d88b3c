"""The shop's admin under ``/admin`` (Magento-shaped): login, dashboard, products, orders, reviews."""

from __future__ import annotations

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
    to_float,
    to_int,
)
from envs.shopping.seed import ADMIN
from envs.shopping.storefront import STATUS_LABELS, address_lines, money, order_total

AUTO_LOGIN = "X-M2-Admin-Auto-Login"
COOKIE = "admin"
BASE = "/admin"
REVIEW_STATUSES = ((1, "Approved"), (2, "Pending"), (3, "Not Approved"))


def install(site: Site) -> None:
    """Register the admin's routes on ``site``."""
    state = lambda: site.state  # noqa: E731 (reset swaps the dict, so read it each time)

    def page(title: str, *content: object, message: str = "") -> Response:
        menu = h(
            "nav",
            {"class": "admin__menu", "aria-label": "Admin menu"},
            link(f"{BASE}/dashboard/", "Dashboard"),
            link(f"{BASE}/sales/order/", "Orders"),
            link(f"{BASE}/catalog/product/", "Products"),
            link(f"{BASE}/review/product/", "Reviews"),
            link(f"{BASE}/customer/index/", "Customers"),
            link(f"{BASE}/admin/auth/logout/", "Sign Out"),
        )
        notice = (
            h("div", {"class": "message message-success", "role": "status"}, message) if message else None
        )
        main = h("main", {"id": "anchor-content"}, h("h1", {"class": "page-title"}, title), notice, content)
        return html_page(document(f"{title} / Magento Admin", [h("header", None, menu), main]))

    def current(request: Request) -> str | None:
        return site.logged_in(request, COOKIE, AUTO_LOGIN, {ADMIN["username"]: ADMIN["password"]})

    need_admin = login_required(current, f"{BASE}/")

    def login_page(error: str = "") -> Response:
        body = form(
            f"{BASE}/",
            h("p", {"class": "error", "role": "alert"}, error) if error else None,
            h(
                "input",
                {
                    "type": "text",
                    "id": "username",
                    "name": "login[username]",
                    "placeholder": "user name",
                    "aria-label": "Username",
                    "autofocus": True,
                },
            ),
            h(
                "input",
                {
                    "type": "password",
                    "id": "login",
                    "name": "login[password]",
                    "placeholder": "password",
                    "aria-label": "Password",
                },
            ),
            button("Sign in", **{"class": "action-login action-primary"}),
            id="login-form",
        )
        title = "Magento Admin"
        return html_page(document(title, h("main", None, h("h1", None, "Welcome, please sign in"), body)))

    @site.route("GET", BASE)
    def login_form(request: Request) -> Response:
        if current(request):
            return redirect(f"{BASE}/dashboard/")
        return login_page()

    @site.route("POST", BASE)
    def login_post(request: Request) -> Response:
        user, password = request.form.get("login[username]", ""), request.form.get("login[password]", "")
        if (user, password) != (ADMIN["username"], ADMIN["password"]):
            return login_page(
                "The account sign-in was incorrect or your account is disabled temporarily. "
                "Please wait and try again later."
            )
        return site.session_cookie(redirect(f"{BASE}/dashboard/", 303), COOKIE, user, path=BASE)

    @site.route("GET", f"{BASE}/admin/auth/logout")
    def logout(request: Request) -> Response:
        return redirect(f"{BASE}/").set_cookie(COOKIE, "", path=BASE)

    def grid(ident: str, columns: tuple[str, ...], rows: list[list[object]]) -> object:
        head = h("tr", None, [h("th", {"scope": "col"}, c) for c in columns])
        body = [h("tr", {"class": "data-row"}, [h("td", None, cell) for cell in row]) for row in rows]
        return h("table", {"id": ident, "class": "data-grid"}, h("thead", None, head), h("tbody", None, body))

    def latest_orders() -> list[dict[str, Any]]:
        return sorted(state()["orders"].values(), key=lambda o: o["created_at"], reverse=True)

    def customer_name(order: dict[str, Any]) -> str:
        record = state()["customers"].get(order["customer_email"], {})
        return f"{record.get('firstname', '')} {record.get('lastname', '')}".strip()

    @site.route("GET", f"{BASE}/dashboard")
    @need_admin
    def dashboard(request: Request, user: str) -> Response:
        orders = latest_orders()
        lifetime = sum(order_total(o) for o in orders if o["status"] != "canceled")
        rows = [[customer_name(o), len(o["items"]), money(order_total(o))] for o in orders[:5]]
        return page(
            "Dashboard",
            h(
                "div",
                {"class": "dashboard-totals"},
                h("h2", None, "Lifetime Sales"),
                h("span", {"class": "price"}, money(lifetime)),
            ),
            h("h2", None, "Last Orders"),
            grid("lastOrdersGrid_table", ("Customer", "Items", "Total"), rows),
        )

    # ---- products -------------------------------------------------------------------------

    @site.route("GET", f"{BASE}/catalog/product")
    @need_admin
    def products(request: Request, user: str) -> Response:
        rows = [
            [
                p["id"],
                p["name"],
                p["sku"],
                money(p["price"]),
                p["qty"],
                "Enabled" if p["status"] == 1 else "Disabled",
                link(f"{BASE}/catalog/product/edit/id/{p['id']}/", "Edit"),
            ]
            for p in state()["products"].values()
        ]
        return page(
            "Products",
            grid("product_listing", ("ID", "Name", "SKU", "Price", "Quantity", "Status", "Action"), rows),
        )

    @site.route("GET", rf"{BASE}/catalog/product/edit/id/(?P<pid>\d+)")
    @need_admin
    def product_edit(request: Request, user: str, pid: str) -> Response:
        product = state()["products"].get(int(pid))
        if product is None:
            return not_found(request.path)
        body = form(
            f"{BASE}/catalog/product/save/id/{product['id']}/",
            select("Enable Product", "product[status]", ((1, "Yes"), (2, "No")), product["status"]),
            field("Product Name", "product[name]", product["name"]),
            field("SKU", "product[sku]", product["sku"]),
            field("Price", "product[price]", f"{product['price']:.2f}"),
            field("Quantity", "product[quantity_and_stock_status][qty]", product["qty"]),
            select(
                "Stock Status",
                "product[quantity_and_stock_status][is_in_stock]",
                ((1, "In Stock"), (0, "Out of Stock")),
                product["in_stock"],
            ),
            field("Description", "product[description]", product["description"], "textarea"),
            button("Save", id="save-button", **{"class": "action-primary"}),
            id="product_form",
        )
        message = "You saved the product." if request.query.get("saved") else ""
        return page(product["name"], body, message=message)

    @site.route("POST", rf"{BASE}/catalog/product/save/id/(?P<pid>\d+)")
    @need_admin
    def product_save(request: Request, user: str, pid: str) -> Response:
        product = state()["products"].get(int(pid))
        if product is None:
            return not_found(request.path)
        data = request.form
        product["status"] = 1 if data.get("product[status]", "1") == "1" else 2
        product["name"] = data.get("product[name]", product["name"]).strip() or product["name"]
        product["sku"] = data.get("product[sku]", product["sku"]).strip() or product["sku"]
        product["price"] = to_float(data.get("product[price]"), product["price"])
        product["qty"] = to_int(data.get("product[quantity_and_stock_status][qty]"), product["qty"])
        product["in_stock"] = to_int(
            data.get("product[quantity_and_stock_status][is_in_stock]"), product["in_stock"]
        )
        product["description"] = data.get("product[description]", product["description"])
        return redirect(f"{BASE}/catalog/product/edit/id/{product['id']}/?saved=1", 303)

    # ---- orders ---------------------------------------------------------------------------

    @site.route("GET", f"{BASE}/sales/order")
    @need_admin
    def orders(request: Request, user: str) -> Response:
        rows = [
            [
                o["increment_id"],
                o["created_at"],
                customer_name(o),
                money(order_total(o)),
                STATUS_LABELS[o["status"]],
                link(f"{BASE}/sales/order/view/order_id/{int(o['increment_id'])}/", "View"),
            ]
            for o in latest_orders()
        ]
        columns = ("ID", "Purchase Date", "Bill-to Name", "Grand Total", "Status", "Action")
        return page("Orders", grid("sales_order_grid", columns, rows))

    @site.route("GET", rf"{BASE}/sales/order/view/order_id/(?P<number>\d+)")
    @need_admin
    def order_view(request: Request, user: str, number: str) -> Response:
        order = state()["orders"].get(int(number))
        if order is None:
            return not_found(request.path)
        record = state()["customers"].get(order["customer_email"])
        notes = [
            h(
                "li",
                {"class": "note-list-item"},
                h("span", {"class": "note-list-date"}, note["created_at"]),
                " ",
                h("span", {"class": "note-list-status"}, STATUS_LABELS[note["status"]]),
                " ",
                h("div", {"class": "note-list-comment"}, note["comment"]),
            )
            for note in reversed(order["history"])
        ]
        history = h(
            "section",
            {"id": "order_history_block", "class": "edit-order-comments"},
            h("h2", None, "Notes for this Order"),
            form(
                f"{BASE}/sales/order/addComment/order_id/{number}/",
                select("Status", "history[status]", list(STATUS_LABELS.items()), order["status"]),
                field("Comment", "history[comment]", kind="textarea"),
                button("Submit Comment"),
            ),
            h("ul", {"class": "note-list"}, notes),
        )
        actions = (
            form(
                f"{BASE}/sales/order/cancel/order_id/{number}/",
                button("Cancel", id="order-view-cancel-button"),
            )
            if order["status"] in ("pending", "processing")
            else None
        )
        account = h(
            "section",
            {"class": "order-account-information"},
            h("h2", None, "Account Information"),
            h("p", None, "Customer Name: ", customer_name(order)),
            h("p", None, "Email: ", order["customer_email"]),
            h("address", {"class": "order-shipping-address"}, address_lines(record["shipping"]))
            if record
            else None,
        )
        items = h(
            "section",
            {"class": "order-items"},
            h("h2", None, "Items Ordered"),
            grid(
                "order-items_grid",
                ("Product", "SKU", "Price", "Qty", "Subtotal"),
                [
                    [i["name"], i["sku"], money(i["price"]), i["qty"], money(i["price"] * i["qty"])]
                    for i in order["items"]
                ],
            ),
            h("p", None, "Grand Total: ", money(order_total(order))),
        )
        info = h(
            "p",
            None,
            "Order Status: ",
            h("span", {"id": "order_status"}, STATUS_LABELS[order["status"]]),
            " Order Date: ",
            order["created_at"],
        )
        message = request.query.get("done", "")
        notice = {"comment": "You added a comment.", "cancel": "You canceled the order."}.get(message, "")
        return page(f"# {order['increment_id']}", actions, info, account, items, history, message=notice)

    @site.route("POST", rf"{BASE}/sales/order/addComment/order_id/(?P<number>\d+)")
    @need_admin
    def order_comment(request: Request, user: str, number: str) -> Response:
        order = state()["orders"].get(int(number))
        if order is None:
            return not_found(request.path)
        status = request.form.get("history[status]", order["status"])
        order["status"] = status if status in STATUS_LABELS else order["status"]
        order["history"].append(
            {
                "comment": request.form.get("history[comment]", "").strip(),
                "created_at": now(),
                "status": order["status"],
            }
        )
        return redirect(f"{BASE}/sales/order/view/order_id/{number}/?done=comment", 303)

    @site.route("POST", rf"{BASE}/sales/order/cancel/order_id/(?P<number>\d+)")
    @need_admin
    def order_cancel(request: Request, user: str, number: str) -> Response:
        order = state()["orders"].get(int(number))
        if order is None:
            return not_found(request.path)
        if order["status"] in ("pending", "processing"):
            order["status"] = "canceled"
            order["history"].append({"comment": "Order canceled.", "created_at": now(), "status": "canceled"})
        return redirect(f"{BASE}/sales/order/view/order_id/{number}/?done=cancel", 303)

    # ---- reviews and customers ------------------------------------------------------------

    @site.route("GET", f"{BASE}/review/product")
    @need_admin
    def reviews(request: Request, user: str) -> Response:
        products = state()["products"]
        labels = dict(REVIEW_STATUSES)
        rows = [
            [
                r["id"],
                r["created_at"],
                labels[r["status_id"]],
                r["title"],
                r["nickname"],
                products[r["product_id"]]["name"],
                products[r["product_id"]]["sku"],
                link(f"{BASE}/review/product/edit/id/{r['id']}/", "Edit"),
            ]
            for r in state()["reviews"]
        ]
        columns = ("ID", "Created", "Status", "Title", "Nickname", "Product", "SKU", "Action")
        return page("Reviews", grid("reviewGrid_table", columns, rows))

    @site.route("GET", rf"{BASE}/review/product/edit/id/(?P<rid>\d+)")
    @need_admin
    def review_edit(request: Request, user: str, rid: str) -> Response:
        review = next((r for r in state()["reviews"] if r["id"] == int(rid)), None)
        if review is None:
            return not_found(request.path)
        product = state()["products"][review["product_id"]]
        body = form(
            f"{BASE}/review/product/save/id/{review['id']}/",
            h(
                "p",
                None,
                "Product: ",
                link(f"{BASE}/catalog/product/edit/id/{product['id']}/", product["name"]),
            ),
            h("p", None, f"Rating: {review['percent']}%"),
            select("Status", "status_id", REVIEW_STATUSES, review["status_id"], id="status_id"),
            field("Nickname", "nickname", review["nickname"]),
            field("Summary of Review", "title", review["title"]),
            field("Review", "detail", review["detail"], "textarea"),
            button("Save Review", id="save_button"),
            id="edit_form",
        )
        message = "You saved the review." if request.query.get("saved") else ""
        return page("Edit Review", body, message=message)

    @site.route("POST", rf"{BASE}/review/product/save/id/(?P<rid>\d+)")
    @need_admin
    def review_save(request: Request, user: str, rid: str) -> Response:
        review = next((r for r in state()["reviews"] if r["id"] == int(rid)), None)
        if review is None:
            return not_found(request.path)
        status = to_int(request.form.get("status_id"), review["status_id"])
        review["status_id"] = status if status in dict(REVIEW_STATUSES) else review["status_id"]
        for key in ("nickname", "title", "detail"):
            review[key] = request.form.get(key, review[key])
        return redirect(f"{BASE}/review/product/edit/id/{review['id']}/?saved=1", 303)

    @site.route("GET", f"{BASE}/customer/index")
    @need_admin
    def customers(request: Request, user: str) -> Response:
        rows = [
            [
                f"{c['firstname']} {c['lastname']}",
                email,
                c["billing"]["telephone"],
                c["billing"]["postcode"],
                c["billing"]["region"],
            ]
            for email, c in state()["customers"].items()
        ]
        return page(
            "Customers", grid("customer_listing", ("Name", "Email", "Phone", "ZIP", "State/Province"), rows)
        )
