"""The `ssi` commands against both services running as processes on loopback (SQLite)."""

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from shared.tokens import PARTY_SCOPES
from tests.database import on_postgres
from tests.incident_api.world import CODE, CODE_WITH_CRC
from tests.processes import API_APP, NOTIFIER_APP, base_env, running
from tests.receiver import running_receiver
from tests.tokens import Tokens

pytestmark = pytest.mark.skipif(
    on_postgres(),
    reason="the commands run against SQLite processes whatever the suite runs on: once is enough",
)

runner = CliRunner()
DEVICES = [f"00-DB-00-00-00-00-00-{n:02X}" for n in range(6)]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data = tmp_path_factory.mktemp("cli")
    api_db = f"sqlite+aiosqlite:///{data / 'api.db'}"
    notifier_db = f"sqlite+aiosqlite:///{data / 'notifier.db'}"
    api_migrate.upgrade(api_db)
    notifier_migrate.upgrade(notifier_db)
    log = data / "services.log"
    with running(API_APP, base_env(data, INCIDENT_API_DATABASE_URL=api_db), log) as api:
        env = base_env(data, NOTIFIER_DATABASE_URL=notifier_db, NOTIFIER_INCIDENT_API_URL=api.url)
        with running(NOTIFIER_APP, env, log) as notifier:
            yield {"SSI_API_URL": api.url, "SSI_NOTIFIER_URL": notifier.url}


def ssi(env: dict[str, str], token: str | None, *args: str, stdin: str | None = None) -> Result:
    environment = {**env, "SSI_TOKEN": token or ""}
    return runner.invoke(app, list(args), env=environment, input=stdin)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def failed(result: Result, message: str) -> None:
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output, result.output
    assert "Traceback" not in result.output


def tokens_scopes() -> list[str]:
    return list(PARTY_SCOPES)


def test_a_whole_incident_from_the_command_line(
    services: dict[str, str], tokens: Tokens, tmp_path: Path
) -> None:
    admin = tokens.mint("admin", ["admin"])
    gsup = tokens.mint("GSUP", tokens_scopes())
    isup = tokens.mint("ISUP", tokens_scopes())
    for party, category in (("GSUP", "large_supplier"), ("ISUP", "small_supplier")):
        ok(
            ssi(
                services,
                admin,
                "parties",
                "add",
                party,
                "--name",
                f"{party} Energy",
                "--category",
                category,
                "--ops-email",
                f"ops@{party.lower()}.example",
                "--escalation-email",
                f"esc@{party.lower()}.example",
            )
        )
    assert "ISUP Energy" in ok(ssi(services, admin, "parties", "list"))

    inventory = tmp_path / "inventory.csv"
    rows = ["device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id"]
    rows += [f"{d},ESME,installed_not_commissioned,ISUP,GSUP" for d in DEVICES]
    rows.append("00-DB-XX,ESME,installed_not_commissioned,ISUP,GSUP")
    inventory.write_text("\n".join(rows) + "\n")
    result = ssi(services, admin, "devices", "import", str(inventory))
    assert result.exit_code == 1  # one row was refused
    assert "6 of 7 rows imported; 1 failed" in result.output
    report = (tmp_path / "inventory.csv.errors.csv").read_text().splitlines()
    assert report[0] == "row,field,message"
    assert report[1].startswith("7,device_id,")

    raised = json.loads(ok(ssi(services, gsup, "incidents", "raise", DEVICES[0], "--json")))
    incident, reference = raised["id"], raised["reference"]
    assert raised["status"] == "raised"
    # The API's JSON as it sent it: its keys in its order, not sorted as a generated model's.
    assert list(raised)[:3] == ["id", "reference", "device_id"]
    assert reference in ok(ssi(services, isup, "incidents", "list", "--role", "addressee"))
    # The reference every table, webhook and email shows serves wherever an id does.
    shown = ok(ssi(services, isup, "incidents", "show", reference))
    assert shown.splitlines()[:2] == [f"id: {incident}", f"reference: {reference}"]
    assert ok(ssi(services, isup, "incidents", "show", incident)) == shown
    ok_line = f"{reference} acknowledged (version 2)\n"
    assert ok(ssi(services, isup, "incidents", "acknowledge", reference)) == ok_line

    # The install code comes from standard input (or a file, or a hidden prompt): never argv.
    answered = ssi(
        services,
        isup,
        "incidents",
        "respond",
        reference.lower(),
        "--outcome",
        "install_code_provided",
        "--json",
        stdin=CODE_WITH_CRC + "\n",
    )
    assert json.loads(ok(answered))["status"] == "resolved"
    assert CODE not in answered.output
    assert ok(ssi(services, gsup, "incidents", "reveal", reference)) == CODE + "\n"
    assert "closed" in ok(ssi(services, gsup, "incidents", "close", reference))
    history = ok(ssi(services, gsup, "incidents", "history", reference))
    assert "install_code.revealed" in history
    assert ok(ssi(services, gsup, "incidents", "history", incident)) == history
    failed(ssi(services, gsup, "incidents", "reveal", incident), "410 The install code has been")
    failed(ssi(services, isup, "incidents", "show", "INC-999999"), "error: 404 No such incident")

    # A second incident: raised, reopened after an answer, then cancelled, all by reference.
    raised = json.loads(ok(ssi(services, gsup, "incidents", "raise", DEVICES[1], "--json")))
    second = raised["reference"]
    code_file = tmp_path / "code.txt"
    code_file.write_text(CODE)
    respond = ("incidents", "respond", second, "--outcome", "install_code_provided")
    ok(ssi(services, isup, *respond, "--code-file", str(code_file)))
    assert "raised" in ok(ssi(services, gsup, "incidents", "reopen", second, "--reason", "no"))
    assert "cancelled" in ok(ssi(services, gsup, "incidents", "cancel", second))
    report_csv = ok(ssi(services, isup, "report", "sla", "--csv"))
    assert report_csv.splitlines()[1].startswith("ISUP,3,")


