"""`ssi inbox follow` as a real process against both services as processes on loopback (SQLite):
each item printed once, acknowledged, not repeated after a restart; forwarding, and stopping
when the target refuses; Ctrl-C; errors as one line."""

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from typer.testing import CliRunner

from cli.main import app
from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from shared.tokens import PARTY_SCOPES
from tests.database import on_postgres
from tests.incident_api.world import DEVICE
from tests.processes import API_APP, NOTIFIER_APP, ROOT, base_env, running
from tests.receiver import Answer, running_receiver
from tests.tokens import Tokens

pytestmark = pytest.mark.skipif(
    on_postgres(),
    reason="the commands run against SQLite processes whatever the suite runs on: once is enough",
)

GAINING, INSTALLING = "GSUP", "ISUP"
LINE_SECONDS = 30.0
"""How long a test waits for a line it expects (never a timing assertion: a bound on a hang)."""


class World:
    def __init__(self, urls: dict[str, str], tokens: Tokens, data: Path) -> None:
        self.urls = urls
        self.data = data
        self.tokens = tokens
        self.http = httpx.Client(timeout=30, trust_env=False)

    def call(self, method: str, url: str, party: str | None, **kwargs: Any) -> httpx.Response:
        headers = self.tokens.party(party) if party else self.tokens.admin()
        return self.http.request(method, url, headers=headers, **kwargs)

    def api(self, method: str, path: str, party: str | None = None, **kw: Any) -> Any:
        answer = self.call(method, self.urls["SSI_API_URL"] + path, party, **kw)
        assert answer.is_success, answer.text
        return answer.json()

    def inbox(self, party: str = INSTALLING) -> list[dict[str, Any]]:
        answer = self.call("GET", self.urls["SSI_NOTIFIER_URL"] + "/v1/inbox", party)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def raise_and_cancel(self) -> str:
        """Two items for the addressee's inbox; the incident's reference."""
        incident = self.api("POST", "/v1/incidents", GAINING, json={"device_id": DEVICE})
        self.api("POST", f"/v1/incidents/{incident['id']}/cancel", GAINING, json={})
        reference: str = incident["reference"]
        return reference

    def env(self, party: str = INSTALLING) -> dict[str, str]:
        token = self.tokens.mint(party, PARTY_SCOPES)
        return {**base_env(self.data), **self.urls, "SSI_TOKEN": token}

    def until_acknowledged(self) -> None:
        """Until the follower has acknowledged everything the inbox holds."""
        deadline = time.monotonic() + LINE_SECONDS
        while self.inbox():
            assert time.monotonic() < deadline, "the follower acknowledged nothing"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data = tmp_path_factory.mktemp("cli-inbox")
    api_db = f"sqlite+aiosqlite:///{data / 'api.db'}"
    notifier_db = f"sqlite+aiosqlite:///{data / 'notifier.db'}"
    api_migrate.upgrade(api_db)
    notifier_migrate.upgrade(notifier_db)
    log = data / "services.log"
    with running(API_APP, base_env(data, INCIDENT_API_DATABASE_URL=api_db), log) as api:
        env = base_env(data, NOTIFIER_DATABASE_URL=notifier_db, NOTIFIER_INCIDENT_API_URL=api.url)
        with running(NOTIFIER_APP, env, log) as notifier:
            yield {"SSI_API_URL": api.url, "SSI_NOTIFIER_URL": notifier.url}


