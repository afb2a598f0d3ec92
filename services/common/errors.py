"""Domain errors carry their HTTP status; one set of handlers renders RFC 9457 problems.

Nothing here echoes request input, since a rejected install code must never come back in an error
body: pydantic's `input` is dropped from validation errors, and so is any part of a field path or
a message that pydantic took from the request rather than from the schema (see `field_errors`).
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_BASE = "https://ssi.example/problems/"
PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extensions = extensions


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Missing or invalid bearer token"


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed"


class MissingScope(ProblemError):
    status, slug, title = 403, "missing-scope", "The token lacks the scope this call needs"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class Gone(ProblemError):
    status, slug, title = 410, "gone", "Gone"


class Unprocessable(ProblemError):
    status, slug, title = 422, "unprocessable", "The request cannot be processed"


class PayloadTooLarge(ProblemError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported content type"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# Pydantic puts the caller's own text in a field path in two places: the key of an unknown field
# (`extra_forbidden`) and a dict key. No request body has a dict field (a test checks), and every
# declared name is letters, `_` and `-`, so a path part of any other shape is the caller's too.
_DECLARED_NAME = re.compile(r"[A-Za-z][A-Za-z_-]{0,63}")
# Context pydantic fills from the schema. Any other (an email address's fault, a parser's error)
# was found in the input, and a message built with it may quote the input; a union's `tag` is the
# input itself.
_SCHEMA_CONTEXT = frozenset(
    {"expected", "pattern", "min_length", "max_length", "ge", "gt", "le", "lt", "multiple_of"}
    | {"field_type", "actual_length", "expected_tags", "discriminator"}
)
_QUOTE = 4  # characters in a row of the input that make a message a quotation of it
UNKNOWN_FIELD = "Extra inputs are not permitted: an unknown field (its name is not repeated)"
WITHHELD = "Invalid value (the reason is withheld: it would repeat the input)"


def _field(error: Mapping[str, Any]) -> str:
    loc = [part for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    if error.get("type") == "extra_forbidden":
        loc = loc[:-1]  # the unknown key: the problem is named at its parent
    parts = [
        str(part) if isinstance(part, int) or _DECLARED_NAME.fullmatch(part) else "*"
        for part in loc
    ]
    return ".".join(parts) or "body"


def _quotes(message: str, value: Any) -> bool:
    if not isinstance(value, str) or len(value) < _QUOTE:
        return False
    message, value = message.casefold(), value.casefold()
    return any(message[i : i + _QUOTE] in value for i in range(len(message) - _QUOTE + 1))


def _message(error: Mapping[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return UNKNOWN_FIELD
    message = str(error.get("msg") or "Invalid value")
    found = set(error.get("ctx") or ()) - _SCHEMA_CONTEXT
    if not found:
        return message  # a fixed text, or one filled from the schema alone
    if "tag" in found or "input" not in error or _quotes(message, error["input"]):
        return WITHHELD
    return message


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's errors as `{field, message}`, without anything taken from the request."""
    return [{"field": _field(error), "message": _message(error)} for error in errors]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def on_problem(_request: Request, exc: ProblemError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(
            exc.status, exc.slug, exc.title, exc.detail, headers=headers, **exc.extensions
        )

    @app.exception_handler(RequestValidationError)
    async def on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            "validation",
            "Request validation failed",
            "One or more fields are invalid.",
            errors=field_errors(exc.errors()),
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {
            404: "not-found",
            405: "method-not-allowed",
            413: "payload-too-large",
            415: "unsupported-media-type",
        }.get(exc.status_code, "http-error")
        return problem_response(
            exc.status_code, slug, str(exc.detail), headers=getattr(exc, "headers", None)
        )
