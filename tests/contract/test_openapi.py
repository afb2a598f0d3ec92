"""The published OpenAPI documents: committed, current, and true to what the services send."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services import publish
from services.common.errors import PROBLEM_JSON

DOCUMENTS = publish.documents()


def document(name: str) -> dict[str, Any]:
    import json

    parsed: dict[str, Any] = json.loads(DOCUMENTS[publish.DOCUMENTS / f"{name}.json"])
    return parsed


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


@pytest.mark.parametrize("path", sorted(DOCUMENTS), ids=lambda p: Path(p).name)
def test_the_committed_document_is_the_codes(path: Path) -> None:
    assert path.exists(), f"{path.name} is not committed: run `make openapi`"
    assert path.read_text() == DOCUMENTS[path], f"{path.name} is stale: run `make openapi`"


@pytest.mark.parametrize("name", publish.APPS)
def test_every_reference_resolves(name: str) -> None:
    doc = document(name)
    schemas = doc["components"]["schemas"]
    unresolved = {
        ref
        for ref in references(doc)
        if not (ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas)
    }
    assert unresolved == set()


@pytest.mark.parametrize("name", publish.APPS)
def test_operations_are_named_after_their_routes(name: str) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document(name))]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not re.fullmatch(r"[a-z][a-z_]*[a-z]", i) or "_v1_" in i] == []


@pytest.mark.parametrize("name", publish.APPS)
def test_errors_are_documented_as_problems_only(name: str) -> None:
    doc = document(name)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, method, operation in operations(doc):
        responses = operation["responses"]
        for status, response in responses.items():
            if status.startswith(("4", "5")) and status != "503":
                assert list(response["content"]) == [PROBLEM_JSON], (path, method, status)
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), (path, method)
        if operation.get("requestBody") or operation.get("parameters"):
            assert "422" in responses, (path, method)


async def test_docs_work_offline(api: httpx.AsyncClient) -> None:
    """Swagger UI's page loads its script and style from the service itself."""
    page = await api.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert assets, page.text
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by the service"
        response = await api.get(asset)
        assert response.status_code == 200, asset