@pytest.fixture(scope="module")
def world(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(services, Tokens(), tmp_path_factory.mktemp("ssi"))
    for party, category in ((GAINING, "large_supplier"), (INSTALLING, "small_supplier")):
        body = {
            "party_id": party,
            "name": f"{party} Energy",
            "category": category,
            "ops_contact_email": f"ops@{party.lower()}.example",
            "escalation_contact_email": f"esc@{party.lower()}.example",
        }
        w.api("POST", "/v1/parties", json=body)
    device = {
        "device_type": "ESME",
        "smi_status": "installed_not_commissioned",
        "installing_party_id": INSTALLING,
        "registered_supplier_party_id": GAINING,
    }
    w.api("PUT", f"/v1/devices/{DEVICE}", json=device)
    created = w.call(
        "POST", services["SSI_NOTIFIER_URL"] + "/v1/endpoints", INSTALLING, json={"kind": "inbox"}
    )
    assert created.status_code == 201, created.text
    yield w
    w.http.close()


class Follow:
    """`ssi inbox follow` as a process: its output line by line, and Ctrl-C."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from cli.main import run; run()", "inbox", "follow", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # As a terminal would start it: a suite run in the background (`make test &` in
            # .ci/run) ignores SIGINT, and its children would inherit that and never see Ctrl-C.
            preexec_fn=_interruptible,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def line(self) -> str:
        try:
            return self.lines.get(timeout=LINE_SECONDS)
        except queue.Empty:
            raise AssertionError(f"no line from ssi inbox follow: {self.stop()}") from None

    def item(self) -> tuple[str, str]:
        item = json.loads(self.line())
        return item["type"], item["data"]["reference"]

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C: its exit code and what it wrote on stderr."""
        self.process.send_signal(signal.SIGINT)
        return self.stop()

    def stop(self) -> tuple[int, str]:
        try:
            _, err = self.process.communicate(timeout=LINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return self.process.returncode, err


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def following(env: dict[str, str], *args: str) -> Iterator[Follow]:
    follow = Follow(env, *args)
    try:
        yield follow
    finally:
        if follow.process.poll() is None:
            follow.process.kill()
            follow.process.communicate()


def test_follow_prints_each_item_once_across_a_restart(world: World) -> None:
    first = world.raise_and_cancel()
    with following(world.env()) as follow:
        assert follow.item() == ("incident.raised", first)
        assert follow.item() == ("incident.cancelled", first)
        world.until_acknowledged()
        second = world.raise_and_cancel()  # arrives while it waits
        assert follow.item() == ("incident.raised", second)
        assert follow.item() == ("incident.cancelled", second)
        world.until_acknowledged()
        code, err = follow.interrupt()
    assert code == 0
    assert err == ""  # Ctrl-C: no traceback, no error line

    third = world.raise_and_cancel()  # while no follower runs
    with following(world.env()) as follow:
        # A new process starts after what the last one acknowledged: nothing lost or repeated.
        assert follow.item() == ("incident.raised", third)
        assert follow.item() == ("incident.cancelled", third)
        world.until_acknowledged()
        assert follow.interrupt() == (0, "")


def test_forwarding_stops_at_a_refusal_and_acknowledges_nothing_refused(world: World) -> None:
    reference = world.raise_and_cancel()
    with running_receiver() as receiver:
        receiver.decide = lambda _: Answer(503)
        with following(world.env(), "--forward-to", receiver.url) as follow:
            code, err = follow.stop()
        assert code == 1
        [line] = err.splitlines()
        assert line.startswith("ssi: error: http://127.0.0.1:")
        assert "refused incident.raised" in line
        assert "(503, 4 attempts)" in line
        assert "Traceback" not in err
        assert len(receiver.received) == 4  # tried, then retried a few times
        # Nothing acknowledged: both items still wait.
        assert [i["type"] for i in world.inbox()] == ["incident.raised", "incident.cancelled"]

        receiver.decide = None  # the target works again: 204
        with following(world.env(), "--forward-to", receiver.url) as follow:
            assert follow.line().startswith("forwarded incident.raised ")
            assert follow.line().startswith("forwarded incident.cancelled ")
            world.until_acknowledged()
            assert follow.interrupt() == (0, "")
        forwarded = receiver.received[4:]
    check_forwarded(forwarded, reference)


def check_forwarded(received: list[Any], reference: str) -> None:
    bodies = [json.loads(r.body) for r in received]
    assert [(b["type"], b["data"]["reference"]) for b in bodies] == [
        ("incident.raised", reference),
        ("incident.cancelled", reference),
    ]
    assert all(set(b) == {"type", "timestamp", "data"} for b in bodies)
    assert all(r.headers["webhook-id"] and r.headers["content-type"] for r in received)


def test_a_forward_refused_midway_acknowledges_what_went_before(world: World) -> None:
    reference = world.raise_and_cancel()
    with running_receiver() as receiver:
        # The raise is taken; the cancellation refused every time.
        receiver.decide = lambda r: Answer(204 if b"incident.raised" in r.body else 400)
        with following(world.env(), "--forward-to", receiver.url) as follow:
            code, err = follow.stop()
        assert code == 1
        assert "refused incident.cancelled" in err
        [left] = world.inbox()
        assert (left["type"], left["data"]["reference"]) == ("incident.cancelled", reference)
        # The raise went once and was acknowledged; the cancellation was tried four times.
        assert [json.loads(r.body)["type"] for r in receiver.received] == [
            "incident.raised",
            *["incident.cancelled"] * 4,
        ]
    # Leave the inbox empty for the next test.
    ack = world.call(
        "POST",
        world.urls["SSI_NOTIFIER_URL"] + "/v1/inbox/ack",
        INSTALLING,
        json={"cursor": left["cursor"]},
    )
    assert ack.status_code == 200


runner = CliRunner()


def test_errors_are_one_line(world: World) -> None:
    env = world.env(GAINING)  # GSUP has no inbox
    result = runner.invoke(app, ["inbox", "follow"], env=env)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'ssi: error: 404 Your party has no inbox: Add one with POST /v1/endpoints {"kind": '
        '"inbox"}. (add one with `ssi endpoints add --inbox`)'
    ]
    bad = runner.invoke(app, ["inbox", "follow", "--forward-to", "ftp://x.example/"], env=env)
    assert bad.exit_code == 1
    assert bad.output == "ssi: error: --forward-to must be an http:// or https:// URL\n"
    no_token = runner.invoke(app, ["inbox", "follow"], env={**env, "SSI_TOKEN": ""})
    assert no_token.exit_code == 1
    assert "error: no token" in no_token.output
    gone = runner.invoke(
        app, ["inbox", "follow"], env={**world.env(), "SSI_NOTIFIER_URL": "http://127.0.0.1:9"}
    )
    assert gone.exit_code == 1
    assert gone.output == "ssi: error: cannot reach http://127.0.0.1:9: ConnectError\n"
