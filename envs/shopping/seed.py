"""The shop's seed: products with reviews, customers, orders, carts, wishlists (listed in envs/README.md).

An order's ``order_id`` in URLs is ``int(increment_id)``, on the storefront and in the
admin alike, as the official ``shopping_get_latest_order_url`` helper assumes.
"""

from __future__ import annotations

from typing import Any

ADMIN = {"username": "admin", "password": "admin1234", "name": "Admin User"}
PASSWORD = "Password.123"


def _product(pid: int, sku: str, name: str, price: float, qty: int, key: str, text: str) -> dict[str, Any]:
    return {
        "id": pid,
        "sku": sku,
        "name": name,
        "price": price,
        "qty": qty,
        "in_stock": 1 if qty > 0 else 0,
        "status": 1,
        "url_key": key,
        "description": text,
    }


def _review(
    rid: int, pid: int, nickname: str, title: str, detail: str, stars: int, day: str
) -> dict[str, Any]:
    return {
        "id": rid,
        "product_id": pid,
        "nickname": nickname,
        "title": title,
        "detail": detail,
        "percent": stars * 20,
        "status_id": 1,
        "created_at": f"{day} 10:00:00",
    }


def _address(first: str, last: str, street: str, city: str, region: str, postcode: str, phone: str) -> dict:
    return {
        "firstname": first,
        "lastname": last,
        "street": street,
        "city": city,
        "region": region,
        "postcode": postcode,
        "country": "United States",
        "telephone": phone,
    }


def _order(number: int, email: str, day: str, status: str, items: list[tuple[int, int]], note: str) -> dict:
    return {
        "increment_id": f"{number:09d}",
        "customer_email": email,
        "created_at": f"{day} 09:30:00",
        "status": status,
        "items": [{"product_id": pid, "qty": qty} for pid, qty in items],
        "history": [{"comment": note, "created_at": f"{day} 09:30:00", "status": status}],
    }


def seed() -> dict[str, Any]:
    """Return a fresh copy of the shop's seed state."""
    products = [
        _product(
            1,
            "B07DFJ5XKH",
            "Tide PODS Spring Meadow Scent HE Turbo Laundry Detergent Pacs, 81 Count",
            19.99,
            120,
            "tide-pods-spring-meadow-81-count",
            "Laundry detergent pacs with a spring meadow scent, for HE machines.",
        ),
        _product(
            2,
            "B0041MSF2S",
            "Pre-baked Gingerbread House Kit Value Pack, 17 oz., Pack of 2",
            24.5,
            35,
            "gingerbread-house-kit-value-pack",
            "Two pre-baked gingerbread houses with icing and candy to decorate.",
        ),
        _product(
            3,
            "B00J8RZL7I",
            "Elmer's Washable School Glue Sticks, 0.21 oz, 30 Count",
            8.49,
            300,
            "elmers-washable-glue-sticks-30-count",
            "Washable, non-toxic glue sticks that go on purple and dry clear.",
        ),
        _product(
            4,
            "B07HZB38XH",
            "Sony WH-1000XM3 Wireless Noise-Cancelling Headphones, Black",
            278.0,
            12,
            "sony-wh-1000xm3-headphones-black",
            "Over-ear Bluetooth headphones with industry-leading noise cancelling.",
        ),
        _product(
            5,
            "B09P7BFL4H",
            "Anker USB C Charger 65W, 3-Port Fast Charger",
            35.99,
            0,
            "anker-usb-c-charger-65w",
            "A compact 65 W charger with two USB-C ports and one USB-A port.",
        ),
        _product(
            6,
            "WS12",
            "Radiant Tee",
            22.0,
            100,
            "radiant-tee",
            "So light and comfy, you will love the Radiant Tee's organic fabric.",
        ),
        _product(
            7,
            "24-UG06",
            "Affirm Water Bottle",
            7.0,
            80,
            "affirm-water-bottle",
            "A 24 oz. water bottle with a leak-proof lid, for the gym or the trail.",
        ),
    ]
    reviews = [
        _review(1, 1, "Jay", "Works great", "Clean clothes, nice smell.", 5, "2023-01-10"),
        _review(2, 1, "Sophia", "Too strong", "The scent is too strong for me.", 3, "2023-02-14"),
        _review(3, 2, "Carl", "Kids loved it", "Easy to build, tasty too.", 4, "2022-12-20"),
        _review(4, 3, "Dana", "Sticky", "Good glue, the caps come off easily.", 4, "2023-03-02"),
        _review(5, 4, "Morgan", "Quiet bliss", "Noise cancelling is superb.", 5, "2023-01-25"),
        _review(6, 4, "Riley", "Ear fatigue", "Great sound but heavy after hours.", 4, "2023-04-11"),
        _review(7, 6, "Sam", "Soft tee", "Fits true to size.", 5, "2023-02-01"),
    ]
    emma = _address("Emma", "Lopez", "101 S San Mateo Dr", "San Mateo", "California", "94010", "6505551212")
    alex = _address("Alex", "Martin", "22 Elm St", "Pittsburgh", "Pennsylvania", "15213", "4125550100")
    customers = {
        "emma.lopez@gmail.com": {
            "firstname": "Emma",
            "lastname": "Lopez",
            "password": PASSWORD,
            "billing": emma,
            "shipping": dict(emma),
            "newsletter": False,
        },
        "alex.martin@gmail.com": {
            "firstname": "Alex",
            "lastname": "Martin",
            "password": PASSWORD,
            "billing": alex,
            "shipping": dict(alex),
            "newsletter": True,
        },
    }
    orders = [
        _order(178, "emma.lopez@gmail.com", "2022-11-03", "complete", [(3, 2), (6, 1)], "Order shipped."),
        _order(183, "emma.lopez@gmail.com", "2023-01-16", "canceled", [(4, 1)], "Canceled by customer."),
        _order(186, "alex.martin@gmail.com", "2023-02-20", "complete", [(2, 1)], "Order shipped."),
        _order(188, "emma.lopez@gmail.com", "2023-03-08", "processing", [(1, 2), (7, 1)], "Invoice created."),
        _order(190, "emma.lopez@gmail.com", "2023-05-02", "pending", [(5, 1)], "Order placed."),
    ]
    by_id = {p["id"]: p for p in products}
    for order in orders:
        for item in order["items"]:
            product = by_id[item["product_id"]]
            item.update(sku=product["sku"], name=product["name"], price=product["price"])
    return {
        "products": by_id,
        "reviews": reviews,
        "customers": customers,
        "orders": {int(o["increment_id"]): o for o in orders},
        "carts": {"emma.lopez@gmail.com": [{"product_id": 7, "qty": 1}]},
        "wishlists": {"emma.lopez@gmail.com": [4]},
        "messages": [],
    }
