"""Schemathesis over the incident API's own OpenAPI document: no request, valid or not, is a 5xx,
every refusal is an RFC 9457 problem, and every link and `$ref` in the document resolves.

Three passes, each bounded (tests/notifier/test_openapi_fuzz.py runs the same over the notifier):
- fuzzing: every operation gets a few schema-conforming and schema-violating requests from
  Hypothesis, each sent as every principal (admin, operator, supplier, installer, notifier
  service) but one the operation has refused for who it is: it would refuse every request alike;
- coverage: every operation gets Schemathesis' deterministic boundary cases (each field missing,
  of the wrong type, too long or short, at its limits; unexpected methods and media types), sent
  once, as the first principal the operation does not refuse outright;
- stateful: Schemathesis' state machine chains operations by the document's links (raise ->
  acknowledge -> respond -> reveal, close, reopen...), each call made by the principal whose call
  it is (the Device's registered supplier raises, its installer answers). A scenario opens with a
  raise for a Device of its own, or an operator adding a party; every link it then follows must
  resolve from the answer. Only the published links are followed (Schemathesis' guessed ones are
  turned off): in Python, Schemathesis 4 does not infer links from `Location` headers at all (its
  command line does, from what its earlier phases saw), and guessed links would hide a published
  one gone missing.
Operations on a path parameter also get the ids of a real incident, Device and party, so that the
requests reach the service code rather than stopping at a 404.

Schemathesis' calls are synchronous. Its in-process ASGI client runs the application, lifespan
included, on an event loop in a thread of its own; the lifespan is shut down after each test.
Every pass is derandomized: the same requests each run, on SQLite as on PostgreSQL.
"""

import asyncio
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from hypothesis.stateful import Bundle, rule, run_state_machine_as_test
from requests.structures import CaseInsensitiveDict
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.core.transforms import UNRESOLVABLE
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput
from schemathesis.python import asgi
from schemathesis.specs.openapi.warnings import detect_unresolvable_references

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
SCENARIOS = 30
WORKFLOW_SETTINGS = settings(FUZZ_SETTINGS, max_examples=SCENARIOS, stateful_step_count=10)
PROBLEM_JSON = "application/problem+json"
# The inventory import's NDJSON body is a string, sent as it is (CSV is text/* already).
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
SECOND_DEVICE = "00-DB-12-34-56-78-90-A1"
DEVICE_BODY = {
    "device_type": "ESME",
    "smi_status": "installed_not_commissioned",
    "installing_party_id": INSTALLING,
    "registered_supplier_party_id": GAINING,
}
PARTY_BODY = {
    "name": "A party",
    "ops_contact_email": "ops@party.example",
    "escalation_contact_email": "escalation@party.example",
}

Role = str
Roles = Mapping[Role, Callable[[Tokens], dict[str, str]]]
ROLES: Roles = {
    "operator": lambda t: t.operator(OPERATOR),
    "supplier": lambda t: t.party(GAINING),
    "installer": lambda t: t.party(INSTALLING),
    "service": lambda t: t.service(),
    "admin": lambda t: t.admin(),
}
# Whose call each operation is in a workflow; anything else is the requester's (the supplier).
WORKFLOW_ROLES = {
    "acknowledge_incident": "installer",
    "respond_to_incident": "installer",
    "create_party": "admin",
    "get_party": "admin",
    "update_party": "admin",
}
# Refusals for who the principal is, whatever the request holds.
IDENTITY_REFUSALS = ("missing-scope", "forbidden", "not-a-supplier")


Case = schemathesis.Case[Any]
Operation = Any  # schemathesis.schemas.APIOperation, generic in ways mypy cannot follow here


@dataclass
class Run:
    """One test's client, the real ids its requests may use, and what went wrong."""

    client: asgi.ASGIClient
    ids: Mapping[str, list[str]]
    """Real values for path parameters, by name: the nth request of an operation gets the nth."""
    failures: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    generated: int = 0

    def fixed_path(self, name: str, n: int) -> str | None:
        values = self.ids.get(name)
        return values[n % len(values)] if values else None

    def fail(self, label: str, detail: str, case: Case) -> None:
        self.failures.setdefault(label, f"{detail}\n{case.as_curl_command()}")

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
            self.fail(f"{label} raised {type(exc).__name__}", str(exc), case)
            return None
        self.calls += 1
        status = response.status_code
        # A documented 503 is the contract (readiness; the notifier's party check), not a fault.
        if status >= 500 and not (status == 503 and "503" in case.operation.responses.status_codes):
            self.fail(f"{label} -> {status}", response.text[:300], case)
        elif status >= 400 and response.headers.get("content-type") != [PROBLEM_JSON]:
            # Schemathesis' response headers: lower-case names, lists of values.
            content_type = response.headers.get("content-type")
            self.fail(f"{label} -> {status} {content_type}", response.text[:300], case)
        return response


def _no_long_poll(wait: Any) -> dict[str, Any]:
    """`wait` up to 30 s is valid and would hold the request open: keep it, but short."""
    try:
        seconds = float(wait)
    except (TypeError, ValueError):
        return {}
    return {"wait": "0"} if 0 < seconds <= 30 else {}


