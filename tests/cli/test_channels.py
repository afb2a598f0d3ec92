"""`ssi endpoints` for every channel, a party's own contact emails, the contact-defects report and
the unreached incidents, against both services as processes on loopback (SQLite), the notifier
mailing through a real SMTP server in this process (aiosmtpd, STARTTLS, a trustme CA).

ISUP registers its own channels; USUP has none, and its ops contact's mail server refuses it;
GSUP raises and changes its contact emails; DCCO is the operator.
"""

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from shared.tokens import OPERATOR_SCOPES, PARTY_SCOPES
from tests.database import on_postgres
from tests.processes import API_APP, NOTIFIER_APP, base_env, running
from tests.receiver import Answer, running_receiver
from tests.smtp import SmtpServer, smtp_server
from tests.tokens import Tokens

pytestmark = pytest.mark.skipif(
    on_postgres(),
    reason="the commands run against SQLite processes whatever the suite runs on: once is enough",
)

runner = CliRunner()
GAINING, INSTALLING, UNREACHABLE, OPERATOR = "GSUP", "ISUP", "USUP", "DCCO"
DEVICES = {INSTALLING: "00-DB-00-00-00-00-03-01", UNREACHABLE: "00-DB-00-00-00-00-03-02"}
REFUSED = "ops@usup.example"
PORTAL = "https://portal.test"
LINK = re.compile(rf"{re.escape(PORTAL)}/endpoints/confirm\?token=[\w-]+")
WAIT_SECONDS = 30.0
"""How long a test waits for something the services do in the background (a bound on a hang)."""
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