def test_files_go_in_one_batch(services: dict[str, str], tokens: Tokens, tmp_path: Path) -> None:
    gsup = tokens.mint("GSUP", tokens_scopes())
    isup = tokens.mint("ISUP", tokens_scopes())
    rows = tmp_path / "raise.csv"
    rows.write_text(
        "client_ref,device_id\n"
        + "".join(f"r{n},{d}\n" for n, d in enumerate(DEVICES[2:5]))
        + "unknown,00-DB-00-00-00-00-01-FF\n"  # not in the inventory, and no addressed_party_id
        + "typo,00-DB-XX\n"
    )
    results = tmp_path / "results.csv"
    result = ssi(
        services, gsup, "incidents", "raise", "--file", str(rows), "--results", str(results)
    )
    assert result.exit_code == 1  # two rows failed
    assert "3 succeeded, 2 failed" in result.output
    # The table gives each failing row's whole reason, as --json would.
    [unknown] = [line for line in result.output.splitlines() if "unknown" in line]
    assert "addressee-required: The inventory does not know this Device" in unknown
    assert "addressed_party_id" in unknown
    [typo] = [line for line in result.output.splitlines() if " typo " in line]
    assert "validation: One or more fields are invalid. (device_id: " in typo
    with results.open(newline="") as written:
        raised = list(csv.reader(written))
    assert raised[0] == [
        "row",
        "client_ref",
        "ok",
        "incident_id",
        "reference",
        "replayed",
        "error",
        "error_detail",
    ]
    assert raised[4][6:] == [
        "addressee-required",
        "The inventory does not know this Device: name the Device's installing party in "
        "addressed_party_id (the incident is then marked unverified).",
    ]
    assert raised[5][6] == "validation"
    assert raised[5][7].startswith("One or more fields are invalid. (device_id: ")
    references = [line[4] for line in raised[1:4]]
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "reference,outcome,install_code,reason\n"
        f"{references[0]},install_code_provided,{CODE},\n"
        f"{references[1]},rejected,,not one of ours\n"
        f"INC-999999,rejected,,nope\n"
    )
    result = ssi(services, isup, "incidents", "respond", "--file", str(answers))
    assert result.exit_code == 1  # one row failed
    assert "2 succeeded, 1 failed" in result.output
    assert "incident-not-found" in result.output
    assert CODE not in result.output


