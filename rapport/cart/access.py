"""The one way interface code finds a visitor's cart.

A signed-in customer's open cart is found by their user, from any device. An anonymous visitor's
cart is named by a signed cookie (`CART_COOKIE`), not by the session, as django-oscar does: a
visitor who browses and fills a cart never needs a session row, so none of their requests reads or
writes one (that was a tenth of an add-to-cart and cart-page round trip), and their product pages
can still come from the shared page cache.

The cookie outlives the login; the first signed-in request that looks for the cart merges the
anonymous cart into the user's and drops the cookie (lazily, here, no login signal). Logging out
drops it too (`forget_anonymous_cart`), so the next person at a shared computer does not find it.
`CartCookieMiddleware` writes what these helpers decided onto the response.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from rapport.cart import queries, services
from rapport.cart.models import Cart
from rapport.cart.queries import CartView

CART_COOKIE = "rapport_cart"
CART_COOKIE_SALT = "rapport.cart.access"
# What the response should do with the cookie: a public id to (re)set, or "" to delete it.
_PENDING = "_rapport_cart_cookie"


def _ttl() -> timedelta:
    return timedelta(days=settings.RAPPORT_CART_TTL_DAYS)


def _cookie_cart(request: Any) -> Cart | None:
    """The anonymous cart named by the cookie, if it is still usable (open, not expired, not
    somebody else's); a cookie naming anything else is dropped."""
    public_id = _cookie_public_id(request)
    cart = (
        queries.usable_anonymous_cart(public_id, touched_since=timezone.now() - _ttl())
        if public_id
        else None
    )
    if cart is None and CART_COOKIE in request.COOKIES:
        # Foreign, closed, expired or tampered with: forget it rather than resurrect it.
        forget_anonymous_cart(request)
    return cart


def _cookie_public_id(request: Any) -> UUID | None:
    raw = request.get_signed_cookie(CART_COOKIE, default=None, salt=CART_COOKIE_SALT)
    try:
        return UUID(raw) if raw else None
    except ValueError:  # a cookie signed by us never holds one; be safe
        return None


def get_cart_for(request: Any, *, create: bool = False) -> Cart | None:
    """The visitor's open cart, or None when they have none and `create` is False.

    Signed-in users get their own cart (any device); an anonymous cart still named by the cookie
    is merged into it first. With `create` (the caller is about to write to the cart) an
    anonymous visitor's cookie is renewed, so a cart in use does not expire in the browser.
    """
    user = request.user
    if user.is_authenticated:
        anonymous = _cookie_cart(request)
        cart = queries.open_cart_of_user(user.pk)
        if anonymous is not None:
            if cart is None:
                cart = services.open_cart_for_user(user=user)
            cart = services.merge_carts(source=anonymous, target=cart)
            forget_anonymous_cart(request)
        if cart is None and create:
            cart = services.open_cart_for_user(user=user)
        return cart
    cart = _cookie_cart(request)
    if cart is None and create:
        cart = services.create_anonymous_cart()
    if cart is not None and create:
        setattr(request, _PENDING, str(cart.public_id))
    return cart


def cart_view_for(request: Any) -> CartView:
    """The visitor's cart as the cart page shows it (`cart.queries.CartView`).

    For an anonymous visitor the cart named by the cookie is found together with its lines in
    one query; a cookie naming a cart that is no longer usable shows an empty cart and is
    replaced by the next add (`get_cart_for(create=True)`).
    """
    if request.user.is_authenticated:
        if CART_COOKIE in request.COOKIES:  # an anonymous cart to merge first
            return queries.cart_view(get_cart_for(request))
        return queries.user_cart_view(request.user.pk)
    public_id = _cookie_public_id(request)
    if public_id is None:
        return queries.cart_view(None)
    return queries.anonymous_cart_view(public_id, touched_since=timezone.now() - _ttl())


def forget_anonymous_cart(request: HttpRequest) -> None:
    """Drop the anonymous cart cookie with this response (the cart itself stays in the database
    until it expires)."""
    if CART_COOKIE in request.COOKIES or getattr(request, _PENDING, None):
        setattr(request, _PENDING, "")


class CartCookieMiddleware:
    """Sets or deletes the anonymous cart cookie as `get_cart_for` and `forget_anonymous_cart`
    decided during the request."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        pending = getattr(request, _PENDING, None)
        if pending is None:
            return response
        if pending:
            response.set_signed_cookie(
                CART_COOKIE,
                pending,
                salt=CART_COOKIE_SALT,
                max_age=int(_ttl().total_seconds()),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        else:
            response.delete_cookie(CART_COOKIE, samesite="Lax")
        return response
