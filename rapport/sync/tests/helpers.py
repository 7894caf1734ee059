"""Builders for sync tests: a token client per person, operations, a draft ready to place."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client
from django.urls import reverse

from rapport.accounts.services.api_tokens import create_token, scopes_allowed_for

JSON = "application/json"


def client_for(user: Any, scopes: list[str] | None = None) -> Client:
    token = create_token(
        user=user,
        name="sync",
        scopes=scopes if scopes is not None else list(scopes_allowed_for(user)),
    )
    return Client(headers={"authorization": f"Bearer {token}"})


def op(kind: str, op_id: Any = None, **payload: Any) -> dict[str, Any]:
    return {"id": str(op_id or uuid.uuid4()), "kind": kind, "payload": payload}


def push(client: Client, *ops: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(
        reverse("api-v1:sync_push"), {"operations": list(ops)}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def pull(client: Client, cursor: str | None = None, limit: int = 500) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    response = client.get(reverse("api-v1:sync_pull"), params)
    assert response.status_code == 200, response.content
    return response.json()


def pull_all(client: Client, cursor: str | None = None) -> tuple[list[dict[str, Any]], str]:
    changes: list[dict[str, Any]] = []
    while True:
        page = pull(client, cursor)
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["more"]:
            return changes, cursor


def draft_save(draft_id: Any, customer: Any, lines: list[tuple[Any, int]], **kw: Any) -> dict:
    return op(
        "draft_order.save",
        draft_id=str(draft_id),
        customer_id=str(customer.public_id),
        lines=[{"product_id": str(p.public_id), "quantity": q} for p, q in lines],
        note=kw.pop("note", ""),
        base_version=kw.pop("base_version", None),
        **kw,
    )
