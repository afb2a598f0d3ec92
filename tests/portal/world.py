"""Portal tests' vocabulary: a registered world of parties and Devices, and people signed in
through development's "sign in as", each with their own cookie jar, sending what a browser on
the portal's own pages sends (`Sec-Fetch-Site: same-origin`)."""

import re
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI

from services.common.clock import FrozenClock
from tests.notifier.harness import Harness

DEVICE = "00-DB-12-34-56-78-90-A0"
CODE = "83FED3407A939723A5C639B26916D505"
PARTIES = {
    "GSUP": "large_supplier",
    "ISUP": "large_supplier",
    "SSUP": "small_supplier",
    "DCCO": "operator",
}


def field_errors(html: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', html)


def alerts(html: str) -> list[str]:
    """The text of every `role="alert"` block, tags stripped."""
    blocks = re.findall(r'role="alert"[^>]*>(.*?)</(?:div|p)>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", b)).strip() for b in blocks]


@dataclass
class Portal:
    app: FastAPI
    harness: Harness
    clock: FrozenClock
    devices: list[str] = field(default_factory=list)

    async def register(self) -> None:
        """The parties above, and `DEVICE` installed by ISUP for GSUP, not yet commissioned."""
        api, admin = self.harness.api, self.harness.tokens.admin()
        for party_id, category in PARTIES.items():
            answer = await api.post(
                "/v1/parties",
                headers=admin,
                json={
                    "party_id": party_id,
                    "name": f"{party_id} Ltd",
                    "category": category,
                    "ops_contact_email": f"ops@{party_id.lower()}.example",
                    "escalation_contact_email": f"escalations@{party_id.lower()}.example",
                },
            )
            assert answer.status_code == 201, answer.text
        await self.device(DEVICE)
        await self.harness.sync()

    async def device(self, device_id: str, installer: str = "ISUP", supplier: str = "GSUP") -> None:
        answer = await self.harness.api.put(
            f"/v1/devices/{device_id}",
            headers=self.harness.tokens.admin(),
            json={
                "device_type": "ESME",
                "smi_status": "installed_not_commissioned",
                "installing_party_id": installer,
                "registered_supplier_party_id": supplier,
            },
        )
        assert answer.status_code in (200, 201), answer.text

    def browser(self) -> httpx.AsyncClient:
        """A browser with no session yet, on the portal's own pages."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://portal.test",
            headers={"Sec-Fetch-Site": "same-origin"},
        )

    async def sign_in(self, party_id: str, person: str = "pat") -> httpx.AsyncClient:
        browser = self.browser()
        answer = await browser.post(
            "/signin/dev", data={"party": party_id, "person": person, "next": "/"}
        )
        assert answer.status_code == 303, answer.text
        return browser

    async def raise_incident(self, browser: httpx.AsyncClient, device_id: str = DEVICE) -> str:
        """Raised through the portal's form; the reference."""
        answer = await browser.post("/incidents/new", data={"device_id": device_id})
        assert answer.status_code == 303, answer.text
        reference = answer.headers["location"].split("/")[2].split("?")[0]
        await self.harness.sync()
        return reference
