"""The one way interface code finds a visitor's cart.

The cart id lives in the session under `CART_SESSION_KEY`. Django copies session data across the
session-key rotation at login, so the anonymous cart is still there on the first signed-in
request: that is when it is merged into the user's own cart (lazily, here, no login signal).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.cart import services
from rapport.cart.models import Cart, CartStatus

CART_SESSION_KEY = "cart_id"


def _session_cart(request: Any) -> Cart | None:
    """The anonymous cart named by the session, if it is still usable (open, not expired, not
    somebody else's)."""
    raw = request.session.get(CART_SESSION_KEY)
    if not raw:
        return None
    try:
        # public_id is unique: at most one row, so no ORDER BY ... LIMIT as .first() would add.
        found = list(Cart.objects.filter(public_id=raw, status=CartStatus.OPEN, user__isnull=True))
    except ValidationError:  # not a UUID: a tampered session value
        found = []
    cart = found[0] if found else None
    ttl = timedelta(days=settings.RAPPORT_CART_TTL_DAYS)
    if cart is None or cart.updated_at < timezone.now() - ttl:
        # Foreign, closed or expired: forget it rather than resurrect it.
        request.session.pop(CART_SESSION_KEY, None)
        return None
    return cart


def get_cart_for(request: Any, *, create: bool = False) -> Cart | None:
    """The visitor's open cart, or None when they have none and `create` is False.

    Signed-in users get their own cart (any device); an anonymous cart still in the session is
    merged into it first.
    """
    user = request.user
    if user.is_authenticated:
        anonymous = _session_cart(request)
        cart = Cart.objects.filter(user=user, status=CartStatus.OPEN).first()
        if anonymous is not None:
            if cart is None:
                cart = services.open_cart_for_user(user=user)
            cart = services.merge_carts(source=anonymous, target=cart)
            request.session.pop(CART_SESSION_KEY, None)
        if cart is None and create:
            cart = services.open_cart_for_user(user=user)
        return cart
    cart = _session_cart(request)
    if cart is None and create:
        cart = services.create_anonymous_cart()
        request.session[CART_SESSION_KEY] = str(cart.public_id)
    return cart
