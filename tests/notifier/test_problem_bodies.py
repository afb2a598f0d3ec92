"""The notifier's problem bodies name what was wrong without repeating what was sent (DESIGN §4),
and the renderer both services share can keep every name either of them declares."""

from typing import Any

import httpx
import pytest

from services.common.errors import UNKNOWN_FIELD, field_errors
from tests.incident_api.world import CODE, GAINING, seed
from tests.notifier.harness import Harness
from tests.receiver import Receiver


@pytest.fixture
async def world(harness: Harness) -> Harness:
    await seed(harness.api, harness.tokens)
    await harness.sync()
    return harness


def assert_not_repeated(response: httpx.Response, sent: str, size: int = 5) -> None:
    body = response.text.casefold()
    pieces = {sent[i : i + size].casefold() for i in range(len(sent) - size + 1)}
    assert not [p for p in pieces if p in body], f"part of {sent!r} in {response.text}"


@pytest.mark.parametrize("key", [CODE, CODE.lower()])
async def test_an_unknown_key_on_an_endpoint_is_not_repeated(
    world: Harness, receiver: Receiver, key: str
) -> None:
    h = world
    headers = h.tokens.party(GAINING)
    created = await h.notifier.post(
        "/v1/endpoints", headers=headers, json={"url": receiver.url, key: 1}
    )
    assert created.status_code == 422, created.text
    assert created.json()["errors"] == [{"field": "body", "message": UNKNOWN_FIELD}]
    assert_not_repeated(created, key)

    endpoint = await h.add_endpoint(GAINING, receiver.url)
    patched = await h.notifier.patch(
        f"/v1/endpoints/{endpoint['id']}", headers=headers, json={"enabled": False, key: 1}
    )
    assert patched.status_code == 422, patched.text
    assert patched.json()["errors"] == [{"field": "body", "message": UNKNOWN_FIELD}]
    assert_not_repeated(patched, key)


def request_names(openapi: dict[str, Any]) -> tuple[set[str], list[str]]:
    """Every name a request may carry (parameters, body properties), and where a request body
    takes keys of the caller's choosing (a dict field: its keys would appear in error paths)."""
    schemas = openapi.get("components", {}).get("schemas", {})
    names: set[str] = set()
    free: list[str] = []
    followed: set[str] = set()

    def walk(node: Any, where: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, where)
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/") and ref not in followed:
            followed.add(ref)
            where = ref.rsplit("/", 1)[-1]
            walk(schemas[where], where)
        names.update(node.get("properties", {}))
        if node.get("additionalProperties", False) is not False:
            free.append(where)
        for value in node.values():
            walk(value, where)

    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            names.update(parameter["name"] for parameter in operation.get("parameters", []))
            walk(operation.get("requestBody", {}), f"{method} {path}")
    return names, free


async def test_every_declared_request_name_is_kept_and_no_body_takes_free_keys(
    harness: Harness,
) -> None:
    # The renderer tells the caller's text from a declared name by its shape; a dict field's keys
    # could not be told apart, so none may exist in a request body.
    api_app = harness.api.app  # type: ignore[attr-defined]
    for app in (api_app, harness.app):
        names, free = request_names(app.openapi())
        assert "device_id" in names or "url" in names
        assert free == []
        for name in names:
            error = {"type": "missing", "loc": ("body", name), "msg": "Field required"}
            assert field_errors([error]) == [{"field": name, "message": "Field required"}]
