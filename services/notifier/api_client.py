"""The notifier's calls to the incident API, as `svc:notifier`."""

from typing import Any

import httpx

from services.notifier.settings import Settings
from shared.identifiers import is_party_id
from shared.schemas import FeedPage, PartyEventData
from shared.tokens import SERVICE_SCOPES, mint_dev_token


class ApiClient:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        self._settings = settings
        self._client = httpx.AsyncClient(
            base_url=settings.incident_api_url,
            timeout=10.0,
            transport=transport,
            trust_env=False,
        )

    def _headers(self) -> dict[str, str]:
        token = self._settings.api_token
        if token is None:
            common = self._settings.common
            token = mint_dev_token(
                common.dev_jwt_secret(),
                "svc:notifier",
                SERVICE_SCOPES,
                audience=common.jwt_audience,
                issuer=common.jwt_issuer,
                ttl_seconds=300,
            )
        return {"Authorization": f"Bearer {token}"}

    async def events(self, after: int, limit: int, wait: float) -> FeedPage:
        """A page of the feed; its items may be of types this version does not know (a newer
        API's): the reader skips those, so they never fail the page."""
        response = await self._client.get(
            "/v1/events",
            params={"after": after, "limit": limit, "wait": wait},
            headers=self._headers(),
            # The long-poll holds the answer for up to `wait`: the read timeout must outlast it.
            timeout=httpx.Timeout(10.0, read=wait + 10.0),
        )
        response.raise_for_status()
        return FeedPage.model_validate_json(response.content)

    async def party(self, party_id: str) -> PartyEventData | None:
        """The API's party, as its feed events would carry it; None if the API has no such
        party. Raises `httpx.HTTPError` when the API cannot say (down, or refusing us)."""
        if not is_party_id(party_id):  # it goes into the path: nothing else ever does
            raise ValueError("not a party id")
        response = await self._client.get(f"/v1/parties/{party_id}", headers=self._headers())
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return PartyEventData.model_validate_json(response.content)

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self._client.post(path, json=body, headers=self._headers())

    async def put(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self._client.put(path, json=body, headers=self._headers())

    async def close(self) -> None:
        await self._client.aclose()