def report(run: Run) -> str:
    return "\n\n".join(f"{k}\n{v}" for k, v in run.failures.items())


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
        incidents = seed_api(client, tokens)
        yield Run(
            client=client,
            ids={
                "incident_id": incidents,
                "device_id": [DEVICE],
                "party_id": [OTHER],  # not one the requests depend on: it may get deactivated
            },
        )


def ok(response: requests.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    body: dict[str, Any] = response.json()
    return body


def seed_api(client: requests.Session, tokens: Tokens) -> list[str]:
    """Parties, and two Devices, each with an open incident, one holding an install code.
    Returns the incidents' ids."""
    for party_id, category in (
        (GAINING, "large_supplier"),
        (INSTALLING, "small_supplier"),
        (OTHER, "large_supplier"),
        (OPERATOR, "operator"),
    ):
        party = {**PARTY_BODY, "party_id": party_id, "name": f"Party {party_id}"}
        ok(client.post("/v1/parties", headers=tokens.admin(), json={**party, "category": category}))
    ids = []
    for device_id in (DEVICE, SECOND_DEVICE):
        ok(client.put(f"/v1/devices/{device_id}", headers=tokens.admin(), json=DEVICE_BODY))
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


def load(app: FastAPI) -> Any:
    """The app's published document as Schemathesis reads it: every operation loads, no `$ref`
    in it fails to resolve (Schemathesis would skip what it names, and say so), and every link
    takes its value from a field its response has (checked here for every link, followed or
    not; Schemathesis checks each link's target operation and parameters itself)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        unresolvable = detect_unresolvable_references(result.ok())
        assert unresolvable == [], [w.message for w in unresolvable]
    assert list(_unresolvable_links(schema.raw_schema)) == []
    return schema


def _unresolvable_links(document: dict[str, Any]) -> Iterator[str]:
    def has(schema: dict[str, Any], path: list[str]) -> bool:
        while "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        if not path:
            return True
        if any(has(branch, path) for branch in schema.get("anyOf", [])):
            return True
        head, *rest = path
        if head.isdigit() and "items" in schema:
            return has(schema["items"], rest)
        return head in schema.get("properties", {}) and has(schema["properties"][head], rest)

    for methods in document["paths"].values():
        for operation in methods.values():
            for status, response in operation["responses"].items():
                body = response.get("content", {}).get("application/json", {}).get("schema", {})
                for name, link in response.get("links", {}).items():
                    for expression in link["parameters"].values():
                        pointer = expression.removeprefix("$response.body#/")
                        if pointer == expression or not has(body, pointer.split("/")):
                            yield f"{operation['operationId']} {status} {name}: {expression}"


def operations(schema: Any) -> list[Operation]:
    return [result.ok() for result in schema.get_all_operations()]


def _strategy(operation: Operation, mode: GenerationMode, run: Run) -> Any:
    names = [p.name for p in operation.path_parameters]
    variants: list[dict[str, Any]] = [{}]
    for n in range(max((len(v) for v in run.ids.values()), default=1)):
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


def _refused(response: Any, slugs: tuple[str, ...]) -> bool:
    if response is None or response.status_code != 403:
        return False
    return response.json()["type"].rsplit("/", 1)[-1] in slugs


def _fuzzer(
    run: Run, strategy: Any, label: str, roles: Mapping[Role, dict[str, str]]
) -> Callable[[], None]:
    refused: set[Role] = set()

    @FUZZ_SETTINGS
    @given(case=strategy)
    def as_each_role(case: Case) -> None:
        run.generated += 1
        for role, auth in roles.items():
            if role not in refused:
                response = run.send(case, f"{label}, {role}]", auth)
                if _refused(response, IDENTITY_REFUSALS):
                    refused.add(role)

    result: Callable[[], None] = as_each_role
    return result


def fuzz(run: Run, operations: list[Operation], roles: Mapping[Role, dict[str, str]]) -> None:
    """The fuzzing pass."""
    for operation, mode in itertools.product(operations, GenerationMode):
        label = f"{operation.label} [{mode.value}"
        try:
            _fuzzer(run, _strategy(operation, mode, run), label, roles)()
        except Unsatisfiable:
            # Nothing in this operation can be made invalid (no parameters, no body: /healthz).
            assert mode is GenerationMode.NEGATIVE, operation.label
            assert not operation.path_parameters, operation.label
            assert not operation.body, operation.label


def cover(run: Run, operations: list[Operation], roles: Mapping[Role, dict[str, str]]) -> int:
    """The coverage pass; returns how many cases it sent."""
    total = 0
    for operation in operations:
        schema = operation.schema
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

        # The first principal, in `roles` order, that the operation does not refuse outright.
        first = cases[0]
        chosen = next(iter(roles))
        for role, auth in roles.items():
            aim(first, 0)
            response = run.send(first, f"{operation.label} [probe, {role}]", auth)
            if not _refused(response, (*IDENTITY_REFUSALS, "wrong-role")):
                chosen = role
                break
        for n, case in enumerate(cases):
            target = aim(case, n)
            label = f"{operation.label} [coverage, {chosen}]"
            # A case about the Authorization header goes as generated (e.g. without one).
            run.send(case, label, None if target == "Authorization" else roles[chosen])
    return total


def workflows(
    schema: Any,
    run: Run,
    auth_for: Callable[[str], dict[str, str]],
    openings: Sequence[Callable[[Any, int], Case]],
) -> Counter[str]:
    """The stateful pass: `SCENARIOS` scenarios of Schemathesis' state machine over the
    document's links, each call made with `auth_for(operation id)`. A scenario starts, and may
    start again, with one of the `openings`: each makes its nth case, which must answer the same
    whenever Hypothesis runs it (a resource of its own, say). Any link followed must resolve from
    the answer it follows. Returns how often each link (by Schemathesis' name) was followed."""
    schema.config.phases.stateful.inference.algorithms = []  # the published links only
    followed: Counter[str] = Counter()
    opened = itertools.count()
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[misc, valid-type]
        @rule(target=Bundle("opened"), which=st.sampled_from(range(len(openings))))
        def open(self, which: int) -> StepOutput | None:
            # Recorded as the machine's own first steps are, so that links can follow it.
            step = StepInput.initial(openings[which](schema, next(opened)))
            self.recorder.record_case(case=step.case)
            self.control.record_step(step, self.recorder)
            return self.step(step)

        def step(self, input: StepInput) -> StepOutput | None:
            case = input.case
            if input.transition is not None:
                followed[input.transition.id] += 1
                for parameters in input.transition.parameters.values():
                    for name, extracted in parameters.items():
                        value = extracted.value
                        if not isinstance(value, Ok) or value.ok() in (None, UNRESOLVABLE):
                            run.fail(
                                f"{input.transition.id}: `{name}` does not resolve",
                                f"{extracted.definition} gave {value!r}",
                                case,
                            )
            operation_id = case.operation.definition.raw["operationId"]
            response = run.send(case, f"{case.operation.label} [stateful]", auth_for(operation_id))
            if response is None:
                return None
            self.after_call(response, case)
            return StepOutput(response, case)

    # Schemathesis' own first steps are left out: an operation on an id no step has seen (only
    # a 404), or a generated create whose id an earlier scenario may have taken. Hypothesis runs
    # a scenario's first steps again as it explores, and a first step that answered otherwise the
    # second time would look to it like a flaky test.
    for name in base.root_rules:
        setattr(Workflow, name, None)
    run_state_machine_as_test(Workflow, settings=WORKFLOW_SETTINGS)
    return followed


def followed_links(followed: Counter[str]) -> set[str]:
    """The names of the links followed, out of Schemathesis' names for the transitions
    (`POST /v1/incidents -> [201] get_incident -> GET /v1/incidents/{incident_id}`)."""
    return {re.sub(r"^.* -> \[\d+\] (\w+) -> .*$", r"\1", transition) for transition in followed}


def principals(tokens: Tokens) -> dict[Role, dict[str, str]]:
    return {role: make(tokens) for role, make in ROLES.items()}


def test_fuzzed_requests_are_never_a_server_error(app: FastAPI, run: Run, tokens: Tokens) -> None:
    found = operations(load(app))
    assert len(found) >= 20, [op.label for op in found]
    fuzz(run, found, principals(tokens))
    assert not run.failures, report(run)
    assert run.generated >= len(found) * MAX_EXAMPLES
    assert run.calls >= run.generated * 2  # most operations answer more than one principal


def test_boundary_cases_are_never_a_server_error(app: FastAPI, run: Run, tokens: Tokens) -> None:
    total = cover(run, operations(load(app)), principals(tokens))
    assert not run.failures, report(run)
    assert total >= 300
    assert run.calls >= total * 0.9


def test_workflows_along_the_links_are_never_a_server_error(
    app: FastAPI, run: Run, tokens: Tokens
) -> None:
    """A supplier raises for a Device of its own, its installer acknowledges and answers, the
    supplier reveals the code, closes, reopens or readdresses; an operator adds a party and
    changes it."""
    roles = principals(tokens)

    def raise_for_a_new_device(schema: Any, n: int) -> Case:
        device_id = f"00-DB-12-34-56-79-{n // 256:02X}-{n % 256:02X}"
        ok(run.client.put(f"/v1/devices/{device_id}", headers=tokens.admin(), json=DEVICE_BODY))
        body = {"device_id": device_id, "group_ref": "workflow"}
        return cast(Case, schema.find_operation_by_id("raise_incident").Case(body=body))

    def add_a_party(schema: Any, n: int) -> Case:
        party = {**PARTY_BODY, "party_id": f"W{n:03d}", "category": "small_supplier"}
        return cast(Case, schema.find_operation_by_id("create_party").Case(body=party))

    followed = workflows(
        load(app),
        run,
        lambda operation_id: roles[WORKFLOW_ROLES.get(operation_id, "supplier")],
        [raise_for_a_new_device, add_a_party],
    )
    assert not run.failures, report(run)
    links = followed_links(followed)
    assert {"get_incident", "acknowledge_incident", "respond_to_incident", "get_party"} <= links
    assert run.calls >= SCENARIOS * 2
