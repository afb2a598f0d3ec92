"""The published OpenAPI documents: committed, current, and true to what the services send."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from pydantic import BaseModel
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from services import publish
from services.common.errors import PROBLEM_JSON

DOCUMENTS = publish.documents()


def document(name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(DOCUMENTS[publish.DOCUMENTS / f"{name}.json"])
    return parsed


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its `$ref` followed (within the document)."""
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema


def has_example(doc: dict[str, Any], media: dict[str, Any]) -> bool:
    """A media type's example, its schema's, or (for an optional body) its object branch's."""
    if "example" in media or media.get("examples"):
        return True
    schema = resolve(doc, media.get("schema", {}))
    branches = [resolve(doc, s) for s in schema.get("anyOf", [])] or [schema]
    return any(b.get("examples") for b in branches if b.get("type") != "null")


def examples_in(value: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every example in a document, with the keys that lead to it: `examples` lists of schemas,
    `example` and `examples` maps (each `value`) of media types."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "example":
                yield (*at, key), item
            elif key == "examples" and isinstance(item, list):
                yield from (((*at, key), example) for example in item)
            elif key == "examples" and isinstance(item, dict):
                yield from (((*at, key, k), e.get("value")) for k, e in item.items())
            else:
                yield from examples_in(item, (*at, key))
    elif isinstance(value, list):
        for item in value:
            yield from examples_in(item, at)


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
            if status.startswith(("4", "5")):
                assert list(response["content"]) == [PROBLEM_JSON], (path, method, status)
                examples = response["content"][PROBLEM_JSON].get("examples", {})
                assert examples, (path, method, status)
                for example in examples.values():
                    assert example["value"]["status"] == int(status), (path, method, status)
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), (path, method)
        if operation.get("requestBody") or operation.get("parameters"):
            assert "422" in responses, (path, method)


@pytest.mark.parametrize("name", publish.APPS)
def test_every_route_names_the_resource_it_cannot_find(name: str) -> None:
    """A path naming a resource (an incident, a party, a Device, an endpoint, a delivery) can
    answer that there is none: 404. Except a PUT, which creates what it names."""
    for path, method, operation in operations(document(name)):
        if "{" in path and method != "put":
            assert "404" in operation["responses"], (path, method)


@pytest.mark.parametrize("name", publish.APPS)
def test_operations_are_described_for_integrators(name: str) -> None:
    """A short summary (not FastAPI's title-cased function name) and a description each, and
    every tag described."""
    doc = document(name)
    for path, method, operation in operations(doc):
        summary = operation.get("summary", "")
        assert summary, (path, method)
        assert summary != operation["operationId"].replace("_", " ").title(), (path, method)
        assert len(summary) <= 60, (path, method, summary)
        assert operation.get("description", "").strip(), (path, method)
        assert "\f" not in operation["description"], (path, method)
    tags = {t["name"]: t.get("description") for t in doc["tags"]}
    used = {tag for _, _, operation in operations(doc) for tag in operation.get("tags", [])}
    assert used <= set(tags)
    assert all(tags.values()), tags


@pytest.mark.parametrize("name", publish.APPS)
def test_every_request_body_has_an_example(name: str) -> None:
    doc = document(name)
    for path, method, operation in operations(doc):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            assert has_example(doc, media), (path, method, media_type)


@pytest.mark.parametrize("name", publish.APPS)
def test_the_main_responses_have_examples(name: str) -> None:
    """Each operation's success answer with a JSON body shows an example."""
    doc = document(name)
    for path, method, operation in operations(doc):
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if status.startswith("2") and media is not None:
                assert has_example(doc, media), (path, method, status)


@pytest.mark.parametrize("name", publish.APPS)
def test_schema_examples_are_valid(name: str) -> None:
    """Each component's examples validate against it (JSON Schema 2020-12, as OpenAPI 3.1)."""
    doc = document(name)
    registry: Registry[Any] = Registry().with_resource("urn:doc", DRAFT202012.create_resource(doc))
    for component, schema in doc["components"]["schemas"].items():
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"urn:doc#/components/schemas/{component}"}, registry=registry
        )
        for example in schema.get("examples", []):
            errors = [e.message for e in validator.iter_errors(example)]
            assert errors == [], (component, example)


def _models(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for sub in cls.__subclasses__():
        if sub.__module__.startswith(("services.", "shared.")):
            yield sub
        yield from _models(sub)


def test_examples_are_accepted_by_their_models() -> None:
    """What a model publishes as an example, the model accepts: its validators included (free
    text, an install code's CRC, an answer's outcome and code), which JSON Schema cannot say."""
    checked = 0
    for model in set(_models(BaseModel)):
        extra = model.model_config.get("json_schema_extra")
        published = extra.get("examples") if isinstance(extra, dict) else None
        for example in published if isinstance(published, list) else []:
            assert isinstance(example, dict)
            model.model_validate(example)
            checked += 1
    assert checked > 30


DESIGN_CODE = "83FED3407A939723A5C639B26916D505"
HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Fa-f])")
CODE_SCHEMAS = {"ResponseCreate", "ResponseRow", "ResponseBatch", "InstallCodeRead"}
CODE_PATHS = {"/v1/incidents/responses/batch"}


@pytest.mark.parametrize("name", publish.APPS)
def test_no_install_code_in_examples_but_where_one_belongs(name: str) -> None:
    """An install code appears only in an answer's body and the reveal's, and only as DESIGN §4's
    example code: never in an incident, an event, a problem or a delivery."""
    for at, example in examples_in(document(name)):
        for run in HEX_RUN.findall(json.dumps(example)):
            assert run.upper() in (DESIGN_CODE, DESIGN_CODE + "C3B5"), (at, run)
            in_an_answer = at[:2] == ("components", "schemas") and at[2] in CODE_SCHEMAS
            in_a_bulk_answer = at[0] == "paths" and at[1] in CODE_PATHS and "requestBody" in at
            assert in_an_answer or in_a_bulk_answer, at


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
