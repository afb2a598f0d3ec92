"""The typed client (`clients/python/`): generated from the committed documents, and a package
that installs and works on its own, against a real API process."""

import subprocess
import sys
from pathlib import Path

from services import publish
from services.incident_api import migrate
from tests.database import fresh_database
from tests.processes import API_APP, base_env, running
from tests.tokens import Tokens

USE_THE_CLIENT = """
import sys
from ssi_client.incident_api import AuthenticatedClient
from ssi_client.incident_api.api.parties import create_party, get_party
from ssi_client.incident_api.models import PartyCreate, PartyCategory, PartyRead, Problem

base_url, admin = sys.argv[1], sys.argv[2]
client = AuthenticatedClient(base_url=base_url, token=admin)
body = PartyCreate(
    party_id="GSUP",
    name="Gaining Supplier",
    category=PartyCategory.LARGE_SUPPLIER,
    ops_contact_email="ops@gsup.example",
    escalation_contact_email="esc@gsup.example",
)
created = create_party.sync(client=client, body=body)
assert isinstance(created, PartyRead), created
missing = get_party.sync(client=client, party_id="NONE")
assert isinstance(missing, Problem), missing
print(created.party_id, created.category.value, missing.status, missing.type_)
"""


def test_the_committed_client_is_generated_from_the_documents() -> None:
    assert publish.stale_clients(publish.documents()) == []


def test_the_client_installs_on_its_own_and_talks_to_the_api(tmp_path: Path) -> None:
    uv = publish.ROOT / ".tools" / "bin" / "uv"
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", python, publish.CLIENTS],
        check=True,
    )
    with fresh_database(tmp_path, "client") as url:
        migrate.upgrade(url)
        env = base_env(tmp_path / "data", INCIDENT_API_DATABASE_URL=url)
        with running(API_APP, env, tmp_path / "api.log") as api:
            used = subprocess.run(
                [python, "-c", USE_THE_CLIENT, api.url, Tokens().mint("admin", ["admin"])],
                capture_output=True,
                text=True,
                cwd=tmp_path,  # not the repository: only the installed package can be found
            )
    assert used.returncode == 0, used.stderr
    assert used.stdout.split() == [
        "GSUP",
        "large_supplier",
        "404",
        "https://ssi.example/problems/party-not-found",
    ]
