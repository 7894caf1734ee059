"""Objects the API tests share: an order and a conversation per customer, a note, tokens."""

from typing import Any

import pytest
from django.test import Client

from rapport.accounts.services.api_tokens import create_token, scopes_allowed_for
from rapport.chat.models import Room, RoomKind, RoomStatus
from rapport.chat.services import post_message
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.customers.models import Customer
from rapport.workspace.services import add_note


def order_for(user: Any, key: str) -> Any:
    customer = Customer.objects.get(user=user)
    return place_order(
        cart=cart_with(user, (stocked_product(), 1)),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key=key,
        actor=user,
    )


def conversation_for(user: Any) -> Room:
    customer = Customer.objects.get(user=user)
    room = Room.objects.create(
        kind=RoomKind.CUSTOMER, status=RoomStatus.OPEN, customer=customer, title=str(customer)
    )
    post_message(room=room, actor=user, body="Hello", from_staff=False)
    return room


@pytest.fixture
def objects(people: dict[str, Any]) -> dict[str, Any]:
    product = stocked_product(name="Blue teapot")
    order = order_for(people["customer"], "api-1")
    other_order = order_for(people["other_customer"], "api-2")
    room = conversation_for(people["customer"])
    note = add_note(actor=people["employee"], body="Call back", order=order)
    return {
        "product": product,
        "order": order,
        "other_order": other_order,
        "customer": order.customer,
        "other_customer": other_order.customer,
        "room": room,
        "other_room": conversation_for(people["other_customer"]),
        "note": note,
    }


def bearer(token: str) -> Client:
    return Client(headers={"authorization": f"Bearer {token}"})


@pytest.fixture
def token_clients(people: dict[str, Any]) -> dict[str, Client]:
    """The matrix's actors calling with a token carrying every scope their role allows."""
    result = {"anonymous": Client()}
    for actor, user in people.items():
        if user is not None:
            token = create_token(user=user, name="all", scopes=list(scopes_allowed_for(user)))
            result[actor] = bearer(token)
    return result
