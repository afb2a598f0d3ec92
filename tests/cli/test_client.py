"""`ok()`: a typed operation's answer as its typed result, or as the command's one-line error."""

import json
from http import HTTPStatus
from typing import TypeVar

import httpx
import pytest
from ssi_client.incident_api.models import InstallCodeRead, Problem
from ssi_client.incident_api.types import Response
from ssi_client.notifier.models import Problem as NotifierProblem
from typer import Exit

from cli.client import answer_of, ok, unreachable

CODE = "83FED3407A939723A5C639B26916D505"
T = TypeVar("T")


def response(status: int, parsed: T | None, body: object = None) -> Response[T]:
    content = b"" if body is None else json.dumps(body).encode()
    return Response(status_code=HTTPStatus(status), content=content, headers={}, parsed=parsed)


def problem(status: int, slug: str, title: str, **more: object) -> dict[str, object]:
    return {
        "type": f"https://ssi.example/problems/{slug}",
        "title": title,
        "status": status,
        **more,
    }


def test_a_success_is_the_typed_result() -> None:
    revealed = InstallCodeRead(install_code=CODE)
    answer = response(200, revealed)
    assert ok(answer) is revealed


def test_a_204_is_none() -> None:
    assert ok(response(204, None)) is None


def test_a_problem_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    body = problem(
        422,
        "validation",
        "Request validation failed",
        detail="One or more fields are invalid.",
        errors=[{"field": "device_id", "message": "must be an EUI-64"}],
    )
    with pytest.raises(Exit) as exited:
        ok(response(422, Problem.from_dict(body), body))
    assert exited.value.exit_code == 1
    assert capsys.readouterr().err == (
        "ssi: error: 422 Request validation failed: One or more fields are invalid. "
        "(device_id: must be an EUI-64)\n"
    )


def test_the_notifiers_problems_too(capsys: pytest.CaptureFixture[str]) -> None:
    body = problem(404, "endpoint-not-found", "No such endpoint")
    with pytest.raises(Exit):
        ok(response(404, NotifierProblem.from_dict(body), body))
    assert capsys.readouterr().err == "ssi: error: 404 No such endpoint\n"


def test_a_hint_names_the_option_that_fixes_it(capsys: pytest.CaptureFixture[str]) -> None:
    body = problem(422, "addressee-required", "Name addressed_party_id", detail="Unknown.")
    with pytest.raises(Exit):
        ok(response(422, Problem.from_dict(body), body), hints={"addressee-required": "--to X"})
    assert capsys.readouterr().err == "ssi: error: 422 Name addressed_party_id: Unknown. (--to X)\n"


def test_a_status_the_operation_does_not_document(capsys: pytest.CaptureFixture[str]) -> None:
    """The generated operation parses nothing: the body, if it is a problem, still speaks."""
    with pytest.raises(Exit):
        ok(response(500, None, problem(500, "internal", "Internal error", detail="Sorry.")))
    with pytest.raises(Exit):
        ok(Response(HTTPStatus.BAD_GATEWAY, b"<html>proxy</html>", {}, None))
    assert capsys.readouterr().err.splitlines() == [
        "ssi: error: 500 Internal error: Sorry.",
        "ssi: error: 502 Bad Gateway",
    ]


def test_a_success_it_cannot_read(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(Exit):
        ok(response(202, None, {}))
    assert "202 Accepted" in capsys.readouterr().err


def test_a_hand_written_call_answers_the_same_way(capsys: pytest.CaptureFixture[str]) -> None:
    request = httpx.Request("GET", "http://api.test/v1/reports/sla")
    csv = httpx.Response(200, text="a,b\n1,2\n", request=request)
    assert ok(answer_of(csv, lambda r: r.text)) == "a,b\n1,2\n"
    refused = httpx.Response(403, json=problem(403, "forbidden", "Not yours"), request=request)
    with pytest.raises(Exit):
        ok(answer_of(refused, lambda r: r.text))
    assert capsys.readouterr().err == "ssi: error: 403 Not yours\n"


def test_unreachable_names_the_service_not_the_path() -> None:
    request = httpx.Request("GET", "http://127.0.0.1:9/v1/incidents?status=raised")
    assert unreachable(httpx.ConnectError("refused", request=request)) == (
        "cannot reach http://127.0.0.1:9: ConnectError"
    )
    assert unreachable(ValueError("not ours")) is None
