"""The demo shop's carts: made up from the cart id, so every service and the traffic
generator agree on a cart's contents without sharing a database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PRODUCTS: Final = (
    ("sku-espresso", "Espresso beans 1kg", 2450),
    ("sku-grinder", "Burr grinder", 12900),
    ("sku-filter", "Paper filters x100", 590),
    ("sku-kettle", "Gooseneck kettle", 5400),
    ("sku-scale", "Brew scale", 3200),
)


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    name: str
    unit_cents: int
    quantity: int


def cart_items(cart_id: int) -> list[Item]:
    count = 1 + cart_id % 3
    items = []
    for n in range(count):
        sku, name, price = PRODUCTS[(cart_id + 2 * n) % len(PRODUCTS)]
        items.append(Item(sku, name, price, 1 + (cart_id + n) % 2))
    return items


def cart_total(cart_id: int) -> int:
    """What the cart costs, in cents."""
    return sum(item.unit_cents * item.quantity for item in cart_items(cart_id))
