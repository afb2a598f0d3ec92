"""Schemathesis over the incident API's own OpenAPI document: no request, valid or not, is a 5xx,
and every refusal is an RFC 9457 problem.

Two passes, both bounded:
- fuzzing: for each principal (admin, operator, supplier, installer, notifier service), every
  operation gets a few schema-conforming and schema-violating requests from Hypothesis;
- coverage: every operation gets Schemathesis' deterministic boundary cases (each field missing,
  of the wrong type, too long or short, at its limits; unexpected methods and media types), sent
  once, as the first principal the operation does not refuse outright.
Operations on a path parameter also get the ids of a real incident, Device and party, so that the
requests reach the service code rather than stopping at a 404.

Schemathesis' calls are synchronous. Its in-process ASGI client runs the application, lifespan
included, on an event loop in a thread of its own; the lifespan is shut down after each test.
"""

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from requests.structures import CaseInsensitiveDict
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.python import asgi

from services.common.clock import FrozenClock
from services.common.db import create_engine
from services.incident_api.app import create_app
from services.incident_api.models import metadata
from services.incident_api.settings import Settings
from tests.database import empty_tables
from tests.incident_api.world import CODE_WITH_CRC, DEVICE, GAINING, INSTALLING, OPERATOR, OTHER
from tests.tokens import Tokens

MAX_EXAMPLES = 10
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
PROBLEM_JSON = "application/problem+json"
# The inventory import's NDJSON body is a string, sent as it is (CSV is text/* already).
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
SECOND_DEVICE = "00-DB-12-34-56-78-90-A1"

ROLES: dict[str, Callable[[Tokens], dict[str, str]]] = {
    "operator": lambda t: t.operator(OPERATOR),
    "supplier": lambda t: t.party(GAINING),
    "installer": lambda t: t.party(INSTALLING),
    "service": lambda t: t.service(),
    "admin": lambda t: t.admin(),
}


Case = schemathesis.Case[Any]


@dataclass
class Run:
    """One test's client, the real ids its requests may use, and what went wrong."""

    client: asgi.ASGIClient
    incident_ids: list[str]
    failures: dict[str, str] = field(default_factory=dict)
    calls: int = 0

    def fixed_path(self, name: str, n: int) -> str | None:
        return {
            "incident_id": self.incident_ids[n % len(self.incident_ids)],
            "device_id": DEVICE,
            "party_id": OTHER,  # not one the requests depend on: it may get deactivated
        }.get(name)

    def send(self, case: Case, label: str, auth: dict[str, str] | None) -> Any:
        if auth is not None:
            case.headers = CaseInsensitiveDict({**dict(case.headers or {}), **auth})
        if case.operation.path == "/v1/events" and isinstance(case.query, dict):
            case.query = {**case.query, **_no_long_poll(case.query.get("wait"))}
        try:
            response = case.call(session=self.client)
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError):
            return None  # the client cannot send it: nothing reached the service
        except Exception as exc:  # the app raised: the server would have answered 500
            self.failures.setdefault(
                f"{label} raised {type(exc).__name__}", f"{exc}\n{case.as_curl_command()}"
            )
            return None
        self.calls += 1
        if response.status_code >= 500:
            self.failures.setdefault(
                f"{label} -> {response.status_code}",
                f"{response.text[:300]}\n{case.as_curl_command()}",
            )
        elif response.status_code >= 400 and response.headers.get("content-type") != [PROBLEM_JSON]:
            # Schemathesis' response headers: lower-case names, lists of values.
            self.failures.setdefault(
                f"{label} -> {response.status_code} {response.headers.get('content-type')}",
                f"{response.text[:300]}\n{case.as_curl_command()}",
            )
        return response


def _no_long_poll(wait: Any) -> dict[str, Any]:
    """`wait` up to 30 s is valid and would hold the request open: keep it, but short."""
    try:
        seconds = float(wait)
    except (TypeError, ValueError):
        return {}
    return {"wait": "0"} if 0 < seconds <= 30 else {}


@pytest.fixture
def app(api_settings: Settings, api_database_url: str, clock: FrozenClock) -> Iterator[FastAPI]:
    async def empty() -> None:
        engine = create_engine(api_database_url)
        await empty_tables(engine, metadata)
        await engine.dispose()

    asyncio.run(empty())
    application = create_app(api_settings, clock=clock)
    try:
        yield application
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture
def run(app: FastAPI, tokens: Tokens) -> Iterator[Run]:
    with asgi.get_client(cast(Any, app)) as client:
        yield Run(client=client, incident_ids=_seed(client, tokens))