class World:
    def __init__(self, urls: dict[str, str], smtp: SmtpServer, tokens: Tokens) -> None:
        self.urls = urls
        self.smtp = smtp
        self.tokens = tokens
        self.http = httpx.Client(timeout=30, trust_env=False)

    def token(self, party: str) -> str:
        scopes = OPERATOR_SCOPES if party == OPERATOR else PARTY_SCOPES
        return self.tokens.mint(party, scopes)

    def ssi(self, party: str | None, *args: str) -> Result:
        env = {**self.urls, "SSI_TOKEN": self.token(party) if party else ""}
        return runner.invoke(app, list(args), env=env)

    def api(self, method: str, path: str, party: str | None = None, **kw: Any) -> Any:
        headers = self.tokens.party(party) if party else self.tokens.admin()
        answer = self.http.request(method, self.urls["SSI_API_URL"] + path, headers=headers, **kw)
        assert answer.is_success, answer.text
        return answer.json()

    def raise_incident(self, addressee: str) -> dict[str, Any]:
        body = {"device_id": DEVICES[addressee]}
        raised: dict[str, Any] = self.api("POST", "/v1/incidents", GAINING, json=body)
        return raised

    def mail_to(self, address: str, subject: str) -> EmailMessage:
        """The first message to `address` whose subject starts so, waiting for the SMTP server
        to receive it (TimeoutError if it never does)."""
        seen = 0
        while True:
            received = asyncio.run(self.smtp.wait_for(seen + 1))
            for r in received:
                if address in r.rcpt_tos and str(r.message["Subject"]).startswith(subject):
                    return r.message
            seen = len(received)

    def until(self, check: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not check():
            assert time.monotonic() < deadline, f"gave up waiting for {what}"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("cli-channels")
    api_db = f"sqlite+aiosqlite:///{data / 'api.db'}"
    notifier_db = f"sqlite+aiosqlite:///{data / 'notifier.db'}"
    api_migrate.upgrade(api_db)
    notifier_migrate.upgrade(notifier_db)
    log = data / "services.log"
    with (
        smtp_server() as smtp,
        running(API_APP, base_env(data, INCIDENT_API_DATABASE_URL=api_db), log) as api,
    ):
        env = base_env(
            data,
            NOTIFIER_DATABASE_URL=notifier_db,
            NOTIFIER_INCIDENT_API_URL=api.url,
            NOTIFIER_SMTP_URL=smtp.url(),
            NOTIFIER_SMTP_CA_FILE=str(smtp.ca_file),
            NOTIFIER_PORTAL_URL=PORTAL,
        )
        with running(NOTIFIER_APP, env, log) as notifier:
            w = World({"SSI_API_URL": api.url, "SSI_NOTIFIER_URL": notifier.url}, smtp, Tokens())
            seed(w)
            yield w
            w.http.close()
    assert "Traceback" not in log.read_text()


def seed(w: World) -> None:
    parties = (
        (GAINING, "large_supplier"),
        (INSTALLING, "small_supplier"),
        (UNREACHABLE, "small_supplier"),
        (OPERATOR, "operator"),
    )
    for party, category in parties:
        body = {
            "party_id": party,
            "name": f"{party} Energy",
            "category": category,
            "ops_contact_email": f"ops@{party.lower()}.example",
            "escalation_contact_email": f"esc@{party.lower()}.example",
        }
        w.api("POST", "/v1/parties", json=body)
    for installer, device in DEVICES.items():
        body = {
            "device_type": "ESME",
            "smi_status": "installed_not_commissioned",
            "installing_party_id": installer,
            "registered_supplier_party_id": GAINING,
        }
        w.api("PUT", f"/v1/devices/{device}", json=body)
    w.smtp.answer(REFUSED, "550 5.1.1 No such user")


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def failed(result: Result, message: str) -> str:
    """The one error line, once it is checked to contain `message`."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    [line] = result.output.splitlines()
    assert line.startswith("ssi: error: ")
    assert message in line, line
    return line


def rows(output: str, *words: str) -> list[list[str]]:
    """The table's rows that contain every one of `words`, split into cells."""
    return [line.split() for line in output.splitlines() if all(w in line.split() for w in words)]


def test_an_email_endpoint_is_off_until_its_link_is_followed(world: World) -> None:
    address = "desk@isup.example"
    added = world.ssi(INSTALLING, "endpoints", "add", "--email", address)
    out = ok(added)
    assert "kind: email" in out
    assert "enabled: False" in out
    assert "A confirmation link was mailed to the address: this endpoint stays off" in out
    endpoint = re.findall(r"^id: (\S+)$", out, re.MULTILINE)[0]

    # Nothing is sent to it before the link is followed: not even a test.
    line = failed(world.ssi(INSTALLING, "endpoints", "test", endpoint), "409 ")
    assert line.endswith("(follow the link mailed to the address first: `ssi endpoints confirm`)")

    message = world.mail_to(address, "[SSI] Confirm this address")
    body = message.get_body(("plain",))
    assert body is not None
    [link] = LINK.findall(body.get_content())
    failed(
        world.ssi(None, "endpoints", "confirm", "A" * 43),
        "error: 422 This confirmation link is not valid",
    )
    failed(
        world.ssi(None, "endpoints", "confirm", f"{PORTAL}/endpoints/confirm"),
        "that link has no token",
    )
    # The link serves as mailed, with no token of the party's: whoever reads the mailbox.
    assert ok(world.ssi(None, "endpoints", "confirm", link)) == f"{endpoint} confirmed: enabled\n"
    failed(world.ssi(None, "endpoints", "confirm", link), "422 This confirmation link")

    listed = ok(world.ssi(INSTALLING, "endpoints", "list"))
    assert rows(listed, endpoint) == [[endpoint, "email", address, "True", "[]"]]

    tested = ok(world.ssi(INSTALLING, "endpoints", "test", endpoint, "--wait"))
    first, outcome = tested.splitlines()
    delivery, status = first.split()
    assert status == "pending"
    assert outcome.startswith(f"{delivery} succeeded (250")
    test = world.mail_to(address, f"[SSI] Test message for endpoint {endpoint}")
    assert test["To"] == address


def test_add_takes_one_target_and_a_sound_address(world: World) -> None:
    no_target = "give one of URL, --email ADDRESS or --inbox"
    failed(world.ssi(INSTALLING, "endpoints", "add"), no_target)
    two = "give only one of URL, --email ADDRESS or --inbox"
    failed(world.ssi(INSTALLING, "endpoints", "add", "https://x.example/", "--inbox"), two)
    failed(world.ssi(INSTALLING, "endpoints", "add", "--email", "a@b.example", "--inbox"), two)
    failed(
        world.ssi(INSTALLING, "endpoints", "add", "https://x.example/", "--email", "a@b.example"),
        two,
    )
    for bad in ("not-an-address", "a@b.example\r\nBcc: c@d.example", "a@b.example, c@d.example"):
        line = failed(world.ssi(INSTALLING, "endpoints", "add", "--email", bad), "error: 422 ")
        assert "Bcc" not in line
    # None of them was registered, nor anything mailed to it.
    listed = json.loads(ok(world.ssi(INSTALLING, "endpoints", "list", "--json")))
    assert "a@b.example" not in {e["address"] for e in listed["items"]}
    assert not [r for r in world.smtp.received if any("b.example" in a for a in r.rcpt_tos)]
    failed(world.ssi(INSTALLING, "endpoints", "test", UNKNOWN_ID), "error: 404 No such endpoint")
    failed(world.ssi(INSTALLING, "endpoints", "test", "nope"), "error: 422 ")
    lone = world.ssi(INSTALLING, "endpoints", "test", UNKNOWN_ID, "--timeout", "5")
    failed(lone, "error: --timeout goes with --wait")


def test_the_inbox_and_webhook_endpoints_answer_a_test(world: World) -> None:
    added = world.ssi(INSTALLING, "endpoints", "add", "--inbox", "--json")
    ok(added)
    inbox = json.loads(added.stdout)  # the hint goes to stderr, leaving the JSON alone
    assert added.stderr == "Pull what arrives with `ssi inbox follow`.\n"
    assert (inbox["kind"], inbox["url"], inbox["address"]) == ("inbox", None, None)
    failed(
        world.ssi(INSTALLING, "endpoints", "add", "--inbox"),
        "409 Your party already has an inbox: ",
    )
    assert world.ssi(INSTALLING, "endpoints", "add", "--inbox").output.endswith(
        "(read it with `ssi inbox follow`)\n"
    )
    # An inbox's item waits for the party to fetch it: the wait is bounded, and says so.
    pending = world.ssi(INSTALLING, "endpoints", "test", inbox["id"], "--wait", "--timeout", "1")
    assert pending.exit_code == 1
    sent, error = pending.output.splitlines()
    delivery = sent.split()[0]
    assert error == f"ssi: error: {delivery} pending after 1 s: `ssi deliveries show {delivery}`"

    with running_receiver() as receiver:
        created = json.loads(ok(world.ssi(INSTALLING, "endpoints", "add", receiver.url, "--json")))
        assert created["kind"] == "webhook"
        assert created["secret"].startswith("whsec_")
        tested = ok(world.ssi(INSTALLING, "endpoints", "test", created["id"], "--wait"))
        assert tested.splitlines()[1].endswith(" succeeded (204)")
        [received] = receiver.received
        assert json.loads(received.body)["type"] == "endpoint.test"
        assert received.headers["webhook-signature"].startswith("v1,")

        receiver.decide = lambda _: Answer(410)  # gone: dead at once
        gone = world.ssi(INSTALLING, "endpoints", "test", created["id"], "--wait")
        assert gone.exit_code == 1
        assert gone.output.splitlines()[1].endswith(" dead (410)")
        assert "Traceback" not in gone.output
    ok(world.ssi(INSTALLING, "endpoints", "delete", created["id"]))


def test_the_list_shows_the_contact_list_endpoints_on_request(world: World) -> None:
    def contacts() -> list[dict[str, Any]]:
        listed = ok(world.ssi(INSTALLING, "endpoints", "list", "--contacts", "--json"))
        return [e for e in json.loads(listed)["items"] if e["contact_role"]]

    world.until(lambda: len(contacts()) == 2, "ISUP's contact list endpoints")
    table = ok(world.ssi(INSTALLING, "endpoints", "list", "--contacts"))
    assert table.splitlines()[0].split()[:3] == ["id", "kind", "contact_role"]
    assert rows(table, "ops@isup.example")[0][1:4] == ["email", "ops", "ops@isup.example"]
    assert rows(table, "esc@isup.example")[0][1:4] == ["email", "escalation", "esc@isup.example"]
    assert "ops@isup.example" not in ok(world.ssi(INSTALLING, "endpoints", "list"))
    # Kept from the contact list: changed there, not here.
    [ops] = [e for e in contacts() if e["contact_role"] == "ops"]
    failed(
        world.ssi(INSTALLING, "endpoints", "delete", ops["id"]),
        "(change your contact emails with `ssi parties contacts`)",
    )


def test_a_party_changes_its_own_contact_emails(world: World) -> None:
    failed(world.ssi(GAINING, "parties", "contacts", GAINING), "give --ops EMAIL, --escalation")
    changed = ok(
        world.ssi(GAINING, "parties", "contacts", GAINING, "--ops", "desk@gsup.example", "--json")
    )
    party = json.loads(changed)
    assert party["party_id"] == GAINING
    failed(
        world.ssi(GAINING, "parties", "contacts", GAINING, "--escalation", "x@y.example\r\nBcc: z"),
        "error: 422 ",
    )
    failed(
        world.ssi(GAINING, "parties", "contacts", INSTALLING, "--ops", "desk@gsup.example"),
        "error: 404 ",
    )
    both = ("--ops", "ops2@gsup.example", "--escalation", "esc2@gsup.example")
    ok(world.ssi(GAINING, "parties", "contacts", GAINING, *both))

    history = ok(world.ssi(OPERATOR, "parties", "history", GAINING))
    assert history.splitlines()[0].split() == ["at", "actor", "action", "fields"]
    assert "gsup.example" not in history  # the fields named, never their values
    items = json.loads(ok(world.ssi(OPERATOR, "parties", "history", GAINING, "--json")))["items"]
    # Newest first.
    assert [(c["actor"], c["action"], sorted(c["fields"])) for c in items[:2]] == [
        (GAINING, "contacts_changed", ["escalation_contact_email", "ops_contact_email"]),
        (GAINING, "contacts_changed", ["ops_contact_email"]),
    ]
    assert items[-1]["action"] == "created"
    page = json.loads(
        ok(world.ssi(OPERATOR, "parties", "history", GAINING, "--limit", "1", "--json"))
    )
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    failed(world.ssi(OPERATOR, "parties", "history", "ZZZZ"), "error: 404 ")
    failed(world.ssi(GAINING, "parties", "history", GAINING), "error: 403 ")


def test_contact_defects_and_the_unreached_addressees(world: World) -> None:
    unreached = world.raise_incident(UNREACHABLE)  # no endpoint; its ops contact refused
    reached = world.raise_incident(INSTALLING)

    def defects() -> list[dict[str, Any]]:
        out = ok(world.ssi(OPERATOR, "report", "contact-defects", "--json"))
        items: list[dict[str, Any]] = json.loads(out)["items"]
        return items

    world.until(lambda: bool(defects()), "the refused address to be listed")
    [defect] = defects()
    assert (defect["party_id"], defect["contact_role"], defect["address"]) == (
        UNREACHABLE,
        "ops",
        REFUSED,
    )
    assert defect["last_status_code"] == 550
    table = ok(world.ssi(OPERATOR, "report", "contact-defects"))
    assert table.splitlines()[0].split() == [
        "party_id",
        "contact_role",
        "address",
        "failing_since",
        "last_status_code",
        "last_error",
    ]
    assert rows(table, UNREACHABLE, REFUSED)[0][4] == "550"
    # A supplier sees its own defects only: GSUP has none.
    assert json.loads(ok(world.ssi(GAINING, "report", "contact-defects", "--json"))) == {
        "items": []
    }

    def is_reached(incident: dict[str, Any]) -> bool:
        shown = world.api("GET", f"/v1/incidents/{incident['id']}", GAINING)
        return bool(shown["addressee_reachable"])

    world.until(lambda: is_reached(reached), "ISUP to be reached")
    listed = ok(world.ssi(OPERATOR, "incidents", "list", "--unreached"))
    assert unreached["reference"] in listed
    assert reached["reference"] not in listed
    assert reached["reference"] in ok(world.ssi(OPERATOR, "incidents", "list"))
    assert not is_reached(unreached)
