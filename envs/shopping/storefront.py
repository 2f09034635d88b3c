"""The storefront (Magento-shaped URLs and markup): catalogue, product pages, cart, checkout, account."""

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
    to_int,
)

AUTO_LOGIN = "X-M2-Customer-Auto-Login"
COOKIE = "PHPSESSID"
STORE = "One Stop Market"
LOGIN = "/customer/account/login"
STATUS_LABELS = {
    "pending": "Pending",
    "processing": "Processing",
    "complete": "Complete",
    "canceled": "Canceled",
}
ADDRESS_FIELDS = (
    ("firstname", "First Name"),
    ("lastname", "Last Name"),
    ("street", "Street Address"),
    ("city", "City"),
    ("region", "State/Province"),
    ("postcode", "Zip/Postal Code"),
    ("country", "Country"),
    ("telephone", "Phone Number"),
)


def money(value: float) -> str:
    """Return ``value`` as the shop prints prices ("$1,234.50")."""
    return f"${value:,.2f}"


def order_total(order: dict[str, Any]) -> float:
    """Return the order's grand total (item prices at order time times quantities, plus $5 shipping)."""
    return round(sum(item["price"] * item["qty"] for item in order["items"]) + 5.0, 2)


def address_lines(address: dict[str, str]) -> list[object]:
    """Return an address as lines separated by <br>."""
    lines = [
        f"{address['firstname']} {address['lastname']}",
        address["street"],
        f"{address['city']}, {address['region']}, {address['postcode']}",
        address["country"],
        f"T: {address['telephone']}",
    ]
    return [part for line in lines for part in (line, h("br"))][:-1]


def product_url(product: dict[str, Any]) -> str:
    """Return the storefront path of a product page."""
    return f"/{product['url_key']}.html"


def in_stock(product: dict[str, Any]) -> bool:
    """Return True when the product can be ordered (in stock with a quantity above 0)."""
    return bool(product["in_stock"]) and product["qty"] > 0