def test_endpoints_deliveries_and_listen(services: dict[str, str], tokens: Tokens) -> None:
    isup = tokens.mint("ISUP", tokens_scopes())
    with running_receiver() as receiver:
        created = json.loads(
            ok(
                ssi(
                    services,
                    isup,
                    "endpoints",
                    "add",
                    receiver.url,
                    "--event-type",
                    "incident.raised",
                    "--json",
                )
            )
        )
        assert created["secret"].startswith("whsec_")
        endpoint = created["id"]
        assert receiver.url in ok(ssi(services, isup, "endpoints", "list"))
        rotated = json.loads(ok(ssi(services, isup, "endpoints", "rotate", endpoint, "--json")))
        assert rotated["secret"] != created["secret"]
        assert "disabled" in ok(ssi(services, isup, "endpoints", "disable", endpoint))
        gsup = tokens.mint("GSUP", tokens_scopes())
        raised = json.loads(ok(ssi(services, gsup, "incidents", "raise", DEVICES[5], "--json")))
        out = ok(
            ssi(services, isup, "endpoints", "recover", endpoint, "--since", "2000-01-01T00:00:00Z")
        )
        assert "queued again" in out
        receiver.wait_for(1)
    # The endpoint's own deliveries (ISUP's contact list was mailed what came before it).
    listed = ok(ssi(services, isup, "deliveries", "list", "--endpoint", endpoint, "--json"))
    assert {d["event_type"] for d in json.loads(listed)["items"]} == {"incident.raised"}
    # The notifier knows incidents by id: `--incident` takes the reference too.
    about = ssi(services, isup, "deliveries", "list", "--incident", raised["reference"], "--json")
    assert {d["incident_id"] for d in json.loads(ok(about))["items"]} == {raised["id"]}
    ok(ssi(services, isup, "endpoints", "delete", endpoint))
    assert ok(ssi(services, isup, "endpoints", "list")).count(receiver.url) == 0
    failed(ssi(services, isup, "endpoints", "delete", endpoint), "error: 404 No such endpoint")


def test_errors_are_one_line(services: dict[str, str], tokens: Tokens) -> None:
    gsup = tokens.mint("GSUP", tokens_scopes())
    failed(ssi(services, None, "incidents", "list"), "error: no token: set SSI_TOKEN")
    failed(ssi(services, gsup, "incidents", "show", "nope"), "error: 404 No such incident")
    failed(
        ssi(services, gsup, "incidents", "raise", "00-DB-XX"),
        "error: 422 Request validation failed: One or more fields are invalid. (device_id:",
    )
    unreachable = {**services, "SSI_API_URL": "http://127.0.0.1:9"}
    failed(ssi(unreachable, gsup, "incidents", "list"), "error: cannot reach http://127.0.0.1:9")
    # An answer the operation does not document (here the notifier's, not the API's): its status.
    wrong = {**services, "SSI_API_URL": services["SSI_NOTIFIER_URL"]}
    failed(ssi(wrong, gsup, "incidents", "list"), "ssi: error: 404 Not Found")
    failed(ssi(services, gsup, "incidents", "raise"), "ssi: error: give a DEVICE_ID or --file")
    unknown = ssi(services, gsup, "incidents", "raise", "00-DB-00-00-00-00-02-FF")
    failed(unknown, "The inventory does not know this Device")
    assert unknown.output.endswith("(name the installing party with --addressee PARTY)\n")
    assert len(unknown.output.splitlines()) == 1
