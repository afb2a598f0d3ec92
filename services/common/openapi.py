"""The published OpenAPI document (DESIGN §9): what a generated client and a fuzzer rely on.

FastAPI's own document names operations after their paths and documents every 422 as its
`HTTPValidationError`, which these services never send. Here:

- the operation id is the route's name (`raise_incident`);
- each route documents the problems it can answer as `application/problem+json`: those its
  declared domain errors raise (`problems(IncidentNotFound, ...)`), plus those every operation of
  its kind can answer, read from the operation: 401 and 403 where it has a bearer scheme, 422
  where it has parameters or a body, 413 and 415 where it takes a body;
- each tag is described by the first paragraph of the docstring of the module declaring its
  routes, so that paragraph is written for a supplier's integration team (as are the routes'
  docstrings, which become their descriptions: text after a form feed, `\\f`, is left out);
- `/docs` serves Swagger UI from the installed package, never from a CDN (`FastAPIOffline`).
"""

import inspect
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field

from services.common.errors import (
    PROBLEM_BASE,
    PROBLEM_JSON,
    Forbidden,
    MissingScope,
    PayloadTooLarge,
    ProblemError,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)

COMPONENT = "#/components/schemas/{model}"
PROBLEM_SCHEMA = {"$ref": COMPONENT.format(model="Problem")}


class FieldProblem(BaseModel):
    field: str = Field(description="Where: the field's dotted path, or `body`")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem. `type` names the problem for programs; `title` and `detail` are for
    people. Some problems carry more members (`current_status`, `required_scope`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=[PROBLEM_BASE + "invalid-transition"])
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = Field(
        default=None, description="Each field problem of a validation failure"
    )


class Validation(Unprocessable):
    """Stands for the handler's rendering of a RequestValidationError (errors.py)."""

    slug, title = "validation", "Request validation failed"


AUTHENTICATED = (Unauthorized, Forbidden, MissingScope)
WITH_PARAMETERS = (Validation,)
WITH_BODY = (PayloadTooLarge, UnsupportedMediaType)


def examples(*values: dict[str, Any]) -> ConfigDict:
    """A model's `model_config` with examples for the published document (valid ones: a test
    validates each against its model). A subclass inherits them: give it its own."""
    return ConfigDict(json_schema_extra={"examples": list(values)})


def problems(*errors: type[ProblemError]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status its `errors` can answer, with an example each."""
    by_status: dict[int, list[type[ProblemError]]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error)
    return {status: _response(found) for status, found in sorted(by_status.items())}


def links(
    status: int, parameter: str, *operations: str, source: str = "$response.body#/id"
) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry naming what a client may call next with this answer (OpenAPI
    links, which a fuzzer's stateful phase follows too): each of `operations`, by operation id,
    with its `parameter` taken from the answer by `source`, a runtime expression. Merge it with
    `problems(...)`."""
    return {
        status: {
            "links": {
                operation: {
                    "operationId": operation,
                    "parameters": {parameter: source},
                    "description": f"`{parameter}` from this answer: `{source}`",
                }
                for operation in operations
            }
        }
    }


def _response(errors: Iterable[type[ProblemError]]) -> dict[str, Any]:
    return _response_from_examples(
        {
            e.slug: {
                "summary": e.title,
                "value": {"type": PROBLEM_BASE + e.slug, "title": e.title, "status": e.status},
            }
            for e in errors
        }
    )


def service_app(
    *, authentication_problems: Sequence[type[ProblemError]] = (), **kwargs: Any
) -> FastAPI:
    """A FastAPI app whose `/docs` works offline and whose document is the published one.
    `authentication_problems`: what this service's authentication answers beyond 401 and 403."""
    app = FastAPIOffline(redoc_url=None, generate_unique_id_function=_operation_id, **kwargs)
    app.openapi = _document(app, (*AUTHENTICATED, *authentication_problems))  # type: ignore[method-assign]
    return app


def _operation_id(route: APIRoute) -> str:
    return route.name


def _document(
    app: FastAPI, authenticated: Sequence[type[ProblemError]]
) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=_tags(app),
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for operations in document["paths"].values():
                for method, operation in operations.items():
                    _add_problems(operation, method.upper(), authenticated)
                    for media in operation.get("requestBody", {}).get("content", {}).values():
                        _hoist(media, schemas)
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)  # documented for FastAPI's 422, which is never sent
            problem = Problem.model_json_schema(ref_template=COMPONENT)
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
            for schema in schemas.values():
                for example in schema.get("examples", []):
                    _restore_nulls(example, schema, schemas)
            app.openapi_schema = document
        return app.openapi_schema

    return openapi