def install(site: Site) -> None:
    """Register the storefront's routes on ``site``."""
    state = lambda: site.state  # noqa: E731 (reset swaps the dict, so read it each time)

    def customer(request: Request) -> str | None:
        passwords = {name: record["password"] for name, record in state()["customers"].items()}
        return site.logged_in(request, COOKIE, AUTO_LOGIN, passwords)

    def page(request: Request, title: str, *content: object, message: str = "") -> Response:
        email = customer(request)
        cart = sum(item["qty"] for item in state()["carts"].get(email or "", []))
        account = (
            [
                link("/customer/account/", "My Account"),
                link("/wishlist/", "My Wish List"),
                link("/customer/account/logout/", "Sign Out"),
            ]
            if email
            else [link(LOGIN + "/", "Sign In")]
        )
        welcome = f"Welcome, {state()['customers'][email]['firstname']}!" if email else "Default welcome msg!"
        search = form(
            "/catalogsearch/result/",
            field(
                "Search", "q", request.query.get("q", ""), "search", placeholder="Search entire store here..."
            ),
            button("Search"),
            method="get",
            role="search",
        )
        header = h(
            "header",
            {"class": "page-header"},
            h("span", {"class": "greet welcome"}, welcome),
            h(
                "nav",
                {"aria-label": "Account"},
                link("/", STORE),
                account,
                link("/checkout/cart/", f"My Cart ({cart})"),
            ),
            search,
        )
        notice = (
            h("div", {"class": "message message-success", "role": "status"}, message) if message else None
        )
        main = h(
            "main",
            {"id": "maincontent"},
            h("h1", {"class": "page-title"}, h("span", None, title)),
            notice,
            content,
        )
        return html_page(document(f"{title} | {STORE}", [header, main]))

    need_login = login_required(customer, LOGIN + "/")

    def product_list(products: list[dict[str, Any]]) -> object:
        items = [
            h(
                "li",
                {"class": "product-item"},
                link(product_url(p), p["name"], **{"class": "product-item-link"}),
                " ",
                h("span", {"class": "price"}, money(p["price"])),
            )
            for p in products
        ]
        return (
            h("ol", {"class": "products list items product-items"}, items)
            if items
            else h("p", {"class": "message notice"}, "Your search returned no results.")
        )

    def visible() -> list[dict[str, Any]]:
        return [p for p in state()["products"].values() if p["status"] == 1]

    @site.route("GET", "/")
    def home(request: Request) -> Response:
        return page(request, "Home Page", h("h2", None, "Products"), product_list(visible()))

    @site.route("GET", "/catalogsearch/result")
    def search(request: Request) -> Response:
        words = request.query.get("q", "").lower().split()
        found = [p for p in visible() if all(w in f"{p['name']} {p['sku']}".lower() for w in words)]
        return page(request, f"Search results for: '{request.query.get('q', '')}'", product_list(found))

    def find_product(key: str) -> dict[str, Any] | None:
        return next(
            (p for p in state()["products"].values() if p["url_key"] == key and p["status"] == 1), None
        )

    @site.route("GET", r"/(?P<key>[a-z0-9-]+)\.html")
    def product_page(request: Request, key: str) -> Response:
        product = find_product(key)
        if product is None:
            return not_found(request.path)
        pid = product["id"]
        reviews = [r for r in state()["reviews"] if r["product_id"] == pid and r["status_id"] == 1]
        stock = "In stock" if in_stock(product) else "Out of stock"
        info = h(
            "div",
            {"class": "product-info-main"},
            h("div", {"class": "price-box"}, h("span", {"class": "price"}, money(product["price"]))),
            h("div", {"class": "stock available"}, h("span", None, stock)),
            h(
                "div",
                {"class": "product attribute sku"},
                h("strong", {"class": "type"}, "SKU"),
                " ",
                h("div", {"class": "value", "itemprop": "sku"}, product["sku"]),
            ),
            h(
                "div",
                {"class": "product attribute overview"},
                h("div", {"class": "value", "itemprop": "description"}, product["description"]),
            ),
            form(
                "/checkout/cart/add/",
                h("input", {"type": "hidden", "name": "product", "value": pid}),
                field("Qty", "qty", "1", "number", min="1"),
                button("Add to Cart", id="product-addtocart-button"),
                id="product_addtocart_form",
            )
            if in_stock(product)
            else None,
            form(
                "/wishlist/index/add/",
                h("input", {"type": "hidden", "name": "product", "value": pid}),
                button("Add to Wish List"),
            ),
        )
        review_items = [
            h(
                "li",
                {"class": "item review-item"},
                h("div", {"class": "review-title"}, r["title"]),
                h("div", {"class": "rating-summary"}, f"Rating: {r['percent']}%"),
                h("div", {"class": "review-content"}, r["detail"]),
                h(
                    "p",
                    {"class": "review-author"},
                    "Review by ",
                    h("strong", {"class": "review-details-value"}, r["nickname"]),
                ),
            )
            for r in reviews
        ]
        review_form = form(
            f"/review/product/post/id/{pid}/",
            h("h3", None, "You're reviewing: ", product["name"]),
            select("Rating", "rating", [(n, f"{n} star{'s' * (n > 1)}") for n in range(1, 6)], 5),
            field("Nickname", "nickname"),
            field("Summary", "title"),
            field("Review", "detail", kind="textarea"),
            button("Submit Review"),
            id="review-form",
        )
        details = h(
            "div",
            {"class": "product info detailed"},
            h("h2", None, "Details"),
            h("div", {"class": "data item content", "id": "description"}, product["description"]),
            h(
                "div",
                {"id": "reviews", "class": "data item content"},
                h("h2", None, f"Customer Reviews ({len(reviews)})"),
                h("ol", {"class": "items review-items"}, review_items),
                review_form,
            ),
        )
        message = "You submitted your review for moderation." if request.query.get("review") else ""
        return page(request, product["name"], info, details, message=message)

    @site.route("POST", r"/review/product/post/id/(?P<pid>\d+)")
    def post_review(request: Request, pid: str) -> Response:
        product = state()["products"].get(int(pid))
        if product is None:
            return not_found(request.path)
        try:
            stars = min(5, max(1, int(request.form.get("rating", "5"))))
        except ValueError:
            stars = 5
        reviews = state()["reviews"]
        reviews.append(
            {
                "id": max((r["id"] for r in reviews), default=0) + 1,
                "product_id": product["id"],
                "nickname": request.form.get("nickname", "").strip() or "Guest",
                "title": request.form.get("title", "").strip(),
                "detail": request.form.get("detail", "").strip(),
                "percent": stars * 20,
                "status_id": 2,
                "created_at": now(),
            }
        )
        return redirect(product_url(product) + "?review=submitted", 303)

    # ---- login ----------------------------------------------------------------------------

    def login_page(request: Request, error: str = "") -> Response:
        login_form = form(
            "/customer/account/loginPost/",
            h("h2", None, "Registered Customers"),
            h("p", {"class": "error", "role": "alert"}, error) if error else None,
            field("Email", "login[username]", request.form.get("login[username]", ""), "email", id="email"),
            field("Password", "login[password]", kind="password", id="pass"),
            button("Sign In", id="send2", **{"class": "action login primary"}),
            id="login-form",
            **{"class": "form form-login"},
        )
        return page(request, "Customer Login", login_form)

    @site.route("GET", "/customer/account/login")
    def login_form(request: Request) -> Response:
        if customer(request):
            return redirect("/customer/account/")
        return login_page(request)

    @site.route("POST", "/customer/account/loginPost")
    def login_post(request: Request) -> Response:
        email = request.form.get("login[username]", "").strip().lower()
        record = state()["customers"].get(email)
        if record is None or record["password"] != request.form.get("login[password]"):
            return login_page(
                request, "The account sign-in was incorrect or your account is disabled temporarily."
            )
        return site.session_cookie(redirect("/customer/account/", 303), COOKIE, email)

    @site.route("GET", "/customer/account/logout")
    def logout(request: Request) -> Response:
        return redirect("/").set_cookie(COOKIE, "")

    # ---- account --------------------------------------------------------------------------

    @site.route("GET", "/customer/account")
    @need_login
    def account(request: Request, email: str) -> Response:
        record = state()["customers"][email]
        info = h(
            "div",
            {"class": "block block-dashboard-info"},
            h("h2", None, "Account Information"),
            h(
                "div",
                {"class": "box box-information"},
                h("strong", None, "Contact Information"),
                h("p", None, f"{record['firstname']} {record['lastname']}", h("br"), email),
            ),
            h(
                "div",
                {"class": "box box-newsletter"},
                h("strong", None, "Newsletters"),
                h(
                    "p",
                    None,
                    'You are subscribed to "General Subscription".'
                    if record["newsletter"]
                    else "You aren't subscribed to our newsletter.",
                ),
                link("/newsletter/manage/", "Edit"),
            ),
        )
        links = h(
            "nav",
            {"aria-label": "My account"},
            link("/sales/order/history/", "My Orders"),
            link("/wishlist/", "My Wish List"),
            link("/customer/address/", "Address Book"),
            link("/newsletter/manage/", "Newsletter Subscriptions"),
            link("/contact/", "Contact Us"),
        )
        return page(request, "My Account", links, info)

    @site.route("GET", "/customer/address")
    @need_login
    def address_book(request: Request, email: str) -> Response:
        record = state()["customers"][email]
        boxes = [
            h(
                "div",
                {"class": f"box box-address-{kind}"},
                h("strong", {"class": "box-title"}, f"Default {kind.title()} Address"),
                h("address", {"class": "box-content"}, address_lines(record[kind])),
                link(f"/customer/address/edit/?type={kind}", f"Change {kind.title()} Address"),
            )
            for kind in ("billing", "shipping")
        ]
        message = "You saved the address." if request.query.get("saved") else ""
        return page(
            request,
            "Address Book",
            h("div", {"class": "block block-addresses-default"}, boxes),
            message=message,
        )

    @site.route("GET", "/customer/address/edit")
    @need_login
    def address_edit(request: Request, email: str) -> Response:
        kind = request.query.get("type", "billing")
        kind = kind if kind in ("billing", "shipping") else "billing"
        current = state()["customers"][email][kind]
        fields = [field(label, key, current[key]) for key, label in ADDRESS_FIELDS]
        defaults = [
            h(
                "div",
                {"class": "field"},
                h(
                    "input",
                    {
                        "type": "checkbox",
                        "id": f"default_{other}",
                        "name": f"default_{other}",
                        "value": "1",
                        "checked": other == kind,
                    },
                ),
                h("label", {"for": f"default_{other}"}, f"Use as my default {other} address"),
            )
            for other in ("billing", "shipping")
        ]
        return page(
            request,
            "Edit Address",
            form("/customer/address/formPost/", fields, defaults, button("Save Address"), id="form-validate"),
        )

    @site.route("POST", "/customer/address/formPost")
    @need_login
    def address_save(request: Request, email: str) -> Response:
        address = {key: request.form.get(key, "").strip() for key, _ in ADDRESS_FIELDS}
        kinds = [k for k in ("billing", "shipping") if request.form.get(f"default_{k}")] or ["billing"]
        for kind in kinds:
            state()["customers"][email][kind] = dict(address)
        return redirect("/customer/address/?saved=1", 303)

    @site.route("GET", "/newsletter/manage")
    @need_login
    def newsletter(request: Request, email: str) -> Response:
        subscribed = state()["customers"][email]["newsletter"]
        box = h(
            "div",
            {"class": "field"},
            h(
                "input",
                {
                    "type": "checkbox",
                    "id": "subscription",
                    "name": "is_subscribed",
                    "value": "1",
                    "title": "General Subscription",
                    "checked": subscribed,
                },
            ),
            h("label", {"for": "subscription"}, "General Subscription"),
        )
        return page(request, "Newsletter Subscription", form("/newsletter/manage/save/", box, button("Save")))

    @site.route("POST", "/newsletter/manage/save")
    @need_login
    def newsletter_save(request: Request, email: str) -> Response:
        state()["customers"][email]["newsletter"] = bool(request.form.get("is_subscribed"))
        return redirect("/customer/account/", 303)

    @site.route("GET", "/contact")
    def contact(request: Request) -> Response:
        email = customer(request) or ""
        record = state()["customers"].get(email)
        name = f"{record['firstname']} {record['lastname']}" if record else ""
        body = form(
            "/contact/index/post/",
            field("Name", "name", name),
            field("Email", "email", email, "email"),
            field("Phone Number", "telephone"),
            field("What\u2019s on your mind?", "comment", kind="textarea", title="What\u2019s on your mind?"),
            button("Submit"),
            id="contact-form",
        )
        message = (
            "Thanks for contacting us with your comments and questions." if request.query.get("sent") else ""
        )
        return page(request, "Contact Us", body, message=message)

    @site.route("POST", "/contact/index/post")
    def contact_post(request: Request) -> Response:
        fields = ("name", "email", "telephone", "comment")
        state()["messages"].append({key: request.form.get(key, "") for key in fields} | {"created_at": now()})
        return redirect("/contact/?sent=1", 303)

    # ---- wishlist -------------------------------------------------------------------------

    @site.route("GET", "/wishlist")
    @need_login
    def wishlist(request: Request, email: str) -> Response:
        products = state()["products"]
        items = [
            h(
                "li",
                {"class": "product-item"},
                h(
                    "strong",
                    {"class": "product-item-name"},
                    link(product_url(products[pid]), products[pid]["name"]),
                ),
                " ",
                h("span", {"class": "price"}, money(products[pid]["price"])),
                form(
                    "/wishlist/index/remove/",
                    h("input", {"type": "hidden", "name": "product", "value": pid}),
                    button("Remove item", title="Remove Item"),
                ),
            )
            for pid in state()["wishlists"].get(email, [])
        ]
        content = (
            h("ol", {"class": "product-items"}, items)
            if items
            else h("p", {"class": "message info empty"}, "You have no items in your wish list.")
        )
        grid = h("form", {"id": "wishlist-view-form"}, h("div", {"class": "products-grid wishlist"}, content))
        return page(request, "My Wish List", grid)

    @site.route("POST", "/wishlist/index/add")
    @need_login
    def wishlist_add(request: Request, email: str) -> Response:
        pid = to_int(request.form.get("product"))
        if pid in state()["products"]:
            items = state()["wishlists"].setdefault(email, [])
            if pid not in items:
                items.append(pid)
        return redirect("/wishlist/", 303)

    @site.route("POST", "/wishlist/index/remove")
    @need_login
    def wishlist_remove(request: Request, email: str) -> Response:
        pid = to_int(request.form.get("product"))
        state()["wishlists"][email] = [p for p in state()["wishlists"].get(email, []) if p != pid]
        return redirect("/wishlist/", 303)

    # ---- cart and checkout ----------------------------------------------------------------

    @site.route("POST", "/checkout/cart/add")
    @need_login
    def cart_add(request: Request, email: str) -> Response:
        pid, qty = to_int(request.form.get("product")), max(1, to_int(request.form.get("qty")) or 1)
        product = state()["products"].get(pid)
        if product is None:
            return not_found(request.path)
        if not in_stock(product):
            return redirect(product_url(product), 303)
        cart = state()["carts"].setdefault(email, [])
        line = next((item for item in cart if item["product_id"] == pid), None)
        if line is None:
            cart.append({"product_id": pid, "qty": qty})
        else:
            line["qty"] += qty
        return redirect("/checkout/cart/?added=1", 303)

    @site.route("POST", "/checkout/cart/delete")
    @need_login
    def cart_delete(request: Request, email: str) -> Response:
        pid = to_int(request.form.get("product"))
        state()["carts"][email] = [
            item for item in state()["carts"].get(email, []) if item["product_id"] != pid
        ]
        return redirect("/checkout/cart/", 303)

    def cart_lines(email: str) -> list[dict[str, Any]]:
        products = state()["products"]
        return [
            {
                "product_id": i["product_id"],
                "qty": i["qty"],
                "sku": products[i["product_id"]]["sku"],
                "name": products[i["product_id"]]["name"],
                "price": products[i["product_id"]]["price"],
            }
            for i in state()["carts"].get(email, [])
        ]

    def items_table(lines: list[dict[str, Any]], ident: str, remove: bool = False) -> object:
        head = h(
            "tr",
            None,
            [h("th", {"scope": "col"}, t) for t in ("Product Name", "SKU", "Price", "Qty", "Subtotal")],
        )
        rows = [
            h(
                "tr",
                {"class": "item-info"},
                h("td", {"class": "col name"}, line["name"]),
                h("td", {"class": "col sku"}, line["sku"]),
                h("td", {"class": "col price"}, money(line["price"])),
                h("td", {"class": "col qty"}, line["qty"]),
                h("td", {"class": "col subtotal"}, money(line["price"] * line["qty"])),
                h(
                    "td",
                    None,
                    form(
                        "/checkout/cart/delete/",
                        h("input", {"type": "hidden", "name": "product", "value": line["product_id"]}),
                        button("Remove item"),
                    ),
                )
                if remove
                else None,
            )
            for line in lines
        ]
        return h(
            "table", {"id": ident, "class": "data table"}, h("thead", None, head), h("tbody", None, rows)
        )

    @site.route("GET", "/checkout/cart")
    @need_login
    def cart(request: Request, email: str) -> Response:
        lines = cart_lines(email)
        if not lines:
            return page(
                request,
                "Shopping Cart",
                h("div", {"class": "cart-empty"}, h("p", None, "You have no items in your shopping cart.")),
            )
        subtotal = sum(line["price"] * line["qty"] for line in lines)
        message = "You added the product to your shopping cart." if request.query.get("added") else ""
        return page(
            request,
            "Shopping Cart",
            items_table(lines, "shopping-cart-table", remove=True),
            h("p", {"class": "cart-totals"}, f"Subtotal: {money(subtotal)}"),
            link("/checkout/", "Proceed to Checkout", **{"class": "action primary checkout"}),
            message=message,
        )

    @site.route("GET", "/checkout")
    @need_login
    def checkout(request: Request, email: str) -> Response:
        lines = cart_lines(email)
        if not lines:
            return redirect("/checkout/cart/")
        shipping = state()["customers"][email]["shipping"]
        return page(
            request,
            "Checkout",
            h("h2", None, "Shipping Address"),
            h("address", {"class": "shipping-address-item"}, address_lines(shipping)),
            h("h2", None, "Order Summary"),
            items_table(lines, "checkout-review-table"),
            h("p", None, "Shipping: Flat Rate $5.00"),
            form("/checkout/placeOrder/", button("Place Order")),
        )

    @site.route("POST", "/checkout/placeOrder")
    @need_login
    def place_order(request: Request, email: str) -> Response:
        lines = cart_lines(email)
        if not lines:
            return redirect("/checkout/cart/", 303)
        orders = state()["orders"]
        number = max(orders, default=0) + 1
        stamp = now()
        orders[number] = {
            "increment_id": f"{number:09d}",
            "customer_email": email,
            "created_at": stamp,
            "status": "pending",
            "items": [{k: line[k] for k in ("product_id", "qty", "sku", "name", "price")} for line in lines],
            "history": [{"comment": "Order placed.", "created_at": stamp, "status": "pending"}],
        }
        for line in lines:
            product = state()["products"][line["product_id"]]
            product["qty"] = max(0, product["qty"] - line["qty"])
        state()["carts"][email] = []
        return redirect(f"/checkout/onepage/success/?order={number}", 303)

    @site.route("GET", "/checkout/onepage/success")
    @need_login
    def success(request: Request, email: str) -> Response:
        number = to_int(request.query.get("order"))
        order = state()["orders"].get(number)
        if order is None or order["customer_email"] != email:
            return redirect("/checkout/cart/")
        return page(
            request,
            "Thank you for your purchase!",
            h(
                "p",
                {"class": "checkout-success"},
                "Your order number is: ",
                link(f"/sales/order/view/order_id/{number}/", order["increment_id"]),
                ".",
            ),
        )

    # ---- orders ---------------------------------------------------------------------------

    @site.route("GET", "/sales/order/history")
    @need_login
    def history(request: Request, email: str) -> Response:
        mine = sorted(
            (o for o in state()["orders"].values() if o["customer_email"] == email),
            key=lambda o: o["created_at"],
            reverse=True,
        )
        head = h(
            "tr",
            None,
            [
                h("th", {"scope": "col"}, t)
                for t in ("Order #", "Date", "Ship To", "Order Total", "Status", "Action")
            ],
        )
        ship = state()["customers"][email]["shipping"]
        rows = [
            h(
                "tr",
                None,
                h("td", {"class": "col id"}, o["increment_id"]),
                h("td", {"class": "col date"}, o["created_at"][:10]),
                h("td", {"class": "col shipping"}, f"{ship['firstname']} {ship['lastname']}"),
                h("td", {"class": "col total"}, money(order_total(o))),
                h("td", {"class": "col status"}, STATUS_LABELS[o["status"]]),
                h(
                    "td",
                    {"class": "col actions"},
                    link(f"/sales/order/view/order_id/{int(o['increment_id'])}/", "View Order"),
                ),
            )
            for o in mine
        ]
        return page(
            request,
            "My Orders",
            h(
                "table",
                {"id": "my-orders-table", "class": "data table"},
                h("thead", None, head),
                h("tbody", None, rows),
            ),
        )

    @site.route("GET", r"/sales/order/view/order_id/(?P<number>\d+)")
    @need_login
    def order_view(request: Request, email: str, number: str) -> Response:
        order = state()["orders"].get(int(number))
        if order is None or order["customer_email"] != email:
            return not_found(request.path)
        ship = state()["customers"][email]["shipping"]
        return page(
            request,
            f"Order # {order['increment_id']}",
            h("span", {"class": "order-status"}, STATUS_LABELS[order["status"]]),
            h("div", {"class": "order-date"}, f"Order Date: {order['created_at'][:10]}"),
            h(
                "div",
                {"class": "order-details-items ordered"},
                h("h2", None, "Items Ordered"),
                items_table(order["items"], "my-order-items"),
            ),
            h("p", {"class": "grand_total"}, f"Grand Total: {money(order_total(order))}"),
            h(
                "div",
                {"class": "box box-order-shipping-address"},
                h("strong", None, "Shipping Address"),
                h("address", {"class": "box-content"}, address_lines(ship)),
            ),
        )