def _seed(client: asgi.ASGIClient, tokens: Tokens) -> list[str]:
    """Parties, two Devices, an open incident and one holding an install code."""

    def ok(response: requests.Response) -> dict[str, Any]:
        assert response.status_code < 300, response.text
        body: dict[str, Any] = response.json()
        return body

    for party_id, category in (
        (GAINING, "large_supplier"),
        (INSTALLING, "small_supplier"),
        (OTHER, "large_supplier"),
        (OPERATOR, "operator"),
    ):
        party = {
            "party_id": party_id,
            "name": f"Party {party_id}",
            "category": category,
            "ops_contact_email": f"ops@{party_id.lower()}.example",
            "escalation_contact_email": f"esc@{party_id.lower()}.example",
        }
        ok(client.post("/v1/parties", headers=tokens.admin(), json=party))
    device = {
        "device_type": "ESME",
        "smi_status": "installed_not_commissioned",
        "installing_party_id": INSTALLING,
        "registered_supplier_party_id": GAINING,
    }
    ids = []
    for device_id in (DEVICE, SECOND_DEVICE):
        ok(client.put(f"/v1/devices/{device_id}", headers=tokens.admin(), json=device))
        raised = {"device_id": device_id, "group_ref": "fuzz"}
        ids.append(
            ok(client.post("/v1/incidents", headers=tokens.party(GAINING), json=raised))["id"]
        )
    answer = {"outcome": "install_code_provided", "install_code": CODE_WITH_CRC}
    ok(
        client.post(
            f"/v1/incidents/{ids[1]}/response", headers=tokens.party(INSTALLING), json=answer
        )
    )
    return ids


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    assert len(operations) >= 20, [op.label for op in operations]
    return operations


def _strategy(operation: Any, mode: GenerationMode, run: Run) -> Any:
    names = [p.name for p in operation.path_parameters]
    variants: list[dict[str, Any]] = [{}]
    for n in range(len(run.incident_ids)):
        fixed = {name: run.fixed_path(name, n) for name in names}
        if fixed and all(fixed.values()) and fixed not in variants:
            variants.append(fixed)
    fixed_query = {"wait": 0} if operation.path == "/v1/events" else None
    return st.one_of(
        *(
            operation.as_strategy(mode, path_parameters=fixed or None, query=fixed_query)
            for fixed in variants
        )
    )


def _fuzzer(run: Run, strategy: Any, label: str, auth: dict[str, str]) -> Callable[[], None]:
    @FUZZ_SETTINGS
    @given(case=strategy)
    def fuzz(case: Case) -> None:
        run.send(case, label, auth)

    result: Callable[[], None] = fuzz
    return result


@pytest.mark.parametrize("role", list(ROLES))
def test_fuzzed_requests_are_never_a_server_error(
    app: FastAPI, run: Run, tokens: Tokens, role: str
) -> None:
    auth = ROLES[role](tokens)
    operations = _operations(app)
    for operation, mode in itertools.product(operations, GenerationMode):
        label = f"{operation.label} [{mode.value}, {role}]"
        try:
            _fuzzer(run, _strategy(operation, mode, run), label, auth)()
        except Unsatisfiable:
            # Nothing in this operation can be made invalid (no parameters, no body: /healthz).
            assert mode is GenerationMode.NEGATIVE, label
            assert not operation.path_parameters, label
            assert not operation.body, label
    assert not run.failures, "\n\n".join(f"{k}\n{v}" for k, v in run.failures.items())
    assert run.calls >= len(operations) * MAX_EXAMPLES


def _refused_outright(response: Any) -> bool:
    """Refused for who the principal is (scope, kind, role on the incident), not what it sent."""
    if response is None or response.status_code != 403:
        return False
    slug = response.json()["type"].rsplit("/", 1)[-1]
    return slug in ("missing-scope", "forbidden", "not-a-supplier", "wrong-role")


def test_boundary_cases_are_never_a_server_error(app: FastAPI, run: Run, tokens: Tokens) -> None:
    operations = _operations(app)
    schema = operations[0].schema
    total = 0
    for operation in operations:
        config = schema.config.generation_for(operation=operation, phase="coverage")
        cases = list(
            schema.iter_coverage_cases(
                operation, generation_modes=list(GenerationMode), generation_config=config
            )
        )
        assert cases, operation.label
        total += len(cases)
        path_names = [p.name for p in operation.path_parameters]

        def aim(case: Case, n: int, names: list[str] = path_names) -> Any:
            """Real ids in the path, unless the path parameter is what the case is about."""
            target = getattr(case.meta.phase.data, "parameter", None) if case.meta else None
            for name in names:
                value = run.fixed_path(name, n)
                if value is not None and target != name:
                    case.path_parameters = {**(case.path_parameters or {}), name: value}
            return target

        # The first principal, in ROLES order, that the operation does not refuse outright.
        first = cases[0]
        chosen = next(iter(ROLES))
        for role in ROLES:
            aim(first, 0)
            if not _refused_outright(
                run.send(first, f"{operation.label} [probe, {role}]", ROLES[role](tokens))
            ):
                chosen = role
                break
        auth = ROLES[chosen](tokens)
        for n, case in enumerate(cases):
            target = aim(case, n)
            label = f"{operation.label} [coverage, {chosen}]"
            # A case about the Authorization header goes as generated (e.g. without one).
            run.send(case, label, None if target == "Authorization" else auth)
    assert not run.failures, "\n\n".join(f"{k}\n{v}" for k, v in run.failures.items())
    assert total >= 300
    assert run.calls >= total * 0.9