def _tags(app: FastAPI) -> list[dict[str, Any]]:
    """Each tag of the published routes, in the order they first appear, described by the first
    paragraph of its first route's module docstring."""
    described: dict[str, str] = {}
    for route in iter_route_contexts(app.routes):  # included routers' routes as included
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            module = inspect.getdoc(sys.modules[route.original_route.endpoint.__module__]) or ""
            for tag in route.tags:
                described.setdefault(str(tag), module.split("\n\n")[0].replace("\n", " "))
    return [{"name": name, "description": text} for name, text in described.items()]


def _add_problems(
    operation: dict[str, Any], method: str, authenticated: Sequence[type[ProblemError]]
) -> None:
    """What every operation of its kind can answer, beside what its route declared: read from
    the operation itself (its security, parameters and body), as FastAPI put them there."""
    responses: dict[str, Any] = operation["responses"]
    generic: list[type[ProblemError]] = []
    if operation.get("security"):
        generic += authenticated
    if operation.get("parameters") or operation.get("requestBody"):
        generic += WITH_PARAMETERS
    if operation.get("requestBody") or method in ("POST", "PUT", "PATCH"):
        generic += [*WITH_PARAMETERS, *WITH_BODY]
    if "application/json" in responses.get("422", {}).get("content", {}):
        del responses["422"]  # FastAPI's HTTPValidationError
    for status, response in problems(*generic).items():
        declared = responses.get(str(status), {}).get("content", {}).get(PROBLEM_JSON, {})
        examples = response["content"][PROBLEM_JSON]["examples"]
        responses[str(status)] = _response_from_examples(
            {**examples, **declared.get("examples", {})}
        )
    ordered = sorted(responses.items(), key=lambda item: item[0])
    responses.clear()
    responses.update(ordered)


def _restore_nulls(example: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> None:
    """FastAPI writes the document without a single null (`exclude_none`), examples included:
    a required field whose example value was null is put back, so the example stays valid and
    shows what the service sends. (An optional one left out is valid as it is.)"""
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    for branch in schema.get("anyOf", []):
        _restore_nulls(example, branch, schemas)
    if isinstance(example, list):
        for item in example:
            _restore_nulls(item, schema.get("items", {}), schemas)
    elif isinstance(example, dict) and "properties" in schema:
        for name in schema.get("required", []):
            example.setdefault(name, None)
        for name, value in example.items():
            _restore_nulls(value, schema["properties"].get(name, {}), schemas)


def request_body(model: type[BaseModel], **alternatives: dict[str, Any]) -> dict[str, Any]:
    """The `openapi_extra` of a route that reads its body itself: `model` as its JSON form,
    `alternatives` as other media types (`{"text/csv": {...}}`)."""
    schema = model.model_json_schema(ref_template=COMPONENT)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}, **alternatives},
        }
    }


def _hoist(media: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A schema given inline (`request_body`) joins the components with its definitions, so
    every reference resolves and generators name it."""
    schema = media.get("schema", {})
    title = schema.get("title")
    if "$defs" not in schema and not title:
        return
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    if title and "properties" in schema:
        schemas.setdefault(title, schema)
        media["schema"] = {"$ref": COMPONENT.format(model=title)}


def _response_from_examples(examples: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": "; ".join(f"`{slug}`: {e['summary']}" for slug, e in examples.items()),
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA, "examples": examples}},
    }
